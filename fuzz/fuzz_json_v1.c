/* libFuzzer harness: arbitrary bytes through the reader and vigil_parse_twitter_v1. */
#define FUZZ_JSON_PARSER vigil_parse_twitter_v1
#include "fuzz_json_body.h"
