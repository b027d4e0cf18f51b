/* vigil_u64map: the numeric id cache (dense array for small keys, hash for
 * the rest), checked against a plain reference table. */
#include "testutil.h"

#include <stdlib.h>

#include "vigil/error.h"
#include "vigil/strmap.h"

static uint64_t rng = 88172645463325252ULL;
static uint64_t next(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

/* small, large and huge keys, values small and > 32 bits, overwrites */
static void test_mixed_against_reference(void **state) {
  (void)state;
  enum { N = 200000 };
  uint64_t *keys = malloc(N * sizeof *keys);
  int64_t *vals = malloc(N * sizeof *vals);
  assert_non_null(keys);
  assert_non_null(vals);
  vigil_u64map m = VIGIL_U64MAP_INIT;
  for (size_t i = 0; i < N; i++) {
    uint64_t r = next();
    switch (r % 4) {
      case 0: keys[i] = r % 1000; break;            /* dense, many overwrites */
      case 1: keys[i] = (r >> 8) % 3000000; break;  /* beyond the dense floor at first */
      case 2: keys[i] = r >> 2; break;              /* huge */
      default: keys[i] = i; break;                  /* sequential */
    }
    vals[i] = (next() % 7 == 0) ? (int64_t)(next() >> 20) + 5000000000LL : (int64_t)(i + 1);
    assert_int_equal(vigil_u64map_put(&m, keys[i], vals[i]), 0);
  }
  /* the last put for each key wins: check from the end, first sight only */
  vigil_u64map seen = VIGIL_U64MAP_INIT;
  int64_t *got = malloc(N * sizeof *got);
  assert_non_null(got);
  vigil_u64map_get_many(&m, keys, got, N);
  for (size_t i = N; i-- > 0;) {
    if (vigil_u64map_get(&seen, keys[i])) continue;
    assert_int_equal(vigil_u64map_put(&seen, keys[i], 1), 0);
    assert_int_equal(vigil_u64map_get(&m, keys[i]), vals[i]);
    assert_int_equal(got[i], vals[i]);
  }
  /* absent keys */
  assert_int_equal(vigil_u64map_get(&m, UINT64_MAX), 0);
  assert_int_equal(vigil_u64map_get(&m, 3000001), 0);
  assert_int_equal(vigil_u64map_put(&m, UINT64_MAX, 1), VIGIL_EINVAL);
  free(keys), free(vals), free(got);
  vigil_u64map_release(&m);
  vigil_u64map_release(&seen);
}

/* a key moving between the dense array and the hash keeps its newest value */
static void test_value_moves(void **state) {
  (void)state;
  vigil_u64map m = VIGIL_U64MAP_INIT;
  assert_int_equal(vigil_u64map_put(&m, 5, 7), 0);
  assert_int_equal(vigil_u64map_get(&m, 5), 7);
  assert_int_equal(vigil_u64map_put(&m, 5, (int64_t)1 << 40), 0); /* too big for dense */
  assert_int_equal(vigil_u64map_get(&m, 5), (int64_t)1 << 40);
  assert_int_equal(vigil_u64map_put(&m, 5, 9), 0);
  assert_int_equal(vigil_u64map_get(&m, 5), 9);
  /* one huge key alone does not make a huge dense array */
  assert_int_equal(vigil_u64map_put(&m, 60000000, 3), 0);
  assert_int_equal(vigil_u64map_get(&m, 60000000), 3);
  assert_true(m.dense_cap <= ((size_t)1 << 21));
  vigil_u64map_release(&m);
  assert_int_equal(vigil_u64map_get(&m, 5), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_mixed_against_reference),
      cmocka_unit_test(test_value_moves),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
