/* The explainable model and its validation: L2 logistic regression by
 * Newton's method, stratified folds, AUC, the corrected population estimate
 * with its bootstrap interval, and the `why` strings. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "census/census_int.h"
#include "vigil/census.h"
#include "vigil/error.h"

uint64_t vc_rng_next(uint64_t *s) { /* splitmix64: tiny, seedable, good enough for sampling */
  uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

uint64_t vc_rng_below(uint64_t *s, uint64_t n) { return n ? vc_rng_next(s) % n : 0; }

double vc_unif(uint64_t *s) { return ((double)(vc_rng_next(s) >> 11) + 0.5) * 0x1.0p-53; }

static double vc_normal(uint64_t *s) {
  double u = vc_unif(s), v = vc_unif(s);
  return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

/* Gamma(a, 1) by Marsaglia and Tsang; a < 1 through the a+1 boost. */
static double vc_gamma(uint64_t *s, double a) {
  if (a < 1) return vc_gamma(s, a + 1) * pow(vc_unif(s), 1.0 / a);
  double d = a - 1.0 / 3, c = 1.0 / sqrt(9 * d);
  for (;;) {
    double x = vc_normal(s), v = 1 + c * x;
    if (v <= 0) continue;
    v = v * v * v;
    double u = vc_unif(s);
    if (log(u) < 0.5 * x * x + d - d * v + d * log(v)) return d * v;
  }
}

double vc_beta(uint64_t *s, double a, double b) {
  double x = vc_gamma(s, a), y = vc_gamma(s, b);
  return x / (x + y);
}

void vigil_logreg_release(vigil_logreg *m) {
  if (!m) return;
  free(m->w);
  free(m->mean);
  free(m->sd);
  m->w = m->mean = m->sd = NULL;
}

static double sigmoid(double t) {
  if (t >= 0) return 1.0 / (1.0 + exp(-t));
  double e = exp(t);
  return e / (1.0 + e);
}

/* Solves A x = b for symmetric positive definite A (n x n) by Cholesky, in
 * place (A is overwritten). Returns -1 when A is not positive definite. */
static int chol_solve(double *A, double *b, int n) {
  for (int j = 0; j < n; j++) {
    double s = A[j * n + j];
    for (int k = 0; k < j; k++) s -= A[j * n + k] * A[j * n + k];
    if (!(s > 1e-300)) return -1;
    double l = sqrt(s);
    A[j * n + j] = l;
    for (int i = j + 1; i < n; i++) {
      double t = A[i * n + j];
      for (int k = 0; k < j; k++) t -= A[i * n + k] * A[j * n + k];
      A[i * n + j] = t / l;
    }
  }
  for (int i = 0; i < n; i++) {
    double t = b[i];
    for (int k = 0; k < i; k++) t -= A[i * n + k] * b[k];
    b[i] = t / A[i * n + i];
  }
  for (int i = n - 1; i >= 0; i--) {
    double t = b[i];
    for (int k = i + 1; k < n; k++) t -= A[k * n + i] * b[k];
    b[i] = t / A[i * n + i];
  }
  return 0;
}

int vigil_logreg_fit(const double *X, const uint8_t *y, const double *sw, size_t n, int d,
                     double l2, vigil_logreg *m) {
  memset(m, 0, sizeof *m);
  if (d < 1 || d > VIGIL_LOGREG_MAX_DIM || n == 0 || !(l2 >= 0) || !isfinite(l2))
    return VIGIL_EINVAL;
  m->d = d, m->l2 = l2;
  m->w = calloc((size_t)d, sizeof *m->w);
  m->mean = calloc((size_t)d, sizeof *m->mean);
  m->sd = calloc((size_t)d, sizeof *m->sd);
  const int p = d + 1; /* intercept last */
  double *H = malloc((size_t)p * p * sizeof *H), *g = malloc((size_t)p * sizeof *g);
  double *z = malloc((size_t)d * sizeof *z);
  int rc = 0;
  if (!m->w || !m->mean || !m->sd || !H || !g || !z) { rc = VIGIL_ENOMEM; goto out; }
  double wsum = 0;
  for (size_t i = 0; i < n; i++) {
    double wi = sw ? sw[i] : 1.0;
    if (!(wi >= 0) || !isfinite(wi)) { rc = VIGIL_EINVAL; goto out; }
    wsum += wi;
    for (int j = 0; j < d; j++) {
      double v = X[i * (size_t)d + j];
      if (!isfinite(v)) { rc = VIGIL_EINVAL; goto out; }
      m->mean[j] += wi * v;
    }
  }
  if (!(wsum > 0)) { rc = VIGIL_EINVAL; goto out; }
  for (int j = 0; j < d; j++) m->mean[j] /= wsum;
  for (size_t i = 0; i < n; i++) {
    double wi = sw ? sw[i] : 1.0;
    for (int j = 0; j < d; j++) {
      double t = X[i * (size_t)d + j] - m->mean[j];
      m->sd[j] += wi * t * t;
    }
  }
  for (int j = 0; j < d; j++) {
    m->sd[j] = sqrt(m->sd[j] / wsum);
    if (!(m->sd[j] > 1e-12)) m->sd[j] = 1.0; /* constant feature: weight stays ~0 */
  }
  /* start the intercept at the base rate so the first step is small */
  double pos = 0;
  for (size_t i = 0; i < n; i++) pos += (sw ? sw[i] : 1.0) * (y[i] != 0);
  double pr = (pos + 0.5) / (wsum + 1.0);
  m->b = log(pr / (1 - pr));
  /* Newton with step halving on the penalised mean log loss; converges in a
   * handful of iterations for the few dozen features the census uses. */
  double prev = INFINITY;
  for (int it = 0; it < 100; it++) {
    memset(H, 0, (size_t)p * p * sizeof *H);
    memset(g, 0, (size_t)p * sizeof *g);
    double loss = 0;
    for (size_t i = 0; i < n; i++) {
      double wi = (sw ? sw[i] : 1.0) / wsum, t = m->b;
      for (int j = 0; j < d; j++) {
        z[j] = (X[i * (size_t)d + j] - m->mean[j]) / m->sd[j];
        t += m->w[j] * z[j];
      }
      double q = sigmoid(t), r = q - (y[i] != 0), h = q * (1 - q);
      loss += wi * (y[i] ? -log(fmax(q, 1e-300)) : -log(fmax(1 - q, 1e-300)));
      for (int j = 0; j < d; j++) {
        g[j] += wi * r * z[j];
        for (int k = 0; k <= j; k++) H[j * p + k] += wi * h * z[j] * z[k];
        H[d * p + j] += wi * h * z[j];
      }
      g[d] += wi * r;
      H[d * p + d] += wi * h;
    }
    for (int j = 0; j < d; j++) {
      loss += 0.5 * l2 * m->w[j] * m->w[j];
      g[j] += l2 * m->w[j];
      H[j * p + j] += l2;
    }
    H[d * p + d] += 1e-9;
    for (int j = 0; j < p; j++)
      for (int k = j + 1; k < p; k++) H[j * p + k] = H[k * p + j];
    m->iters = it + 1;
    if (prev - loss < 1e-10 && it > 0) break;
    prev = loss;
    double gn = 0;
    for (int j = 0; j < p; j++) gn += g[j] * g[j];
    if (gn < 1e-18) break;
    if (chol_solve(H, g, p)) break; /* singular: keep the current weights */
    for (int j = 0; j < d; j++) m->w[j] -= g[j];
    m->b -= g[d];
  }
out:
  free(H);
  free(g);
  free(z);
  if (rc) vigil_logreg_release(m);
  return rc;
}

double vigil_logreg_logit(const vigil_logreg *m, const double *x) {
  double t = m->b;
  for (int j = 0; j < m->d; j++) t += m->w[j] * (x[j] - m->mean[j]) / m->sd[j];
  return t;
}

double vigil_logreg_prob(const vigil_logreg *m, const double *x) {
  return sigmoid(vigil_logreg_logit(m, x));
}

void vigil_logreg_contrib(const vigil_logreg *m, const double *x, double *c) {
  for (int j = 0; j < m->d; j++) c[j] = m->w[j] * (x[j] - m->mean[j]) / m->sd[j];
}

int vigil_kfold_assign(const uint8_t *y, size_t n, int k, uint64_t seed, int *fold) {
  if (k < 2 || n == 0) return VIGIL_EINVAL;
  size_t *idx = malloc(n * sizeof *idx);
  if (!idx) return VIGIL_ENOMEM;
  size_t next = 0;
  for (int cls = 1; cls >= 0; cls--) {
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
      if ((y[i] != 0) == cls) idx[m++] = i;
    uint64_t r = seed * 0x2545F4914F6CDD1DULL + (uint64_t)cls + 1;
    for (size_t i = m; i > 1; i--) {
      size_t j = (size_t)vc_rng_below(&r, i), t = idx[i - 1];
      idx[i - 1] = idx[j], idx[j] = t;
    }
    /* negatives continue the round-robin where positives stopped, so small
     * folds stay balanced in size too */
    for (size_t i = 0; i < m; i++) fold[idx[i]] = (int)(next++ % (size_t)k);
  }
  free(idx);
  return 0;
}

typedef struct sc_pair {
  double s;
  uint8_t y;
} sc_pair;

static int cmp_pair(const void *a, const void *b) {
  double x = ((const sc_pair *)a)->s, y = ((const sc_pair *)b)->s;
  return (x > y) - (x < y);
}

double vigil_auc(const double *score, const uint8_t *y, size_t n) {
  sc_pair *p = malloc((n ? n : 1) * sizeof *p);
  if (!p) return -1;
  double npos = 0, nneg = 0;
  for (size_t i = 0; i < n; i++) {
    p[i].s = score[i], p[i].y = y[i] != 0;
    if (p[i].y) npos++;
    else nneg++;
  }
  if (npos == 0 || nneg == 0) { free(p); return -1; }
  qsort(p, n, sizeof *p, cmp_pair);
  /* Mann-Whitney U with mid-ranks for ties */
  double rank_sum = 0;
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j < n && p[j].s == p[i].s) j++;
    double mid = (double)(i + 1 + j) / 2.0; /* average of ranks i+1..j */
    for (size_t k = i; k < j; k++)
      if (p[k].y) rank_sum += mid;
    i = j;
  }
  free(p);
  return (rank_sum - npos * (npos + 1) / 2) / (npos * nneg);
}

static double correct(double predicted, double n_total, double tpr, double fpr) {
  double den = tpr - fpr;
  if (!(den > 1e-9)) return predicted; /* uninformative classifier: no correction possible */
  double k = (predicted - fpr * n_total) / den;
  if (k < 0) k = 0;
  if (k > n_total) k = n_total;
  return k;
}

static int cmp_dbl(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* The corrected count and its interval from the counts at one threshold:
 * tp of np labelled positives and fp of nn labelled negatives out-of-fold
 * at or above it, `predicted` of n_total accounts. Fills estimate, lo, hi. */
static int estimate_core(double tp, double np, double fp, double nn, double predicted,
                         double n_total, int B, uint64_t seed, vigil_census_estimate *out) {
  double *est = malloc(((size_t)B + 1) * sizeof *est);
  if (!est) return VIGIL_ENOMEM;
  out->estimate = correct(predicted, n_total, tp / np, fp / nn);
  uint64_t r = seed ^ 0xB007B007B007ULL;
  for (int b = 0; b < B; b++) {
    /* Bayesian bootstrap of each class's 0/1 outcomes (Rubin 1981): the
     * replicate rate is a Beta draw around the observed count; the Jeffreys
     * half counts keep "no errors among a few dozen labels" from claiming
     * an error rate of exactly zero */
    double tr = vc_beta(&r, tp + 0.5, np - tp + 0.5);
    double fr = vc_beta(&r, fp + 0.5, nn - fp + 0.5);
    est[b] = correct(predicted, n_total, tr, fr);
  }
  if (B > 0) {
    qsort(est, (size_t)B, sizeof *est, cmp_dbl);
    /* percentile interval: ranks 2.5% and 97.5% (nearest rank) */
    size_t lo = (size_t)floor(0.025 * (B - 1) + 0.5), hi = (size_t)floor(0.975 * (B - 1) + 0.5);
    out->lo = est[lo], out->hi = est[hi];
    if (out->lo > out->estimate) out->lo = out->estimate;
    if (out->hi < out->estimate) out->hi = out->estimate;
  } else {
    out->lo = out->hi = out->estimate;
  }
  free(est);
  return 0;
}

int vigil_census_estimate_compute(const uint8_t *oof, const uint8_t *y, size_t n,
                                  uint64_t predicted, uint64_t n_total, int B, uint64_t seed,
                                  vigil_census_estimate *out) {
  memset(out, 0, sizeof *out);
  if (B < 0 || B > 1000000) return VIGIL_EINVAL;
  double np = 0, nn = 0, tp = 0, fp = 0;
  for (size_t i = 0; i < n; i++) {
    if (y[i]) np++, tp += oof[i] != 0;
    else nn++, fp += oof[i] != 0;
  }
  if (!np || !nn) return VIGIL_EMISSING;
  out->tpr = tp / np;
  out->fpr = fp / nn;
  out->precision = tp + fp > 0 ? tp / (tp + fp) : 0;
  int rc = estimate_core(tp, np, fp, nn, (double)predicted, (double)n_total, B, seed, out);
  if (rc) return rc;
  out->pop_precision = predicted ? out->estimate * out->tpr / (double)predicted : 0;
  if (out->pop_precision > 1) out->pop_precision = 1;
  return 0;
}

int vc_estimate_compute(const double *oof, const uint8_t *y, size_t nl, const double *score,
                        size_t n, double tau, int B, uint64_t seed, vc_estimate *out) {
  memset(out, 0, sizeof *out);
  if (B < 0 || B > 1000000 || !(tau > 0 && tau < 1)) return VIGIL_EINVAL;
  double np = 0, nn = 0, tp = 0, fp = 0;
  for (size_t j = 0; j < nl; j++) {
    if (!isfinite(oof[j])) return VIGIL_EINVAL;
    if (y[j]) np++, tp += oof[j] >= tau;
    else nn++, fp += oof[j] >= tau;
  }
  if (!np || !nn) return VIGIL_EMISSING;
  /* Candidate thresholds: tau, and just above each labelled negative that
   * tau lets through. Each step up removes at least one labelled false
   * positive; the first candidate with the fewest of them wins, as long as
   * it keeps at least half the labelled positives tau keeps (recall must
   * stay measured on enough accounts to mean something). */
  sc_pair *p = malloc((nl ? nl : 1) * sizeof *p);
  if (!p) return VIGIL_ENOMEM;
  size_t m = 0;
  for (size_t j = 0; j < nl; j++)
    if (oof[j] >= tau) p[m++] = (sc_pair){oof[j], y[j] != 0};
  qsort(p, m, sizeof *p, cmp_pair);
  double min_tp = ceil(tp / 2) > 1 ? ceil(tp / 2) : 1;
  double t = tau, tp_t = tp, fp_t = fp, tp_gt = tp, fp_gt = fp;
  for (size_t k = 0; k < m;) { /* ascending; one step per distinct score */
    size_t k2 = k;
    int has_neg = 0;
    for (; k2 < m && p[k2].s == p[k].s; k2++) {
      if (p[k2].y) tp_gt--;
      else fp_gt--, has_neg = 1;
    }
    if (tp_gt < min_tp) break; /* higher candidates keep even fewer positives */
    if (has_neg && fp_gt < fp_t) t = nextafter(p[k].s, INFINITY), tp_t = tp_gt, fp_t = fp_gt;
    k = k2;
  }
  free(p);
  uint64_t pred_tau = 0, pred_t = 0, seen = 0;
  for (size_t i = 0; i < n; i++) {
    if (!(score[i] >= 0)) continue; /* not scored */
    seen++;
    pred_tau += score[i] >= tau;
    pred_t += score[i] >= t;
  }
  out->threshold = t;
  out->tpr_t = tp_t / np, out->fpr_t = fp_t / nn;
  out->predicted_t = pred_t;
  out->predicted = pred_tau;
  out->n = seen;
  vigil_census_estimate *e = &out->e;
  e->tpr = tp / np;
  e->fpr = fp / nn;
  e->precision = tp + fp > 0 ? tp / (tp + fp) : 0;
  int rc = estimate_core(tp_t, np, fp_t, nn, (double)pred_t, (double)seen, B, seed, e);
  if (rc) return rc;
  out->estimate_tau = correct((double)pred_tau, (double)seen, e->tpr, e->fpr);
  e->pop_precision = pred_tau ? e->estimate * e->tpr / (double)pred_tau : 0;
  if (e->pop_precision > 1) e->pop_precision = 1;
  return 0;
}

int vigil_why_format(const vigil_why_item *items, size_t n, int top, vigil_buf *out) {
  enum { MAXTOP = 16 };
  size_t pick[MAXTOP];
  int np = 0;
  if (top > MAXTOP) top = MAXTOP;
  for (int t = 0; t < top; t++) {
    size_t best = n;
    for (size_t i = 0; i < n; i++) {
      int used = 0;
      for (int k = 0; k < np; k++) used |= pick[k] == i;
      if (used || !isfinite(items[i].contrib) || fabs(items[i].contrib) < 0.05) continue;
      if (best == n || fabs(items[i].contrib) > fabs(items[best].contrib)) best = i;
    }
    if (best == n) break;
    pick[np++] = best;
  }
  for (int k = 0; k < np; k++) {
    const vigil_why_item *it = &items[pick[k]];
    int rc = vigil_buf_printf(out, "%s%s (%+.1f)", k ? "; " : "", it->text, it->contrib);
    if (rc) return rc;
  }
  return 0;
}
