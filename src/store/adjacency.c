/* Edges live as one adjacency row per (source account, kind): the sorted
 * targets with weight and first/last-seen, delta- and varint-encoded in a
 * blob. 100M edges are then ~2M rows instead of 100M B-tree entries, bulk
 * loads are sequential appends, and the census reads a CSR graph straight
 * from them.
 *
 * Blob format (all varints are LEB128):
 *   varint n
 *   n x { varint dst_delta, varint weight, zigzag first_delta, varint last-first }
 * where dst_delta is relative to the previous dst (the first to 0) and
 * first_delta to the previous entry's first-seen. Times are unix seconds, 0 =
 * unknown.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite_impl.h"
#include "vigil/error.h"

#define MAX_ADJ_ENTRIES ((size_t)1 << 31)

/* ---- varints --------------------------------------------------------------- */
static size_t put_varint(unsigned char *p, uint64_t v) {
  size_t n = 0;
  while (v >= 0x80) {
    p[n++] = (unsigned char)(v | 0x80);
    v >>= 7;
  }
  p[n++] = (unsigned char)v;
  return n;
}

static int get_varint(const unsigned char **p, const unsigned char *end, uint64_t *v) {
  uint64_t r = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (*p >= end) return VIGIL_ECORRUPT;
    unsigned char b = *(*p)++;
    r |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) {
      *v = r;
      return 0;
    }
  }
  return VIGIL_ECORRUPT;
}

static uint64_t zigzag(int64_t v) { return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63); }
static int64_t unzigzag(uint64_t v) { return (int64_t)(v >> 1) ^ -(int64_t)(v & 1); }

static int dec_reserve(sq_adj_dec *d, size_t n) {
  if (n <= d->cap) return 0;
  size_t cap = d->cap ? d->cap : 64;
  while (cap < n) cap *= 2;
  int64_t *a = realloc(d->dst, cap * sizeof *a);
  if (!a) return VIGIL_ENOMEM;
  d->dst = a;
  if (!(a = realloc(d->w, cap * sizeof *a))) return VIGIL_ENOMEM;
  d->w = a;
  if (!(a = realloc(d->first, cap * sizeof *a))) return VIGIL_ENOMEM;
  d->first = a;
  if (!(a = realloc(d->last, cap * sizeof *a))) return VIGIL_ENOMEM;
  d->last = a;
  d->cap = cap;
  return 0;
}

void sq_adj_dec_release(sq_adj_dec *d) {
  free(d->dst), free(d->w), free(d->first), free(d->last);
  memset(d, 0, sizeof *d);
}

int sq_adj_decode(const unsigned char *p, size_t len, sq_adj_dec *d) {
  const unsigned char *end = p + len;
  uint64_t n;
  int rc;
  d->n = 0;
  if (len == 0) return 0;
  if ((rc = get_varint(&p, end, &n))) return rc;
  /* every entry takes at least 4 bytes: a corrupt count cannot make us
   * allocate more than the blob justifies */
  if (n > len / 4 + 1 || n > MAX_ADJ_ENTRIES) return VIGIL_ECORRUPT;
  if ((rc = dec_reserve(d, (size_t)n))) return rc;
  int64_t dst = 0, first = 0;
  for (size_t i = 0; i < n; i++) {
    uint64_t dd, w, fd, span;
    if ((rc = get_varint(&p, end, &dd)) || (rc = get_varint(&p, end, &w)) ||
        (rc = get_varint(&p, end, &fd)) || (rc = get_varint(&p, end, &span)))
      return rc;
    if (i > 0 && dd == 0) return VIGIL_ECORRUPT; /* targets strictly increase */
    dst += (int64_t)dd;
    first += unzigzag(fd);
    d->dst[i] = dst;
    d->w[i] = (int64_t)w;
    d->first[i] = first;
    d->last[i] = first + (int64_t)span;
  }
  if (p != end) return VIGIL_ECORRUPT;
  d->n = (size_t)n;
  return 0;
}

static int encode(sq_store *q, const sq_adj_dec *d) {
  vigil_buf *b = &q->scratch;
  vigil_buf_clear(b);
  int rc = vigil_buf_reserve(b, 10 + d->n * 40);
  if (rc) return rc;
  unsigned char *p = (unsigned char *)b->data;
  size_t k = put_varint(p, d->n);
  int64_t prev_dst = 0, prev_first = 0;
  for (size_t i = 0; i < d->n; i++) {
    int64_t last = d->last[i] < d->first[i] ? d->first[i] : d->last[i];
    k += put_varint(p + k, (uint64_t)(d->dst[i] - prev_dst));
    k += put_varint(p + k, (uint64_t)d->w[i]);
    k += put_varint(p + k, zigzag(d->first[i] - prev_first));
    k += put_varint(p + k, (uint64_t)(last - d->first[i]));
    prev_dst = d->dst[i];
    prev_first = d->first[i];
  }
  b->len = k;
  return 0;
}

/* ---- buffering ---------------------------------------------------------------- */
static int grow_ops(sq_edge_vec *v, size_t need) {
  sq_edge_op *nv = vigil_array_grow(v->v, &v->cap, need, sizeof *nv);
  if (!nv) return VIGIL_ENOMEM;
  v->v = nv;
  return 0;
}

/* (Counts nothing against edges_pending: resolve_order also pushes, and may
 * run where only the caller of sq_edges_put may touch the counters.) */
static int push_op(sq_edge_vec *v, sq_edge_op op, int mode) {
  int rc;
  if (v->n == v->cap && (rc = grow_ops(v, v->n + 1))) return rc;
  if (mode == SQ_SET) {
    /* sized on its own: packed_sort swaps v[] for a buffer of another size */
    if (v->n == v->kbcap) {
      size_t *nkb = vigil_array_grow(v->kb, &v->kbcap, v->n + 1, sizeof *nkb);
      if (!nkb) return VIGIL_ENOMEM;
      v->kb = nkb;
    }
    v->kb[v->n] = v->nk;
  }
  v->v[v->n++] = op;
  return 0;
}

int sq_edges_put(sq_store *q, int kind, int mode, int64_t src, int64_t dst, int64_t weight,
                 int64_t first, int64_t last) {
  if (kind < 0 || kind >= VIGIL_EDGE_KIND_COUNT) return VIGIL_EINVAL;
  if (src <= 0 || dst <= 0 || src > UINT32_MAX || dst > UINT32_MAX) return VIGIL_ERANGE;
  sq_edge_vec *v = &q->edges[kind][mode];
  if (first == VIGIL_TIME_UNKNOWN) first = 0;
  if (last == VIGIL_TIME_UNKNOWN) last = first;
  sq_edge_op op = {((uint64_t)src << 32) | (uint64_t)dst, weight, first, last};
  v->sorted = v->ksorted = 0;
  /* UINT64_MAX stays out of keys[]: resolve_order's map reserves it */
  if (mode == SQ_SET && op.key != UINT64_MAX) {
    /* the shared values are those of the first weight-1 put */
    if (v->nk == 0 && weight == 1) v->u = op;
    if ((v->nk > 0 || weight == 1) && weight == v->u.weight && first == v->u.first &&
        last == v->u.last) {
      if (v->nk == v->kcap) {
        uint64_t *nk = vigil_array_grow(v->keys, &v->kcap, v->nk + 1, sizeof *nk);
        if (!nk) return VIGIL_ENOMEM;
        v->keys = nk;
      }
      v->keys[v->nk++] = op.key;
      q->edges_pending += SQ_UNITS_KEY;
      return 0;
    }
  }
  int rc = push_op(v, op, mode);
  if (!rc) q->edges_pending += SQ_UNITS_OP;
  return rc;
}

/* A key put after an op with the same key must win over it. Finds those
 * keys (a Bloom filter over the ops' keys, probed in input order with
 * prefetching, then an exact map key -> last op's kb) and appends an op
 * with u's values for each, after all others, so that sorting and
 * collapsing the ops (the last one wins) and merging them over the keys
 * (an op wins over a key) give the input order's result. */
static int resolve_order(sq_edge_vec *v) {
  if (!v->nk || !v->n) return 0;
  size_t n = v->n, words = 1024;
  while (words * 4 < n && words < ((size_t)1 << 24)) words *= 2;
  uint64_t *bloom = calloc(words, sizeof *bloom);
  vigil_u64map last = VIGIL_U64MAP_INIT;
  int rc = bloom ? 0 : VIGIL_ENOMEM;
#define BLOOM_HASH(k) ((k) * 0x9E3779B97F4A7C15ull)
#define BLOOM_WORD(h) ((h) >> 40 & (words - 1))
#define BLOOM_BITS(h) ((1ull << ((h) & 63)) | (1ull << ((h) >> 6 & 63)))
  for (size_t i = 0; i < n && !rc; i++) {
    uint64_t h = BLOOM_HASH(v->v[i].key);
    bloom[BLOOM_WORD(h)] |= BLOOM_BITS(h);
    /* value kb + 1 (0 is "absent"); later ops overwrite with larger kb */
    if (v->v[i].key != UINT64_MAX) rc = vigil_u64map_put(&last, v->v[i].key, (int64_t)v->kb[i] + 1);
  }
  /* the filter's hits (about one key in ten in a synthetic power-law
   * list, where busy pairs recur with and without weights) are looked up
   * in chunks, so that their cache misses overlap */
  enum { AHEAD = 16, CHUNK = 256 };
  uint64_t hk[CHUNK];
  size_t hi[CHUNK];
  int64_t hv[CHUNK];
  size_t nh = 0;
  for (size_t i = 0; i <= v->nk && !rc; i++) {
    if (i < v->nk) {
      if (i + AHEAD < v->nk) __builtin_prefetch(&bloom[BLOOM_WORD(BLOOM_HASH(v->keys[i + AHEAD]))]);
      uint64_t k = v->keys[i], h = BLOOM_HASH(k);
      if ((bloom[BLOOM_WORD(h)] & BLOOM_BITS(h)) == BLOOM_BITS(h)) hk[nh] = k, hi[nh++] = i;
      if (nh < CHUNK) continue;
    }
    vigil_u64map_get_many(&last, hk, hv, nh);
    for (size_t j = 0; j < nh && !rc; j++) {
      /* key hi[j] came after the last op of its key when hi[j] >= that
       * op's kb; INT64_MAX marks a key already given its op */
      if (!hv[j] || hv[j] == INT64_MAX || (size_t)(hv[j] - 1) > hi[j]) continue;
      /* an earlier hit in this chunk may have handled it already */
      if (vigil_u64map_get(&last, hk[j]) == INT64_MAX) continue;
      sq_edge_op op = v->u;
      op.key = hk[j];
      if ((rc = push_op(v, op, SQ_SET))) break;
      v->kb[v->n - 1] = SIZE_MAX;
      rc = vigil_u64map_put(&last, hk[j], INT64_MAX);
    }
    nh = 0;
  }
#undef BLOOM_HASH
#undef BLOOM_WORD
#undef BLOOM_BITS
  free(bloom);
  vigil_u64map_release(&last);
  return rc;
}

static unsigned bit_width(uint64_t v) { return v ? 64u - (unsigned)__builtin_clzll(v) : 0; }

/* The common case: the ids of a batch span few bits, so (src, dst, input
 * position) packs into one uint64. Sorting those 8-byte words on the id
 * bits (LSD radix, stable, so the input order of equal keys is kept) and
 * then gathering the 32-byte ops once moves a quarter of the bytes per pass
 * of sorting the ops themselves. The two halves of the batch are sorted on
 * two threads (each half also needs one bit less for the position), and
 * the gather merges them, the first half first among equal keys. */
typedef struct half_sort {
  uint64_t *k, *tmp; /* k: the packed words in, sorted on return */
  size_t n;
  unsigned lo, kb;   /* id bits start at lo, kb of them */
  int rc;
} half_sort;

static void *half_sort_run(void *arg) {
  half_sort *h = arg;
  unsigned passes = (h->kb + 13) / 14, digit = (h->kb + passes - 1) / passes;
  size_t nb = (size_t)1 << digit, mask = nb - 1;
  size_t *count = malloc(nb * sizeof *count);
  h->rc = count ? 0 : VIGIL_ENOMEM;
  if (!count) return NULL;
  uint64_t *src = h->k, *dst = h->tmp;
  for (unsigned p = 0; p < passes; p++) {
    unsigned shift = h->lo + p * digit;
    memset(count, 0, nb * sizeof *count);
    for (size_t i = 0; i < h->n; i++) count[(src[i] >> shift) & mask]++;
    size_t sum = 0;
    for (size_t d = 0; d < nb; d++) {
      size_t c = count[d];
      count[d] = sum;
      sum += c;
    }
    for (size_t i = 0; i < h->n; i++) dst[count[(src[i] >> shift) & mask]++] = src[i];
    uint64_t *t = src;
    src = dst;
    dst = t;
  }
  if (src != h->k) memcpy(h->k, src, h->n * sizeof *src);
  free(count);
  return NULL;
}

/* Returns 1 if sorted (the vector then holds the sorted ops and sc->ops its
 * old array), 0 if the ids do not fit (the caller falls back), or an
 * error. */
static int packed_sort(sq_sort_scratch *sc, sq_edge_vec *v) {
  size_t n = v->n;
  sq_edge_op *a = v->v;
  uint64_t smin = UINT64_MAX, smax = 0, dmin = UINT64_MAX, dmax = 0;
  for (size_t i = 0; i < n; i++) {
    uint64_t s = a[i].key >> 32, d = a[i].key & 0xffffffffu;
    if (s < smin) smin = s;
    if (s > smax) smax = s;
    if (d < dmin) dmin = d;
    if (d > dmax) dmax = d;
  }
  size_t n1 = n / 2, n2 = n - n1;
  unsigned ib = bit_width(n2 - 1), db = bit_width(dmax - dmin), sb = bit_width(smax - smin);
  unsigned kb = sb + db;
  if (kb == 0 || ib + kb > 64) return 0;
  if (sc->keys_cap < n) {
    free(sc->keys);
    sc->keys = malloc(2 * n * sizeof *sc->keys);
    sc->keys_cap = sc->keys ? n : 0;
    if (!sc->keys) return VIGIL_ENOMEM;
  }
  if (sc->ops_cap < v->cap) {
    free(sc->ops);
    sc->ops = malloc(v->cap * sizeof *sc->ops);
    sc->ops_cap = sc->ops ? v->cap : 0;
    if (!sc->ops) return VIGIL_ENOMEM;
  }
  uint64_t *k = sc->keys;
  for (size_t i = 0; i < n; i++) {
    uint64_t s = (a[i].key >> 32) - smin, d = (a[i].key & 0xffffffffu) - dmin;
    k[i] = (((s << db) | d) << ib) | (i < n1 ? i : i - n1);
  }
  half_sort h1 = {k, k + n, n1, ib, kb, 0}, h2 = {k + n1, k + n + n1, n2, ib, kb, 0};
  pthread_t th;
  /* small batches are not worth a thread */
  int threaded = n >= ((size_t)1 << 16) && pthread_create(&th, NULL, half_sort_run, &h2) == 0;
  half_sort_run(&h1);
  if (threaded) pthread_join(th, NULL);
  else half_sort_run(&h2);
  if (h1.rc || h2.rc) return h1.rc ? h1.rc : h2.rc;
  uint64_t imask = ((uint64_t)1 << ib) - 1;
  const uint64_t *k1 = h1.k, *k2 = h2.k;
  const sq_edge_op *a2 = a + n1;
  sq_edge_op *out = sc->ops;
  size_t i1 = 0, i2 = 0;
  enum { AHEAD = 8 };
  for (size_t o = 0; o < n; o++) {
    if (i1 + AHEAD < n1) __builtin_prefetch(&a[k1[i1 + AHEAD] & imask]);
    if (i2 + AHEAD < n2) __builtin_prefetch(&a2[k2[i2 + AHEAD] & imask]);
    if (i2 == n2 || (i1 < n1 && (k1[i1] >> ib) <= (k2[i2] >> ib))) out[o] = a[k1[i1++] & imask];
    else out[o] = a2[k2[i2++] & imask];
  }
  size_t cap = v->cap;
  v->v = out, v->cap = sc->ops_cap;
  sc->ops = a, sc->ops_cap = cap;
  return 1;
}

/* Sorts and de-duplicates a key vector (all its ops are equal but for the
 * key, so a duplicate is dropped): the ids packed into as few bits as they
 * span, the halves radix-sorted on two threads, then merged. */
static int sort_keys(sq_sort_scratch *sc, sq_edge_vec *v) {
  if (v->ksorted) return 0;
  int rc = resolve_order(v);
  if (rc) return rc;
  size_t n = v->nk;
  v->ksorted = 1;
  v->sorted = 0; /* resolve_order may have added ops */
  if (n < 2) return 0;
  uint64_t *k = v->keys;
  uint64_t smin = UINT64_MAX, smax = 0, dmin = UINT64_MAX, dmax = 0;
  for (size_t i = 0; i < n; i++) {
    uint64_t s = k[i] >> 32, d = k[i] & 0xffffffffu;
    if (s < smin) smin = s;
    if (s > smax) smax = s;
    if (d < dmin) dmin = d;
    if (d > dmax) dmax = d;
  }
  unsigned db = bit_width(dmax - dmin), kb = bit_width(smax - smin) + db;
  if (kb == 0) { /* one edge, repeated */
    v->nk = 1;
    return 0;
  }
  if (sc->keys_cap < n) {
    free(sc->keys);
    sc->keys = malloc(2 * n * sizeof *sc->keys);
    sc->keys_cap = sc->keys ? n : 0;
    if (!sc->keys) {
      v->ksorted = 0;
      return VIGIL_ENOMEM;
    }
  }
  for (size_t i = 0; i < n; i++) k[i] = (((k[i] >> 32) - smin) << db) | ((k[i] & 0xffffffffu) - dmin);
  size_t n1 = n / 2, n2 = n - n1;
  half_sort h1 = {k, sc->keys, n1, 0, kb, 0}, h2 = {k + n1, sc->keys + n1, n2, 0, kb, 0};
  pthread_t th;
  int threaded = n >= ((size_t)1 << 16) && pthread_create(&th, NULL, half_sort_run, &h2) == 0;
  half_sort_run(&h1);
  if (threaded) pthread_join(th, NULL);
  else half_sort_run(&h2);
  if (h1.rc || h2.rc) {
    v->ksorted = 0; /* the keys are still packed: the batch is lost */
    v->nk = 0;
    return h1.rc ? h1.rc : h2.rc;
  }
  uint64_t *out = sc->keys, dmask = ((uint64_t)1 << db) - 1;
  const uint64_t *a = k, *b = k + n1;
  size_t i1 = 0, i2 = 0, o = 0;
  uint64_t prev = UINT64_MAX;
  while (i1 < n1 || i2 < n2) {
    uint64_t x = i2 == n2 || (i1 < n1 && a[i1] <= b[i2]) ? a[i1++] : b[i2++];
    if (x == prev) continue;
    prev = x;
    out[o++] = (((x >> db) + smin) << 32) | ((x & dmask) + dmin);
  }
  memcpy(k, out, o * sizeof *k);
  v->nk = o;
  return 0;
}

/* Stable LSD radix sort on key, 16-bit digits, skipping digits that are the
 * same for every element (common: high bits of small ids). Stability keeps
 * the input order of duplicates, so for SET the last write wins. */
static int radix_sort(sq_store *q, sq_edge_op *a, size_t n) {
  if (n < 2) return 0;
  /* the scratch array is kept between flushes: a fresh 200 MB allocation
   * per batch costs more in page faults than the sort itself */
  if (q->sort_cap < n) {
    free(q->sort_tmp);
    q->sort_tmp = malloc(n * sizeof *q->sort_tmp);
    q->sort_cap = q->sort_tmp ? n : 0;
    if (!q->sort_tmp) return VIGIL_ENOMEM;
  }
  sq_edge_op *tmp = q->sort_tmp;
  size_t *count = malloc(65536 * sizeof *count);
  if (!count) return VIGIL_ENOMEM;
  uint64_t all_or = 0, all_and = ~(uint64_t)0;
  for (size_t i = 0; i < n; i++) all_or |= a[i].key, all_and &= a[i].key;
  uint64_t varying = all_or ^ all_and;
  sq_edge_op *src = a, *dst = tmp;
  for (int shift = 0; shift < 64; shift += 16) {
    if (((varying >> shift) & 0xffff) == 0) continue;
    memset(count, 0, 65536 * sizeof *count);
    for (size_t i = 0; i < n; i++) count[(src[i].key >> shift) & 0xffff]++;
    size_t sum = 0;
    for (size_t d = 0; d < 65536; d++) {
      size_t c = count[d];
      count[d] = sum;
      sum += c;
    }
    for (size_t i = 0; i < n; i++) dst[count[(src[i].key >> shift) & 0xffff]++] = src[i];
    sq_edge_op *t = src;
    src = dst;
    dst = t;
  }
  if (src != a) memcpy(a, src, n * sizeof *a);
  free(count);
  return 0;
}

/* After the ops are reordered their kb no longer matches; every later key
 * comes after all of them, which kb = 0 says. */
static void kb_reset(sq_edge_vec *v) {
  if (v->kb) memset(v->kb, 0, (v->n < v->kbcap ? v->n : v->kbcap) * sizeof *v->kb);
}

static int sort_ops(sq_store *q, sq_edge_vec *v) {
  if (v->n < 2 || v->sorted) return 0;
  int rc = packed_sort(&q->sort_bg, v);
  if (rc == 0) rc = radix_sort(q, v->v, v->n);
  if (rc >= 0) kb_reset(v);
  return rc < 0 ? rc : 0;
}

/* Collapses runs of equal keys: SET keeps the last op (times widened), ADD
 * sums weights. Returns the new length. */
static size_t collapse(sq_edge_op *a, size_t n, int mode) {
  size_t out = 0;
  for (size_t i = 0; i < n;) {
    sq_edge_op cur = a[i];
    size_t j = i + 1;
    for (; j < n && a[j].key == cur.key; j++) {
      if (mode == SQ_SET) cur.weight = a[j].weight;
      else cur.weight += a[j].weight;
      if (a[j].first && (!cur.first || a[j].first < cur.first)) cur.first = a[j].first;
      if (a[j].last > cur.last) cur.last = a[j].last;
    }
    a[out++] = cur;
    i = j;
  }
  return out;
}

static int adj_bit_get(const sq_store *q, int64_t src, int kind) {
  uint64_t bit = (uint64_t)src * VIGIL_EDGE_KIND_COUNT + (uint64_t)kind;
  return bit / 8 < q->adj_bits_len && (q->adj_bits[bit / 8] >> (bit % 8)) & 1;
}

static int adj_bit_set(sq_store *q, int64_t src, int kind, int on) {
  uint64_t bit = (uint64_t)src * VIGIL_EDGE_KIND_COUNT + (uint64_t)kind;
  if (bit / 8 >= q->adj_bits_len) {
    size_t len = q->adj_bits_len ? q->adj_bits_len : 4096;
    while (len <= bit / 8) len *= 2;
    uint8_t *nb = realloc(q->adj_bits, len);
    if (!nb) return VIGIL_ENOMEM;
    memset(nb + q->adj_bits_len, 0, len - q->adj_bits_len);
    q->adj_bits = nb;
    q->adj_bits_len = len;
  }
  if (on) q->adj_bits[bit / 8] |= (uint8_t)(1u << (bit % 8));
  else q->adj_bits[bit / 8] &= (uint8_t)~(1u << (bit % 8));
  return 0;
}

static int load_adj_bits(sq_store *q) {
  if (q->adj_bits_loaded) return 0;
  sqlite3_stmt *st;
  int rc = sq_prepare(q, &st, "SELECT src, kind FROM adjacency");
  if (rc) return rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    int64_t src = sqlite3_column_int64(st, 0);
    int kind = sqlite3_column_int(st, 1);
    if (src <= 0 || src > UINT32_MAX || kind < 0 || kind >= VIGIL_EDGE_KIND_COUNT) continue;
    int e = adj_bit_set(q, src, kind, 1);
    if (e) {
      sqlite3_finalize(st);
      return e;
    }
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) return sq_fail(q, rc, "reading adjacency keys");
  q->adj_bits_loaded = 1;
  return 0;
}

void sq_adj_bits_drop(sq_store *q) {
  free(q->adj_bits);
  q->adj_bits = NULL;
  q->adj_bits_len = 0;
  q->adj_bits_loaded = 0;
}

static int load_row(sq_store *q, int64_t src, int kind, sq_adj_dec *d, int *existed) {
  d->n = 0;
  *existed = 0;
  if (!adj_bit_get(q, src, kind)) return 0;
  sqlite3_stmt *st = q->st_adj_get;
  sqlite3_bind_int64(st, 1, src);
  sqlite3_bind_int(st, 2, kind);
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    *existed = 1;
    const void *blob = sqlite3_column_blob(st, 0);
    int len = sqlite3_column_bytes(st, 0);
    rc = sq_adj_decode(blob, (size_t)len, d);
    sqlite3_reset(st);
    if (rc) {
      snprintf(q->base.errmsg, sizeof q->base.errmsg,
               "adjacency row (src %lld, kind %d) is corrupt", (long long)src, kind);
      return rc;
    }
    return 0;
  }
  sqlite3_reset(st);
  return rc == SQLITE_DONE ? 0 : sq_fail(q, rc, "reading adjacency");
}

/* Writes the encoded row in q->scratch. */
static int write_blob(sq_store *q, int64_t src, int kind, size_t n, int existed) {
  sqlite3_stmt *st = q->st_adj_put;
  sqlite3_bind_int64(st, 1, src);
  sqlite3_bind_int(st, 2, kind);
  sqlite3_bind_int64(st, 3, (int64_t)n);
  sqlite3_bind_blob(st, 4, q->scratch.data, (int)q->scratch.len, SQLITE_STATIC);
  int rc = sqlite3_step(st);
  sqlite3_reset(st);
  if (rc != SQLITE_DONE) return sq_fail(q, rc, "writing adjacency");
  return existed ? 0 : adj_bit_set(q, src, kind, 1);
}

static int write_row(sq_store *q, int64_t src, int kind, const sq_adj_dec *d, int existed) {
  int rc;
  if (d->n == 0) {
    if (!existed) return 0;
    sqlite3_stmt *st = q->st_adj_del;
    sqlite3_bind_int64(st, 1, src);
    sqlite3_bind_int(st, 2, kind);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) return sq_fail(q, rc, "deleting adjacency");
    return adj_bit_set(q, src, kind, 0);
  }
  if ((rc = encode(q, d))) return rc;
  return write_blob(q, src, kind, d->n, existed);
}

/* A new row straight from sorted, distinct keys sharing u's weight and
 * times: the same bytes encode() makes, without the merge. */
static int write_key_row(sq_store *q, int64_t src, int kind, const uint64_t *k, size_t n,
                         const sq_edge_op *u) {
  vigil_buf *b = &q->scratch;
  vigil_buf_clear(b);
  int rc = vigil_buf_reserve(b, 10 + n * 40);
  if (rc) return rc;
  unsigned char *p = (unsigned char *)b->data;
  int64_t last = u->last < u->first ? u->first : u->last;
  /* every entry but the dst delta is the same bytes; the first entry's
   * first-seen delta is from 0, the others' 0 */
  unsigned char head[30], rest[30];
  size_t nh = put_varint(head, (uint64_t)u->weight);
  nh += put_varint(head + nh, zigzag(u->first));
  nh += put_varint(head + nh, (uint64_t)(last - u->first));
  size_t nr = put_varint(rest, (uint64_t)u->weight);
  nr += put_varint(rest + nr, 0);
  nr += put_varint(rest + nr, (uint64_t)(last - u->first));
  size_t len = put_varint(p, n);
  uint64_t prev = 0;
  for (size_t i = 0; i < n; i++) {
    uint64_t dst = k[i] & 0xffffffffu;
    len += put_varint(p + len, dst - prev);
    prev = dst;
    if (i == 0) memcpy(p + len, head, nh), len += nh;
    else memcpy(p + len, rest, nr), len += nr;
  }
  b->len = len;
  return write_blob(q, src, kind, n, 0);
}

static int add_total(sq_store *q, int kind, int64_t delta_n) {
  if (!delta_n) return 0;
  sqlite3_stmt *st = q->st_total_add;
  sqlite3_bind_int(st, 1, kind);
  sqlite3_bind_int64(st, 2, delta_n);
  int rc = sqlite3_step(st);
  sqlite3_reset(st);
  return rc == SQLITE_DONE ? 0 : sq_fail(q, rc, "updating edge totals");
}

/* Merges the sorted ops of one source into its decoded row `old`, writing
 * the result into `out`. */
static void merge_one(sq_store *q, const sq_adj_dec *old, const sq_edge_op *set, size_t nset,
                      const sq_edge_op *add, size_t nadd, sq_adj_dec *out, int *changed) {
  size_t i = 0, js = 0, ja = 0;
  out->n = 0;
  *changed = 0;
  for (;;) {
    int64_t d_old = i < old->n ? old->dst[i] : INT64_MAX;
    int64_t d_set = js < nset ? (int64_t)(set[js].key & 0xffffffffu) : INT64_MAX;
    int64_t d_add = ja < nadd ? (int64_t)(add[ja].key & 0xffffffffu) : INT64_MAX;
    int64_t d = d_old < d_set ? d_old : d_set;
    if (d_add < d) d = d_add;
    if (d == INT64_MAX) break;
    int have = d_old == d;
    int64_t w = have ? old->w[i] : 0, f = have ? old->first[i] : 0, l = have ? old->last[i] : 0;
    int64_t w0 = w, f0 = f, l0 = l;
    if (d_set == d) {
      const sq_edge_op *e = &set[js++];
      w = e->weight;
      if (e->first && (!f || e->first < f)) f = e->first;
      if (e->last > l) l = e->last;
    }
    if (d_add == d) {
      const sq_edge_op *e = &add[ja++];
      w += e->weight;
      if (e->weight > 0) {
        if (e->first && (!f || e->first < f)) f = e->first;
        if (e->last > l) l = e->last;
      }
    }
    if (have) i++;
    int touched = d_set == d || d_add == d;
    if (w > 0) {
      size_t k = out->n++;
      out->dst[k] = d, out->w[k] = w, out->first[k] = f, out->last[k] = l;
    }
    if (!have && w > 0) q->edge_counts.created++, *changed = 1;
    else if (have && w <= 0) q->edge_counts.updated++, *changed = 1;
    else if (have && (w != w0 || f != f0 || l != l0)) {
      /* a re-observation that only widens last-seen is not a new fact about
       * the edge for counting purposes, but it is stored */
      if (w != w0 || f != f0) q->edge_counts.updated++;
      else q->edge_counts.unchanged++;
      *changed = 1;
    } else if (have && touched) q->edge_counts.unchanged++;
  }
}

int sq_edges_presort(sq_store *q) {
  for (int k = 0; k < VIGIL_EDGE_KIND_COUNT; k++)
    for (int m = 0; m < 2; m++) {
      sq_edge_vec *v = &q->edges[k][m];
      int rc = sort_keys(&q->sort_fg, v);
      if (rc) return rc;
      if (v->sorted || v->n < 2) continue;
      rc = packed_sort(&q->sort_fg, v);
      if (rc < 0) return rc;
      if (rc == 1) {
        v->n = collapse(v->v, v->n, m);
        v->sorted = 1;
        kb_reset(v);
      }
    }
  return 0;
}

int sq_edges_flush(sq_store *q) {
  int rc = sq_edges_flush_vecs(q, q->edges);
  q->edges_pending = 0;
  return rc;
}

static void vec_clear(sq_edge_vec *v) { v->n = v->nk = 0; }

/* One source's SET ops from its keys k[0..nk) (with u's values) and its
 * ops o[0..no), both sorted and distinct, merged into out->v in key order.
 * A key in both: the op's weight wins (it came later, see sq_edge_vec),
 * times widened over both, as collapse() does. */
static int merge_set_run(sq_edge_vec *out, const uint64_t *k, size_t nk, const sq_edge_op *u,
                         const sq_edge_op *o, size_t no) {
  int rc = grow_ops(out, nk + no);
  if (rc) return rc;
  size_t i = 0, j = 0, n = 0;
  while (i < nk || j < no) {
    if (j == no || (i < nk && k[i] < o[j].key)) {
      out->v[n] = *u;
      out->v[n++].key = k[i++];
    } else if (i == nk || o[j].key < k[i]) {
      out->v[n++] = o[j++];
    } else {
      sq_edge_op e = o[j++];
      i++;
      if (u->first && (!e.first || u->first < e.first)) e.first = u->first;
      if (u->last > e.last) e.last = u->last;
      out->v[n++] = e;
    }
  }
  out->n = n;
  return 0;
}

int sq_edges_flush_vecs(sq_store *q, sq_edge_vec (*vecs)[2]) {
  size_t pending = 0;
  for (int k = 0; k < VIGIL_EDGE_KIND_COUNT; k++)
    pending += vecs[k][0].n + vecs[k][0].nk + vecs[k][1].n;
  int rc = pending ? load_adj_bits(q) : 0;
  if (rc) return rc;
  sq_adj_dec old = {0}, out = {0};
  sq_edge_vec tmp = {0};
  for (int kind = 0; kind < VIGIL_EDGE_KIND_COUNT && !rc; kind++) {
    int64_t total_delta = 0;
    sq_edge_vec *vs = &vecs[kind][SQ_SET], *va = &vecs[kind][SQ_ADD];
    if (!vs->n && !vs->nk && !va->n) continue;
    if ((rc = sort_keys(&q->sort_bg, vs))) break;
    if ((rc = sort_ops(q, vs)) || (rc = sort_ops(q, va))) break;
    size_t nk = vs->nk, ns = collapse(vs->v, vs->n, SQ_SET), na = collapse(va->v, va->n, SQ_ADD);
    const uint64_t *keys = vs->keys;
    size_t ik = 0, is = 0, ia = 0;
    while (!rc && (ik < nk || is < ns || ia < na)) {
      uint64_t src = ik < nk ? keys[ik] >> 32 : UINT64_MAX;
      if (is < ns && vs->v[is].key >> 32 < src) src = vs->v[is].key >> 32;
      if (ia < na && va->v[ia].key >> 32 < src) src = va->v[ia].key >> 32;
      size_t ek = ik, es = is, ea = ia;
      while (ek < nk && keys[ek] >> 32 == src) ek++;
      while (es < ns && vs->v[es].key >> 32 == src) es++;
      while (ea < na && va->v[ea].key >> 32 == src) ea++;
      /* a bulk load's common case: only shared-value keys, for a source
       * with no row yet */
      if (ek > ik && es == is && ea == ia && vs->u.weight > 0 &&
          !adj_bit_get(q, (int64_t)src, kind)) {
        rc = write_key_row(q, (int64_t)src, kind, keys + ik, ek - ik, &vs->u);
        q->edge_counts.created += ek - ik;
        total_delta += (int64_t)(ek - ik);
        ik = ek, is = es;
        continue;
      }
      const sq_edge_op *set = vs->v + is;
      size_t nset = es - is;
      if (ek > ik) {
        if ((rc = merge_set_run(&tmp, keys + ik, ek - ik, &vs->u, vs->v + is, es - is))) break;
        set = tmp.v, nset = tmp.n;
      }
      int existed, changed;
      if ((rc = load_row(q, (int64_t)src, kind, &old, &existed))) break;
      if ((rc = dec_reserve(&out, old.n + nset + (ea - ia)))) break;
      merge_one(q, &old, set, nset, va->v + ia, ea - ia, &out, &changed);
      if (changed) {
        rc = write_row(q, (int64_t)src, kind, &out, existed);
        total_delta += (int64_t)out.n - (int64_t)old.n;
      }
      ik = ek, is = es, ia = ea;
    }
    if (!rc) rc = add_total(q, kind, total_delta);
    vec_clear(vs), vec_clear(va);
  }
  sq_adj_dec_release(&old);
  sq_adj_dec_release(&out);
  free(tmp.v);
  if (rc)
    for (int k = 0; k < VIGIL_EDGE_KIND_COUNT; k++) vec_clear(&vecs[k][0]), vec_clear(&vecs[k][1]);
  return rc;
}

void sq_edges_discard(sq_store *q) {
  for (int k = 0; k < VIGIL_EDGE_KIND_COUNT; k++)
    vec_clear(&q->edges[k][0]), vec_clear(&q->edges[k][1]);
  q->edges_pending = 0;
}

void sq_edges_release(sq_store *q) {
  free(q->sort_tmp);
  q->sort_tmp = NULL;
  q->sort_cap = 0;
  sq_sort_scratch *sc[2] = {&q->sort_bg, &q->sort_fg};
  for (int i = 0; i < 2; i++) {
    free(sc[i]->ops);
    free(sc[i]->keys);
    memset(sc[i], 0, sizeof *sc[i]);
  }
  for (int k = 0; k < VIGIL_EDGE_KIND_COUNT; k++)
    for (int m = 0; m < 2; m++) {
      sq_edge_vec *both[2] = {&q->edges[k][m], &q->bg.edges[k][m]};
      for (int i = 0; i < 2; i++) {
        free(both[i]->v);
        free(both[i]->keys);
        free(both[i]->kb);
        memset(both[i], 0, sizeof *both[i]);
      }
    }
  q->edges_pending = 0;
}
