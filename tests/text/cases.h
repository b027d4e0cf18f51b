/* Data-driven case files for the text tests: lines "a<TAB>b[<TAB>c]", with
 * "//" comments, blank lines ignored, and escapes \t \n \\ \xHH. Header-only
 * (static) because each test file is its own executable. */
#ifndef VIGIL_TESTS_TEXT_CASES_H
#define VIGIL_TESTS_TEXT_CASES_H

#include <stdlib.h>
#include <string.h>

typedef struct tcase {
  int lineno;
  char *col[3];
  size_t len[3];
  int ncol;
} tcase;

static int tc_hex(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if ((c | 32) >= 'a' && (c | 32) <= 'f') return (c | 32) - 'a' + 10;
  return -1;
}

/* Unescapes s[0..n) into a malloc'd string; *out_len gets its length. */
static char *tc_unescape(const char *s, size_t n, size_t *out_len) {
  char *o = malloc(n + 1);
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '\\' && i + 1 < n) {
      char c = s[i + 1];
      if (c == 't') { o[k++] = '\t'; i++; continue; }
      if (c == 'n') { o[k++] = '\n'; i++; continue; }
      if (c == '\\') { o[k++] = '\\'; i++; continue; }
      if (c == 'x' && i + 3 < n && tc_hex(s[i + 2]) >= 0 && tc_hex(s[i + 3]) >= 0) {
        o[k++] = (char)(tc_hex(s[i + 2]) * 16 + tc_hex(s[i + 3]));
        i += 3;
        continue;
      }
    }
    o[k++] = s[i];
  }
  o[k] = '\0';
  *out_len = k;
  return o;
}

/* Parses the whole file; returns the number of cases (malloc'd array in
 * *out, free with tc_free), or -1 when the file cannot be read. */
static int tc_load(const char *path, tcase **out) {
  size_t len;
  char *data = vt_read_file(path, &len);
  if (!data) return -1;
  int n = 0, cap = 64, lineno = 0;
  tcase *v = malloc(sizeof *v * (size_t)cap);
  char *p = data, *end = data + len;
  while (p < end) {
    char *nl = memchr(p, '\n', (size_t)(end - p));
    char *e = nl ? nl : end;
    lineno++;
    if (e > p && !(e - p >= 2 && p[0] == '/' && p[1] == '/')) {
      if (n == cap) {
        cap *= 2;
        v = realloc(v, sizeof *v * (size_t)cap);
      }
      tcase *c = &v[n++];
      memset(c, 0, sizeof *c);
      c->lineno = lineno;
      char *q = p;
      while (c->ncol < 3) {
        char *tab = memchr(q, '\t', (size_t)(e - q));
        char *ce = tab ? tab : e;
        c->col[c->ncol] = tc_unescape(q, (size_t)(ce - q), &c->len[c->ncol]);
        c->ncol++;
        if (!tab) break;
        q = tab + 1;
      }
    }
    p = e + 1;
  }
  free(data);
  *out = v;
  return n;
}

static void tc_free(tcase *v, int n) {
  for (int i = 0; i < n; i++)
    for (int k = 0; k < v[i].ncol; k++) free(v[i].col[k]);
  free(v);
}

#endif
