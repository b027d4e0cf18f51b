/* Raw SQL helpers for store tests that build or inspect a store file
 * directly (migrations, damaged data). Header-only: only tests that link
 * SQLite include it. Include after testutil.h (cmocka). */
#ifndef VIGIL_TESTS_STORE_SQLTEST_H
#define VIGIL_TESTS_STORE_SQLTEST_H

#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>

/* Runs sql (several statements allowed); fails the test on an error. */
static inline void sqlt_exec(sqlite3 *db, const char *sql) {
  char *err = NULL;
  int rc = sqlite3_exec(db, sql, NULL, NULL, &err);
  if (rc != SQLITE_OK) fprintf(stderr, "sql: %s\n", err ? err : "?");
  sqlite3_free(err);
  assert_int_equal(rc, SQLITE_OK);
}

/* The first column of the first row of a query that must return a row. */
static inline int64_t sqlt_scalar(sqlite3 *db, const char *sql) {
  sqlite3_stmt *st;
  assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  int64_t v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return v;
}

/* sqlt_scalar on a connection of its own to the store file at path. */
static inline int64_t sqlt_file_scalar(const char *path, const char *sql) {
  sqlite3 *db;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  int64_t v = sqlt_scalar(db, sql);
  sqlite3_close(db);
  return v;
}

/* sqlt_exec on a connection of its own (waiting up to 5 s for a writer). */
static inline void sqlt_file_exec(const char *path, const char *sql) {
  sqlite3 *db;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  sqlt_exec(db, sql);
  sqlite3_close(db);
}

#endif
