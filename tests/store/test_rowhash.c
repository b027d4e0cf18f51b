/* vigil_rowhash must give exactly XXH3's streaming digest of the same bytes:
 * stores hold digests made the streaming way, and a different digest would
 * make every re-ingested row look changed. Random field sizes cross the
 * stack buffer's edge, exceed it, and fill it exactly. */
#include <stdlib.h>
#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "store/rowhash.h"
#include "testutil.h"

static uint64_t streamed(const unsigned char *data, const size_t *lens, size_t n) {
  XXH3_state_t st;
  XXH3_64bits_reset(&st);
  for (size_t i = 0, off = 0; i < n; off += lens[i], i++) XXH3_64bits_update(&st, data + off, lens[i]);
  uint64_t d = XXH3_64bits_digest(&st);
  return d ? d : 1;
}

static void test_equals_streaming(void **state) {
  (void)state;
  enum { MAXF = 64, MAXB = 9000 };
  unsigned char *data = malloc((size_t)MAXF * MAXB);
  assert_non_null(data);
  uint64_t x = 0x9e3779b97f4a7c15ull;
  for (size_t i = 0; i < (size_t)MAXF * MAXB; i++) data[i] = (unsigned char)vt_xorshift(&x);
  for (int round = 0; round < 3000; round++) {
    size_t lens[MAXF], n = 1 + vt_xorshift(&x) % MAXF;
    for (size_t i = 0; i < n; i++) {
      uint64_t r = vt_xorshift(&x);
      /* mostly short fields, some near and past the 2048-byte buffer */
      lens[i] = r % 4 == 0 ? r % MAXB : r % 4 == 1 ? 2048 - (r >> 8) % 3 : (r >> 8) % 40;
    }
    if (round == 0) n = 1, lens[0] = 2048;  /* exactly full */
    if (round == 1) n = 1, lens[0] = 0;     /* nothing at all */
    if (round == 2) n = 2, lens[0] = 2047, lens[1] = 2; /* one byte over */
    vigil_rowhash h;
    vigil_rowhash_init(&h);
    for (size_t i = 0, off = 0; i < n; off += lens[i], i++) vigil_rowhash_add(&h, data + off, lens[i]);
    assert_true(vigil_rowhash_final(&h) == streamed(data, lens, n));
  }
  free(data);
}

static void test_str_fields(void **state) {
  (void)state;
  /* a NULL field and an empty one differ; the length prefix is 32-bit */
  vigil_rowhash a, b;
  vigil_rowhash_init(&a);
  vigil_rowhash_init(&b);
  vigil_rowhash_str(&a, VIGIL_STR_NULL);
  vigil_rowhash_str(&b, (vigil_str){"", 0});
  uint64_t da = vigil_rowhash_final(&a), db = vigil_rowhash_final(&b);
  assert_true(da != db);
  uint32_t null_len = UINT32_MAX, zero = 0;
  assert_true(da == (XXH3_64bits(&null_len, 4) ? XXH3_64bits(&null_len, 4) : 1));
  assert_true(db == (XXH3_64bits(&zero, 4) ? XXH3_64bits(&zero, 4) : 1));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_equals_streaming),
      cmocka_unit_test(test_str_fields),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
