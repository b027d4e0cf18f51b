/* vigil/strmap.h - open-addressing hash map from byte strings to a small
 * fixed record (three int64 values), for id caches on hot ingest paths.
 *
 * Ownership: the map copies keys into its own arena; vigil_strmap_release()
 * frees everything. Pointers returned by lookups stay valid until the next
 * insertion (which may grow the table) or clear.
 */
#ifndef VIGIL_STRMAP_H
#define VIGIL_STRMAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct vigil_strmap_val {
  int64_t a, b, c;
} vigil_strmap_val;

typedef struct vigil_strmap {
  struct vigil_strmap_slot *slots;
  size_t cap, count; /* cap is a power of two */
  struct vigil_strmap_chunk *chunks; /* key arena */
} vigil_strmap;

#define VIGIL_STRMAP_INIT {NULL, 0, 0, NULL}
void vigil_strmap_init(vigil_strmap *m);
void vigil_strmap_release(vigil_strmap *m);
void vigil_strmap_clear(vigil_strmap *m);
/* NULL if absent. */
vigil_strmap_val *vigil_strmap_get(const vigil_strmap *m, const void *key, size_t len);
/* Inserts (or finds) key; *val points at its value (zeroed when new).
 * Returns 1 if inserted, 0 if it existed, VIGIL_ENOMEM. */
int vigil_strmap_put(vigil_strmap *m, const void *key, size_t len, vigil_strmap_val **val);

#endif

/* vigil/strmap.h (cont.) - uint64 -> int64 map for numeric platform ids
 * (the common case: Twitter, SNAP), without key storage or string compares.
 * Small keys with values that fit 32 bits (dense SNAP-style node numbers)
 * live in a direct-indexed array that grows only while it stays within a
 * few times the entry count; everything else goes to an open-addressing
 * table with key and value side by side (one cache miss per probe). Key
 * UINT64_MAX is reserved. Ownership as above: vigil_u64map_release() frees
 * everything; zero-initialise (VIGIL_U64MAP_INIT) before first use. */
#ifndef VIGIL_U64MAP_H
#define VIGIL_U64MAP_H
typedef struct vigil_u64map {
  struct vigil_u64slot *slots; /* key UINT64_MAX = empty */
  size_t cap, count;           /* hash part */
  uint32_t *dense;             /* dense[key]: value, 0 = absent */
  size_t dense_cap, dense_count;
} vigil_u64map;
#define VIGIL_U64MAP_INIT {NULL, 0, 0, NULL, 0, 0}
void vigil_u64map_release(vigil_u64map *m);
/* 0 if absent */
int64_t vigil_u64map_get(const vigil_u64map *m, uint64_t key);
/* vals[i] = vigil_u64map_get(m, keys[i]) for i < n, with the hash slots
 * prefetched ahead so that n lookups overlap their cache misses. */
void vigil_u64map_get_many(const vigil_u64map *m, const uint64_t *keys, int64_t *vals, size_t n);
int vigil_u64map_put(vigil_u64map *m, uint64_t key, int64_t val);
#endif
