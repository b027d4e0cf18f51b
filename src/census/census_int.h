/* Internals shared by the census sources (not installed). */
#ifndef VIGIL_CENSUS_INT_H
#define VIGIL_CENSUS_INT_H

#include <stddef.h>
#include <stdint.h>

#include "vigil/buf.h"

uint64_t vc_rng_next(uint64_t *s);
uint64_t vc_rng_below(uint64_t *s, uint64_t n);
double vc_unif(uint64_t *s);                     /* (0, 1) */
double vc_beta(uint64_t *s, double a, double b); /* Beta(a, b) draw */

/* A label is 1..64 bytes of [A-Za-z0-9_.:-]; 0 if valid. */
int vc_label_valid(vigil_str label, const char **reason);

#endif
