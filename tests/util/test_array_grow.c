/* vigil_array_grow: capacity doubles from 4096 up to what is needed, a
 * request it can already hold changes nothing, and an impossible size
 * fails without touching the caller's array. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "vigil/buf.h"

static void test_grows_and_keeps_contents(void **state) {
  (void)state;
  size_t cap = 0;
  int *a = vigil_array_grow(NULL, &cap, 1, sizeof *a);
  assert_non_null(a);
  assert_int_equal(cap, 4096);
  for (int i = 0; i < 4096; i++) a[i] = i;
  int *same = vigil_array_grow(a, &cap, 4096, sizeof *a);
  assert_ptr_equal(same, a);
  assert_int_equal(cap, 4096);
  a = vigil_array_grow(a, &cap, 4097, sizeof *a);
  assert_non_null(a);
  assert_int_equal(cap, 8192);
  a = vigil_array_grow(a, &cap, 40000, sizeof *a);
  assert_non_null(a);
  assert_int_equal(cap, 65536);
  for (int i = 0; i < 4096; i++) assert_int_equal(a[i], i);
  free(a);
}

static void test_overflow_fails_cleanly(void **state) {
  (void)state;
  size_t cap = 4096;
  char *a = malloc(cap);
  assert_non_null(a);
  memset(a, 7, cap);
  assert_null(vigil_array_grow(a, &cap, SIZE_MAX, 1));
  assert_null(vigil_array_grow(a, &cap, SIZE_MAX / 8, 16));
  assert_int_equal(cap, 4096);
  assert_int_equal(a[4095], 7); /* still the caller's, still valid */
  free(a);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_grows_and_keeps_contents),
      cmocka_unit_test(test_overflow_fails_cleanly),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
