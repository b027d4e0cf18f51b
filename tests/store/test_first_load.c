/* The first load into an empty store runs with a rollback journal and the
 * store is back in WAL mode after close; a store with data, or one that
 * another connection holds open, keeps WAL throughout. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "testutil.h"
#include "store/sqltest.h"
#include "vigil/error.h"
#include "vigil/store.h"

static char *store_path(const char *tag) {
  char *path = vt_tmppath(tag, "t.db");
  assert_non_null(path);
  return path;
}

static int exists(const char *path, const char *suffix) {
  char p[4096];
  snprintf(p, sizeof p, "%s%s", path, suffix);
  struct stat st;
  return stat(p, &st) == 0;
}

/* The journal mode a new connection finds in the file's header. */
static void expect_mode(const char *path, const char *want) {
  sqlite3 *db;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  sqlite3_stmt *st;
  assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  assert_string_equal((const char *)sqlite3_column_text(st, 0), want);
  sqlite3_finalize(st);
  sqlite3_close(db);
}

/* A new account inside the caller's transaction. */
static void upsert_account(vigil_store *s, const char *pid) {
  vigil_account a;
  vigil_account_init(&a);
  a.platform = VIGIL_STR_LIT("twitter");
  a.platform_id = (vigil_str){pid, strlen(pid)};
  a.username = (vigil_str){pid, strlen(pid)};
  int64_t id;
  vigil_change ch;
  assert_int_equal(vigil_store_account_upsert(s, &a, 5, &id, &ch), 0);
  assert_int_equal(ch, VIGIL_NEW);
}

/* A new account in a transaction of its own. */
static void add_account(vigil_store *s, const char *pid) {
  assert_int_equal(vigil_store_begin(s), 0);
  upsert_account(s, pid);
  assert_int_equal(vigil_store_commit(s), 0);
}

static int64_t count_accounts(const char *path) {
  return sqlt_file_scalar(path, "SELECT count(*) FROM accounts");
}

static void test_empty_store_first_load(void **state) {
  (void)state;
  char *path = store_path("firstload");
  vigil_store *s;
  assert_int_equal(vigil_store_open(path, VIGIL_STORE_BULK, &s), 0);
  add_account(s, "100");
  add_account(s, "200");
  /* committed straight into the file: no WAL, and the header says so */
  assert_false(exists(path, "-wal"));
  expect_mode(path, "delete");
  assert_int_equal(count_accounts(path), 2);
  assert_int_equal(vigil_store_close(s), 0);
  expect_mode(path, "wal");
  assert_int_equal(count_accounts(path), 2);

  /* the second load finds data: WAL from the start */
  assert_int_equal(vigil_store_open(path, VIGIL_STORE_BULK, &s), 0);
  add_account(s, "300");
  assert_true(exists(path, "-wal"));
  expect_mode(path, "wal");
  assert_int_equal(vigil_store_close(s), 0);
  assert_int_equal(count_accounts(path), 3);
  free(path);
}

/* Only a bulk load (the ingest driver) switches. */
static void test_plain_open_keeps_wal(void **state) {
  (void)state;
  char *path = store_path("firstload_plain");
  vigil_store *s;
  assert_int_equal(vigil_store_open(path, 0, &s), 0);
  add_account(s, "100");
  assert_true(exists(path, "-wal"));
  assert_int_equal(vigil_store_close(s), 0);
  expect_mode(path, "wal");
  free(path);
}

/* Another connection holds the empty store: the switch is not possible, so
 * the load keeps WAL, and that connection still reads it. */
static void test_other_connection_keeps_wal(void **state) {
  (void)state;
  char *path = store_path("firstload_shared");
  vigil_store *s;
  assert_int_equal(vigil_store_open(path, 0, &s), 0); /* schema, no data */
  assert_int_equal(vigil_store_close(s), 0);
  sqlite3 *reader;
  assert_int_equal(sqlite3_open(path, &reader), SQLITE_OK);
  assert_int_equal(sqlt_scalar(reader, "SELECT count(*) FROM accounts"), 0);
  assert_int_equal(vigil_store_open(path, VIGIL_STORE_BULK, &s), 0);
  add_account(s, "100");
  assert_true(exists(path, "-wal"));
  assert_int_equal(sqlt_scalar(reader, "SELECT count(*) FROM accounts"), 1);
  assert_int_equal(vigil_store_close(s), 0);
  sqlite3_close(reader);
  expect_mode(path, "wal");
  free(path);
}

/* Another command opens the store while its first load runs (a batch in
 * progress): the open succeeds in the loader's journal mode and reads the
 * last commit; the loader still commits, and the store ends in WAL. */
static void test_open_during_first_load(void **state) {
  (void)state;
  char *path = store_path("firstload_during");
  vigil_store *loader, *other;
  assert_int_equal(vigil_store_open(path, VIGIL_STORE_BULK, &loader), 0);
  add_account(loader, "100"); /* one batch committed */
  assert_int_equal(vigil_store_begin(loader), 0);
  upsert_account(loader, "200");
  assert_int_equal(vigil_store_open(path, 0, &other), 0);
  vigil_store_stats st;
  assert_int_equal(vigil_store_stats_get(other, &st), 0);
  assert_int_equal(st.accounts, 1);
  assert_int_equal(vigil_store_close(other), 0);
  assert_int_equal(vigil_store_commit(loader), 0);
  assert_int_equal(vigil_store_close(loader), 0);
  expect_mode(path, "wal");
  assert_int_equal(count_accounts(path), 2);
  free(path);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_empty_store_first_load),
      cmocka_unit_test(test_plain_open_keeps_wal),
      cmocka_unit_test(test_other_connection_keeps_wal),
      cmocka_unit_test(test_open_during_first_load),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
