/* Internal layout of vigil_hindex, shared by hindex.c and hindex_io.c. */
#ifndef VIGIL_HINDEX_INT_H
#define VIGIL_HINDEX_INT_H

#include <stddef.h>
#include <stdint.h>

#include "vigil/hindex.h"

#define HX_MAX_TABLES 32
#define HX_DEFAULT_TABLES 11
#define HX_DEFAULT_DIR_BITS 20
#define HX_DEFAULT_TAIL 4096

/* One multi-index table over one substring of one segment. Entries are
 * grouped (CSR) by the top `dbits` bits of the substring; `rem` holds the
 * remaining low bits so most non-matches are rejected without touching the
 * 32-byte hash. */
/* rem beside slot: a probe touches one run of cache lines, not two */
typedef struct __attribute__((packed)) hx_ent {
  uint16_t rem;  /* low rbits of the substring */
  uint32_t slot; /* absolute slot number */
} hx_ent;

/* Bucket b spans ent[start(b), start(b+1)). start(b) is dir[b] when dir is
 * set, else base[b >> HX_GROUP] + d16[b]: the compressed form halves the
 * directory so more of it stays in cache (used when every group of
 * 2^HX_GROUP buckets holds < 65536 entries). */
#define HX_GROUP 6
typedef struct hx_table {
  uint32_t *dir;  /* (1 << dbits) + 1 entries, or NULL */
  uint32_t *base; /* ((1 << dbits) >> HX_GROUP) + 1 entries, with d16 */
  uint16_t *d16;  /* (1 << dbits) + 1 entries */
  hx_ent *ent;
  int dbits, rbits;
} hx_table;

/* A segment indexes the contiguous slot range [lo, hi). */
typedef struct hx_seg {
  size_t lo, hi;
  int built;
  hx_table t[HX_MAX_TABLES];
} hx_seg;

struct vigil_hindex {
  int m, dir_max;
  size_t tail_max;
  uint8_t start[HX_MAX_TABLES], width[HX_MAX_TABLES];

  size_t n, cap;  /* slots in use / allocated */
  uint64_t *h;    /* 4 words per slot */
  uint64_t *ids;  /* per slot */
  uint8_t *dead;  /* per slot tombstone */
  size_t ndead;

  /* main: [0, main.hi), ids strictly ascending (binary search);
   * delta: [main.hi, delta.hi); tail: [delta.hi, n) scanned linearly. */
  hx_seg main, delta;

  /* id -> slot for slots >= main.hi (open addressing; empty = UINT32_MAX) */
  uint64_t *mk;
  uint32_t *mv;
  size_t mcap, mcount;
};

/* Appends entries without any rebuild (used by add_many and load). */
int hx_append(vigil_hindex *ix, const uint64_t *ids, const uint8_t *hashes, size_t n,
              int check_dups);
int hx_full_rebuild(vigil_hindex *ix);

#endif
