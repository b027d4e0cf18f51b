/* Multi-index hashing (Norouzi, Punjani, Fleet) over 256-bit PDQ hashes.
 *
 * The hash is cut into m disjoint substrings. With r = a*m + b (0 <= b < m),
 * a hash within distance r of the query has, in one of the first b+1
 * substrings, distance <= a, or in one of the others distance <= a-1 (else
 * the total would be >= r+1). Each table is probed with every neighbour of
 * the query substring within that radius; candidates are verified on the full
 * 256 bits, and a hit is reported only by the first table in which it
 * qualifies, so results need no dedupe pass and no per-query visited array.
 *
 * Default "paired" layout: 8 chunks of 32 bits, the pigeonhole above over
 * the chunks, then once more inside the chunk: a chunk within R has a 16-bit
 * half within R/2. Each chunk has two tables (keyed by either half, the
 * other half as the remainder), probed at radius R/2 with remainder budget
 * R - e: at r = 31, 272 probes whose buckets are filtered sequentially,
 * instead of thousands of random reads (docs/hindex.md).
 */
#include <errno.h>
#include <stdio.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

#include "match/hindex_int.h"
#include "vigil/error.h"

#define HX_INL static inline __attribute__((always_inline))
#ifdef HX_STATS /* tuning builds only: probe/candidate counters */
_Atomic unsigned long hx_stat_probes, hx_stat_scanned, hx_stat_cands, hx_stat_linear;
#define HX_STAT(c, v) atomic_fetch_add_explicit(&(c), (v), memory_order_relaxed)
#else
#define HX_STAT(c, v) ((void)0)
#endif
#define HX_PROBES 320 /* probes per pipeline flush: r = 31 (272) fits in one */
#define HX_CANDS 512
#define HX_SCAN 256 /* remainders filtered per block */
/* Bucket prefetch: the first HX_PF_LINES cache lines of the bucket
 * HX_PF_AHEAD probes ahead; the hardware prefetcher streams the rest of a
 * bucket (~5 lines at 10M). Prefetching whole buckets fills the miss
 * buffers and stalls; measured at 10M, r = 31: 4 ahead x whole buckets
 * 23..24.5 us/query, 8..12 ahead x 3 lines 20..23 us. */
#define HX_PF_AHEAD 10
#define HX_PF_LINES 3

/* ---- small helpers ------------------------------------------------------ */

HX_INL int hx_pop64(uint64_t x) { return __builtin_popcountll(x); }

HX_INL int hx_dist(const uint64_t *a, const uint64_t *b) {
  return hx_pop64(a[0] ^ b[0]) + hx_pop64(a[1] ^ b[1]) + hx_pop64(a[2] ^ b[2]) +
         hx_pop64(a[3] ^ b[3]);
}

HX_INL uint32_t hx_sub(const uint64_t *h, int s, int w) {
  int k = s >> 6, off = s & 63;
  uint64_t v = h[k] >> off;
  if (off + w > 64) v |= h[k + 1] << (64 - off);
  return (uint32_t)(v & ((UINT64_C(1) << w) - 1));
}

/* The value table i is keyed on: its substring, with the two 16-bit halves
 * swapped for the second table of a pair so that the key is always the top
 * 16 bits and the partner half is the remainder. */
HX_INL uint32_t hx_view(const vigil_hindex *ix, const uint64_t *h, int i) {
  uint32_t v = hx_sub(h, ix->start[i], ix->width[i]);
  return ix->rot[i] ? (v << 16) | (v >> 16) : v;
}

static void hx_load_words(uint64_t w[4], const uint8_t *b) {
  for (int k = 0; k < 4; k++) {
    uint64_t v = 0;
    for (int j = 7; j >= 0; j--) v = (v << 8) | b[8 * k + j];
    w[k] = v;
  }
}

static void hx_store_words(uint8_t *b, const uint64_t w[4]) {
  for (int k = 0; k < 4; k++)
    for (int j = 0; j < 8; j++) b[8 * k + j] = (uint8_t)(w[k] >> (8 * j));
}

int vigil_pdq_distance(const uint8_t a[VIGIL_PDQ_BYTES], const uint8_t b[VIGIL_PDQ_BYTES]) {
  int d = 0;
  for (int i = 0; i < VIGIL_PDQ_BYTES; i++) d += __builtin_popcount((unsigned)(a[i] ^ b[i]));
  return d;
}

/* Large arrays: transparent huge pages cut TLB misses on random probes. */
static void *hx_big_alloc(size_t bytes) {
  if (bytes < ((size_t)2 << 20)) return malloc(bytes ? bytes : 1);
  void *p = NULL;
  if (posix_memalign(&p, (size_t)2 << 20, bytes)) return NULL;
#ifdef MADV_HUGEPAGE
  madvise(p, bytes, MADV_HUGEPAGE);
#endif
  return p;
}

static void *hx_big_realloc(void *old, size_t old_bytes, size_t bytes) {
  void *p = hx_big_alloc(bytes);
  if (!p) return NULL;
  if (old && old_bytes) memcpy(p, old, old_bytes < bytes ? old_bytes : bytes);
  free(old);
  return p;
}

/* ---- lifecycle ------------------------------------------------------------ */

static void hx_table_free(hx_table *t) {
  free(t->dir);
  free(t->base);
  free(t->d16);
  free(t->rem);
  free(t->slot);
  memset(t, 0, sizeof *t);
}

static void hx_seg_free(hx_seg *s, int m) {
  for (int i = 0; i < m; i++) hx_table_free(&s->t[i]);
  s->built = 0;
  s->scan = 0;
}

int vigil_hindex_create(vigil_hindex **out, const vigil_hindex_opts *opts) {
  if (!out) return VIGIL_EINVAL;
  *out = NULL;
  int pair = !(opts && opts->tables);
  int m = pair ? 2 * HX_PAIR_CHUNKS : opts->tables;
  int dmax = opts && opts->dir_bits_max ? opts->dir_bits_max : HX_DEFAULT_DIR_BITS;
  if (m < 8 || m > HX_MAX_TABLES || dmax < 8 || dmax > 24) return VIGIL_EINVAL;
  vigil_hindex *ix = calloc(1, sizeof *ix);
  if (!ix) return VIGIL_ENOMEM;
  ix->m = m;
  ix->pair = pair;
  ix->dir_max = dmax;
  ix->tail_max = opts && opts->tail_max ? opts->tail_max : HX_DEFAULT_TAIL;
  if (pair) {
    for (int i = 0; i < m; i++) {
      ix->start[i] = (uint8_t)(32 * (i / 2));
      ix->width[i] = 32;
      ix->rot[i] = (uint8_t)(i & 1);
    }
  } else {
    /* wider substrings first: they get the larger radius (see top comment) */
    int s = 0;
    for (int i = 0; i < m; i++) {
      ix->start[i] = (uint8_t)s;
      ix->width[i] = (uint8_t)(256 / m + (i < 256 % m));
      s += ix->width[i];
    }
  }
  *out = ix;
  return 0;
}

static void hx_map_clear(vigil_hindex *ix) {
  free(ix->mk);
  free(ix->mv);
  ix->mk = NULL;
  ix->mv = NULL;
  ix->mcap = ix->mcount = 0;
}

void vigil_hindex_free(vigil_hindex *ix) {
  if (!ix) return;
  hx_seg_free(&ix->main, ix->m);
  hx_seg_free(&ix->delta, ix->m);
  free(ix->h);
  free(ix->ids);
  free(ix->dead);
  hx_map_clear(ix);
  free(ix);
}

void vigil_hindex_hits_release(vigil_hindex_hits *h) {
  if (!h) return;
  free(h->v);
  h->v = NULL;
  h->n = h->cap = 0;
}

size_t vigil_hindex_count(const vigil_hindex *ix) { return ix ? ix->n - ix->ndead : 0; }

static size_t hx_seg_mem(const vigil_hindex *ix, const hx_seg *s) {
  if (!s->built || s->scan) return 0;
  size_t b = 0, n = s->hi - s->lo;
  for (int i = 0; i < ix->m; i++) {
    size_t nb = (size_t)1 << s->t[i].dbits;
    b += (s->t[i].dir ? (nb + 1) * 4 : (nb + 1) * 2 + ((nb >> HX_GROUP) + 1) * 4) +
         n * (sizeof(uint16_t) + sizeof(uint32_t));
  }
  return b;
}

size_t vigil_hindex_memory(const vigil_hindex *ix) {
  if (!ix) return 0;
  return ix->n * (32 + 8 + 1) + ix->mcap * 12 + hx_seg_mem(ix, &ix->main) +
         hx_seg_mem(ix, &ix->delta);
}

/* ---- id lookup ------------------------------------------------------------ */

HX_INL size_t hx_mix(uint64_t x) {
  x ^= x >> 33;
  x *= UINT64_C(0xff51afd7ed558ccd);
  x ^= x >> 33;
  return (size_t)x;
}

static int hx_map_put(vigil_hindex *ix, uint64_t id, uint32_t slot) {
  if ((ix->mcount + 1) * 4 > ix->mcap * 3) {
    size_t ncap = ix->mcap ? ix->mcap * 2 : 1024;
    uint64_t *nk = malloc(ncap * sizeof *nk);
    uint32_t *nv = malloc(ncap * sizeof *nv);
    if (!nk || !nv) {
      free(nk);
      free(nv);
      return VIGIL_ENOMEM;
    }
    memset(nv, 0xff, ncap * sizeof *nv);
    for (size_t i = 0; i < ix->mcap; i++) {
      if (ix->mv[i] == UINT32_MAX) continue;
      size_t p = hx_mix(ix->mk[i]) & (ncap - 1);
      while (nv[p] != UINT32_MAX) p = (p + 1) & (ncap - 1);
      nk[p] = ix->mk[i];
      nv[p] = ix->mv[i];
    }
    free(ix->mk);
    free(ix->mv);
    ix->mk = nk;
    ix->mv = nv;
    ix->mcap = ncap;
  }
  size_t p = hx_mix(id) & (ix->mcap - 1);
  while (ix->mv[p] != UINT32_MAX) {
    if (ix->mk[p] == id) { /* a re-add after remove: the old slot is dead */
      ix->mv[p] = slot;
      return 0;
    }
    p = (p + 1) & (ix->mcap - 1);
  }
  ix->mk[p] = id;
  ix->mv[p] = slot;
  ix->mcount++;
  return 0;
}

/* Live slot of id, or SIZE_MAX. */
static size_t hx_find(const vigil_hindex *ix, uint64_t id) {
  if (ix->mcap) {
    size_t p = hx_mix(id) & (ix->mcap - 1);
    while (ix->mv[p] != UINT32_MAX) {
      if (ix->mk[p] == id) {
        if (!ix->dead[ix->mv[p]]) return ix->mv[p];
        break;
      }
      p = (p + 1) & (ix->mcap - 1);
    }
  }
  size_t lo = 0, hi = ix->main.hi;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (ix->ids[mid] < id)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (lo < ix->main.hi && ix->ids[lo] == id && !ix->dead[lo]) return lo;
  return SIZE_MAX;
}

int vigil_hindex_get(const vigil_hindex *ix, uint64_t id, uint8_t hash_out[VIGIL_PDQ_BYTES]) {
  if (!ix || !hash_out) return VIGIL_EINVAL;
  size_t s = hx_find(ix, id);
  if (s == SIZE_MAX) return VIGIL_ENOTFOUND;
  hx_store_words(hash_out, ix->h + 4 * s);
  return 0;
}

/* ---- building ------------------------------------------------------------- */

static int hx_ceil_log2(size_t n) {
  int b = 0;
  while (((size_t)1 << b) < n && b < 62) b++;
  return b;
}

/* Best effort: keeps the uint32 directory when compression does not fit. */
static void hx_compress_dir(hx_table *t) {
  size_t nb = (size_t)1 << t->dbits;
  if (nb < ((size_t)1 << HX_GROUP)) return;
  size_t ng = nb >> HX_GROUP;
  uint32_t *base = malloc((ng + 1) * sizeof *base);
  uint16_t *d16 = hx_big_alloc((nb + 1) * sizeof *d16);
  if (!base || !d16) goto fail;
  for (size_t g = 0; g <= ng; g++) {
    base[g] = t->dir[g << HX_GROUP];
    size_t end = g < ng ? (g + 1) << HX_GROUP : nb + 1;
    for (size_t b = g << HX_GROUP; b < end; b++) {
      uint32_t off = t->dir[b] - base[g];
      if (off > UINT16_MAX) goto fail;
      d16[b] = (uint16_t)off;
    }
  }
  free(t->dir);
  t->dir = NULL;
  t->base = base;
  t->d16 = d16;
  return;
fail:
  free(base);
  free(d16);
}

static int hx_build_table(const vigil_hindex *ix, hx_table *t, int i, int db, size_t lo,
                          size_t hi) {
  size_t n = hi - lo;
  int w = ix->width[i];
  t->dbits = db < w ? db : w;
  if (w - t->dbits > 16) t->dbits = w - 16;
  if (ix->pair) t->dbits = 16; /* the key is exactly one half (query relies on it) */
  t->rbits = w - t->dbits;
  size_t nb = (size_t)1 << t->dbits;
  t->dir = hx_big_alloc((nb + 1) * sizeof *t->dir);
  /* padded: the query's vector filter reads whole blocks past a bucket */
  t->rem = hx_big_alloc((n + HX_REM_PAD) * sizeof *t->rem);
  t->slot = hx_big_alloc(n * sizeof *t->slot);
  if (!t->dir || !t->rem || !t->slot) return VIGIL_ENOMEM;
  memset(t->rem + n, 0, HX_REM_PAD * sizeof *t->rem);
  memset(t->dir, 0, (nb + 1) * sizeof *t->dir);
  int rb = t->rbits;
  uint32_t rmask = (uint32_t)((1u << rb) - 1);
  for (size_t k = lo; k < hi; k++) t->dir[(hx_view(ix, ix->h + 4 * k, i) >> rb) + 1]++;
  for (size_t b = 0; b < nb; b++) t->dir[b + 1] += t->dir[b];
  /* dir[b+1] is now the end of bucket b; filling backwards leaves it at the
   * start of bucket b with slots ascending inside the bucket */
  for (size_t k = hi; k-- > lo;) {
    uint32_t key = hx_view(ix, ix->h + 4 * k, i);
    uint32_t pos = --t->dir[(key >> rb) + 1];
    t->slot[pos] = (uint32_t)k;
    t->rem[pos] = (uint16_t)(key & rmask);
  }
  memmove(t->dir, t->dir + 1, nb * sizeof *t->dir);
  t->dir[nb] = (uint32_t)n;
  hx_compress_dir(t);
  return 0;
}

typedef struct hx_build_job {
  const vigil_hindex *ix;
  hx_seg *seg;
  int first, db, rc;
} hx_build_job;

static void *hx_build_worker(void *arg) {
  hx_build_job *J = arg;
  for (int i = J->first; i < J->ix->m && !J->rc; i += 2)
    J->rc = hx_build_table(J->ix, &J->seg->t[i], i, J->db, J->seg->lo, J->seg->hi);
  return NULL;
}

/* Tables are independent: big segments are built on two threads. */
static int hx_build_seg(vigil_hindex *ix, hx_seg *seg, size_t lo, size_t hi) {
  hx_seg_free(seg, ix->m);
  seg->lo = lo;
  seg->hi = hi;
  size_t n = hi - lo;
  if (n == 0) return 0;
  if (ix->pair && n < HX_PAIR_MIN_SEG) {
    seg->built = seg->scan = 1;
    return 0;
  }
  int db = hx_ceil_log2(n);
  if (db < 8) db = 8;
  if (db > ix->dir_max) db = ix->dir_max;
  hx_build_job jobs[2] = {{ix, seg, 0, db, 0}, {ix, seg, 1, db, 0}};
  pthread_t th;
  int threaded = n >= 65536 && pthread_create(&th, NULL, hx_build_worker, &jobs[1]) == 0;
  hx_build_worker(&jobs[0]);
  if (threaded)
    pthread_join(th, NULL);
  else
    hx_build_worker(&jobs[1]);
  if (jobs[0].rc || jobs[1].rc) {
    hx_seg_free(seg, ix->m);
    return VIGIL_ENOMEM;
  }
  seg->built = 1;
  return 0;
}

static int hx_cmp_perm(const void *a, const void *b, void *arg) {
  const uint64_t *ids = arg;
  uint64_t x = ids[*(const uint32_t *)a], y = ids[*(const uint32_t *)b];
  return (x > y) - (x < y);
}

/* Compacts tombstones, orders slots by id and indexes everything as main. */
int hx_full_rebuild(vigil_hindex *ix) {
  hx_seg_free(&ix->main, ix->m);
  hx_seg_free(&ix->delta, ix->m);
  ix->main.lo = ix->main.hi = ix->delta.lo = ix->delta.hi = 0;
  hx_map_clear(ix);
  size_t w = 0;
  for (size_t k = 0; k < ix->n; k++) {
    if (ix->dead[k]) continue;
    if (w != k) {
      memcpy(ix->h + 4 * w, ix->h + 4 * k, 32);
      ix->ids[w] = ix->ids[k];
      ix->dead[w] = 0;
    }
    w++;
  }
  ix->n = w;
  ix->ndead = 0;
  int sorted = 1, dup = 0;
  for (size_t k = 1; k < ix->n; k++) {
    if (ix->ids[k - 1] >= ix->ids[k]) sorted = 0;
    if (ix->ids[k - 1] == ix->ids[k]) dup = 1;
  }
  if (!sorted) {
    uint32_t *perm = malloc((ix->n ? ix->n : 1) * sizeof *perm);
    if (!perm) return VIGIL_ENOMEM;
    for (size_t k = 0; k < ix->n; k++) perm[k] = (uint32_t)k;
    qsort_r(perm, ix->n, sizeof *perm, hx_cmp_perm, ix->ids);
    /* apply in place, cycle by cycle: new[k] = old[perm[k]] */
    for (size_t k = 0; k < ix->n; k++) {
      if (perm[k] == k) continue;
      uint64_t th[4], tid = ix->ids[k];
      memcpy(th, ix->h + 4 * k, 32);
      size_t j = k;
      for (;;) {
        size_t src = perm[j];
        perm[j] = (uint32_t)j;
        if (src == k) break;
        memcpy(ix->h + 4 * j, ix->h + 4 * src, 32);
        ix->ids[j] = ix->ids[src];
        j = src;
      }
      memcpy(ix->h + 4 * j, th, 32);
      ix->ids[j] = tid;
    }
    free(perm);
    for (size_t k = 1; k < ix->n; k++)
      if (ix->ids[k - 1] == ix->ids[k]) dup = 1;
  }
  if (dup) return VIGIL_ECORRUPT; /* only reachable from load: adds reject dups */
  int rc = hx_build_seg(ix, &ix->main, 0, ix->n);
  if (rc) return rc;
  ix->delta.lo = ix->delta.hi = ix->n;
  return 0;
}

static int hx_delta_rebuild(vigil_hindex *ix) {
  return hx_build_seg(ix, &ix->delta, ix->main.hi, ix->n);
}

/* Amortised policy: the tail (linear scan) stays small, the delta (its own
 * tables) stays below 1/8 of main, tombstones below 1/4 of the slots. */
static int hx_maybe_rebuild(vigil_hindex *ix) {
  size_t main_n = ix->main.hi, delta_end = ix->delta.built ? ix->delta.hi : main_n;
  size_t delta_n = delta_end - main_n, tail = ix->n - delta_end;
  size_t tail_lim = ix->tail_max > delta_n / 8 ? ix->tail_max : delta_n / 8;
  if (ix->ndead * 4 > ix->n && ix->ndead > ix->tail_max) return hx_full_rebuild(ix);
  if (tail <= tail_lim) return 0;
  if ((delta_n + tail) * 8 > main_n) return hx_full_rebuild(ix);
  return hx_delta_rebuild(ix);
}

int vigil_hindex_build(vigil_hindex *ix) {
  if (!ix) return VIGIL_EINVAL;
  return hx_full_rebuild(ix);
}

static int hx_reserve(vigil_hindex *ix, size_t extra) {
  if (extra > VIGIL_HINDEX_MAX_ENTRIES - ix->n) return VIGIL_ETOOBIG;
  size_t need = ix->n + extra;
  if (need <= ix->cap) return 0;
  size_t ncap = ix->cap ? ix->cap : 1024;
  while (ncap < need) ncap = ncap < ((size_t)1 << 24) ? ncap * 2 : ncap + ncap / 4;
  if (ncap > VIGIL_HINDEX_MAX_ENTRIES) ncap = VIGIL_HINDEX_MAX_ENTRIES;
  uint64_t *h = hx_big_realloc(ix->h, ix->n * 32, ncap * 32);
  if (!h) return VIGIL_ENOMEM;
  ix->h = h;
  uint64_t *ids = hx_big_realloc(ix->ids, ix->n * 8, ncap * 8);
  if (!ids) return VIGIL_ENOMEM;
  ix->ids = ids;
  uint8_t *dead = hx_big_realloc(ix->dead, ix->n, ncap);
  if (!dead) return VIGIL_ENOMEM;
  ix->dead = dead;
  ix->cap = ncap;
  return 0;
}

int hx_append(vigil_hindex *ix, const uint64_t *ids, const uint8_t *hashes, size_t n,
              int use_map) {
  int rc = hx_reserve(ix, n);
  if (rc) return rc;
  for (size_t k = 0; k < n; k++) {
    size_t s = ix->n;
    hx_load_words(ix->h + 4 * s, hashes + 32 * k);
    ix->ids[s] = ids[k];
    ix->dead[s] = 0;
    if (use_map) {
      rc = hx_map_put(ix, ids[k], (uint32_t)s);
      if (rc) return rc;
    }
    ix->n++;
  }
  return 0;
}

int vigil_hindex_add(vigil_hindex *ix, uint64_t id, const uint8_t hash[VIGIL_PDQ_BYTES]) {
  if (!ix || !hash) return VIGIL_EINVAL;
  if (hx_find(ix, id) != SIZE_MAX) return VIGIL_EEXISTS;
  int rc = hx_append(ix, &id, hash, 1, 1);
  if (rc) return rc;
  return hx_maybe_rebuild(ix);
}

static int hx_cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return (x > y) - (x < y);
}

/* Rejects a batch with a duplicate id or an id already live, so that an
 * error adds nothing. */
static int hx_check_batch(const vigil_hindex *ix, const uint64_t *ids, size_t n) {
  if (n > VIGIL_HINDEX_MAX_ENTRIES - ix->n) return VIGIL_ETOOBIG;
  uint64_t *sorted = malloc((n ? n : 1) * sizeof *sorted);
  if (!sorted) return VIGIL_ENOMEM;
  memcpy(sorted, ids, n * sizeof *sorted);
  int is_sorted = 1;
  for (size_t k = 1; k < n && is_sorted; k++) is_sorted = sorted[k - 1] < sorted[k];
  if (!is_sorted) qsort(sorted, n, sizeof *sorted, hx_cmp_u64);
  int rc = 0;
  for (size_t k = 0; k < n && !rc; k++) {
    if ((k && sorted[k - 1] == sorted[k]) || hx_find(ix, sorted[k]) != SIZE_MAX)
      rc = VIGIL_EEXISTS;
  }
  free(sorted);
  return rc;
}

int vigil_hindex_append(vigil_hindex *ix, const uint64_t *ids, const uint8_t *hashes,
                        size_t n) {
  if (!ix || (n && (!ids || !hashes))) return VIGIL_EINVAL;
  int rc = hx_check_batch(ix, ids, n);
  if (rc) return rc;
  rc = hx_reserve(ix, n);
  if (rc) return rc;
  return hx_append(ix, ids, hashes, n, 1);
}

int vigil_hindex_add_many(vigil_hindex *ix, const uint64_t *ids, const uint8_t *hashes,
                          size_t n) {
  if (!ix || (n && (!ids || !hashes))) return VIGIL_EINVAL;
  if (n == 0) return 0;
  int rc = hx_check_batch(ix, ids, n);
  if (rc) return rc;
  rc = hx_reserve(ix, n);
  if (rc) return rc;
  if ((ix->n + n - ix->main.hi) * 8 > ix->main.hi && n > ix->tail_max) {
    /* big batch: skip the id map, everything goes into main */
    rc = hx_append(ix, ids, hashes, n, 0);
    if (rc) return rc;
    return hx_full_rebuild(ix);
  }
  rc = hx_append(ix, ids, hashes, n, 1);
  if (rc) return rc;
  return hx_maybe_rebuild(ix);
}

int vigil_hindex_remove(vigil_hindex *ix, uint64_t id) {
  if (!ix) return VIGIL_EINVAL;
  size_t s = hx_find(ix, id);
  if (s == SIZE_MAX) return VIGIL_ENOTFOUND;
  ix->dead[s] = 1;
  ix->ndead++;
  return hx_maybe_rebuild(ix);
}

/* ---- querying ------------------------------------------------------------- */

/* One bucket probe: the table, the bucket's entry range and the budget its
 * remainders must meet. Probes of all tables go through one pipeline so the
 * bucket prefetches never drain at a table boundary. */
typedef struct hx_probe {
  const hx_table *t;
  uint32_t b, lo, hi;
  uint16_t qrem;
  uint8_t bud, ti;
} hx_probe;

/* Writes the offsets k < n with popcount(rem[k] ^ qrem) <= bud to pos and
 * returns their count. May read up to HX_REM_PAD entries past rem + n (the
 * remainder arrays are padded); those never pass. */
typedef uint32_t (*hx_filter_fn)(const uint16_t *rem, uint32_t n, uint32_t qrem, int bud,
                                 uint16_t *pos);

typedef struct hx_q {
  const vigil_hindex *ix;
  uint64_t q[4];
  int r;
  uint32_t qs[HX_MAX_TABLES];
  int rad[HX_MAX_TABLES];  /* distance budget on the table's substring */
  int prad[HX_MAX_TABLES]; /* enumeration radius on the key (= rad if classic) */
  vigil_hindex_hits *out;
  int rc;
  hx_filter_fn filter;
  hx_probe pr[HX_PROBES];
  int npr;
  struct {
    const uint32_t *sp; /* &table->slot[entry] */
    int ti;             /* table that found it (for the first-table rule) */
  } cand[HX_CANDS];
  uint32_t cslot[HX_CANDS];
  int nc;
  uint16_t pos[HX_SCAN];
} hx_q;

static void hx_push(hx_q *Q, uint64_t id, int d) {
  vigil_hindex_hits *o = Q->out;
  if (o->n == o->cap) {
    size_t nc = o->cap ? o->cap * 2 : 16;
    vigil_hindex_hit *v = realloc(o->v, nc * sizeof *v);
    if (!v) {
      Q->rc = VIGIL_ENOMEM;
      return;
    }
    o->v = v;
    o->cap = nc;
  }
  o->v[o->n].id = id;
  o->v[o->n].distance = d;
  o->n++;
}

/* Candidates are resolved in stages over the whole buffer (slot, then hash)
 * so that their cache misses overlap instead of forming a dependent chain. */
HX_INL void hx_verify(hx_q *Q) {
  const vigil_hindex *ix = Q->ix;
  HX_STAT(hx_stat_cands, (unsigned long)Q->nc);
  for (int c = 0; c < Q->nc; c++) __builtin_prefetch(Q->cand[c].sp);
  for (int c = 0; c < Q->nc; c++) {
    uint32_t s = *Q->cand[c].sp;
    Q->cslot[c] = s;
    __builtin_prefetch(ix->h + 4 * (size_t)s);
  }
  for (int c = 0; c < Q->nc; c++) {
    uint32_t s = Q->cslot[c];
    int ti = Q->cand[c].ti;
    const uint64_t *hh = ix->h + 4 * (size_t)s;
    int d = hx_dist(hh, Q->q);
    if (d > Q->r || ix->dead[s]) continue;
    int first = 1;
    for (int j = 0; j < ti && first; j++) {
      uint32_t x = hx_view(ix, hh, j) ^ Q->qs[j];
      if (hx_pop64(x) <= Q->rad[j] && (!ix->pair || hx_pop64(x >> 16) <= Q->prad[j])) first = 0;
    }
    if (first) hx_push(Q, ix->ids[s], d);
  }
  Q->nc = 0;
}

/* Portable filter: four 16-bit lanes per 64-bit word, SWAR popcount. A lane
 * passes when its count c <= bud, i.e. when c + 0x7fff - bud has no bit 15
 * (c and bud are <= 16, so no carry crosses a lane). */
static uint32_t hx_filter_swar(const uint16_t *rem, uint32_t n, uint32_t qrem, int bud,
                               uint16_t *pos) {
  const uint64_t l1 = UINT64_C(0x5555555555555555), l2 = UINT64_C(0x3333333333333333),
                 l4 = UINT64_C(0x0f0f0f0f0f0f0f0f), l8 = UINT64_C(0x001f001f001f001f),
                 top = UINT64_C(0x8000800080008000);
  uint64_t q4 = (uint64_t)qrem * UINT64_C(0x0001000100010001);
  uint64_t lim = (uint64_t)(0x7fff - bud) * UINT64_C(0x0001000100010001);
  uint32_t np = 0;
  for (uint32_t k = 0; k < n; k += 4) {
    /* lane j holds rem[k + j] whatever the byte order */
    uint64_t x = (uint64_t)rem[k] | (uint64_t)rem[k + 1] << 16 | (uint64_t)rem[k + 2] << 32 |
                 (uint64_t)rem[k + 3] << 48;
    x ^= q4;
    x -= (x >> 1) & l1;
    x = (x & l2) + ((x >> 2) & l2);
    x = (x + (x >> 4)) & l4;
    x = (x + (x >> 8)) & l8;
    uint64_t w = ~(x + lim) & top;
    if (n - k < 4) w &= (UINT64_C(1) << (16 * (n - k))) - 1;
    while (w) {
      pos[np++] = (uint16_t)(k + ((unsigned)__builtin_ctzll(w) >> 4));
      w &= w - 1;
    }
  }
  return np;
}

#if defined(__x86_64__) && defined(__GNUC__)
/* 16 remainders per step: nibble-table popcount (vpshufb), byte pairs summed
 * into 16-bit lanes (vpmaddubsw), one compare and a movemask. */
__attribute__((target("avx2"))) static uint32_t hx_filter_avx2(const uint16_t *rem, uint32_t n,
                                                               uint32_t qrem, int bud,
                                                               uint16_t *pos) {
  const __m256i lut = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1,
                                       2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
  const __m256i m4 = _mm256_set1_epi8(0x0f), ones = _mm256_set1_epi8(1);
  const __m256i q = _mm256_set1_epi16((short)qrem), bv = _mm256_set1_epi16((short)bud);
  uint32_t np = 0;
  for (uint32_t k = 0; k < n; k += 16) {
    __m256i x = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(rem + k)), q);
    __m256i lo = _mm256_and_si256(x, m4), hi = _mm256_and_si256(_mm256_srli_epi16(x, 4), m4);
    __m256i c = _mm256_add_epi8(_mm256_shuffle_epi8(lut, lo), _mm256_shuffle_epi8(lut, hi));
    c = _mm256_maddubs_epi16(c, ones);
    uint32_t w = ~(uint32_t)_mm256_movemask_epi8(_mm256_cmpgt_epi16(c, bv)) & 0x55555555u;
    if (n - k < 16) w &= (UINT32_C(1) << (2 * (n - k))) - 1;
    while (w) {
      pos[np++] = (uint16_t)(k + ((unsigned)__builtin_ctz(w) >> 1));
      w &= w - 1;
    }
  }
  return np;
}
#endif

HX_INL void hx_prefetch_bucket(const hx_probe *p) {
  if (p->lo >= p->hi) return;
  const char *a = (const char *)(p->t->rem + p->lo), *e = (const char *)(p->t->rem + p->hi);
  if (e - a > HX_PF_LINES * 64) e = a + HX_PF_LINES * 64;
  for (; a < e; a += 64) __builtin_prefetch(a);
  __builtin_prefetch(e - 1);
}

/* Resolves the bucket ranges of the queued probes (directories are small
 * and mostly cached), then filters the buckets with whole-bucket prefetches
 * a few probes ahead (issuing all at once would overflow the miss buffers). */
HX_INL void hx_flush_probes(hx_q *Q) {
  int np = Q->npr;
  HX_STAT(hx_stat_probes, (unsigned long)np);
  for (int j = 0; j < np; j++) {
    const hx_table *t = Q->pr[j].t;
    if (t->dir)
      __builtin_prefetch(&t->dir[Q->pr[j].b]);
    else
      __builtin_prefetch(&t->d16[Q->pr[j].b]);
  }
  for (int j = 0; j < np; j++) {
    hx_probe *p = &Q->pr[j];
    const hx_table *t = p->t;
    uint32_t b = p->b;
    if (t->dir) {
      p->lo = t->dir[b];
      p->hi = t->dir[b + 1];
    } else {
      p->lo = t->base[b >> HX_GROUP] + t->d16[b];
      p->hi = t->base[(b + 1) >> HX_GROUP] + t->d16[b + 1];
    }
  }
  for (int j = 0; j < HX_PF_AHEAD && j < np; j++) hx_prefetch_bucket(&Q->pr[j]);
  for (int j = 0; j < np; j++) {
    const hx_probe *p = &Q->pr[j];
    if (j + HX_PF_AHEAD < np) hx_prefetch_bucket(&Q->pr[j + HX_PF_AHEAD]);
    HX_STAT(hx_stat_scanned, p->hi - p->lo);
    const uint16_t *rem = p->t->rem;
    const uint32_t *slot = p->t->slot;
    for (uint32_t p0 = p->lo; p0 < p->hi; p0 += HX_SCAN) {
      uint32_t nb = p->hi - p0 < HX_SCAN ? p->hi - p0 : HX_SCAN;
      uint32_t npass = Q->filter(rem + p0, nb, p->qrem, p->bud, Q->pos);
      for (uint32_t k = 0; k < npass; k++) {
        Q->cand[Q->nc].sp = slot + p0 + Q->pos[k];
        Q->cand[Q->nc++].ti = p->ti;
        if (Q->nc == HX_CANDS) hx_verify(Q);
      }
    }
  }
  Q->npr = 0;
}

HX_INL void hx_query_table(hx_q *Q, const hx_table *t, int ti) {
  int rb = t->rbits, db = t->dbits, ri = Q->rad[ti], pi = Q->prad[ti];
  uint32_t qhigh = Q->qs[ti] >> rb, qrem = Q->qs[ti] & ((1u << rb) - 1);
  uint32_t lim = (uint32_t)1 << db;
  for (int e = 0; e <= pi && e <= db; e++) {
    /* remainders have rb <= 16 bits: a budget of 16 passes everything */
    int bud = ri - e < 16 ? ri - e : 16;
    /* all db-bit masks with e bits set (Gosper's hack) */
    uint32_t v = e ? (uint32_t)((UINT64_C(1) << e) - 1) : 0;
    for (;;) {
      hx_probe *p = &Q->pr[Q->npr];
      p->t = t;
      p->b = qhigh ^ v;
      p->qrem = (uint16_t)qrem;
      p->bud = (uint8_t)bud;
      p->ti = (uint8_t)ti;
      if (++Q->npr == HX_PROBES) hx_flush_probes(Q);
      if (v == 0) break;
      uint32_t c = v & (0u - v), r = v + c;
      if (r >= lim || r == 0) break;
      v = (((r ^ v) >> 2) >> __builtin_ctz(c)) | r;
      if (v >= lim) break;
    }
  }
}

HX_INL void hx_linear(hx_q *Q, size_t lo, size_t hi) {
  const vigil_hindex *ix = Q->ix;
  const uint64_t *h = ix->h;
  uint64_t q0 = Q->q[0], q1 = Q->q[1], q2 = Q->q[2], q3 = Q->q[3];
  int r = Q->r;
  HX_STAT(hx_stat_linear, hi - lo);
  for (size_t s = lo; s < hi; s++) {
    const uint64_t *hh = h + 4 * s;
    int d = hx_pop64(hh[0] ^ q0) + hx_pop64(hh[1] ^ q1) + hx_pop64(hh[2] ^ q2) +
            hx_pop64(hh[3] ^ q3);
    if (d <= r && !ix->dead[s]) hx_push(Q, ix->ids[s], d);
  }
}

static double hx_binom[33][33];
static pthread_once_t hx_binom_once = PTHREAD_ONCE_INIT;
static void hx_binom_init(void) {
  for (int n = 0; n <= 32; n++) {
    hx_binom[n][0] = 1;
    for (int k = 1; k <= n; k++) hx_binom[n][k] = hx_binom[n - 1][k - 1] + (k < n ? hx_binom[n - 1][k] : 0);
  }
}

/* Whether probing beats scanning for this segment: bucket probes plus the
 * expected candidates (uniform model) against the segment size. */
static int hx_use_index(const hx_q *Q, const hx_seg *seg) {
  const vigil_hindex *ix = Q->ix;
  double probes = 0, scanned = 0, cands = 0, n = (double)(seg->hi - seg->lo);
  for (int i = 0; i < ix->m; i++) {
    int ri = Q->rad[i], pi = Q->prad[i], db = seg->t[i].dbits, rb = seg->t[i].rbits;
    double pr = 0, p = 0;
    for (int e = 0; e <= pi && e <= db; e++) {
      pr += hx_binom[db][e];
      for (int k = 0; k <= ri - e && k <= rb; k++) p += hx_binom[db][e] * hx_binom[rb][k];
    }
    probes += pr;
    scanned += n * pr / (double)(UINT64_C(1) << db);
    cands += n * p / (double)(UINT64_C(1) << (db + rb));
  }
  return (probes + scanned / 8 + cands) * 6 < n;
}

HX_INL void hx_query_impl(hx_q *Q, unsigned flags) {
  const vigil_hindex *ix = Q->ix;
  const hx_seg *segs[2] = {&ix->main, &ix->delta};
  for (int g = 0; g < 2 && !Q->rc; g++) {
    const hx_seg *seg = segs[g];
    if (!seg->built) continue;
    if ((flags & VIGIL_HINDEX_LINEAR) || seg->scan ||
        (!(flags & VIGIL_HINDEX_NO_FALLBACK) && !hx_use_index(Q, seg))) {
      hx_linear(Q, seg->lo, seg->hi);
      continue;
    }
    for (int i = 0; i < ix->m && !Q->rc; i++)
      if (Q->rad[i] >= 0) hx_query_table(Q, &seg->t[i], i);
    if (Q->npr) hx_flush_probes(Q);
    if (Q->nc) hx_verify(Q);
  }
  /* the tail: adds not yet in any segment's tables */
  size_t end = ix->delta.built ? ix->delta.hi : ix->main.built ? ix->main.hi : 0;
  hx_linear(Q, end, ix->n);
}

#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target("popcnt"))) static void hx_query_popcnt(hx_q *Q, unsigned flags) {
  hx_query_impl(Q, flags);
}
/* the remainder filter vectorises 16 lanes wide */
__attribute__((target("avx2,popcnt"))) static void hx_query_avx2(hx_q *Q, unsigned flags) {
  hx_query_impl(Q, flags);
}
#endif
static void hx_query_generic(hx_q *Q, unsigned flags) { hx_query_impl(Q, flags); }

/* 2 = avx2+popcnt, 1 = popcnt, 0 = generic (what the CPU supports, or
 * less when a test asked for it through hx_set_isa) */
static atomic_int hx_isa_level, hx_isa_cap = -1;
static pthread_once_t hx_isa_once = PTHREAD_ONCE_INIT;
static void hx_isa_init(void) {
  int lvl = 0;
#if defined(__x86_64__) && defined(__GNUC__)
  if (__builtin_cpu_supports("popcnt")) lvl = __builtin_cpu_supports("avx2") ? 2 : 1;
#endif
  atomic_store(&hx_isa_level, lvl);
}

int hx_set_isa(int level) {
  atomic_store(&hx_isa_cap, level);
  pthread_once(&hx_isa_once, hx_isa_init);
  int l = atomic_load(&hx_isa_level);
  return level >= 0 && level < l ? level : l;
}

static int hx_isa(void) {
  pthread_once(&hx_isa_once, hx_isa_init);
  int l = atomic_load(&hx_isa_level), cap = atomic_load(&hx_isa_cap);
  return cap >= 0 && cap < l ? cap : l;
}

#if defined(__x86_64__) && defined(__GNUC__)
static int hx_have_popcnt(void) { return hx_isa() >= 1; }
#endif

static int hx_cmp_hit(const void *a, const void *b) {
  const vigil_hindex_hit *x = a, *y = b;
  if (x->distance != y->distance) return x->distance - y->distance;
  return (x->id > y->id) - (x->id < y->id);
}

static void hx_q_init(hx_q *Q, const vigil_hindex *ix, const uint8_t *hash, int threshold,
                      vigil_hindex_hits *out) {
  Q->ix = ix;
  hx_load_words(Q->q, hash);
  Q->r = threshold > 256 ? 256 : threshold;
  /* pigeonhole over the chunks (classic: one chunk per table); in the
   * paired layout a chunk within R has one half within R/2 */
  int nch = ix->pair ? ix->m / 2 : ix->m;
  int a = Q->r / nch, b = Q->r % nch;
  for (int i = 0; i < ix->m; i++) {
    int c = ix->pair ? i / 2 : i;
    Q->qs[i] = hx_view(ix, Q->q, i);
    Q->rad[i] = c <= b ? a : a - 1;
    Q->prad[i] = ix->pair && Q->rad[i] >= 0 ? Q->rad[i] / 2 : Q->rad[i];
  }
  out->n = 0;
  Q->out = out;
  Q->rc = 0;
  Q->npr = Q->nc = 0;
  int isa = hx_isa();
  Q->filter = hx_filter_swar;
#if defined(__x86_64__) && defined(__GNUC__)
  if (isa >= 2) Q->filter = hx_filter_avx2;
#endif
  (void)isa;
}

int vigil_hindex_query(const vigil_hindex *ix, const uint8_t hash[VIGIL_PDQ_BYTES],
                       int threshold, unsigned flags, vigil_hindex_hits *out) {
  if (!ix || !hash || !out || threshold < 0) return VIGIL_EINVAL;
  pthread_once(&hx_binom_once, hx_binom_init);
  hx_q *Q = malloc(sizeof *Q);
  if (!Q) return VIGIL_ENOMEM;
  hx_q_init(Q, ix, hash, threshold, out);
#if defined(__x86_64__) && defined(__GNUC__)
  int isa = hx_isa();
  if (isa >= 2)
    hx_query_avx2(Q, flags);
  else if (isa == 1)
    hx_query_popcnt(Q, flags);
  else
#endif
    hx_query_generic(Q, flags);
  int rc = Q->rc;
  free(Q);
  if (rc) return rc;
  if (out->n > 1) qsort(out->v, out->n, sizeof *out->v, hx_cmp_hit);
  return 0;
}

/* The brute-force baseline done properly: a block of queries shares each
 * pass over a cache-sized block of the bank, so the scan is compute-bound
 * instead of re-reading the bank from DRAM for every query. */
#define HX_LBLOCK_Q 32
#define HX_LBLOCK_S 4096
HX_INL void hx_linear_block_impl(hx_q *Qs, int nq, size_t n) {
  for (size_t s0 = 0; s0 < n; s0 += HX_LBLOCK_S) {
    size_t s1 = s0 + HX_LBLOCK_S < n ? s0 + HX_LBLOCK_S : n;
    for (int k = 0; k < nq; k++) hx_linear(&Qs[k], s0, s1);
  }
}
#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target("popcnt"))) static void hx_linear_block_popcnt(hx_q *Qs, int nq,
                                                                     size_t n) {
  hx_linear_block_impl(Qs, nq, n);
}
#endif
static void hx_linear_block_generic(hx_q *Qs, int nq, size_t n) {
  hx_linear_block_impl(Qs, nq, n);
}

static int hx_linear_batch(const vigil_hindex *ix, const uint8_t *hashes, int nq,
                           int threshold, vigil_hindex_hits *out) {
  hx_q *Qs = malloc((size_t)nq * sizeof *Qs);
  if (!Qs) return VIGIL_ENOMEM;
  for (int k = 0; k < nq; k++) hx_q_init(&Qs[k], ix, hashes + 32 * k, threshold, &out[k]);
#if defined(__x86_64__) && defined(__GNUC__)
  if (hx_have_popcnt())
    hx_linear_block_popcnt(Qs, nq, ix->n);
  else
#endif
    hx_linear_block_generic(Qs, nq, ix->n);
  int rc = 0;
  for (int k = 0; k < nq; k++) {
    if (Qs[k].rc) rc = Qs[k].rc;
    if (out[k].n > 1) qsort(out[k].v, out[k].n, sizeof *out[k].v, hx_cmp_hit);
  }
  free(Qs);
  return rc;
}

int vigil_hindex_query_cb(const vigil_hindex *ix, const uint8_t hash[VIGIL_PDQ_BYTES],
                          int threshold, unsigned flags, vigil_hindex_cb cb, void *arg) {
  if (!cb) return VIGIL_EINVAL;
  vigil_hindex_hits hits = VIGIL_HINDEX_HITS_INIT;
  int rc = vigil_hindex_query(ix, hash, threshold, flags, &hits);
  for (size_t k = 0; !rc && k < hits.n; k++) rc = cb(arg, hits.v[k].id, hits.v[k].distance);
  vigil_hindex_hits_release(&hits);
  return rc;
}

typedef struct hx_batch {
  const vigil_hindex *ix;
  const uint8_t *hashes;
  size_t n;
  int threshold;
  unsigned flags;
  vigil_hindex_hits *out;
  atomic_size_t next;
  atomic_int rc;
} hx_batch;

static void *hx_batch_worker(void *arg) {
  hx_batch *B = arg;
  for (;;) {
    size_t step = B->flags & VIGIL_HINDEX_LINEAR ? HX_LBLOCK_Q : 16;
    size_t k0 = atomic_fetch_add(&B->next, step);
    if (k0 >= B->n || atomic_load(&B->rc)) break;
    size_t k1 = k0 + step < B->n ? k0 + step : B->n;
    if (B->flags & VIGIL_HINDEX_LINEAR) {
      int rc = hx_linear_batch(B->ix, B->hashes + 32 * k0, (int)(k1 - k0), B->threshold,
                               B->out + k0);
      if (rc) {
        int zero = 0;
        atomic_compare_exchange_strong(&B->rc, &zero, rc);
        return NULL;
      }
      continue;
    }
    for (size_t k = k0; k < k1; k++) {
      int rc = vigil_hindex_query(B->ix, B->hashes + 32 * k, B->threshold, B->flags, &B->out[k]);
      if (rc) {
        int zero = 0;
        atomic_compare_exchange_strong(&B->rc, &zero, rc);
        return NULL;
      }
    }
  }
  return NULL;
}

int vigil_hindex_query_batch(const vigil_hindex *ix, const uint8_t *hashes, size_t n,
                             int threshold, unsigned flags, int threads,
                             vigil_hindex_hits *out) {
  if (!ix || (n && (!hashes || !out)) || threshold < 0) return VIGIL_EINVAL;
  if (threads <= 0) threads = 2;
  if (threads > 64) threads = 64;
  hx_batch B = {.ix = ix, .hashes = hashes, .n = n, .threshold = threshold, .flags = flags,
                .out = out};
  atomic_init(&B.next, 0);
  atomic_init(&B.rc, 0);
  pthread_t th[64];
  int started = 0;
  for (int t = 1; t < threads && (size_t)t * 16 < n + 16; t++) {
    if (pthread_create(&th[started], NULL, hx_batch_worker, &B)) break;
    started++;
  }
  hx_batch_worker(&B);
  for (int t = 0; t < started; t++) pthread_join(th[t], NULL);
  return atomic_load(&B.rc);
}
