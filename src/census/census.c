/* The census run: evidence -> features -> cross-validated L2 logistic
 * regression -> expansion level 2 -> scores with reasons -> corrected
 * population estimate. docs/census.md explains every step. */
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "census/census_int.h"
#include "census/features.h"
#include "vigil/census.h"
#include "vigil/error.h"
#include "vigil/graph.h"

enum { /* features, in the order they are listed in the run's params */
  F_OUT_S, F_IN_S, F_RECIP_S, F_OUT_FRAC, F_IN_FRAC, F_OUT_NEG, F_IN_NEG, F_PPR, F_CORE,
  F_OUTDEG, F_INDEG,
  F_TOK0, /* VC_NGROUPS token groups */
  F_FOLLOWERS = F_TOK0 + VC_NGROUPS, F_FOLLOWING, F_STATUSES, F_AGE, F_PPD, F_PROFILE, F_POSTS,
  NF
};
static const char *const FNAME[NF] = {
    "ingroup_out", "ingroup_in", "ingroup_reciprocal", "ingroup_out_share", "ingroup_in_share",
    "negatives_out", "negatives_in", "ppr_contrast", "core", "out_degree", "in_degree",
    "tokens_word", "tokens_hashtag", "tokens_domain", "tokens_language", "tokens_location",
    "tokens_device", "followers", "following", "statuses", "account_age", "posts_per_day",
    "has_profile", "posts_collected"};

void vigil_census_opts_init(vigil_census_opts *o) {
  memset(o, 0, sizeof *o);
  o->positive = "supporter";
  o->folds = 5;
  o->seed = 1;
  o->threshold = 0.5;
  o->levels = 2;
  o->bootstrap = 1000;
  o->threads = 2;
  o->l2 = 0.1; /* see docs/census.md: CV on a few hundred easy labels picks too weak a penalty */
}

void vigil_census_result_release(vigil_census_result *r) {
  if (!r) return;
  free(r->summary_json);
  r->summary_json = NULL;
}

/* ---- vocabulary: document frequencies of labelled accounts' tokens ------- */
typedef struct vocab {
  uint32_t *key;   /* open addressing, 0 = empty */
  uint32_t *idx;
  size_t cap, n;
  int32_t *pos, *neg;       /* totals per token */
  int32_t *fpos, *fneg;     /* per fold: [fold * n + v] */
  int folds;
} vocab;

static int64_t vocab_find(const vocab *v, uint32_t key) {
  uint32_t k = key ? key : 1;
  size_t j = (k * 2654435761u) & (v->cap - 1);
  while (v->key[j]) {
    if (v->key[j] == k) return v->idx[j];
    j = (j + 1) & (v->cap - 1);
  }
  return -1;
}

static int vocab_add(vocab *v, uint32_t key) {
  uint32_t k = key ? key : 1;
  size_t j = (k * 2654435761u) & (v->cap - 1);
  while (v->key[j]) {
    if (v->key[j] == k) return 0;
    j = (j + 1) & (v->cap - 1);
  }
  v->key[j] = k, v->idx[j] = (uint32_t)v->n++;
  return 0;
}

/* Calls f for every distinct token of account i (profile and posts merged). */
#define FOR_TOKENS(ev, i, KEY, ...)                                                  \
  do {                                                                                \
    const uint32_t *pa_ = (ev)->prof.tok + (ev)->prof.off[i],                         \
                   *pe_ = (ev)->prof.tok + (ev)->prof.off[(i) + 1];                   \
    const uint32_t *qa_ = (ev)->post.tok + (ev)->post.off[i],                         \
                   *qe_ = (ev)->post.tok + (ev)->post.off[(i) + 1];                   \
    while (pa_ < pe_ || qa_ < qe_) {                                                  \
      uint32_t KEY;                                                                   \
      if (qa_ >= qe_ || (pa_ < pe_ && *pa_ < *qa_)) KEY = *pa_++;                     \
      else if (pa_ >= pe_ || *qa_ < *pa_) KEY = *qa_++;                               \
      else KEY = *pa_++, qa_++;                                                       \
      __VA_ARGS__                                                                     \
    }                                                                                 \
  } while (0)

typedef struct census {
  vigil_store *s;
  const vigil_census_opts *o;
  FILE *log;
  vc_evidence ev;
  size_t n;
  vigil_graph *g;
  int follow_only;
  uint32_t *core;
  /* labelled accounts */
  uint32_t *lab;    /* account ids */
  uint8_t *y;
  int *fold;
  size_t nl, npos, nneg;
  int folds;
  vocab voc;
  /* per level */
  uint8_t *set;                 /* current supporter set */
  uint32_t *out_s, *in_s, *rec_s, *out_n, *in_n;
  float *ppr;                   /* contrast score, self-restart removed */
  float *ppr_neg;               /* PPR from the labelled negatives */
  uint32_t *ppr_rank;
  uint8_t present[NF];
  int active[NF], nactive;
  /* results */
  double *prob;                 /* n: score of the last level */
  double *oof;                  /* nl: out-of-fold probability */
  vigil_logreg model;
  double l2_used;
  int64_t now;
  vigil_buf params, levels_json;
} census;

static void say(census *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Process CPU time (all threads) so far: on a shared machine wall time
 * says little, so every progress line carries it. */
static double cpu_secs(void) {
  struct rusage ru;
  if (getrusage(RUSAGE_SELF, &ru)) return 0;
  return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
}

static void say(census *c, const char *fmt, ...) {
  if (c->o->quiet) return;
  va_list ap;
  va_start(ap, fmt);
  fputs("census: ", c->log);
  vfprintf(c->log, fmt, ap);
  fprintf(c->log, " [cpu %.1f s]\n", cpu_secs());
  va_end(ap);
}

static double secs(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

/* ---- labels ---------------------------------------------------------------- */
typedef struct lab_ctx {
  census *c;
  const char *positive;
  uint8_t *label;
  size_t n;
} lab_ctx;

static int label_cb(void *ctx, const vigil_label_row *r) {
  lab_ctx *l = ctx;
  if (r->account <= 0 || (uint64_t)r->account >= l->n) return 0;
  l->label[r->account] = vigil_str_eq_c(r->label, l->positive) ? 1 : 2;
  return 0;
}

/* ---- token log-odds --------------------------------------------------------- */
/* Weight of a token seen in p of P positive and q of Q negative labelled
 * accounts (Laplace-smoothed Bernoulli log-odds). Tokens seen in fewer than
 * two labelled accounts carry no weight: one account's idiosyncrasies are
 * not evidence about a class. */
static inline double tok_weight(double p, double q, double P, double Q) {
  if (p + q < 2) return 0;
  return log((p + 1) / (P + 2)) - log((q + 1) / (Q + 2));
}

/* Token features of account i. excl_fold >= 0: counts without that fold;
 * self >= 0: the account itself is labelled (its own counts are removed).
 * best_key (may be NULL): per group, the token with the largest |weight|
 * in the direction of the group sum. */
static void tok_features(const census *c, uint32_t i, int excl_fold, int self_y, double *f,
                         uint32_t *best_key) {
  double sum[VC_NGROUPS] = {0}, cnt[VC_NGROUPS] = {0}, bw[VC_NGROUPS] = {0}, bwn[VC_NGROUPS] = {0};
  uint32_t bk[VC_NGROUPS] = {0}, bkn[VC_NGROUPS] = {0};
  const vocab *v = &c->voc;
  double P = (double)c->npos, Q = (double)c->nneg;
  if (excl_fold >= 0) {
    for (size_t j = 0; j < c->nl; j++)
      if (c->fold[j] == excl_fold) { if (c->y[j]) P -= 1; else Q -= 1; }
  }
  if (self_y == 1) P -= 1;
  else if (self_y == 0) Q -= 1;
  FOR_TOKENS(&c->ev, i, key, {
    int g = vc_tok_group(key);
    if (g >= VC_NGROUPS) continue;
    cnt[g] += 1;
    int64_t t = v->n ? vocab_find(v, key) : -1;
    if (t < 0) continue;
    double p = v->pos[t], q = v->neg[t];
    if (excl_fold >= 0) p -= v->fpos[(size_t)excl_fold * v->n + t], q -= v->fneg[(size_t)excl_fold * v->n + t];
    if (self_y == 1) p -= 1;
    else if (self_y == 0) q -= 1;
    double w = tok_weight(p, q, P, Q);
    sum[g] += w;
    if (w > bw[g]) bw[g] = w, bk[g] = key;
    if (w < bwn[g]) bwn[g] = w, bkn[g] = key;
  });
  for (int g = 0; g < VC_NGROUPS; g++) {
    f[g] = cnt[g] > 0 ? sum[g] / sqrt(cnt[g]) : 0;
    if (best_key) best_key[g] = sum[g] >= 0 ? bk[g] : bkn[g];
  }
}

static int build_vocab(census *c) {
  vocab *v = &c->voc;
  size_t ntok = 0;
  for (size_t j = 0; j < c->nl; j++) {
    uint32_t i = c->lab[j];
    ntok += (c->ev.prof.off[i + 1] - c->ev.prof.off[i]) + (c->ev.post.off[i + 1] - c->ev.post.off[i]);
  }
  v->cap = 1024;
  while (v->cap < 2 * ntok + 2) v->cap <<= 1;
  v->key = calloc(v->cap, sizeof *v->key);
  v->idx = calloc(v->cap, sizeof *v->idx);
  if (!v->key || !v->idx) return VIGIL_ENOMEM;
  for (size_t j = 0; j < c->nl; j++) FOR_TOKENS(&c->ev, c->lab[j], key, { vocab_add(v, key); });
  size_t n = v->n ? v->n : 1;
  v->folds = c->folds;
  v->pos = calloc(n, sizeof *v->pos);
  v->neg = calloc(n, sizeof *v->neg);
  v->fpos = calloc(n * (size_t)c->folds, sizeof *v->fpos);
  v->fneg = calloc(n * (size_t)c->folds, sizeof *v->fneg);
  if (!v->pos || !v->neg || !v->fpos || !v->fneg) return VIGIL_ENOMEM;
  for (size_t j = 0; j < c->nl; j++) {
    int f = c->fold[j], yy = c->y[j];
    FOR_TOKENS(&c->ev, c->lab[j], key, {
      int64_t t = vocab_find(v, key);
      if (yy) v->pos[t]++, v->fpos[(size_t)f * v->n + t]++;
      else v->neg[t]++, v->fneg[(size_t)f * v->n + t]++;
    });
  }
  return 0;
}

static void vocab_free(vocab *v) {
  free(v->key); free(v->idx); free(v->pos); free(v->neg); free(v->fpos); free(v->fneg);
  memset(v, 0, sizeof *v);
}

/* ---- features ------------------------------------------------------------------ */
static void features(const census *c, uint32_t i, int excl_fold, int self_y, double *x,
                     uint32_t *best_key) {
  const vc_evidence *e = &c->ev;
  if (c->g) {
    double od = (double)(c->g->out_off[i + 1] - c->g->out_off[i]);
    double id = (double)(c->g->in_off[i + 1] - c->g->in_off[i]);
    x[F_OUT_S] = log1p(c->out_s[i]);
    x[F_IN_S] = log1p(c->in_s[i]);
    x[F_RECIP_S] = log1p(c->rec_s[i]);
    x[F_OUT_FRAC] = od > 0 ? c->out_s[i] / od : 0;
    x[F_IN_FRAC] = id > 0 ? c->in_s[i] / id : 0;
    x[F_OUT_NEG] = log1p(c->out_n[i]);
    x[F_IN_NEG] = log1p(c->in_n[i]);
    x[F_PPR] = c->ppr[i];
    x[F_CORE] = log1p(c->core[i]);
    x[F_OUTDEG] = log1p(od);
    x[F_INDEG] = log1p(id);
  } else {
    for (int j = F_OUT_S; j < F_TOK0; j++) x[j] = 0;
  }
  tok_features(c, i, excl_fold, self_y, x + F_TOK0, best_key);
  x[F_FOLLOWERS] = e->followers[i] >= 0 ? log1p(e->followers[i]) : 0;
  x[F_FOLLOWING] = e->following[i] >= 0 ? log1p(e->following[i]) : 0;
  x[F_STATUSES] = e->statuses[i] >= 0 ? log1p(e->statuses[i]) : 0;
  double age = -1;
  if (e->created[i] != VIGIL_TIME_UNKNOWN && c->now != INT64_MIN)
    age = (double)(c->now - e->created[i]) / 86400.0;
  else if (e->first_post[i] && c->now != INT64_MIN)
    age = (double)(c->now - e->first_post[i]) / 86400.0;
  if (age < 0) age = -1;
  x[F_AGE] = age >= 0 ? log1p(age) : 0;
  double ppd = 0;
  if (age >= 0 && e->statuses[i] >= 0) ppd = e->statuses[i] / (age + 1);
  else if (age >= 0 && e->n_posts[i]) ppd = e->n_posts[i] / (age + 1);
  x[F_PPD] = log1p(ppd);
  x[F_PROFILE] = e->has_profile[i];
  x[F_POSTS] = log1p(e->n_posts[i]);
}

/* Features that carry no information in this store are dropped: a graph
 * without edges, profiles without counts, text without labelled tokens. */
typedef struct range_job {
  const census *c;
  uint32_t lo, hi;
  double min[NF], max[NF];
} range_job;

static void *present_thread(void *arg) {
  range_job *j = arg;
  double x[NF];
  for (int k = 0; k < NF; k++) j->min[k] = INFINITY, j->max[k] = -INFINITY;
  for (uint32_t i = j->lo; i < j->hi; i++) {
    if (!j->c->ev.seen[i]) continue;
    features(j->c, i, -1, -1, x, NULL);
    for (int k = 0; k < NF; k++) {
      if (x[k] < j->min[k]) j->min[k] = x[k];
      if (x[k] > j->max[k]) j->max[k] = x[k];
    }
  }
  return NULL;
}

static void detect_present(census *c) {
  memset(c->present, 0, sizeof c->present);
  double lo[NF], hi[NF];
  for (int j = 0; j < NF; j++) lo[j] = INFINITY, hi[j] = -INFINITY;
  int nt = c->o->threads < 1 ? 1 : c->o->threads > 8 ? 8 : c->o->threads;
  range_job job[8];
  pthread_t th[8];
  int started = 1;
  for (int t = 0; t < nt; t++)
    job[t] = (range_job){.c = c, .lo = (uint32_t)(1 + (uint64_t)(c->n - 1) * t / nt),
                         .hi = (uint32_t)(1 + (uint64_t)(c->n - 1) * (t + 1) / nt)};
  for (int t = 1; t < nt && started == t; t++)
    if (pthread_create(&th[t], NULL, present_thread, &job[t]) == 0) started++;
  present_thread(&job[0]);
  for (int t = 1; t < started; t++) pthread_join(th[t], NULL);
  for (int t = started; t < nt; t++) present_thread(&job[t]);
  for (int t = 0; t < nt; t++)
    for (int j = 0; j < NF; j++) {
      if (job[t].min[j] < lo[j]) lo[j] = job[t].min[j];
      if (job[t].max[j] > hi[j]) hi[j] = job[t].max[j];
    }
  c->nactive = 0;
  for (int j = 0; j < NF; j++) {
    c->present[j] = hi[j] > lo[j];
    if (c->present[j]) c->active[c->nactive++] = j;
  }
}

/* ---- graph features for the current set ---------------------------------------- */
static int graph_level(census *c, int level) {
  if (!c->g) return 0;
  double t0 = secs();
  uint32_t n = c->g->n;
  int rc = vigil_graph_ingroup(c->g, c->set, c->out_s, c->in_s, c->rec_s, NULL, c->o->threads);
  if (rc) return rc;
  if (level == 1) { /* the negatives do not change between levels */
    uint8_t *neg = calloc(n, 1);
    if (!neg) return VIGIL_ENOMEM;
    for (size_t j = 0; j < c->nl; j++)
      if (!c->y[j]) neg[c->lab[j]] = 1;
    rc = vigil_graph_ingroup(c->g, neg, c->out_n, c->in_n, NULL, NULL, c->o->threads);
    free(neg);
    if (rc) return rc;
  }
  /* PPR from the set and from the negatives: the log-ratio cancels degree.
   * Each seed's own restart mass is removed so a seed (a labelled account
   * in training) looks like any other account reached by the walk. */
  size_t ns = 0, nn = 0;
  for (uint32_t i = 0; i < n; i++) ns += c->set[i] != 0;
  for (size_t j = 0; j < c->nl; j++) nn += !c->y[j];
  uint32_t *seeds = malloc((ns + nn + 1) * sizeof *seeds);
  float *q = malloc((size_t)n * sizeof *q);
  if (!seeds || !q) { free(seeds); free(q); return VIGIL_ENOMEM; }
  ns = 0;
  for (uint32_t i = 0; i < n; i++)
    if (c->set[i]) seeds[ns++] = i;
  vigil_ppr_opts po;
  vigil_ppr_opts_init(&po);
  po.dir = VIGIL_PPR_BOTH;
  po.tol = 1e-5; /* the features use log-ratios and ranks: 4 digits are plenty */
  po.threads = c->o->threads;
  int it1 = 0, it2 = 0;
  rc = vigil_graph_ppr(c->g, seeds, NULL, ns, &po, c->ppr, &it1);
  if (!rc) {
    for (size_t k = 0; k < ns; k++) c->ppr[seeds[k]] -= (float)(po.alpha / (double)ns);
    if (!c->ppr_neg) { /* the negatives' walk does not change between levels */
      nn = 0;
      for (size_t j = 0; j < c->nl; j++)
        if (!c->y[j]) seeds[nn++] = c->lab[j];
      rc = vigil_graph_ppr(c->g, seeds, NULL, nn, &po, q, &it2);
      if (!rc) {
        for (size_t k = 0; k < nn; k++) q[seeds[k]] -= (float)(po.alpha / (double)nn);
        c->ppr_neg = q, q = NULL;
      }
    }
  }
  if (!rc) {
    const double fl = 1e-3 / (double)n;
    for (uint32_t i = 0; i < n; i++) {
      double a = c->ppr[i] > 0 ? c->ppr[i] : 0, b = c->ppr_neg[i] > 0 ? c->ppr_neg[i] : 0;
      c->ppr[i] = (float)(log(a + fl) - log(b + fl));
    }
  }
  free(seeds);
  free(q);
  if (rc) return rc;
  /* rank for the why strings: 1 = closest to the set */
  uint32_t *ord = malloc((size_t)n * sizeof *ord);
  if (!ord) return VIGIL_ENOMEM;
  /* counting sort on quantised scores keeps this O(n) at millions of nodes */
  float mn = INFINITY, mx = -INFINITY;
  for (uint32_t i = 1; i < n; i++) {
    if (c->ppr[i] < mn) mn = c->ppr[i];
    if (c->ppr[i] > mx) mx = c->ppr[i];
  }
  enum { NB = 1 << 20 };
  uint32_t *hist = calloc(NB + 1, sizeof *hist);
  if (!hist) { free(ord); return VIGIL_ENOMEM; }
  double scale = mx > mn ? (NB - 1) / (double)(mx - mn) : 0;
  for (uint32_t i = 1; i < n; i++) hist[NB - 1 - (uint32_t)((c->ppr[i] - mn) * scale)]++;
  uint32_t acc = 1;
  for (uint32_t b = 0; b < NB; b++) { uint32_t h = hist[b]; hist[b] = acc; acc += h; }
  for (uint32_t i = 1; i < n; i++) c->ppr_rank[i] = hist[NB - 1 - (uint32_t)((c->ppr[i] - mn) * scale)];
  free(hist);
  free(ord);
  say(c, "level %d: graph features (set of %zu, PPR %d+%d iterations) in %.1f s", level, ns,
      it1, it2, secs() - t0);
  return 0;
}

/* ---- model fitting and scoring ----------------------------------------------- */
static void active_row(const census *c, const double *x, double *row) {
  for (int k = 0; k < c->nactive; k++) row[k] = x[c->active[k]];
}

typedef struct score_job {
  census *c;
  uint32_t lo, hi;
  uint64_t predicted;
  double prob_sum_logit_shift, prob_sum;
} score_job;

static void *score_thread(void *arg) {
  score_job *j = arg;
  census *c = j->c;
  double x[NF], row[NF];
  for (uint32_t i = j->lo; i < j->hi; i++) {
    if (!c->ev.seen[i]) { c->prob[i] = -1; continue; }
    int self = c->ev.label[i] == 1 ? 1 : c->ev.label[i] == 2 ? 0 : -1;
    features(c, i, -1, self, x, NULL);
    active_row(c, x, row);
    double t = vigil_logreg_logit(&c->model, row);
    c->prob[i] = 1.0 / (1.0 + exp(-t));
    j->predicted += c->prob[i] >= c->o->threshold;
  }
  return NULL;
}

static int run_level(census *c, int level, vigil_census_estimate *est, vc_estimate *vest,
                     uint64_t *predicted) {
  double t0 = secs();
  int rc = graph_level(c, level);
  if (rc) return rc;
  if (level == 1) detect_present(c);
  if (c->nactive == 0) return VIGIL_EMISSING;
  size_t nl = c->nl;
  int d = c->nactive;
  int K = c->folds;
  double *X = malloc(nl * (size_t)d * sizeof *X);
  double *Xt = malloc((size_t)K * nl * (size_t)d * sizeof *Xt);
  uint8_t *yt = malloc((size_t)K * nl);
  size_t *mt = calloc((size_t)K, sizeof *mt);
  if (!X || !Xt || !yt || !mt) { free(X); free(Xt); free(yt); free(mt); return VIGIL_ENOMEM; }
  double x[NF];
  /* cross-validation: fold f's accounts are scored by a model that never saw
   * their labels, neither in the regression nor in the token weights */
  for (int f = 0; f < K; f++) {
    double *Xf = Xt + (size_t)f * nl * (size_t)d;
    for (size_t j = 0; j < nl; j++) {
      if (c->fold[j] == f) {
        features(c, c->lab[j], f, -1, x, NULL);
        active_row(c, x, X + j * (size_t)d);
      } else {
        features(c, c->lab[j], f, c->y[j], x, NULL);
        active_row(c, x, Xf + mt[f] * (size_t)d);
        yt[(size_t)f * nl + mt[f]++] = c->y[j];
      }
    }
  }
  /* the penalty: given, or the one of a small grid with the lowest
   * out-of-fold log loss (ties go to the stronger penalty) */
  static const double grid[] = {1.0, 0.3, 0.1, 0.03, 0.01, 0.003};
  int ng = c->o->l2 >= 0 ? 1 : (int)(sizeof grid / sizeof *grid);
  double best_loss = INFINITY, best_l2 = c->o->l2 >= 0 ? c->o->l2 : grid[0];
  for (int gi = 0; gi < ng && !rc; gi++) {
    double l2 = c->o->l2 >= 0 ? c->o->l2 : grid[gi], loss = 0;
    double *oof = ng > 1 ? malloc(nl * sizeof *oof) : c->oof;
    if (!oof) { rc = VIGIL_ENOMEM; break; }
    for (int f = 0; f < K && !rc; f++) {
      vigil_logreg mf;
      if ((rc = vigil_logreg_fit(Xt + (size_t)f * nl * (size_t)d, yt + (size_t)f * nl, NULL, mt[f],
                                 d, l2, &mf)))
        break;
      for (size_t j = 0; j < nl; j++) {
        if (c->fold[j] != f) continue;
        double p = vigil_logreg_prob(&mf, X + j * (size_t)d);
        oof[j] = p;
        p = p < 1e-6 ? 1e-6 : p > 1 - 1e-6 ? 1 - 1e-6 : p;
        loss -= c->y[j] ? log(p) : log(1 - p);
      }
      vigil_logreg_release(&mf);
    }
    if (!rc && loss < best_loss - 1e-9) {
      best_loss = loss, best_l2 = l2;
      if (oof != c->oof) memcpy(c->oof, oof, nl * sizeof *oof);
    }
    if (oof != c->oof) free(oof);
  }
  c->l2_used = best_l2;
  if (!rc) { /* the final model: every label, each account's own token counts left out */
    for (size_t j = 0; j < nl; j++) {
      features(c, c->lab[j], -1, c->y[j], x, NULL);
      active_row(c, x, X + j * (size_t)d);
    }
    vigil_logreg_release(&c->model);
    rc = vigil_logreg_fit(X, c->y, NULL, nl, d, best_l2, &c->model);
  }
  free(X);
  free(Xt);
  free(yt);
  free(mt);
  if (rc) return rc;
  /* score everyone (2 threads over halves of the id range) */
  int nt = c->o->threads < 1 ? 1 : c->o->threads > 8 ? 8 : c->o->threads;
  score_job jobs[8];
  pthread_t th[8];
  for (int t = 0; t < nt; t++) {
    jobs[t] = (score_job){c, (uint32_t)(1 + (uint64_t)(c->n - 1) * t / nt),
                          (uint32_t)(1 + (uint64_t)(c->n - 1) * (t + 1) / nt), 0, 0, 0};
    if (t > 0 && pthread_create(&th[t], NULL, score_thread, &jobs[t])) nt = t;
  }
  score_thread(&jobs[0]);
  *predicted = jobs[0].predicted;
  for (int t = 1; t < nt; t++) {
    pthread_join(th[t], NULL);
    *predicted += jobs[t].predicted;
  }
  vc_estimate ve;
  rc = vc_estimate_compute(c->oof, c->y, nl, c->prob, c->n, c->o->threshold, c->o->bootstrap,
                           c->o->seed, &ve);
  if (rc) return rc;
  *vest = ve;
  *est = ve.e;
  double auc = vigil_auc(c->oof, c->y, nl);
  if (c->levels_json.len) vigil_buf_putc(&c->levels_json, ',');
  vigil_buf_printf(&c->levels_json,
                   "{\"level\":%d,\"set\":\"%s\",\"predicted_supporters\":%llu,"
                   "\"estimate\":%.1f,\"ci95\":[%.1f,%.1f],\"cv\":{\"precision\":%.4f,"
                   "\"recall\":%.4f,\"fpr\":%.5f,\"auc\":%.4f},\"estimate_threshold\":%.6f,"
                   "\"estimate_cv\":{\"recall\":%.4f,\"fpr\":%.5f,\"predicted\":%llu},"
                   "\"l2\":%g,\"weights\":{",
                   level,
                   level == 1 ? "labelled positives"
                              : "top level-1 scores, as many as the smaller level-1 estimate",
                   (unsigned long long)*predicted, est->estimate, est->lo, est->hi,
                   est->precision, est->tpr, est->fpr, auc, ve.threshold, ve.tpr_t, ve.fpr_t,
                   (unsigned long long)ve.predicted_t, c->l2_used);
  for (int k = 0; k < d; k++)
    vigil_buf_printf(&c->levels_json, "%s\"%s\":%.4f", k ? "," : "", FNAME[c->active[k]],
                     c->model.w[k]);
  vigil_buf_printf(&c->levels_json, "}}");
  say(c, "level %d: %llu predicted, estimate %.0f [%.0f, %.0f] at score %.3f, CV precision %.3f "
         "recall %.3f AUC %.3f (%.1f s)", level, (unsigned long long)*predicted, est->estimate,
      est->lo, est->hi, ve.threshold, est->precision, est->tpr, auc, secs() - t0);
  return 0;
}

/* ---- why strings ---------------------------------------------------------------- */
/* The phrase for feature f of account i (x: its raw features, bk: its
 * strongest token per group). */
static void reason_text(const census *c, uint32_t i, int f, const double *x, const uint32_t *bk,
                        char *t, size_t ts) {
  const char *pl = c->o->positive;
  const char *verb = c->follow_only ? "follows" : "links to";
  const char *pverb = c->follow_only ? "followed by" : "linked from";
  switch (f) {
  case F_OUT_S: snprintf(t, ts, "%s %u %s accounts", verb, c->out_s[i], pl); break;
  case F_IN_S: snprintf(t, ts, "%s %u %s accounts", pverb, c->in_s[i], pl); break;
  case F_RECIP_S: snprintf(t, ts, "%u mutual ties with %s accounts", c->rec_s[i], pl); break;
  case F_OUT_FRAC: snprintf(t, ts, "%.0f%% of its links go to %s accounts", 100 * x[f], pl); break;
  case F_IN_FRAC: snprintf(t, ts, "%.0f%% of its in-links come from %s accounts", 100 * x[f], pl); break;
  case F_OUT_NEG: snprintf(t, ts, "%s %u accounts labelled non-%s", verb, c->out_n[i], pl); break;
  case F_IN_NEG: snprintf(t, ts, "%s %u accounts labelled non-%s", pverb, c->in_n[i], pl); break;
  case F_PPR: snprintf(t, ts, "ppr rank %u", c->ppr_rank[i]); break;
  case F_CORE: snprintf(t, ts, "in the %u-core", c->core[i]); break;
  case F_OUTDEG: snprintf(t, ts, "%.0f out-links", expm1(x[f])); break;
  case F_INDEG: snprintf(t, ts, "%.0f in-links", expm1(x[f])); break;
  case F_FOLLOWERS: snprintf(t, ts, "%.0f followers", expm1(x[f])); break;
  case F_FOLLOWING: snprintf(t, ts, "follows %.0f accounts (profile)", expm1(x[f])); break;
  case F_STATUSES: snprintf(t, ts, "%.0f posts (profile count)", expm1(x[f])); break;
  case F_AGE: snprintf(t, ts, "account %.0f days old", expm1(x[f])); break;
  case F_PPD: snprintf(t, ts, "%.1f posts per day", expm1(x[f])); break;
  case F_PROFILE: snprintf(t, ts, "%s", x[f] > 0 ? "has a profile" : "no profile"); break;
  case F_POSTS: snprintf(t, ts, "%.0f posts collected", expm1(x[f])); break;
  default: {
    int g = f - F_TOK0;
    static const char *const gname[VC_NGROUPS] = {"word", "hashtag", "domain", "language",
                                                  "location", "device"};
    const char *tok = bk[g] ? vc_dict_get(&c->ev, bk[g]) : NULL;
    if (tok && g == VC_G_HASHTAG) snprintf(t, ts, "hashtag %s", tok);
    else if (tok) snprintf(t, ts, "%s '%s'", gname[g], tok);
    else snprintf(t, ts, "%s tokens", gname[g]);
  }
  }
}

enum { WHY_TOP = 3 };

static int why_of(const census *c, uint32_t i, vigil_buf *out) {
  double x[NF], row[NF], con[NF];
  uint32_t bk[VC_NGROUPS];
  int self = c->ev.label[i] == 1 ? 1 : c->ev.label[i] == 2 ? 0 : -1;
  features(c, i, -1, self, x, bk);
  active_row(c, x, row);
  vigil_logreg_contrib(&c->model, row, con);
  /* Only the reasons vigil_why_format will list are formatted (the same
   * selection: largest |contribution| first, ties to the earlier feature,
   * none under 0.05); formatting all two dozen phrases per account was
   * most of the cost of writing millions of scores. */
  int pick[WHY_TOP], np = 0;
  for (int t = 0; t < WHY_TOP; t++) {
    int best = -1;
    for (int k = 0; k < c->nactive; k++) {
      int used = 0;
      for (int u = 0; u < np; u++) used |= pick[u] == k;
      if (used || !isfinite(con[k]) || fabs(con[k]) < 0.05) continue;
      if (best < 0 || fabs(con[k]) > fabs(con[best])) best = k;
    }
    if (best < 0) break;
    pick[np++] = best;
  }
  char text[WHY_TOP][160];
  vigil_why_item items[WHY_TOP];
  for (int u = 0; u < np; u++) {
    reason_text(c, i, c->active[pick[u]], x, bk, text[u], sizeof text[u]);
    items[u].text = text[u];
    items[u].contrib = con[pick[u]];
  }
  return vigil_why_format(items, (size_t)np, WHY_TOP, out);
}

/* ---- output ------------------------------------------------------------------------ */
static const char *name_at(const census *c, uint32_t off) { return c->ev.names.data + off; }

/* Every account's why string, built on the census threads over ranges of
 * ids, each range into its own buffer; the strings are then read twice, in
 * id order for the store and in score order for the CSV. */
typedef struct why_job {
  const census *c;
  uint32_t lo, hi;
  vigil_buf buf;
  uint64_t *off; /* n + 1 shared: off[i]..off[i+1] within the range's buffer */
  int rc;
} why_job;

static void *why_thread(void *arg) {
  why_job *j = arg;
  for (uint32_t i = j->lo; i < j->hi; i++) {
    j->off[i] = j->buf.len;
    if (!j->c->ev.seen[i] || j->rc) continue;
    j->rc = why_of(j->c, i, &j->buf);
  }
  return NULL; /* a range's last end is its buffer's length (why_get) */
}

typedef struct why_all {
  why_job job[8];
  int nt;
  uint64_t *off, *end;
} why_all;

static vigil_str why_get(const why_all *w, uint32_t i) {
  int t = 0;
  while (t + 1 < w->nt && i >= w->job[t].hi) t++;
  uint64_t a = w->off[i], b = i + 1 < w->job[t].hi ? w->off[i + 1] : w->job[t].buf.len;
  return (vigil_str){w->job[t].buf.data ? w->job[t].buf.data + a : "", (size_t)(b - a)};
}

/* Scores by descending score, ties by id: a 64-bit key per account (the
 * score's bits are monotonic for scores >= 0) sorted once. */
typedef struct sort_key {
  uint64_t k;
  uint32_t i;
} sort_key;

static int cmp_key(const void *a, const void *b) {
  const sort_key *x = a, *y = b;
  if (x->k != y->k) return x->k < y->k ? 1 : -1;
  return (x->i > y->i) - (x->i < y->i);
}

typedef struct csv_job {
  const census *c;
  const why_all *w;
  int rc;
} csv_job;

/* The scores CSV in score order; runs beside the store inserts. */
static void *csv_thread(void *arg) {
  csv_job *j = arg;
  const census *c = j->c;
  size_t m = 0;
  sort_key *ord = malloc(c->n * sizeof *ord);
  FILE *f = ord ? fopen(c->o->scores_path, "w") : NULL;
  if (!ord || !f) {
    j->rc = ord ? VIGIL_EIO : VIGIL_ENOMEM;
    free(ord);
    return NULL;
  }
  for (size_t i = 1; i < c->n; i++) {
    if (!c->ev.seen[i]) continue;
    double p = c->prob[i] > 0 ? c->prob[i] : 0.0; /* +0: -0 and 0 share a key */
    uint64_t k;
    memcpy(&k, &p, sizeof k);
    ord[m++] = (sort_key){k, (uint32_t)i};
  }
  qsort(ord, m, sizeof *ord, cmp_key);
  vigil_buf line = VIGIL_BUF_INIT;
  int rc = vigil_buf_append_str(&line, VIGIL_STR_LIT("account_id,username,score,predicted,why\n"));
  for (size_t k = 0; k < m && !rc; k++) {
    uint32_t i = ord[k].i;
    int pred = c->prob[i] >= c->o->threshold;
    rc = vigil_buf_append_csv_field(&line, vigil_str_c(name_at(c, c->ev.pid_off[i])));
    if (!rc) rc = vigil_buf_putc(&line, ',');
    if (!rc) rc = vigil_buf_append_csv_field(&line, vigil_str_c(name_at(c, c->ev.user_off[i])));
    if (!rc) rc = vigil_buf_printf(&line, ",%.6f,%d,", c->prob[i], pred);
    if (!rc) rc = vigil_buf_append_csv_field(&line, why_get(j->w, i));
    if (!rc) rc = vigil_buf_putc(&line, '\n');
    if (!rc && (line.len >= (1u << 20) || k + 1 == m)) {
      if (fwrite(line.data, 1, line.len, f) != line.len) rc = VIGIL_EIO;
      vigil_buf_clear(&line);
    }
  }
  if (!rc && line.len && fwrite(line.data, 1, line.len, f) != line.len) rc = VIGIL_EIO;
  vigil_buf_release(&line);
  if (fclose(f) && !rc) rc = VIGIL_EIO;
  free(ord);
  j->rc = rc;
  return NULL;
}

static int write_outputs(census *c, int64_t run) {
  why_all w;
  memset(&w, 0, sizeof w);
  w.off = malloc((c->n + 1) * sizeof *w.off);
  if (!w.off) return VIGIL_ENOMEM;
  int nt = c->o->threads < 1 ? 1 : c->o->threads > 8 ? 8 : c->o->threads;
  pthread_t th[8];
  for (int t = 0; t < nt; t++) {
    w.job[t] = (why_job){c, (uint32_t)(1 + (uint64_t)(c->n - 1) * t / nt),
                         (uint32_t)(1 + (uint64_t)(c->n - 1) * (t + 1) / nt), VIGIL_BUF_INIT,
                         w.off, 0};
  }
  w.nt = nt;
  int started = 1;
  for (int t = 1; t < nt; t++) {
    if (pthread_create(&th[t], NULL, why_thread, &w.job[t])) break;
    started++;
  }
  why_thread(&w.job[0]);
  for (int t = 1; t < started; t++) pthread_join(th[t], NULL);
  for (int t = started; t < nt; t++) why_thread(&w.job[t]); /* threads refused: do it here */
  int rc = 0;
  for (int t = 0; t < nt && !rc; t++) rc = w.job[t].rc;
  /* the CSV (sort + escape + write) beside the store inserts */
  csv_job cj = {c, &w, 0};
  pthread_t csv_th;
  int csv_async = 0;
  if (!rc && c->o->scores_path) {
    csv_async = pthread_create(&csv_th, NULL, csv_thread, &cj) == 0;
    if (!csv_async) csv_thread(&cj);
  }
  /* id order is the scores table's key order: appends, not random B-tree inserts */
  for (uint32_t i = 1; i < c->n && !rc; i++) {
    if (!c->ev.seen[i]) continue;
    int pred = c->prob[i] >= c->o->threshold;
    rc = vigil_store_score_put(c->s, run, i, c->prob[i], pred, why_get(&w, i));
  }
  if (csv_async) pthread_join(csv_th, NULL);
  if (!rc) rc = cj.rc;
  for (int t = 0; t < nt; t++) vigil_buf_release(&w.job[t].buf);
  free(w.off);
  return rc;
}

static void progress_cb(void *ctx, const char *stage, uint64_t done) {
  census *c = ctx;
  if (!c->o->quiet && done) fprintf(c->log, "census: %llu %s read\r", (unsigned long long)done, stage);
}

static int cmp_desc(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x < y) - (x > y);
}

/* The score of the k-th best unlabelled-or-positive account, but never
 * below the threshold (k <= 0 or allocation failure: the threshold). */
static double set_cutoff(const census *c, double k, double threshold) {
  size_t m = 0;
  double *v = malloc(c->n * sizeof *v);
  if (!v || !(k >= 1)) { free(v); return threshold; }
  for (size_t i = 1; i < c->n; i++)
    if (c->ev.seen[i] && c->ev.label[i] != 2 && c->prob[i] >= threshold) v[m++] = c->prob[i];
  double cut = threshold;
  if ((size_t)k < m) {
    qsort(v, m, sizeof *v, cmp_desc);
    cut = v[(size_t)k - 1];
  }
  free(v);
  return cut;
}

int vigil_census_run(vigil_store *s, const vigil_census_opts *o, vigil_census_result *res) {
  memset(res, 0, sizeof *res);
  if (!s || !o || !o->positive || o->folds < 2 || o->folds > 50 || o->levels < 1 ||
      o->levels > 2 || !(o->threshold > 0 && o->threshold < 1))
    return VIGIL_EINVAL;
  census C, *c = &C;
  memset(c, 0, sizeof *c);
  c->s = s, c->o = o, c->log = o->log ? o->log : stderr;
  double t_start = secs();
  int rc = 0;
  int64_t mx = vigil_store_max_account_id(s);
  if (mx < 1) return VIGIL_EMISSING;
  c->n = (size_t)mx + 1;
  /* labels first: evidence loading names the tokens of labelled accounts */
  c->ev.label = calloc(c->n, 1);
  if (!c->ev.label) return VIGIL_ENOMEM;
  lab_ctx lc = {c, o->positive, c->ev.label, c->n};
  if ((rc = vigil_store_each_label(s, 0, label_cb, &lc))) goto out;
  for (size_t i = 1; i < c->n; i++)
    if (c->ev.label[i]) c->nl++;
  c->lab = malloc((c->nl + 1) * sizeof *c->lab);
  c->y = malloc(c->nl + 1);
  c->fold = malloc((c->nl + 1) * sizeof *c->fold);
  c->oof = calloc(c->nl + 1, sizeof *c->oof);
  if (!c->lab || !c->y || !c->fold || !c->oof) { rc = VIGIL_ENOMEM; goto out; }
  c->nl = 0;
  for (size_t i = 1; i < c->n; i++)
    if (c->ev.label[i]) {
      c->lab[c->nl] = (uint32_t)i, c->y[c->nl] = c->ev.label[i] == 1;
      if (c->y[c->nl]) c->npos++; else c->nneg++;
      c->nl++;
    }
  res->labelled = c->nl, res->labelled_pos = c->npos, res->labelled_neg = c->nneg;
  if (!c->npos || !c->nneg) { rc = VIGIL_EMISSING; goto out; }
  c->folds = o->folds;
  size_t minc = c->npos < c->nneg ? c->npos : c->nneg;
  if ((size_t)c->folds > minc) {
    c->folds = minc >= 2 ? (int)minc : 2;
    if (!o->quiet)
      fprintf(c->log, "census: warning: only %zu labelled accounts in the smaller class: "
                      "using %d folds instead of %d\n", minc, c->folds, o->folds);
  }
  if (minc < 2) { rc = VIGIL_EMISSING; goto out; }
  res->folds_used = c->folds;
  if ((rc = vigil_kfold_assign(c->y, c->nl, c->folds, o->seed, c->fold))) goto out;

  /* evidence */
  double t0 = secs();
  c->ev.progress = progress_cb, c->ev.progress_ctx = c;
  if ((rc = vc_evidence_load(s, &c->ev))) goto out;
  c->now = c->ev.t_max;
  say(c, "read %llu accounts, %zu profile and %zu post tokens in %.1f s",
      (unsigned long long)c->ev.n_seen, c->ev.prof.len, c->ev.post.len, secs() - t0);
  if ((rc = build_vocab(c))) goto out;

  /* graph: follows and interactions as one weighted graph */
  t0 = secs();
  {
    const float kw[VIGIL_EDGE_KIND_COUNT] = {1.0f, 1.0f, 1.0f, 1.0f, 1.0f};
    if ((rc = vigil_graph_load_store(s, kw, &c->g))) goto out;
    if (c->g->m == 0) {
      vigil_graph_free(c->g);
      c->g = NULL;
    } else {
      vigil_store_stats st;
      c->follow_only = vigil_store_stats_get(s, &st) == 0 && st.edges[VIGIL_EDGE_FOLLOW] > 0 &&
                       st.edges[1] + st.edges[2] + st.edges[3] + st.edges[4] == 0;
    }
  }
  size_t n = c->n;
  c->set = calloc(n, 1);
  c->prob = malloc(n * sizeof *c->prob);
  if (!c->set || !c->prob) { rc = VIGIL_ENOMEM; goto out; }
  if (c->g) {
    if (c->g->n != n) { rc = VIGIL_ECORRUPT; goto out; }
#define A(p) if (!((p) = calloc(n, sizeof *(p)))) { rc = VIGIL_ENOMEM; goto out; }
    A(c->core); A(c->out_s); A(c->in_s); A(c->rec_s); A(c->out_n); A(c->in_n); A(c->ppr);
    A(c->ppr_rank);
#undef A
    if ((rc = vigil_graph_kcore(c->g, c->core))) goto out;
    say(c, "graph: %llu edges over %zu ids (%s) in %.1f s", (unsigned long long)c->g->m, n - 1,
        c->follow_only ? "follows" : "follows and interactions", secs() - t0);
  } else {
    say(c, "no edges: scoring on profile and text evidence only");
  }

  /* level 1: the labelled positives; level 2: the level-1 predicted supporters */
  vigil_census_estimate est = {0};
  vc_estimate vest;
  memset(&vest, 0, sizeof vest);
  uint64_t predicted = 0;
  int levels = c->g ? o->levels : 1; /* expansion only changes graph features */
  for (int level = 1; level <= levels && !rc; level++) {
    memset(c->set, 0, n);
    if (level == 1) {
      for (size_t j = 0; j < c->nl; j++)
        if (c->y[j]) c->set[c->lab[j]] = 1;
    } else {
      /* the level-1 estimate's worth of accounts from the top of the level-1
       * ranking: at most as many as predicted, so the expected false
       * positives among the predicted do not all enter the set. Of the two
       * level-1 figures (at the estimation and at the decision threshold)
       * the smaller: a false positive in the set inflates its neighbours'
       * in-group counts, a missed supporter costs little (docs/census.md) */
      double k = vest.estimate_tau < est.estimate ? vest.estimate_tau : est.estimate;
      double cut = set_cutoff(c, k, o->threshold);
      for (size_t i = 1; i < n; i++)
        c->set[i] = c->ev.seen[i] && c->prob[i] >= cut && c->ev.label[i] != 2;
      for (size_t j = 0; j < c->nl; j++)
        if (c->y[j]) c->set[c->lab[j]] = 1;
    }
    rc = run_level(c, level, &est, &vest, &predicted);
  }
  if (rc) goto out;

  /* the sum of probabilities: the model was fit on the labelled mix, so
   * its odds are moved to the predicted share by Bayes' rule. (Iterating
   * this to a fixed point, EM-style, collapses towards 0 when the model is
   * under-confident, as a regularised model on few labels is.) */
  double prob_sum = 0;
  {
    double pi = c->ev.n_seen ? (double)predicted / (double)c->ev.n_seen : 0;
    if (pi < 1e-7) pi = 1e-7;
    if (pi > 1 - 1e-7) pi = 1 - 1e-7;
    double shift = log(pi / (1 - pi)) - log((double)c->npos / (double)c->nneg);
    for (size_t i = 1; i < n; i++) {
      if (!c->ev.seen[i]) continue;
      double p = c->prob[i];
      if (p <= 0) continue;
      if (p >= 1) { prob_sum += 1; continue; }
      prob_sum += 1 / (1 + exp(-(log(p / (1 - p)) + shift)));
    }
  }
  double auc = vigil_auc(c->oof, c->y, c->nl);

  /* store the run */
  vigil_buf_printf(&c->params, "{\"positive\":");
  vigil_buf_append_json_str(&c->params, vigil_str_c(o->positive));
  vigil_buf_printf(&c->params,
                   ",\"folds\":%d,\"seed\":%llu,\"threshold\":%g,\"levels\":%d,\"l2\":%g,"
                   "\"bootstrap\":%d,\"features\":[",
                   c->folds, (unsigned long long)o->seed, o->threshold, levels, c->l2_used,
                   o->bootstrap);
  for (int k = 0; k < c->nactive; k++)
    vigil_buf_printf(&c->params, "%s\"%s\"", k ? "," : "", FNAME[c->active[k]]);
  vigil_buf_printf(&c->params, "]}");
  vigil_buf sum = VIGIL_BUF_INIT;
  if ((rc = vigil_store_begin(s))) goto out;
  int64_t run = 0;
  if ((rc = vigil_store_census_begin(s, o->actor ? o->actor : "unknown", c->params.data, &run)))
    goto rollback;
  vigil_buf_printf(&sum,
                   "{\"run\":%lld,\"accounts_scored\":%llu,\"labelled\":%zu,\"labelled_positive\":%zu,"
                   "\"labelled_negative\":%zu,\"positive_label\":",
                   (long long)run, (unsigned long long)c->ev.n_seen, c->nl, c->npos, c->nneg);
  vigil_buf_append_json_str(&sum, vigil_str_c(o->positive));
  vigil_buf_printf(&sum,
                   ",\"predicted_supporters\":%llu,\"estimate\":%.0f,\"ci95\":[%.0f,%.0f],"
                   "\"prob_sum\":%.1f,\"cv\":{\"precision\":%.4f,\"recall\":%.4f,\"fpr\":%.5f,"
                   "\"auc\":%.4f,\"folds\":%d},\"population_precision\":%.4f,\"threshold\":%g,"
                   "\"estimate_threshold\":%.6f,\"estimate_cv\":{\"recall\":%.4f,\"fpr\":%.5f,"
                   "\"predicted\":%llu},\"levels\":[%s],\"features\":[",
                   (unsigned long long)predicted, est.estimate, est.lo, est.hi, prob_sum,
                   est.precision, est.tpr, est.fpr, auc, c->folds, est.pop_precision,
                   o->threshold, vest.threshold, vest.tpr_t, vest.fpr_t,
                   (unsigned long long)vest.predicted_t,
                   c->levels_json.data ? c->levels_json.data : "");
  for (int k = 0; k < c->nactive; k++)
    vigil_buf_printf(&sum, "%s\"%s\"", k ? "," : "", FNAME[c->active[k]]);
  vigil_buf_printf(&sum, "],\"graph\":%s,\"decision\":\"none: scores are leads for human review\"}",
                   c->g ? "true" : "false");
  t0 = secs();
  if ((rc = write_outputs(c, run))) goto rollback;
  if ((rc = vigil_store_census_end(s, run, sum.data))) goto rollback;
  {
    char detail[256];
    snprintf(detail, sizeof detail, "run %lld: %llu accounts, %zu labels, %llu predicted, estimate %.0f",
             (long long)run, (unsigned long long)c->ev.n_seen, c->nl,
             (unsigned long long)predicted, est.estimate);
    if ((rc = vigil_store_audit(s, o->actor ? o->actor : "unknown", "census.run", detail)))
      goto rollback;
  }
  if ((rc = vigil_store_commit(s))) goto rollback;
  say(c, "scores written in %.1f s; total %.1f s", secs() - t0, secs() - t_start);
  res->run = run;
  res->accounts = c->ev.n_seen;
  res->predicted = predicted;
  res->estimate = est.estimate, res->lo = est.lo, res->hi = est.hi;
  res->prob_sum = prob_sum;
  res->precision = est.precision, res->recall = est.tpr, res->auc = auc;
  res->summary_json = vigil_buf_detach(&sum, NULL);
  goto out;
rollback:
  vigil_store_rollback(s);
  vigil_buf_release(&sum);
out:
  vigil_graph_free(c->g);
  vc_evidence_free(&c->ev);
  vocab_free(&c->voc);
  vigil_logreg_release(&c->model);
  free(c->lab); free(c->y); free(c->fold); free(c->oof); free(c->set); free(c->prob);
  free(c->core); free(c->out_s); free(c->in_s); free(c->rec_s); free(c->out_n); free(c->in_n);
  free(c->ppr); free(c->ppr_neg); free(c->ppr_rank);
  vigil_buf_release(&c->params);
  vigil_buf_release(&c->levels_json);
  return rc;
}
