/* Minimal RFC 4180 reader (see csvmini.h). */
#include "text/csvmini.h"

#include <string.h>

#include "vigil/error.h"

void vigil_csvmini_init(vigil_csvmini *c, const char *p, size_t n) {
  memset(c, 0, sizeof *c);
  c->p = p;
  c->n = n;
  vigil_buf_init(&c->store);
}

void vigil_csvmini_release(vigil_csvmini *c) { vigil_buf_release(&c->store); }

int vigil_csvmini_next(vigil_csvmini *c) {
  if (c->pos >= c->n) return 0;
  vigil_buf_clear(&c->store);
  c->nf = 0;
  size_t flen[VIGIL_CSVMINI_MAX_FIELDS];
  const char *p = c->p;
  size_t i = c->pos, n = c->n;
  int rc = 0;
  for (;;) {
    size_t start = c->store.len;
    if (i < n && p[i] == '"') {
      i++;
      for (;;) {
        if (i >= n) return VIGIL_EPARSE;
        if (p[i] == '"') {
          if (i + 1 < n && p[i + 1] == '"') {
            rc = vigil_buf_putc(&c->store, '"');
            i += 2;
            if (rc) return rc;
            continue;
          }
          i++;
          break;
        }
        size_t e = i;
        while (e < n && p[e] != '"') e++;
        if ((rc = vigil_buf_append(&c->store, p + i, e - i))) return rc;
        i = e;
      }
      /* tolerate junk between the closing quote and the separator */
      size_t e = i;
      while (e < n && p[e] != ',' && p[e] != '\n' && p[e] != '\r') e++;
      if ((rc = vigil_buf_append(&c->store, p + i, e - i))) return rc;
      i = e;
    } else {
      size_t e = i;
      while (e < n && p[e] != ',' && p[e] != '\n' && p[e] != '\r') e++;
      if ((rc = vigil_buf_append(&c->store, p + i, e - i))) return rc;
      i = e;
    }
    if (c->nf < VIGIL_CSVMINI_MAX_FIELDS) {
      c->off[c->nf] = start;
      flen[c->nf] = c->store.len - start;
      c->nf++;
    }
    if (i < n && p[i] == ',') {
      i++;
      continue;
    }
    if (i < n && p[i] == '\r') i++;
    if (i < n && p[i] == '\n') i++;
    break;
  }
  c->pos = i;
  if ((rc = vigil_buf_reserve(&c->store, 0))) return rc;
  for (size_t k = 0; k < c->nf; k++) c->f[k] = (vigil_str){c->store.data + c->off[k], flen[k]};
  return 1;
}
