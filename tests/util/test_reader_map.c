/* A regular file of 4 MiB or more is mapped instead of read(). Whatever the
 * path, the reader must return the same lines with the same numbers and
 * offsets, skip the same over-long lines, and resume at the same place: a
 * mapped file is compared with the same bytes read from memory (never
 * mapped), including a last line without a newline, CRLF lines, empty lines,
 * over-long lines (a small cap) in the middle and at the end, and seeks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "vigil/error.h"
#include "vigil/reader.h"

typedef struct step {
  int rc;
  uint64_t line, off, next;
  size_t len;
  uint64_t hash; /* of the bytes: a line is only valid until the next call */
} step;

static uint64_t fnv(const char *p, size_t n) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)p[i]) * 1099511628211ull;
  return h;
}

static size_t read_all(vigil_reader *r, step *out, size_t cap) {
  size_t n = 0;
  for (;;) {
    vigil_str s = VIGIL_STR_NULL;
    int rc = vigil_reader_getline(r, &s);
    assert_true(n < cap);
    out[n] = (step){rc, vigil_reader_line(r), vigil_reader_offset(r), vigil_reader_next_offset(r),
                    rc == 1 ? s.len : 0, rc == 1 ? fnv(s.ptr, s.len) : 0};
    n++;
    if (rc == 0 || (rc < 0 && rc != VIGIL_ETOOBIG)) return n;
  }
}

static void compare(const char *path, const char *data, size_t len, size_t max_line) {
  enum { CAP = 200000 };
  step *a = calloc(CAP, sizeof *a), *b = calloc(CAP, sizeof *b);
  assert_non_null(a);
  assert_non_null(b);
  vigil_reader *rf, *rm;
  assert_int_equal(vigil_reader_open(path, &rf), 0);
  assert_int_equal(vigil_reader_open_mem(data, len, "mem", &rm), 0);
  if (max_line) vigil_reader_set_max_line(rf, max_line), vigil_reader_set_max_line(rm, max_line);
  size_t na = read_all(rf, a, CAP), nb = read_all(rm, b, CAP);
  assert_int_equal(na, nb);
  size_t toobig = 0;
  for (size_t i = 0; i < na; i++) {
    assert_int_equal(a[i].rc, b[i].rc);
    assert_int_equal(a[i].line, b[i].line);
    assert_int_equal(a[i].off, b[i].off);
    assert_int_equal(a[i].next, b[i].next);
    assert_int_equal(a[i].len, b[i].len);
    assert_true(a[i].hash == b[i].hash);
    toobig += a[i].rc == VIGIL_ETOOBIG;
  }
  if (max_line) assert_true(toobig >= 2);
  assert_int_equal(vigil_reader_raw_size(rf), len);
  /* resume from a line start in the middle, as an interrupted ingest does */
  for (size_t k = 1; k < na; k += na / 7 + 1) {
    if (a[k - 1].rc != 1 || a[k - 1].next >= len) continue;
    vigil_reader *sf, *sm;
    assert_int_equal(vigil_reader_open(path, &sf), 0);
    assert_int_equal(vigil_reader_open_mem(data, len, "mem", &sm), 0);
    if (max_line) vigil_reader_set_max_line(sf, max_line), vigil_reader_set_max_line(sm, max_line);
    assert_int_equal(vigil_reader_seek_line(sf, a[k - 1].next, a[k - 1].line), 0);
    assert_int_equal(vigil_reader_seek_line(sm, a[k - 1].next, a[k - 1].line), 0);
    for (int j = 0; j < 50; j++) {
      vigil_str x, y;
      int r1 = vigil_reader_getline(sf, &x), r2 = vigil_reader_getline(sm, &y);
      assert_int_equal(r1, r2);
      assert_int_equal(vigil_reader_line(sf), vigil_reader_line(sm));
      assert_int_equal(vigil_reader_offset(sf), vigil_reader_offset(sm));
      if (r1 != 1) break;
      assert_int_equal(x.len, y.len);
      if (x.len) assert_memory_equal(x.ptr, y.ptr, x.len);
    }
    vigil_reader_free(sf);
    vigil_reader_free(sm);
  }
  vigil_reader_free(rf);
  vigil_reader_free(rm);
  free(a);
  free(b);
}

/* ~6 MB of lines of random length, some CRLF, some empty, a few long */
static char *make_data(size_t *len_out, int final_newline, size_t tail_long) {
  size_t cap = 8u << 20, n = 0;
  char *d = malloc(cap + tail_long + 1);
  assert_non_null(d);
  uint64_t x = 0x2545f4914f6cdd1dull;
  while (n < (6u << 20)) {
    uint64_t r = vt_xorshift(&x);
    size_t l = r % 16 == 0 ? 5000 + r % 20000 : r % 5 == 0 ? 0 : (r >> 8) % 300;
    for (size_t i = 0; i < l; i++) d[n++] = (char)('a' + (vt_xorshift(&x) % 26));
    if (r % 7 == 0) d[n++] = '\r';
    d[n++] = '\n';
  }
  for (size_t i = 0; i < tail_long; i++) d[n++] = 'z';
  if (!final_newline && d[n - 1] == '\n') n--;
  *len_out = n;
  return d;
}

static void run_case(int final_newline, size_t tail_long, size_t max_line) {
  size_t len;
  char *data = make_data(&len, final_newline, tail_long);
  char *dir = vt_tmpdir("readermap");
  assert_non_null(dir);
  char path[4096];
  snprintf(path, sizeof path, "%s/lines.txt", dir);
  assert_int_equal(vt_write_file(path, data, len), 0);
  compare(path, data, len, max_line);
  free(data);
  free(dir);
}

static void test_same_lines(void **state) {
  (void)state;
  run_case(1, 0, 0);
}

static void test_no_final_newline(void **state) {
  (void)state;
  run_case(0, 0, 0);
}

static void test_overlong_lines(void **state) {
  (void)state;
  /* lines over 10,000 bytes are skipped, the last one runs to the end */
  run_case(0, 30000, 10000);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_same_lines),
      cmocka_unit_test(test_no_final_newline),
      cmocka_unit_test(test_overlong_lines),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
