/* The store caches accounts and posts with numeric platform ids by value;
 * sq_numeric_id decides which ids are numeric (canonical decimal, at most
 * 19 digits) and their value. It reads eight digits per step: compared here
 * with the obvious digit loop on random ids and near-ids (every byte value
 * next to the digits, leading zeros, all lengths 0..21). */
#include <stdio.h>
#include <string.h>

#include "testutil.h"
#include "vigil/buf.h"

int sq_numeric_id(vigil_str s, uint64_t *out);

static int reference(const char *p, size_t n, uint64_t *out) {
  if (n == 0 || n > 19 || (p[0] == '0' && n > 1)) return 0;
  uint64_t v = 0;
  for (size_t i = 0; i < n; i++) {
    if (p[i] < '0' || p[i] > '9') return 0;
    v = v * 10 + (uint64_t)(p[i] - '0');
  }
  *out = v;
  return v < UINT64_MAX;
}

static void check(const char *p, size_t n) {
  uint64_t a = 12345, b = 12345;
  int ra = sq_numeric_id((vigil_str){p, n}, &a), rb = reference(p, n, &b);
  if (ra != rb || (ra && a != b)) fprintf(stderr, "id %.*s: %d %llu vs %d %llu\n", (int)n, p, ra,
                                          (unsigned long long)a, rb, (unsigned long long)b);
  assert_int_equal(ra, rb);
  if (ra) assert_true(a == b);
}

static void test_random(void **state) {
  (void)state;
  static const char odd[] = "/:0123456789\x00 -+.aA\xff\xb0\x39\x30\x3a\x2f\xfa\xf9";
  uint64_t x = 0x8c1f5e3ab9d24c07ull;
  char buf[32];
  for (int round = 0; round < 200000; round++) {
    size_t n = vt_xorshift(&x) % 22;
    for (size_t i = 0; i < n; i++) buf[i] = (char)('0' + vt_xorshift(&x) % 10);
    uint64_t r = vt_xorshift(&x);
    if (n && r % 3 == 0) buf[r % n] = odd[(r >> 8) % (sizeof odd - 1)];
    if (n && r % 11 == 0) buf[0] = '0';
    check(buf, n);
  }
  check("9999999999999999999", 19);
  check("1844674407370955161", 19);
  check("0", 1);
  check("00", 2);
  check("12345678", 8);
  check("1234567:", 8);
  check("123456789012345678", 18);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_random)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
