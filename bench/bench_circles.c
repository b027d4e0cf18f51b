/* bench_circles: how well graph rankings recover ego-Twitter circles.
 *
 *   bench_circles COMBINED_EDGES CIRCLES_DIR
 *
 * Universe per ego: its ego network = the accounts the ego follows in the
 * combined graph (the SNAP reconstruction adds ego -> every node of its
 * network), without the ego itself, and the subgraph of the combined graph
 * they induce. For every circle with >= 30 members inside that universe:
 * 20% of the members (random, fixed seed) are positive seeds and as many
 * random non-members negative seeds; every other universe node is ranked
 * and the AUC of members vs non-members among them is computed. Prints the
 * median AUC over circles of plain PPR from the positive seeds (baseline)
 * and of vigil_graph_rank_seeded() (VIGIL_RANK_CONTRAST), plus variants. */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "graph_edgelist.h"
#include "vigil/error.h"
#include "vigil/graph.h"

#define MIN_MEMBERS 30
#define MAX_VARIANTS 8

static uint64_t rs = 12345;
static uint32_t rnd(uint32_t n) {
  rs ^= rs << 13;
  rs ^= rs >> 7;
  rs ^= rs << 17;
  return (uint32_t)(rs % n);
}

typedef struct scored {
  float s;
  uint8_t pos;
} scored;

static int cmp_scored(const void *a, const void *b) {
  float x = ((const scored *)a)->s, y = ((const scored *)b)->s;
  return (x > y) - (x < y);
}

/* Mann-Whitney AUC with average ranks for ties */
static double auc(scored *v, size_t n) {
  qsort(v, n, sizeof *v, cmp_scored);
  double rank_sum = 0, P = 0;
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j < n && v[j].s == v[i].s) j++;
    double r = (double)(i + 1 + j) / 2.0;
    for (size_t k = i; k < j; k++)
      if (v[k].pos) rank_sum += r, P++;
    i = j;
  }
  double N = (double)n - P;
  if (P == 0 || N == 0) return NAN;
  return (rank_sum - P * (P + 1) / 2) / (P * N);
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static int cmp_name(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static double median(double *v, size_t n) {
  if (!n) return NAN;
  qsort(v, n, sizeof *v, cmp_double);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static const char *variant_name[MAX_VARIANTS] = {
    "plain PPR (positives, out-edges)",
    "plain PPR (positives, undirected) [baseline]",
    "vigil_graph_rank_seeded (CONTRAST, default)",
    "rank_seeded without negatives",
    "rank_seeded neg_weight 1 (full contrast)",
    "in-group counts: (pos - neg nbrs) / degree",
};
static const int n_variants = 6;

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: bench_circles COMBINED_EDGES CIRCLES_DIR\n");
    return 2;
  }
  setvbuf(stdout, NULL, _IOLBF, 0);
  vigil_graph *G;
  vigil_idmap *map;
  int rc = ge_load(argv[1], &G, &map, NULL);
  if (rc) {
    fprintf(stderr, "bench_circles: %s: %s\n", argv[1], vigil_strerror(rc));
    return 1;
  }
  DIR *d = opendir(argv[2]);
  if (!d) {
    fprintf(stderr, "bench_circles: cannot open %s\n", argv[2]);
    return 1;
  }
  /* sorted file list so the run is reproducible */
  char **files = NULL;
  size_t nf = 0;
  struct dirent *de;
  while ((de = readdir(d))) {
    size_t l = strlen(de->d_name);
    if (l > 8 && !strcmp(de->d_name + l - 8, ".circles")) {
      files = realloc(files, (nf + 1) * sizeof *files);
      files[nf++] = strdup(de->d_name);
    }
  }
  closedir(d);
  qsort(files, nf, sizeof *files, cmp_name);

  uint32_t N = G->n;
  uint32_t *loc = calloc(N, sizeof *loc); /* global -> local + 1 */
  double *aucs[MAX_VARIANTS];
  for (int k = 0; k < n_variants; k++) aucs[k] = malloc(100000 * sizeof(double));
  size_t n_circles = 0, n_egos = 0, skipped_small = 0;
  double t_start = (double)clock();

  for (size_t fi = 0; fi < nf; fi++) {
    uint64_t ego_id = strtoull(files[fi], NULL, 10);
    uint32_t ego;
    if (vigil_idmap_get(map, ego_id, 0, &ego)) continue;
    /* universe: out-neighbours of the ego */
    uint32_t nu = (uint32_t)(G->out_off[ego + 1] - G->out_off[ego]);
    if (nu < 2 * MIN_MEMBERS) continue;
    const uint32_t *U = G->out_idx + G->out_off[ego];
    for (uint32_t i = 0; i < nu; i++) loc[U[i]] = i + 1;
    size_t cap = 1024, m = 0;
    uint32_t *es = malloc(cap * sizeof *es), *ed = malloc(cap * sizeof *ed);
    for (uint32_t i = 0; i < nu; i++) {
      uint32_t u = U[i];
      for (uint64_t e = G->out_off[u]; e < G->out_off[u + 1]; e++) {
        uint32_t v = G->out_idx[e];
        if (!loc[v]) continue;
        if (m == cap) {
          cap *= 2;
          es = realloc(es, cap * sizeof *es), ed = realloc(ed, cap * sizeof *ed);
        }
        es[m] = i, ed[m] = loc[v] - 1, m++;
      }
    }
    vigil_graph *g;
    if (vigil_graph_build(nu, m, es, ed, NULL, &g)) return 1;
    free(es), free(ed);

    char path[4096];
    snprintf(path, sizeof path, "%s/%s", argv[2], files[fi]);
    vigil_reader *r;
    if (vigil_reader_open(path, &r)) return 1;
    vigil_str line;
    uint8_t *mem = calloc(nu, 1), *seeded = calloc(nu, 1);
    uint32_t *members = malloc(nu * sizeof *members), *pos = malloc(nu * sizeof *pos),
             *neg = malloc(nu * sizeof *neg);
    float *score = malloc(nu * sizeof *score);
    uint32_t *cp = malloc(nu * sizeof *cp), *cn = malloc(nu * sizeof *cn);
    scored *sv = malloc(nu * sizeof *sv);
    int ego_counted = 0;
    while (vigil_reader_getline(r, &line) == 1) {
      /* "name\tm1\tm2...": skip the name, map members into the universe */
      const char *p = memchr(line.ptr, '\t', line.len), *end = line.ptr + line.len;
      if (!p) continue;
      uint32_t nm = 0;
      memset(mem, 0, nu);
      while (p < end) {
        uint64_t id;
        if (ge_parse_u64(&p, end, &id)) break;
        uint32_t gi, li;
        if (vigil_idmap_get(map, id, 0, &gi) || !loc[gi]) continue;
        li = loc[gi] - 1;
        if (!mem[li]) mem[li] = 1, members[nm++] = li;
      }
      if (nm < MIN_MEMBERS) {
        skipped_small++;
        continue;
      }
      if (nu - nm < nm) continue; /* not enough non-members to sample negatives */
      /* 20% of members as positives, as many non-members as negatives */
      uint32_t np = (nm + 4) / 5;
      for (uint32_t i = 0; i < nm; i++) { /* partial Fisher-Yates */
        uint32_t j = i + rnd(nm - i), t = members[i];
        members[i] = members[j], members[j] = t;
      }
      memset(seeded, 0, nu);
      for (uint32_t i = 0; i < np; i++) pos[i] = members[i], seeded[pos[i]] = 1;
      uint32_t nn = 0;
      while (nn < np) {
        uint32_t v = rnd(nu);
        if (mem[v] || seeded[v]) continue;
        seeded[v] = 1, neg[nn++] = v;
      }
      for (int k = 0; k < n_variants; k++) {
        vigil_rank_opts o;
        vigil_rank_opts_init(&o);
        o.ppr.threads = 1;
        int rr = 0;
        switch (k) {
        case 0:
          o.method = VIGIL_RANK_PPR, o.ppr.dir = VIGIL_PPR_OUT;
          rr = vigil_graph_rank_seeded(g, pos, np, NULL, 0, &o, score);
          break;
        case 1:
          o.method = VIGIL_RANK_PPR;
          rr = vigil_graph_rank_seeded(g, pos, np, NULL, 0, &o, score);
          break;
        case 2:
          rr = vigil_graph_rank_seeded(g, pos, np, neg, nn, &o, score);
          break;
        case 3:
          rr = vigil_graph_rank_seeded(g, pos, np, NULL, 0, &o, score);
          break;
        case 4:
          o.neg_weight = 1.0;
          rr = vigil_graph_rank_seeded(g, pos, np, neg, nn, &o, score);
          break;
        case 5: {
          uint8_t *S = calloc(nu, 1);
          for (uint32_t i = 0; i < np; i++) S[pos[i]] = 1;
          vigil_graph_ingroup(g, S, cp, NULL, NULL, NULL, 1);
          uint32_t *cpi = malloc(nu * sizeof *cpi);
          vigil_graph_ingroup(g, S, NULL, cpi, NULL, NULL, 1);
          memset(S, 0, nu);
          for (uint32_t i = 0; i < nn; i++) S[neg[i]] = 1;
          uint32_t *cni = malloc(nu * sizeof *cni);
          vigil_graph_ingroup(g, S, cn, cni, NULL, NULL, 1);
          for (uint32_t v = 0; v < nu; v++) {
            double deg = 1.0 + g->out_wsum[v] + g->in_wsum[v];
            score[v] = (float)(((double)cp[v] + cpi[v] - cn[v] - cni[v]) / deg);
          }
          free(S), free(cpi), free(cni);
          break;
        }
        }
        if (rr) {
          fprintf(stderr, "rank: %s\n", vigil_strerror(rr));
          return 1;
        }
        size_t ns = 0;
        for (uint32_t v = 0; v < nu; v++)
          if (!seeded[v]) sv[ns].s = score[v], sv[ns].pos = mem[v], ns++;
        aucs[k][n_circles] = auc(sv, ns);
      }
      n_circles++;
      if (!ego_counted) n_egos++, ego_counted = 1;
      if (n_circles >= 100000) break;
    }
    vigil_reader_free(r);
    for (uint32_t i = 0; i < nu; i++) loc[U[i]] = 0;
    free(mem), free(seeded), free(members), free(pos), free(neg), free(score), free(cp),
        free(cn), free(sv);
    vigil_graph_free(g);
    if (n_circles >= 100000) break;
  }
  printf("ego-twitter circles: %zu circles with >= %d members in %zu ego networks "
         "(%zu smaller circles skipped), seeds 20%% members + as many non-members\n",
         n_circles, MIN_MEMBERS, n_egos, skipped_small);
  printf("universe: each ego's network (accounts it follows, ego excluded) with the combined "
         "graph's edges among them\n");
  double med[MAX_VARIANTS];
  for (int k = 0; k < n_variants; k++) {
    double mean = 0;
    size_t cnt = 0;
    for (size_t i = 0; i < n_circles; i++)
      if (!isnan(aucs[k][i])) mean += aucs[k][i], cnt++;
    med[k] = median(aucs[k], n_circles);
    printf("  %-46s median AUC %.4f  mean %.4f\n", variant_name[k], med[k], cnt ? mean / cnt : NAN);
  }
  printf("  rank_seeded vs baseline: %+.4f median AUC (must be >= 0)\n", med[2] - med[1]);
  printf("  cpu time %.1f s\n", ((double)clock() - t_start) / CLOCKS_PER_SEC);
  for (int k = 0; k < n_variants; k++) free(aucs[k]);
  for (size_t i = 0; i < nf; i++) free(files[i]);
  free(files), free(loc);
  vigil_graph_free(G);
  vigil_idmap_free(map);
  return 0;
}
