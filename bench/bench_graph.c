/* bench_graph: CSR build and personalized PageRank, vigil vs igraph's
 * PRPACK (igraph_personalized_pagerank) on the same graph, seeds and alpha,
 * in the same run.
 *
 *   bench_graph ego PATH            SNAP edge list ("src dst", gz ok)
 *   bench_graph synth NODES EDGES   in-process power-law generator, weighted
 *   bench_graph store PATH DB       edge list -> store DB (created once), then
 *                                   times vigil_graph_load_store() from it
 *
 * Prints build time, graph memory, PPR times (default kernel on 1 and 2
 * threads, the unblocked kernel on 1 thread: before/after cache blocking in
 * one run), the igraph/vigil time ratios in wall and CPU time, the L1
 * distance and top-1000 overlap of the vectors, and peak RSS.
 * Env: BENCH_REPS (best of N), BENCH_TOL, BENCH_BLOCK_BITS (0 auto, -1 off,
 * 4..16). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "graph_edgelist.h"
#include "vigil/error.h"
#include "vigil/graph.h"

#ifdef VIGIL_HAVE_IGRAPH
#include <igraph.h>
#endif

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void rss(const char *tag) {
  FILE *f = fopen("/proc/self/status", "r");
  if (!f) return;
  char line[256];
  long cur = 0, peak = 0;
  while (fgets(line, sizeof line, f)) {
    if (!strncmp(line, "VmRSS:", 6)) cur = atol(line + 6);
    if (!strncmp(line, "VmHWM:", 6)) peak = atol(line + 6);
  }
  fclose(f);
  printf("  memory %-28s RSS %7.0f MB, peak %7.0f MB\n", tag, cur / 1024.0, peak / 1024.0);
}

/* CPU seconds of the whole process: on a shared, oversubscribed machine wall
 * time mostly measures the scheduler, so both are reported */
static double cpu(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static uint64_t rs = 0x853c49e6748fea9bULL;
static inline uint64_t rnd64(void) { /* xorshift64* */
  rs ^= rs >> 12;
  rs ^= rs << 25;
  rs ^= rs >> 27;
  return rs * 2685821657736338717ULL;
}
static inline double rnd01(void) { return (double)(rnd64() >> 11) * (1.0 / 9007199254740992.0); }

/* Power-law-ish: index n*u^k puts mass on low indices with rank-degree
 * exponent 1 - 1/k (k 2 for sources, 2.5 for targets: a few accounts with
 * ~10^5 followers). An affine permutation then scatters the hubs over the
 * id space, as account ids from a store would. Weights mimic
 * multiplier x (1 + ln count). */
static int synth(uint32_t n, size_t m, vigil_graph **g, double *gen_s, double *build_s,
                 double *build_grouped_s, double *build_cpu, double *build_grouped_cpu) {
  double t0 = now();
  uint32_t *src = malloc(m * sizeof *src), *dst = malloc(m * sizeof *dst);
  float *w = malloc(m * sizeof *w);
  if (!src || !dst || !w) return VIGIL_ENOMEM;
  uint64_t A = 1234567 % n ? 1234567 : 1234569, B = 98765 % n;
  while (A % 2 == 0 || A % 5 == 0) A++; /* coprime with typical n = 2^a 5^b */
  for (size_t i = 0; i < m; i++) {
    double u = rnd01(), v = rnd01();
    uint64_t a = (uint64_t)(n * u * u), b = (uint64_t)(n * v * v * sqrt(v));
    if (a >= n) a = n - 1;
    if (b >= n) b = n - 1;
    src[i] = (uint32_t)((a * A + B) % n);
    dst[i] = (uint32_t)((b * A + B) % n);
    uint64_t r = rnd64();
    w[i] = (float)((r & 3) == 0 ? 2.0 : 1.0) * (float)(1.0 + log((double)(1 + ((r >> 8) % 4 == 0 ? (r >> 16) % 20 : 0))));
  }
  double t1 = now();
  double c0 = cpu();
  int rc = vigil_graph_build(n, m, src, dst, w, g);
  double t2 = now();
  *gen_s = t1 - t0, *build_s = t2 - t1, *build_cpu = cpu() - c0;
  if (rc) return rc;
  vigil_graph_free(*g);
  *g = NULL;
  /* the store hands edges grouped by source, sorted by target inside one
   * kind: regroup (two counting sorts, not timed) and time the build path
   * that input takes */
  uint64_t *cnt = calloc((size_t)n + 1, sizeof *cnt);
  uint32_t *s2 = malloc(m * sizeof *s2), *d2 = malloc(m * sizeof *d2);
  float *w2 = malloc(m * sizeof *w2);
  if (!cnt || !s2 || !d2 || !w2) return VIGIL_ENOMEM;
  for (int pass = 0; pass < 2; pass++) { /* by dst, then stably by src */
    const uint32_t *key = pass == 0 ? dst : src;
    memset(cnt, 0, ((size_t)n + 1) * sizeof *cnt);
    for (size_t i = 0; i < m; i++) cnt[key[i] + 1]++;
    for (uint32_t u = 0; u < n; u++) cnt[u + 1] += cnt[u];
    for (size_t i = 0; i < m; i++) {
      uint64_t p = cnt[key[i]]++;
      s2[p] = src[i], d2[p] = dst[i], w2[p] = w[i];
    }
    if (pass == 0) { /* swap roles: sorted copy becomes the input */
      uint32_t *t = src; src = s2, s2 = t;
      t = dst; dst = d2, d2 = t;
      float *tw = w; w = w2, w2 = tw;
    }
  }
  free(cnt), free(src), free(dst), free(w);
  t1 = now();
  double c1 = cpu();
  rc = vigil_graph_build(n, m, s2, d2, w2, g);
  *build_grouped_s = now() - t1;
  *build_grouped_cpu = cpu() - c1;
  free(s2), free(d2), free(w2);
  return rc;
}

static int cmp_desc(const void *a, const void *b, void *ctx) {
  const double *x = ctx;
  double xa = x[*(const uint32_t *)a], xb = x[*(const uint32_t *)b];
  return xa < xb ? 1 : xa > xb ? -1 : (*(const uint32_t *)a > *(const uint32_t *)b) - (*(const uint32_t *)a < *(const uint32_t *)b);
}

/* top-k overlap |top_k(a) & top_k(b)| / k */
static double topk_overlap(const double *a, const double *b, uint32_t n, uint32_t k) {
  if (k > n) k = n;
  uint32_t *ia = malloc(n * sizeof *ia), *ib = malloc(n * sizeof *ib);
  uint8_t *mark = calloc(n, 1);
  for (uint32_t i = 0; i < n; i++) ia[i] = ib[i] = i;
  qsort_r(ia, n, sizeof *ia, cmp_desc, (void *)a);
  qsort_r(ib, n, sizeof *ib, cmp_desc, (void *)b);
  for (uint32_t i = 0; i < k; i++) mark[ia[i]] = 1;
  uint32_t hit = 0;
  for (uint32_t i = 0; i < k; i++) hit += mark[ib[i]];
  free(ia), free(ib), free(mark);
  return (double)hit / k;
}

/* Store load: the edge list goes into a store once (follow edges, count
 * 1), then loading the graph back is timed against the in-memory graph. */
static int bench_store(const char *edges_path, const char *db) {
  vigil_graph *ref;
  vigil_idmap *map;
  int rc = ge_load(edges_path, &ref, &map, NULL);
  if (rc) return rc;
  vigil_store *st;
  int fresh = access(db, F_OK) != 0;
  if ((rc = vigil_store_open(db, 0, &st))) return rc;
  if (fresh) {
    double t0 = now();
    int64_t *ids = malloc(ref->n * sizeof *ids);
    const uint64_t *keys = vigil_idmap_keys(map);
    if ((rc = vigil_store_begin(st))) return rc;
    for (uint32_t v = 0; v < ref->n && !rc; v++) {
      char idbuf[32];
      snprintf(idbuf, sizeof idbuf, "%llu", (unsigned long long)keys[v]);
      vigil_account_ref r = {vigil_str_c(idbuf), VIGIL_STR_NULL};
      vigil_change ch;
      rc = vigil_store_account_resolve(st, VIGIL_STR_LIT("twitter"), &r, 1, &ids[v], &ch);
    }
    for (uint32_t u = 0; u < ref->n && !rc; u++)
      for (uint64_t e = ref->out_off[u]; e < ref->out_off[u + 1] && !rc; e++)
        rc = vigil_store_edge_put(st, VIGIL_EDGE_FOLLOW, ids[u], ids[ref->out_idx[e]], 1, 0);
    if (!rc) rc = vigil_store_commit(st);
    free(ids);
    if (rc) return rc;
    printf("  store written            %8.3f s  (%s)\n", now() - t0, db);
  }
  float kw[VIGIL_EDGE_KIND_COUNT] = {1.0f, 0, 0, 0, 0};
  vigil_graph *g;
  double t0 = now(), c0 = cpu();
  if ((rc = vigil_graph_load_store(st, kw, &g))) return rc;
  double dt = now() - t0, dc = cpu() - c0;
  printf("graph from store: n=%u (ids) m=%llu\n", g->n, (unsigned long long)g->m);
  printf("  vigil_graph_load_store   %8.3f s  (cpu %.3f s; %.1f M edges/s wall; in-memory edge list "
         "had m=%llu)\n", dt, dc, (double)g->m / dt / 1e6, (unsigned long long)ref->m);
  rss("after store load");
  vigil_graph_free(g), vigil_graph_free(ref);
  vigil_idmap_free(map);
  return vigil_store_close(st);
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: bench_graph ego PATH | synth NODES EDGES | store PATH DB [--no-igraph]\n");
    return 2;
  }
  setvbuf(stdout, NULL, _IOLBF, 0);
  vigil_graph *g = NULL;
  vigil_idmap *map = NULL;
  double gen_s = 0, build_s = 0, build_grouped_s = 0, build_cpu = 0, build_grouped_cpu = 0;
  const char *name;
  int rc, use_igraph = 1;
  for (int i = 1; i < argc; i++)
    if (!strcmp(argv[i], "--no-igraph")) use_igraph = 0;
  if (!strcmp(argv[1], "store") && argc >= 4) {
    rc = bench_store(argv[2], argv[3]);
    if (rc) fprintf(stderr, "bench_graph store: %s\n", vigil_strerror(rc));
    return rc ? 1 : 0;
  }
  if (!strcmp(argv[1], "ego")) {
    name = "ego-twitter";
    double t0 = now(), c0 = cpu();
    rc = ge_load(argv[2], &g, &map, NULL);
    build_s = now() - t0, build_cpu = cpu() - c0;
    vigil_idmap_free(map);
  } else if (!strcmp(argv[1], "synth") && argc >= 4) {
    name = "synthetic power-law";
    rc = synth((uint32_t)strtoul(argv[2], NULL, 10), (size_t)strtoull(argv[3], NULL, 10), &g, &gen_s,
               &build_s, &build_grouped_s, &build_cpu, &build_grouped_cpu);
  } else {
    fprintf(stderr, "bench_graph: bad arguments\n");
    return 2;
  }
  if (rc) {
    fprintf(stderr, "bench_graph: %s\n", vigil_strerror(rc));
    return 1;
  }
  uint32_t n = g->n;
  printf("graph %s: n=%u m=%llu weighted=%s\n", name, n, (unsigned long long)g->m,
         g->unit_weights ? "no" : "yes");
  if (gen_s > 0) printf("  generate edges           %8.3f s\n", gen_s);
  printf("  CSR build (out+in)       %8.3f s  (cpu %.3f s; %.1f M edges/s; %s)\n", build_s,
         build_cpu, (double)g->m / build_s / 1e6,
         !strcmp(argv[1], "ego") ? "incl. gunzip+parse, input grouped by source"
                                 : "edges in random order: 3 scatters");
  if (build_grouped_s > 0)
    printf("  CSR build, store order   %8.3f s  (cpu %.3f s; %.1f M edges/s; grouped by source: 1 scatter)\n",
           build_grouped_s, build_grouped_cpu, (double)g->m / build_grouped_s / 1e6);
  printf("  CSR memory               %8.1f MB (%.1f B/edge)\n", vigil_graph_bytes(g) / 1048576.0,
         (double)vigil_graph_bytes(g) / (double)(g->m ? g->m : 1));
  rss("after build");

  /* seeds: 50 distinct nodes with out-edges, fixed RNG */
  enum { NS = 50 };
  uint32_t seeds[NS];
  rs = 42;
  for (int i = 0; i < NS;) {
    uint32_t v = (uint32_t)(rnd64() % n);
    if (g->out_off[v + 1] == g->out_off[v]) continue;
    int dup = 0;
    for (int k = 0; k < i; k++) dup |= seeds[k] == v;
    if (!dup) seeds[i++] = v;
  }
  const double alpha = 0.15;
  float *x = malloc(n * sizeof *x);
  double *xv = malloc(n * sizeof *xv);
  vigil_ppr_opts o;
  vigil_ppr_opts_init(&o);
  o.alpha = alpha;
  if (getenv("BENCH_TOL")) o.tol = atof(getenv("BENCH_TOL"));
  /* BENCH_BLOCK_BITS: the blocking option of the default runs (0 auto) */
  o.block_bits = getenv("BENCH_BLOCK_BITS") ? atoi(getenv("BENCH_BLOCK_BITS")) : 0;
  double best = 1e30, best_cpu = 1e30, plain_wall = 0, plain_cpu = 0;
  int iters = 0;
  /* the machine may be shared: each timing is the best of `reps` runs
   * (BENCH_REPS; default 3 below 10M edges, else 1), for igraph too */
  int reps = getenv("BENCH_REPS") ? atoi(getenv("BENCH_REPS")) : g->m < 10000000 ? 3 : 1;
  if (reps < 1) reps = 1;
  float *xplain = malloc(n * sizeof *xplain);
  /* runs: the default kernel on 1 and 2 threads (x of the 1-thread run is
   * compared with igraph), then the unblocked kernel (the kernel before
   * cache blocking) on 1 thread, for a before/after in the same run */
  for (int run = 0; run < 3; run++) {
    vigil_ppr_opts oc = o;
    oc.threads = run == 1 ? 2 : 1;
    if (run == 2) oc.block_bits = -1;
    float *xo = run == 0 ? x : run == 2 ? xplain : NULL;
    float *xtmp = xo ? NULL : malloc(n * sizeof *xtmp);
    if (!xo) xo = xtmp;
    double bt = 1e30, bc = 1e30;
    for (int r = 0; r < reps; r++) {
      double t0 = now(), c0 = cpu();
      if ((rc = vigil_graph_ppr(g, seeds, NULL, NS, &oc, xo, &iters))) {
        fprintf(stderr, "ppr: %s\n", vigil_strerror(rc));
        return 1;
      }
      double dt = now() - t0, dc = cpu() - c0;
      if (dt < bt) bt = dt;
      if (dc < bc) bc = dc;
    }
    free(xtmp);
    const char *what = oc.block_bits < 0 ? "unblocked" : "default  ";
    printf("  vigil PPR %s %d thr  %8.3f s  (cpu %.3f s; best of %d; %d iterations, tol %.0e, %.2f cpu ns/edge/iter)\n",
           what, oc.threads, bt, bc, reps, iters, oc.tol, bc * 1e9 / ((double)g->m * iters));
    if (run < 2) {
      if (bt < best) best = bt;
      if (bc < best_cpu) best_cpu = bc;
    } else {
      plain_wall = bt, plain_cpu = bc;
    }
  }
  {
    /* setup cost of blocking (tile copy) = one-sweep call minus a sweep */
    vigil_ppr_opts oc = o;
    oc.threads = 1, oc.max_iter = 1;
    float *xtmp = malloc(n * sizeof *xtmp);
    double bc = 1e30;
    for (int r = 0; r < reps; r++) {
      double c0 = cpu();
      vigil_graph_ppr(g, seeds, NULL, NS, &oc, xtmp, &iters);
      double dc = cpu() - c0;
      if (dc < bc) bc = dc;
    }
    free(xtmp);
    printf("  vigil PPR default, 1 sweep %6.3f s cpu (setup: tile copy if blocked, + 1 sweep)\n", bc);
  }
  double l1_plain = 0;
  for (uint32_t v = 0; v < n; v++) l1_plain += fabs((double)x[v] - xplain[v]);
  printf("  L1(default, unblocked)   %8.2e\n", l1_plain);
  printf("  speed-up over unblocked  %8.1f x  wall, %.1f x cpu\n", plain_wall / best, plain_cpu / best_cpu);
  for (uint32_t v = 0; v < n; v++) xv[v] = x[v];
  rss("after vigil PPR");

#ifdef VIGIL_HAVE_IGRAPH
  if (use_igraph) {
    igraph_set_error_handler(igraph_error_handler_printignore);
    double t0 = now();
    igraph_vector_int_t ev;
    igraph_vector_t wv, reset, res;
    igraph_t ig;
    if (igraph_vector_int_init(&ev, (igraph_integer_t)(2 * g->m)) ||
        igraph_vector_init(&wv, (igraph_integer_t)g->m)) {
      printf("  igraph: cannot allocate the edge vectors (%llu edges)\n", (unsigned long long)g->m);
      return 1;
    }
    size_t k = 0;
    for (uint32_t u = 0; u < n; u++)
      for (uint64_t e = g->out_off[u]; e < g->out_off[u + 1]; e++) {
        VECTOR(ev)[2 * k] = u;
        VECTOR(ev)[2 * k + 1] = g->out_idx[e];
        VECTOR(wv)[k] = g->out_w[e];
        k++;
      }
    if (igraph_create(&ig, &ev, n, IGRAPH_DIRECTED)) {
      printf("  igraph: igraph_create failed\n");
      return 1;
    }
    igraph_vector_int_destroy(&ev);
    igraph_vector_init(&reset, n);
    for (int i = 0; i < NS; i++) VECTOR(reset)[seeds[i]] = 1.0;
    igraph_vector_init(&res, 0);
    printf("  igraph graph build       %8.3f s\n", now() - t0);
    rss("after igraph_create");
    igraph_real_t value;
    double ti = 1e30, ci = 1e30;
    igraph_error_t ie = IGRAPH_SUCCESS;
    for (int r = 0; r < reps && !ie; r++) {
      t0 = now();
      double c0 = cpu();
      ie = igraph_personalized_pagerank(&ig, IGRAPH_PAGERANK_ALGO_PRPACK, &res, &value, igraph_vss_all(),
                                        IGRAPH_DIRECTED, 1 - alpha, &reset,
                                        g->unit_weights ? NULL : &wv, NULL);
      double dt = now() - t0, dc = cpu() - c0;
      if (dt < ti) ti = dt;
      if (dc < ci) ci = dc;
    }
    if (ie) {
      printf("  igraph PRPACK PPR failed: %s\n", igraph_strerror(ie));
    } else {
      printf("  igraph PRPACK PPR        %8.3f s  (cpu %.3f s; best of %d; 1 thread, tol 1e-10 fixed by igraph)\n",
             ti, ci, reps);
      printf("  ratio igraph / vigil     %8.1f x  wall (best vigil run; target >= 5x), %.1f x cpu\n",
             ti / best, ci / best_cpu);
      printf("  ratio igraph / unblocked %8.1f x  wall, %.1f x cpu (the kernel before blocking)\n",
             ti / plain_wall, ci / plain_cpu);
      double l1 = 0, l1_uniform = 0;
      for (uint32_t v = 0; v < n; v++) {
        l1 += fabs(xv[v] - VECTOR(res)[v]);
        l1_uniform += fabs(1.0 / n - VECTOR(res)[v]);
      }
      printf("  L1(vigil, igraph)        %8.2e   (L1(uniform, igraph) = %.2f for scale)\n", l1, l1_uniform);
      double *xi = malloc(n * sizeof *xi);
      for (uint32_t v = 0; v < n; v++) xi[v] = VECTOR(res)[v];
      printf("  top-1000 overlap         %8.4f\n", topk_overlap(xv, xi, n, 1000));
      printf("  top-100 overlap          %8.4f\n", topk_overlap(xv, xi, n, 100));
      free(xi);
    }
    rss("after igraph PPR");
    igraph_vector_destroy(&res), igraph_vector_destroy(&reset), igraph_vector_destroy(&wv);
    igraph_destroy(&ig);
  } else {
    printf("  igraph baseline skipped (--no-igraph)\n");
  }
#else
  (void)use_igraph;
  printf("  igraph baseline NOT MEASURED: built without igraph (apt-get install libigraph-dev)\n");
#endif

  /* the other census kernels, for scale */
  uint32_t *core = malloc(n * sizeof *core);
  double t0 = now();
  vigil_graph_kcore(g, core);
  printf("  k-core                   %8.3f s\n", now() - t0);
  uint64_t pairs;
  t0 = now();
  vigil_graph_reciprocal(g, core, NULL, &pairs, 2);
  printf("  reciprocal edges         %8.3f s  (%llu pairs)\n", now() - t0, (unsigned long long)pairs);
  uint8_t *S = calloc(n, 1);
  for (uint32_t v = 0; v < n; v += 100) S[v] = 1;
  vigil_ingroup_totals tot;
  t0 = now();
  vigil_graph_ingroup(g, S, core, NULL, NULL, &tot, 2);
  printf("  in-group counts (1%% set) %8.3f s\n", now() - t0);
  free(core), free(S), free(x), free(xv), free(xplain);
  vigil_graph_free(g);
  return 0;
}
