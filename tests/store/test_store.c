/* Unit tests of the SQLite store: identity, snapshots, posts and derived
 * edges, explicit edges, transactions. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "vigil/error.h"
#include "vigil/store.h"

static vigil_store *open_tmp(char **dir_out) {
  char *dir = vt_tmpdir("store");
  assert_non_null(dir);
  char path[4200];
  snprintf(path, sizeof path, "%s/t.db", dir);
  vigil_store *s = NULL;
  assert_int_equal(vigil_store_open(path, 0, &s), 0);
  *dir_out = dir;
  return s;
}

static vigil_account acc(const char *id, const char *uname, int64_t followers) {
  vigil_account a;
  vigil_account_init(&a);
  a.platform = VIGIL_STR_LIT("twitter");
  a.platform_id = id ? vigil_str_c(id) : VIGIL_STR_NULL;
  a.username = uname ? vigil_str_c(uname) : VIGIL_STR_NULL;
  a.followers = followers;
  return a;
}

static void test_account_snapshots(void **state) {
  (void)state;
  char *dir;
  vigil_store *s = open_tmp(&dir);
  int64_t id1, id2;
  vigil_change ch;
  assert_int_equal(vigil_store_begin(s), 0);
  vigil_account a = acc("1001", "Alice", 10);
  assert_int_equal(vigil_store_account_upsert(s, &a, 100, &id1, &ch), 0);
  assert_int_equal(ch, VIGIL_NEW);
  /* same snapshot again: unchanged */
  assert_int_equal(vigil_store_account_upsert(s, &a, 100, &id2, &ch), 0);
  assert_int_equal(ch, VIGIL_UNCHANGED);
  assert_int_equal(id1, id2);
  /* older snapshot with other content: ignored */
  vigil_account older = acc("1001", "Alice", 5);
  assert_int_equal(vigil_store_account_upsert(s, &older, 50, &id2, &ch), 0);
  assert_int_equal(ch, VIGIL_UNCHANGED);
  /* newer snapshot: replaces */
  vigil_account newer = acc("1001", "alice_new", 20);
  assert_int_equal(vigil_store_account_upsert(s, &newer, 200, &id2, &ch), 0);
  assert_int_equal(ch, VIGIL_UPDATED);
  assert_int_equal(id1, id2);
  /* resolving by the new username (any case) finds it */
  vigil_account_ref ref = {VIGIL_STR_NULL, VIGIL_STR_LIT("ALICE_NEW")};
  assert_int_equal(vigil_store_account_resolve(s, VIGIL_STR_LIT("twitter"), &ref, 0, &id2, &ch), 0);
  assert_int_equal(id2, id1);
  assert_int_equal(vigil_store_commit(s), 0);
  vigil_store_stats st;
  assert_int_equal(vigil_store_stats_get(s, &st), 0);
  assert_int_equal(st.accounts, 1);
  assert_int_equal(vigil_store_close(s), 0);
  free(dir);
}

static void test_username_then_id_merge(void **state) {
  (void)state;
  char *dir;
  vigil_store *s = open_tmp(&dir);
  int64_t a, b;
  vigil_change ch;
  assert_int_equal(vigil_store_begin(s), 0);
  /* a mention knows only the username */
  vigil_account_ref by_name = {VIGIL_STR_NULL, VIGIL_STR_LIT("@bob")};
  assert_int_equal(vigil_store_account_resolve(s, VIGIL_STR_LIT("twitter"), &by_name, 1, &a, &ch), 0);
  assert_int_equal(ch, VIGIL_NEW);
  /* later a record carries id and username: same account */
  vigil_account full = acc("77", "Bob", 3);
  assert_int_equal(vigil_store_account_upsert(s, &full, 10, &b, &ch), 0);
  assert_int_equal(a, b);
  assert_int_equal(ch, VIGIL_UPDATED);
  /* another platform's bob is someone else */
  vigil_account_ref other = {VIGIL_STR_NULL, VIGIL_STR_LIT("bob")};
  assert_int_equal(vigil_store_account_resolve(s, VIGIL_STR_LIT("mastodon"), &other, 1, &b, &ch), 0);
  assert_int_not_equal(a, b);
  /* an account with another id and the same username is a different one */
  vigil_account reuse = acc("78", "bob", 1);
  assert_int_equal(vigil_store_account_upsert(s, &reuse, 20, &b, &ch), 0);
  assert_int_equal(ch, VIGIL_NEW);
  assert_int_not_equal(a, b);
  assert_int_equal(vigil_store_commit(s), 0);
  assert_int_equal(vigil_store_close(s), 0);
  free(dir);
}

typedef struct adj_collect {
  int64_t src[16], dst[16], w[16];
  int n;
} adj_collect;

static int collect_adj(void *ctx, const vigil_adj_row *row) {
  adj_collect *c = ctx;
  for (size_t i = 0; i < row->n && c->n < 16; i++) {
    c->src[c->n] = row->src, c->dst[c->n] = row->dst[i], c->w[c->n] = row->weight[i];
    c->n++;
  }
  return 0;
}

static void test_posts_derive_edges_idempotently(void **state) {
  (void)state;
  char *dir;
  vigil_store *s = open_tmp(&dir);
  vigil_change ch;
  int64_t author, m1, m2, pid;
  assert_int_equal(vigil_store_begin(s), 0);
  vigil_account a = acc("1", "author", 1), b = acc("2", "m1", 1), c = acc("3", "m2", 1);
  assert_int_equal(vigil_store_account_upsert(s, &a, 1, &author, &ch), 0);
  assert_int_equal(vigil_store_account_upsert(s, &b, 1, &m1, &ch), 0);
  assert_int_equal(vigil_store_account_upsert(s, &c, 1, &m2, &ch), 0);
  vigil_post p;
  vigil_post_init(&p);
  p.platform = VIGIL_STR_LIT("twitter");
  p.platform_id = VIGIL_STR_LIT("500");
  p.text = VIGIL_STR_LIT("hello");
  p.created_at = 1000;
  int64_t ments[] = {m1, m2};
  vigil_post_refs refs = {author, 0, m1, 0, ments, 2};
  for (int round = 0; round < 2; round++) {
    assert_int_equal(vigil_store_post_upsert(s, &p, &refs, &pid, &ch), 0);
    assert_int_equal(ch, round == 0 ? VIGIL_NEW : VIGIL_UNCHANGED);
  }
  /* a second post mentioning m1 raises the weight */
  vigil_post p2 = p;
  p2.platform_id = VIGIL_STR_LIT("501");
  vigil_post_refs refs2 = {author, 0, 0, 0, ments, 1};
  assert_int_equal(vigil_store_post_upsert(s, &p2, &refs2, &pid, &ch), 0);
  assert_int_equal(vigil_store_commit(s), 0);
  vigil_store_stats st;
  assert_int_equal(vigil_store_stats_get(s, &st), 0);
  assert_int_equal(st.posts, 2);
  assert_int_equal(st.edges[VIGIL_EDGE_MENTION], 2);
  assert_int_equal(st.edges[VIGIL_EDGE_RETWEET], 1);
  adj_collect col = {0};
  assert_int_equal(vigil_store_each_adjacency(s, VIGIL_EDGE_MENTION, collect_adj, &col), 0);
  assert_int_equal(col.n, 2);
  assert_int_equal(col.dst[0], m1);
  assert_int_equal(col.w[0], 2);
  assert_int_equal(col.w[1], 1);
  /* editing post 501 to mention m2 instead moves the edge weight */
  assert_int_equal(vigil_store_begin(s), 0);
  int64_t only_m2[] = {m2};
  vigil_post_refs refs3 = {author, 0, 0, 0, only_m2, 1};
  p2.text = VIGIL_STR_LIT("edited");
  assert_int_equal(vigil_store_post_upsert(s, &p2, &refs3, &pid, &ch), 0);
  assert_int_equal(ch, VIGIL_UPDATED);
  assert_int_equal(vigil_store_commit(s), 0);
  memset(&col, 0, sizeof col);
  assert_int_equal(vigil_store_each_adjacency(s, VIGIL_EDGE_MENTION, collect_adj, &col), 0);
  assert_int_equal(col.n, 2);
  assert_int_equal(col.w[0], 1);
  assert_int_equal(col.w[1], 2);
  assert_int_equal(vigil_store_close(s), 0);
  free(dir);
}

static void test_explicit_edges_set_and_rollback(void **state) {
  (void)state;
  char *dir;
  vigil_store *s = open_tmp(&dir);
  vigil_change ch;
  int64_t ids[5];
  assert_int_equal(vigil_store_begin(s), 0);
  for (int i = 0; i < 5; i++) {
    char pid[8];
    snprintf(pid, sizeof pid, "%d", i + 10);
    vigil_account_ref r = {vigil_str_c(pid), VIGIL_STR_NULL};
    assert_int_equal(vigil_store_account_resolve(s, VIGIL_STR_LIT("twitter"), &r, 1, &ids[i], &ch), 0);
  }
  /* out of order, with a duplicate */
  assert_int_equal(vigil_store_edge_put(s, VIGIL_EDGE_FOLLOW, ids[3], ids[1], 1, 5), 0);
  assert_int_equal(vigil_store_edge_put(s, VIGIL_EDGE_FOLLOW, ids[0], ids[4], 1, 5), 0);
  assert_int_equal(vigil_store_edge_put(s, VIGIL_EDGE_FOLLOW, ids[0], ids[2], 1, 5), 0);
  assert_int_equal(vigil_store_edge_put(s, VIGIL_EDGE_FOLLOW, ids[3], ids[1], 1, 5), 0);
  assert_int_equal(vigil_store_commit(s), 0);
  vigil_edge_counts ec;
  vigil_store_edge_counts(s, &ec);
  assert_int_equal(ec.created, 3);
  /* the same edges again: unchanged; a new weight: updated */
  assert_int_equal(vigil_store_begin(s), 0);
  assert_int_equal(vigil_store_edge_put(s, VIGIL_EDGE_FOLLOW, ids[0], ids[2], 1, 5), 0);
  assert_int_equal(vigil_store_edge_put(s, VIGIL_EDGE_FOLLOW, ids[3], ids[1], 4, 5), 0);
  assert_int_equal(vigil_store_commit(s), 0);
  vigil_store_edge_counts(s, &ec);
  assert_int_equal(ec.created, 3);
  assert_int_equal(ec.unchanged, 1);
  assert_int_equal(ec.updated, 1);
  /* a rolled-back batch leaves nothing behind */
  assert_int_equal(vigil_store_begin(s), 0);
  assert_int_equal(vigil_store_edge_put(s, VIGIL_EDGE_FOLLOW, ids[4], ids[0], 1, 5), 0);
  vigil_account_ref r = {VIGIL_STR_LIT("999"), VIGIL_STR_NULL};
  int64_t ghost;
  assert_int_equal(vigil_store_account_resolve(s, VIGIL_STR_LIT("twitter"), &r, 1, &ghost, &ch), 0);
  assert_int_equal(vigil_store_rollback(s), 0);
  vigil_store_stats st;
  assert_int_equal(vigil_store_stats_get(s, &st), 0);
  assert_int_equal(st.edges[VIGIL_EDGE_FOLLOW], 3);
  assert_int_equal(st.accounts, 5);
  /* and the id cache forgot the ghost account */
  assert_int_equal(vigil_store_account_resolve(s, VIGIL_STR_LIT("twitter"), &r, 0, &ghost, &ch), 0);
  assert_int_equal(ghost, 0);
  adj_collect col = {0};
  assert_int_equal(vigil_store_each_adjacency(s, -1, collect_adj, &col), 0);
  assert_int_equal(col.n, 3);
  assert_int_equal(col.src[0], ids[0]);
  assert_int_equal(col.dst[0], ids[2]);
  assert_int_equal(col.dst[1], ids[4]);
  assert_int_equal(col.w[2], 4);
  assert_int_equal(vigil_store_close(s), 0);
  free(dir);
}

static void test_not_a_database(void **state) {
  (void)state;
  char *dir = vt_tmpdir("store");
  char path[4200];
  snprintf(path, sizeof path, "%s/junk.db", dir);
  static const char junk[] =
      "this is not sqlite, just text that is long enough to have a header.............................";
  assert_int_equal(vt_write_file(path, junk, sizeof junk - 1), 0);
  vigil_store *s = NULL;
  int rc = vigil_store_open(path, 0, &s);
  assert_true(rc < 0);
  assert_null(s);
  free(dir);
}

typedef struct label_collect {
  int n;
  char last_label[32];
} label_collect;

static int collect_label(void *ctx, const vigil_label_row *row) {
  label_collect *c = ctx;
  c->n++;
  snprintf(c->last_label, sizeof c->last_label, "%.*s", (int)row->label.len, row->label.ptr);
  return 0;
}

static int collect_score(void *ctx, const vigil_score_row *row) {
  double *prev = ctx;
  assert_true(row->score <= *prev);
  *prev = row->score;
  return 0;
}

static void test_labels_scores_audit(void **state) {
  (void)state;
  char *dir;
  vigil_store *s = open_tmp(&dir);
  vigil_change ch;
  int64_t a;
  assert_int_equal(vigil_store_begin(s), 0);
  vigil_account_ref r = {VIGIL_STR_LIT("42"), VIGIL_STR_LIT("x")};
  assert_int_equal(vigil_store_account_resolve(s, VIGIL_STR_LIT("twitter"), &r, 1, &a, &ch), 0);
  assert_int_equal(vigil_store_label_put(s, a, VIGIL_STR_LIT("supporter"), VIGIL_STR_NULL,
                                         VIGIL_STR_LIT("ann"), 1, &ch), 0);
  assert_int_equal(ch, VIGIL_NEW);
  assert_int_equal(vigil_store_label_put(s, a, VIGIL_STR_LIT("supporter"), VIGIL_STR_NULL,
                                         VIGIL_STR_LIT("bob"), 2, &ch), 0);
  assert_int_equal(ch, VIGIL_UNCHANGED);
  assert_int_equal(vigil_store_label_put(s, a, VIGIL_STR_LIT("journalist"), VIGIL_STR_LIT("reports on it"),
                                         VIGIL_STR_LIT("bob"), 3, &ch), 0);
  assert_int_equal(ch, VIGIL_UPDATED);
  int64_t run;
  assert_int_equal(vigil_store_census_begin(s, "ann", "{}", &run), 0);
  assert_int_equal(vigil_store_score_put(s, run, a, 0.25, 0, VIGIL_STR_LIT("why")), 0);
  assert_int_equal(vigil_store_census_end(s, run, "{\"estimate\":1}"), 0);
  assert_int_equal(vigil_store_audit(s, "ann", "label.import", "2 labels"), 0);
  assert_int_equal(vigil_store_commit(s), 0);
  assert_int_equal(vigil_store_audit(s, "bob", "census.run", "run 1"), 0);
  label_collect lc = {0};
  assert_int_equal(vigil_store_each_label(s, 0, collect_label, &lc), 0);
  assert_int_equal(lc.n, 1);
  assert_string_equal(lc.last_label, "journalist");
  memset(&lc, 0, sizeof lc);
  assert_int_equal(vigil_store_each_label(s, 1, collect_label, &lc), 0);
  assert_int_equal(lc.n, 2);
  int64_t latest;
  vigil_buf sum = VIGIL_BUF_INIT;
  assert_int_equal(vigil_store_census_latest(s, &latest, &sum), 0);
  assert_int_equal(latest, run);
  assert_string_equal(sum.data, "{\"estimate\":1}");
  vigil_buf_release(&sum);
  double prev = 2.0;
  assert_int_equal(vigil_store_each_score(s, run, collect_score, &prev), 0);
  assert_true(prev == 0.25);
  int64_t n, bad;
  assert_int_equal(vigil_store_audit_verify(s, &n, &bad), 0);
  assert_int_equal(n, 2);
  assert_int_equal(vigil_store_close(s), 0);
  /* tamper with the first entry behind vigil's back: verification names it */
  char cmd[8400];
  snprintf(cmd, sizeof cmd, "sqlite3 %s/t.db \"UPDATE audit SET detail='3 labels' WHERE id=1\"", dir);
  if (system(cmd) == 0) {
    char path[4200];
    snprintf(path, sizeof path, "%s/t.db", dir);
    assert_int_equal(vigil_store_open(path, 0, &s), 0);
    assert_int_equal(vigil_store_audit_verify(s, &n, &bad), VIGIL_ECORRUPT);
    assert_int_equal(bad, 1);
    assert_int_equal(vigil_store_close(s), 0);
  }
  free(dir);
}

/* A background commit overlaps the next batch's in-memory work; the result
 * equals plain commits, and ids never collide. */
static void test_async_commit(void **state) {
  (void)state;
  char *dir;
  vigil_store *s = open_tmp(&dir);
  vigil_change ch;
  int64_t prev_max = 0;
  for (int batch = 0; batch < 5; batch++) {
    assert_int_equal(vigil_store_begin(s), 0);
    int64_t ids[100];
    for (int i = 0; i < 100; i++) {
      char pid[16];
      snprintf(pid, sizeof pid, "%d", batch * 100 + i + 1);
      vigil_account_ref r = {vigil_str_c(pid), VIGIL_STR_NULL};
      assert_int_equal(vigil_store_account_resolve(s, VIGIL_STR_LIT("twitter"), &r, 1, &ids[i], &ch), 0);
      assert_int_equal(ch, VIGIL_NEW);
      assert_true(ids[i] > prev_max);
      prev_max = ids[i];
      if (i) assert_int_equal(vigil_store_edge_put(s, VIGIL_EDGE_FOLLOW, ids[i - 1], ids[i], 1, 7), 0);
    }
    /* a profile insert between stubs takes the next id too */
    char pid[16];
    snprintf(pid, sizeof pid, "p%d", batch);
    vigil_account a = acc(pid, pid, 1);
    int64_t aid;
    assert_int_equal(vigil_store_account_upsert(s, &a, 1, &aid, &ch), 0);
    assert_true(aid > prev_max);
    prev_max = aid;
    assert_int_equal(vigil_store_commit_async(s), 0);
  }
  vigil_store_stats st;
  assert_int_equal(vigil_store_stats_get(s, &st), 0);
  assert_int_equal(st.accounts, 505);
  assert_int_equal(st.edges[VIGIL_EDGE_FOLLOW], 5 * 99);
  assert_int_equal(vigil_store_close(s), 0);
  free(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_account_snapshots),
      cmocka_unit_test(test_username_then_id_merge),
      cmocka_unit_test(test_posts_derive_edges_idempotently),
      cmocka_unit_test(test_explicit_edges_set_and_rollback),
      cmocka_unit_test(test_not_a_database),
      cmocka_unit_test(test_labels_scores_audit),
      cmocka_unit_test(test_async_commit),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
