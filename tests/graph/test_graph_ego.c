/* The real ego-Twitter follow graph (SNAP), when the shared data is present:
 * the builder must reproduce the published node and edge counts, and the
 * kernels must agree with each other on it. */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "../../bench/graph_edgelist.h"
#include "vigil/graph.h"

static void test_ego_twitter(void **st) {
  (void)st;
  const char *path = vt_shared("ego-twitter/twitter_combined.reconstructed.txt.gz");
  if (!path) skip();
  vigil_graph *g;
  vigil_idmap *map;
  size_t lines = 0;
  assert_int_equal(ge_load(path, &g, &map, &lines), 0);
  assert_int_equal(g->n, 81306);
  assert_int_equal(lines, 1768149);
  /* the list has 14 self-loops (u u) and no duplicate pairs; the builder
   * drops self-loops */
  assert_int_equal(g->m, 1768149 - 14);
  assert_true(g->unit_weights);

  /* PPR from a handful of nodes: a distribution, and the thread count
   * (which changes the Gauss-Seidel order) changes it only within tol */
  uint32_t seeds[] = {0, 10, 100};
  float *x1 = malloc(g->n * sizeof *x1), *x2 = malloc(g->n * sizeof *x2);
  vigil_ppr_opts o;
  vigil_ppr_opts_init(&o);
  o.threads = 1;
  int it1, it2;
  assert_int_equal(vigil_graph_ppr(g, seeds, NULL, 3, &o, x1, &it1), 0);
  o.threads = 2;
  assert_int_equal(vigil_graph_ppr(g, seeds, NULL, 3, &o, x2, &it2), 0);
  double sum = 0, l1 = 0;
  for (uint32_t v = 0; v < g->n; v++) sum += x2[v], l1 += fabs(x1[v] - x2[v]);
  assert_true(fabs(sum - 1) < 1e-5);
  assert_true(l1 < 1e-5);
  assert_true(x2[0] >= 0.15f / 3 * 0.99f); /* at least its restart share */
  /* the cache-blocked kernel keeps the 1-thread Gauss-Seidel order */
  o.threads = 1, o.block_bits = 12;
  int it3;
  assert_int_equal(vigil_graph_ppr(g, seeds, NULL, 3, &o, x2, &it3), 0);
  double l1b = 0;
  for (uint32_t v = 0; v < g->n; v++) l1b += fabs(x1[v] - x2[v]);
  assert_true(abs(it3 - it1) <= 1);
  assert_true(l1b < 1e-6);

  /* reciprocity: total pairs equal half the sum of reciprocal degrees */
  uint32_t *rd = malloc(g->n * sizeof *rd);
  uint64_t pairs;
  assert_int_equal(vigil_graph_reciprocal(g, rd, NULL, &pairs, 2), 0);
  uint64_t s = 0;
  for (uint32_t v = 0; v < g->n; v++) s += rd[v];
  assert_int_equal(s, 2 * pairs);
  assert_true(pairs > 100000); /* ego-Twitter is highly reciprocal */

  uint32_t *core = malloc(g->n * sizeof *core), maxc = 0;
  assert_int_equal(vigil_graph_kcore(g, core), 0);
  for (uint32_t v = 0; v < g->n; v++) maxc = core[v] > maxc ? core[v] : maxc;
  fprintf(stderr, "ego-twitter: reciprocal pairs %llu, max core %u, ppr iters %d/%d, L1 1 vs 2 threads %.2g, "
          "plain vs blocked %.2g\n", (unsigned long long)pairs, maxc, it1, it2, l1, l1b);
  assert_true(maxc >= 50);
  free(x1), free(x2), free(rd), free(core);
  vigil_graph_free(g);
  vigil_idmap_free(map);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_ego_twitter)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
