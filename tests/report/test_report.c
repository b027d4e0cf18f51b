/* The report and export on a small store with hostile names: without a
 * census run, with one, CSV side files, escaping, export filters. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"
#include "vigil/error.h"
#include "vigil/report.h"
#include "vigil/store.h"

static const char *const HOSTILE[] = {"<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>",
                                      "=HYPERLINK(\"http://x\")", "a&b'c\x01\x02"};

static int count(const char *h, const char *needle) {
  int n = 0;
  for (const char *p = h; (p = strstr(p, needle)); p++) n++;
  return n;
}

static vigil_store *make_store(char **dir_out, int64_t *ids) {
  char *dir = vt_tmpdir("report");
  char path[4200];
  snprintf(path, sizeof path, "%s/r.db", dir);
  vigil_store *s;
  assert_int_equal(vigil_store_open(path, 0, &s), 0);
  assert_int_equal(vigil_store_begin(s), 0);
  vigil_change ch;
  for (int i = 0; i < 40; i++) {
    vigil_account a;
    vigil_account_init(&a);
    char id[16], u[32];
    snprintf(id, sizeof id, "%d", 100 + i), snprintf(u, sizeof u, "acct%d", i);
    a.platform = VIGIL_STR_LIT("twitter");
    a.platform_id = vigil_str_c(id), a.username = vigil_str_c(u);
    a.display_name = vigil_str_c(HOSTILE[i % 4]);
    a.location = vigil_str_c(i % 2 ? "Raqqa <b>" : "London");
    a.lang = vigil_str_c(i < 10 ? "ar" : "en");
    a.created_at = 1400000000 + 86400 * 40 * i;
    a.followers = i * 10, a.following = 5 + i, a.statuses = i < 3 ? 200000 : 100;
    assert_int_equal(vigil_store_account_upsert(s, &a, 1420000000 + 86400 * 200, &ids[i], &ch), 0);
  }
  for (int i = 0; i < 40; i++) {
    vigil_post p;
    vigil_post_init(&p);
    char pid[16];
    snprintf(pid, sizeof pid, "9%d", i);
    p.platform = VIGIL_STR_LIT("twitter"), p.platform_id = vigil_str_c(pid);
    p.text = VIGIL_STR_LIT("text"), p.lang = VIGIL_STR_LIT("ar");
    p.source = vigil_str_c(i % 3 ? "Twitter for Android" : "<i>evil client</i>");
    p.created_at = 1420000000 + i * 3600;
    vigil_str tags[] = {VIGIL_STR_LIT("<svg/onload=alert(1)>"), VIGIL_STR_LIT("News")};
    p.hashtags = tags, p.n_hashtags = 2;
    vigil_url url = {VIGIL_STR_LIT("https://t.co/x"), VIGIL_STR_LIT("https://evil.example/<x>")};
    p.urls = &url, p.n_urls = 1;
    vigil_post_refs refs = {ids[i], 0, 0, 0, NULL, 0};
    int64_t out;
    assert_int_equal(vigil_store_post_upsert(s, &p, &refs, &out, &ch), 0);
  }
  for (int i = 0; i < 39; i++) assert_int_equal(vigil_store_edge_put(s, 0, ids[i], ids[i + 1], 1, 0), 0);
  assert_int_equal(vigil_store_edge_put(s, 1, ids[0], ids[5], 3, 0), 0);
  assert_int_equal(vigil_store_status_add(s, ids[7], 1, 1420000000, VIGIL_STR_LIT("suspended"), &ch), 0);
  assert_int_equal(vigil_store_commit(s), 0);
  *dir_out = dir;
  return s;
}

static void no_raw_hostile(const char *h) {
  assert_null(strstr(h, "<script>"));
  assert_null(strstr(h, "<img"));
  assert_null(strstr(h, "Raqqa <b>"));
  assert_null(strstr(h, "<i>evil"));
  assert_null(strstr(h, "<svg/"));
  assert_null(strstr(h, "\x01"));
}

static void add_census(vigil_store *s, const int64_t *ids) {
  int64_t run;
  assert_int_equal(vigil_store_begin(s), 0);
  assert_int_equal(vigil_store_census_begin(s, "test", "{}", &run), 0);
  for (int i = 0; i < 40; i++)
    assert_int_equal(vigil_store_score_put(s, run, ids[i], i < 10 ? 0.9 - i * 0.01 : 0.1, i < 10,
                                           vigil_str_c(i == 0 ? "<script>alert('why')</script> (+2.0)" : "x (+1.0)")),
                     0);
  assert_int_equal(vigil_store_census_end(s, run, "{\"accounts_scored\":40,\"labelled\":8,"
                                                  "\"predicted_supporters\":10,\"estimate\":11.4,"
                                                  "\"ci95\":[7.2,15.9],\"cv\":{\"precision\":0.81,"
                                                  "\"recall\":0.77,\"auc\":0.93}}"),
                   0);
  assert_int_equal(vigil_store_commit(s), 0);
}

static void report_without_and_with_census(void **state) {
  (void)state;
  char *dir;
  int64_t ids[40];
  vigil_store *s = make_store(&dir, ids);
  char csv[4300], f[4400];
  snprintf(csv, sizeof csv, "%s/csv", dir);
  assert_int_equal(mkdir(csv, 0755), 0);
  vigil_report_opts o;
  vigil_report_opts_init(&o);
  o.csv_dir = csv;
  vigil_buf h = VIGIL_BUF_INIT;
  assert_int_equal(vigil_report_build(s, &o, &h), 0);
  assert_non_null(strstr(h.data, "No census has been run"));
  assert_non_null(strstr(h.data, "leads for human review, not decisions"));
  assert_null(strstr(h.data, "id=\"top\""));
  assert_non_null(strstr(h.data, "id=\"languages\""));
  assert_non_null(strstr(h.data, "#&lt;svg/onload=alert(1)&gt;"));
  assert_non_null(strstr(h.data, "Raqqa &lt;b&gt;"));
  assert_non_null(strstr(h.data, "&lt;i&gt;evil client&lt;/i&gt;"));
  /* hyperactive: 200000 posts over ~a few hundred days is > 50/day for the first 3 */
  assert_non_null(strstr(h.data, "acct0"));
  no_raw_hostile(h.data);
  assert_int_equal(count(h.data, "<script"), 0);
  snprintf(f, sizeof f, "%s/hashtags.csv", csv);
  char *t = vt_read_file(f, NULL);
  assert_non_null(t);
  assert_non_null(strstr(t, "term,posts,accounts\n"));
  assert_non_null(strstr(t, "#news,40,40\n"));
  free(t);

  add_census(s, ids);
  vigil_buf_clear(&h);
  assert_int_equal(vigil_report_build(s, &o, &h), 0);
  assert_null(strstr(h.data, "No census has been run"));
  assert_non_null(strstr(h.data, "<b>11</b><span>estimated supporters"));
  assert_non_null(strstr(h.data, "<b>7 &ndash; 16</b>"));
  assert_non_null(strstr(h.data, "0.81 / 0.77 / 0.93"));
  assert_non_null(strstr(h.data, "&lt;script&gt;alert(&#39;why&#39;)&lt;/script&gt; (+2.0)"));
  assert_non_null(strstr(h.data, "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"));
  assert_non_null(strstr(h.data, "Predicted supporters"));
  no_raw_hostile(h.data);
  /* every display name came out escaped: the table has 10 top rows */
  assert_int_equal(count(h.data, "&lt;script&gt;alert(1)&lt;/script&gt;") >= 3, 1);
  snprintf(f, sizeof f, "%s/top_accounts.csv", csv);
  t = vt_read_file(f, NULL);
  assert_non_null(t);
  /* CSV keeps the raw text (it is not HTML) but neuters formulas */
  assert_non_null(strstr(t, "\"'=HYPERLINK(\"\"http://x\"\")\""));
  assert_null(strstr(t, ",=HYPERLINK"));
  free(t);
  snprintf(f, sizeof f, "%s/languages.csv", csv);
  t = vt_read_file(f, NULL);
  assert_non_null(t);
  assert_non_null(strstr(t, "ar,10,100.0%,0,0.0%\n"));
  free(t);
  vigil_buf_release(&h);
  assert_int_equal(vigil_store_close(s), 0);
  free(dir);
}

static char *export_to_string(vigil_store *s, const vigil_export_opts *o, int *rc_out, vigil_export_counts *c) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  *rc_out = vigil_export_write(s, o, f, NULL, c);
  fclose(f);
  return buf;
}

static void export_formats(void **state) {
  (void)state;
  char *dir;
  int64_t ids[40];
  vigil_store *s = make_store(&dir, ids);
  int rc;
  vigil_export_counts c;
  vigil_export_opts o = {VIGIL_EXPORT_GEXF, 0.5, 1, 0};
  char *x = export_to_string(s, &o, &rc, &c);
  assert_int_equal(rc, VIGIL_ESTATE); /* min score without a census */
  free(x);
  o.use_min_score = 0;
  x = export_to_string(s, &o, &rc, &c);
  assert_int_equal(rc, 0);
  assert_int_equal(c.nodes, 40);
  assert_int_equal(c.edges, 39 + 1 + 0); /* follows + the explicit mention edge */
  assert_int_equal(count(x, "<node "), 40);
  assert_int_equal(count(x, "<edge "), (int)c.edges);
  assert_null(strstr(x, "<script"));
  assert_null(strstr(x, "\x01"));
  assert_non_null(strstr(x, "value=\"a&amp;b&#39;c\""));
  free(x);
  add_census(s, ids);
  o.use_min_score = 1, o.min_score = 0.5, o.format = VIGIL_EXPORT_GRAPHML;
  x = export_to_string(s, &o, &rc, &c);
  assert_int_equal(rc, 0);
  assert_int_equal(c.nodes, 10);
  assert_int_equal(c.edges, 9 + 1); /* follows 0->1..8->9 and mention 0->5 */
  assert_int_equal(count(x, "<node "), 10);
  assert_non_null(strstr(x, "<data key=\"predicted\">true</data>"));
  free(x);
  o.kinds = 1u << 1; /* mentions only */
  x = export_to_string(s, &o, &rc, &c);
  assert_int_equal(rc, 0);
  assert_int_equal(c.edges, 1);
  assert_non_null(strstr(x, "<data key=\"kind\">mention</data><data key=\"weight\">3</data>"));
  free(x);
  /* csv: two streams */
  char *nb = NULL, *eb = NULL;
  size_t nl = 0, el = 0;
  FILE *nf = open_memstream(&nb, &nl), *ef = open_memstream(&eb, &el);
  o.format = VIGIL_EXPORT_CSV, o.kinds = 0;
  assert_int_equal(vigil_export_write(s, &o, nf, ef, &c), 0);
  fclose(nf), fclose(ef);
  assert_non_null(strstr(nb, "Id,Label,platform_id,display_name,score,predicted,status\n"));
  assert_non_null(strstr(nb, "\"'=HYPERLINK(\"\"http://x\"\")\""));
  assert_non_null(strstr(nb, ",suspended\n"));
  assert_int_equal(count(eb, "\n"), 1 + 10);
  free(nb), free(eb);
  assert_int_equal(vigil_store_close(s), 0);
  free(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(report_without_and_with_census),
                                     cmocka_unit_test(export_formats)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
