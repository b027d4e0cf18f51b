/* Seeded ranking for the census graph-only mode.
 *
 * Plain PPR from the positives mostly ranks by degree: hubs are close to
 * everyone. On the undirected walk PPR_s(v) / d(v) is the symmetric
 * "closeness" of v and the seeds (for undirected graphs PPR_s(v)/d(v) =
 * PPR_v(s)/d(s)), so VIGIL_RANK_CONTRAST scores
 *   log(p(v)/d(v) + f) - neg_weight * log(q(v)/d(v) + f)
 * with p, q the PPR vectors of the positive and negative seeds, d the walk
 * degree + 1 and f a tiny floor. On ego-Twitter circles (bench_circles) the
 * degree normalisation carries the gain and random negatives help little,
 * hence the small default neg_weight; see docs/graph.md. */
#include <math.h>
#include <stdlib.h>

#include "vigil/error.h"
#include "vigil/graph.h"

void vigil_rank_opts_init(vigil_rank_opts *o) {
  vigil_ppr_opts_init(&o->ppr);
  o->ppr.dir = VIGIL_PPR_BOTH;
  o->ppr.tol = 1e-6; /* only the order matters here */
  o->method = VIGIL_RANK_CONTRAST;
  o->neg_weight = 0.25;
}

int vigil_graph_rank_seeded(const vigil_graph *g, const uint32_t *pos, size_t n_pos,
                            const uint32_t *neg, size_t n_neg, const vigil_rank_opts *o,
                            float *score) {
  vigil_rank_opts def;
  if (!o) {
    vigil_rank_opts_init(&def);
    o = &def;
  }
  if (!g || !score || !pos || !n_pos || (n_neg && !neg)) return VIGIL_EINVAL;
  int rc = vigil_graph_ppr(g, pos, NULL, n_pos, &o->ppr, score, NULL);
  if (rc || o->method == VIGIL_RANK_PPR) return rc;
  if (o->method != VIGIL_RANK_CONTRAST) return VIGIL_EINVAL;
  if (!(o->neg_weight >= 0 && isfinite(o->neg_weight))) return VIGIL_EINVAL;
  uint32_t n = g->n;
  /* the floor is a tiny share of uniform mass: nodes no walk reaches tie
   * low instead of producing log(0) */
  const double floor = 1e-3 / (double)n;
  float *q = NULL;
  if (n_neg && o->neg_weight > 0) {
    if (!(q = malloc((size_t)n * sizeof *q))) return VIGIL_ENOMEM;
    if ((rc = vigil_graph_ppr(g, neg, NULL, n_neg, &o->ppr, q, NULL))) {
      free(q);
      return rc;
    }
  }
  for (uint32_t v = 0; v < n; v++) {
    double d = 1.0;
    if (o->ppr.dir != VIGIL_PPR_IN) d += g->out_wsum[v];
    if (o->ppr.dir != VIGIL_PPR_OUT) d += g->in_wsum[v];
    double sc = log(score[v] / d + floor);
    if (q) sc -= o->neg_weight * log(q[v] / d + floor);
    score[v] = (float)sc;
  }
  free(q);
  return 0;
}
