/* Post entities (hashtags, URLs, media, mentions) kept in posts.entities:
 * round trip through upsert and the readers, the aggregates, the 3 -> 4
 * migration from the child tables, and damaged blobs. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "store/sqltest.h"
#include "vigil/error.h"
#include "vigil/store.h"
#include "vigil/store_match.h"

extern const char *const vigil_sqlite_migrations[];

static char *db_path(char **dir_out) {
  char *dir = vt_tmpdir("entities");
  assert_non_null(dir);
  char *path = malloc(strlen(dir) + 8);
  assert_non_null(path);
  sprintf(path, "%s/t.db", dir);
  *dir_out = dir;
  return path;
}

static int64_t add_account(vigil_store *s, const char *id) {
  vigil_account a;
  vigil_account_init(&a);
  a.platform = VIGIL_STR_LIT("twitter");
  a.platform_id = vigil_str_c(id);
  a.username = vigil_str_c(id);
  int64_t out;
  vigil_change ch;
  assert_int_equal(vigil_store_account_upsert(s, &a, 1, &out, &ch), 0);
  return out;
}

/* what the readers returned, flattened to one string per post */
typedef struct seen {
  char text[8][512];
  int n;
} seen;

static int on_post(void *ctx, const vigil_post_row *row) {
  seen *z = ctx;
  if (z->n >= 8) return VIGIL_ERANGE;
  char *o = z->text[z->n++];
  int k = snprintf(o, 512, "%.*s:", (int)row->platform_id.len, row->platform_id.ptr);
  for (size_t i = 0; i < row->n_hashtags; i++)
    k += snprintf(o + k, 512 - (size_t)k, " #%.*s", (int)row->hashtags[i].len,
                  row->hashtags[i].ptr);
  for (size_t i = 0; i < row->n_urls; i++)
    k += snprintf(o + k, 512 - (size_t)k, " %.*s(%.*s)", (int)row->urls[i].len,
                  row->urls[i].ptr, (int)row->url_domains[i].len, row->url_domains[i].ptr);
  return 0;
}

static int on_top(void *ctx, vigil_str value, uint64_t count) {
  char *o = ctx;
  size_t k = strlen(o);
  snprintf(o + k, 512 - k, "%.*s=%llu ", (int)value.len, value.ptr, (unsigned long long)count);
  return 0;
}

static int on_media(void *ctx, vigil_str post, vigil_str type, vigil_str url) {
  char *o = ctx;
  size_t k = strlen(o);
  snprintf(o + k, 512 - k, "%.*s/%.*s/%.*s ", (int)post.len, post.ptr, (int)type.len, type.ptr,
           (int)url.len, url.ptr);
  return 0;
}

/* the store's top n values of `kind`, as "value=count " pairs */
static void expect_top(vigil_store *s, const char *kind, size_t n, const char *want) {
  char top[512] = "";
  assert_int_equal(vigil_store_top(s, kind, n, on_top, top), 0);
  assert_string_equal(top, want);
}

static void expect_media(vigil_store *s, const char *want) {
  char got[512] = "";
  assert_int_equal(vigil_store_each_post_media(s, on_media, got), 0);
  assert_string_equal(got, want);
}

static void test_round_trip_and_aggregates(void **state) {
  (void)state;
  char *dir, *path = db_path(&dir);
  vigil_store *s;
  assert_int_equal(vigil_store_open(path, VIGIL_STORE_BULK, &s), 0);
  assert_int_equal(vigil_store_begin(s), 0);
  int64_t au = add_account(s, "1"), m1 = add_account(s, "2"), m2 = add_account(s, "3");
  vigil_post p;
  vigil_post_init(&p);
  p.platform = VIGIL_STR_LIT("twitter");
  p.platform_id = VIGIL_STR_LIT("10");
  p.text = VIGIL_STR_LIT("t");
  vigil_str tags[] = {VIGIL_STR_LIT("b"), VIGIL_STR_LIT("a"), VIGIL_STR_LIT("b"),
                      VIGIL_STR_LIT("")};
  vigil_url urls[] = {{VIGIL_STR_LIT("https://t.co/x"), VIGIL_STR_LIT("https://WWW.Ex.org/a")},
                      {VIGIL_STR_LIT("http://u.test:8080/p"), VIGIL_STR_NULL}};
  vigil_media_ref media[] = {{VIGIL_STR_LIT("3_1"), VIGIL_STR_LIT("photo"),
                              VIGIL_STR_LIT("https://m/1.jpg")}};
  p.hashtags = tags, p.n_hashtags = 4, p.urls = urls, p.n_urls = 2, p.media = media,
  p.n_media = 1;
  int64_t ments[] = {m2, m1, m2};
  vigil_post_refs r = {au, 0, 0, 0, ments, 3};
  int64_t id;
  vigil_change ch;
  assert_int_equal(vigil_store_post_upsert(s, &p, &r, &id, &ch), 0);
  assert_int_equal(ch, VIGIL_NEW);
  assert_int_equal(vigil_store_post_upsert(s, &p, &r, &id, &ch), 0);
  assert_int_equal(ch, VIGIL_UNCHANGED);
  /* a second post: one shared hashtag, no entities otherwise */
  vigil_post p2 = p;
  p2.platform_id = VIGIL_STR_LIT("11");
  p2.n_hashtags = 1, p2.n_urls = 0, p2.n_media = 0;
  vigil_post_refs r2 = {au, 0, 0, 0, NULL, 0};
  assert_int_equal(vigil_store_post_upsert(s, &p2, &r2, &id, &ch), 0);
  /* and one with nothing at all */
  vigil_post p3 = p2;
  p3.platform_id = VIGIL_STR_LIT("12");
  p3.n_hashtags = 0;
  assert_int_equal(vigil_store_post_upsert(s, &p3, &r2, &id, &ch), 0);
  assert_int_equal(vigil_store_commit(s), 0);

  seen z = {0};
  assert_int_equal(vigil_store_each_post(s, on_post, &z), 0);
  assert_int_equal(z.n, 3);
  /* repeats dropped, order kept; expanded URL preferred; domain lower-cased without www. */
  assert_string_equal(z.text[0], "10: #b #a # https://WWW.Ex.org/a(ex.org) http://u.test:8080/p(u.test)");
  assert_string_equal(z.text[1], "11: #b");
  assert_string_equal(z.text[2], "12:");
  expect_top(s, "hashtag", 10, "b=2 a=1 ");
  expect_top(s, "hashtag", 1, "b=2 ");
  expect_top(s, "url_domain", 10, "ex.org=1 u.test=1 ");
  expect_media(s, "10/photo/https://m/1.jpg ");
  /* mentions deduplicated: one edge each, weight 1 */
  vigil_store_stats st;
  assert_int_equal(vigil_store_stats_get(s, &st), 0);
  assert_int_equal(st.edges[VIGIL_EDGE_MENTION], 2);
  /* editing the post to mention only m1 takes the m2 edge back */
  assert_int_equal(vigil_store_begin(s), 0);
  int64_t only_m1[] = {m1};
  vigil_post_refs r4 = {au, 0, 0, 0, only_m1, 1};
  p.text = VIGIL_STR_LIT("edited");
  assert_int_equal(vigil_store_post_upsert(s, &p, &r4, &id, &ch), 0);
  assert_int_equal(ch, VIGIL_UPDATED);
  assert_int_equal(vigil_store_commit(s), 0);
  assert_int_equal(vigil_store_stats_get(s, &st), 0);
  assert_int_equal(st.edges[VIGIL_EDGE_MENTION], 1);
  /* an edit's entities replace the stored ones (the blob is encoded when
   * the row is written, so an update must encode it too), and the same
   * edit again changes nothing */
  vigil_str tags2[] = {VIGIL_STR_LIT("c")};
  p.hashtags = tags2, p.n_hashtags = 1, p.n_urls = 0, p.n_media = 0;
  assert_int_equal(vigil_store_begin(s), 0);
  assert_int_equal(vigil_store_post_upsert(s, &p, &r4, &id, &ch), 0);
  assert_int_equal(ch, VIGIL_UPDATED);
  assert_int_equal(vigil_store_post_upsert(s, &p, &r4, &id, &ch), 0);
  assert_int_equal(ch, VIGIL_UNCHANGED);
  assert_int_equal(vigil_store_commit(s), 0);
  seen z2 = {0};
  assert_int_equal(vigil_store_each_post(s, on_post, &z2), 0);
  assert_int_equal(z2.n, 3);
  assert_string_equal(z2.text[0], "10: #c");
  expect_top(s, "hashtag", 10, "b=1 c=1 ");
  expect_media(s, "");
  assert_int_equal(vigil_store_close(s), 0);
  /* the bulk handle wrote nothing that breaks a reference */
  sqlite3 *db;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  sqlite3_stmt *chk;
  assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA foreign_key_check", -1, &chk, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_step(chk), SQLITE_DONE);
  sqlite3_finalize(chk);
  sqlite3_close(db);
  free(path);
  free(dir);
}

static void test_migration_from_child_tables(void **state) {
  (void)state;
  char *dir, *path = db_path(&dir);
  sqlite3 *db;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  for (int v = 0; v < 3; v++) sqlt_exec(db, vigil_sqlite_migrations[v]);
  sqlt_exec(db, "PRAGMA user_version=3;"
                "INSERT INTO accounts(id, platform, platform_id, username) VALUES"
                " (1,'twitter','1','a'),(2,'twitter','2','b');"
                "INSERT INTO posts(id, platform, platform_id, author, text, digest) VALUES"
                " (7,'twitter','70',1,'x',5),(8,'twitter','80',2,'y',6);"
                "INSERT INTO post_hashtags VALUES(7,'zeta'),(8,'zeta'),(8,'alpha');"
                "INSERT INTO post_urls VALUES(7,0,'https://t.co/1','https://www.news.test/a',"
                " 'news.test');"
                "INSERT INTO post_media VALUES(8,0,'k','video','https://v/1.mp4');"
                "INSERT INTO post_mentions VALUES(7,2);");
  sqlite3_close(db);
  vigil_store *s;
  assert_int_equal(vigil_store_open(path, 0, &s), 0);
  int version = 0;
  assert_int_equal(vigil_store_schema_version(s, &version), 0);
  assert_int_equal(version, VIGIL_STORE_SCHEMA_VERSION);
  seen z = {0};
  assert_int_equal(vigil_store_each_post(s, on_post, &z), 0);
  assert_int_equal(z.n, 2);
  assert_string_equal(z.text[0], "70: #zeta https://www.news.test/a(news.test)");
  /* the old table kept a post's hashtags in tag order */
  assert_string_equal(z.text[1], "80: #alpha #zeta");
  expect_top(s, "hashtag", 5, "zeta=2 alpha=1 ");
  expect_media(s, "80/video/https://v/1.mp4 ");
  assert_int_equal(vigil_store_close(s), 0);
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  sqlite3_stmt *st;
  assert_int_equal(sqlite3_prepare_v2(db,
                                      "SELECT count(*) FROM sqlite_master WHERE name IN"
                                      " ('post_hashtags','post_urls','post_media',"
                                      "'post_mentions','accounts_uname')",
                                      -1, &st, NULL),
                   SQLITE_OK);
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  assert_int_equal(sqlite3_column_int(st, 0), 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  free(path);
  free(dir);
}

/* Damaged blobs (a disk error, a hand edit) are an error naming the post,
 * never a read past the blob. */
static void test_damaged_blobs(void **state) {
  (void)state;
  char *dir, *path = db_path(&dir);
  vigil_store *s;
  assert_int_equal(vigil_store_open(path, 0, &s), 0);
  assert_int_equal(vigil_store_begin(s), 0);
  int64_t au = add_account(s, "1");
  vigil_post p;
  vigil_post_init(&p);
  p.platform = VIGIL_STR_LIT("twitter");
  p.platform_id = VIGIL_STR_LIT("10");
  vigil_str tags[] = {VIGIL_STR_LIT("abc")};
  p.hashtags = tags, p.n_hashtags = 1;
  vigil_post_refs r = {au, 0, 0, 0, NULL, 0};
  int64_t id;
  vigil_change ch;
  assert_int_equal(vigil_store_post_upsert(s, &p, &r, &id, &ch), 0);
  assert_int_equal(vigil_store_commit(s), 0);
  assert_int_equal(vigil_store_close(s), 0);
  sqlite3 *db;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  sqlite3_stmt *upd;
  assert_int_equal(sqlite3_prepare_v2(db, "UPDATE posts SET entities=?1", -1, &upd, NULL),
                   SQLITE_OK);
  unsigned char blob[64];
  uint64_t x = 88172645463325252ull;
  int errors = 0;
  for (int round = 0; round < 400; round++) {
    size_t n = 1 + (size_t)(round % 40);
    for (size_t i = 0; i < n; i++) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      blob[i] = (unsigned char)x;
    }
    blob[0] = round % 3 ? 1 : blob[0]; /* mostly the right format byte */
    if (round == 0) memcpy(blob, "\x01\x05\x04" "ab", n = 5); /* counts past the end */
    sqlite3_bind_blob(upd, 1, blob, (int)n, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(upd), SQLITE_DONE);
    sqlite3_reset(upd);
    assert_int_equal(vigil_store_open(path, VIGIL_STORE_READONLY, &s), 0);
    seen z = {0};
    int rc = vigil_store_each_post(s, on_post, &z);
    assert_true(rc == 0 || rc == VIGIL_ECORRUPT);
    if (rc) errors++;
    char top[512] = "";
    int rc2 = vigil_store_top(s, "hashtag", 5, on_top, top);
    assert_true(rc2 == 0 || rc2 == VIGIL_ECORRUPT);
    assert_int_equal(vigil_store_close(s), 0);
  }
  assert_true(errors > 300); /* random bytes are nearly always detected */
  sqlite3_finalize(upd);
  sqlite3_close(db);
  free(path);
  free(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_round_trip_and_aggregates),
      cmocka_unit_test(test_migration_from_child_tables),
      cmocka_unit_test(test_damaged_blobs),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
