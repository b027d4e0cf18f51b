/* Tests for the PDQ Hamming index: every query is compared with a brute
 * force computed here, independently of the library. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "vigil/error.h"
#include "vigil/hindex.h"
#include "match/hindex_int.h" /* hx_set_isa */

static uint64_t rng = 1;
static uint64_t rnd(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}
static void rnd_hash(uint8_t *h) {
  for (int i = 0; i < 32; i++) h[i] = (uint8_t)rnd();
}
static void flip(uint8_t *h, int k) {
  for (int i = 0; i < k; i++) {
    int b = (int)(rnd() % 256);
    h[b / 8] ^= (uint8_t)(1u << (b % 8));
  }
}
/* byte table filled bit by bit: shares no code with the library */
static int ref_dist(const uint8_t *a, const uint8_t *b) {
  static unsigned char pc[256];
  static int ready;
  if (!ready) {
    for (int v = 0; v < 256; v++)
      for (int i = 0; i < 8; i++) pc[v] += (v >> i) & 1;
    ready = 1;
  }
  int d = 0;
  for (int i = 0; i < 32; i++) d += pc[a[i] ^ b[i]];
  return d;
}

typedef struct bank {
  size_t n;
  uint64_t *ids;
  uint8_t *h;
  unsigned char *live;
} bank;

static void bank_make(bank *b, size_t n, int clustered) {
  b->n = n;
  b->ids = malloc(n * sizeof *b->ids);
  b->h = malloc(n * 32);
  b->live = malloc(n);
  assert_non_null(b->ids);
  assert_non_null(b->h);
  assert_non_null(b->live);
  uint8_t centre[32];
  for (size_t i = 0; i < n; i++) {
    b->ids[i] = 1000 + i * 7; /* not 0..n-1, and later shuffled */
    b->live[i] = 1;
    if (clustered) {
      if (i % 50 == 0) rnd_hash(centre);
      memcpy(b->h + 32 * i, centre, 32);
      flip(b->h + 32 * i, (int)(rnd() % 40));
    } else {
      rnd_hash(b->h + 32 * i);
    }
  }
  /* shuffle so ids arrive out of order (exercises the id sort) */
  for (size_t i = n; i > 1; i--) {
    size_t j = rnd() % i;
    uint64_t t = b->ids[i - 1];
    b->ids[i - 1] = b->ids[j];
    b->ids[j] = t;
  }
}
static void bank_free(bank *b) {
  free(b->ids);
  free(b->h);
  free(b->live);
}

static int cmp_hit(const void *x, const void *y) {
  const vigil_hindex_hit *a = x, *b = y;
  if (a->distance != b->distance) return a->distance < b->distance ? -1 : 1;
  return (a->id > b->id) - (a->id < b->id);
}

/* brute force over the live entries, sorted like the index */
static size_t brute(const bank *b, const uint8_t *q, int thr, vigil_hindex_hit *out) {
  size_t n = 0;
  for (size_t i = 0; i < b->n; i++) {
    if (!b->live[i]) continue;
    int d = ref_dist(b->h + 32 * i, q);
    if (d <= thr) {
      out[n].id = b->ids[i];
      out[n].distance = d;
      n++;
    }
  }
  qsort(out, n, sizeof *out, cmp_hit);
  return n;
}

/* both the default path (which may fall back to a scan at high thresholds)
 * and the forced table probes must equal the brute force */
static void check_query(const vigil_hindex *ix, const bank *b, const uint8_t *q, int thr,
                        vigil_hindex_hit *scratch) {
  size_t n = brute(b, q, thr, scratch);
  for (unsigned flags = 0; flags <= VIGIL_HINDEX_NO_FALLBACK; flags += VIGIL_HINDEX_NO_FALLBACK) {
    vigil_hindex_hits hits = VIGIL_HINDEX_HITS_INIT;
    assert_int_equal(vigil_hindex_query(ix, q, thr, flags, &hits), 0);
    if (hits.n != n)
      fprintf(stderr, "threshold %d flags %u: index %zu hits, brute %zu\n", thr, flags, hits.n, n);
    assert_int_equal(hits.n, n);
    for (size_t k = 0; k < n; k++) {
      assert_int_equal(hits.v[k].id, scratch[k].id);
      assert_int_equal(hits.v[k].distance, scratch[k].distance);
    }
    vigil_hindex_hits_release(&hits);
  }
}

/* the bank must sit in table-indexed main (not only in the scanned tail or a
 * scan-only segment), else the probe code would not be what is tested */
static void assert_indexed(const vigil_hindex *ix) {
  assert_true(ix->main.built && !ix->main.scan);
  assert_int_equal(ix->main.hi, ix->n);
}

static void make_query(const bank *b, uint8_t *q, int j) {
  if (j % 2 == 0) {
    memcpy(q, b->h + 32 * (rnd() % b->n), 32);
    flip(q, (int)(rnd() % 50));
  } else {
    rnd_hash(q);
  }
}

static const int thresholds[] = {0, 1, 15, 16, 31, 32, 63, 64, 100};

static void equality_case(int clustered, int tables, int dir_bits, size_t n, int nq) {
  bank b;
  bank_make(&b, n, clustered);
  vigil_hindex_opts o = {.tables = tables, .dir_bits_max = dir_bits};
  vigil_hindex *ix;
  assert_int_equal(vigil_hindex_create(&ix, &o), 0);
  assert_int_equal(vigil_hindex_add_many(ix, b.ids, b.h, b.n), 0);
  assert_int_equal(vigil_hindex_count(ix), n);
  assert_indexed(ix);
  vigil_hindex_hit *scratch = malloc(n * sizeof *scratch);
  uint8_t q[32];
  for (size_t t = 0; t < sizeof thresholds / sizeof *thresholds; t++) {
    for (int j = 0; j < nq; j++) {
      make_query(&b, q, j);
      check_query(ix, &b, q, thresholds[t], scratch);
    }
    /* a bank entry itself: at least one hit at every threshold */
    check_query(ix, &b, b.h + 32 * (rnd() % n), thresholds[t], scratch);
  }
  free(scratch);
  vigil_hindex_free(ix);
  bank_free(&b);
}

static void test_equal_random(void **state) {
  (void)state;
  rng = 11;
  equality_case(0, 0, 0, 20000, 12);
  equality_case(0, 0, 0, 70000, 2); /* big enough for the two-thread build */
}
static void test_equal_clustered(void **state) {
  (void)state;
  rng = 12;
  equality_case(1, 0, 0, 20000, 12);
}
static void test_equal_other_params(void **state) {
  (void)state;
  rng = 13;
  equality_case(1, 8, 8, 5000, 6);   /* 32-bit substrings, tiny directory */
  equality_case(1, 16, 24, 5000, 6); /* 16-bit substrings */
  equality_case(0, 32, 12, 4500, 4); /* 8-bit substrings */
}

/* the classic single-table-per-substring layout (the default before the
 * paired one) stays selectable and exact */
static void test_equal_classic(void **state) {
  (void)state;
  rng = 19;
  equality_case(1, 11, 0, 20000, 8);
}

/* every instruction-set variant of the query code gives the same results */
static void test_equal_isa_variants(void **state) {
  (void)state;
  for (int lvl = 0; lvl <= 2; lvl++) {
    int got = hx_set_isa(lvl);
    assert_true(got <= lvl);
    rng = 20;
    equality_case(1, 0, 0, 6000, 6);
    equality_case(0, 12, 0, 4500, 3);
  }
  hx_set_isa(-1);
}

/* Thousands of entries sharing every 16-bit key: buckets far larger than
 * one filter block (256) and than the prefetch cap, and more candidates per
 * query than the candidate buffer (512), so the mid-scan flushes run. */
static void test_big_buckets(void **state) {
  (void)state;
  rng = 21;
  bank b;
  bank_make(&b, 6000, 0);
  uint8_t base[32];
  rnd_hash(base);
  for (size_t i = 0; i < 4000; i++) { /* differ only in bytes 28..31 */
    memcpy(b.h + 32 * i, base, 28);
    if (i % 2) memcpy(b.h + 32 * i, base, 32);
    flip(b.h + 32 * i + 28, (int)(i % 9));
  }
  vigil_hindex *ix;
  assert_int_equal(vigil_hindex_create(&ix, NULL), 0);
  assert_int_equal(vigil_hindex_add_many(ix, b.ids, b.h, b.n), 0);
  assert_indexed(ix);
  vigil_hindex_hit *scratch = malloc(b.n * sizeof *scratch);
  uint8_t q[32];
  int thr[] = {0, 3, 12, 31, 40};
  for (size_t t = 0; t < sizeof thr / sizeof *thr; t++) {
    memcpy(q, base, 32);
    check_query(ix, &b, q, thr[t], scratch);
    flip(q, 5);
    check_query(ix, &b, q, thr[t], scratch);
    make_query(&b, q, (int)t);
    check_query(ix, &b, q, thr[t], scratch);
  }
  vigil_hindex_hits hits = VIGIL_HINDEX_HITS_INIT;
  assert_int_equal(vigil_hindex_query(ix, base, 31, 0, &hits), 0);
  assert_true(hits.n >= 4000);
  vigil_hindex_hits_release(&hits);
  free(scratch);
  vigil_hindex_free(ix);
  bank_free(&b);
}

/* flips k distinct bits among bits [lo, lo + w) of h (bit i = byte i/8,
 * bit i%8, the library's word order) */
static void flip_range(uint8_t *h, int lo, int w, int k) {
  for (int i = 0; i < k; i++) {
    int b = lo + (i * 7) % w; /* 7 is odd, w a power of two: distinct */
    h[b / 8] ^= (uint8_t)(1u << (b % 8));
  }
}

/* Pigeonhole edge cases of the paired layout (8 chunks of 32 bits, each
 * with two 16-bit halves): entries exactly at distance r from the query that
 * only one chunk can find, with that chunk's errors split as evenly as
 * possible between its halves and every other chunk one error over its
 * radius. An off-by-one in a chunk or half radius loses them. */
static void test_pigeonhole_edges(void **state) {
  (void)state;
  rng = 23;
  const int rs[] = {1, 2, 15, 16, 17, 24, 31, 32, 33, 47, 63, 64};
  enum { NR = sizeof rs / sizeof *rs };
  bank b;
  size_t extra = NR * 8 * 2;
  bank_make(&b, 5000 + extra, 0);
  uint8_t q[32];
  rnd_hash(q);
  size_t e = 5000;
  for (int ri = 0; ri < NR; ri++) {
    int r = rs[ri], a = r / 8, bb = r % 8;
    for (int c = 0; c < 8; c++) {
      for (int side = 0; side < 2; side++, e++) {
        uint8_t *h = b.h + 32 * e;
        memcpy(h, q, 32);
        int dist = 0, cc = c <= bb || a > 0 ? c : 0; /* chunks with radius -1 find nothing */
        for (int j = 0; j < 8; j++) {
          int rad = j <= bb ? a : a - 1;
          int k = j == cc ? rad : rad + 1; /* chunk cc within, the others just out */
          if (k < 0) k = 0;
          int lo = side ? k / 2 : k - k / 2;
          flip_range(h, 32 * j, 16, lo);
          flip_range(h, 32 * j + 16, 16, k - lo);
          dist += k;
        }
        assert_int_equal(ref_dist(h, q), dist);
        assert_true(dist <= r);
      }
    }
  }
  vigil_hindex *ix;
  assert_int_equal(vigil_hindex_create(&ix, NULL), 0);
  assert_int_equal(vigil_hindex_add_many(ix, b.ids, b.h, b.n), 0);
  assert_indexed(ix);
  vigil_hindex_hit *scratch = malloc(b.n * sizeof *scratch);
  for (int ri = 0; ri < NR; ri++) {
    check_query(ix, &b, q, rs[ri], scratch);
    check_query(ix, &b, q, rs[ri] - 1, scratch);
  }
  free(scratch);
  vigil_hindex_free(ix);
  bank_free(&b);
}

/* flips k distinct random bits among bits [lo, lo + w), w <= 64 */
static void flip_rand(uint8_t *h, int lo, int w, int k) {
  uint8_t used[64] = {0};
  while (k > 0) {
    int b = (int)(rnd() % (unsigned)w);
    if (used[b]) continue;
    used[b] = 1;
    b += lo;
    h[b / 8] ^= (uint8_t)(1u << (b % 8));
    k--;
  }
}

/* The remainder filter at its edges, for every instruction-set variant:
 * groups of entries share one probed bucket of table 2c (keyed by the
 * query's high half of chunk c, or that half one bit off) and have their
 * low half one under, at, or one over the remainder budget, with every
 * other chunk one error over its radius, so only the filter decides whether
 * they are found at r = 31 (at exactly the budget they are at distance 31,
 * one over it at 32). Group sizes straddle the vector width (16) and the
 * filter block (256), so the tail masks and block splits run. */
static void test_filter_edges(void **state) {
  (void)state;
  static const size_t sizes[] = {1, 3, 15, 16, 17, 31, 33, 255, 256, 257, 300};
  enum { NG = sizeof sizes / sizeof *sizes };
  size_t extra = 0;
  for (int g = 0; g < NG; g++) extra += sizes[g];
  for (int lvl = 0; lvl <= 2; lvl++) {
    hx_set_isa(lvl);
    rng = 24;
    bank b;
    bank_make(&b, 3000 + extra, 0);
    uint8_t q[32];
    rnd_hash(q);
    size_t e = 3000;
    int at_budget = 0;
    for (int g = 0; g < NG; g++) {
      int c = g % 8, key_off = g % 2, bud = 3 - key_off;
      int kbit = 32 * c + 16 + (g * 5) % 16;
      for (size_t i = 0; i < sizes[g]; i++, e++) {
        uint8_t *h = b.h + 32 * e;
        memcpy(h, q, 32);
        if (key_off) h[kbit / 8] ^= (uint8_t)(1u << (kbit % 8));
        int k = bud - 1 + (int)(rnd() % 3);
        flip_rand(h, 32 * c, 16, k);
        for (int j = 0; j < 8; j++)
          if (j != c) flip_rand(h, 32 * j, 32, 4);
        assert_int_equal(ref_dist(h, q), 28 + key_off + k);
        at_budget += k == bud;
      }
    }
    assert_true(at_budget > 100);
    vigil_hindex *ix;
    assert_int_equal(vigil_hindex_create(&ix, NULL), 0);
    assert_int_equal(vigil_hindex_add_many(ix, b.ids, b.h, b.n), 0);
    assert_indexed(ix);
    vigil_hindex_hit *scratch = malloc(b.n * sizeof *scratch);
    for (int r = 30; r <= 32; r++) check_query(ix, &b, q, r, scratch);
    free(scratch);
    vigil_hindex_free(ix);
    bank_free(&b);
  }
  hx_set_isa(-1);
}

static void high_case(size_t n, int tables) {
  bank b;
  bank_make(&b, n, 1);
  vigil_hindex *ix;
  vigil_hindex_opts o = {.tables = tables};
  assert_int_equal(vigil_hindex_create(&ix, &o), 0);
  assert_int_equal(vigil_hindex_add_many(ix, b.ids, b.h, b.n), 0);
  assert_indexed(ix);
  vigil_hindex_hit *scratch = malloc(b.n * sizeof *scratch);
  uint8_t q[32];
  int thr[] = {90, 120, 128, 129, 200, 255, 256};
  for (size_t t = 0; t < sizeof thr / sizeof *thr; t++) {
    make_query(&b, q, (int)t);
    check_query(ix, &b, q, thr[t], scratch);
  }
  vigil_hindex_hits hits = VIGIL_HINDEX_HITS_INIT;
  assert_int_equal(vigil_hindex_query(ix, q, 300, 0, &hits), 0);
  assert_int_equal(hits.n, b.n); /* everything is within 256 */
  assert_int_equal(vigil_hindex_query(ix, q, -1, 0, &hits), VIGIL_EINVAL);
  vigil_hindex_hits_release(&hits);
  free(scratch);
  vigil_hindex_free(ix);
  bank_free(&b);
}

static void test_high_thresholds(void **state) {
  (void)state;
  rng = 14;
  high_case(4500, 11);
  high_case(4500, 0);
}

/* random add/remove/query sequence against a shadow model; a tiny tail
 * limit forces delta rebuilds, merges and tombstone compaction */
static void test_incremental(void **state) {
  (void)state;
  rng = 15;
  bank b;
  bank_make(&b, 6000, 1);
  for (size_t i = 0; i < b.n; i++) b.live[i] = 0;
  vigil_hindex_opts o = {.tail_max = 16};
  vigil_hindex *ix;
  assert_int_equal(vigil_hindex_create(&ix, &o), 0);
  vigil_hindex_hit *scratch = malloc(b.n * sizeof *scratch);
  size_t live = 0;
  uint8_t q[32], got[32];
  for (int step = 0; step < 12000; step++) {
    size_t i = rnd() % b.n;
    if (rnd() % 3) {
      int rc = vigil_hindex_add(ix, b.ids[i], b.h + 32 * i);
      assert_int_equal(rc, b.live[i] ? VIGIL_EEXISTS : 0);
      if (!b.live[i]) live++;
      b.live[i] = 1;
    } else {
      int rc = vigil_hindex_remove(ix, b.ids[i]);
      assert_int_equal(rc, b.live[i] ? 0 : VIGIL_ENOTFOUND);
      if (b.live[i]) live--;
      b.live[i] = 0;
    }
    assert_int_equal(vigil_hindex_count(ix), live);
    if (step % 500 == 0) {
      for (int j = 0; j < 4; j++) {
        make_query(&b, q, j);
        check_query(ix, &b, q, j < 2 ? 31 : 64, scratch);
      }
      size_t k = rnd() % b.n;
      assert_int_equal(vigil_hindex_get(ix, b.ids[k], got), b.live[k] ? 0 : VIGIL_ENOTFOUND);
      if (b.live[k]) assert_memory_equal(got, b.h + 32 * k, 32);
    }
  }
  assert_int_equal(vigil_hindex_build(ix), 0);
  for (int j = 0; j < 6; j++) {
    make_query(&b, q, j);
    check_query(ix, &b, q, 40, scratch);
  }
  /* add_many rejects a batch with an existing id and adds nothing */
  size_t dead = 0;
  while (b.live[dead]) dead++;
  size_t alive = 0;
  while (!b.live[alive]) alive++;
  uint64_t ids2[2] = {b.ids[dead], b.ids[alive]};
  uint8_t hs2[64];
  memcpy(hs2, b.h + 32 * dead, 32);
  memcpy(hs2 + 32, b.h + 32 * alive, 32);
  assert_int_equal(vigil_hindex_add_many(ix, ids2, hs2, 2), VIGIL_EEXISTS);
  assert_int_equal(vigil_hindex_count(ix), live);
  uint64_t dup[2] = {b.ids[dead], b.ids[dead]};
  assert_int_equal(vigil_hindex_add_many(ix, dup, hs2, 2), VIGIL_EEXISTS);
  assert_int_equal(vigil_hindex_add_many(ix, ids2, hs2, 1), 0);
  b.live[dead] = 1;
  make_query(&b, q, 0);
  check_query(ix, &b, q, 31, scratch);
  free(scratch);
  vigil_hindex_free(ix);
  bank_free(&b);
}

/* A main segment plus single adds/removes with a tiny tail limit: the delta
 * grows past HX_PAIR_MIN_SEG, so delta segments with their own paired
 * tables are built, queried and merged. */
static void test_incremental_big_delta(void **state) {
  (void)state;
  rng = 22;
  bank b;
  size_t n0 = 8 * (HX_PAIR_MIN_SEG + 512), n = n0 + n0 / 6;
  bank_make(&b, n, 1);
  vigil_hindex_opts o = {.tail_max = 16};
  vigil_hindex *ix;
  assert_int_equal(vigil_hindex_create(&ix, &o), 0);
  assert_int_equal(vigil_hindex_add_many(ix, b.ids, b.h, n0), 0);
  assert_indexed(ix);
  int saw_delta = 0;
  for (size_t i = n0; i < n; i++) b.live[i] = 0;
  vigil_hindex_hit *scratch = malloc(n * sizeof *scratch);
  uint8_t q[32];
  for (size_t i = n0; i < n; i++) {
    assert_int_equal(vigil_hindex_add(ix, b.ids[i], b.h + 32 * i), 0);
    b.live[i] = 1;
    if (i % 7 == 0) { /* remove an older entry now and then */
      size_t k = rnd() % i;
      if (b.live[k]) {
        assert_int_equal(vigil_hindex_remove(ix, b.ids[k]), 0);
        b.live[k] = 0;
      }
    }
    saw_delta |= ix->delta.built && !ix->delta.scan;
    if (i % 97 == 0) {
      memcpy(q, b.h + 32 * (n0 + rnd() % (i + 1 - n0)), 32); /* a recent add */
      flip(q, (int)(rnd() % 20));
      check_query(ix, &b, q, 31, scratch);
      make_query(&b, q, (int)i);
      check_query(ix, &b, q, 24, scratch);
    }
  }
  assert_true(saw_delta);
  free(scratch);
  vigil_hindex_free(ix);
  bank_free(&b);
}

static void test_batch_and_cb(void **state) {
  (void)state;
  rng = 16;
  bank b;
  bank_make(&b, 8000, 1);
  vigil_hindex *ix;
  assert_int_equal(vigil_hindex_create(&ix, NULL), 0);
  assert_int_equal(vigil_hindex_add_many(ix, b.ids, b.h, b.n), 0);
  enum { NQ = 100 };
  uint8_t *qs = malloc(NQ * 32);
  for (int j = 0; j < NQ; j++) make_query(&b, qs + 32 * j, j);
  vigil_hindex_hits res[NQ], lin[NQ];
  memset(res, 0, sizeof res);
  memset(lin, 0, sizeof lin);
  assert_int_equal(vigil_hindex_query_batch(ix, qs, NQ, 31, 0, 2, res), 0);
  assert_int_equal(vigil_hindex_query_batch(ix, qs, NQ, 31, VIGIL_HINDEX_LINEAR, 2, lin), 0);
  vigil_hindex_hit *scratch = malloc(b.n * sizeof *scratch);
  size_t total = 0;
  for (int j = 0; j < NQ; j++) {
    size_t n = brute(&b, qs + 32 * j, 31, scratch);
    total += n;
    assert_int_equal(res[j].n, n);
    assert_int_equal(lin[j].n, n);
    for (size_t k = 0; k < n; k++) {
      assert_int_equal(res[j].v[k].id, scratch[k].id);
      assert_int_equal(lin[j].v[k].id, scratch[k].id);
      assert_int_equal(lin[j].v[k].distance, scratch[k].distance);
    }
    vigil_hindex_hits_release(&res[j]);
    vigil_hindex_hits_release(&lin[j]);
  }
  assert_true(total >= NQ / 2); /* the near-duplicate half must hit */
  free(scratch);
  free(qs);
  vigil_hindex_free(ix);
  bank_free(&b);
}

static int count_cb(void *arg, uint64_t id, int d) {
  (void)id;
  (void)d;
  int *n = arg;
  return ++*n == 3 ? 42 : 0;
}

static void test_callback_stop(void **state) {
  (void)state;
  vigil_hindex *ix;
  assert_int_equal(vigil_hindex_create(&ix, NULL), 0);
  uint8_t h[32] = {0};
  for (uint64_t id = 0; id < 10; id++) {
    h[0] = (uint8_t)id;
    assert_int_equal(vigil_hindex_add(ix, id, h), 0);
  }
  int n = 0;
  assert_int_equal(vigil_hindex_query_cb(ix, h, 256, 0, count_cb, &n), 42);
  assert_int_equal(n, 3);
  vigil_hindex_free(ix);
}

static char *tmp_path(const char *name) {
  char *d = vt_tmpdir("hindex");
  assert_non_null(d);
  char *p = malloc(strlen(d) + strlen(name) + 2);
  sprintf(p, "%s/%s", d, name);
  free(d);
  return p;
}

static void test_save_load(void **state) {
  (void)state;
  rng = 17;
  bank b;
  bank_make(&b, 5000, 1);
  vigil_hindex *ix, *ix2;
  assert_int_equal(vigil_hindex_create(&ix, NULL), 0);
  assert_int_equal(vigil_hindex_add_many(ix, b.ids, b.h, b.n), 0);
  for (size_t i = 0; i < b.n; i += 7) {
    assert_int_equal(vigil_hindex_remove(ix, b.ids[i]), 0);
    b.live[i] = 0;
  }
  char *path = tmp_path("bank.hix");
  assert_int_equal(vigil_hindex_save(ix, path), 0);
  assert_int_equal(vigil_hindex_load(&ix2, path, NULL), 0);
  assert_int_equal(vigil_hindex_count(ix2), vigil_hindex_count(ix));
  vigil_hindex_hit *scratch = malloc(b.n * sizeof *scratch);
  uint8_t q[32];
  for (int j = 0; j < 20; j++) {
    make_query(&b, q, j);
    check_query(ix2, &b, q, 31, scratch);
  }
  /* incremental updates after load */
  assert_int_equal(vigil_hindex_remove(ix2, b.ids[1]), 0);
  b.live[1] = 0;
  assert_int_equal(vigil_hindex_add(ix2, b.ids[0], b.h), 0);
  b.live[0] = 1;
  assert_int_equal(vigil_hindex_remove(ix2, b.ids[0] + 1000000), VIGIL_ENOTFOUND);
  check_query(ix2, &b, b.h, 31, scratch);
  check_query(ix2, &b, b.h + 32, 31, scratch);
  /* and a second round trip of the changed index */
  assert_int_equal(vigil_hindex_save(ix2, path), 0);
  vigil_hindex_free(ix2);
  assert_int_equal(vigil_hindex_load(&ix2, path, NULL), 0);
  check_query(ix2, &b, b.h, 31, scratch);
  check_query(ix2, &b, b.h + 32, 64, scratch);
  vigil_hindex_free(ix2);
  /* empty index */
  vigil_hindex *e;
  assert_int_equal(vigil_hindex_create(&e, NULL), 0);
  assert_int_equal(vigil_hindex_save(e, path), 0);
  vigil_hindex_free(e);
  assert_int_equal(vigil_hindex_load(&e, path, NULL), 0);
  assert_int_equal(vigil_hindex_count(e), 0);
  vigil_hindex_free(e);
  assert_int_equal(vigil_hindex_load(&e, "/nonexistent/x.hix", NULL), VIGIL_ENOTFOUND);
  free(scratch);
  free(path);
  vigil_hindex_free(ix);
  bank_free(&b);
}

static void put64(uint8_t *p, uint64_t v) {
  for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static void reseal_header(uint8_t *f) { put64(f + 56, XXH3_64bits(f, 56)); }

static void expect_corrupt(const uint8_t *data, size_t len) {
  vigil_hindex *ix = (vigil_hindex *)1;
  assert_int_equal(vigil_hindex_load_mem(&ix, data, len, NULL), VIGIL_ECORRUPT);
  assert_null(ix);
}

static void test_corrupt(void **state) {
  (void)state;
  rng = 18;
  vigil_hindex *ix;
  assert_int_equal(vigil_hindex_create(&ix, NULL), 0);
  uint8_t h[32];
  for (uint64_t id = 0; id < 4; id++) {
    rnd_hash(h);
    assert_int_equal(vigil_hindex_add(ix, id * 3, h), 0);
  }
  char *path = tmp_path("c.hix");
  assert_int_equal(vigil_hindex_save(ix, path), 0);
  vigil_hindex_free(ix);
  size_t len;
  uint8_t *good = (uint8_t *)vt_read_file(path, &len);
  assert_non_null(good);
  assert_int_equal(len, 64 + 4 * 40);
  assert_int_equal(vigil_hindex_load_mem(&ix, good, len, NULL), 0);
  assert_int_equal(vigil_hindex_count(ix), 4);
  vigil_hindex_free(ix);

  uint8_t *f = malloc(len + 8);
  for (size_t cut = 0; cut < len; cut++) expect_corrupt(good, cut); /* truncated */
  for (size_t i = 0; i < len; i++) {                                 /* every byte flipped */
    memcpy(f, good, len);
    f[i] ^= 0x20;
    expect_corrupt(f, len);
  }
  memcpy(f, good, len); /* trailing garbage */
  memset(f + len, 0, 8);
  expect_corrupt(f, len + 8);
  memcpy(f, good, len); /* wrong magic, header checksum made consistent */
  memcpy(f, "NOTAHIX!", 8);
  reseal_header(f);
  expect_corrupt(f, len);
  memcpy(f, good, len); /* future version */
  f[8] = 2;
  reseal_header(f);
  expect_corrupt(f, len);
  memcpy(f, good, len); /* count that does not match the size */
  put64(f + 24, 5);
  reseal_header(f);
  expect_corrupt(f, len);
  memcpy(f, good, len); /* huge count (must not allocate from it) */
  put64(f + 24, UINT64_C(1) << 60);
  reseal_header(f);
  expect_corrupt(f, len);
  memcpy(f, good, len); /* duplicate id with valid checksums */
  memcpy(f + 64 + 40, f + 64, 8);
  put64(f + 32, XXH3_64bits(f + 64, len - 64));
  reseal_header(f);
  expect_corrupt(f, len);
  /* on disk as well */
  assert_int_equal(vt_write_file(path, good, len - 1), 0);
  assert_int_equal(vigil_hindex_load(&ix, path, NULL), VIGIL_ECORRUPT);
  free(f);
  free(good);
  free(path);
}

static void test_hex(void **state) {
  (void)state;
  const char *s = "f162eb9daab170c0567fe3632d9a5548c5612982dd5e374a7424ebbc8a835c95";
  uint8_t h[32], h2[32];
  char out[65];
  assert_int_equal(vigil_pdq_parse_hex(s, 64, h), 0);
  assert_int_equal(h[0], 0xf1);
  assert_int_equal(h[31], 0x95);
  vigil_pdq_format_hex(h, out);
  assert_string_equal(out, s);
  char up[65];
  for (int i = 0; i < 65; i++) up[i] = (char)(s[i] >= 'a' && s[i] <= 'f' ? s[i] - 32 : s[i]);
  assert_int_equal(vigil_pdq_parse_hex(up, 64, h2), 0);
  assert_memory_equal(h, h2, 32);
  assert_int_equal(vigil_pdq_parse_hex(s, 63, h2), VIGIL_EPARSE);
  assert_int_equal(vigil_pdq_parse_hex(s, 0, h2), VIGIL_EPARSE);
  char bad[66];
  memcpy(bad, s, 65);
  bad[64] = '0';
  bad[65] = 0;
  assert_int_equal(vigil_pdq_parse_hex(bad, 65, h2), VIGIL_EPARSE);
  const char *badc[] = {"g", " ", "x", "-", "\0"};
  for (size_t k = 0; k < sizeof badc / sizeof *badc; k++) {
    memcpy(bad, s, 65);
    bad[17] = badc[k][0];
    memset(h2, 0xAA, 32);
    assert_int_equal(vigil_pdq_parse_hex(bad, 64, h2), VIGIL_EPARSE);
    assert_int_equal(h2[0], 0xAA); /* untouched on error */
  }
  assert_int_equal(vigil_pdq_distance(h, h), 0);
  memcpy(h2, h, 32);
  h2[3] ^= 0x81;
  assert_int_equal(vigil_pdq_distance(h, h2), 2);
}

/* Real PDQ hashes (ThreatExchange reg-test data): needles against the
 * haystack must equal a brute force at thresholds 0, 31, 63. */
static int read_hashes(const char *path, bank *b) {
  size_t len;
  char *txt = vt_read_file(path, &len);
  if (!txt) return -1;
  size_t lines = 1;
  for (size_t i = 0; i < len; i++) lines += txt[i] == '\n';
  b->ids = malloc(lines * sizeof *b->ids);
  b->h = malloc(lines * 32);
  b->live = malloc(lines);
  b->n = 0;
  char *save = NULL;
  for (char *line = strtok_r(txt, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    /* a line is the hash, optionally followed by other fields */
    size_t l = strcspn(line, " \t,\r");
    if (l == 0) continue;
    assert_int_equal(vigil_pdq_parse_hex(line, l, b->h + 32 * b->n), 0);
    b->ids[b->n] = b->n;
    b->live[b->n] = 1;
    b->n++;
  }
  free(txt);
  return 0;
}

static void test_real_pdq(void **state) {
  (void)state;
  const char *p = vt_shared("pdq/reg-test-input/haystack.txt");
  if (!p) skip();
  bank hay, needles;
  assert_int_equal(read_hashes(p, &hay), 0);
  p = vt_shared("pdq/reg-test-input/needles.txt");
  if (!p) skip();
  assert_int_equal(read_hashes(p, &needles), 0);
  assert_true(hay.n > 1000);
  assert_true(needles.n >= 100);
  vigil_hindex *ix;
  assert_int_equal(vigil_hindex_create(&ix, NULL), 0);
  assert_int_equal(vigil_hindex_add_many(ix, hay.ids, hay.h, hay.n), 0);
  vigil_hindex_hit *scratch = malloc(hay.n * sizeof *scratch);
  size_t found[3] = {0};
  int thr[3] = {0, 31, 63};
  for (int t = 0; t < 3; t++) {
    for (size_t i = 0; i < needles.n; i++) {
      check_query(ix, &hay, needles.h + 32 * i, thr[t], scratch);
      found[t] += brute(&hay, needles.h + 32 * i, thr[t], scratch);
    }
  }
  fprintf(stderr, "real PDQ: %zu needles x %zu haystack: %zu/%zu/%zu hits at 0/31/63\n",
          needles.n, hay.n, found[0], found[1], found[2]);
  assert_true(found[1] > 0); /* the needles are near-duplicates of haystack entries */
  free(scratch);
  vigil_hindex_free(ix);
  bank_free(&hay);
  bank_free(&needles);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_hex),
      cmocka_unit_test(test_equal_random),
      cmocka_unit_test(test_equal_clustered),
      cmocka_unit_test(test_equal_other_params),
      cmocka_unit_test(test_equal_classic),
      cmocka_unit_test(test_equal_isa_variants),
      cmocka_unit_test(test_big_buckets),
      cmocka_unit_test(test_pigeonhole_edges),
      cmocka_unit_test(test_filter_edges),
      cmocka_unit_test(test_high_thresholds),
      cmocka_unit_test(test_incremental),
      cmocka_unit_test(test_incremental_big_delta),
      cmocka_unit_test(test_batch_and_cb),
      cmocka_unit_test(test_callback_stop),
      cmocka_unit_test(test_save_load),
      cmocka_unit_test(test_corrupt),
      cmocka_unit_test(test_real_pdq),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
