/* Explicit edges (SET): the last write of an edge wins its weight, and its
 * first/last-seen widen over every write, whatever the batching. The store
 * keeps the common "weight 1, same time" writes as bare keys and the others
 * as full ops (sq_edge_vec), so this test mixes both kinds of write on the
 * same edges in random order, commits at random points (in the foreground
 * and in the background), and compares every adjacency row with a model
 * that replays the writes one by one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "vigil/error.h"
#include "vigil/store.h"

#define N_NODES 60
#define MAX_EDGES (N_NODES * N_NODES)

typedef struct model_edge {
  int present;
  int64_t weight, first, last;
} model_edge;

static uint64_t rng;
static uint64_t next(void) { return vt_xorshift(&rng); }

typedef struct check_ctx {
  const model_edge *m;
  int64_t ids[N_NODES + 1]; /* node -> account id */
  size_t rows, entries;
  int bad;
} check_ctx;

static int node_of(const check_ctx *c, int64_t id) {
  for (int i = 1; i <= N_NODES; i++)
    if (c->ids[i] == id) return i;
  return 0;
}

static int check_row(void *ctx, const vigil_adj_row *row) {
  check_ctx *c = ctx;
  int s = node_of(c, row->src);
  c->rows++;
  for (size_t i = 0; i < row->n; i++) {
    int d = node_of(c, row->dst[i]);
    const model_edge *e = &c->m[(s - 1) * N_NODES + (d - 1)];
    c->entries++;
    if (!s || !d || !e->present || e->weight != row->weight[i] || e->first != row->first_seen[i] ||
        e->last != row->last_seen[i]) {
      if (!c->bad)
        fprintf(stderr, "edge %d->%d: store w=%lld f=%lld l=%lld, model %d w=%lld f=%lld l=%lld\n",
                s, d, (long long)row->weight[i], (long long)row->first_seen[i],
                (long long)row->last_seen[i], e->present, (long long)e->weight,
                (long long)e->first, (long long)e->last);
      c->bad = 1;
    }
  }
  return 0;
}

static void run_case(const char *dir, int round) {
  char path[4200];
  snprintf(path, sizeof path, "%s/order-%d.db", dir, round);
  vigil_store *s = NULL;
  assert_int_equal(vigil_store_open(path, VIGIL_STORE_BULK, &s), 0);
  model_edge *m = calloc(MAX_EDGES, sizeof *m);
  assert_non_null(m);
  check_ctx c = {.m = m};
  assert_int_equal(vigil_store_begin(s), 0);
  for (int i = 1; i <= N_NODES; i++) {
    char id[24];
    snprintf(id, sizeof id, "%d", 1000 + i);
    vigil_account_ref ref = {vigil_str_c(id), VIGIL_STR_NULL};
    vigil_change ch;
    assert_int_equal(vigil_store_account_resolve(s, VIGIL_STR_LIT("twitter"), &ref, 1, &c.ids[i], &ch), 0);
  }
  /* few distinct edges, many writes: every edge sees both kinds of write */
  int n_writes = 4000 + (int)(next() % 4000);
  int64_t base_time = 1500000000;
  for (int w = 0; w < n_writes; w++) {
    int a = 1 + (int)(next() % 12), b = 1 + (int)(next() % 12);
    uint64_t r = next() % 100;
    int64_t weight = 1, at = base_time; /* the shared-value write */
    if (r < 15) weight = 2 + (int64_t)(next() % 5);
    else if (r < 22) at = base_time + (int64_t)(next() % 1000) - 500;
    else if (r < 25) at = VIGIL_TIME_UNKNOWN;
    assert_int_equal(vigil_store_edge_put(s, VIGIL_EDGE_FOLLOW, c.ids[a], c.ids[b], weight, at), 0);
    model_edge *e = &m[(a - 1) * N_NODES + (b - 1)];
    int64_t t = at == VIGIL_TIME_UNKNOWN ? 0 : at;
    if (!e->present) {
      *e = (model_edge){1, weight, t, t};
    } else {
      e->weight = weight;
      if (t && (!e->first || t < e->first)) e->first = t;
      if (t > e->last) e->last = t;
    }
    if (next() % 997 == 0) {
      if (next() % 2) assert_int_equal(vigil_store_commit_async(s), 0);
      else assert_int_equal(vigil_store_commit(s), 0);
      assert_int_equal(vigil_store_begin(s), 0);
    }
  }
  assert_int_equal(vigil_store_commit(s), 0);
  assert_int_equal(vigil_store_each_adjacency(s, VIGIL_EDGE_FOLLOW, check_row, &c), 0);
  size_t want = 0;
  for (size_t i = 0; i < MAX_EDGES; i++) want += m[i].present;
  assert_int_equal(c.bad, 0);
  assert_int_equal(c.entries, want);
  assert_int_equal(vigil_store_close(s), 0);
  free(m);
}

static void test_last_write_wins_in_any_batching(void **state) {
  (void)state;
  char *dir = vt_tmpdir("edge-order");
  assert_non_null(dir);
  rng = 0x243F6A8885A308D3ULL;
  for (int round = 0; round < 25; round++) run_case(dir, round);
  free(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_last_write_wins_in_any_batching),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
