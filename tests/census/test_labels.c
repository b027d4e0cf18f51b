/* Label file parsing: header detection, good rows, bad rows with line and
 * field, quoted fields spanning lines. */
#include <stdio.h>
#include <string.h>

#include "testutil.h"
#include "vigil/census.h"
#include "vigil/error.h"

typedef struct got {
  char rows[16][400];
  int nrows;
  char bad[16][160];
  int nbad;
} got;

static void cp(char *dst, vigil_str s) {
  if (!s.ptr) { strcpy(dst, "-"); return; }
  size_t n = s.len < 40 ? s.len : 40;
  memcpy(dst, s.ptr, n);
  dst[n] = 0;
}

static int on_row(void *ctx, const vigil_label_csv_row *r) {
  got *g = ctx;
  char a[48], u[48], l[48], n[48], an[48];
  cp(a, r->account_id), cp(u, r->username), cp(l, r->label), cp(n, r->note), cp(an, r->analyst);
  snprintf(g->rows[g->nrows++ & 15], 400, "%llu|%s|%s|%s|%s|%s", (unsigned long long)r->line, a,
           u, l, n, an);
  return 0;
}

static int on_bad(void *ctx, uint64_t line, const char *field, const char *reason) {
  got *g = ctx;
  snprintf(g->bad[g->nbad++ & 15], 160, "%llu|%s", (unsigned long long)line, field);
  (void)reason;
  return 0;
}

static void good_and_bad(void **state) {
  (void)state;
  const char *csv = "account_id,label,note,analyst\r\n"
                    "123,supporter,,\r\n"
                    "456, other ,\"journalist, covers\nthe conflict\",amal\r\n"
                    ",supporter,,\n"
                    "789,,x,\n"
                    "790,bad label!,x,\n"
                    "\n"
                    "791,supporter\n";
  got g = {0};
  assert_int_equal(vigil_label_csv_parse(csv, strlen(csv), on_row, on_bad, &g), 0);
  assert_int_equal(g.nrows, 3);
  assert_string_equal(g.rows[0], "2|123|-|supporter|-|-");
  assert_string_equal(g.rows[1], "3|456|-|other|journalist, covers\nthe conflict|amal");
  assert_string_equal(g.rows[2], "9|791|-|supporter|-|-");
  assert_int_equal(g.nbad, 3);
  assert_string_equal(g.bad[0], "5|account_id");
  assert_string_equal(g.bad[1], "6|label");
  assert_string_equal(g.bad[2], "7|label");
}

static void usernames(void **state) {
  (void)state;
  const char *csv = "\xEF\xBB\xBFUsername,Label\n@Alice,supporter\nbob,other\n";
  got g = {0};
  assert_int_equal(vigil_label_csv_parse(csv, strlen(csv), on_row, on_bad, &g), 0);
  assert_int_equal(g.nbad, 0);
  assert_int_equal(g.nrows, 2);
  assert_string_equal(g.rows[0], "2|-|Alice|supporter|-|-");
  assert_string_equal(g.rows[1], "3|-|bob|other|-|-");
}

static void bad_header(void **state) {
  (void)state;
  got g = {0};
  const char *a = "account_id,class\n1,supporter\n";
  assert_int_equal(vigil_label_csv_parse(a, strlen(a), on_row, on_bad, &g), VIGIL_EPARSE);
  assert_int_equal(g.nrows, 0);
  assert_string_equal(g.bad[0], "1|header");
  const char *b = "name,label\nx,supporter\n";
  memset(&g, 0, sizeof g);
  assert_int_equal(vigil_label_csv_parse(b, strlen(b), on_row, on_bad, &g), VIGIL_EPARSE);
  memset(&g, 0, sizeof g);
  assert_int_equal(vigil_label_csv_parse("", 0, on_row, on_bad, &g), VIGIL_EPARSE);
  /* an unterminated quote is reported at its line and ends the file */
  const char *c = "account_id,label\n1,supporter\n2,\"other\n";
  memset(&g, 0, sizeof g);
  assert_int_equal(vigil_label_csv_parse(c, strlen(c), on_row, on_bad, &g), 0);
  assert_int_equal(g.nrows, 1);
  assert_int_equal(g.nbad, 1);
  assert_string_equal(g.bad[0], "3|row");
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(good_and_bad), cmocka_unit_test(usernames),
                                     cmocka_unit_test(bad_header)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
