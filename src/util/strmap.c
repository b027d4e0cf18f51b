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
static inline uint64_t mix64(uint64_t x) {
  /* splitmix64 finaliser: good dispersion for sequential ids */
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

void vigil_u64map_release(vigil_u64map *m) {
  free(m->keys);
  free(m->vals);
  memset(m, 0, sizeof *m);
}

int64_t vigil_u64map_get(const vigil_u64map *m, uint64_t key) {
  if (!m->cap) return 0;
  size_t mask = m->cap - 1;
  for (size_t i = mix64(key) & mask;; i = (i + 1) & mask) {
    if (m->keys[i] == key) return m->vals[i];
    if (m->keys[i] == UINT64_MAX) return 0;
  }
}

static int u64_grow(vigil_u64map *m) {
  size_t ncap = m->cap ? m->cap * 2 : 4096;
  uint64_t *nk = malloc(ncap * sizeof *nk);
  int64_t *nv = malloc(ncap * sizeof *nv);
  if (!nk || !nv) {
    free(nk), free(nv);
    return VIGIL_ENOMEM;
  }
  memset(nk, 0xff, ncap * sizeof *nk);
  for (size_t i = 0; i < m->cap; i++) {
    if (m->keys[i] == UINT64_MAX) continue;
    size_t j = mix64(m->keys[i]) & (ncap - 1);
    while (nk[j] != UINT64_MAX) j = (j + 1) & (ncap - 1);
    nk[j] = m->keys[i];
    nv[j] = m->vals[i];
  }
  free(m->keys), free(m->vals);
  m->keys = nk, m->vals = nv, m->cap = ncap;
  return 0;
}

int vigil_u64map_put(vigil_u64map *m, uint64_t key, int64_t val) {
  if (key == UINT64_MAX) return VIGIL_EINVAL;
  if ((m->count + 1) * 2 > m->cap) {
    int rc = u64_grow(m);
    if (rc) return rc;
  }
  size_t mask = m->cap - 1, i = mix64(key) & mask;
  while (m->keys[i] != UINT64_MAX && m->keys[i] != key) i = (i + 1) & mask;
  if (m->keys[i] == UINT64_MAX) m->count++;
  m->keys[i] = key;
  m->vals[i] = val;
  return 0;
}
