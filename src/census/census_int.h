/* Internals shared by the census sources (not installed). */
#ifndef VIGIL_CENSUS_INT_H
#define VIGIL_CENSUS_INT_H

#include <stddef.h>
#include <stdint.h>

#include "vigil/buf.h"
#include "vigil/census.h"

uint64_t vc_rng_next(uint64_t *s);
uint64_t vc_rng_below(uint64_t *s, uint64_t n);
double vc_unif(uint64_t *s);                     /* (0, 1) */
double vc_beta(uint64_t *s, double a, double b); /* Beta(a, b) draw */

/* The population estimate at an estimation threshold chosen from the
 * labelled out-of-fold scores (docs/census.md, "The population estimate").
 * oof/y: the nl labelled accounts' out-of-fold scores and classes; score:
 * the final scores of n accounts (< 0: not scored, skipped); tau: the
 * decision threshold. The threshold t is the lowest of tau and the points
 * just above each labelled negative scored >= tau that leaves the fewest
 * labelled negatives at or above it while keeping at least half of the
 * labelled positives tau keeps; the count is corrected there,
 * K = (pred(t) - f(t) N) / (r(t) - f(t)), with the Jeffreys-Beta bootstrap
 * interval of vigil_census_estimate_compute(). e.tpr, e.fpr, e.precision
 * and e.pop_precision are the decision threshold's figures. */
typedef struct vc_estimate {
  vigil_census_estimate e;
  double threshold;      /* t */
  double tpr_t, fpr_t;   /* labelled out-of-fold rates at t */
  uint64_t predicted_t;  /* accounts scored >= t */
  uint64_t predicted;    /* accounts scored >= tau */
  uint64_t n;            /* accounts scored */
  double estimate_tau;   /* the same correction at tau (no interval) */
} vc_estimate;
int vc_estimate_compute(const double *oof, const uint8_t *y, size_t nl, const double *score,
                        size_t n, double tau, int B, uint64_t seed, vc_estimate *out);

/* A label is 1..64 bytes of [A-Za-z0-9_.:-]; 0 if valid. */
int vc_label_valid(vigil_str label, const char **reason);

#endif
