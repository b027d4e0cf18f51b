/* URL canonicalisation (rules in include/vigil/url.h and docs/text.md).
 * A hand-written RFC 3986 subset: we only need hierarchical web URLs as
 * they appear in posts, and must never crash on anything else. */
#include <stdlib.h>
#include <string.h>

#include "vigil/error.h"
#include "vigil/url.h"

static int lower(int c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }
static int is_alpha(int c) { return (c | 32) >= 'a' && (c | 32) <= 'z'; }
static int is_digit(int c) { return c >= '0' && c <= '9'; }
static int hexval(int c) {
  if (is_digit(c)) return c - '0';
  c |= 32;
  return (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
}
static int is_unreserved(int c) {
  return is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_' || c == '~';
}
static int is_subdelim(int c) { return c && strchr("!$&'()*+,;=", c) != NULL; }

static int str_eq_ci(vigil_str a, const char *b) {
  size_t n = strlen(b);
  if (a.len != n) return 0;
  for (size_t i = 0; i < n; i++)
    if (lower((unsigned char)a.ptr[i]) != b[i]) return 0;
  return 1;
}

/* host is `dom` or a subdomain of it */
static int host_is(vigil_str host, const char *dom) {
  size_t n = strlen(dom);
  if (host.len < n || memcmp(host.ptr + host.len - n, dom, n) != 0) return 0;
  return host.len == n || host.ptr[host.len - n - 1] == '.';
}

int vigil_url_is_tracking_param(vigil_str name, vigil_str host) {
  static const char *const generic[] = {
      "fbclid", "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "msclkid", "yclid",
      "twclid", "ttclid", "li_fat_id", "igshid", "igsh", "mc_cid", "mc_eid", "_ga", "_gl",
      "_hsenc", "_hsmi", "mkt_tok", "ref_src", "ref_url", "vero_id", "oly_enc_id",
      "oly_anon_id", "si", "__twitter_impression", "mibextid", "_openstat", "wt_mc",
      "rb_clickid", "s_cid"};
  if (name.len >= 4 && str_eq_ci((vigil_str){name.ptr, 4}, "utm_")) return 1;
  for (size_t i = 0; i < sizeof generic / sizeof generic[0]; i++)
    if (str_eq_ci(name, generic[i])) return 1;
  if (host_is(host, "twitter.com") || host_is(host, "x.com"))
    return str_eq_ci(name, "s") || str_eq_ci(name, "t") || str_eq_ci(name, "cxt") ||
           str_eq_ci(name, "lang");
  if (host_is(host, "youtube.com") || host_is(host, "youtu.be"))
    return str_eq_ci(name, "feature") || str_eq_ci(name, "pp") || str_eq_ci(name, "ab_channel");
  if (host_is(host, "facebook.com"))
    return str_eq_ci(name, "__tn__") || str_eq_ci(name, "__cft__") || str_eq_ci(name, "ref");
  return 0;
}

/* Percent-encoding normalised: unreserved decoded, hex upper-cased, bytes
 * outside `keep` (unreserved, sub-delims and extra) encoded, a stray '%'
 * encoded as %25. */
static int put_pct_norm(vigil_buf *b, const char *s, size_t n, const char *extra) {
  static const char hex[] = "0123456789ABCDEF";
  int rc = 0;
  for (size_t i = 0; i < n && !rc; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '%') {
      int a = i + 1 < n ? hexval((unsigned char)s[i + 1]) : -1;
      int d = i + 2 < n ? hexval((unsigned char)s[i + 2]) : -1;
      if (a >= 0 && d >= 0) {
        int v = a * 16 + d;
        if (is_unreserved(v)) {
          rc = vigil_buf_putc(b, (char)v);
        } else {
          char e[3] = {'%', hex[v >> 4], hex[v & 15]};
          rc = vigil_buf_append(b, e, 3);
        }
        i += 2;
      } else {
        rc = vigil_buf_append(b, "%25", 3);
      }
    } else if (is_unreserved(c) || is_subdelim(c) || (c && strchr(extra, c))) {
      rc = vigil_buf_putc(b, (char)c);
    } else {
      char e[3] = {'%', hex[c >> 4], hex[c & 15]};
      rc = vigil_buf_append(b, e, 3);
    }
  }
  return rc;
}

/* RFC 3986 5.2.4 on an absolute path, then the trailing-slash rule. */
static int put_path(vigil_buf *out, const char *p, size_t n) {
  vigil_buf norm = VIGIL_BUF_INIT;
  int rc = put_pct_norm(&norm, p, n, ":@/");
  size_t *segs = NULL; /* start offsets in `norm` of kept segments */
  size_t *lens = NULL, nseg = 0;
  if (!rc && norm.len) {
    segs = malloc((norm.len + 1) * sizeof *segs);
    lens = malloc((norm.len + 1) * sizeof *lens);
    if (!segs || !lens) rc = VIGIL_ENOMEM;
  }
  if (!rc && norm.len) {
    size_t i = norm.data[0] == '/' ? 1 : 0;
    for (;;) {
      size_t e = i;
      while (e < norm.len && norm.data[e] != '/') e++;
      size_t l = e - i;
      if (l == 1 && norm.data[i] == '.') {
        /* drop */
      } else if (l == 2 && norm.data[i] == '.' && norm.data[i + 1] == '.') {
        if (nseg) nseg--;
      } else {
        segs[nseg] = i;
        lens[nseg] = l;
        nseg++;
      }
      if (e >= norm.len) break;
      i = e + 1;
    }
  }
  /* trailing empty segments are trailing slashes: removed */
  while (nseg && lens[nseg - 1] == 0) nseg--;
  if (!rc && nseg == 0) rc = vigil_buf_putc(out, '/');
  for (size_t k = 0; k < nseg && !rc; k++) {
    rc = vigil_buf_putc(out, '/');
    if (!rc) rc = vigil_buf_append(out, norm.data + segs[k], lens[k]);
  }
  free(segs);
  free(lens);
  vigil_buf_release(&norm);
  return rc;
}

typedef struct qparam {
  const char *base; /* the normalised query buffer (qsort has no context) */
  size_t off, len, namelen;
} qparam;

static int cmp_param(const void *pa, const void *pb) {
  const qparam *a = pa, *b = pb;
  const char *qsort_base = a->base;
  size_t m = a->namelen < b->namelen ? a->namelen : b->namelen;
  int c = memcmp(qsort_base + a->off, qsort_base + b->off, m);
  if (c) return c;
  if (a->namelen != b->namelen) return a->namelen < b->namelen ? -1 : 1;
  size_t al = a->len - a->namelen, bl = b->len - b->namelen;
  m = al < bl ? al : bl;
  c = memcmp(qsort_base + a->off + a->namelen, qsort_base + b->off + b->namelen, m);
  if (c) return c;
  return al < bl ? -1 : (al > bl);
}

static int put_query(vigil_buf *out, const char *q, size_t n, vigil_str host) {
  vigil_buf norm = VIGIL_BUF_INIT, name = VIGIL_BUF_INIT;
  qparam *ps = NULL;
  size_t np = 0, cap = 0;
  int rc = 0;
  size_t i = 0;
  while (i <= n && !rc) {
    size_t e = i;
    while (e < n && q[e] != '&') e++;
    if (e > i) {
      size_t eq = i;
      while (eq < e && q[eq] != '=') eq++;
      /* decoded name for the tracking test */
      vigil_buf_clear(&name);
      for (size_t k = i; k < eq && !rc; k++) {
        int a = (q[k] == '%' && k + 2 < eq) ? hexval((unsigned char)q[k + 1]) : -1;
        int d = a >= 0 ? hexval((unsigned char)q[k + 2]) : -1;
        if (a >= 0 && d >= 0) {
          rc = vigil_buf_putc(&name, (char)(a * 16 + d));
          k += 2;
        } else {
          rc = vigil_buf_putc(&name, q[k]);
        }
      }
      if (!rc && !vigil_url_is_tracking_param(vigil_buf_view(&name), host)) {
        if (np == cap) {
          cap = cap ? cap * 2 : 8;
          qparam *nps = realloc(ps, cap * sizeof *ps);
          if (!nps) { rc = VIGIL_ENOMEM; break; }
          ps = nps;
        }
        size_t off = norm.len;
        rc = put_pct_norm(&norm, q + i, eq - i, ":@/?");
        size_t nl = norm.len - off;
        if (!rc && eq < e) rc = put_pct_norm(&norm, q + eq, e - eq, ":@/?");
        ps[np].off = off;
        ps[np].len = norm.len - off;
        ps[np].namelen = nl;
        np++;
      }
    }
    i = e + 1;
  }
  if (!rc && np) {
    for (size_t k = 0; k < np; k++) ps[k].base = norm.data;
    qsort(ps, np, sizeof *ps, cmp_param);
    rc = vigil_buf_putc(out, '?');
    for (size_t k = 0; k < np && !rc; k++) {
      if (k) rc = vigil_buf_putc(out, '&');
      if (!rc) rc = vigil_buf_append(out, norm.data + ps[k].off, ps[k].len);
    }
  }
  free(ps);
  vigil_buf_release(&norm);
  vigil_buf_release(&name);
  return rc;
}

/* Canonicalises into out; host_off and host_len locate the host in out. */
static int canon(vigil_str url, vigil_buf *out, size_t *host_off, size_t *host_len) {
  if (!out || (!url.ptr && url.len)) return VIGIL_EINVAL;
  vigil_buf_clear(out);
  if (url.len > VIGIL_URL_MAX) return VIGIL_ETOOBIG;
  const char *s = url.ptr;
  size_t n = url.len;
  /* surrounding blanks are not part of a URL; other controls are errors */
  while (n && (s[0] == ' ' || s[0] == '\t' || s[0] == '\r' || s[0] == '\n')) s++, n--;
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
    n--;
  if (!n) return VIGIL_EPARSE;
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) return VIGIL_EPARSE;
  int rc;
  /* scheme */
  size_t i = 0;
  char scheme[16] = "http";
  size_t sl = 0;
  while (sl < n && sl < 15 && (is_alpha((unsigned char)s[sl]) || (sl && (is_digit(s[sl]) ||
         s[sl] == '+' || s[sl] == '-' || s[sl] == '.'))))
    sl++;
  if (sl > 0 && sl + 3 <= n && memcmp(s + sl, "://", 3) == 0) {
    for (size_t k = 0; k < sl; k++) scheme[k] = (char)lower((unsigned char)s[k]);
    scheme[sl] = '\0';
    i = sl + 3;
  } else if (n >= 2 && s[0] == '/' && s[1] == '/') {
    i = 2;
  } else {
    /* no scheme: "host[:port]/..." only; "mailto:x" and the like refused */
    size_t c = 0;
    while (c < n && s[c] != '/' && s[c] != '?' && s[c] != '#' && s[c] != ':') c++;
    if (c < n && s[c] == ':') {
      size_t d = c + 1;
      while (d < n && is_digit((unsigned char)s[d])) d++;
      if (d < n && s[d] != '/' && s[d] != '?' && s[d] != '#') return VIGIL_EPARSE;
    }
  }
  if (!strcmp(scheme, "javascript") || !strcmp(scheme, "data")) return VIGIL_EPARSE;
  /* authority */
  size_t a0 = i;
  while (i < n && s[i] != '/' && s[i] != '?' && s[i] != '#' && s[i] != '\\') i++;
  size_t a1 = i;
  for (size_t k = a0; k < a1; k++)
    if (s[k] == '@') a0 = k + 1; /* userinfo dropped */
  size_t h0 = a0, h1, p0 = 0, p1 = 0;
  if (h0 < a1 && s[h0] == '[') {
    h1 = h0 + 1;
    while (h1 < a1 && s[h1] != ']') {
      int c = (unsigned char)s[h1];
      if (!(hexval(c) >= 0 || c == ':' || c == '.')) return VIGIL_EPARSE;
      h1++;
    }
    if (h1 >= a1 || h1 == h0 + 1) return VIGIL_EPARSE;
    h1++;
    if (h1 < a1 && s[h1] != ':') return VIGIL_EPARSE;
  } else {
    h1 = h0;
    while (h1 < a1 && s[h1] != ':') h1++;
  }
  if (h1 < a1) { /* port */
    p0 = h1 + 1;
    p1 = a1;
    if (p1 - p0 > 5) return VIGIL_EPARSE;
    for (size_t k = p0; k < p1; k++)
      if (!is_digit((unsigned char)s[k])) return VIGIL_EPARSE;
  }
  while (h1 > h0 && s[h1 - 1] == '.') h1--;
  if (h1 == h0) return VIGIL_EPARSE;
  for (size_t k = h0; k < h1; k++) {
    unsigned char c = (unsigned char)s[k];
    if (c < 0x80 && !is_unreserved(c) && !is_subdelim(c) && c != '%' && c != '[' &&
        c != ']' && c != ':')
      return VIGIL_EPARSE;
  }
  if ((rc = vigil_buf_append(out, scheme, strlen(scheme)))) return rc;
  if ((rc = vigil_buf_append(out, "://", 3))) return rc;
  *host_off = out->len;
  for (size_t k = h0; k < h1; k++)
    if ((rc = vigil_buf_putc(out, (char)lower((unsigned char)s[k])))) return rc;
  *host_len = out->len - *host_off;
  if (p1 > p0) {
    unsigned long port = 0;
    for (size_t k = p0; k < p1; k++) port = port * 10 + (unsigned long)(s[k] - '0');
    if (port > 65535) return VIGIL_EPARSE;
    int dflt = (port == 80 && (!strcmp(scheme, "http") || !strcmp(scheme, "ws"))) ||
               (port == 443 && (!strcmp(scheme, "https") || !strcmp(scheme, "wss"))) ||
               (port == 21 && !strcmp(scheme, "ftp"));
    if (!dflt && (rc = vigil_buf_printf(out, ":%lu", port))) return rc;
  }
  /* path: backslashes are treated as '/', as browsers do */
  size_t q0 = i;
  while (q0 < n && s[q0] != '?' && s[q0] != '#') q0++;
  {
    char *path = vigil_strndup(s + i, q0 - i);
    if (!path) return VIGIL_ENOMEM;
    for (size_t k = 0; k < q0 - i; k++)
      if (path[k] == '\\') path[k] = '/';
    rc = put_path(out, path, q0 - i);
    free(path);
    if (rc) return rc;
  }
  if (q0 < n && s[q0] == '?') {
    size_t f = q0 + 1;
    while (f < n && s[f] != '#') f++;
    vigil_str host = {out->data + *host_off, *host_len};
    /* put_query may move out->data; the host view is copied first */
    char *hcopy = vigil_strndup(host.ptr, host.len);
    if (!hcopy) return VIGIL_ENOMEM;
    rc = put_query(out, s + q0 + 1, f - q0 - 1, (vigil_str){hcopy, *host_len});
    free(hcopy);
    if (rc) return rc;
  }
  return 0;
}

int vigil_url_canonical(vigil_str url, vigil_buf *out) {
  size_t ho = 0, hl = 0;
  int rc = canon(url, out, &ho, &hl);
  if (rc && out) vigil_buf_clear(out);
  return rc;
}

int vigil_url_domain(vigil_str url, vigil_buf *out) {
  vigil_buf tmp = VIGIL_BUF_INIT;
  size_t ho = 0, hl = 0;
  int rc = canon(url, &tmp, &ho, &hl);
  if (!rc) {
    const char *h = tmp.data + ho;
    if (hl > 4 && memcmp(h, "www.", 4) == 0 && memchr(h + 4, '.', hl - 4)) {
      h += 4;
      hl -= 4;
    }
    vigil_buf_clear(out);
    rc = vigil_buf_append(out, h, hl);
  }
  if (rc && out) vigil_buf_clear(out);
  vigil_buf_release(&tmp);
  return rc;
}
