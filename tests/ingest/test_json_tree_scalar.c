/* The JSON tree parser's tests again, on its portable scalar string scan
 * (VJT_NO_SIMD), which x86-64 builds otherwise never run. The parser is
 * compiled into this executable, so the library's copy is not linked. */
#define VJT_NO_SIMD 1
#include "ingest/json_tree.c"
#include "ingest/test_json_tree.c"
