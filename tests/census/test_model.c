/* The census model pieces: logistic regression, folds, AUC, the corrected
 * estimate and its interval, why strings. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "census/census_int.h"
#include "testutil.h"
#include "vigil/census.h"
#include "vigil/error.h"

static void logreg_separable(void **state) {
  (void)state;
  /* 1-D, y = x > 0: the weight must be positive and large-ish, and the
   * penalty must keep it finite */
  enum { N = 40 };
  double X[N];
  uint8_t y[N];
  for (int i = 0; i < N; i++) X[i] = i - 19.5, y[i] = X[i] > 0;
  vigil_logreg m;
  assert_int_equal(vigil_logreg_fit(X, y, NULL, N, 1, 0.01, &m), 0);
  assert_true(m.w[0] > 2 && isfinite(m.w[0]));
  for (int i = 0; i < N; i++) {
    double p = vigil_logreg_prob(&m, &X[i]);
    if (fabs(X[i]) > 3) assert_int_equal(p >= 0.5, y[i]);
  }
  double x0 = 0, w_weak = m.w[0];
  assert_true(fabs(vigil_logreg_prob(&m, &x0) - 0.5) < 0.05);
  vigil_logreg_release(&m);
  /* a stronger penalty shrinks the weight */
  vigil_logreg m2;
  assert_int_equal(vigil_logreg_fit(X, y, NULL, N, 1, 1.0, &m2), 0);
  assert_true(m2.w[0] > 0 && m2.w[0] < w_weak);
  vigil_logreg_release(&m2);
}

static void logreg_noisy(void **state) {
  (void)state;
  /* y ~ Bernoulli(sigmoid(2*x1 - 1*x2 + 0.5)), x3 pure noise: recover signs
   * and relative sizes; the noise weight stays small */
  enum { N = 4000, D = 3 };
  double *X = malloc(N * D * sizeof *X);
  uint8_t *y = malloc(N);
  uint64_t r = 7;
  for (int i = 0; i < N; i++) {
    for (int j = 0; j < D; j++) X[i * D + j] = vc_unif(&r) * 2 - 1;
    double t = 2 * X[i * D] - 1 * X[i * D + 1] + 0.5;
    y[i] = vc_unif(&r) < 1 / (1 + exp(-t));
  }
  vigil_logreg m;
  assert_int_equal(vigil_logreg_fit(X, y, NULL, N, D, 0.0, &m), 0);
  /* weights are on standardised features: raw = w / sd, sd of U(-1,1) ~ 0.577 */
  double w1 = m.w[0] / m.sd[0], w2 = m.w[1] / m.sd[1], w3 = m.w[2] / m.sd[2];
  assert_true(fabs(w1 - 2) < 0.35);
  assert_true(fabs(w2 + 1) < 0.3);
  assert_true(fabs(w3) < 0.25);
  double c[D], x[D] = {1, 0, 0};
  vigil_logreg_contrib(&m, x, c);
  assert_true(c[0] > 0);
  double sum = m.b + c[0] + c[1] + c[2];
  assert_true(fabs(sum - vigil_logreg_logit(&m, x)) < 1e-12);
  vigil_logreg_release(&m);
  /* bad input */
  X[5] = NAN;
  assert_int_equal(vigil_logreg_fit(X, y, NULL, N, D, 0.1, &m), VIGIL_EINVAL);
  assert_int_equal(vigil_logreg_fit(X, y, NULL, N, 0, 0.1, &m), VIGIL_EINVAL);
  free(X);
  free(y);
}

static void kfold(void **state) {
  (void)state;
  enum { N = 103 };
  uint8_t y[N];
  for (int i = 0; i < N; i++) y[i] = i % 3 == 0;
  int f1[N], f2[N], f3[N];
  assert_int_equal(vigil_kfold_assign(y, N, 5, 42, f1), 0);
  assert_int_equal(vigil_kfold_assign(y, N, 5, 42, f2), 0);
  assert_int_equal(vigil_kfold_assign(y, N, 5, 43, f3), 0);
  assert_memory_equal(f1, f2, sizeof f1);
  assert_true(memcmp(f1, f3, sizeof f1) != 0);
  int pos[5] = {0}, all[5] = {0};
  for (int i = 0; i < N; i++) {
    assert_true(f1[i] >= 0 && f1[i] < 5);
    all[f1[i]]++;
    pos[f1[i]] += y[i];
  }
  for (int k = 0; k < 5; k++) {
    assert_true(pos[k] == 6 || pos[k] == 7); /* 35 positives over 5 folds */
    assert_true(all[k] == 20 || all[k] == 21);
  }
  assert_int_equal(vigil_kfold_assign(y, N, 1, 1, f1), VIGIL_EINVAL);
}

static void auc(void **state) {
  (void)state;
  /* hand-computed: positives 0.9 0.4 0.6, negatives 0.1 0.4 0.7:
   * pairs (p > n): 0.9 beats 3; 0.4 beats 0.1, ties 0.4 (0.5); 0.6 beats 0.1
   * and 0.4 -> 3 + 1.5 + 2 = 6.5 of 9 */
  double s[] = {0.9, 0.1, 0.4, 0.4, 0.6, 0.7};
  uint8_t y[] = {1, 0, 1, 0, 1, 0};
  assert_true(fabs(vigil_auc(s, y, 6) - 6.5 / 9) < 1e-12);
  uint8_t all1[] = {1, 1, 1, 1, 1, 1};
  assert_true(vigil_auc(s, all1, 6) < 0);
  double perfect[] = {1, 0, 1, 0, 1, 0};
  assert_true(fabs(vigil_auc(perfect, y, 6) - 1) < 1e-12);
}

static void estimate(void **state) {
  (void)state;
  /* 100 positives with recall 0.8, 100 negatives with FPR 0.05; population
   * of 10,000 in which 1,300 were predicted: K = (1300 - 500)/0.75 = 1066.7 */
  enum { N = 200 };
  uint8_t y[N], oof[N];
  for (int i = 0; i < N; i++) {
    y[i] = i < 100;
    oof[i] = i < 100 ? i < 80 : i < 105;
  }
  vigil_census_estimate e;
  assert_int_equal(vigil_census_estimate_compute(oof, y, N, 1300, 10000, 1000, 1, &e), 0);
  assert_true(fabs(e.tpr - 0.8) < 1e-12 && fabs(e.fpr - 0.05) < 1e-12);
  assert_true(fabs(e.estimate - 800.0 / 0.75) < 1e-9);
  assert_true(fabs(e.precision - 80.0 / 85) < 1e-12);
  assert_true(e.lo < e.estimate && e.hi > e.estimate);
  /* the interval is wide here: an FPR of 0.05 measured on 100 negatives is
   * uncertain by about +-0.043, which 10,000 accounts turn into +-430
   * false positives, so roughly [500, 1700] */
  assert_true(e.lo > 250 && e.lo < 800 && e.hi > 1400 && e.hi < 2200);
  /* deterministic for a seed */
  vigil_census_estimate e2;
  assert_int_equal(vigil_census_estimate_compute(oof, y, N, 1300, 10000, 1000, 1, &e2), 0);
  assert_true(e.lo == e2.lo && e.hi == e2.hi);
  /* a perfect classifier: the estimate is the predicted count and the
   * interval still has width (no errors seen is not no errors) */
  for (int i = 0; i < N; i++) oof[i] = y[i];
  assert_int_equal(vigil_census_estimate_compute(oof, y, N, 500, 10000, 1000, 1, &e), 0);
  assert_true(fabs(e.estimate - 500) < 1e-9);
  assert_true(e.lo < 500 && e.hi > 500);
  /* more labels, narrower interval */
  enum { M = 2000 };
  uint8_t *yy = malloc(M), *oo = malloc(M);
  for (int i = 0; i < M; i++) yy[i] = i < M / 2, oo[i] = yy[i];
  vigil_census_estimate e3;
  assert_int_equal(vigil_census_estimate_compute(oo, yy, M, 500, 10000, 1000, 1, &e3), 0);
  assert_true(e3.hi - e3.lo < e.hi - e.lo);
  free(yy);
  free(oo);
  uint8_t none[4] = {0, 0, 0, 0};
  assert_int_equal(vigil_census_estimate_compute(none, none, 4, 1, 10, 10, 1, &e), VIGIL_EMISSING);
}

/* A population of n accounts, k of them supporters, scored in (0, 1):
 * supporters U(0.55, 1); "hard" non-supporters (look-alikes, a share
 * `hard` of the non-supporters) U(0.3, 0.7); the rest U(0, 0.3). The
 * labelled sample takes np random supporters and nn non-supporters of which
 * a share `lab_hard` are hard ones (their out-of-fold scores drawn from the
 * same laws). Returns the labelled arrays through oof/y. */
typedef struct scen {
  size_t n, k, np, nn;
  double hard, lab_hard;
  uint64_t seed;
} scen;

static double *scen_pop(const scen *sc) {
  double *s = malloc(sc->n * sizeof *s);
  uint64_t r = sc->seed;
  size_t nh = (size_t)((double)(sc->n - sc->k) * sc->hard);
  for (size_t i = 0; i < sc->n; i++) {
    double u = vc_unif(&r);
    if (i < sc->k) s[i] = 0.55 + 0.45 * u;
    else if (i < sc->k + nh) s[i] = 0.3 + 0.4 * u;
    else s[i] = 0.3 * u;
  }
  return s;
}

static void scen_labels(const scen *sc, double *oof, uint8_t *y) {
  uint64_t r = sc->seed * 31 + 7;
  size_t nhard = (size_t)((double)sc->nn * sc->lab_hard + 0.5);
  for (size_t j = 0; j < sc->np; j++) y[j] = 1, oof[j] = 0.55 + 0.45 * vc_unif(&r);
  for (size_t j = 0; j < sc->nn; j++) {
    y[sc->np + j] = 0;
    double u = vc_unif(&r);
    oof[sc->np + j] = j < nhard ? 0.3 + 0.4 * u : 0.3 * u;
  }
}

/* The old estimate: the correction at the decision threshold. */
static double old_estimate(const double *oof, const uint8_t *y, size_t nl, const double *pop,
                           size_t n, double tau) {
  uint8_t *c = malloc(nl);
  uint64_t pred = 0;
  for (size_t j = 0; j < nl; j++) c[j] = oof[j] >= tau;
  for (size_t i = 0; i < n; i++) pred += pop[i] >= tau;
  vigil_census_estimate e;
  assert_int_equal(vigil_census_estimate_compute(c, y, nl, pred, n, 0, 1, &e), 0);
  free(c);
  return e.estimate;
}

static void estimate_hard_negatives(void **state) {
  (void)state;
  /* 20,000 accounts, 1,000 supporters, 3% of the others look-alikes; the
   * analyst's 100 negatives hold 25 look-alikes (8x their share). At the
   * decision threshold 0.5 an eighth of the labelled negatives are false
   * positives against 1.5% of the population's, so the old correction
   * collapses; above the best-scored labelled look-alike it holds. */
  int worked_old = 0;
  for (uint64_t seed = 1; seed <= 3; seed++) {
    scen sc = {20000, 1000, 100, 100, 0.03, 0.25, seed};
    double *pop = scen_pop(&sc), oof[200];
    uint8_t y[200];
    scen_labels(&sc, oof, y);
    vc_estimate e;
    assert_int_equal(vc_estimate_compute(oof, y, 200, pop, sc.n, 0.5, 1000, seed, &e), 0);
    double old = old_estimate(oof, y, 200, pop, sc.n, 0.5);
    worked_old += fabs(old - 1000) < 150;
    assert_true(e.threshold > 0.5 && e.fpr_t == 0); /* moved above the look-alikes */
    assert_true(e.e.fpr > 0.05);                     /* the decision threshold's figures */
    assert_true(fabs(e.e.estimate - 1000) < 150);
    assert_true(e.e.lo <= 1000 && e.e.hi >= 1000);
    assert_true(e.predicted_t < e.predicted && e.n == sc.n);
    assert_true(e.estimate_tau < 700); /* the old correction, biased low */
    free(pop);
  }
  assert_int_equal(worked_old, 0);
}

static void estimate_random_negatives(void **state) {
  (void)state;
  /* The labelled negatives a random sample (3% look-alikes, as in the
   * population). Then the threshold sits just above the best-scored labelled
   * negative, where the population's false-positive rate is about
   * 1/(labelled negatives above tau + 1) of its rate at tau rather than 0:
   * the estimate errs high, by up to ~N/Q accounts (docs/census.md). With
   * 100 + 100 labels it ran +12% to +25% here (the old correction: -28% to
   * +9%); with 1000 + 1000, -4% to +8%. The interval covers with few labels. */
  for (uint64_t seed = 1; seed <= 3; seed++) {
    for (int big = 0; big <= 1; big++) {
      size_t np = big ? 1000 : 100, nl = 2 * np;
      scen sc = {20000, 1000, np, np, 0.03, 0.03, seed + 10};
      double *pop = scen_pop(&sc), *oof = malloc(nl * sizeof *oof);
      uint8_t *y = malloc(nl);
      scen_labels(&sc, oof, y);
      vc_estimate e;
      assert_int_equal(vc_estimate_compute(oof, y, nl, pop, sc.n, 0.5, 1000, seed, &e), 0);
      if (big) {
        assert_true(fabs(e.e.estimate - 1000) < 100);
      } else {
        assert_true(e.e.estimate > 950 && e.e.estimate < 1300);
        assert_true(e.e.lo <= 1000 && e.e.hi >= 1000);
      }
      free(pop);
      free(oof);
      free(y);
    }
  }
}

static void estimate_threshold_rules(void **state) {
  (void)state;
  /* no labelled negative reaches tau: the estimate is the old one at tau */
  enum { NL = 200, N = 10000 };
  double oof[NL], pop[N];
  uint8_t y[NL];
  uint64_t r = 5;
  for (int j = 0; j < NL; j++)
    y[j] = j < 100, oof[j] = j < 100 ? 0.55 + 0.45 * vc_unif(&r) : 0.4 * vc_unif(&r);
  for (int i = 0; i < N; i++) pop[i] = i < 600 ? 0.55 + 0.45 * vc_unif(&r) : 0.45 * vc_unif(&r);
  pop[N - 1] = -1; /* not scored */
  vc_estimate e;
  assert_int_equal(vc_estimate_compute(oof, y, NL, pop, N, 0.5, 200, 1, &e), 0);
  assert_true(e.threshold == 0.5 && e.predicted_t == 600 && e.n == N - 1);
  assert_true(fabs(e.e.estimate - 600) < 1e-9 && fabs(e.estimate_tau - 600) < 1e-9);
  /* one labelled negative scored 0.99 (a look-alike the model cannot tell
   * apart, or a wrong label): going above it would keep only a few
   * positives, so the threshold stays and its false positive is counted */
  oof[150] = 0.99;
  assert_int_equal(vc_estimate_compute(oof, y, NL, pop, N, 0.5, 200, 1, &e), 0);
  assert_true(e.threshold == 0.5 && fabs(e.fpr_t - 0.01) < 1e-12);
  /* two negatives at 0.6 and 0.99: the threshold goes just above 0.6 */
  oof[151] = 0.6;
  assert_int_equal(vc_estimate_compute(oof, y, NL, pop, N, 0.5, 200, 1, &e), 0);
  assert_true(e.threshold > 0.6 && e.threshold < 0.6000001 && fabs(e.fpr_t - 0.01) < 1e-12);
  size_t above = 0;
  for (int j = 0; j < 100; j++) above += oof[j] >= e.threshold;
  assert_true(fabs(e.tpr_t - above / 100.0) < 1e-12);
  /* bad input */
  oof[3] = NAN;
  assert_int_equal(vc_estimate_compute(oof, y, NL, pop, N, 0.5, 200, 1, &e), VIGIL_EINVAL);
  oof[3] = 0.7;
  assert_int_equal(vc_estimate_compute(oof, y, NL, pop, N, 1.5, 200, 1, &e), VIGIL_EINVAL);
  assert_int_equal(vc_estimate_compute(oof, y, 100, pop, N, 0.5, 200, 1, &e), VIGIL_EMISSING);
}

static void why(void **state) {
  (void)state;
  vigil_why_item it[] = {{"follows 34 supporters", 2.14},
                         {"hashtag #xyz", 0.81},
                         {"account 20 days old", -0.9},
                         {"ppr rank 120", 0.7},
                         {"tiny", 0.01}};
  vigil_buf b = VIGIL_BUF_INIT;
  assert_int_equal(vigil_why_format(it, 5, 3, &b), 0);
  assert_string_equal(b.data, "follows 34 supporters (+2.1); account 20 days old (-0.9); "
                              "hashtag #xyz (+0.8)");
  vigil_buf_clear(&b);
  assert_int_equal(vigil_why_format(it + 4, 1, 3, &b), 0);
  assert_int_equal(b.len, 0); /* negligible contributions are not reasons */
  vigil_buf_clear(&b);
  vigil_why_item nan_item[] = {{"bad", NAN}, {"good", -1.25}};
  assert_int_equal(vigil_why_format(nan_item, 2, 3, &b), 0);
  assert_string_equal(b.data, "good (-1.2)");
  vigil_buf_release(&b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(logreg_separable), cmocka_unit_test(logreg_noisy),
      cmocka_unit_test(kfold),            cmocka_unit_test(auc),
      cmocka_unit_test(estimate),         cmocka_unit_test(estimate_hard_negatives),
      cmocka_unit_test(estimate_random_negatives), cmocka_unit_test(estimate_threshold_rules),
      cmocka_unit_test(why),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
