#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char path_buf[4096];

const char *vt_shared(const char *rel) {
  const char *base = getenv("VIGIL_SHARED_DATA");
  if (!base) base = "../shared/data";
  snprintf(path_buf, sizeof path_buf, "%s/%s", base, rel);
  if (access(path_buf, R_OK) != 0) {
    fprintf(stderr, "SKIP: shared data %s is absent\n", path_buf);
    return NULL;
  }
  return path_buf;
}

const char *vt_testdata(const char *rel) {
  const char *base = getenv("VIGIL_TESTDATA");
  if (!base) base = "tests/data";
  snprintf(path_buf, sizeof path_buf, "%s/%s", base, rel);
  return path_buf;
}

char *vt_tmpdir(const char *tag) {
  const char *base = getenv("VIGIL_TMP");
  if (!base) base = "/tmp";
  char tmpl[4096];
  snprintf(tmpl, sizeof tmpl, "%s/%s-XXXXXX", base, tag);
  mkdir(base, 0755);
  char *d = mkdtemp(tmpl);
  return d ? strdup(d) : NULL;
}

char *vt_tmppath(const char *tag, const char *name) {
  char *dir = vt_tmpdir(tag);
  if (!dir) return NULL;
  size_t n = strlen(dir) + strlen(name) + 2;
  char *path = malloc(n);
  if (path) snprintf(path, n, "%s/%s", dir, name);
  free(dir);
  return path;
}

char *vt_read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 1 << 16, n = 0;
  char *buf = malloc(cap + 1);
  size_t k;
  while (buf && (k = fread(buf + n, 1, cap - n, f)) > 0) {
    n += k;
    if (n == cap) {
      cap *= 2;
      char *nb = realloc(buf, cap + 1);
      if (!nb) { free(buf); buf = NULL; }
      else buf = nb;
    }
  }
  fclose(f);
  if (!buf) return NULL;
  buf[n] = 0;
  if (len) *len = n;
  return buf;
}

int vt_write_file(const char *path, const void *data, size_t len) {
  FILE *f = fopen(path, "wb");
  if (!f) return -1;
  int ok = fwrite(data, 1, len, f) == len;
  return (fclose(f) == 0 && ok) ? 0 : -1;
}

uint64_t vt_xorshift(uint64_t *state) {
  uint64_t x = *state;
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  return *state = x;
}
