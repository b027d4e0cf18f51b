/* MD5 and SHA-256 against the RFC 1321 / FIPS 180-2 test vectors. */
#include <string.h>

#include "testutil.h"
#include "vigil/digest.h"

static void hex_md5(const char *s, char out[33]) {
  uint8_t d[16];
  vigil_md5(s, strlen(s), d);
  vigil_hex_encode(d, 16, out);
}

static void test_md5(void **st) {
  (void)st;
  char h[33];
  hex_md5("", h);
  assert_string_equal(h, "d41d8cd98f00b204e9800998ecf8427e");
  hex_md5("abc", h);
  assert_string_equal(h, "900150983cd24fb0d6963f7d28e17f72");
  hex_md5("message digest", h);
  assert_string_equal(h, "f96b697d7cb7938d525a2f31aaf161d0");
}

static void test_sha256(void **st) {
  (void)st;
  uint8_t d[32];
  char h[65];
  assert_int_equal(vigil_sha256("abc", 3, d), 0);
  vigil_hex_encode(d, 32, h);
  assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  assert_int_equal(vigil_sha256("", 0, d), 0);
  vigil_hex_encode(d, 32, h);
  assert_string_equal(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_md5), cmocka_unit_test(test_sha256)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
