/* Migration 4 -> 5: the unique keys of accounts and posts lead with
 * platform_id. A store written by schema 4 keeps every row, id and entity
 * blob; the keys are still unique; lookups by (platform, platform_id) still
 * find rows; and upserting what is there finds the old ids. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "store/sqltest.h"
#include "vigil/error.h"
#include "vigil/store.h"

extern const char *const vigil_sqlite_migrations[];

static int count_posts(void *ctx, const vigil_post_row *row) {
  (void)row;
  ++*(int *)ctx;
  return 0;
}

/* A schema-4 store as vigil 4 left it: migrations 0..3, the child tables
 * gone (migration 3 -> 4 dropped them after copying), some rows. */
static char *v4_store(char **dir_out) {
  char *dir = vt_tmpdir("migkeys");
  assert_non_null(dir);
  char *path = malloc(strlen(dir) + 8);
  assert_non_null(path);
  sprintf(path, "%s/t.db", dir);
  sqlite3 *db;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  for (int v = 0; v < 4; v++) sqlt_exec(db, vigil_sqlite_migrations[v]);
  sqlt_exec(db, "DROP TABLE post_hashtags; DROP TABLE post_urls; DROP TABLE post_media;"
                " DROP TABLE post_mentions;"
                "INSERT INTO accounts(id, platform, platform_id, username, username_key, digest)"
                " VALUES (1,'twitter','100','a','a',11),(2,'twitter','200','b','b',12),"
                " (3,'mastodon','100','c','c',13),(4,'twitter',NULL,'d','d',0);"
                "INSERT INTO posts(id, platform, platform_id, author, text, digest, entities,"
                " observed_at) VALUES"
                " (7,'twitter','70',1,'x',5,NULL,41),(9,'twitter','90',2,'y',6,NULL,2),"
                " (8,'mastodon','70',3,'z',7,NULL,3);"
                "PRAGMA user_version=4;");
  sqlite3_close(db);
  *dir_out = dir;
  return path;
}

static void test_rows_and_keys_survive(void **state) {
  (void)state;
  char *dir, *path = v4_store(&dir);
  vigil_store *s;
  assert_int_equal(vigil_store_open(path, 0, &s), 0);
  int version = 0;
  assert_int_equal(vigil_store_schema_version(s, &version), 0);
  assert_int_equal(version, VIGIL_STORE_SCHEMA_VERSION);
  int n = 0;
  assert_int_equal(vigil_store_each_post(s, count_posts, &n), 0);
  assert_int_equal(n, 3);
  /* the same account and post again: found by key, not inserted twice */
  assert_int_equal(vigil_store_begin(s), 0);
  vigil_account a;
  vigil_account_init(&a);
  a.platform = VIGIL_STR_LIT("twitter");
  a.platform_id = VIGIL_STR_LIT("200");
  a.username = VIGIL_STR_LIT("b");
  int64_t id = 0;
  vigil_change ch;
  assert_int_equal(vigil_store_account_upsert(s, &a, 5, &id, &ch), 0);
  assert_int_equal(id, 2);
  vigil_post p;
  vigil_post_init(&p);
  p.platform = VIGIL_STR_LIT("twitter");
  p.platform_id = VIGIL_STR_LIT("90");
  p.text = VIGIL_STR_LIT("y2");
  vigil_post_refs r = {2, 0, 0, 0, NULL, 0};
  assert_int_equal(vigil_store_post_upsert(s, &p, &r, &id, &ch), 0);
  assert_int_equal(id, 9);
  assert_int_equal(vigil_store_commit(s), 0);
  assert_int_equal(vigil_store_close(s), 0);

  sqlite3 *db;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  assert_int_equal(sqlt_scalar(db, "SELECT count(*) FROM accounts"), 4);
  assert_int_equal(sqlt_scalar(db, "SELECT count(*) FROM posts"), 3);
  assert_int_equal(sqlt_scalar(db, "SELECT id FROM posts WHERE platform='mastodon' AND platform_id='70'"),
                   8);
  assert_int_equal(sqlt_scalar(db, "SELECT observed_at FROM posts WHERE id=7"), 41);
  assert_int_equal(sqlt_scalar(db, "SELECT count(*) FROM sqlite_master WHERE name='posts_v5'"), 0);
  assert_int_equal(sqlt_scalar(db, "SELECT count(*) FROM sqlite_master WHERE name='posts_v6'"), 0);
  assert_int_equal(sqlt_scalar(db, "SELECT count(*) FROM sqlite_master WHERE name='posts_author'"), 1);
  assert_int_equal(sqlt_scalar(db, "SELECT instr(sql, '(platform_id, platform)') > 0 FROM sqlite_master"
                              " WHERE name='accounts_pid'"),
                   1);
  /* since 5 -> 6 posts' key is an index of its own, which a first load can
   * defer */
  assert_int_equal(sqlt_scalar(db, "SELECT instr(sql, 'UNIQUE') > 0 FROM sqlite_master"
                                   " WHERE name='posts'"),
                   0);
  assert_int_equal(sqlt_scalar(db, "SELECT instr(sql, 'CREATE UNIQUE INDEX posts_pid ON"
                                   " posts(platform_id, platform)') > 0 FROM sqlite_master"
                                   " WHERE name='posts_pid'"),
                   1);
  /* still unique, and still used for lookups by both columns */
  assert_int_not_equal(sqlite3_exec(db, "INSERT INTO posts(platform, platform_id, author, digest)"
                                        " VALUES('twitter','70',1,0)",
                                    NULL, NULL, NULL),
                       SQLITE_OK);
  assert_int_not_equal(sqlite3_exec(db, "INSERT INTO accounts(platform, platform_id)"
                                        " VALUES('twitter','100')",
                                    NULL, NULL, NULL),
                       SQLITE_OK);
  sqlite3_stmt *st;
  assert_int_equal(sqlite3_prepare_v2(db,
                                      "EXPLAIN QUERY PLAN SELECT id FROM posts"
                                      " WHERE platform=?1 AND platform_id=?2",
                                      -1, &st, NULL),
                   SQLITE_OK);
  int uses_index = 0;
  while (sqlite3_step(st) == SQLITE_ROW)
    if (strstr((const char *)sqlite3_column_text(st, 3), "posts_pid")) uses_index = 1;
  sqlite3_finalize(st);
  assert_true(uses_index);
  sqlite3_close(db);
  free(path);
  free(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rows_and_keys_survive),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
