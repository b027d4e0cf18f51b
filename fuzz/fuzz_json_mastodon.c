/* libFuzzer harness: arbitrary bytes through the reader and vigil_parse_mastodon. */
#define FUZZ_JSON_PARSER vigil_parse_mastodon
#include "fuzz_json_body.h"
