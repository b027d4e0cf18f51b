/* Text normalisation (rules in docs/text.md and include/vigil/text.h).
 *
 * Two passes: the raw bytes are scanned for URLs (which must be seen before
 * case folding and punctuation removal destroy them) and HTML entities; the
 * text between URLs is NFKC-decomposed and case-folded by utf8proc, then a
 * codepoint filter applies the script-specific folds, mentions, hashtags
 * and separators; finally the result is recomposed (NFC) and re-encoded. */
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>
#include <xxhash.h>

#include "vigil/error.h"
#include "vigil/text.h"
#include "vigil/url.h"

typedef struct cpvec {
  utf8proc_int32_t *v;
  size_t n, cap, limit;
} cpvec;

static int cp_reserve(cpvec *c, size_t extra) {
  if (c->n + extra > c->limit) return VIGIL_ETOOBIG;
  if (c->n + extra <= c->cap) return 0;
  size_t nc = c->cap ? c->cap : 256;
  while (nc < c->n + extra) nc *= 2;
  void *nv = realloc(c->v, nc * sizeof *c->v);
  if (!nv) return VIGIL_ENOMEM;
  c->v = nv;
  c->cap = nc;
  return 0;
}

static int cp_push(cpvec *c, utf8proc_int32_t x) {
  int rc = cp_reserve(c, 1);
  if (rc) return rc;
  c->v[c->n++] = x;
  return 0;
}

/* ---- raw-level scanning: URLs and entities ------------------------------ */

static int is_alnum_ascii(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
static int is_host_char(unsigned char c) { return is_alnum_ascii(c) || c == '-'; }

static int has_prefix_ci(const char *s, size_t n, const char *p) {
  size_t k = strlen(p);
  if (n < k) return 0;
  for (size_t i = 0; i < k; i++) {
    unsigned char a = (unsigned char)s[i];
    if (a >= 'A' && a <= 'Z') a = (unsigned char)(a + 32);
    if (a != (unsigned char)p[i]) return 0;
  }
  return 1;
}

/* Length of a bare "host.tld/" prefix at s (0 if none): the last label
 * must be 2+ letters so that "1.5/10" is not a URL. */
static size_t bare_domain_len(const char *s, size_t n) {
  size_t i = 0, labels = 0, last_start = 0;
  for (;;) {
    size_t st = i;
    while (i < n && i - st < 63 && is_host_char((unsigned char)s[i])) i++;
    if (i == st) return 0;
    labels++;
    last_start = st;
    if (i < n && s[i] == '.') { i++; continue; }
    break;
  }
  if (labels < 2 || i >= n || s[i] != '/') return 0;
  if (i - last_start < 2) return 0;
  for (size_t j = last_start; j < i; j++)
    if (!((s[j] | 32) >= 'a' && (s[j] | 32) <= 'z')) return 0;
  return i + 1;
}

/* Bytes that end a URL in running text. */
static size_t url_stop(const unsigned char *s, size_t n) {
  unsigned char c = s[0];
  if (c <= 0x20 || c == '"' || c == '<' || c == '>' || c == '`' || c == 0x7f) return 1;
  if (c == 0xC2 && n >= 2 && s[1] == 0xA0) return 1;              /* NBSP */
  if (c == 0xE2 && n >= 3 && s[1] == 0x80 &&
      (s[2] <= 0x8B || s[2] == 0x9C || s[2] == 0x9D || s[2] == 0xA6 ||
       s[2] == 0xA8 || s[2] == 0xA9 || s[2] == 0xAF))
    return 1; /* U+2000..200B spaces, curly quotes, ellipsis, separators */
  if (c == 0xE3 && n >= 3 && s[1] == 0x80 && s[2] == 0x80) return 1; /* U+3000 */
  return 0;
}

/* Length of the URL starting at s[i] (0 if none). */
static size_t url_at(const char *s, size_t n, size_t i) {
  unsigned char prev = i > 0 ? (unsigned char)s[i - 1] : ' ';
  if (is_alnum_ascii(prev)) return 0;
  const char *p = s + i;
  size_t rest = n - i, body;
  int scheme = 0;
  /* "...the end.http://x" is common in tweets: a scheme may follow any
   * non-alphanumeric byte; scheme-less forms need a cleaner boundary */
  if (has_prefix_ci(p, rest, "http://")) body = 7, scheme = 1;
  else if (has_prefix_ci(p, rest, "https://")) body = 8, scheme = 1;
  else if (prev == '@' || prev == '.' || prev == '-' || prev == '_' || prev == '/' || prev == '#')
    return 0;
  else if (has_prefix_ci(p, rest, "www.") && rest > 4 && is_host_char((unsigned char)p[4]))
    body = 4;
  else if (is_alnum_ascii((unsigned char)p[0]) && (body = bare_domain_len(p, rest)) > 0)
    ;
  else
    return 0;
  size_t e = body;
  while (e < rest && !url_stop((const unsigned char *)p + e, rest - e)) e++;
  if (e == body && scheme) return 0; /* a bare "http://" */
  int has_paren = memchr(p, '(', e) != NULL;
  while (e > body) {
    char c = p[e - 1];
    if (c == '.' || c == ',' || c == ';' || c == ':' || c == '!' || c == '?' || c == '\'' ||
        c == '*' || (c == ')' && !has_paren))
      e--;
    else
      break;
  }
  return e;
}

/* Decodes an HTML entity at s (which starts with '&'): returns its length
 * and the codepoint, or 0. */
static size_t entity_at(const char *s, size_t n, utf8proc_int32_t *cp) {
  static const struct { const char *name; utf8proc_int32_t cp; } named[] = {
      {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'},
      {"&apos;", '\''}, {"&nbsp;", 0xA0}};
  for (size_t k = 0; k < sizeof named / sizeof named[0]; k++)
    if (has_prefix_ci(s, n, named[k].name)) {
      *cp = named[k].cp;
      return strlen(named[k].name);
    }
  if (n < 4 || s[1] != '#') return 0;
  size_t i = 2;
  int hex = 0;
  if (s[i] == 'x' || s[i] == 'X') { hex = 1; i++; }
  uint32_t v = 0;
  size_t st = i;
  while (i < n && i - st < 7) {
    unsigned char c = (unsigned char)s[i];
    int d;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (hex && (c | 32) >= 'a' && (c | 32) <= 'f') d = (c | 32) - 'a' + 10;
    else break;
    v = v * (hex ? 16u : 10u) + (uint32_t)d;
    i++;
  }
  if (i == st || i >= n || s[i] != ';') return 0;
  if (v == 0 || !utf8proc_codepoint_valid((utf8proc_int32_t)v)) return 0;
  *cp = (utf8proc_int32_t)v;
  return i + 1;
}

/* ---- codepoint filter --------------------------------------------------- */

typedef struct normctx {
  unsigned flags;
  cpvec out;
  cpvec tmp;
  vigil_buf pending; /* raw text since the last URL, entities decoded */
  int need_space;
  int last_word; /* the last emitted codepoint belongs to a word */
} normctx;

/* Arabic-script marks: always dropped (harakat, superscript alef, hamza and
 * madda above/below left by decomposition, Quranic annotation signs). */
static int arabic_drop(utf8proc_int32_t c) {
  return (c >= 0x0610 && c <= 0x061A) || (c >= 0x064B && c <= 0x065F) || c == 0x0670 ||
         (c >= 0x06D6 && c <= 0x06ED) || (c >= 0x08CA && c <= 0x08FF) || c == 0x0640;
}

/* Non-Arabic diacritics we strip: combining marks of the alphabetic scripts
 * below U+0900 and the generic combining blocks. Marks of Indic and other
 * abugidas are kept: they are vowels there, not accents. */
static int strippable_mark(utf8proc_int32_t c) {
  return c < 0x0900 || (c >= 0x1AB0 && c <= 0x1AFF) || (c >= 0x1DC0 && c <= 0x1DFF) ||
         (c >= 0x20D0 && c <= 0x20FF) || (c >= 0xFE20 && c <= 0xFE2F);
}

static utf8proc_int32_t fold_char(utf8proc_int32_t c) {
  if (c < 0x0600) return c;
  if (c >= 0x0660 && c <= 0x0669) return '0' + (c - 0x0660);
  if (c >= 0x06F0 && c <= 0x06F9) return '0' + (c - 0x06F0);
  switch (c) {
  case 0x0622: case 0x0623: case 0x0625: case 0x0671: case 0x0672: case 0x0673:
    return 0x0627; /* alef variants -> bare alef */
  case 0x0649: case 0x06CC: case 0x06D2: case 0x06D3: case 0x0626:
    return 0x064A; /* alef maqsura, Farsi yeh, yeh barree, hamza-on-yeh -> yeh */
  case 0x0624:
    return 0x0648; /* hamza on waw -> waw */
  case 0x0629: case 0x06C0: case 0x06C1: case 0x06C3: case 0x06BE: case 0x06D5:
    return 0x0647; /* taa marbuta and heh variants -> heh */
  case 0x06A9: case 0x06AA:
    return 0x0643; /* keheh, swash kaf -> kaf */
  default:
    return c;
  }
}

/* utf8proc_category() for ASCII, the common case, without the lookup */
static utf8proc_category_t category(utf8proc_int32_t c) {
  if (c < 0x80) {
    if ((c >= 'a' && c <= 'z')) return UTF8PROC_CATEGORY_LL;
    if ((c >= 'A' && c <= 'Z')) return UTF8PROC_CATEGORY_LU;
    if (c >= '0' && c <= '9') return UTF8PROC_CATEGORY_ND;
    return c < 0x20 || c == 0x7f ? UTF8PROC_CATEGORY_CC : UTF8PROC_CATEGORY_PO;
  }
  return utf8proc_category(c);
}

static int is_wordcat(utf8proc_category_t k) {
  return k >= UTF8PROC_CATEGORY_LU && k <= UTF8PROC_CATEGORY_NO &&
         !(k >= UTF8PROC_CATEGORY_MN && k <= UTF8PROC_CATEGORY_ME);
}

static int emit_sep_if_needed(normctx *x) {
  if (x->need_space && x->out.n > 0) {
    int rc = cp_push(&x->out, ' ');
    if (rc) return rc;
  }
  x->need_space = 0;
  return 0;
}

static int emit_ascii_token(normctx *x, const char *s, size_t n) {
  int rc = emit_sep_if_needed(x);
  if (rc) return rc;
  rc = cp_reserve(&x->out, n);
  if (rc) return rc;
  for (size_t i = 0; i < n; i++) x->out.v[x->out.n++] = (unsigned char)s[i];
  x->need_space = 1;
  x->last_word = 0;
  return 0;
}

static int is_user_char(utf8proc_int32_t c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

static int filter(normctx *x, const utf8proc_int32_t *v, size_t n) {
  int rc;
  for (size_t j = 0; j < n; j++) {
    utf8proc_int32_t c = v[j];
    if (arabic_drop(c)) continue;
    c = fold_char(c);
    utf8proc_category_t k = category(c);
    if (k >= UTF8PROC_CATEGORY_MN && k <= UTF8PROC_CATEGORY_ME) {
      if (!(x->flags & VIGIL_TEXT_KEEP_MARKS) && strippable_mark(c)) continue;
      if (!x->last_word) continue; /* a mark with no base */
      if ((rc = cp_push(&x->out, c))) return rc;
      continue;
    }
    if (c == '_' && x->last_word && x->out.n > 0 && j + 1 < n) {
      /* inside a hashtag the underscore joins its parts */
      size_t b = x->out.n;
      while (b > 0 && x->out.v[b - 1] != ' ') b--;
      if (x->out.v[b] == '#' && is_wordcat(category(v[j + 1]))) {
        if ((rc = cp_push(&x->out, c))) return rc;
        continue;
      }
    }
    if (is_wordcat(k)) {
      if ((rc = emit_sep_if_needed(x))) return rc;
      if ((rc = cp_push(&x->out, c))) return rc;
      x->last_word = 1;
      continue;
    }
    if ((c == '\'' || c == 0x2019 || c == 0x02BC) && x->last_word && j + 1 < n &&
        is_wordcat(category(v[j + 1])))
      continue; /* "don't" -> "dont": apostrophes join */
    if (c == '@' && !x->last_word && j + 1 < n && is_user_char(v[j + 1])) {
      size_t e = j + 1;
      while (e < n && e - j <= 64 && is_user_char(v[e])) e++;
      /* fediverse handles: @user@instance.tld */
      if (e + 1 < n && v[e] == '@' && is_user_char(v[e + 1])) {
        e++;
        while (e < n && e - j <= 320 && (is_user_char(v[e]) || v[e] == '.' || v[e] == '-'))
          e++;
        while (v[e - 1] == '.' || v[e - 1] == '-') e--;
      }
      if (x->flags & VIGIL_TEXT_KEEP_MENTIONS) {
        if ((rc = emit_sep_if_needed(x))) return rc;
        for (size_t i = j; i < e; i++)
          if ((rc = cp_push(&x->out, v[i]))) return rc;
        x->need_space = 1;
        x->last_word = 0;
      } else if (x->flags & VIGIL_TEXT_DROP_PLACEHOLDERS) {
        x->need_space = 1;
        x->last_word = 0;
      } else if ((rc = emit_ascii_token(x, VIGIL_TEXT_USER_TOKEN,
                                        sizeof VIGIL_TEXT_USER_TOKEN - 1))) {
        return rc;
      }
      j = e - 1;
      continue;
    }
    if (c == '#' && !x->last_word && j + 1 < n) {
      utf8proc_int32_t d = fold_char(v[j + 1]);
      if (is_wordcat(category(d)) || d == '_') {
        if (!(x->flags & VIGIL_TEXT_HASHTAG_WORDS)) {
          x->need_space = 1;
          if ((rc = emit_sep_if_needed(x))) return rc;
          if ((rc = cp_push(&x->out, '#'))) return rc;
          x->last_word = 1; /* the tag's letters follow without a space */
        }
        continue;
      }
    }
    if (k == UTF8PROC_CATEGORY_SO) { /* emoji and other pictographs */
      x->need_space = 1;
      if ((rc = emit_sep_if_needed(x))) return rc;
      if ((rc = cp_push(&x->out, c))) return rc;
      x->need_space = 1;
      x->last_word = 0;
      continue;
    }
    x->need_space = 1; /* punctuation, other symbols, spaces, controls */
    x->last_word = 0;
  }
  return 0;
}

#define DECOMP_OPTS                                                                     \
  ((utf8proc_option_t)(UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD |       \
                       UTF8PROC_IGNORE))

/* Decomposes the pending text into x->tmp and filters it. ASCII runs are
 * lower-cased directly (NFKC + case fold of ASCII is lower-casing); only the
 * other runs go through utf8proc. Splitting before an ASCII byte is safe:
 * ASCII characters are starters, so canonical reordering never crosses them. */
static int flush_pending(normctx *x) {
  if (x->pending.len == 0) return 0;
  const utf8proc_uint8_t *s = (const utf8proc_uint8_t *)x->pending.data;
  size_t n = x->pending.len, i = 0;
  int rc;
  x->tmp.n = 0;
  while (i < n) {
    size_t e = i;
    if (s[i] < 0x80) {
      while (e < n && s[e] < 0x80) e++;
      if ((rc = cp_reserve(&x->tmp, e - i))) return rc;
      for (size_t k = i; k < e; k++)
        x->tmp.v[x->tmp.n++] = (s[k] >= 'A' && s[k] <= 'Z') ? s[k] + 32 : s[k];
    } else {
      while (e < n && s[e] >= 0x80) e++;
      for (;;) {
        utf8proc_ssize_t room = (utf8proc_ssize_t)(x->tmp.cap - x->tmp.n);
        utf8proc_ssize_t r = utf8proc_decompose_custom(
            s + i, (utf8proc_ssize_t)(e - i), x->tmp.v ? x->tmp.v + x->tmp.n : NULL, room,
            DECOMP_OPTS, NULL, NULL);
        if (r < 0) return r == UTF8PROC_ERROR_NOMEM ? VIGIL_ENOMEM : VIGIL_EUTF8;
        if (r <= room) {
          x->tmp.n += (size_t)r;
          break;
        }
        if ((rc = cp_reserve(&x->tmp, (size_t)r))) return rc;
      }
    }
    i = e;
  }
  vigil_buf_clear(&x->pending);
  return filter(x, x->tmp.v, x->tmp.n);
}

static int emit_url(normctx *x, const char *u, size_t n) {
  int rc = flush_pending(x);
  if (rc) return rc;
  if (!(x->flags & VIGIL_TEXT_KEEP_URLS)) {
    x->need_space = 1;
    x->last_word = 0;
    if (x->flags & VIGIL_TEXT_DROP_PLACEHOLDERS) return 0;
    return emit_ascii_token(x, VIGIL_TEXT_URL_TOKEN, sizeof VIGIL_TEXT_URL_TOKEN - 1);
  }
  vigil_buf raw = VIGIL_BUF_INIT, canon = VIGIL_BUF_INIT;
  for (size_t i = 0; i < n && !rc; i++) {
    if (u[i] == '&' && has_prefix_ci(u + i, n - i, "&amp;")) {
      rc = vigil_buf_putc(&raw, '&');
      i += 4;
    } else {
      rc = vigil_buf_putc(&raw, u[i]);
    }
  }
  if (!rc) {
    int crc = vigil_url_canonical(vigil_buf_view(&raw), &canon);
    if (crc == VIGIL_ENOMEM) rc = crc;
    const vigil_buf *src = crc ? &raw : &canon;
    if (!rc) {
      x->need_space = 1;
      rc = emit_sep_if_needed(x);
    }
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)src->data;
    utf8proc_ssize_t left = (utf8proc_ssize_t)src->len;
    while (!rc && left > 0) {
      utf8proc_int32_t c;
      utf8proc_ssize_t k = utf8proc_iterate(p, left, &c);
      if (k <= 0) { rc = VIGIL_EUTF8; break; }
      if (crc && c >= 'A' && c <= 'Z') c += 32;
      rc = cp_push(&x->out, c);
      p += k;
      left -= k;
    }
    x->need_space = 1;
    x->last_word = 0;
  }
  vigil_buf_release(&raw);
  vigil_buf_release(&canon);
  return rc;
}

static int put_utf8(vigil_buf *b, utf8proc_int32_t cp) {
  utf8proc_uint8_t tmp[4];
  utf8proc_ssize_t k = utf8proc_encode_char(cp, tmp);
  return vigil_buf_append(b, tmp, (size_t)k);
}

int vigil_text_normalize(vigil_str in, unsigned flags, vigil_buf *out) {
  if (!out || (!in.ptr && in.len)) return VIGIL_EINVAL;
  vigil_buf_clear(out);
  if (in.len > VIGIL_TEXT_MAX_INPUT) return VIGIL_ETOOBIG;
  if (in.len == 0) return vigil_buf_reserve(out, 0);
  {
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)in.ptr;
    utf8proc_ssize_t left = (utf8proc_ssize_t)in.len;
    while (left > 0) {
      if (*p < 0x80) { p++; left--; continue; }
      utf8proc_int32_t c;
      utf8proc_ssize_t k = utf8proc_iterate(p, left, &c);
      if (k <= 0) return VIGIL_EUTF8;
      p += k;
      left -= k;
    }
  }
  normctx x;
  memset(&x, 0, sizeof x);
  x.flags = flags;
  /* NFKC can expand a codepoint up to 18 codepoints; bound the worst case */
  x.out.limit = 8 * in.len + 64;
  x.tmp.limit = 8 * in.len + 64;
  int rc = 0;
  const char *s = in.ptr;
  size_t n = in.len, i = 0, run = 0; /* run: start of raw bytes not yet copied */
  while (i < n && !rc) {
    unsigned char c = (unsigned char)s[i];
    if (c == '&') {
      utf8proc_int32_t cp;
      size_t k = entity_at(s + i, n - i, &cp);
      if (k) {
        rc = vigil_buf_append(&x.pending, s + run, i - run);
        if (!rc) rc = put_utf8(&x.pending, cp);
        i += k;
        run = i;
        continue;
      }
    } else if (c == '_' && i + 7 <= n && (s[i + 1] == 'x' || s[i + 1] == 'X') && s[i + 6] == '_' &&
               s[i + 2] == '0' && s[i + 3] == '0' && s[i + 4] == '0' &&
               (s[i + 5] == '9' || s[i + 5] == 'a' || s[i + 5] == 'A' || s[i + 5] == 'd' ||
                s[i + 5] == 'D')) {
      /* OOXML escapes "_x000D_" etc. left by spreadsheet exports: a blank */
      rc = vigil_buf_append(&x.pending, s + run, i - run);
      if (!rc) rc = vigil_buf_putc(&x.pending, ' ');
      i += 7;
      run = i;
      continue;
    } else if (is_alnum_ascii(c)) {
      size_t k = url_at(s, n, i);
      if (k) {
        rc = vigil_buf_append(&x.pending, s + run, i - run);
        if (!rc) rc = emit_url(&x, s + i, k);
        i += k;
        run = i;
        continue;
      }
      /* skip the rest of this ASCII word: URLs start only at boundaries */
      while (i + 1 < n && is_alnum_ascii((unsigned char)s[i + 1])) i++;
    }
    i++;
  }
  if (!rc) rc = vigil_buf_append(&x.pending, s + run, n - run);
  if (!rc) rc = flush_pending(&x);
  if (!rc && x.out.n > 0) {
    /* below U+0300 nothing composes: encode directly */
    int simple = 1;
    for (size_t j = 0; j < x.out.n && simple; j++) simple = x.out.v[j] < 0x300;
    if (simple) {
      rc = vigil_buf_reserve(out, 2 * x.out.n);
      for (size_t j = 0; j < x.out.n && !rc; j++) {
        utf8proc_int32_t c = x.out.v[j];
        if (c < 0x80) {
          out->data[out->len++] = (char)c;
        } else {
          out->data[out->len++] = (char)(0xC0 | (c >> 6));
          out->data[out->len++] = (char)(0x80 | (c & 0x3F));
        }
      }
      if (!rc) out->data[out->len] = '\0';
    } else {
      /* compose in place and re-encode to UTF-8 in the same memory */
      utf8proc_ssize_t r =
          utf8proc_reencode(x.out.v, (utf8proc_ssize_t)x.out.n, UTF8PROC_COMPOSE);
      if (r < 0) rc = VIGIL_EUTF8;
      else rc = vigil_buf_append(out, x.out.v, (size_t)r);
    }
  }
  if (!rc && !out->data) rc = vigil_buf_reserve(out, 0);
  if (rc) vigil_buf_clear(out);
  free(x.out.v);
  free(x.tmp.v);
  vigil_buf_release(&x.pending);
  return rc;
}

int vigil_text_hash(vigil_str in, unsigned flags, vigil_hash128 *out) {
  vigil_buf b = VIGIL_BUF_INIT;
  int rc = vigil_text_normalize(in, flags, &b);
  if (!rc) {
    XXH128_hash_t h = XXH3_128bits(b.data ? b.data : "", b.len);
    out->lo = h.low64;
    out->hi = h.high64;
  }
  vigil_buf_release(&b);
  return rc;
}
