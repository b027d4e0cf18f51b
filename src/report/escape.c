/* Escaping of ingested text for HTML and XML outputs. */
#include <string.h>

#include "vigil/error.h"
#include "vigil/report.h"

/* Length of the valid UTF-8 sequence at p (1..4), 0 if invalid; *cp gets
 * the code point. Overlongs and surrogates are invalid. */
static size_t utf8_seq(const unsigned char *p, size_t n, uint32_t *cp) {
  unsigned c = p[0];
  if (c < 0x80) { *cp = c; return 1; }
  size_t len;
  uint32_t v, min;
  if (c >= 0xc2 && c <= 0xdf) len = 2, v = c & 0x1f, min = 0x80;
  else if (c >= 0xe0 && c <= 0xef) len = 3, v = c & 0x0f, min = 0x800;
  else if (c >= 0xf0 && c <= 0xf4) len = 4, v = c & 0x07, min = 0x10000;
  else return 0;
  if (len > n) return 0;
  for (size_t i = 1; i < len; i++) {
    if ((p[i] & 0xc0) != 0x80) return 0;
    v = v << 6 | (p[i] & 0x3f);
  }
  if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) return 0;
  *cp = v;
  return len;
}

static const char *esc_of(unsigned char c) {
  switch (c) {
  case '&': return "&amp;";
  case '<': return "&lt;";
  case '>': return "&gt;";
  case '"': return "&quot;";
  case '\'': return "&#39;";
  default: return NULL;
  }
}

int vigil_report_html_text(vigil_buf *b, vigil_str s, size_t max_bytes) {
  const unsigned char *p = (const unsigned char *)s.ptr;
  size_t n = s.ptr ? s.len : 0, cut = 0;
  if (max_bytes && n > max_bytes) n = max_bytes, cut = 1;
  int rc = 0;
  for (size_t i = 0; i < n && !rc;) {
    uint32_t cp;
    size_t k = utf8_seq(p + i, n - i, &cp);
    if (!k) {
      /* a cut in the middle of a character is not an error */
      if (cut && n - i < 4 && p[i] >= 0xc2) break;
      rc = vigil_buf_append(b, "\xef\xbf\xbd", 3);
      i++;
      continue;
    }
    if (k == 1) {
      const char *e = esc_of(p[i]);
      if (e) rc = vigil_buf_append(b, e, strlen(e));
      else if ((cp < 0x20 && cp != '\t' && cp != '\n') || cp == 0x7f) rc = 0;
      else rc = vigil_buf_putc(b, (char)p[i]);
    } else {
      rc = vigil_buf_append(b, p + i, k);
    }
    i += k;
  }
  if (!rc && cut) rc = vigil_buf_append(b, "\xe2\x80\xa6", 3);
  return rc;
}

int vigil_xml_text(vigil_buf *b, vigil_str s) {
  const unsigned char *p = (const unsigned char *)s.ptr;
  size_t n = s.ptr ? s.len : 0;
  int rc = 0;
  for (size_t i = 0; i < n && !rc;) {
    uint32_t cp;
    size_t k = utf8_seq(p + i, n - i, &cp);
    if (!k) { i++; continue; }
    if (k == 1) {
      const char *e = esc_of(p[i]);
      if (e) rc = vigil_buf_append(b, e, strlen(e));
      else if (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') rc = 0;
      else rc = vigil_buf_putc(b, (char)p[i]);
    } else if (cp == 0xfffe || cp == 0xffff) {
      rc = 0;
    } else {
      rc = vigil_buf_append(b, p + i, k);
    }
    i += k;
  }
  return rc;
}
