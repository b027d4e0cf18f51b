/* vigil/census.h - scoring accounts against analyst labels and estimating
 * the size of the supporter population (docs/census.md).
 *
 * Every score carries its reasons (a `why` string naming the strongest
 * contributions); a score is a lead for human review, never a decision.
 *
 * Ownership:
 * - vigil_logreg: vigil_logreg_fit() allocates the weight arrays inside the
 *   caller's struct; vigil_logreg_release() frees them.
 * - vigil_census_result: vigil_census_run() fills the caller's struct and
 *   allocates `summary_json`; vigil_census_result_release() frees it.
 * - vigil_label_csv: vigil_label_csv_parse() calls back with borrowed views,
 *   valid only during the callback.
 * All other functions write into caller-allocated arrays only.
 */
#ifndef VIGIL_CENSUS_H
#define VIGIL_CENSUS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "vigil/buf.h"
#include "vigil/store.h"

/* ---- regularised logistic regression ------------------------------------ */
#define VIGIL_LOGREG_MAX_DIM 64

typedef struct vigil_logreg {
  int d;         /* features */
  double *w;     /* d weights on standardised features */
  double b;      /* intercept */
  double *mean;  /* d: feature means used for standardisation */
  double *sd;    /* d: standard deviations (1 for constant features) */
  double l2;     /* penalty used */
  int iters;     /* Newton iterations done */
} vigil_logreg;

/* Fits p(y=1|x) = 1/(1+exp(-(b + w.z))) with z the standardised x (X is n
 * rows of d doubles, row-major), minimising the mean log loss + l2/2 |w|^2
 * (intercept not penalised) by Newton's method. Sample weights sw may be
 * NULL (all 1). VIGIL_EINVAL for d outside 1..VIGIL_LOGREG_MAX_DIM, n == 0,
 * or non-finite input. */
int vigil_logreg_fit(const double *X, const uint8_t *y, const double *sw, size_t n, int d,
                     double l2, vigil_logreg *m);
/* The linear score b + w.z (the log-odds). */
double vigil_logreg_logit(const vigil_logreg *m, const double *x);
double vigil_logreg_prob(const vigil_logreg *m, const double *x);
/* contrib[j] = w_j * z_j: the signed log-odds contribution of feature j. */
void vigil_logreg_contrib(const vigil_logreg *m, const double *x, double *contrib);
void vigil_logreg_release(vigil_logreg *m);

/* ---- validation ----------------------------------------------------------- */
/* Stratified k-fold assignment: fold[i] in 0..k-1, each class spread evenly
 * over the folds in a seeded random order. Same inputs, same folds. */
int vigil_kfold_assign(const uint8_t *y, size_t n, int k, uint64_t seed, int *fold);
/* Area under the ROC curve (ties count one half); -1 when a class is empty. */
double vigil_auc(const double *score, const uint8_t *y, size_t n);

typedef struct vigil_census_estimate {
  double tpr, fpr;       /* recall and false-positive rate on the labelled OOF predictions */
  double precision;      /* precision among the labelled accounts (depends on their mix) */
  double pop_precision;  /* precision implied at the estimated population prevalence */
  double estimate;       /* estimated supporters among n_total */
  double lo, hi;         /* bootstrap 95% interval */
} vigil_census_estimate;

/* Corrects the number of predicted supporters for classifier error: with
 * recall r and false-positive rate f measured out-of-fold on the labelled
 * accounts, predicted = r*K + f*(N-K), so K = (predicted - f*N)/(r - f),
 * clamped to [0, N]; this equals predicted x precision / recall with the
 * precision at the population's prevalence. The interval is a Bayesian
 * bootstrap of the labelled out-of-fold outcomes: B replicates draw recall
 * and false-positive rate from Beta(x+1/2, n-x+1/2) of each class's counts
 * (so zero observed errors still leave uncertainty), and the 2.5 and 97.5
 * percentiles of the corrected counts are the interval. oof[i] is the out-of-fold
 * predicted class (0/1) of labelled account i. */
int vigil_census_estimate_compute(const uint8_t *oof, const uint8_t *y, size_t n,
                                  uint64_t predicted, uint64_t n_total, int B, uint64_t seed,
                                  vigil_census_estimate *out);

/* ---- why strings -------------------------------------------------------- */
typedef struct vigil_why_item {
  const char *text; /* e.g. "follows 34 supporters" (NUL-terminated) */
  double contrib;   /* signed log-odds contribution */
} vigil_why_item;
/* Appends "text (+c.c); text (-c.c); ..." for the `top` items with the
 * largest |contrib| (ties: earlier item first), skipping |contrib| < 0.05. */
int vigil_why_format(const vigil_why_item *items, size_t n, int top, vigil_buf *out);

/* ---- label files ------------------------------------------------------------- */
typedef struct vigil_label_csv_row {
  uint64_t line;
  vigil_str account_id, username, label, note, analyst; /* absent: ptr NULL */
} vigil_label_csv_row;
/* Parses a label CSV (header required: account_id and/or username, label,
 * optional note, analyst). Calls row() for each good row and bad() for
 * each bad one (field and reason are static strings); a non-zero return
 * from either stops the parse and is returned. VIGIL_EPARSE when the
 * header is unusable (reported through bad() with line 1). */
int vigil_label_csv_parse(const char *data, size_t len,
                          int (*row)(void *ctx, const vigil_label_csv_row *r),
                          int (*bad)(void *ctx, uint64_t line, const char *field,
                                     const char *reason),
                          void *ctx);

/* ---- the census run ------------------------------------------------------ */
typedef struct vigil_census_opts {
  const char *positive;   /* positive label (default "supporter") */
  int folds;              /* default 5 */
  uint64_t seed;          /* default 1 */
  double threshold;       /* predicted supporter when p >= threshold (default 0.5) */
  int levels;             /* expansion levels, 1 or 2 (default 2) */
  int bootstrap;          /* B, default 1000 */
  int threads;            /* default 2 */
  double l2;              /* L2 penalty (default 0.1); < 0: chosen per level by CV log loss */
  const char *actor;      /* for the store and audit */
  const char *scores_path;/* optional CSV output */
  int quiet;
  FILE *log;              /* progress/warnings (stderr when NULL) */
} vigil_census_opts;
void vigil_census_opts_init(vigil_census_opts *o);

typedef struct vigil_census_result {
  int64_t run;
  uint64_t accounts, labelled, labelled_pos, labelled_neg, predicted;
  double estimate, lo, hi, prob_sum;
  double precision, recall, auc;
  int folds_used;
  char *summary_json; /* the stored summary (malloc'd) */
} vigil_census_result;

/* Scores every account in the store, stores the run and its scores,
 * writes the scores CSV when asked. VIGIL_EMISSING when there are no
 * labels of one of the two classes. */
int vigil_census_run(vigil_store *s, const vigil_census_opts *o, vigil_census_result *res);
void vigil_census_result_release(vigil_census_result *r);

#endif
