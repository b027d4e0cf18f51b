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
 * row sum uses four accumulators: float additions are latency-bound.
 *
 * Cache blocking. On a large graph the gathers y[u] land anywhere in an
 * n-float vector (8 MB at 2M nodes) and each one costs a cache and TLB
 * miss. Nodes are cut into blocks of B = 2^bits and the walk edges are
 * copied once per call into tiles (destination block D, source block S),
 * each edge one uint32 code (dst - D*B) << bits | (src - S*B) plus its
 * weight. A sweep takes destination blocks in order: for each D it
 * scatters every off-diagonal tile into a B-float accumulator (the gathered
 * slice of y and the accumulator, 2 x 128 KB at bits 15, stay in L2), then
 * walks the diagonal tile in destination order and finalises each node.
 * Sources in earlier blocks already hold this sweep's values, later ones
 * last sweep's, and inside D the order is node order: exactly the same
 * Gauss-Seidel order as the plain kernel. Threads own whole blocks. */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "vigil/error.h"
#include "vigil/graph.h"

#define MAX_THREADS 64
#define AUTO_BITS 15
#define AUTO_MIN_NODES (1u << 17) /* a 512 KB vector: half of L2 */
#define MAX_BLOCKS 2048 /* nb^2 tile offsets: 32 MB at most */

void vigil_ppr_opts_init(vigil_ppr_opts *o) {
  o->alpha = 0.15;
  o->tol = 1e-6;
  o->max_iter = 200;
  o->threads = 2;
  o->dir = VIGIL_PPR_OUT;
  o->block_bits = 0;
}

/* Vectors of several MB are gathered from at random: 2 MB pages spare a
 * TLB miss per gather where THP is in madvise mode. Freed with free(). */
static void *big_alloc(size_t bytes) {
  if (bytes < (4u << 20)) return malloc(bytes ? bytes : 1);
  void *p = NULL;
  if (posix_memalign(&p, 2u << 20, bytes)) return NULL;
#ifdef MADV_HUGEPAGE
  madvise(p, bytes, MADV_HUGEPAGE); /* advisory: failure only costs speed */
#endif
  return p;
}

/* The walk edges in tiles: tile t = D * nb + S holds the edges into block D
 * from block S as code = dst_local << bits | src_local, weights in w (NULL
 * for unit weights); diagonal tiles in destination order, the others in
 * source order. */
typedef struct ppr_tiles {
  int bits;
  uint32_t nb;
  uint64_t *off; /* nb * nb + 1 */
  uint32_t *code;
  float *w;
} ppr_tiles;

static void tiles_free(ppr_tiles *t) { free(t->off), free(t->code), free(t->w); }

static int tiles_build(const vigil_graph *g, int dir, int bits, ppr_tiles *t) {
  uint32_t n = g->n, nb = (uint32_t)(((uint64_t)n + (1u << bits) - 1) >> bits);
  uint32_t mask = (1u << bits) - 1;
  uint64_t mw = (dir != VIGIL_PPR_IN ? g->m : 0) + (dir != VIGIL_PPR_OUT ? g->m : 0);
  size_t nt = (size_t)nb * nb;
  t->bits = bits, t->nb = nb;
  t->off = calloc(nt + 1, sizeof *t->off);
  uint64_t *cur = malloc((nt + 1) * sizeof *cur);
  t->code = big_alloc((size_t)(mw ? mw : 1) * sizeof *t->code);
  t->w = g->unit_weights ? NULL : big_alloc((size_t)(mw ? mw : 1) * sizeof *t->w);
  if (!t->off || !cur || !t->code || (!g->unit_weights && !t->w)) {
    free(cur);
    tiles_free(t);
    return VIGIL_ENOMEM;
  }
  const uint64_t *offs[2] = {g->in_off, g->out_off};
  const uint32_t *idxs[2] = {g->in_idx, g->out_idx};
  const float *ws[2] = {g->in_w, g->out_w};
  int use[2] = {dir != VIGIL_PPR_IN, dir != VIGIL_PPR_OUT};
  for (uint32_t v = 0; v < n; v++) {
    uint64_t *row = t->off + 1 + (size_t)(v >> bits) * nb;
    for (int k = 0; k < 2; k++)
      if (use[k])
        for (uint64_t e = offs[k][v]; e < offs[k][v + 1]; e++) row[idxs[k][e] >> bits]++;
  }
  for (size_t i = 0; i < nt; i++) t->off[i + 1] += t->off[i];
  memcpy(cur, t->off, (nt + 1) * sizeof *cur);
  /* diagonal tiles in destination order (the Gauss-Seidel order) */
  for (uint32_t v = 0; v < n; v++) {
    uint32_t D = v >> bits, hi = (v & mask) << bits;
    uint64_t *pos = cur + (size_t)D * nb + D;
    for (int k = 0; k < 2; k++) {
      if (!use[k]) continue;
      for (uint64_t e = offs[k][v]; e < offs[k][v + 1]; e++) {
        uint32_t u = idxs[k][e];
        if (u >> bits != D) continue;
        uint64_t p = (*pos)++;
        t->code[p] = hi | (u & mask);
        if (t->w) t->w[p] = ws[k][e];
      }
    }
  }
  /* Off-diagonal tiles in source order, from the mirror CSR (v pulls from
   * u over the in-row of v = u's out-row lists v): a hub destination's
   * edges then no longer come in a row, which would chain every
   * accumulator update on the previous one through store forwarding. */
  for (uint32_t u = 0; u < n; u++) {
    uint32_t S = u >> bits, lo = u & mask;
    for (int k = 0; k < 2; k++) {
      if (!use[k]) continue;
      const uint64_t *off = offs[1 - k];
      const uint32_t *idx = idxs[1 - k];
      for (uint64_t e = off[u]; e < off[u + 1]; e++) {
        uint32_t v = idx[e], D = v >> bits;
        if (D == S) continue;
        uint64_t p = cur[(size_t)D * nb + S]++;
        t->code[p] = (v & mask) << bits | lo;
        if (t->w) t->w[p] = ws[1 - k][e];
      }
    }
  }
  free(cur);
  return 0;
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
  const ppr_tiles *tiles;   /* non-NULL: blocked sweeps */
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
  float *acc; /* blocked: one block of partial sums */
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

/* acc[dst_local] += ys[src_local] * w over one off-diagonal tile */
static void tile_scatter(const uint32_t *code, const float *w, uint64_t e, uint64_t end,
                         const float *ys, float *acc, int bits) {
  const uint32_t mask = (1u << bits) - 1;
  if (!w) {
    for (; e < end; e++) {
      uint32_t c = code[e];
      acc[c >> bits] += ys[c & mask];
    }
  } else {
    for (; e < end; e++) {
      uint32_t c = code[e];
      acc[c >> bits] += ys[c & mask] * w[e];
    }
  }
}

static void sweep_blocked(ppr_job *j) {
  ppr_shared *sh = j->sh;
  const ppr_tiles *t = sh->tiles;
  const int bits = t->bits;
  const uint32_t nb = t->nb, mask = (1u << bits) - 1, n = sh->g->n;
  const float *yp = sh->yp, *s = sh->s, *inv = sh->inv;
  float *x = sh->x, *y = sh->y, *acc = j->acc;
  const float c1 = sh->c1, c2 = sh->c2;
  double diff = 0, dang = 0;
  if (j->hi > j->lo) {
    uint32_t dlo = j->lo >> bits, dhi = (uint32_t)(((uint64_t)j->hi + mask) >> bits);
    for (uint32_t D = dlo; D < dhi; D++) {
      uint32_t vlo = D << bits, len = n - vlo < mask + 1 ? n - vlo : mask + 1;
      memset(acc, 0, (size_t)len * sizeof *acc);
      const uint64_t *off = t->off + (size_t)D * nb;
      for (uint32_t S = 0; S < nb; S++) {
        if (S == D || off[S] == off[S + 1]) continue;
        uint32_t slo = S << bits;
        const float *ys = (slo >= j->lo && slo < j->hi ? y : yp) + slo;
        tile_scatter(t->code, t->w, off[S], off[S + 1], ys, acc, bits);
      }
      /* diagonal tile: in node order with live values (Gauss-Seidel) */
      uint64_t e = off[D], end = off[D + 1];
      const float *yd = y + vlo;
      for (uint32_t i = 0; i < len; i++) {
        float sum = acc[i];
        if (t->w)
          for (; e < end && t->code[e] >> bits == i; e++) sum += yd[t->code[e] & mask] * t->w[e];
        else
          for (; e < end && t->code[e] >> bits == i; e++) sum += yd[t->code[e] & mask];
        uint32_t v = vlo + i;
        float nv = c1 * sum + c2 * s[v];
        diff += fabsf(nv - x[v]);
        x[v] = nv;
        y[v] = nv * inv[v];
        if (inv[v] == 0) dang += nv;
      }
    }
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
    if (j->owner != self || sh->tiles) continue;
    if (sh->dir != VIGIL_PPR_IN) find_splits(j, sh->g->in_off, sh->g->in_idx, sh->sp_in);
    if (sh->dir != VIGIL_PPR_OUT) find_splits(j, sh->g->out_off, sh->g->out_idx, sh->sp_out);
  }
  if (sh->running > 1) pthread_barrier_wait(&sh->bar);
  for (;;) {
    for (int t = 0; t < sh->nthreads; t++)
      if (sh->jobs[t].owner == self) {
        if (sh->tiles) sweep_blocked(&sh->jobs[t]);
        else sweep(&sh->jobs[t]);
      }
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
      o->max_iter < 1 || o->dir < VIGIL_PPR_OUT || o->dir > VIGIL_PPR_BOTH ||
      o->block_bits < -1 || (o->block_bits > 0 && (o->block_bits < 4 || o->block_bits > 16)))
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
  int bits = o->block_bits;
  if (bits == 0) bits = n > AUTO_MIN_NODES ? AUTO_BITS : -1;
  if (bits > 0 && (((uint64_t)n + (1u << bits) - 1) >> bits) > MAX_BLOCKS) bits = -1;
  size_t nn = n;
  float *s = calloc(nn, sizeof *s), *inv = malloc(nn * sizeof *inv);
  float *y = big_alloc(nn * sizeof *y), *yp = big_alloc(nn * sizeof *yp);
  int plain = bits < 0;
  uint32_t *sp_in = plain && o->dir != VIGIL_PPR_IN ? malloc(2 * nn * sizeof *sp_in) : NULL;
  uint32_t *sp_out = plain && o->dir != VIGIL_PPR_OUT ? malloc(2 * nn * sizeof *sp_out) : NULL;
  ppr_job *jobs = calloc((size_t)nt, sizeof *jobs);
  pthread_t *tid = calloc((size_t)nt, sizeof *tid);
  ppr_tiles tiles = {0};
  int rc = VIGIL_ENOMEM, have_tiles = 0;
  if (!s || !inv || !y || !yp || !jobs || !tid || (plain && o->dir != VIGIL_PPR_IN && !sp_in) ||
      (plain && o->dir != VIGIL_PPR_OUT && !sp_out))
    goto out;
  if (!plain) {
    if ((rc = tiles_build(g, o->dir, bits, &tiles))) goto out;
    have_tiles = 1;
    rc = VIGIL_ENOMEM;
    for (int t = 0; t < nt; t++)
      if (!(jobs[t].acc = malloc(sizeof(float) << bits))) goto out;
  }
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
  sh.sp_in = sp_in, sh.sp_out = sp_out, sh.tiles = have_tiles ? &tiles : NULL;
  sh.c1 = (float)(1.0 - o->alpha);
  sh.c2 = (float)(o->alpha + (1.0 - o->alpha) * dang);
  sh.nthreads = nt, sh.jobs = jobs, sh.tol = o->tol, sh.max_iter = o->max_iter;
  double work = (double)n + (o->dir != VIGIL_PPR_IN ? (double)g->m : 0) +
                (o->dir != VIGIL_PPR_OUT ? (double)g->m : 0);
  for (int t = 0; t < nt; t++) {
    jobs[t].sh = &sh;
    jobs[t].lo = t == 0 ? 0 : jobs[t - 1].hi;
    jobs[t].hi = t == nt - 1 ? n : split_at(g, o->dir, work * (t + 1) / nt);
    if (!plain && jobs[t].hi < n) { /* blocked: threads own whole blocks */
      uint64_t r = ((uint64_t)jobs[t].hi + (1u << (bits - 1))) >> bits << bits;
      jobs[t].hi = r < n ? (uint32_t)r : n;
    }
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
  for (int t = 0; jobs && t < nt; t++) free(jobs[t].acc);
  if (have_tiles) tiles_free(&tiles);
  free(s), free(inv), free(y), free(yp), free(sp_in), free(sp_out), free(jobs), free(tid);
  return rc;
}
