/* Fuzzes the index file loader: any input must load cleanly or fail with
 * VIGIL_ECORRUPT, never crash; a loaded index must answer a query.
 * Random bytes rarely carry valid XXH3 checksums, so half of the inputs get
 * their checksums recomputed here: that lets the fuzzer reach the record
 * parsing and the index rebuild (duplicate ids, odd hashes) too. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "vigil/error.h"
#include "vigil/hindex.h"

static void put64(uint8_t *p, uint64_t v) {
  for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  uint8_t *buf = malloc(size ? size : 1);
  if (!buf) return 0;
  if (size) memcpy(buf, data, size);
  if (size >= 64 && (data[size - 1] & 1)) {
    put64(buf + 32, XXH3_64bits(buf + 64, size - 64));
    put64(buf + 56, XXH3_64bits(buf, 56));
  }
  vigil_hindex *ix = NULL;
  int rc = vigil_hindex_load_mem(&ix, buf, size, NULL);
  if (rc) {
    if (rc != VIGIL_ECORRUPT || ix) abort();
    free(buf);
    return 0;
  }
  uint8_t q[VIGIL_PDQ_BYTES] = {0};
  for (size_t i = 0; i < size && i < sizeof q; i++) q[i] = data[size - 1 - i];
  vigil_hindex_hits hits = VIGIL_HINDEX_HITS_INIT;
  if (vigil_hindex_query(ix, q, 64, 0, &hits)) abort();
  if (hits.n > vigil_hindex_count(ix)) abort();
  vigil_hindex_hits_release(&hits);
  vigil_hindex_free(ix);
  free(buf);
  return 0;
}
