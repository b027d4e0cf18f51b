/* vigil/hindex.h - exact Hamming-distance index over 256-bit PDQ hashes.
 *
 * Ownership:
 *  - vigil_hindex_create() / vigil_hindex_load*() allocate an index that the
 *    caller frees with vigil_hindex_free() (NULL is fine).
 *  - add/add_many copy the hash bytes; the caller keeps its arrays.
 *  - A vigil_hindex_hits owns `v` (heap). Initialise with
 *    VIGIL_HINDEX_HITS_INIT, release with vigil_hindex_hits_release() (the
 *    struct itself is the caller's). Query functions append to it after
 *    clearing it.
 *  - query_batch fills an array of `n` vigil_hindex_hits that the caller
 *    allocated and initialised; the caller releases each element.
 *
 * Semantics: every query result EQUALS a brute-force scan of the live
 * entries (distance <= threshold), for any threshold 0..256, sorted by
 * (distance, id). Thresholds above 256 behave as 256.
 *
 * Threads: queries take a const index and are safe to run concurrently;
 * add/remove/build/save must not run concurrently with anything else.
 *
 * Incremental updates: see docs/hindex.md. Adds go to a linear tail that is
 * periodically indexed into a delta segment and merged into the main segment;
 * removes set a tombstone (compacted at the next full rebuild). Save writes
 * the full live state (rewrite-on-save, atomic rename); load rebuilds the
 * index from the records.
 */
#ifndef VIGIL_HINDEX_H
#define VIGIL_HINDEX_H

#include <stddef.h>
#include <stdint.h>

#define VIGIL_PDQ_BYTES 32
#define VIGIL_PDQ_HEX_LEN 64
/* Hard limit on entries (slot numbers are 32-bit). */
#define VIGIL_HINDEX_MAX_ENTRIES ((size_t)1 << 31)

typedef struct vigil_hindex vigil_hindex;

typedef struct vigil_hindex_opts {
  int tables;           /* 0 = default paired layout (16 tables over 8 chunks);
                           8..32 = classic layout with m substrings (docs) */
  int dir_bits_max;     /* classic layout: largest bucket directory per table,
                           8..24; 0 = default */
  size_t tail_max;      /* unindexed adds before a delta rebuild; 0 = default */
} vigil_hindex_opts;

typedef struct vigil_hindex_hit {
  uint64_t id;
  int distance;
} vigil_hindex_hit;

typedef struct vigil_hindex_hits {
  vigil_hindex_hit *v;
  size_t n, cap;
} vigil_hindex_hits;
#define VIGIL_HINDEX_HITS_INIT {NULL, 0, 0}
void vigil_hindex_hits_release(vigil_hindex_hits *h);

/* opts may be NULL (defaults). */
int vigil_hindex_create(vigil_hindex **out, const vigil_hindex_opts *opts);
void vigil_hindex_free(vigil_hindex *ix);

/* VIGIL_EEXISTS if id is already live; VIGIL_ETOOBIG past MAX_ENTRIES. */
int vigil_hindex_add(vigil_hindex *ix, uint64_t id, const uint8_t hash[VIGIL_PDQ_BYTES]);
/* Bulk add (the fast path for building a bank): hashes is n*32 bytes. On
 * error nothing is added. */
int vigil_hindex_add_many(vigil_hindex *ix, const uint64_t *ids, const uint8_t *hashes,
                          size_t n);
/* Bulk loading without indexing: the entries are live at once (found by a
 * linear scan of the unindexed tail) but queries stay slow until
 * vigil_hindex_build(). Lets a caller stream a large bank in chunks without
 * holding a second copy. Same errors as add_many. */
int vigil_hindex_append(vigil_hindex *ix, const uint64_t *ids, const uint8_t *hashes,
                        size_t n);
/* VIGIL_ENOTFOUND if id is not live. */
int vigil_hindex_remove(vigil_hindex *ix, uint64_t id);
/* Indexes everything now (compacts tombstones); otherwise done as needed. */
int vigil_hindex_build(vigil_hindex *ix);
size_t vigil_hindex_count(const vigil_hindex *ix);
/* Bytes of heap held by the index (approximate, excludes malloc overhead). */
size_t vigil_hindex_memory(const vigil_hindex *ix);

/* Copies the live hash of id into hash_out; VIGIL_ENOTFOUND if absent. */
int vigil_hindex_get(const vigil_hindex *ix, uint64_t id, uint8_t hash_out[VIGIL_PDQ_BYTES]);

/* flags for the query functions */
#define VIGIL_HINDEX_LINEAR 1u      /* force the linear scan (the baseline) */
#define VIGIL_HINDEX_NO_FALLBACK 2u /* probe the tables even when a scan is
                                       cheaper (tests; results are the same) */

/* threshold < 0 is VIGIL_EINVAL. */
int vigil_hindex_query(const vigil_hindex *ix, const uint8_t hash[VIGIL_PDQ_BYTES],
                       int threshold, unsigned flags, vigil_hindex_hits *out);
/* Calls cb for each hit in (distance, id) order; a non-zero return from cb
 * stops the query and is returned. */
typedef int (*vigil_hindex_cb)(void *arg, uint64_t id, int distance);
int vigil_hindex_query_cb(const vigil_hindex *ix, const uint8_t hash[VIGIL_PDQ_BYTES],
                          int threshold, unsigned flags, vigil_hindex_cb cb, void *arg);
/* n queries (n*32 bytes) on `threads` pthreads (<= 0 means 2). */
int vigil_hindex_query_batch(const vigil_hindex *ix, const uint8_t *hashes, size_t n,
                             int threshold, unsigned flags, int threads,
                             vigil_hindex_hits *out);

/* Save/load: versioned binary format with XXH3 checksums (docs/hindex.md).
 * A truncated, corrupt or foreign file gives VIGIL_ECORRUPT (never a crash);
 * a missing file VIGIL_ENOTFOUND, an unreadable one VIGIL_EIO. opts as for
 * create. */
int vigil_hindex_save(const vigil_hindex *ix, const char *path);
int vigil_hindex_load(vigil_hindex **out, const char *path, const vigil_hindex_opts *opts);
int vigil_hindex_load_mem(vigil_hindex **out, const void *data, size_t len,
                          const vigil_hindex_opts *opts);

/* Exactly 64 hex digits (either case) -> 32 bytes; VIGIL_EPARSE otherwise. */
int vigil_pdq_parse_hex(const char *s, size_t len, uint8_t hash[VIGIL_PDQ_BYTES]);
/* Writes 64 lowercase hex digits and a NUL into out[65]. */
void vigil_pdq_format_hex(const uint8_t hash[VIGIL_PDQ_BYTES], char out[VIGIL_PDQ_HEX_LEN + 1]);
/* Plain popcount distance between two hashes. */
int vigil_pdq_distance(const uint8_t a[VIGIL_PDQ_BYTES], const uint8_t b[VIGIL_PDQ_BYTES]);

#endif
