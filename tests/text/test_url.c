/* URL canonicalisation; cases in tests/data/text/urls.txt. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "cases.h"
#include "vigil/error.h"
#include "vigil/url.h"

static void test_cases_file(void **state) {
  (void)state;
  tcase *v = NULL;
  int n = tc_load(vt_testdata("text/urls.txt"), &v);
  assert_true(n >= 30);
  int bad = 0;
  vigil_buf out = VIGIL_BUF_INIT;
  for (int i = 0; i < n; i++) {
    tcase *c = &v[i];
    if (c->ncol < 2) {
      fprintf(stderr, "urls.txt:%d: malformed case line\n", c->lineno);
      bad++;
      continue;
    }
    const char *want = c->col[1][0] == '!' ? c->col[1] + 1 : c->col[1];
    int rc = vigil_url_canonical((vigil_str){c->col[0], c->len[0]}, &out);
    const char *got = rc ? vigil_errname(rc) : out.data;
    if (strcmp(got, want) != 0) {
      fprintf(stderr, "urls.txt:%d: got \"%s\", want \"%s\"\n", c->lineno, got, want);
      bad++;
    }
    if (rc == 0) { /* canonical form is a fixed point */
      char *first = strdup(out.data);
      int rc2 = vigil_url_canonical(vigil_str_c(first), &out);
      if (rc2 || strcmp(out.data, first) != 0) {
        fprintf(stderr, "urls.txt:%d: not idempotent: \"%s\" -> \"%s\"\n", c->lineno, first,
                rc2 ? vigil_errname(rc2) : out.data);
        bad++;
      }
      free(first);
    }
    if (c->ncol > 2) {
      rc = vigil_url_domain((vigil_str){c->col[0], c->len[0]}, &out);
      got = rc ? vigil_errname(rc) : out.data;
      if (strcmp(got, c->col[2]) != 0) {
        fprintf(stderr, "urls.txt:%d: domain \"%s\", want \"%s\"\n", c->lineno, got, c->col[2]);
        bad++;
      }
    }
  }
  vigil_buf_release(&out);
  tc_free(v, n);
  assert_int_equal(bad, 0);
}

static void test_limits(void **state) {
  (void)state;
  vigil_buf out = VIGIL_BUF_INIT;
  size_t n = VIGIL_URL_MAX + 1;
  char *big = malloc(n);
  memcpy(big, "http://a.b/", 11);
  memset(big + 11, 'x', n - 11);
  assert_int_equal(vigil_url_canonical((vigil_str){big, n}, &out), VIGIL_ETOOBIG);
  /* many parameters at the size limit: sorted, none lost */
  size_t k = 12;
  memcpy(big, "http://a.b/?", 12);
  int np = 0;
  while (k + 8 < VIGIL_URL_MAX) {
    k += (size_t)snprintf(big + k, 9, "p%04d=1&", (9999 - np) % 10000);
    np++;
  }
  assert_int_equal(vigil_url_canonical((vigil_str){big, k}, &out), 0);
  assert_non_null(strstr(out.data, "?p"));
  int amps = 0;
  for (size_t i = 0; i < out.len; i++) amps += out.data[i] == '&';
  assert_int_equal(amps, np - 1);
  assert_true(strncmp(strstr(out.data, "?") + 1, "p", 1) == 0);
  char first[16];
  snprintf(first, sizeof first, "p%04d", (9999 - np + 1) % 10000);
  assert_non_null(strstr(out.data, first));
  assert_true(strstr(out.data, first) < strstr(out.data, "p9999"));
  free(big);
  assert_int_equal(vigil_url_canonical((vigil_str){NULL, 2}, &out), VIGIL_EINVAL);
  assert_int_equal(vigil_url_canonical(vigil_str_c(""), &out), VIGIL_EPARSE);
  vigil_buf_release(&out);
}

static void test_tracking(void **state) {
  (void)state;
  assert_true(vigil_url_is_tracking_param(vigil_str_c("utm_campaign"), vigil_str_c("a.b")));
  assert_true(vigil_url_is_tracking_param(vigil_str_c("FBCLID"), vigil_str_c("")));
  assert_true(vigil_url_is_tracking_param(vigil_str_c("s"), vigil_str_c("mobile.twitter.com")));
  assert_false(vigil_url_is_tracking_param(vigil_str_c("s"), vigil_str_c("example.com")));
  assert_false(vigil_url_is_tracking_param(vigil_str_c("s"), vigil_str_c("nottwitter.com")));
  assert_false(vigil_url_is_tracking_param(vigil_str_c("v"), vigil_str_c("youtube.com")));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_cases_file),
      cmocka_unit_test(test_limits),
      cmocka_unit_test(test_tracking),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
