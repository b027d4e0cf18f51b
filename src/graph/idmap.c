/* 64-bit id -> dense index, open addressing with linear probing. Slots hold
 * index+1 (0 = empty) so key 0 is a valid id; keys live in a dense array so
 * index -> key is a plain lookup. */
#include <stdlib.h>

#include "vigil/error.h"
#include "vigil/graph.h"

struct vigil_idmap {
  uint32_t *slots; /* index + 1 */
  size_t cap;      /* power of two */
  uint64_t *keys;
  uint32_t count;
  size_t keys_cap;
};

static uint64_t mix(uint64_t x) { /* splitmix64 finaliser */
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

int vigil_idmap_new(vigil_idmap **out) {
  vigil_idmap *m = calloc(1, sizeof *m);
  if (!m) return VIGIL_ENOMEM;
  m->cap = 1024;
  m->slots = calloc(m->cap, sizeof *m->slots);
  if (!m->slots) {
    free(m);
    return VIGIL_ENOMEM;
  }
  *out = m;
  return 0;
}

void vigil_idmap_free(vigil_idmap *m) {
  if (!m) return;
  free(m->slots), free(m->keys), free(m);
}

uint32_t vigil_idmap_count(const vigil_idmap *m) { return m->count; }
const uint64_t *vigil_idmap_keys(const vigil_idmap *m) { return m->keys; }

static int rehash(vigil_idmap *m) {
  size_t cap = m->cap * 2;
  uint32_t *s = calloc(cap, sizeof *s);
  if (!s) return VIGIL_ENOMEM;
  for (uint32_t i = 0; i < m->count; i++) {
    size_t h = mix(m->keys[i]) & (cap - 1);
    while (s[h]) h = (h + 1) & (cap - 1);
    s[h] = i + 1;
  }
  free(m->slots);
  m->slots = s;
  m->cap = cap;
  return 0;
}

int vigil_idmap_get(vigil_idmap *m, uint64_t key, int create, uint32_t *idx) {
  size_t h = mix(key) & (m->cap - 1);
  for (;;) {
    uint32_t s = m->slots[h];
    if (!s) break;
    if (m->keys[s - 1] == key) {
      *idx = s - 1;
      return 0;
    }
    h = (h + 1) & (m->cap - 1);
  }
  if (!create) return VIGIL_ENOTFOUND;
  if (m->count >= UINT32_MAX - 1) return VIGIL_ETOOBIG;
  if (m->count == m->keys_cap) {
    size_t kc = m->keys_cap ? m->keys_cap * 2 : 1024;
    uint64_t *k = realloc(m->keys, kc * sizeof *k);
    if (!k) return VIGIL_ENOMEM;
    m->keys = k;
    m->keys_cap = kc;
  }
  m->keys[m->count] = key;
  m->slots[h] = ++m->count;
  *idx = m->count - 1;
  /* keep the load under 1/2 so probes stay short */
  if ((size_t)m->count * 2 > m->cap) return rehash(m);
  return 0;
}
