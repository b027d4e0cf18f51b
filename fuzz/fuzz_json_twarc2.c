/* libFuzzer harness: arbitrary bytes through the reader and vigil_parse_twarc2. */
#define FUZZ_JSON_PARSER vigil_parse_twarc2
#include "fuzz_json_body.h"
