#include "vigil/buf.h"

#include <stdio.h>
#include <stdlib.h>

#include "vigil/error.h"

void vigil_buf_init(vigil_buf *b) { b->data = NULL, b->len = 0, b->cap = 0; }

void vigil_buf_release(vigil_buf *b) {
  free(b->data);
  vigil_buf_init(b);
}

int vigil_buf_reserve(vigil_buf *b, size_t extra) {
  if (extra > SIZE_MAX / 2 - b->len - 1) return VIGIL_ENOMEM;
  size_t need = b->len + extra + 1;
  if (need <= b->cap) return 0;
  size_t cap = b->cap ? b->cap : 64;
  while (cap < need) cap *= 2;
  char *p = realloc(b->data, cap);
  if (!p) return VIGIL_ENOMEM;
  if (!b->data) p[0] = '\0';
  b->data = p;
  b->cap = cap;
  return 0;
}

void *vigil_array_grow(void *items, size_t *cap, size_t need, size_t size) {
  if (need <= *cap) return items;
  size_t n = *cap ? *cap : 4096;
  while (n < need) {
    if (n > SIZE_MAX / 2) return NULL;
    n *= 2;
  }
  if (size && n > SIZE_MAX / size) return NULL;
  void *p = realloc(items, n * size);
  if (p) *cap = n;
  return p;
}

int vigil_buf_append(vigil_buf *b, const void *p, size_t n) {
  int rc = vigil_buf_reserve(b, n);
  if (rc) return rc;
  if (n) memcpy(b->data + b->len, p, n);
  b->len += n;
  b->data[b->len] = '\0';
  return 0;
}

int vigil_buf_append_str(vigil_buf *b, vigil_str s) {
  return vigil_buf_append(b, s.ptr ? s.ptr : "", s.ptr ? s.len : 0);
}

int vigil_buf_putc(vigil_buf *b, char c) { return vigil_buf_append(b, &c, 1); }

int vigil_buf_vprintf(vigil_buf *b, const char *fmt, va_list ap) {
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap2);
  va_end(ap2);
  if (n < 0) return VIGIL_EINVAL;
  int rc = vigil_buf_reserve(b, (size_t)n);
  if (rc) return rc;
  vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
  b->len += (size_t)n;
  return 0;
}

int vigil_buf_printf(vigil_buf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int rc = vigil_buf_vprintf(b, fmt, ap);
  va_end(ap);
  return rc;
}

char *vigil_buf_detach(vigil_buf *b, size_t *len_out) {
  if (!b->data && vigil_buf_reserve(b, 0)) return NULL;
  char *p = b->data;
  if (len_out) *len_out = b->len;
  vigil_buf_init(b);
  return p;
}

int vigil_buf_append_json_str(vigil_buf *b, vigil_str s) {
  static const char hex[] = "0123456789abcdef";
  int rc = vigil_buf_reserve(b, s.len + 2);
  if (rc) return rc;
  if ((rc = vigil_buf_putc(b, '"'))) return rc;
  size_t start = 0;
  for (size_t i = 0; i < s.len; i++) {
    unsigned char c = (unsigned char)s.ptr[i];
    const char *esc = NULL;
    char tmp[7];
    if (c == '"') esc = "\\\"";
    else if (c == '\\') esc = "\\\\";
    else if (c == '\n') esc = "\\n";
    else if (c == '\r') esc = "\\r";
    else if (c == '\t') esc = "\\t";
    else if (c < 0x20 || c == 0x7f) {
      tmp[0] = '\\', tmp[1] = 'u', tmp[2] = '0', tmp[3] = '0';
      tmp[4] = hex[c >> 4], tmp[5] = hex[c & 15], tmp[6] = 0;
      esc = tmp;
    } else if (c == '<' || c == '>' || c == '&') {
      /* keeps JSON safe to embed in HTML <script> blocks */
      tmp[0] = '\\', tmp[1] = 'u', tmp[2] = '0', tmp[3] = '0';
      tmp[4] = hex[c >> 4], tmp[5] = hex[c & 15], tmp[6] = 0;
      esc = tmp;
    }
    if (esc) {
      if ((rc = vigil_buf_append(b, s.ptr + start, i - start))) return rc;
      if ((rc = vigil_buf_append(b, esc, strlen(esc)))) return rc;
      start = i + 1;
    }
  }
  if (s.len && (rc = vigil_buf_append(b, s.ptr + start, s.len - start))) return rc;
  return vigil_buf_putc(b, '"');
}

int vigil_buf_append_csv_field(vigil_buf *b, vigil_str s) {
  int rc;
  int need_quote = 0;
  /* A leading = + - @ (or tab/CR) makes spreadsheets evaluate the cell:
   * prefix a quote so adversarial names cannot run formulas (OWASP). */
  int formula = s.len > 0 && strchr("=+-@\t\r", s.ptr[0]) != NULL;
  for (size_t i = 0; i < s.len; i++) {
    char c = s.ptr[i];
    if (c == '"' || c == ',' || c == '\n' || c == '\r') { need_quote = 1; break; }
  }
  if (formula) need_quote = 1;
  if (!need_quote) return vigil_buf_append_str(b, s);
  if ((rc = vigil_buf_putc(b, '"'))) return rc;
  if (formula && (rc = vigil_buf_putc(b, '\''))) return rc;
  for (size_t i = 0; i < s.len; i++) {
    if (s.ptr[i] == '"' && (rc = vigil_buf_putc(b, '"'))) return rc;
    if ((rc = vigil_buf_putc(b, s.ptr[i]))) return rc;
  }
  return vigil_buf_putc(b, '"');
}

int vigil_buf_append_html(vigil_buf *b, vigil_str s) {
  int rc;
  size_t start = 0;
  for (size_t i = 0; i < s.len; i++) {
    const char *esc = NULL;
    switch (s.ptr[i]) {
    case '&': esc = "&amp;"; break;
    case '<': esc = "&lt;"; break;
    case '>': esc = "&gt;"; break;
    case '"': esc = "&quot;"; break;
    case '\'': esc = "&#39;"; break;
    default: break;
    }
    if (esc) {
      if ((rc = vigil_buf_append(b, s.ptr + start, i - start))) return rc;
      if ((rc = vigil_buf_append(b, esc, strlen(esc)))) return rc;
      start = i + 1;
    }
  }
  return vigil_buf_append(b, s.ptr + start, s.len - start);
}

char *vigil_strndup(const char *s, size_t n) {
  char *p = malloc(n + 1);
  if (!p) return NULL;
  memcpy(p, s, n);
  p[n] = '\0';
  return p;
}
