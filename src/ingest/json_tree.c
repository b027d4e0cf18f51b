#include "ingest/json_tree.h"

#include <stdlib.h>
#include <string.h>

#include "vigil/error.h"

#if defined(__SSE2__) && !defined(VJT_NO_SIMD)
#include <emmintrin.h>
#endif

/* ---- arena --------------------------------------------------------------------------
 * One bump pointer, reset per document: node allocation and "freeing the
 * tree" cost next to nothing, which is a good part of why this parser beats
 * cJSON with malloc. */

struct vjt_chunk {
  struct vjt_chunk *next;
  size_t size;
  /* data follows, 16-aligned */
};
#define CHUNK_HDR ((sizeof(struct vjt_chunk) + 15) & ~(size_t)15)
#define ARENA_MIN_CHUNK ((size_t)64 << 10)
/* After a reset we keep one chunk of at most this size, so a single huge
 * document does not pin its memory for the rest of the run. */
#define ARENA_KEEP_MAX ((size_t)64 << 20)

static int arena_new_chunk(vjt_arena *a, size_t need) {
  /* geometric growth: a huge document needs only a logarithmic number of chunks */
  size_t size = a->chunks && a->chunks->size < SIZE_MAX / 4 ? a->chunks->size * 2 : ARENA_MIN_CHUNK;
  while (size < need) {
    if (size > SIZE_MAX / 4) return VIGIL_ENOMEM;
    size *= 2;
  }
  struct vjt_chunk *c = malloc(CHUNK_HDR + size);
  if (!c) return VIGIL_ENOMEM;
  c->next = a->chunks;
  c->size = size;
  a->chunks = c;
  a->cur = (char *)c + CHUNK_HDR;
  a->end = a->cur + size;
  return 0;
}

void *vjt_arena_grow(vjt_arena *a, size_t n) {
  if (n > SIZE_MAX / 4) {
    a->failed = 1;
    return NULL;
  }
  n = (n + 15) & ~(size_t)15;
  if (n == 0) n = 16;
  if ((size_t)(a->end - a->cur) < n) {
    /* what the full chunk held counts toward the size of the single chunk
     * kept by the next reset */
    if (a->chunks) a->used_total += (size_t)(a->cur - ((char *)a->chunks + CHUNK_HDR));
    if (arena_new_chunk(a, n)) {
      a->failed = 1;
      return NULL;
    }
  }
  void *p = a->cur;
  a->cur += n;
  return p;
}

void vjt_arena_free(vjt_arena *a) {
  struct vjt_chunk *c = a->chunks;
  while (c) {
    struct vjt_chunk *n = c->next;
    free(c);
    c = n;
  }
  vjt_arena_init(a);
}

void vjt_arena_reset(vjt_arena *a) {
  a->failed = 0;
  if (!a->chunks) return;
  if (a->chunks->next || a->chunks->size > ARENA_KEEP_MAX) {
    /* several chunks were needed: replace them by one big enough for a
     * document of that size, so the steady state is one chunk, no malloc */
    size_t want = a->used_total + (size_t)(a->cur - ((char *)a->chunks + CHUNK_HDR));
    vjt_arena_free(a);
    if (want <= ARENA_KEEP_MAX && arena_new_chunk(a, want) != 0) vjt_arena_init(a);
  } else {
    a->cur = (char *)a->chunks + CHUNK_HDR;
    a->end = a->cur + a->chunks->size;
  }
  a->used_total = 0;
}

/* ---- scanning ------------------------------------------------------------------------ */

/* 1 for the bytes that end a run of plain string bytes: '"', '\\', < 0x20 */
static const uint8_t str_stop[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
};

/* First byte in [p, e) that is '"', '\\' or a control character, or e. */
static inline const char *scan_plain(const char *p, const char *e) {
#if defined(__SSE2__) && !defined(VJT_NO_SIMD)
  const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\');
  const __m128i ctl = _mm_set1_epi8(0x1f);
  while (e - p >= 16) {
    __m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
    /* max_epu8(x, 0x1f) == 0x1f exactly when x <= 0x1f (unsigned) */
    __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, bslash)),
                             _mm_cmpeq_epi8(_mm_max_epu8(x, ctl), ctl));
    int bits = _mm_movemask_epi8(m);
    if (bits) return p + __builtin_ctz((unsigned)bits);
    p += 16;
  }
#endif
  while (p < e && !str_stop[(unsigned char)*p]) p++;
  return p;
}

/* a hex digit's value plus one; 0 for every other byte */
static const uint8_t hex_plus1[256] = {
    ['0'] = 1,  ['1'] = 2,  ['2'] = 3,  ['3'] = 4,  ['4'] = 5,  ['5'] = 6,  ['6'] = 7,
    ['7'] = 8,  ['8'] = 9,  ['9'] = 10, ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14,
    ['e'] = 15, ['f'] = 16, ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15,
    ['F'] = 16};

/* 4 hex digits at p (caller checked p + 4 <= e); -1 if not hex. A table
 * instead of range tests: encoders that escape all non-ASCII text write
 * one \uXXXX per character, and this ran for each. */
static inline int32_t hex4(const char *p) {
  int32_t a = hex_plus1[(unsigned char)p[0]] - 1, b = hex_plus1[(unsigned char)p[1]] - 1;
  int32_t c = hex_plus1[(unsigned char)p[2]] - 1, d = hex_plus1[(unsigned char)p[3]] - 1;
  if ((a | b | c | d) < 0) return -1;
  return (a << 12) | (b << 8) | (c << 4) | d;
}

typedef struct pstate {
  vjt_arena *a;
  const char *base;
  const char *fail_at;
  const char *reason;
} pstate;

/* Notes the first fault; returns NULL for `return FAIL_AT(...)`. */
static inline const char *FAIL_AT(pstate *ps, const char *at, const char *why) {
  ps->fail_at = at;
  ps->reason = why;
  return NULL;
}

/* Reads the string whose opening quote is at p[-1]. On success returns the
 * byte after the closing quote and sets *out / *olen / *flags (VJT_F_COPIED,
 * VJT_F_STR_NUL); NULL on error. Escaped strings are decoded into the
 * arena: the decoded form is never longer than the escaped text. */
static const char *read_string_escaped(pstate *ps, const char *s, const char *p,
                                       const char *e, const char **out, uint32_t *olen,
                                       uint8_t *flags);

/* The common case (nothing to decode) inline: a call per string cost ~20
 * instructions, a quarter of reading a typical short key or value. */
static inline __attribute__((always_inline)) const char *
read_string(pstate *ps, const char *p, const char *e, const char **out, uint32_t *olen,
            uint8_t *flags) {
  const char *s = p;
  p = scan_plain(p, e);
  if (p < e && *p == '"') {
    *out = s;
    *olen = (uint32_t)(p - s);
    *flags = 0;
    return p + 1;
  }
  return read_string_escaped(ps, s, p, e, out, olen, flags);
}

/* The rest of read_string from p, the first byte of s that is not plain. */
static const char *read_string_escaped(pstate *ps, const char *s, const char *p,
                                       const char *e, const char **out, uint32_t *olen,
                                       uint8_t *flags) {
  /* find the end first (escapes skipped), so that the copy can be sized */
  const char *q = p;
  for (;;) {
    if (q >= e) return FAIL_AT(ps, s - 1, "unterminated string");
    unsigned char c = (unsigned char)*q;
    if (c == '"') break;
    if (c < 0x20) return FAIL_AT(ps, q, "control character in string");
    /* c == '\\': the escaped byte is checked when decoding; skipping it here
     * keeps an escaped quote from ending the string */
    if (q + 1 >= e) return FAIL_AT(ps, s - 1, "unterminated string");
    /* \uXXXX followed by another escape (all-escaped text): no scan. Were
     * the four bytes skipped not hex, the decoding below refuses them, so
     * the end found here matters only for valid escapes. */
    if (q[1] == 'u' && e - q > 6 && q[6] == '\\') {
      q += 6;
      continue;
    }
    q = scan_plain(q + 2, e);
  }
  size_t raw = (size_t)(q - s);
  char *buf = vjt_alloc(ps->a, raw + 1);
  if (!buf) return FAIL_AT(ps, s, "out of memory");
  size_t pre = (size_t)(p - s);
  memcpy(buf, s, pre);
  char *o = buf + pre;
  uint8_t fl = VJT_F_COPIED;
  while (p < q) {
    if (*p != '\\') {
      /* a run of plain bytes; escapes often come back to back (\uXXXX
       * text from encoders that escape all non-ASCII), so this is skipped
       * then */
      const char *r = scan_plain(p, q);
      memcpy(o, p, (size_t)(r - p));
      o += r - p;
      p = r;
      if (p >= q) break;
    }
    /* *p == '\\' (control characters were refused above) */
    char c = p[1];
    switch (c) {
    case '"': *o++ = '"'; p += 2; break;
    case '\\': *o++ = '\\'; p += 2; break;
    case '/': *o++ = '/'; p += 2; break;
    case 'b': *o++ = '\b'; p += 2; break;
    case 'f': *o++ = '\f'; p += 2; break;
    case 'n': *o++ = '\n'; p += 2; break;
    case 'r': *o++ = '\r'; p += 2; break;
    case 't': *o++ = '\t'; p += 2; break;
    case 'u': {
      if (q - p < 6) return FAIL_AT(ps, p, "invalid \\u escape");
      int32_t cp = hex4(p + 2);
      if (cp < 0) return FAIL_AT(ps, p, "invalid \\u escape");
      p += 6;
      if (cp >= 0xDC00 && cp <= 0xDFFF) return FAIL_AT(ps, p - 6, "lone surrogate");
      if (cp >= 0xD800 && cp <= 0xDBFF) {
        if (q - p < 6 || p[0] != '\\' || p[1] != 'u') return FAIL_AT(ps, p - 6, "lone surrogate");
        int32_t lo = hex4(p + 2);
        if (lo < 0) return FAIL_AT(ps, p, "invalid \\u escape");
        if (lo < 0xDC00 || lo > 0xDFFF) return FAIL_AT(ps, p - 6, "lone surrogate");
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        p += 6;
      }
      if (cp == 0) fl |= VJT_F_STR_NUL;
      o += vjt_put_utf8(o, (uint32_t)cp);
      break;
    }
    default: return FAIL_AT(ps, p, "invalid escape");
    }
  }
  *o = '\0';
  *out = buf;
  *olen = (uint32_t)(o - buf);
  *flags = fl;
  return q + 1;
}

/* Reads a number starting at p (a '-' or a digit); NULL on a grammar error. */
static const char *read_number(pstate *ps, const char *p, const char *e, uint8_t *flags) {
  const char *s = p;
  if (*p == '-') {
    p++;
    if (p >= e || (unsigned)(*p - '0') > 9) return FAIL_AT(ps, s, "digit expected after '-'");
  }
  if (*p == '0') {
    p++;
    if (p < e && (unsigned)(*p - '0') <= 9) return FAIL_AT(ps, s, "leading zero in number");
  } else {
    while (p < e && (unsigned)(*p - '0') <= 9) p++;
  }
  uint8_t fl = VJT_F_INT;
  if (p < e && *p == '.') {
    p++;
    if (p >= e || (unsigned)(*p - '0') > 9) return FAIL_AT(ps, p, "digit expected after '.'");
    while (p < e && (unsigned)(*p - '0') <= 9) p++;
    fl = 0;
  }
  if (p < e && (*p == 'e' || *p == 'E')) {
    p++;
    if (p < e && (*p == '+' || *p == '-')) p++;
    if (p >= e || (unsigned)(*p - '0') > 9) return FAIL_AT(ps, p, "digit expected in exponent");
    while (p < e && (unsigned)(*p - '0') <= 9) p++;
    fl = 0;
  }
  *flags = fl;
  return p;
}

/* JSON whitespace: space, tab, LF, CR (and nothing else) */
static inline const char *skip_ws(const char *p, const char *e) {
  /* every byte that can start a token is above ' ', and encoders write
   * either no whitespace or the single space of ", " and ": " (Python's
   * json.dumps, hence twarc): those two cases cost one or two compares
   * instead of the loop's five per byte (the loop was 5% of ingest) */
  if (p < e && (unsigned char)*p > ' ') return p;
  if (e - p >= 2 && *p == ' ' && (unsigned char)p[1] > ' ') return p + 1;
  while (p < e && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) p++;
  return p;
}

/* Nodes come from the arena in blocks, so that the per-value cost is a
 * pointer bump on a pointer kept in a register. */
#define NODE_BLOCK 64

int vjt_parse(vjt_arena *a, const char *s, size_t n, vjt_node **root, vjt_error *err) {
  *root = NULL;
  if (err) err->offset = 0, err->reason = NULL;
  if (n > VJT_MAX_INPUT) {
    if (err) err->reason = "input too long";
    return VIGIL_ETOOBIG;
  }
  pstate ps = {a, s, NULL, NULL};
  const char *p = s, *e = s + n;
  vjt_node *nodes = NULL, *nodes_end = NULL;
  /* open containers and the last child appended to each */
  vjt_node *stk[VJT_MAX_DEPTH];
  vjt_node *last[VJT_MAX_DEPTH];
  int depth = 0;
  const char *key = NULL;
  uint32_t key_len = 0;
  uint8_t key_fl = 0;
  vjt_node *top = NULL;
  int rc = VIGIL_EPARSE;

  p = skip_ws(p, e);

value:
  if (p >= e) {
    FAIL_AT(&ps, p, depth || top ? "unexpected end of input" : "empty input");
    goto fail;
  }
  {
    if (nodes == nodes_end) {
      /* a block starts on a 32-byte boundary: no node straddles two lines */
      char *blk = vjt_alloc(a, (NODE_BLOCK + 1) * sizeof *nodes);
      nodes = blk ? (vjt_node *)(((uintptr_t)blk + 31) & ~(uintptr_t)31) : NULL;
      if (!nodes) {
        rc = VIGIL_ENOMEM;
        FAIL_AT(&ps, p, "out of memory");
        goto fail;
      }
      nodes_end = nodes + NODE_BLOCK;
    }
    vjt_node *v = nodes++;
    v->next = v->u.child = NULL;
    v->key = key;
    v->key_len = (uint16_t)key_len;
    v->flags = key_fl;
    if (depth) {
      vjt_node *par = stk[depth - 1];
      if (last[depth - 1]) last[depth - 1]->next = v;
      else par->u.child = v;
      last[depth - 1] = v;
      par->len++;
    } else {
      top = v;
    }
    switch (*p) {
    case '"': {
      uint8_t fl;
      p = read_string(&ps, p + 1, e, &v->u.str, &v->len, &fl);
      if (!p) goto fail;
      v->type = VJT_STRING;
      v->flags |= fl;
      goto after_value;
    }
    case '{':
      v->type = VJT_OBJECT;
      goto open;
    case '[':
      v->type = VJT_ARRAY;
    open:
      v->len = 0;
      if (depth >= VJT_MAX_DEPTH) {
        FAIL_AT(&ps, p, "nesting too deep");
        goto fail;
      }
      stk[depth] = v;
      last[depth] = NULL;
      depth++;
      p = skip_ws(p + 1, e);
      if (p < e && *p == (v->type == VJT_OBJECT ? '}' : ']')) {
        depth--;
        p++;
        goto after_value;
      }
      if (v->type == VJT_OBJECT) goto member;
      key = NULL, key_len = 0, key_fl = 0;
      goto value;
    case 't':
      if (e - p >= 4 && memcmp(p, "true", 4) == 0) {
        v->type = VJT_TRUE;
        p += 4;
        goto literal;
      }
      FAIL_AT(&ps, p, "invalid literal");
      goto fail;
    case 'f':
      if (e - p >= 5 && memcmp(p, "false", 5) == 0) {
        v->type = VJT_FALSE;
        p += 5;
        goto literal;
      }
      FAIL_AT(&ps, p, "invalid literal");
      goto fail;
    case 'n':
      if (e - p >= 4 && memcmp(p, "null", 4) == 0) {
        v->type = VJT_NULL;
        p += 4;
        goto literal;
      }
      FAIL_AT(&ps, p, "invalid literal");
      goto fail;
    literal:
      v->u.str = NULL;
      v->len = 0;
      goto after_value;
    case '-': case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9': {
      uint8_t fl;
      const char *ns = p;
      p = read_number(&ps, p, e, &fl);
      if (!p) goto fail;
      v->type = VJT_NUMBER;
      v->u.str = ns;
      v->len = (uint32_t)(p - ns);
      v->flags |= fl;
      goto after_value;
    }
    default:
      FAIL_AT(&ps, p, "unexpected character");
      goto fail;
    }
  }

after_value:
  if (depth == 0) {
    p = skip_ws(p, e);
    if (p != e) {
      FAIL_AT(&ps, p, "trailing characters");
      goto fail;
    }
    *root = top;
    return 0;
  }
  /* ", " then a key: the common case between members, without the
   * general checks below */
  if (e - p >= 3 && p[0] == ',' && stk[depth - 1]->type == VJT_OBJECT) {
    const char *q = p + 1 + (p[1] == ' ');
    if (*q == '"') {
      p = q;
      goto member;
    }
  }
  p = skip_ws(p, e);
  if (p >= e) {
    FAIL_AT(&ps, p, "unexpected end of input");
    goto fail;
  }
  if (*p == ',') {
    p = skip_ws(p + 1, e);
    if (stk[depth - 1]->type == VJT_OBJECT) goto member;
    key = NULL, key_len = 0, key_fl = 0;
    if (p < e && *p == ']') {
      FAIL_AT(&ps, p, "trailing comma");
      goto fail;
    }
    goto value;
  }
  if (*p == (stk[depth - 1]->type == VJT_OBJECT ? '}' : ']')) {
    depth--;
    p++;
    goto after_value;
  }
  FAIL_AT(&ps, p, stk[depth - 1]->type == VJT_OBJECT ? "expected ',' or '}'" : "expected ',' or ']'");
  goto fail;

member: /* at the key of an object member (whitespace skipped) */
  if (p >= e) {
    FAIL_AT(&ps, p, "unexpected end of input");
    goto fail;
  }
  if (*p != '"') {
    FAIL_AT(&ps, p, *p == '}' ? "trailing comma" : "expected a string key");
    goto fail;
  }
  {
    uint8_t fl;
    p = read_string(&ps, p + 1, e, &key, &key_len, &fl);
    if (!p) goto fail;
    key_fl = (fl & VJT_F_STR_NUL) ? VJT_F_KEY_NUL : 0;
    if (key_len >= VJT_KEY_LEN_MAX) {
      /* no field vigil reads has such a name; keep it whole for messages */
      if (!(fl & VJT_F_COPIED)) {
        char *c = vjt_alloc(a, (size_t)key_len + 1);
        if (!c) {
          rc = VIGIL_ENOMEM;
          FAIL_AT(&ps, p, "out of memory");
          goto fail;
        }
        memcpy(c, key, key_len);
        c[key_len] = '\0';
        key = c;
      }
      key_fl |= VJT_F_KEY_LONG;
      key_len = VJT_KEY_LEN_MAX;
    }
  }
  /* ": " or ":" then a value: the common case */
  if (e - p >= 3 && p[0] == ':') {
    const char *q = p + 1 + (p[1] == ' ');
    if ((unsigned char)*q > ' ') {
      p = q;
      goto value;
    }
  }
  p = skip_ws(p, e);
  if (p >= e || *p != ':') {
    FAIL_AT(&ps, p, "expected ':'");
    goto fail;
  }
  p = skip_ws(p + 1, e);
  goto value;

fail:
  if (a->failed) rc = VIGIL_ENOMEM;
  if (err) {
    err->offset = ps.fail_at ? (size_t)(ps.fail_at - s) : (size_t)(p - s);
    err->reason = ps.reason ? ps.reason : "malformed";
  }
  return rc;
}

/* ---- numbers --------------------------------------------------------------------------- */

int vjt_num_i64(const vjt_node *n, int64_t *out) {
  if (!n || n->type != VJT_NUMBER) return VIGIL_ETYPE;
  if (!(n->flags & VJT_F_INT)) return VIGIL_ETYPE;
  const char *p = n->u.str, *e = p + n->len;
  int neg = 0;
  if (p < e && *p == '-') neg = 1, p++;
  if (p >= e) return VIGIL_ETYPE;
  /* accumulate as a negative number: INT64_MIN has no positive twin */
  int64_t v = 0;
  for (; p < e; p++) {
    int d = *p - '0';
    if (d < 0 || d > 9) return VIGIL_ETYPE;
    if (v < (INT64_MIN + d) / 10) return VIGIL_ERANGE;
    v = v * 10 - d;
  }
  if (!neg) {
    if (v == INT64_MIN) return VIGIL_ERANGE;
    v = -v;
  }
  *out = v;
  return 0;
}

int vjt_num_double(const vjt_node *n, double *out) {
  if (!n || n->type != VJT_NUMBER) return VIGIL_ETYPE;
  /* the raw text is not NUL-terminated: strtod gets a bounded copy. The
   * grammar was checked, and it has no locale-dependent characters other
   * than '.', which strtod reads as the decimal point in the C locale */
  char tmp[128];
  char *buf = tmp;
  if (n->len >= sizeof tmp) {
    buf = malloc((size_t)n->len + 1);
    if (!buf) return VIGIL_ENOMEM;
  }
  memcpy(buf, n->u.str, n->len);
  buf[n->len] = '\0';
  *out = strtod(buf, NULL);
  if (buf != tmp) free(buf);
  return 0;
}

const vjt_node *vjt_get(const vjt_node *obj, const char *key, size_t klen) {
  if (!obj || obj->type != VJT_OBJECT) return NULL;
  for (const vjt_node *c = obj->u.child; c; c = c->next)
    if (c->key_len == klen && !(c->flags & VJT_F_KEY_LONG) && memcmp(c->key, key, klen) == 0)
      return c;
  return NULL;
}
