/* Re-created account detection: name keys and similarity, Jaccard, the pair
 * score, and a synthetic store with planted re-creations and decoys. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "vigil/error.h"
#include "vigil/recreated.h"
#include "vigil/store.h"

static void name_keys(void **state) {
  (void)state;
  char k[VIGIL_NAME_KEY_MAX + 1];
  assert_int_equal(vigil_name_key(VIGIL_STR_LIT("Abu_X2"), k), 4);
  assert_string_equal(k, "abux");
  assert_int_equal(vigil_name_key(VIGIL_STR_LIT("__--.. 123"), k), 0);
  /* non-ASCII bytes are kept */
  assert_int_equal(vigil_name_key(VIGIL_STR_LIT("\xd8\xa3\xd8\xa8\xd9\x88_1"), k), 6);
  assert_true(vigil_name_similarity(VIGIL_STR_LIT("abu_x"), VIGIL_STR_LIT("abu_x2")) == 1.0);
  assert_true(vigil_name_similarity(VIGIL_STR_LIT("abu_x"), VIGIL_STR_LIT("abux_")) == 1.0);
  double s = vigil_name_similarity(VIGIL_STR_LIT("chaigaachau"), VIGIL_STR_LIT("cgaigaachau"));
  assert_true(fabs(s - (1.0 - 1.0 / 11)) < 1e-9);
  assert_true(vigil_name_similarity(VIGIL_STR_LIT("abcdef"), VIGIL_STR_LIT("uvwxyz")) == 0.0);
  assert_true(vigil_name_similarity(VIGIL_STR_LIT(""), VIGIL_STR_LIT("x")) == 0.0);
  /* long names are bounded, not overflowed */
  char big[500];
  memset(big, 'a', sizeof big);
  assert_true(vigil_name_similarity((vigil_str){big, sizeof big}, (vigil_str){big, 400}) == 1.0);
}

static void jaccard_and_score(void **state) {
  (void)state;
  int64_t a[] = {1, 2, 3, 4}, b[] = {3, 4, 5, 6};
  assert_true(fabs(vigil_jaccard_sorted(a, 4, b, 4) - 2.0 / 6) < 1e-12);
  assert_true(vigil_jaccard_sorted(a, 0, b, 0) == 0.0);
  assert_true(vigil_jaccard_sorted(a, 4, a, 4) == 1.0);
  assert_true(fabs(vigil_recreated_score(1, 0.5, 0.5) - 1.0) < 1e-12);
  assert_true(fabs(vigil_recreated_score(1, 0, 0) - 0.4) < 1e-12);
  assert_true(fabs(vigil_recreated_score(0.8, 0.25, 0.1) - (0.32 + 0.15 + 0.06)) < 1e-12);
}

/* Store: 400 ordinary accounts following a few communities; 4 suspended
 * accounts; 3 re-created (edited name, created after, sharing follows);
 * decoys: similar name without overlap, similar name created before the
 * suspension, an unrelated account with overlap but different name. */
static int64_t add(vigil_store *s, const char *id, const char *user, const char *dn, int64_t created) {
  vigil_account a;
  vigil_account_init(&a);
  a.platform = VIGIL_STR_LIT("twitter");
  a.platform_id = vigil_str_c(id), a.username = vigil_str_c(user);
  a.display_name = dn ? vigil_str_c(dn) : VIGIL_STR_NULL;
  a.created_at = created;
  int64_t out;
  vigil_change ch;
  assert_int_equal(vigil_store_account_upsert(s, &a, 1000000000, &out, &ch), 0);
  return out;
}

static void follow_block(vigil_store *s, int64_t src, const int64_t *ids, int from, int n) {
  for (int i = 0; i < n; i++) assert_int_equal(vigil_store_edge_put(s, 0, src, ids[from + i], 1, 0), 0);
}

static void store_pairs(void **state) {
  (void)state;
  char *dir = vt_tmpdir("recreated");
  char path[4200];
  snprintf(path, sizeof path, "%s/r.db", dir);
  vigil_store *s;
  assert_int_equal(vigil_store_open(path, 0, &s), 0);
  assert_int_equal(vigil_store_begin(s), 0);
  const int64_t T0 = 1400000000, SUSP = 1410000000;
  int64_t pop[400];
  char id[32], u[32];
  for (int i = 0; i < 400; i++) {
    snprintf(id, sizeof id, "%d", 1000 + i), snprintf(u, sizeof u, "user%c%c%c", 'a' + i % 26, 'a' + i / 26 % 26, 'k' + i % 7);
    pop[i] = add(s, id, u, NULL, T0);
  }
  int64_t o1 = add(s, "1", "abu_qaqa", "Abu Qaqa", T0);
  int64_t o2 = add(s, "2", "shuleedhai", NULL, T0);
  int64_t o3 = add(s, "3", "Kojaidshaa53", NULL, T0);
  int64_t o4 = add(s, "4", "lonely_wolf", NULL, T0);
  int64_t n1 = add(s, "11", "abu_qaqa2", "Abu Qaqa", SUSP + 3600);
  int64_t n2 = add(s, "12", "shuleedhai1", NULL, SUSP + 7200);
  int64_t n3 = add(s, "13", "kojaidshaa530", NULL, SUSP + 86400);
  int64_t d1 = add(s, "21", "lonely_wolf7", NULL, SUSP + 3600);  /* no overlap */
  int64_t d2 = add(s, "22", "abu_qaqa_", NULL, SUSP - 86400);   /* created before */
  int64_t d3 = add(s, "23", "zzzzzz", NULL, SUSP + 3600);       /* overlap, other name */
  int64_t olds[] = {o1, o2, o3}, news[] = {n1, n2, n3};
  for (int k = 0; k < 3; k++) {
    follow_block(s, olds[k], pop, 40 * k, 30);
    follow_block(s, news[k], pop, 40 * k + 10, 30);           /* 20 of 30 shared */
    for (int i = 0; i < 20; i++) {                             /* followers */
      assert_int_equal(vigil_store_edge_put(s, 0, pop[200 + 20 * k + i], olds[k], 1, 0), 0);
      if (i % 2 == 0) assert_int_equal(vigil_store_edge_put(s, 0, pop[200 + 20 * k + i], news[k], 1, 0), 0);
    }
  }
  follow_block(s, o4, pop, 150, 20);
  follow_block(s, d1, pop, 300, 20);
  follow_block(s, d2, pop, 0, 30);
  follow_block(s, d3, pop, 40, 30);
  int64_t sus[] = {o1, o2, o3, o4};
  vigil_change ch;
  for (int k = 0; k < 4; k++)
    assert_int_equal(vigil_store_status_add(s, sus[k], 1, SUSP, VIGIL_STR_LIT("suspended"), &ch), 0);
  assert_int_equal(vigil_store_commit(s), 0);

  vigil_recreated_list l;
  assert_int_equal(vigil_recreated_find(s, NULL, &l), 0);
  assert_int_equal(l.suspended, 4);
  assert_int_equal(l.neighbourhood_kind, 0);
  assert_int_equal(l.n, 3);
  int seen = 0;
  for (size_t i = 0; i < l.n; i++) {
    const vigil_recreated_pair *p = &l.pairs[i];
    if (i) assert_true(l.pairs[i - 1].score >= p->score);
    for (int k = 0; k < 3; k++)
      if (p->new_id == news[k]) {
        assert_int_equal(p->old_id, olds[k]);
        seen |= 1 << k;
      }
    assert_true(p->followee_overlap > 0.45 && p->followee_overlap < 0.55); /* 20/40 */
    assert_true(p->follower_overlap > 0.45 && p->follower_overlap < 0.55); /* 10/20 */
    assert_int_equal(p->suspended_at, SUSP);
  }
  assert_int_equal(seen, 7);
  vigil_buf b = VIGIL_BUF_INIT;
  assert_int_equal(vigil_recreated_write_csv(&l, &b), 0);
  assert_non_null(strstr(b.data, "new_id,new_username,old_id,old_username,name_similarity,"
                                 "followee_overlap,follower_overlap,suspended_at,created_at,score\n"));
  assert_non_null(strstr(b.data, "11,abu_qaqa2,1,abu_qaqa,1.000,0.500,0.500,2014-09-06T10:40:00Z,"));
  vigil_buf_clear(&b);
  assert_int_equal(vigil_recreated_write_jsonl(&l, &b), 0);
  assert_non_null(strstr(b.data, "\"new_username\":\"shuleedhai1\",\"old_id\":\"2\""));
  vigil_buf_release(&b);
  vigil_recreated_list_release(&l);

  /* a stricter name threshold drops the edited names but not the exact keys */
  vigil_recreated_opts o;
  vigil_recreated_opts_init(&o);
  o.min_similarity = 1.0;
  assert_int_equal(vigil_recreated_find(s, &o, &l), 0);
  assert_int_equal(l.n, 3); /* all three keys are equal after stripping digits */
  vigil_recreated_list_release(&l);
  o.min_score = 0.99;
  assert_int_equal(vigil_recreated_find(s, &o, &l), 0);
  assert_int_equal(l.n, 3);
  vigil_recreated_list_release(&l);
  o.min_similarity = -1;
  assert_int_equal(vigil_recreated_find(s, &o, &l), VIGIL_EINVAL);
  assert_int_equal(vigil_store_close(s), 0);
  free(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(name_keys), cmocka_unit_test(jaccard_and_score),
                                     cmocka_unit_test(store_pairs)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
