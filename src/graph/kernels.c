/* Structure kernels: k-core, reciprocity, in-group counts. All of them lean
 * on rows being sorted: the undirected neighbourhood of v is the merge of
 * its out- and in-row, and its reciprocal neighbours are their intersection,
 * so no hash sets or per-node sorting are needed. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "vigil/error.h"
#include "vigil/graph.h"

#define MAX_THREADS 64

/* ---- running a per-node function over balanced node ranges ------------------ */
typedef struct range_job {
  const vigil_graph *g;
  uint32_t lo, hi;
  void (*fn)(struct range_job *j);
  void *ctx;
  uint64_t acc[4]; /* per-range partial totals */
} range_job;

static void *range_main(void *arg) {
  range_job *j = arg;
  j->fn(j);
  return NULL;
}

static uint32_t split_at(const vigil_graph *g, double target) {
  uint32_t lo = 0, hi = g->n;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    double w = (double)mid + (double)g->in_off[mid] + (double)g->out_off[mid];
    if (w < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/* Runs fn over `threads` ranges; acc of all jobs summed into acc_out. A
 * thread that cannot be created has its range run by the caller. */
static int run_ranges(const vigil_graph *g, int threads, void (*fn)(range_job *), void *ctx,
                      uint64_t acc_out[4]) {
  int nt = threads < 1 ? 1 : threads > MAX_THREADS ? MAX_THREADS : threads;
  if ((uint64_t)g->n + 2 * g->m < 200000) nt = 1;
  range_job jobs[MAX_THREADS];
  pthread_t tid[MAX_THREADS];
  int started[MAX_THREADS] = {0};
  double work = (double)g->n + 2.0 * (double)g->m;
  for (int t = 0; t < nt; t++) {
    memset(&jobs[t], 0, sizeof jobs[t]);
    jobs[t].g = g, jobs[t].fn = fn, jobs[t].ctx = ctx;
    jobs[t].lo = t == 0 ? 0 : jobs[t - 1].hi;
    jobs[t].hi = t == nt - 1 ? g->n : split_at(g, work * (t + 1) / nt);
    if (jobs[t].hi < jobs[t].lo) jobs[t].hi = jobs[t].lo;
  }
  for (int t = 1; t < nt; t++) started[t] = pthread_create(&tid[t], NULL, range_main, &jobs[t]) == 0;
  fn(&jobs[0]);
  for (int t = 1; t < nt; t++) {
    if (started[t]) pthread_join(tid[t], NULL);
    else fn(&jobs[t]);
  }
  if (acc_out) {
    memset(acc_out, 0, 4 * sizeof *acc_out);
    for (int t = 0; t < nt; t++)
      for (int k = 0; k < 4; k++) acc_out[k] += jobs[t].acc[k];
  }
  return 0;
}

/* ---- k-core ---------------------------------------------------------------------- */
#define FOR_UNDIRECTED_NEIGHBOURS(g, v, u, ...)                                    \
  do {                                                                             \
    uint64_t a_ = (g)->out_off[v], ae_ = (g)->out_off[(v) + 1];                    \
    uint64_t b_ = (g)->in_off[v], be_ = (g)->in_off[(v) + 1];                      \
    while (a_ < ae_ || b_ < be_) {                                                 \
      uint32_t u;                                                                  \
      if (b_ >= be_ || (a_ < ae_ && (g)->out_idx[a_] < (g)->in_idx[b_]))           \
        u = (g)->out_idx[a_++];                                                    \
      else if (a_ >= ae_ || (g)->in_idx[b_] < (g)->out_idx[a_])                    \
        u = (g)->in_idx[b_++];                                                     \
      else {                                                                       \
        u = (g)->out_idx[a_++];                                                    \
        b_++;                                                                      \
      }                                                                            \
      __VA_ARGS__                                                                  \
    }                                                                              \
  } while (0)

int vigil_graph_kcore(const vigil_graph *g, uint32_t *core) {
  if (!g || !core) return VIGIL_EINVAL;
  uint32_t n = g->n;
  if (n == 0) return 0;
  uint32_t *deg = core, maxd = 0;
  for (uint32_t v = 0; v < n; v++) {
    uint32_t d = 0;
    FOR_UNDIRECTED_NEIGHBOURS(g, v, u, { (void)u; d++; });
    deg[v] = d;
    if (d > maxd) maxd = d;
  }
  uint32_t *bin = calloc((size_t)maxd + 2, sizeof *bin);
  uint32_t *pos = malloc((size_t)n * sizeof *pos), *vert = malloc((size_t)n * sizeof *vert);
  if (!bin || !pos || !vert) {
    free(bin), free(pos), free(vert);
    return VIGIL_ENOMEM;
  }
  for (uint32_t v = 0; v < n; v++) bin[deg[v]]++;
  uint32_t start = 0;
  for (uint32_t d = 0; d <= maxd; d++) {
    uint32_t c = bin[d];
    bin[d] = start;
    start += c;
  }
  for (uint32_t v = 0; v < n; v++) {
    pos[v] = bin[deg[v]]++;
    vert[pos[v]] = v;
  }
  for (uint32_t d = maxd; d > 0; d--) bin[d] = bin[d - 1];
  bin[0] = 0;
  /* peel in order of current degree; a neighbour with a higher degree moves
   * one bucket down by swapping with the first vertex of its bucket */
  for (uint32_t i = 0; i < n; i++) {
    uint32_t v = vert[i];
    FOR_UNDIRECTED_NEIGHBOURS(g, v, u, {
      if (deg[u] > deg[v]) {
        uint32_t du = deg[u], pu = pos[u], pw = bin[du], w = vert[pw];
        if (u != w) {
          pos[u] = pw, vert[pu] = w;
          pos[w] = pu, vert[pw] = u;
        }
        bin[du]++;
        deg[u]--;
      }
    });
  }
  free(bin), free(pos), free(vert);
  return 0;
}

/* ---- reciprocity --------------------------------------------------------------------- */
typedef struct recip_ctx {
  uint32_t *deg;
  uint8_t *flag;
} recip_ctx;

static void recip_range(range_job *j) {
  const vigil_graph *g = j->g;
  recip_ctx *c = j->ctx;
  uint64_t total = 0;
  for (uint32_t v = j->lo; v < j->hi; v++) {
    uint64_t a = g->out_off[v], ae = g->out_off[v + 1];
    uint64_t b = g->in_off[v], be = g->in_off[v + 1];
    uint32_t d = 0;
    if (c->flag) memset(c->flag + a, 0, ae - a);
    while (a < ae && b < be) {
      if (g->out_idx[a] < g->in_idx[b]) a++;
      else if (g->out_idx[a] > g->in_idx[b]) b++;
      else {
        if (c->flag) c->flag[a] = 1;
        d++, a++, b++;
      }
    }
    if (c->deg) c->deg[v] = d;
    total += d;
  }
  j->acc[0] = total;
}

int vigil_graph_reciprocal(const vigil_graph *g, uint32_t *recip_deg, uint8_t *edge_recip,
                           uint64_t *pairs, int threads) {
  if (!g) return VIGIL_EINVAL;
  recip_ctx c = {recip_deg, edge_recip};
  uint64_t acc[4];
  int rc = run_ranges(g, threads, recip_range, &c, acc);
  if (rc) return rc;
  if (pairs) *pairs = acc[0] / 2; /* each pair is seen from both ends */
  return 0;
}

/* ---- in-group counts ----------------------------------------------------------------- */
typedef struct ingroup_ctx {
  const uint8_t *in_set;
  uint32_t *out_s, *in_s, *recip_s;
} ingroup_ctx;

static void ingroup_range(range_job *j) {
  const vigil_graph *g = j->g;
  ingroup_ctx *c = j->ctx;
  const uint8_t *S = c->in_set;
  uint64_t within = 0, recip = 0, eout = 0, ein = 0;
  for (uint32_t v = j->lo; v < j->hi; v++) {
    uint64_t a0 = g->out_off[v], ae = g->out_off[v + 1];
    uint64_t b0 = g->in_off[v], be = g->in_off[v + 1];
    uint32_t o = 0, i = 0, r = 0;
    for (uint64_t a = a0; a < ae; a++) o += S[g->out_idx[a]] != 0;
    for (uint64_t b = b0; b < be; b++) i += S[g->in_idx[b]] != 0;
    for (uint64_t a = a0, b = b0; a < ae && b < be;) {
      if (g->out_idx[a] < g->in_idx[b]) a++;
      else if (g->out_idx[a] > g->in_idx[b]) b++;
      else {
        r += S[g->out_idx[a]] != 0;
        a++, b++;
      }
    }
    if (c->out_s) c->out_s[v] = o;
    if (c->in_s) c->in_s[v] = i;
    if (c->recip_s) c->recip_s[v] = r;
    if (S[v]) {
      within += o;
      recip += r;
      eout += (ae - a0) - o;
      ein += (be - b0) - i;
    }
  }
  j->acc[0] = within, j->acc[1] = recip, j->acc[2] = eout, j->acc[3] = ein;
}

int vigil_graph_ingroup(const vigil_graph *g, const uint8_t *in_set, uint32_t *out_s,
                        uint32_t *in_s, uint32_t *recip_s, vigil_ingroup_totals *tot,
                        int threads) {
  if (!g || !in_set) return VIGIL_EINVAL;
  ingroup_ctx c = {in_set, out_s, in_s, recip_s};
  uint64_t acc[4];
  int rc = run_ranges(g, threads, ingroup_range, &c, acc);
  if (rc) return rc;
  if (tot) {
    memset(tot, 0, sizeof *tot);
    for (uint32_t v = 0; v < g->n; v++) tot->members += in_set[v] != 0;
    tot->edges_within = acc[0];
    tot->recip_within = acc[1] / 2;
    tot->edges_out = acc[2];
    tot->edges_in = acc[3];
  }
  return 0;
}
