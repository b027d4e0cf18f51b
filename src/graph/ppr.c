/* Personalized PageRank by pull-based Gauss-Seidel iteration.
 *
 * Every node v pulls y[u] * w over its incoming walk edges, where y[u] =
 * x[u] / (weighted degree of u), so the edge loop is one gather and one
 * multiply-add (no division, and no weight load at all on unit-weight
 * graphs). Restart and dangling mass both go to the seed distribution s:
 *   x = (1 - a) P^T x + ((1 - a) d + a) s,   d = mass on dangling nodes.
 * Gauss-Seidel: y[v] is updated in place as soon as x[v] is, so later nodes
 * of the same sweep already see it; this roughly halves the sweeps a Jacobi
 * (power) iteration needs for the same tolerance.
 *
 * Threads own contiguous node ranges balanced by edge count. Reading another
 * range's live values would make the result depend on timing, so a thread
 * reads live values only inside its own range and a snapshot (taken between
 * sweeps) elsewhere. Rows are sorted, so each row splits into three
 * segments [before own range | own range | after] located once per call by
 * binary search: no per-edge test. The result is deterministic for a given
 * thread count (and differs across counts only within the tolerance). The
 * row sum uses four accumulators: float additions are latency-bound. */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "vigil/error.h"
#include "vigil/graph.h"

#define MAX_THREADS 64

void vigil_ppr_opts_init(vigil_ppr_opts *o) {
  o->alpha = 0.15;
  o->tol = 1e-6;
  o->max_iter = 200;
  o->threads = 2;
  o->dir = VIGIL_PPR_OUT;
}

typedef struct ppr_job ppr_job;

typedef struct ppr_shared {
  const vigil_graph *g;
  int dir;
  float *x;            /* the vector, updated in place */
  float *y;            /* live x/deg */
  float *yp;           /* snapshot of y at the start of the sweep */
  const float *s, *inv;
  uint32_t *sp_in, *sp_out; /* per node: 2 split offsets into its row */
  float c1;            /* 1 - alpha */
  float c2;            /* restart + dangling mass going to s this sweep */
  int stop, iters, max_iter, running, go;
  double tol;
  int nthreads;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  pthread_barrier_t bar;
  ppr_job *jobs;
} ppr_shared;

struct ppr_job {
  ppr_shared *sh;
  uint32_t lo, hi;
  int owner; /* index of the thread that sweeps this range (0 = caller) */
  double diff, dangling; /* this range's L1 change and dangling mass */
};

static inline float seg_sum(const uint32_t *idx, const float *w, const float *y, uint64_t e,
                            uint64_t end, int unit) {
  float a0 = 0, a1 = 0, a2 = 0, a3 = 0;
  if (unit) {
    for (; e + 4 <= end; e += 4) {
      __builtin_prefetch(&y[idx[e + 16]]);
      a0 += y[idx[e]];
      a1 += y[idx[e + 1]];
      a2 += y[idx[e + 2]];
      a3 += y[idx[e + 3]];
    }
    for (; e < end; e++) a0 += y[idx[e]];
  } else {
    for (; e + 4 <= end; e += 4) {
      __builtin_prefetch(&y[idx[e + 16]]); /* idx has >= 16 slack entries */
      a0 += y[idx[e]] * w[e];
      a1 += y[idx[e + 1]] * w[e + 1];
      a2 += y[idx[e + 2]] * w[e + 2];
      a3 += y[idx[e + 3]] * w[e + 3];
    }
    for (; e < end; e++) a0 += y[idx[e]] * w[e];
  }
  return (a0 + a1) + (a2 + a3);
}

static inline float row_sum(const uint64_t *off, const uint32_t *idx, const float *w,
                            const uint32_t *sp, const float *y, const float *yp, uint32_t v,
                            int unit) {
  uint64_t a = off[v], b = a + sp[2 * (size_t)v], c = a + sp[2 * (size_t)v + 1], d = off[v + 1];
  float r = seg_sum(idx, w, y, b, c, unit);
  if (a < b) r += seg_sum(idx, w, yp, a, b, unit);
  if (c < d) r += seg_sum(idx, w, yp, c, d, unit);
  return r;
}

/* first position in the sorted row [a, b) whose index is >= key */
static uint64_t lower_bound(const uint32_t *idx, uint64_t a, uint64_t b, uint32_t key) {
  while (a < b) {
    uint64_t mid = a + (b - a) / 2;
    if (idx[mid] < key) a = mid + 1;
    else b = mid;
  }
  return a;
}

static void find_splits(ppr_job *j, const uint64_t *off, const uint32_t *idx, uint32_t *sp) {
  for (uint32_t v = j->lo; v < j->hi; v++) {
    uint64_t a = off[v], b = off[v + 1];
    uint64_t l = j->sh->nthreads == 1 ? a : lower_bound(idx, a, b, j->lo);
    uint64_t h = j->sh->nthreads == 1 ? b : lower_bound(idx, l, b, j->hi);
    sp[2 * (size_t)v] = (uint32_t)(l - a);
    sp[2 * (size_t)v + 1] = (uint32_t)(h - a);
  }
}

static void sweep(ppr_job *j) {
  ppr_shared *sh = j->sh;
  const vigil_graph *g = sh->g;
  const float *yp = sh->yp, *s = sh->s, *inv = sh->inv;
  float *x = sh->x, *y = sh->y;
  const float c1 = sh->c1, c2 = sh->c2;
  const int unit = g->unit_weights, dir = sh->dir;
  double diff = 0, dang = 0;
  for (uint32_t v = j->lo; v < j->hi; v++) {
    float sum = 0;
    if (dir != VIGIL_PPR_IN) sum += row_sum(g->in_off, g->in_idx, g->in_w, sh->sp_in, y, yp, v, unit);
    if (dir != VIGIL_PPR_OUT)
      sum += row_sum(g->out_off, g->out_idx, g->out_w, sh->sp_out, y, yp, v, unit);
    float nv = c1 * sum + c2 * s[v];
    diff += fabsf(nv - x[v]);
    x[v] = nv;
    y[v] = nv * inv[v];
    if (inv[v] == 0) dang += nv;
  }
  j->diff = diff;
  j->dangling = dang;
}

static void publish_snapshot(ppr_shared *sh, int self) {
  if (sh->nthreads == 1) return; /* one range: every read is live */
  for (int t = 0; t < sh->nthreads; t++) {
    ppr_job *j = &sh->jobs[t];
    if (j->owner == self && j->hi > j->lo)
      memcpy(sh->yp + j->lo, sh->y + j->lo, (size_t)(j->hi - j->lo) * sizeof *sh->y);
  }
}

/* Every running thread sweeps its own jobs (the caller also those of
 * threads that could not be started); the caller decides after each sweep
 * and publishes the decision between the two barriers. */
static void iterate(ppr_shared *sh, int self) {
  for (int t = 0; t < sh->nthreads; t++) {
    ppr_job *j = &sh->jobs[t];
    if (j->owner != self) continue;
    if (sh->dir != VIGIL_PPR_IN) find_splits(j, sh->g->in_off, sh->g->in_idx, sh->sp_in);
    if (sh->dir != VIGIL_PPR_OUT) find_splits(j, sh->g->out_off, sh->g->out_idx, sh->sp_out);
  }
  if (sh->running > 1) pthread_barrier_wait(&sh->bar);
  for (;;) {
    for (int t = 0; t < sh->nthreads; t++)
      if (sh->jobs[t].owner == self) sweep(&sh->jobs[t]);
    if (sh->running > 1) pthread_barrier_wait(&sh->bar);
    if (self == 0) {
      double diff = 0, dang = 0;
      for (int t = 0; t < sh->nthreads; t++) diff += sh->jobs[t].diff, dang += sh->jobs[t].dangling;
      sh->c2 = (float)(1.0 - sh->c1 + sh->c1 * dang);
      sh->iters++;
      sh->stop = diff < sh->tol || sh->iters >= sh->max_iter;
    }
    publish_snapshot(sh, self);
    if (sh->running > 1) pthread_barrier_wait(&sh->bar);
    if (sh->stop) return;
  }
}

/* Threads wait at the gate until the caller knows how many started, so the
 * barrier can be sized to the threads that really run. */
static void *worker(void *arg) {
  ppr_job *j = arg;
  ppr_shared *sh = j->sh;
  pthread_mutex_lock(&sh->mu);
  while (!sh->go) pthread_cond_wait(&sh->cv, &sh->mu);
  pthread_mutex_unlock(&sh->mu);
  iterate(sh, j->owner);
  return NULL;
}

/* First node whose cumulative work reaches `target` (work of v = its walk
 * edges + 1, so long runs of isolated nodes still count). */
static uint32_t split_at(const vigil_graph *g, int dir, double target) {
  uint32_t lo = 0, hi = g->n;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    double w = (double)mid;
    if (dir != VIGIL_PPR_IN) w += (double)g->in_off[mid];
    if (dir != VIGIL_PPR_OUT) w += (double)g->out_off[mid];
    if (w < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

int vigil_graph_ppr(const vigil_graph *g, const uint32_t *seeds, const float *seed_w,
                    size_t n_seeds, const vigil_ppr_opts *o, float *x, int *iters) {
  vigil_ppr_opts def;
  if (!o) {
    vigil_ppr_opts_init(&def);
    o = &def;
  }
  if (!g || !x || (n_seeds && !seeds) || !(o->alpha > 0 && o->alpha <= 1) || !(o->tol >= 0) ||
      o->max_iter < 1 || o->dir < VIGIL_PPR_OUT || o->dir > VIGIL_PPR_BOTH)
    return VIGIL_EINVAL;
  uint32_t n = g->n;
  if (n == 0) return n_seeds ? VIGIL_ERANGE : VIGIL_EINVAL;
  double total = 0;
  for (size_t i = 0; i < n_seeds; i++) {
    if (seeds[i] >= n) return VIGIL_ERANGE;
    float w = seed_w ? seed_w[i] : 1.0f;
    if (!(isfinite(w) && w >= 0)) return VIGIL_EINVAL;
    total += w;
  }
  if (!(total > 0)) return VIGIL_EINVAL;

  int nt = o->threads < 1 ? 1 : o->threads > MAX_THREADS ? MAX_THREADS : o->threads;
  if ((uint64_t)n + 2 * g->m < 200000) nt = 1; /* tiny graphs: threads cost more than they give */
  size_t nn = n;
  float *s = calloc(nn, sizeof *s), *inv = malloc(nn * sizeof *inv);
  float *y = malloc(nn * sizeof *y), *yp = malloc(nn * sizeof *yp);
  uint32_t *sp_in = o->dir != VIGIL_PPR_IN ? malloc(2 * nn * sizeof *sp_in) : NULL;
  uint32_t *sp_out = o->dir != VIGIL_PPR_OUT ? malloc(2 * nn * sizeof *sp_out) : NULL;
  ppr_job *jobs = calloc((size_t)nt, sizeof *jobs);
  pthread_t *tid = calloc((size_t)nt, sizeof *tid);
  int rc = VIGIL_ENOMEM;
  if (!s || !inv || !y || !yp || !jobs || !tid || (o->dir != VIGIL_PPR_IN && !sp_in) ||
      (o->dir != VIGIL_PPR_OUT && !sp_out))
    goto out;
  for (size_t i = 0; i < n_seeds; i++) s[seeds[i]] += (float)((seed_w ? seed_w[i] : 1.0f) / total);

  double dang = 0;
  for (uint32_t v = 0; v < n; v++) {
    double d;
    if (g->unit_weights) {
      d = 0;
      if (o->dir != VIGIL_PPR_IN) d += (double)(g->out_off[v + 1] - g->out_off[v]);
      if (o->dir != VIGIL_PPR_OUT) d += (double)(g->in_off[v + 1] - g->in_off[v]);
    } else {
      d = (o->dir != VIGIL_PPR_IN ? g->out_wsum[v] : 0) + (o->dir != VIGIL_PPR_OUT ? g->in_wsum[v] : 0);
    }
    inv[v] = d > 0 ? (float)(1.0 / d) : 0.0f;
    x[v] = s[v];
    y[v] = yp[v] = s[v] * inv[v];
    if (d <= 0) dang += s[v];
  }

  ppr_shared sh = {0};
  sh.g = g, sh.dir = o->dir, sh.x = x, sh.y = y, sh.yp = yp, sh.s = s, sh.inv = inv;
  sh.sp_in = sp_in, sh.sp_out = sp_out;
  sh.c1 = (float)(1.0 - o->alpha);
  sh.c2 = (float)(o->alpha + (1.0 - o->alpha) * dang);
  sh.nthreads = nt, sh.jobs = jobs, sh.tol = o->tol, sh.max_iter = o->max_iter;
  double work = (double)n + (o->dir != VIGIL_PPR_IN ? (double)g->m : 0) +
                (o->dir != VIGIL_PPR_OUT ? (double)g->m : 0);
  for (int t = 0; t < nt; t++) {
    jobs[t].sh = &sh;
    jobs[t].lo = t == 0 ? 0 : jobs[t - 1].hi;
    jobs[t].hi = t == nt - 1 ? n : split_at(g, o->dir, work * (t + 1) / nt);
    if (jobs[t].hi < jobs[t].lo) jobs[t].hi = jobs[t].lo;
  }
  pthread_mutex_init(&sh.mu, NULL);
  pthread_cond_init(&sh.cv, NULL);
  sh.running = 1;
  for (int t = 1; t < nt; t++) {
    jobs[t].owner = t;
    if (pthread_create(&tid[t], NULL, worker, &jobs[t])) {
      for (int k = t; k < nt; k++) jobs[k].owner = 0; /* the caller takes them over */
      break;
    }
    sh.running++;
  }
  if (sh.running > 1) pthread_barrier_init(&sh.bar, NULL, (unsigned)sh.running);
  pthread_mutex_lock(&sh.mu);
  sh.go = 1;
  pthread_cond_broadcast(&sh.cv);
  pthread_mutex_unlock(&sh.mu);
  iterate(&sh, 0);
  for (int t = 1; t < sh.running; t++) pthread_join(tid[t], NULL);
  if (sh.running > 1) pthread_barrier_destroy(&sh.bar);
  pthread_cond_destroy(&sh.cv);
  pthread_mutex_destroy(&sh.mu);

  /* renormalise away float drift, summing in double */
  double sum = 0;
  for (uint32_t v = 0; v < n; v++) sum += x[v];
  float scale = sum > 0 ? (float)(1.0 / sum) : 1.0f;
  for (uint32_t v = 0; v < n; v++) x[v] *= scale;
  if (iters) *iters = sh.iters;
  rc = 0;
out:
  free(s), free(inv), free(y), free(yp), free(sp_in), free(sp_out), free(jobs), free(tid);
  return rc;
}
