/* A first load drops the three indexes whose keys arrive in random order
 * (accounts by platform id, posts by author, posts by platform id) and
 * builds them at its end;
 * their definitions wait in meta, so that a load that dies leaves them to
 * the next read-write open, and a load that is running keeps them. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"
#include "store/sqltest.h"
#include "vigil/error.h"
#include "vigil/store.h"

static char *store_path(const char *tag) {
  char *path = vt_tmppath(tag, "t.db");
  assert_non_null(path);
  return path;
}

/* 1 if the schema has an object (table, index) of that name */
static int64_t has(const char *path, const char *name) {
  char sql[256];
  snprintf(sql, sizeof sql, "SELECT count(*) FROM sqlite_schema WHERE name='%s'", name);
  return sqlt_file_scalar(path, sql);
}

static int64_t n_indexes(const char *path) {
  return sqlt_file_scalar(path, "SELECT count(*) FROM sqlite_schema WHERE type='index' AND"
                                " name IN ('accounts_pid', 'posts_author', 'posts_pid')");
}

static int64_t n_deferred(const char *path) {
  return sqlt_file_scalar(path, "SELECT count(*) FROM meta"
                                " WHERE key LIKE 'deferred!_index:%' ESCAPE '!'");
}

/* the definitions a store made by migrations has */
static const char *const want_sql =
    "SELECT group_concat(sql, ';') FROM (SELECT sql FROM sqlite_schema WHERE type='index' AND"
    " name IN ('accounts_pid', 'posts_author', 'posts_pid') ORDER BY name)";

static char *index_sql(const char *path) {
  sqlite3 *db;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  sqlite3_stmt *st;
  assert_int_equal(sqlite3_prepare_v2(db, want_sql, -1, &st, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  const char *t = (const char *)sqlite3_column_text(st, 0);
  char *out = strdup(t ? t : "");
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

/* Upserts the post "9<pid>" by account `author`; its change. */
static vigil_change upsert_post(vigil_store *s, const char *pid, int64_t author,
                                const char *text) {
  vigil_post p;
  vigil_post_init(&p);
  p.platform = VIGIL_STR_LIT("twitter");
  char post_id[64];
  snprintf(post_id, sizeof post_id, "9%s", pid);
  p.platform_id = (vigil_str){post_id, strlen(post_id)};
  p.text = (vigil_str){text, strlen(text)};
  vigil_post_refs r;
  memset(&r, 0, sizeof r);
  r.author = author;
  int64_t post_row;
  vigil_change ch;
  assert_int_equal(vigil_store_post_upsert(s, &p, &r, &post_row, &ch), 0);
  return ch;
}

/* A new account "pid" and its post "9pid", in a transaction of their own. */
static void add(vigil_store *s, const char *pid) {
  assert_int_equal(vigil_store_begin(s), 0);
  vigil_account a;
  vigil_account_init(&a);
  a.platform = VIGIL_STR_LIT("twitter");
  a.platform_id = (vigil_str){pid, strlen(pid)};
  a.username = (vigil_str){pid, strlen(pid)};
  int64_t id;
  vigil_change ch;
  assert_int_equal(vigil_store_account_upsert(s, &a, 5, &id, &ch), 0);
  assert_int_equal(ch, VIGIL_NEW);
  assert_int_equal(upsert_post(s, pid, id, "a post"), VIGIL_NEW);
  assert_int_equal(vigil_store_commit(s), 0);
}

static char *reference_sql(void) {
  char *path = store_path("deferidx_ref");
  vigil_store *s;
  assert_int_equal(vigil_store_open(path, 0, &s), 0);
  assert_int_equal(vigil_store_close(s), 0);
  char *sql = index_sql(path);
  assert_true(strlen(sql) > 0);
  free(path);
  return sql;
}

static void test_first_load_rebuilds_at_close(void **state) {
  (void)state;
  char *ref = reference_sql();
  char *path = store_path("deferidx");
  vigil_store *s;
  assert_int_equal(vigil_store_open(path, VIGIL_STORE_BULK, &s), 0);
  add(s, "100");
  add(s, "200");
  assert_int_equal(n_indexes(path), 0);
  assert_int_equal(n_deferred(path), 3);
  assert_int_equal(vigil_store_close(s), 0);
  assert_int_equal(n_indexes(path), 3);
  assert_int_equal(n_deferred(path), 0);
  char *got = index_sql(path);
  assert_string_equal(got, ref);
  /* the rebuilt unique index holds: a duplicate platform id is refused */
  sqlite3 *db;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  assert_int_not_equal(sqlite3_exec(db,
                                    "INSERT INTO accounts(platform, platform_id, has_profile,"
                                    " digest) VALUES('twitter', '100', 0, 0)",
                                    NULL, NULL, NULL),
                       SQLITE_OK);
  sqlite3_close(db);
  /* a second load finds data and keeps its indexes */
  assert_int_equal(vigil_store_open(path, VIGIL_STORE_BULK, &s), 0);
  add(s, "300");
  assert_int_equal(n_indexes(path), 3);
  assert_int_equal(vigil_store_close(s), 0);
  assert_int_equal(sqlt_file_scalar(path, "SELECT count(*) FROM accounts"), 3);
  free(got);
  free(ref);
  free(path);
}

/* A load killed after a commit: a read-only open leaves the store as it
 * is; the next read-write open builds the indexes. */
static void test_dead_load_rebuilt_by_next_open(void **state) {
  (void)state;
  char *path = store_path("deferidx_dead");
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    vigil_store *s;
    if (vigil_store_open(path, VIGIL_STORE_BULK, &s)) _exit(2);
    add(s, "100");
    _exit(0); /* no close: as if killed */
  }
  int status;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  assert_int_equal(n_indexes(path), 0);
  assert_int_equal(n_deferred(path), 3);
  vigil_store *s;
  assert_int_equal(vigil_store_open(path, VIGIL_STORE_READONLY, &s), 0);
  assert_int_equal(vigil_store_close(s), 0);
  assert_int_equal(n_indexes(path), 0);
  assert_int_equal(vigil_store_open(path, 0, &s), 0);
  assert_int_equal(n_indexes(path), 3);
  assert_int_equal(n_deferred(path), 0);
  assert_int_equal(vigil_store_close(s), 0);
  assert_int_equal(sqlt_file_scalar(path, "SELECT count(*) FROM accounts"), 1);
  free(path);
}

/* Another command opens the store between two batches of a running load:
 * it leaves the indexes to the loader. */
static void test_open_during_load_leaves_them(void **state) {
  (void)state;
  char *path = store_path("deferidx_during");
  vigil_store *loader, *other;
  assert_int_equal(vigil_store_open(path, VIGIL_STORE_BULK, &loader), 0);
  add(loader, "100");
  assert_int_equal(vigil_store_open(path, 0, &other), 0);
  assert_int_equal(n_indexes(path), 0);
  assert_int_equal(vigil_store_close(other), 0);
  add(loader, "200");
  assert_int_equal(vigil_store_close(loader), 0);
  assert_int_equal(n_indexes(path), 3);
  free(path);
}

/* Two accounts with one platform id (which the loader's caches prevent;
 * here written behind its back): the rebuild fails and says so, the
 * definitions stay, opens still work, and once the duplicate is gone the
 * next open builds the index. */
static void test_duplicate_is_reported(void **state) {
  (void)state;
  char *path = store_path("deferidx_dup");
  vigil_store *s;
  assert_int_equal(vigil_store_open(path, VIGIL_STORE_BULK, &s), 0);
  add(s, "100");
  sqlt_file_exec(path, "INSERT INTO accounts(id, platform, platform_id, has_profile, digest)"
                 " VALUES(1000, 'twitter', '100', 0, 0)");
  assert_int_equal(vigil_store_close(s), VIGIL_EDB);
  assert_int_equal(n_deferred(path), 1); /* the other two were built all the same */
  assert_int_equal(has(path, "posts_author"), 1);
  assert_int_equal(vigil_store_open(path, 0, &s), 0);
  assert_int_equal(vigil_store_close(s), 0);
  assert_int_equal(n_deferred(path), 1);
  sqlt_file_exec(path, "DELETE FROM accounts WHERE id = 1000");
  assert_int_equal(vigil_store_open(path, 0, &s), 0);
  assert_int_equal(vigil_store_close(s), 0);
  assert_int_equal(n_indexes(path), 3);
  assert_int_equal(n_deferred(path), 0);
  free(path);
}

/* meta is data, not code: only a single CREATE INDEX of one of the two
 * names is ever run from it. */
static void test_tampered_definition_not_run(void **state) {
  (void)state;
  char *path = store_path("deferidx_tamper");
  vigil_store *s;
  assert_int_equal(vigil_store_open(path, 0, &s), 0);
  assert_int_equal(vigil_store_close(s), 0);
  sqlt_file_exec(path, "DROP INDEX accounts_pid;"
                 "INSERT INTO meta(key, value) VALUES('deferred_index:accounts_pid',"
                 " 'CREATE INDEX accounts_pid ON accounts(platform_id); DROP TABLE posts')");
  assert_int_equal(vigil_store_open(path, 0, &s), 0);
  assert_int_equal(vigil_store_close(s), 0);
  assert_int_equal(has(path, "posts"), 1);
  assert_int_equal(has(path, "accounts_pid"), 0);
  sqlt_file_exec(path, "UPDATE meta SET key='deferred_index:evil',"
                 " value='CREATE INDEX evil ON accounts(platform)'"
                 " WHERE key='deferred_index:accounts_pid'");
  assert_int_equal(vigil_store_open(path, 0, &s), 0);
  assert_int_equal(vigil_store_close(s), 0);
  assert_int_equal(has(path, "evil"), 0);
  free(path);
}

/* A load that writes only stub accounts (an edge list: on the background
 * thread, where the index cost overlaps the parsing) keeps the indexes. */
static void test_stub_only_load_keeps_them(void **state) {
  (void)state;
  char *path = store_path("deferidx_stubs");
  vigil_store *s;
  assert_int_equal(vigil_store_open(path, VIGIL_STORE_BULK, &s), 0);
  assert_int_equal(vigil_store_begin(s), 0);
  int64_t a, b;
  vigil_account_ref ra = {VIGIL_STR_LIT("1"), VIGIL_STR_NULL};
  vigil_account_ref rb = {VIGIL_STR_LIT("2"), VIGIL_STR_NULL};
  assert_int_equal(vigil_store_account_resolve(s, VIGIL_STR_LIT("twitter"), &ra, 1, &a, NULL), 0);
  assert_int_equal(vigil_store_account_resolve(s, VIGIL_STR_LIT("twitter"), &rb, 1, &b, NULL), 0);
  assert_int_equal(vigil_store_edge_put(s, VIGIL_EDGE_FOLLOW, a, b, 1, 5), 0);
  assert_int_equal(vigil_store_commit(s), 0);
  assert_int_equal(sqlt_file_scalar(path, "SELECT count(*) FROM accounts"), 2);
  assert_int_equal(n_indexes(path), 3);
  assert_int_equal(n_deferred(path), 0);
  assert_int_equal(vigil_store_close(s), 0);
  assert_int_equal(n_indexes(path), 3);
  free(path);
}

/* Another process writes between two batches of a first load: the loader's
 * caches go, so it can no longer tell a new post by the cache, and builds
 * posts' key again before its next insert. A post of the first batch is
 * then found, not stored twice. */
static void test_posts_key_back_when_cache_goes(void **state) {
  (void)state;
  char *path = store_path("deferidx_cache");
  vigil_store *s;
  assert_int_equal(vigil_store_open(path, VIGIL_STORE_BULK, &s), 0);
  add(s, "100");
  assert_int_equal(has(path, "posts_pid"), 0);
  sqlt_file_exec(path, "INSERT INTO meta(key, value) VALUES('other', 'process')");
  assert_int_equal(vigil_store_begin(s), 0);
  assert_int_equal(upsert_post(s, "100", 1, "a post"), VIGIL_UNCHANGED);
  assert_int_equal(upsert_post(s, "100", 1, "edited"), VIGIL_UPDATED);
  assert_int_equal(upsert_post(s, "200", 1, "new"), VIGIL_NEW);
  assert_int_equal(vigil_store_commit(s), 0);
  assert_int_equal(has(path, "posts_pid"), 1);
  assert_int_equal(sqlt_file_scalar(path, "SELECT count(*) FROM meta WHERE key ="
                                          " 'deferred_index:posts_pid'"),
                   0);
  assert_int_equal(vigil_store_close(s), 0);
  assert_int_equal(sqlt_file_scalar(path, "SELECT count(*) FROM posts"), 2);
  assert_int_equal(n_indexes(path), 3);
  free(path);
}

/* A post id the cache cannot hold (not a number) goes in while posts' key
 * is away; from then on a post the cache does not know may be stored, so
 * the key comes back before the next insert, and the same post again is
 * found. */
static void test_posts_key_back_after_uncached_id(void **state) {
  (void)state;
  char *path = store_path("deferidx_uncached");
  vigil_store *s;
  assert_int_equal(vigil_store_open(path, VIGIL_STORE_BULK, &s), 0);
  add(s, "100");
  assert_int_equal(vigil_store_begin(s), 0);
  assert_int_equal(upsert_post(s, "x-abc", 1, "named"), VIGIL_NEW);
  assert_int_equal(upsert_post(s, "x-abc", 1, "named"), VIGIL_UNCHANGED);
  assert_int_equal(upsert_post(s, "300", 1, "numbered"), VIGIL_NEW);
  assert_int_equal(vigil_store_commit(s), 0);
  assert_int_equal(has(path, "posts_pid"), 1);
  assert_int_equal(vigil_store_close(s), 0);
  assert_int_equal(sqlt_file_scalar(path, "SELECT count(*) FROM posts"), 3);
  assert_int_equal(n_indexes(path), 3);
  free(path);
}

/* The batch that dropped the indexes rolls back: so do the drops, and the
 * load goes on with the indexes, finding the posts it committed later. */
static void test_rollback_of_the_dropping_batch(void **state) {
  (void)state;
  char *path = store_path("deferidx_rollback");
  vigil_store *s;
  assert_int_equal(vigil_store_open(path, VIGIL_STORE_BULK, &s), 0);
  assert_int_equal(vigil_store_begin(s), 0);
  vigil_account a;
  vigil_account_init(&a);
  a.platform = VIGIL_STR_LIT("twitter");
  a.platform_id = VIGIL_STR_LIT("100");
  int64_t id;
  vigil_change ch;
  assert_int_equal(vigil_store_account_upsert(s, &a, 5, &id, &ch), 0);
  assert_int_equal(upsert_post(s, "100", id, "a post"), VIGIL_NEW);
  assert_int_equal(vigil_store_rollback(s), 0);
  assert_int_equal(n_indexes(path), 3);
  assert_int_equal(n_deferred(path), 0);
  add(s, "200");
  int64_t author = sqlt_file_scalar(path, "SELECT author FROM posts WHERE platform_id='9200'");
  assert_int_equal(vigil_store_begin(s), 0);
  assert_int_equal(upsert_post(s, "200", author, "a post"), VIGIL_UNCHANGED);
  assert_int_equal(vigil_store_commit(s), 0);
  assert_int_equal(vigil_store_close(s), 0);
  assert_int_equal(sqlt_file_scalar(path, "SELECT count(*) FROM posts"), 1);
  assert_int_equal(n_indexes(path), 3);
  free(path);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_first_load_rebuilds_at_close),
      cmocka_unit_test(test_dead_load_rebuilt_by_next_open),
      cmocka_unit_test(test_open_during_load_leaves_them),
      cmocka_unit_test(test_duplicate_is_reported),
      cmocka_unit_test(test_tampered_definition_not_run),
      cmocka_unit_test(test_stub_only_load_keeps_them),
      cmocka_unit_test(test_posts_key_back_when_cache_goes),
      cmocka_unit_test(test_rollback_of_the_dropping_batch),
      cmocka_unit_test(test_posts_key_back_after_uncached_id),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
