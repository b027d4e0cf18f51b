/* Of two versions of a post the store keeps the later-seen one (the higher
 * digest on a tie), however the versions arrive: within one handle's run
 * (answered from the cache of posts it inserted), across handles (answered
 * by the database), and after a rollback (which must drop that cache, or a
 * post that was never committed would be taken as stored). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "vigil/error.h"
#include "vigil/store.h"

static vigil_store *open_store(const char *dir) {
  char path[4200];
  snprintf(path, sizeof path, "%s/v.db", dir);
  vigil_store *s = NULL;
  assert_int_equal(vigil_store_open(path, VIGIL_STORE_BULK, &s), 0);
  return s;
}

static int64_t author(vigil_store *s) {
  vigil_account_ref ref = {VIGIL_STR_LIT("42"), VIGIL_STR_NULL};
  int64_t id;
  vigil_change ch;
  assert_int_equal(vigil_store_account_resolve(s, VIGIL_STR_LIT("twitter"), &ref, 1, &id, &ch), 0);
  return id;
}

static vigil_change put(vigil_store *s, int64_t au, const char *pid, const char *text,
                        int64_t seen_at) {
  vigil_post p;
  vigil_post_init(&p);
  p.platform = VIGIL_STR_LIT("twitter");
  p.platform_id = vigil_str_c(pid);
  p.text = vigil_str_c(text);
  p.observed_at = seen_at;
  vigil_post_refs r = {au, 0, 0, 0, NULL, 0};
  int64_t id;
  vigil_change ch;
  assert_int_equal(vigil_store_post_upsert(s, &p, &r, &id, &ch), 0);
  return ch;
}

typedef struct texts {
  char all[512];
} texts;

static int on_post(void *ctx, const vigil_post_row *row) {
  texts *t = ctx;
  size_t k = strlen(t->all);
  snprintf(t->all + k, sizeof t->all - k, "%.*s=%.*s ", (int)row->platform_id.len,
           row->platform_id.ptr, (int)row->text.len, row->text.ptr);
  return 0;
}

static const char *stored(vigil_store *s, texts *t) {
  t->all[0] = 0;
  assert_int_equal(vigil_store_each_post(s, on_post, t), 0);
  return t->all;
}

static void test_versions(void **state) {
  (void)state;
  char *dir = vt_tmpdir("post-versions");
  assert_non_null(dir);
  texts t;
  vigil_store *s = open_store(dir);
  assert_int_equal(vigil_store_begin(s), 0);
  int64_t au = author(s);
  assert_int_equal(put(s, au, "100", "v200", 200), VIGIL_NEW);
  /* same handle, same run: an older version loses, a newer one wins */
  assert_int_equal(put(s, au, "100", "v100", 100), VIGIL_UNCHANGED);
  assert_int_equal(put(s, au, "100", "v300", 300), VIGIL_UPDATED);
  assert_int_equal(put(s, au, "100", "v300", 300), VIGIL_UNCHANGED);
  assert_int_equal(put(s, au, "100", "v250", 250), VIGIL_UNCHANGED);
  /* a non-numeric id is never cached: the database answers the same */
  assert_int_equal(put(s, au, "x7", "a", 10), VIGIL_NEW);
  assert_int_equal(put(s, au, "x7", "b", 5), VIGIL_UNCHANGED);
  assert_int_equal(put(s, au, "x7", "c", 20), VIGIL_UPDATED);
  assert_int_equal(vigil_store_commit(s), 0);
  assert_string_equal(stored(s, &t), "100=v300 x7=c ");

  /* a rolled-back post is gone, and so is what the cache knew of it */
  assert_int_equal(vigil_store_begin(s), 0);
  assert_int_equal(put(s, au, "101", "r1", 100), VIGIL_NEW);
  assert_int_equal(put(s, au, "100", "v400", 400), VIGIL_UPDATED);
  assert_int_equal(vigil_store_rollback(s), 0);
  assert_int_equal(vigil_store_begin(s), 0);
  au = author(s);
  assert_int_equal(put(s, au, "101", "r2", 50), VIGIL_NEW);
  assert_int_equal(put(s, au, "100", "v350", 350), VIGIL_UPDATED);
  assert_int_equal(vigil_store_commit(s), 0);
  assert_string_equal(stored(s, &t), "100=v350 x7=c 101=r2 ");
  assert_int_equal(vigil_store_close(s), 0);

  /* another handle sees the committed versions */
  s = open_store(dir);
  assert_int_equal(vigil_store_begin(s), 0);
  au = author(s);
  assert_int_equal(put(s, au, "100", "v340", 340), VIGIL_UNCHANGED);
  assert_int_equal(put(s, au, "101", "r3", 60), VIGIL_UPDATED);
  assert_int_equal(put(s, au, "101", "r0", 40), VIGIL_UNCHANGED);
  assert_int_equal(vigil_store_commit(s), 0);
  assert_string_equal(stored(s, &t), "100=v350 x7=c 101=r3 ");
  assert_int_equal(vigil_store_close(s), 0);
  free(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_versions)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
