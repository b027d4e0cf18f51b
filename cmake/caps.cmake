# Capabilities added after the foundation. Each line: name, then what it uses.
vigil_capability(census vigil_graph vigil_text vigil_store vigil_util)
vigil_capability(match vigil_media vigil_text vigil_store vigil_util PkgConfig::XXHASH PkgConfig::CJSON)
vigil_capability(report vigil_census vigil_store vigil_util PkgConfig::CJSON)
