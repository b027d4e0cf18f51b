/* vigil_store_edges_put_batch (the bulk edge path of edge-list ingest) must
 * leave exactly the store that per-edge resolution + vigil_store_edge_put
 * leaves: same account ids and rows, same adjacency, same counts. The edges
 * mix every kind of reference the fast path has to hand over to the
 * general one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "vigil/buf.h"
#include "vigil/error.h"
#include "vigil/store.h"

#define N_EDGES 120000
#define ID_TEXT 24

static uint64_t rng;
static uint64_t next(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

typedef struct edge_text {
  char src[ID_TEXT], dst[ID_TEXT];
  int src_is_name, dst_is_name;
  int other_platform;
} edge_text;

/* one reference: mostly small numbers (dense), some huge numbers, some
 * non-canonical numbers and names (string path), some usernames, a few
 * empty ones (the edge is skipped) */
static int make_ref(char *out) {
  uint64_t r = next() % 100;
  if (r < 70) snprintf(out, ID_TEXT, "%llu", (unsigned long long)(next() % 30000));
  else if (r < 82) snprintf(out, ID_TEXT, "%llu", (unsigned long long)(1000000000000ULL + next() % 9000));
  else if (r < 88) snprintf(out, ID_TEXT, "0%llu", (unsigned long long)(next() % 500));
  else if (r < 94) snprintf(out, ID_TEXT, "n%llu", (unsigned long long)(next() % 2000));
  else if (r < 99) {
    snprintf(out, ID_TEXT, "User%llu", (unsigned long long)(next() % 800));
    return 1;
  } else out[0] = '\0';
  return 0;
}

static edge_text *make_edges(void) {
  edge_text *t = calloc(N_EDGES, sizeof *t);
  assert_non_null(t);
  rng = 0x9E3779B97F4A7C15ULL;
  for (size_t i = 0; i < N_EDGES; i++) {
    t[i].src_is_name = make_ref(t[i].src);
    t[i].dst_is_name = make_ref(t[i].dst);
    t[i].other_platform = next() % 50 == 0;
  }
  return t;
}

static vigil_edge to_edge(const edge_text *t, int64_t i) {
  vigil_edge e;
  memset(&e, 0, sizeof e);
  e.platform = t->other_platform ? VIGIL_STR_LIT("mastodon") : VIGIL_STR_NULL;
  if (t->src_is_name) e.src.username = vigil_str_c(t->src);
  else e.src.platform_id = vigil_str_c(t->src);
  if (t->dst_is_name) e.dst.username = vigil_str_c(t->dst);
  else e.dst.platform_id = vigil_str_c(t->dst);
  e.kind = VIGIL_EDGE_FOLLOW;
  e.weight = 1 + i % 7;
  e.seen_at = i % 3 == 0 ? VIGIL_TIME_UNKNOWN : 1400000000 + i;
  return e;
}

static vigil_store *open_tmp(const char *dir, const char *name) {
  char path[4200];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  vigil_store *s = NULL;
  assert_int_equal(vigil_store_open(path, 0, &s), 0);
  return s;
}

static int dump_account(void *ctx, const vigil_account_row *row) {
  vigil_buf *b = ctx;
  const vigil_account *a = &row->a;
  return vigil_buf_printf(b, "%lld|%.*s|%.*s|%.*s\n", (long long)row->id, (int)a->platform.len,
                          a->platform.ptr ? a->platform.ptr : "", (int)a->platform_id.len,
                          a->platform_id.ptr ? a->platform_id.ptr : "-", (int)a->username.len,
                          a->username.ptr ? a->username.ptr : "-");
}

static int dump_adj(void *ctx, const vigil_adj_row *row) {
  vigil_buf *b = ctx;
  int rc = vigil_buf_printf(b, "%lld/%d:", (long long)row->src, row->kind);
  for (size_t i = 0; i < row->n && !rc; i++)
    rc = vigil_buf_printf(b, " %lld,%lld,%lld,%lld", (long long)row->dst[i],
                          (long long)row->weight[i], (long long)row->first_seen[i],
                          (long long)row->last_seen[i]);
  return rc ? rc : vigil_buf_putc(b, '\n');
}

static void dump(vigil_store *s, vigil_buf *b) {
  vigil_buf_clear(b);
  assert_int_equal(vigil_store_each_account(s, dump_account, b), 0);
  assert_int_equal(vigil_store_each_adjacency(s, -1, dump_adj, b), 0);
}

static const vigil_str PLAT = VIGIL_STR_LIT("twitter");
static const int64_t OBS = 1500000000;

/* the reference: what the ingest driver did per edge */
static void load_per_edge(vigil_store *s, const edge_text *t, size_t from, size_t to,
                          uint64_t *stored, uint64_t *made) {
  for (size_t i = from; i < to; i++) {
    vigil_edge e = to_edge(&t[i], (int64_t)i);
    vigil_str plat = e.platform.ptr ? e.platform : PLAT;
    int64_t ids[2] = {0, 0};
    const vigil_account_ref *refs[2] = {&e.src, &e.dst};
    for (int k = 0; k < 2; k++) {
      if (!refs[k]->platform_id.len && !refs[k]->username.len) continue;
      vigil_change ch;
      assert_int_equal(vigil_store_account_resolve(s, plat, refs[k], 1, &ids[k], &ch), 0);
      if (ch == VIGIL_NEW) (*made)++;
    }
    if (!ids[0] || !ids[1]) continue;
    int64_t at = e.seen_at != VIGIL_TIME_UNKNOWN ? e.seen_at : OBS;
    assert_int_equal(vigil_store_edge_put(s, e.kind, ids[0], ids[1], e.weight, at), 0);
    (*stored)++;
  }
}

static void load_batched(vigil_store *s, const edge_text *t, size_t from, size_t to,
                         uint64_t *stored, uint64_t *made) {
  vigil_edge *buf = malloc(5000 * sizeof *buf);
  assert_non_null(buf);
  size_t i = from;
  while (i < to) {
    size_t n = 1 + next() % 5000; /* uneven batches */
    if (n > to - i) n = to - i;
    for (size_t k = 0; k < n; k++) buf[k] = to_edge(&t[i + k], (int64_t)(i + k));
    assert_int_equal(vigil_store_edges_put_batch(s, PLAT, OBS, n, buf, stored, made), 0);
    i += n;
  }
  free(buf);
}

static void test_batch_equals_per_edge(void **state) {
  (void)state;
  edge_text *t = make_edges();
  char *dir = vt_tmpdir("edges_batch");
  assert_non_null(dir);
  vigil_store *a = open_tmp(dir, "a.db"), *b = open_tmp(dir, "b.db");
  uint64_t sa = 0, ma = 0, sb = 0, mb = 0;
  /* three batches; the batched store commits in the background like the
   * driver (presort, stub rows written while the next batch is resolved) */
  size_t cut[4] = {0, 2 * N_EDGES / 3, 5 * N_EDGES / 6, N_EDGES}; /* the first sorts on 2 threads */
  for (int k = 0; k < 3; k++) {
    assert_int_equal(vigil_store_begin(a), 0);
    load_per_edge(a, t, cut[k], cut[k + 1], &sa, &ma);
    assert_int_equal(vigil_store_commit(a), 0);
    assert_int_equal(vigil_store_begin(b), 0);
    load_batched(b, t, cut[k], cut[k + 1], &sb, &mb);
    assert_int_equal(k < 2 ? vigil_store_commit_async(b) : vigil_store_commit(b), 0);
  }
  assert_true(ma > 20000); /* enough new accounts to stream stub rows */
  assert_int_equal(sa, sb);
  assert_int_equal(ma, mb);
  vigil_edge_counts ca, cb;
  vigil_store_edge_counts(a, &ca);
  vigil_store_edge_counts(b, &cb);
  assert_int_equal(ca.created, cb.created);
  assert_int_equal(ca.updated, cb.updated);
  assert_int_equal(ca.unchanged, cb.unchanged);
  vigil_buf da = VIGIL_BUF_INIT, db = VIGIL_BUF_INIT;
  dump(a, &da);
  dump(b, &db);
  assert_true(da.len > 100000);
  assert_int_equal(da.len, db.len);
  assert_memory_equal(da.data, db.data, da.len);

  /* again, batched: nothing new, the same store */
  uint64_t s2 = 0, m2 = 0;
  assert_int_equal(vigil_store_begin(b), 0);
  load_batched(b, t, 0, N_EDGES, &s2, &m2);
  assert_int_equal(vigil_store_commit(b), 0);
  assert_int_equal(m2, 0);
  assert_int_equal(s2, sb);
  vigil_store_edge_counts(b, &cb);
  assert_int_equal(cb.created, ca.created);
  dump(b, &db);
  assert_int_equal(da.len, db.len);
  assert_memory_equal(da.data, db.data, da.len);

  vigil_buf_release(&da);
  vigil_buf_release(&db);
  assert_int_equal(vigil_store_close(a), 0);
  assert_int_equal(vigil_store_close(b), 0);
  free(t);
  free(dir);
}

/* bad input to the batch call fails cleanly */
static void test_batch_errors(void **state) {
  (void)state;
  char *dir = vt_tmpdir("edges_batch_err");
  vigil_store *s = open_tmp(dir, "e.db");
  assert_int_equal(vigil_store_begin(s), 0);
  uint64_t st = 0, mk = 0;
  assert_int_equal(vigil_store_edges_put_batch(s, VIGIL_STR_NULL, OBS, 0, NULL, &st, &mk),
                   VIGIL_EINVAL);
  assert_int_equal(vigil_store_edges_put_batch(s, PLAT, OBS, 1, NULL, &st, &mk), VIGIL_EINVAL);
  vigil_edge e;
  memset(&e, 0, sizeof e);
  e.src.platform_id = VIGIL_STR_LIT("1");
  e.dst.platform_id = VIGIL_STR_LIT("2");
  e.kind = VIGIL_EDGE_KIND_COUNT;
  assert_int_equal(vigil_store_edges_put_batch(s, PLAT, OBS, 1, &e, &st, &mk), VIGIL_EINVAL);
  assert_int_equal(vigil_store_rollback(s), 0);
  assert_int_equal(vigil_store_close(s), 0);
  free(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_batch_equals_per_edge),
      cmocka_unit_test(test_batch_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
