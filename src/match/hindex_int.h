/* Internal layout of vigil_hindex, shared by hindex.c and hindex_io.c. */
#ifndef VIGIL_HINDEX_INT_H
#define VIGIL_HINDEX_INT_H

#include <stddef.h>
#include <stdint.h>

#include "vigil/hindex.h"

#define HX_MAX_TABLES 32
#define HX_PAIR_CHUNKS 8     /* default "paired" layout: 8 chunks x 2 tables */
/* Paired tables always have 2^16-bucket directories; a smaller segment is
 * only scanned (cheaper than the 272 probes, and rebuilding a small delta
 * stays cheap). */
#define HX_PAIR_MIN_SEG 2048
#define HX_DEFAULT_DIR_BITS 20
#define HX_DEFAULT_TAIL 4096

/* One multi-index table over one substring of one segment. Entries are
 * grouped (CSR) by the top `dbits` bits of the substring; `rem[p]` holds the
 * remaining low bits of entry p so most non-matches are rejected without
 * touching the 32-byte hash, and `slot[p]` its slot. Structure of arrays: a
 * probe streams only the 2-byte remainders of its bucket (a vectorised
 * filter) and reads slot[] for the few survivors. */
/* Bucket b spans entries [start(b), start(b+1)). start(b) is dir[b] when dir is
 * set, else base[b >> HX_GROUP] + d16[b]: the compressed form halves the
 * directory so more of it stays in cache (used when every group of
 * 2^HX_GROUP buckets holds < 65536 entries). */
#define HX_GROUP 6
/* rem[] has this many zeroed entries past the last one: the query filter
 * reads whole vectors across a bucket's end */
#define HX_REM_PAD 16
typedef struct hx_table {
  uint32_t *dir;  /* (1 << dbits) + 1 entries, or NULL */
  uint32_t *base; /* ((1 << dbits) >> HX_GROUP) + 1 entries, with d16 */
  uint16_t *d16;  /* (1 << dbits) + 1 entries */
  uint16_t *rem;
  uint32_t *slot;
  int dbits, rbits;
} hx_table;

/* A segment indexes the contiguous slot range [lo, hi). */
typedef struct hx_seg {
  size_t lo, hi;
  int built;
  int scan; /* built without tables: queries scan [lo, hi) */
  hx_table t[HX_MAX_TABLES];
} hx_seg;

struct vigil_hindex {
  int m, dir_max;
  size_t tail_max;
  uint8_t start[HX_MAX_TABLES], width[HX_MAX_TABLES];
  /* paired layout (default, see docs/hindex.md): table i keys chunk i/2 by
   * its high (rot = 0) or low (rot = 1) 16 bits; the other half is `rem` */
  int pair;
  uint8_t rot[HX_MAX_TABLES];

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
/* Tests: caps the instruction-set variant of the query code (0 generic,
 * 1 popcnt, 2 avx2; -1 = best available) and returns the level now in use.
 * Process-wide; not for use while queries run. */
int hx_set_isa(int level);

#endif
