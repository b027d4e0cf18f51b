/* vigil synth: determinism, calibration and file consistency (N = 5,000). */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vigil/error.h"
#include "vigil/synth.h"

enum { N = 5000 };
static const char *const FILES[] = {"users.jsonl", "tweets.jsonl", "users_compliance.jsonl",
                                    "follows.tsv", "truth.csv", "truth_recreated.csv",
                                    "labels.csv"};

static vigil_synth *model(uint64_t seed, int threads) {
  vigil_synth_opts o;
  vigil_synth_opts_init(&o);
  o.accounts = N, o.seed = seed, o.threads = threads;
  vigil_synth *s = NULL;
  assert_int_equal(vigil_synth_new(&o, &s), 0);
  return s;
}

static char *gen(const char *tag, uint64_t seed, int threads, vigil_synth_stats *st) {
  char *dir = vt_tmpdir(tag);
  assert_non_null(dir);
  vigil_synth *s = model(seed, threads);
  assert_int_equal(vigil_synth_write(s, dir, st), 0);
  vigil_synth_free(s);
  return dir;
}

/* the outputs are ~30 MB per run: remove them */
static void cleanup(char *dir) {
  char p[4096];
  for (size_t f = 0; f < sizeof FILES / sizeof FILES[0]; f++) {
    snprintf(p, sizeof p, "%s/%s", dir, FILES[f]);
    remove(p);
  }
  remove(dir);
  free(dir);
}

static char *slurp(const char *dir, const char *name, size_t *len) {
  char p[4096];
  snprintf(p, sizeof p, "%s/%s", dir, name);
  char *d = vt_read_file(p, len);
  assert_non_null(d);
  return d;
}

static void test_deterministic(void **st) {
  (void)st;
  vigil_synth_stats a, b, c;
  char *d1 = gen("synth-a", 7, 2, &a), *d2 = gen("synth-b", 7, 1, &b), *d3 = gen("synth-c", 8, 2, &c);
  assert_true(a.edges == b.edges && a.posts == b.posts);
  int differs = 0;
  for (size_t f = 0; f < sizeof FILES / sizeof FILES[0]; f++) {
    size_t l1, l2, l3;
    char *x = slurp(d1, FILES[f], &l1), *y = slurp(d2, FILES[f], &l2), *z = slurp(d3, FILES[f], &l3);
    assert_true(l1 > 0);
    if (l1 != l2 || memcmp(x, y, l1) != 0) fail_msg("%s differs between runs (1 vs 2 threads)", FILES[f]);
    if (l1 != l3 || memcmp(x, z, l1) != 0) differs++;
    free(x), free(y), free(z);
  }
  assert_true(differs >= 5); /* another seed gives another network */
  cleanup(d1), cleanup(d2), cleanup(d3);
}

/* Levenshtein distance of two short strings */
static int edit_distance(const char *a, const char *b) {
  int la = (int)strlen(a), lb = (int)strlen(b), d[32][32];
  if (la > 30 || lb > 30) return 99;
  for (int i = 0; i <= la; i++) d[i][0] = i;
  for (int j = 0; j <= lb; j++) d[0][j] = j;
  for (int i = 1; i <= la; i++)
    for (int j = 1; j <= lb; j++) {
      int c = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
      if (d[i - 1][j] + 1 < c) c = d[i - 1][j] + 1;
      if (d[i][j - 1] + 1 < c) c = d[i][j - 1] + 1;
      d[i][j] = c;
    }
  return d[la][lb];
}

static void test_recreated(void **st) {
  (void)st;
  vigil_synth *s = model(5, 2);
  uint64_t nrec = 0, close = 0, susp = 0;
  for (uint64_t i = 0; i < vigil_synth_count(s); i++) {
    vigil_synth_account_info a, o;
    vigil_synth_account(s, i, &a);
    if (a.suspended_at != INT64_MIN) {
      assert_int_equal(a.group, VIGIL_SYNTH_SUPPORTER);
      assert_true(a.suspended_at > a.created_at);
      susp++;
    }
    if (a.recreated_from < 0) continue;
    nrec++;
    assert_int_equal(vigil_synth_account(s, (uint64_t)a.recreated_from, &o), 0);
    assert_int_equal(a.group, VIGIL_SYNTH_SUPPORTER);
    assert_true(o.suspended_at != INT64_MIN);
    assert_true(a.created_at > o.suspended_at); /* re-appears after the suspension */
    assert_true(a.id > o.id);
    assert_string_equal(a.lang, o.lang);
    assert_true(strcasecmp(a.username, o.username) != 0);
    close += edit_distance(a.username, o.username) <= 1;
  }
  vigil_synth_free(s);
  print_message("suspended %lu, re-created %lu, similar usernames %lu\n", (unsigned long)susp,
                (unsigned long)nrec, (unsigned long)close);
  /* 15% of original supporters suspended, ~40% of them back */
  assert_true(susp > 25 && susp < 45);
  assert_true(nrec > 8 && nrec <= susp);
  assert_true(close * 10 >= nrec * 9);
}

static void test_calibration(void **st) {
  (void)st;
  vigil_synth *s = model(3, 2);
  uint64_t n = vigil_synth_count(s), k = 0, ar = 0, en = 0, fr = 0, android = 0, hyper = 0,
           hyper_ppd = 0, recent_s = 0, recent_o = 0, others = 0;
  double fol_s = 0, fol_o = 0;
  const int64_t T_2014_06 = 1401580800; /* 2014-06-01 */
  for (uint64_t i = 0; i < n; i++) {
    vigil_synth_account_info a;
    assert_int_equal(vigil_synth_account(s, i, &a), 0);
    assert_true(a.id > (1ULL << 53));
    if (a.group == VIGIL_SYNTH_SUPPORTER) {
      k++;
      ar += strcmp(a.lang, "ar") == 0, en += strcmp(a.lang, "en") == 0, fr += strcmp(a.lang, "fr") == 0;
      android += strcmp(a.source, "Twitter for Android") == 0;
      hyper += a.hyperactive;
      hyper_ppd += a.posts_per_day >= 50;
      fol_s += (double)a.followers_count;
      recent_s += a.created_at >= T_2014_06;
    } else {
      others++;
      fol_o += (double)a.followers_count;
      recent_o += a.created_at >= T_2014_06;
    }
  }
  vigil_synth_account_info a;
  assert_int_equal(vigil_synth_account(s, n, &a), VIGIL_ERANGE);
  vigil_synth_free(s);
  assert_int_equal(k, N / 20); /* default K = 5% */
  double fk = (double)k;
  print_message("supporters: ar %.2f en %.2f fr %.2f android %.2f hyper %lu followers %.0f vs %.0f\n",
                ar / fk, en / fk, fr / fk, android / fk, (unsigned long)hyper, fol_s / fk,
                fol_o / others);
  assert_true(ar / fk > 0.63 && ar / fk < 0.83);
  assert_true(en / fk > 0.11 && en / fk < 0.26);
  assert_true(fr / fk > 0.02 && fr / fk < 0.11);
  assert_true(android / fk > 0.60 && android / fk < 0.78);
  double ratio = (fol_s / fk) / (fol_o / others);
  assert_true(ratio > 3.5 && ratio < 7.0);
  /* 500-2,000 hyperactive per 50k supporters, scaled */
  assert_true(hyper >= k * 500 / 50000 && hyper <= k * 2000 / 50000);
  assert_int_equal(hyper_ppd, hyper);
  assert_true((double)recent_s / fk > 0.65);
  assert_true((double)recent_o / others < 0.25);
}

/* ---- files ------------------------------------------------------------------ */
typedef struct acct { unsigned long long id; int sup; int lab; } acct;
static int cmp_acct(const void *a, const void *b) {
  unsigned long long x = ((const acct *)a)->id, y = ((const acct *)b)->id;
  return x < y ? -1 : x > y;
}
static acct *find(acct *t, size_t n, unsigned long long id) {
  acct key = {.id = id};
  return bsearch(&key, t, n, sizeof *t, cmp_acct);
}
typedef struct edge { unsigned long long a, b; } edge;
static int cmp_edge(const void *x, const void *y) {
  const edge *p = x, *q = y;
  if (p->a != q->a) return p->a < q->a ? -1 : 1;
  return p->b < q->b ? -1 : p->b > q->b;
}

static void test_files(void **st) {
  (void)st;
  vigil_synth_stats stats;
  char *dir = gen("synth-f", 11, 2, &stats);
  size_t len;
  char *truth = slurp(dir, "truth.csv", &len);
  acct *acc = calloc(N + 1, sizeof *acc);
  size_t na = 0, nsup = 0;
  char *save = NULL;
  char *line = strtok_r(truth, "\n", &save);
  assert_string_equal(line, "account_id,label");
  while ((line = strtok_r(NULL, "\n", &save))) {
    char *comma = strchr(line, ',');
    assert_non_null(comma);
    assert_true(na < N);
    acc[na].id = strtoull(line, NULL, 10);
    assert_true(acc[na].id > (1ULL << 53));
    acc[na].sup = strcmp(comma + 1, "supporter") == 0;
    assert_true(acc[na].sup || strcmp(comma + 1, "other") == 0);
    nsup += acc[na].sup;
    na++;
  }
  assert_int_equal(na, N);
  assert_int_equal(nsup, stats.supporters);
  qsort(acc, na, sizeof *acc, cmp_acct);
  for (size_t i = 1; i < na; i++) assert_true(acc[i].id != acc[i - 1].id);

  /* labels: max(20, 1% of K) of each, consistent with the truth */
  char *labels = slurp(dir, "labels.csv", &len);
  size_t lab_s = 0, lab_o = 0;
  line = strtok_r(labels, "\n", &save);
  assert_string_equal(line, "account_id,label");
  while ((line = strtok_r(NULL, "\n", &save))) {
    acct *a = find(acc, na, strtoull(line, NULL, 10));
    assert_non_null(a);
    assert_int_equal(a->lab, 0);
    int lsup = strstr(line, ",supporter") != NULL;
    a->lab = 1;
    assert_int_equal(lsup, a->sup);
    lsup ? lab_s++ : lab_o++;
  }
  size_t want = nsup / 100 > 20 ? nsup / 100 : 20;
  assert_int_equal(lab_s, want);
  assert_int_equal(lab_o, want);

  /* follows: endpoints exist, no self loops, no duplicates, in-group bias */
  char *fol = slurp(dir, "follows.tsv", &len);
  size_t cap = len / 30 + 16, ne = 0;
  edge *e = malloc(cap * sizeof *e);
  for (char *p = fol; *p;) {
    char *end;
    assert_true(ne < cap);
    e[ne].a = strtoull(p, &end, 10);
    assert_true(*end == '\t');
    e[ne].b = strtoull(end + 1, &end, 10);
    assert_true(*end == '\n');
    p = end + 1;
    ne++;
  }
  assert_int_equal(ne, stats.edges);
  assert_true(ne > N * 30 && ne < N * 70); /* mean following ~50 */
  qsort(e, ne, sizeof *e, cmp_edge);
  double in_s = 0, tot_s = 0, in_o = 0, tot_o = 0;
  for (size_t i = 0; i < ne; i++) {
    if (i) assert_true(cmp_edge(&e[i - 1], &e[i]) != 0);
    assert_true(e[i].a != e[i].b);
    acct *a = find(acc, na, e[i].a), *b = find(acc, na, e[i].b);
    assert_non_null(a);
    assert_non_null(b);
    if (a->sup) tot_s++, in_s += b->sup;
    else tot_o++, in_o += b->sup;
  }
  print_message("in-group follow fraction: supporters %.3f, others %.3f\n", in_s / tot_s,
                in_o / tot_o);
  assert_true(in_s / tot_s > 0.5);
  assert_true(in_o / tot_o < 0.05);
  assert_true(in_s / tot_s > 10 * (in_o / tot_o));

  /* re-creations: both supporters; suspensions reported for supporters only */
  char *rec = slurp(dir, "truth_recreated.csv", &len);
  size_t nrec = 0;
  line = strtok_r(rec, "\n", &save);
  assert_string_equal(line, "new_id,old_id");
  while ((line = strtok_r(NULL, "\n", &save))) {
    char *c = strchr(line, ',');
    acct *nw = find(acc, na, strtoull(line, NULL, 10)), *old = find(acc, na, strtoull(c + 1, NULL, 10));
    assert_true(nw && old && nw->sup && old->sup && nw != old);
    assert_true(nw->id > old->id); /* created later: snowflake ids grow with time */
    nrec++;
  }
  assert_int_equal(nrec, stats.recreated);
  assert_true(nrec > 0);
  char *comp = slurp(dir, "users_compliance.jsonl", &len);
  size_t ncomp = 0;
  for (char *p = strstr(comp, "{\"id\":\""); p; p = strstr(p + 1, "{\"id\":\"")) {
    acct *a = find(acc, na, strtoull(p + 7, NULL, 10));
    assert_true(a && a->sup);
    assert_non_null(strstr(p, "\"reason\":\"suspended\""));
    ncomp++;
  }
  assert_int_equal(ncomp, stats.suspended);
  assert_true(ncomp >= nrec);

  free(truth), free(labels), free(fol), free(e), free(acc), free(rec), free(comp);
  cleanup(dir);
}

static void test_label_frac_and_errors(void **st) {
  (void)st;
  vigil_synth_opts o;
  vigil_synth_opts_init(&o);
  vigil_synth *s = NULL;
  o.accounts = 50;
  assert_int_equal(vigil_synth_new(&o, &s), VIGIL_EINVAL);
  o.accounts = 1000, o.supporters = 900;
  assert_int_equal(vigil_synth_new(&o, &s), VIGIL_EINVAL);
  o.supporters = 300, o.label_frac = 0.1, o.mean_following = 10;
  assert_int_equal(vigil_synth_new(&o, &s), 0);
  uint64_t sup = 0, oth = 0;
  for (uint64_t i = 0; i < vigil_synth_count(s); i++) {
    vigil_synth_account_info a;
    vigil_synth_account(s, i, &a);
    if (a.labelled == 1) assert_int_equal(a.group, VIGIL_SYNTH_SUPPORTER), sup++;
    if (a.labelled == 2) assert_int_not_equal(a.group, VIGIL_SYNTH_SUPPORTER), oth++;
  }
  assert_int_equal(sup, 30);
  assert_int_equal(oth, 30);
  vigil_synth_free(s);
}

/* --label-lookalike-share: the share of look-alikes among the labelled
 * others (floor of share x labels, so the default 0.25 is the old nl / 4) */
static void test_label_lookalike_share(void **st) {
  (void)st;
  static const double share[] = {0.0, 0.25, 0.5, 1.0};
  static const uint64_t want[] = {0, 7, 15, 30};
  for (int k = 0; k < 4; k++) {
    vigil_synth_opts o;
    vigil_synth_opts_init(&o);
    o.accounts = 1000, o.supporters = 300, o.label_frac = 0.1, o.mean_following = 10;
    o.label_lookalike_share = share[k];
    vigil_synth *s = NULL;
    assert_int_equal(vigil_synth_new(&o, &s), 0);
    uint64_t look = 0, oth = 0;
    for (uint64_t i = 0; i < vigil_synth_count(s); i++) {
      vigil_synth_account_info a;
      vigil_synth_account(s, i, &a);
      if (a.labelled != 2) continue;
      oth++;
      look += a.group == VIGIL_SYNTH_LOOKALIKE;
    }
    assert_int_equal(oth, 30);
    assert_int_equal(look, want[k]);
    vigil_synth_free(s);
  }
  vigil_synth_opts o;
  vigil_synth_opts_init(&o);
  vigil_synth *s = NULL;
  o.accounts = 1000, o.label_lookalike_share = 1.5;
  assert_int_equal(vigil_synth_new(&o, &s), VIGIL_EINVAL);
  o.label_lookalike_share = -0.1;
  assert_int_equal(vigil_synth_new(&o, &s), VIGIL_EINVAL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_deterministic),
      cmocka_unit_test(test_calibration),
      cmocka_unit_test(test_files),
      cmocka_unit_test(test_recreated),
      cmocka_unit_test(test_label_frac_and_errors),
      cmocka_unit_test(test_label_lookalike_share),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
