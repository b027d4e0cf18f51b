/* Graph kernels against independent references computed here: dense or
 * edge-list power iteration in double for PPR, naive peeling for k-core,
 * quadratic scans for reciprocity and in-group counts. */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vigil/error.h"
#include "vigil/graph.h"
#include "vigil/store.h"

static uint64_t rng_state = 88172645463325252ULL;
static uint32_t rnd(uint32_t n) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return (uint32_t)(rng_state % n);
}

typedef struct edges {
  size_t m;
  uint32_t *src, *dst;
  float *w;
} edges;

static edges random_edges(uint32_t n, size_t m, int weighted) {
  edges e = {m, malloc(m * sizeof(uint32_t)), malloc(m * sizeof(uint32_t)),
             weighted ? malloc(m * sizeof(float)) : NULL};
  for (size_t i = 0; i < m; i++) {
    /* skewed targets so some nodes are hubs and some dangling */
    e.src[i] = rnd(n - n / 10); /* the last tenth has no out-edges */
    e.dst[i] = rnd(2) ? rnd(n) : rnd(n / 20 + 1);
    if (weighted) e.w[i] = 0.5f + (float)rnd(8);
  }
  return e;
}
static void edges_free(edges *e) { free(e->src), free(e->dst), free(e->w); }

/* ---- builder ------------------------------------------------------------------ */
static void test_build_small(void **st) {
  (void)st;
  uint32_t src[] = {0, 0, 1, 2, 0, 3, 2, 1};
  uint32_t dst[] = {2, 1, 2, 0, 1, 3, 1, 0};
  float w[] = {1, 2, 3, 4, 5, 6, 7, 8};
  vigil_graph *g;
  assert_int_equal(vigil_graph_build(4, 8, src, dst, w, &g), 0);
  assert_int_equal(g->n, 4);
  /* (0,1) twice merged, (3,3) self-loop dropped */
  assert_int_equal(g->m, 6);
  assert_int_equal(g->out_off[1] - g->out_off[0], 2);
  assert_int_equal(g->out_idx[g->out_off[0]], 1);
  assert_true(fabsf(g->out_w[g->out_off[0]] - 7.0f) < 1e-6f);
  assert_int_equal(g->out_idx[g->out_off[0] + 1], 2);
  assert_int_equal(g->out_off[4] - g->out_off[3], 0);
  assert_false(g->unit_weights);
  /* in-CSR mirrors out-CSR, rows ascending */
  uint64_t cnt = 0;
  for (uint32_t v = 0; v < g->n; v++) {
    for (uint64_t e = g->in_off[v]; e < g->in_off[v + 1]; e++) {
      if (e > g->in_off[v]) assert_true(g->in_idx[e - 1] < g->in_idx[e]);
      uint32_t u = g->in_idx[e];
      int found = 0;
      for (uint64_t f = g->out_off[u]; f < g->out_off[u + 1]; f++)
        if (g->out_idx[f] == v) {
          found = 1;
          assert_true(g->out_w[f] == g->in_w[e]);
        }
      assert_true(found);
      cnt++;
    }
  }
  assert_int_equal(cnt, g->m);
  assert_true(fabsf(g->out_wsum[0] - 8.0f) < 1e-6f);
  assert_true(fabsf(g->in_wsum[1] - 14.0f) < 1e-6f);
  vigil_graph_free(g);

  uint32_t bad[] = {4};
  assert_int_equal(vigil_graph_build(4, 1, src, bad, NULL, &g), VIGIL_ERANGE);
  float nanw[] = {NAN};
  assert_int_equal(vigil_graph_build(4, 1, src, dst, nanw, &g), VIGIL_EINVAL);
  float zw[] = {0};
  assert_int_equal(vigil_graph_build(4, 1, src, dst, zw, &g), VIGIL_EINVAL);
  assert_int_equal(vigil_graph_build(0, 0, NULL, NULL, NULL, &g), 0);
  assert_int_equal(g->m, 0);
  vigil_graph_free(g);
  assert_int_equal(vigil_graph_build(3, 2, src, dst, NULL, &g), 0);
  assert_true(g->unit_weights);
  vigil_graph_free(g);
}

static void test_build_random_rows_sorted(void **st) {
  (void)st;
  edges e = random_edges(3000, 40000, 1);
  vigil_graph *g;
  assert_int_equal(vigil_graph_build(3000, e.m, e.src, e.dst, e.w, &g), 0);
  /* distinct non-loop pairs, counted naively via a bitmap */
  uint8_t *seen = calloc((size_t)3000 * 3000, 1);
  size_t distinct = 0;
  double wsum_in = 0, wsum_g = 0;
  for (size_t i = 0; i < e.m; i++) {
    if (e.src[i] == e.dst[i]) continue;
    size_t k = (size_t)e.src[i] * 3000 + e.dst[i];
    if (!seen[k]) distinct++;
    seen[k] = 1;
    wsum_in += e.w[i];
  }
  assert_int_equal(g->m, distinct);
  for (uint32_t u = 0; u < g->n; u++)
    for (uint64_t f = g->out_off[u]; f < g->out_off[u + 1]; f++) {
      if (f > g->out_off[u]) assert_true(g->out_idx[f - 1] < g->out_idx[f]);
      assert_true(seen[(size_t)u * 3000 + g->out_idx[f]]);
      wsum_g += g->out_w[f];
    }
  assert_true(fabs(wsum_in - wsum_g) < 1e-3 * wsum_in);
  free(seen);
  vigil_graph_free(g);
  edges_free(&e);
}

/* input grouped by source (the store's order) takes the copy-and-sort-rows
 * path; it must give the same graph as the general scatter path */
static int cmp_src(const void *a, const void *b) {
  const uint32_t *x = a, *y = b;
  return (x[0] > y[0]) - (x[0] < y[0]);
}

static void test_build_grouped_input(void **st) {
  (void)st;
  const uint32_t n = 2000;
  edges e = random_edges(n, 30000, 1);
  /* rows grouped by source but unsorted inside, duplicates included */
  uint32_t (*tri)[3] = malloc(e.m * sizeof *tri);
  for (size_t i = 0; i < e.m; i++) {
    tri[i][0] = e.src[i], tri[i][1] = e.dst[i];
    memcpy(&tri[i][2], &e.w[i], sizeof(float));
  }
  qsort(tri, e.m, sizeof *tri, cmp_src);
  edges s2 = {e.m, malloc(e.m * sizeof(uint32_t)), malloc(e.m * sizeof(uint32_t)),
              malloc(e.m * sizeof(float))};
  for (size_t i = 0; i < e.m; i++) {
    s2.src[i] = tri[i][0], s2.dst[i] = tri[i][1];
    memcpy(&s2.w[i], &tri[i][2], sizeof(float));
  }
  vigil_graph *a, *b;
  assert_int_equal(vigil_graph_build(n, e.m, e.src, e.dst, e.w, &a), 0);
  assert_int_equal(vigil_graph_build(n, s2.m, s2.src, s2.dst, s2.w, &b), 0);
  assert_int_equal(a->m, b->m);
  assert_memory_equal(a->out_off, b->out_off, (n + 1) * sizeof *a->out_off);
  assert_memory_equal(a->in_off, b->in_off, (n + 1) * sizeof *a->in_off);
  assert_memory_equal(a->out_idx, b->out_idx, a->m * sizeof *a->out_idx);
  assert_memory_equal(a->in_idx, b->in_idx, a->m * sizeof *a->in_idx);
  for (uint64_t k = 0; k < a->m; k++) {
    assert_true(fabsf(a->out_w[k] - b->out_w[k]) < 1e-4f * a->out_w[k]);
    assert_true(fabsf(a->in_w[k] - b->in_w[k]) < 1e-4f * a->in_w[k]);
  }
  vigil_graph_free(a), vigil_graph_free(b);
  free(tri);
  edges_free(&e), edges_free(&s2);
}

/* ---- PPR ------------------------------------------------------------------------- */
/* Reference PPR in double straight from the edge list (duplicates add,
 * self-loops ignored, like the builder documents). */
static void ref_ppr(uint32_t n, const edges *e, const uint32_t *seeds, const float *sw,
                    size_t ns, double alpha, int dir, double *x) {
  double *s = calloc(n, sizeof *s), *deg = calloc(n, sizeof *deg), *nx = calloc(n, sizeof *nx);
  double tot = 0;
  for (size_t i = 0; i < ns; i++) tot += sw ? sw[i] : 1;
  for (size_t i = 0; i < ns; i++) s[seeds[i]] += (sw ? sw[i] : 1) / tot;
  for (size_t i = 0; i < e->m; i++) {
    if (e->src[i] == e->dst[i]) continue;
    double w = e->w ? e->w[i] : 1;
    if (dir != VIGIL_PPR_IN) deg[e->src[i]] += w;
    if (dir != VIGIL_PPR_OUT) deg[e->dst[i]] += w;
  }
  memcpy(x, s, n * sizeof *x);
  for (int it = 0; it < 1000; it++) {
    double dang = 0;
    for (uint32_t v = 0; v < n; v++)
      if (deg[v] == 0) dang += x[v];
    for (uint32_t v = 0; v < n; v++) nx[v] = (alpha + (1 - alpha) * dang) * s[v];
    for (size_t i = 0; i < e->m; i++) {
      uint32_t u = e->src[i], v = e->dst[i];
      if (u == v) continue;
      double w = e->w ? e->w[i] : 1;
      if (dir != VIGIL_PPR_IN) nx[v] += (1 - alpha) * x[u] * w / deg[u];
      if (dir != VIGIL_PPR_OUT) nx[u] += (1 - alpha) * x[v] * w / deg[v];
    }
    double diff = 0;
    for (uint32_t v = 0; v < n; v++) diff += fabs(nx[v] - x[v]), x[v] = nx[v];
    if (diff < 1e-13) break;
  }
  free(s), free(deg), free(nx);
}

static void check_ppr(uint32_t n, size_t m, int weighted, int threads, int block_bits) {
  edges e = random_edges(n, m, weighted);
  vigil_graph *g;
  assert_int_equal(vigil_graph_build(n, e.m, e.src, e.dst, e.w, &g), 0);
  uint32_t seeds[] = {1, 7, n - 1, 7}; /* n-1 is dangling; 7 repeats */
  float sw[] = {1, 2, 0.5f, 1};
  float *x = malloc(n * sizeof *x);
  double *r = malloc(n * sizeof *r);
  for (int dir = 0; dir < 3; dir++) {
    vigil_ppr_opts o;
    vigil_ppr_opts_init(&o);
    o.dir = dir, o.tol = 1e-9, o.threads = threads, o.max_iter = 1000;
    o.block_bits = block_bits;
    o.alpha = dir == 1 ? 0.3 : 0.15;
    int iters = 0;
    assert_int_equal(vigil_graph_ppr(g, seeds, sw, 4, &o, x, &iters), 0);
    assert_true(iters > 1);
    ref_ppr(n, &e, seeds, sw, 4, o.alpha, dir, r);
    double l1 = 0, sum = 0;
    for (uint32_t v = 0; v < n; v++) l1 += fabs(x[v] - r[v]), sum += x[v];
    if (l1 > 2e-4) fprintf(stderr, "dir %d n %u bits %d: L1 %g\n", dir, n, block_bits, l1);
    assert_true(l1 < 2e-4);
    assert_true(fabs(sum - 1) < 1e-5);
  }
  free(x), free(r);
  vigil_graph_free(g);
  edges_free(&e);
}

static void test_ppr_small(void **st) {
  (void)st;
  check_ppr(60, 300, 0, 1, -1);
  check_ppr(300, 3000, 1, 2, -1);
}

/* big enough to run on several threads */
static void test_ppr_threads(void **st) {
  (void)st;
  check_ppr(30000, 150000, 1, 3, -1);
}

/* cache-blocked kernel: several blocks, n not a multiple of the block,
 * unit and real weights, one block bigger than the graph, threads owning
 * whole blocks; same double-precision reference */
static void test_ppr_blocked(void **st) {
  (void)st;
  check_ppr(60, 300, 0, 1, 4);
  check_ppr(300, 3000, 1, 1, 4);
  check_ppr(300, 3000, 0, 2, 16);
  check_ppr(30000, 150000, 0, 3, 10);
  check_ppr(30001, 150000, 1, 2, 12);
}

/* blocked and plain kernels follow the same Gauss-Seidel order on one
 * thread: same sweep count, vectors equal up to float rounding */
static void test_ppr_blocked_same_order(void **st) {
  (void)st;
  uint32_t n = 20000;
  edges e = random_edges(n, 120000, 1);
  vigil_graph *g;
  assert_int_equal(vigil_graph_build(n, e.m, e.src, e.dst, e.w, &g), 0);
  uint32_t seeds[] = {3, 4000, 19999};
  float *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
  for (int dir = 0; dir < 3; dir++) {
    vigil_ppr_opts o;
    vigil_ppr_opts_init(&o);
    o.threads = 1, o.dir = dir, o.block_bits = -1;
    int ia, ib;
    assert_int_equal(vigil_graph_ppr(g, seeds, NULL, 3, &o, a, &ia), 0);
    o.block_bits = 9;
    assert_int_equal(vigil_graph_ppr(g, seeds, NULL, 3, &o, b, &ib), 0);
    double l1 = 0;
    for (uint32_t v = 0; v < n; v++) l1 += fabs((double)a[v] - b[v]);
    assert_true(abs(ia - ib) <= 1);
    assert_true(l1 < 1e-6);
  }
  vigil_ppr_opts o;
  vigil_ppr_opts_init(&o);
  o.block_bits = 3;
  assert_int_equal(vigil_graph_ppr(g, seeds, NULL, 3, &o, a, NULL), VIGIL_EINVAL);
  o.block_bits = 17;
  assert_int_equal(vigil_graph_ppr(g, seeds, NULL, 3, &o, a, NULL), VIGIL_EINVAL);
  o.block_bits = -2;
  assert_int_equal(vigil_graph_ppr(g, seeds, NULL, 3, &o, a, NULL), VIGIL_EINVAL);
  free(a), free(b);
  vigil_graph_free(g);
  edges_free(&e);
}

static void test_ppr_args(void **st) {
  (void)st;
  uint32_t src[] = {0, 1}, dst[] = {1, 2};
  vigil_graph *g;
  assert_int_equal(vigil_graph_build(3, 2, src, dst, NULL, &g), 0);
  float x[3];
  uint32_t seed = 3;
  assert_int_equal(vigil_graph_ppr(g, &seed, NULL, 1, NULL, x, NULL), VIGIL_ERANGE);
  seed = 0;
  float zero = 0;
  assert_int_equal(vigil_graph_ppr(g, &seed, &zero, 1, NULL, x, NULL), VIGIL_EINVAL);
  assert_int_equal(vigil_graph_ppr(g, &seed, NULL, 0, NULL, x, NULL), VIGIL_EINVAL);
  /* path 0->1->2 with 2 dangling: exact solution by hand, a = 0.15:
   * x0 = a + (1-a) x2, x1 = (1-a) x0, x2 = (1-a) x1 */
  assert_int_equal(vigil_graph_ppr(g, &seed, NULL, 1, NULL, x, NULL), 0);
  double c = 0.85, x0 = 0.15 / (1 - c * c * c);
  assert_true(fabs(x[0] - x0) < 1e-5);
  assert_true(fabs(x[1] - c * x0) < 1e-5);
  assert_true(fabs(x[2] - c * c * x0) < 1e-5);
  vigil_graph_free(g);
}

/* ---- k-core ---------------------------------------------------------------------------- */
static void naive_core(uint32_t n, const vigil_graph *g, uint32_t *core) {
  uint8_t *adj = calloc((size_t)n * n, 1), *gone = calloc(n, 1);
  uint32_t *deg = calloc(n, sizeof *deg);
  for (uint32_t u = 0; u < n; u++)
    for (uint64_t e = g->out_off[u]; e < g->out_off[u + 1]; e++) {
      uint32_t v = g->out_idx[e];
      adj[(size_t)u * n + v] = adj[(size_t)v * n + u] = 1;
    }
  for (uint32_t u = 0; u < n; u++)
    for (uint32_t v = 0; v < n; v++) deg[u] += adj[(size_t)u * n + v];
  uint32_t k = 0;
  for (uint32_t left = n; left > 0; left--) {
    uint32_t best = UINT32_MAX, bv = 0;
    for (uint32_t v = 0; v < n; v++)
      if (!gone[v] && deg[v] < best) best = deg[v], bv = v;
    if (best > k) k = best;
    core[bv] = k;
    gone[bv] = 1;
    for (uint32_t v = 0; v < n; v++)
      if (adj[(size_t)bv * n + v] && !gone[v]) deg[v]--;
  }
  free(adj), free(gone), free(deg);
}

static void test_kcore(void **st) {
  (void)st;
  /* K5 on 0..4 (edges both ways for some), tail 4-5-6, triangle 7-8-9, 10 isolated */
  uint32_t src[64], dst[64];
  size_t m = 0;
  for (uint32_t a = 0; a < 5; a++)
    for (uint32_t b = a + 1; b < 5; b++) {
      src[m] = a, dst[m++] = b;
      if ((a + b) % 2) src[m] = b, dst[m++] = a;
    }
  src[m] = 4, dst[m++] = 5;
  src[m] = 6, dst[m++] = 5;
  src[m] = 7, dst[m++] = 8;
  src[m] = 8, dst[m++] = 9;
  src[m] = 9, dst[m++] = 7;
  vigil_graph *g;
  assert_int_equal(vigil_graph_build(11, m, src, dst, NULL, &g), 0);
  uint32_t core[11];
  assert_int_equal(vigil_graph_kcore(g, core), 0);
  uint32_t want[11] = {4, 4, 4, 4, 4, 1, 1, 2, 2, 2, 0};
  assert_memory_equal(core, want, sizeof want);
  vigil_graph_free(g);

  edges e = random_edges(400, 2500, 0);
  assert_int_equal(vigil_graph_build(400, e.m, e.src, e.dst, NULL, &g), 0);
  uint32_t *c1 = malloc(400 * sizeof *c1), *c2 = malloc(400 * sizeof *c2);
  assert_int_equal(vigil_graph_kcore(g, c1), 0);
  naive_core(400, g, c2);
  assert_memory_equal(c1, c2, 400 * sizeof *c1);
  uint32_t maxc = 0;
  for (int i = 0; i < 400; i++) maxc = c1[i] > maxc ? c1[i] : maxc;
  assert_true(maxc >= 3); /* a non-trivial case */
  free(c1), free(c2);
  vigil_graph_free(g);
  edges_free(&e);
}

/* ---- reciprocity and in-group ----------------------------------------------------------- */
static int has_edge(const vigil_graph *g, uint32_t u, uint32_t v) {
  for (uint64_t e = g->out_off[u]; e < g->out_off[u + 1]; e++)
    if (g->out_idx[e] == v) return 1;
  return 0;
}

static void check_groups(uint32_t n, size_t m, int threads) {
  edges e = random_edges(n, m, 0);
  /* add some reciprocal edges on purpose */
  for (size_t i = 0; i < m / 4; i++) e.src[m - 1 - i] = e.dst[i], e.dst[m - 1 - i] = e.src[i];
  vigil_graph *g;
  assert_int_equal(vigil_graph_build(n, e.m, e.src, e.dst, NULL, &g), 0);
  uint32_t *rd = malloc(n * sizeof *rd);
  uint8_t *flag = malloc(g->m ? g->m : 1);
  uint64_t pairs = 0, naive_pairs = 0;
  assert_int_equal(vigil_graph_reciprocal(g, rd, flag, &pairs, threads), 0);
  uint8_t *S = calloc(n, 1);
  for (uint32_t v = 0; v < n; v += 3) S[v] = 1;
  uint32_t *os = malloc(n * sizeof *os), *is = malloc(n * sizeof *is), *rs = malloc(n * sizeof *rs);
  vigil_ingroup_totals tot;
  assert_int_equal(vigil_graph_ingroup(g, S, os, is, rs, &tot, threads), 0);
  vigil_ingroup_totals want = {0};
  for (uint32_t u = 0; u < n; u++) {
    uint32_t r = 0, o = 0, in = 0, rsv = 0;
    for (uint64_t f = g->out_off[u]; f < g->out_off[u + 1]; f++) {
      uint32_t v = g->out_idx[f];
      int rec = has_edge(g, v, u);
      assert_int_equal(flag[f], rec);
      r += rec;
      if (rec && u < v) naive_pairs++;
      if (S[v]) o++, rsv += rec;
      if (S[u] && S[v]) want.edges_within++, want.recip_within += rec && u < v;
      if (S[u] && !S[v]) want.edges_out++;
      if (!S[u] && S[v]) want.edges_in++;
    }
    for (uint64_t f = g->in_off[u]; f < g->in_off[u + 1]; f++) in += S[g->in_idx[f]];
    want.members += S[u];
    assert_int_equal(rd[u], r);
    assert_int_equal(os[u], o);
    assert_int_equal(is[u], in);
    assert_int_equal(rs[u], rsv);
  }
  assert_true(naive_pairs > 0);
  assert_int_equal(pairs, naive_pairs);
  assert_memory_equal(&tot, &want, sizeof tot);
  free(rd), free(flag), free(S), free(os), free(is), free(rs);
  vigil_graph_free(g);
  edges_free(&e);
}

static void test_reciprocal_ingroup(void **st) {
  (void)st;
  check_groups(500, 4000, 1);
  check_groups(20000, 120000, 2);
}

/* ---- seeded ranking on a planted partition ---------------------------------------------------- */
static double auc(const float *score, const uint8_t *label, const uint8_t *skip, uint32_t n) {
  /* O(P*N) is fine at this size and obviously right */
  double wins = 0, pairs = 0;
  for (uint32_t a = 0; a < n; a++) {
    if (skip[a] || !label[a]) continue;
    for (uint32_t b = 0; b < n; b++) {
      if (skip[b] || label[b]) continue;
      pairs++;
      wins += score[a] > score[b] ? 1 : score[a] == score[b] ? 0.5 : 0;
    }
  }
  return wins / pairs;
}

static void test_rank_seeded(void **st) {
  (void)st;
  const uint32_t n = 1000;
  size_t m = 12000;
  uint32_t *src = malloc(m * sizeof *src), *dst = malloc(m * sizeof *dst);
  uint8_t *label = calloc(n, 1), *skip = calloc(n, 1);
  for (uint32_t v = 0; v < 150; v++) label[v] = 1;
  for (size_t i = 0; i < m; i++) {
    uint32_t u = rnd(n), v;
    /* members link mostly among themselves; hubs 900..919 attract everyone */
    if (label[u] && rnd(10) < 7) v = rnd(150);
    else if (rnd(3) == 0) v = 900 + rnd(20);
    else v = rnd(n);
    src[i] = u, dst[i] = v;
  }
  vigil_graph *g;
  assert_int_equal(vigil_graph_build(n, m, src, dst, NULL, &g), 0);
  uint32_t pos[30], neg[30];
  for (int i = 0; i < 30; i++) pos[i] = (uint32_t)i * 5, neg[i] = 300 + (uint32_t)i * 20;
  for (int i = 0; i < 30; i++) skip[pos[i]] = skip[neg[i]] = 1;
  float *sc = malloc(n * sizeof *sc);
  vigil_rank_opts o;
  vigil_rank_opts_init(&o);
  o.method = VIGIL_RANK_PPR;
  assert_int_equal(vigil_graph_rank_seeded(g, pos, 30, neg, 30, &o, sc), 0);
  double a_ppr = auc(sc, label, skip, n);
  o.method = VIGIL_RANK_CONTRAST;
  assert_int_equal(vigil_graph_rank_seeded(g, pos, 30, neg, 30, &o, sc), 0);
  double a_con = auc(sc, label, skip, n);
  assert_int_equal(vigil_graph_rank_seeded(g, pos, 30, NULL, 0, &o, sc), 0);
  double a_noneg = auc(sc, label, skip, n);
  fprintf(stderr, "AUC ppr %.3f contrast %.3f contrast-no-neg %.3f\n", a_ppr, a_con, a_noneg);
  assert_true(a_ppr > 0.7);
  assert_true(a_con > 0.9);
  assert_true(a_con >= a_ppr);
  assert_true(a_noneg > 0.85);
  free(sc), free(src), free(dst), free(label), free(skip);
  vigil_graph_free(g);
}

/* ---- id map ------------------------------------------------------------------------------ */
static void test_idmap(void **st) {
  (void)st;
  vigil_idmap *m;
  assert_int_equal(vigil_idmap_new(&m), 0);
  uint32_t idx;
  assert_int_equal(vigil_idmap_get(m, 0, 0, &idx), VIGIL_ENOTFOUND);
  for (uint64_t k = 0; k < 50000; k++) {
    assert_int_equal(vigil_idmap_get(m, k * 0x9E3779B97F4A7C15ULL, 1, &idx), 0);
    assert_int_equal(idx, (uint32_t)k);
  }
  for (uint64_t k = 0; k < 50000; k += 7) {
    assert_int_equal(vigil_idmap_get(m, k * 0x9E3779B97F4A7C15ULL, 0, &idx), 0);
    assert_int_equal(idx, (uint32_t)k);
  }
  assert_int_equal(vigil_idmap_count(m), 50000);
  assert_true(vigil_idmap_keys(m)[123] == 123 * 0x9E3779B97F4A7C15ULL);
  vigil_idmap_free(m);
}

/* ---- from a store ------------------------------------------------------------------------- */
static void test_load_store(void **st) {
  (void)st;
  char *dir = vt_tmpdir("graph-store");
  assert_non_null(dir);
  char path[4200];
  snprintf(path, sizeof path, "%s/s.db", dir);
  vigil_store *s;
  assert_int_equal(vigil_store_open(path, 0, &s), 0);
  assert_int_equal(vigil_store_begin(s), 0);
  int64_t id[6];
  for (int i = 0; i < 6; i++) {
    char name[16];
    snprintf(name, sizeof name, "user%d", i);
    vigil_account_ref ref = {VIGIL_STR_NULL, vigil_str_c(name)};
    vigil_change ch;
    assert_int_equal(vigil_store_account_resolve(s, VIGIL_STR_LIT("twitter"), &ref, 1, &id[i], &ch), 0);
  }
  assert_int_equal(vigil_store_edge_put(s, VIGIL_EDGE_FOLLOW, id[0], id[1], 1, 0), 0);
  assert_int_equal(vigil_store_edge_put(s, VIGIL_EDGE_FOLLOW, id[1], id[0], 1, 0), 0);
  assert_int_equal(vigil_store_edge_put(s, VIGIL_EDGE_FOLLOW, id[2], id[3], 1, 0), 0);
  assert_int_equal(vigil_store_edge_put(s, VIGIL_EDGE_RETWEET, id[0], id[1], 5, 0), 0);
  assert_int_equal(vigil_store_edge_put(s, VIGIL_EDGE_RETWEET, id[4], id[5], 2, 0), 0);
  assert_int_equal(vigil_store_edge_put(s, VIGIL_EDGE_MENTION, id[5], id[4], 3, 0), 0);
  assert_int_equal(vigil_store_commit(s), 0);

  float kw[VIGIL_EDGE_KIND_COUNT] = {1.0f, 0, 2.0f, 0, 0};
  vigil_graph *g;
  assert_int_equal(vigil_graph_load_store(s, kw, &g), 0);
  assert_int_equal(g->n, (uint32_t)vigil_store_max_account_id(s) + 1);
  assert_int_equal(g->m, 4); /* mention not selected; 0->1 follow+retweet merged */
  uint32_t a = (uint32_t)id[0], b = (uint32_t)id[1];
  assert_int_equal(g->out_off[a + 1] - g->out_off[a], 1);
  assert_int_equal(g->out_idx[g->out_off[a]], b);
  float want = 1.0f + 2.0f * (float)(1.0 + log(5.0));
  assert_true(fabsf(g->out_w[g->out_off[a]] - want) < 1e-4f);
  uint32_t c = (uint32_t)id[4];
  assert_true(fabsf(g->out_w[g->out_off[c]] - 2.0f * (float)(1.0 + log(2.0))) < 1e-4f);
  assert_int_equal(g->in_off[c + 1] - g->in_off[c], 0);
  assert_int_equal(g->out_off[1] - g->out_off[0], 0); /* slot 0 unused */
  vigil_graph_free(g);

  float none[VIGIL_EDGE_KIND_COUNT] = {0};
  assert_int_equal(vigil_graph_load_store(s, none, &g), 0);
  assert_int_equal(g->m, 0);
  vigil_graph_free(g);
  float only_mention[VIGIL_EDGE_KIND_COUNT] = {0, 1.5f, 0, 0, 0};
  assert_int_equal(vigil_graph_load_store(s, only_mention, &g), 0);
  assert_int_equal(g->m, 1);
  assert_int_equal(g->out_idx[g->out_off[id[5]]], (uint32_t)id[4]);
  vigil_graph_free(g);
  assert_int_equal(vigil_store_close(s), 0);
  free(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_build_small),
      cmocka_unit_test(test_build_random_rows_sorted),
      cmocka_unit_test(test_build_grouped_input),
      cmocka_unit_test(test_ppr_small),
      cmocka_unit_test(test_ppr_threads),
      cmocka_unit_test(test_ppr_blocked),
      cmocka_unit_test(test_ppr_blocked_same_order),
      cmocka_unit_test(test_ppr_args),
      cmocka_unit_test(test_kcore),
      cmocka_unit_test(test_reciprocal_ingroup),
      cmocka_unit_test(test_rank_seeded),
      cmocka_unit_test(test_idmap),
      cmocka_unit_test(test_load_store),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
