#include "vigil/strmap.h"

#include <stdlib.h>
#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "vigil/error.h"

struct vigil_strmap_slot {
  uint64_t hash; /* 0 = empty */
  const char *key;
  uint32_t len;
  vigil_strmap_val val;
};

struct vigil_strmap_chunk {
  struct vigil_strmap_chunk *next;
  size_t used, cap;
  char data[];
};

void vigil_strmap_init(vigil_strmap *m) { memset(m, 0, sizeof *m); }

void vigil_strmap_release(vigil_strmap *m) {
  free(m->slots);
  struct vigil_strmap_chunk *c = m->chunks;
  while (c) {
    struct vigil_strmap_chunk *n = c->next;
    free(c);
    c = n;
  }
  vigil_strmap_init(m);
}

void vigil_strmap_clear(vigil_strmap *m) { vigil_strmap_release(m); }

static uint64_t hash_key(const void *key, size_t len) {
  uint64_t h = XXH3_64bits(key, len);
  return h ? h : 1;
}

vigil_strmap_val *vigil_strmap_get(const vigil_strmap *m, const void *key, size_t len) {
  if (!m->cap) return NULL;
  uint64_t h = hash_key(key, len);
  size_t mask = m->cap - 1;
  for (size_t i = h & mask;; i = (i + 1) & mask) {
    struct vigil_strmap_slot *s = &m->slots[i];
    if (!s->hash) return NULL;
    if (s->hash == h && s->len == len && memcmp(s->key, key, len) == 0) return &s->val;
  }
}

static int grow(vigil_strmap *m) {
  size_t ncap = m->cap ? m->cap * 2 : 1024;
  struct vigil_strmap_slot *ns = calloc(ncap, sizeof *ns);
  if (!ns) return VIGIL_ENOMEM;
  for (size_t i = 0; i < m->cap; i++) {
    struct vigil_strmap_slot *s = &m->slots[i];
    if (!s->hash) continue;
    size_t j = s->hash & (ncap - 1);
    while (ns[j].hash) j = (j + 1) & (ncap - 1);
    ns[j] = *s;
  }
  free(m->slots);
  m->slots = ns;
  m->cap = ncap;
  return 0;
}

static const char *arena_copy(vigil_strmap *m, const void *key, size_t len) {
  struct vigil_strmap_chunk *c = m->chunks;
  if (!c || c->cap - c->used < len) {
    size_t cap = len > (1u << 20) ? len : (1u << 20);
    c = malloc(sizeof *c + cap);
    if (!c) return NULL;
    c->next = m->chunks, c->used = 0, c->cap = cap;
    m->chunks = c;
  }
  char *p = c->data + c->used;
  memcpy(p, key, len);
  c->used += len;
  return p;
}

int vigil_strmap_put(vigil_strmap *m, const void *key, size_t len, vigil_strmap_val **val) {
  if (len > UINT32_MAX) return VIGIL_ETOOBIG;
  if ((m->count + 1) * 10 > m->cap * 7) {
    int rc = grow(m);
    if (rc) return rc;
  }
  uint64_t h = hash_key(key, len);
  size_t mask = m->cap - 1, i = h & mask;
  for (;; i = (i + 1) & mask) {
    struct vigil_strmap_slot *s = &m->slots[i];
    if (!s->hash) break;
    if (s->hash == h && s->len == len && memcmp(s->key, key, len) == 0) {
      *val = &s->val;
      return 0;
    }
  }
  const char *k = arena_copy(m, key, len);
  if (!k) return VIGIL_ENOMEM;
  struct vigil_strmap_slot *s = &m->slots[i];
  s->hash = h, s->key = k, s->len = (uint32_t)len;
  memset(&s->val, 0, sizeof s->val);
  m->count++;
  *val = &s->val;
  return 1;
}

/* ---- u64 map ---------------------------------------------------------------- */
struct vigil_u64slot {
  uint64_t key;
  int64_t val;
};

/* the direct array never exceeds this many entries (256 MB) ... */
#define DENSE_MAX ((size_t)1 << 26)
/* ... nor DENSE_SLACK times the entries it would hold, plus a floor that
 * costs 4 MB: memory stays proportional to what is stored */
#define DENSE_FLOOR ((size_t)1 << 20)
#define DENSE_SLACK 4

static inline uint64_t mix64(uint64_t x) {
  /* splitmix64 finaliser: good dispersion for sequential ids */
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

void vigil_u64map_release(vigil_u64map *m) {
  free(m->slots);
  free(m->dense);
  memset(m, 0, sizeof *m);
}

static inline int64_t hash_get(const vigil_u64map *m, uint64_t key) {
  if (!m->count || key == UINT64_MAX) return 0; /* the empty-slot marker */
  size_t mask = m->cap - 1;
  for (size_t i = mix64(key) & mask;; i = (i + 1) & mask) {
    const struct vigil_u64slot *s = &m->slots[i];
    if (s->key == key) return s->val;
    if (s->key == UINT64_MAX) return 0;
  }
}

static inline int64_t u64_get(const vigil_u64map *m, uint64_t key) {
  if (key < m->dense_cap && m->dense[key]) return m->dense[key];
  return hash_get(m, key);
}

int64_t vigil_u64map_get(const vigil_u64map *m, uint64_t key) { return u64_get(m, key); }

void vigil_u64map_get_many(const vigil_u64map *m, const uint64_t *keys, int64_t *vals, size_t n) {
  enum { AHEAD = 12 };
  size_t mask = m->cap ? m->cap - 1 : 0;
  for (size_t i = 0; i < n; i++) {
    if (i + AHEAD < n) {
      uint64_t k = keys[i + AHEAD];
      if (k < m->dense_cap) __builtin_prefetch(&m->dense[k]);
      else if (m->count) __builtin_prefetch(&m->slots[mix64(k) & mask]);
    }
    vals[i] = u64_get(m, keys[i]);
  }
}

static int u64_grow(vigil_u64map *m) {
  size_t ncap = m->cap ? m->cap * 2 : 4096;
  struct vigil_u64slot *ns = malloc(ncap * sizeof *ns);
  if (!ns) return VIGIL_ENOMEM;
  memset(ns, 0xff, ncap * sizeof *ns);
  for (size_t i = 0; i < m->cap; i++) {
    const struct vigil_u64slot *s = &m->slots[i];
    if (s->key == UINT64_MAX) continue;
    size_t j = mix64(s->key) & (ncap - 1);
    while (ns[j].key != UINT64_MAX) j = (j + 1) & (ncap - 1);
    ns[j] = *s;
  }
  free(m->slots);
  m->slots = ns, m->cap = ncap;
  return 0;
}

static int hash_put(vigil_u64map *m, uint64_t key, int64_t val) {
  if ((m->count + 1) * 2 > m->cap) {
    int rc = u64_grow(m);
    if (rc) return rc;
  }
  size_t mask = m->cap - 1, i = mix64(key) & mask;
  while (m->slots[i].key != UINT64_MAX && m->slots[i].key != key) i = (i + 1) & mask;
  if (m->slots[i].key == UINT64_MAX) m->count++;
  m->slots[i].key = key;
  m->slots[i].val = val;
  return 0;
}

/* Makes dense[key] addressable if the size policy allows; 1 if it is. */
static int dense_room(vigil_u64map *m, uint64_t key, int *rc) {
  if (key < m->dense_cap) return 1;
  if (key >= DENSE_MAX) return 0;
  size_t limit = DENSE_SLACK * (m->dense_count + m->count + 1);
  if (limit < DENSE_FLOOR) limit = DENSE_FLOOR;
  if (limit > DENSE_MAX) limit = DENSE_MAX;
  size_t ncap = m->dense_cap ? m->dense_cap : 65536;
  while (ncap <= key) ncap *= 2;
  if (ncap > limit) return 0;
  uint32_t *nd = realloc(m->dense, ncap * sizeof *nd);
  if (!nd) {
    *rc = VIGIL_ENOMEM;
    return 0;
  }
  memset(nd + m->dense_cap, 0, (ncap - m->dense_cap) * sizeof *nd);
  m->dense = nd, m->dense_cap = ncap;
  return 1;
}

int vigil_u64map_put(vigil_u64map *m, uint64_t key, int64_t val) {
  if (key == UINT64_MAX) return VIGIL_EINVAL;
  int rc = 0;
  if (val > 0 && val <= (int64_t)UINT32_MAX && dense_room(m, key, &rc)) {
    /* a stale hash entry for the key is shadowed: lookups try dense first */
    if (!m->dense[key]) m->dense_count++;
    m->dense[key] = (uint32_t)val;
    return 0;
  }
  if (rc) return rc;
  if (key < m->dense_cap && m->dense[key]) {
    m->dense[key] = 0;
    m->dense_count--;
  }
  return hash_put(m, key, val);
}
