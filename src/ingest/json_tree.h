/* src/ingest/json_tree.h - vigil's own JSON parser (private to ingest).
 *
 * A single-pass, non-recursive, fully validating RFC 8259 parser that builds
 * a tree of vjt_node in a bump arena. It exists because cJSON was the
 * largest cost of JSON ingest (literal checks with strncmp, strtod with
 * localeconv for every number, one malloc'd node and one string per value);
 * see docs/json.md for the figures and for what is validated.
 *
 * Ownership: the caller owns the vjt_arena (vjt_arena_init zeroes it,
 * vjt_arena_reset recycles it between documents, vjt_arena_free releases
 * it). Every node, and every string that had to be unescaped, lives in the
 * arena until the next reset. A string without backslashes is NOT copied:
 * its str points into the input, so the input must outlive the tree.
 * Strings are not NUL-terminated unless VJT_F_COPIED is set.
 *
 * The parser does not check that the input is UTF-8 (the caller does it
 * once for the whole line, faster); everything else of RFC 8259 is checked.
 */
#ifndef VIGIL_INGEST_JSON_TREE_H
#define VIGIL_INGEST_JSON_TREE_H

#include <stddef.h>
#include <stdint.h>

/* ---- arena -------------------------------------------------------------------- */

typedef struct vjt_arena {
  char *cur, *end;          /* bump region of the current chunk */
  struct vjt_chunk *chunks; /* newest first */
  size_t used_total;        /* bytes used in chunks filled since the last reset */
  int failed;               /* an allocation failed since the last reset */
} vjt_arena;

static inline void vjt_arena_init(vjt_arena *a) {
  a->cur = a->end = NULL;
  a->chunks = NULL;
  a->used_total = 0;
  a->failed = 0;
}
/* Slow path of vjt_alloc: a new chunk (geometric growth). */
void *vjt_arena_grow(vjt_arena *a, size_t n);
/* 16-byte aligned, not zeroed; NULL (and a->failed set) when out of memory. */
static inline void *vjt_alloc(vjt_arena *a, size_t n) {
  size_t r = (n + 15) & ~(size_t)15;
  /* r - 1: n == 0 (and an n so large that r wrapped) take the slow path */
  if (r - 1 < (size_t)(a->end - a->cur)) {
    void *p = a->cur;
    a->cur += r;
    return p;
  }
  return vjt_arena_grow(a, n);
}
/* Makes all memory reusable; keeps one chunk sized for the last document
 * (at most 64 MiB) so that the steady state does no malloc at all. */
void vjt_arena_reset(vjt_arena *a);
void vjt_arena_free(vjt_arena *a);

/* ---- tree ------------------------------------------------------------------------ */

enum {
  VJT_NULL = 1,
  VJT_FALSE,
  VJT_TRUE,
  VJT_NUMBER,
  VJT_STRING,
  VJT_ARRAY,
  VJT_OBJECT
};

enum {
  VJT_F_COPIED = 1,  /* str was unescaped into the arena (NUL-terminated) */
  VJT_F_STR_NUL = 2, /* str contains U+0000 (from \u0000) */
  VJT_F_KEY_NUL = 4, /* key contains U+0000 */
  VJT_F_INT = 8,     /* number: no fraction and no exponent */
  VJT_F_KEY_LONG = 16 /* key of VJT_KEY_LEN_MAX bytes or more: key_len says
                         VJT_KEY_LEN_MAX and key is a NUL-terminated copy */
};

#define VJT_KEY_LEN_MAX 0xFFFFu

/* 32 bytes, two to a cache line: the tree of a twarc2 page is about twice
 * the page's size and does not fit in L2, so walking it is a stream of
 * cache misses, and on a shared host a stream of memory traffic. A node is
 * either a container (child) or a scalar (str), never both; read them
 * through vjt_child() and vjt_str(), which answer NULL for the other kind. */
typedef struct vjt_node {
  struct vjt_node *next; /* next sibling */
  const char *key;       /* member name when the parent is an object */
  union {
    struct vjt_node *child; /* array/object: first member / element */
    const char *str;        /* string: bytes; number: its raw text */
  } u;
  uint32_t len;     /* string/number: bytes; array/object: children */
  uint16_t key_len; /* VJT_KEY_LEN_MAX when VJT_F_KEY_LONG */
  uint8_t type;     /* VJT_* */
  uint8_t flags;    /* VJT_F_* */
} vjt_node;

#if UINTPTR_MAX == UINT64_MAX
_Static_assert(sizeof(vjt_node) == 32, "a vjt_node is half a cache line");
#endif

static inline const vjt_node *vjt_child(const vjt_node *v) {
  return v->type >= VJT_ARRAY ? v->u.child : NULL;
}
static inline const char *vjt_str(const vjt_node *v) {
  return v->type == VJT_STRING || v->type == VJT_NUMBER ? v->u.str : NULL;
}

#define VJT_MAX_DEPTH 512
/* Inputs longer than this are refused (lengths are 32-bit). */
#define VJT_MAX_INPUT ((size_t)UINT32_MAX - 16)

typedef struct vjt_error {
  size_t offset;      /* byte offset in the input where the fault was seen */
  const char *reason; /* static text: "unterminated string", ... */
} vjt_error;

/* Parses s[0..n) as exactly one JSON value surrounded by optional
 * whitespace. Returns 0 and *root, or VIGIL_EPARSE (err filled), VIGIL_ETOOBIG
 * (n > VJT_MAX_INPUT) or VIGIL_ENOMEM. err may be NULL. */
int vjt_parse(vjt_arena *a, const char *s, size_t n, vjt_node **root, vjt_error *err);

/* The number as an exact int64: only for integer syntax (no '.', no
 * exponent) within range; VIGIL_ETYPE or VIGIL_ERANGE otherwise. */
int vjt_num_i64(const vjt_node *n, int64_t *out);
/* The number as strtod reads it (C locale): correctly rounded, +-inf on
 * overflow. VIGIL_ETYPE if n is not a number, VIGIL_ENOMEM. */
int vjt_num_double(const vjt_node *n, double *out);

/* First member named key[0..klen) of an object, or NULL. */
const vjt_node *vjt_get(const vjt_node *obj, const char *key, size_t klen);

/* UTF-8 encoding of a code point the caller checked (at most 4 bytes at o). */
static inline size_t vjt_put_utf8(char *o, uint32_t cp) {
  if (cp < 0x80) {
    o[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    o[0] = (char)(0xC0 | (cp >> 6));
    o[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    o[0] = (char)(0xE0 | (cp >> 12));
    o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  o[0] = (char)(0xF0 | (cp >> 18));
  o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
  o[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

#endif
