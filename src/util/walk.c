#include "vigil/walk.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "vigil/buf.h"
#include "vigil/error.h"

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

typedef struct walker {
  int (*on_file)(void *, const char *);
  void (*on_error)(void *, const char *, const char *);
  void *ctx;
  int max_depth;
} walker;

static void report(const walker *w, const char *path, const char *reason) {
  if (w->on_error) w->on_error(w->ctx, path, reason);
}

static int walk(const walker *w, const char *dir, int depth) {
  if (depth > w->max_depth) {
    report(w, dir, "directory nesting too deep, not walked");
    return 0;
  }
  DIR *d = opendir(dir);
  if (!d) {
    report(w, dir, strerror(errno));
    return 0;
  }
  char **names = NULL;
  size_t n = 0, cap = 0;
  int rc = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    if (n == cap) {
      size_t nc = cap ? 2 * cap : 64;
      char **p = realloc(names, nc * sizeof *names);
      if (!p) {
        rc = VIGIL_ENOMEM;
        break;
      }
      names = p, cap = nc;
    }
    if (!(names[n] = strdup(e->d_name))) {
      rc = VIGIL_ENOMEM;
      break;
    }
    n++;
  }
  closedir(d);
  if (!rc && n) qsort(names, n, sizeof *names, cmp_str);
  vigil_buf path = VIGIL_BUF_INIT;
  size_t dl = strlen(dir);
  for (size_t i = 0; i < n && !rc; i++) {
    vigil_buf_clear(&path);
    rc = vigil_buf_append(&path, dir, dl);
    if (!rc && dl && dir[dl - 1] != '/') rc = vigil_buf_putc(&path, '/');
    if (!rc) rc = vigil_buf_append_str(&path, vigil_str_c(names[i]));
    if (rc) break;
    struct stat st;
    if (lstat(path.data, &st) != 0) {
      report(w, path.data, strerror(errno));
      continue;
    }
    if (S_ISDIR(st.st_mode)) rc = walk(w, path.data, depth + 1);
    else if (S_ISREG(st.st_mode)) rc = w->on_file(w->ctx, path.data);
  }
  vigil_buf_release(&path);
  for (size_t i = 0; i < n; i++) free(names[i]);
  free(names);
  return rc;
}

int vigil_walk_files(const char *dir, int max_depth,
                     int (*on_file)(void *ctx, const char *path),
                     void (*on_error)(void *ctx, const char *path, const char *reason),
                     void *ctx) {
  walker w = {on_file, on_error, ctx, max_depth};
  return walk(&w, dir, 0);
}
