/* Banks: import formats, normalisation, store round trips, the persisted
 * PDQ index (reuse, corruption, staleness, incremental add/remove). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "testutil.h"
#include "vigil/bank.h"
#include "vigil/error.h"
#include "vigil/hindex.h"
#include "vigil/store_match.h"

/* ---- parse harness ---- */
typedef struct got {
  char vals[64][300];
  char labels[64][300];
  uint64_t lines[64];
  int n;
  char bad[64][200];
  int nbad;
} got;

static int got_item(void *ctx, const vigil_bank_item *it) {
  got *g = ctx;
  if (g->n < 64) {
    snprintf(g->vals[g->n], 300, "%.*s", (int)it->value.len, it->value.ptr);
    snprintf(g->labels[g->n], 300, "%.*s|%.*s|%.*s", (int)it->label.len,
             it->label.ptr ? it->label.ptr : "", (int)it->entity.len,
             it->entity.ptr ? it->entity.ptr : "", (int)it->content_type.len,
             it->content_type.ptr ? it->content_type.ptr : "");
    g->lines[g->n] = it->line;
  }
  g->n++;
  return 0;
}
static int got_bad(void *ctx, uint64_t line, const char *field, const char *reason) {
  got *g = ctx;
  if (g->nbad < 64) snprintf(g->bad[g->nbad], 200, "%llu: %s: %s", (unsigned long long)line, field, reason);
  g->nbad++;
  return 0;
}
static int parse(vigil_bank_kind k, const char *s, const char *field, got *g) {
  memset(g, 0, sizeof *g);
  vigil_bank_parse_cbs cbs = {got_item, got_bad, g};
  return vigil_bank_parse(k, s, strlen(s), field, &cbs);
}

#define H1 "f8f8f0cce0f4e84d0e370a22028f67f0b36e2ed596623e1d33e6339c4e9c9b22"
#define H2 "b0a10efd71cc3f429413d48d0ffffe12e34e0e17ada952a9d29684210aa9e5af"

static void test_parse_hash_lines(void **state) {
  got g;
  /* vigil hash / pdq-photo-hasher lines carry quality and path */
  const char *in = "# comment\n" H1 ",100,bridge.jpg\r\n\n" "B0A10EFD71CC3F429413D48D0FFFFE12E34E0E17ADA952A9D29684210AA9E5AF\t90\n"
                   "abc\n" H1 "zz\n" "0123\n";
  assert_int_equal(parse(VIGIL_BANK_PDQ, in, NULL, &g), 0);
  assert_int_equal(g.n, 2);
  assert_string_equal(g.vals[0], H1);
  assert_string_equal(g.vals[1], H2); /* lower-cased */
  assert_int_equal(g.lines[0], 2);
  assert_int_equal(g.lines[1], 4);
  assert_int_equal(g.nbad, 3);
  assert_string_equal(g.bad[0], "5: hash: wrong length (want 64 hex digits)");
  assert_string_equal(g.bad[1], "6: hash: not hexadecimal");
  assert_string_equal(g.bad[2], "7: hash: wrong length (want 64 hex digits)");
  /* md5 wants 32 */
  assert_int_equal(parse(VIGIL_BANK_MD5, "d41d8cd98f00b204e9800998ecf8427e\n" H1 "\n", NULL, &g), 0);
  assert_int_equal(g.n, 1);
  assert_int_equal(g.nbad, 1);
  assert_string_equal(g.bad[0], "2: hash: wrong length (want 32 hex digits)");
  /* binary input is refused as a whole */
  char bin[] = "abc\0def";
  vigil_bank_parse_cbs cbs = {got_item, got_bad, &g};
  assert_int_equal(vigil_bank_parse(VIGIL_BANK_PDQ, bin, sizeof bin, NULL, &cbs), VIGIL_EFORMAT);
}

static void test_parse_hash_csv(void **state) {
  got g;
  const char *in = "Content_Type,hash,label,entity\n"
                   "photo," H1 ",\"isis, propaganda\",al-Hayat\n"
                   "video,nothex,x,y\n"
                   "\n"
                   "photo\n"
                   "," H2 ",,\n";
  assert_int_equal(parse(VIGIL_BANK_SHA256, in, NULL, &g), 0);
  assert_int_equal(g.n, 2);
  assert_string_equal(g.vals[0], H1);
  assert_string_equal(g.labels[0], "isis, propaganda|al-Hayat|photo");
  assert_int_equal(g.lines[0], 2);
  assert_string_equal(g.labels[1], "||");
  assert_int_equal(g.lines[1], 6);
  assert_int_equal(g.nbad, 2);
  assert_string_equal(g.bad[0], "3: hash: not hexadecimal");
  assert_string_equal(g.bad[1], "5: hash: missing column");
}

static void test_parse_text(void **state) {
  got g;
  /* CSV with a named field; quoted newlines become spaces; line numbers of
   * the record start */
  const char *csv = "name,tweets\nA,\"first\nline\"\nB,#hashtag text\nC,\"\"\n";
  assert_int_equal(parse(VIGIL_BANK_TEXT, csv, "tweets", &g), 0);
  assert_int_equal(g.n, 2);
  assert_string_equal(g.vals[0], "first line");
  assert_int_equal(g.lines[1], 4);
  assert_string_equal(g.vals[1], "#hashtag text");
  assert_int_equal(g.nbad, 1);
  assert_string_equal(g.bad[0], "5: text: empty");
  /* JSON lines */
  const char *jl = "{\"text\":\"hello world\",\"label\":\"L\"}\n{\"text\":3}\nnot json\n";
  assert_int_equal(parse(VIGIL_BANK_TEXT, jl, NULL, &g), 0);
  assert_int_equal(g.n, 1);
  assert_string_equal(g.labels[0], "L||");
  assert_int_equal(g.nbad, 2);
  assert_string_equal(g.bad[0], "2: text: missing string field");
  assert_string_equal(g.bad[1], "3: json: not a JSON object");
  /* plain lines: the first line is not a header without the field;
   * lines starting with # are texts, not comments */
  assert_int_equal(parse(VIGIL_BANK_TEXT, "a, b\n#tag\n\xff\xfe\n", NULL, &g), 0);
  assert_int_equal(g.n, 2);
  assert_string_equal(g.vals[0], "a, b");
  assert_string_equal(g.vals[1], "#tag");
  assert_int_equal(g.nbad, 1);
  assert_string_equal(g.bad[0], "3: text: invalid UTF-8");
}

static void test_parse_url(void **state) {
  got g;
  const char *in = "HTTP://Example.COM:80/a/../b/?utm_source=x&z=1&a=2#frag\n"
                   "domain:WWW.Propaganda.example\n"
                   "domain:bad.example/path\n"
                   "http://\n";
  assert_int_equal(parse(VIGIL_BANK_URL, in, NULL, &g), 0);
  assert_int_equal(g.n, 2);
  assert_string_equal(g.vals[0], "http://example.com/b?a=2&z=1");
  assert_string_equal(g.vals[1], "domain:propaganda.example");
  assert_int_equal(g.nbad, 2);
  assert_int_equal(parse(VIGIL_BANK_URL, "url,label\nhttps://x.example/p,L\n", NULL, &g), 0);
  assert_int_equal(g.n, 1);
  assert_string_equal(g.vals[0], "https://x.example/p");
  assert_string_equal(g.labels[0], "L||");
}

/* ---- store-level ---- */
typedef struct fx {
  char *dir;
  char db[512], idx[512];
  vigil_store *s;
} fx;

static void open_fx(fx *f, const char *tag) {
  f->dir = vt_tmpdir(tag);
  snprintf(f->db, sizeof f->db, "%s/v.db", f->dir);
  snprintf(f->idx, sizeof f->idx, "%s/v.db.banks", f->dir);
  assert_int_equal(vigil_store_open(f->db, 0, &f->s), 0);
}
static void close_fx(fx *f) {
  vigil_store_close(f->s);
  free(f->dir);
}

static int64_t create(vigil_store *s, const char *name, const char *kind) {
  int64_t id = 0;
  assert_int_equal(vigil_store_begin(s), 0);
  assert_int_equal(vigil_store_bank_create(s, vigil_str_c(name), vigil_str_c(kind), VIGIL_STR_NULL, &id), 0);
  assert_int_equal(vigil_store_commit(s), 0);
  return id;
}

typedef struct wctx {
  vigil_bank_writer *w;
} wctx;
static int w_item(void *ctx, const vigil_bank_item *it) { return vigil_bank_writer_add(((wctx *)ctx)->w, it); }
static int w_bad(void *ctx, uint64_t line, const char *field, const char *reason) { return 0; }

static void import(fx *f, const char *name, const char *data, vigil_bank_import_stats *st) {
  vigil_bank b;
  assert_int_equal(vigil_bank_find(f->s, vigil_str_c(name), &b), 0);
  wctx w;
  assert_int_equal(vigil_bank_writer_open(&w.w, f->s, f->idx, &b), 0);
  vigil_bank_parse_cbs cbs = {w_item, w_bad, &w};
  assert_int_equal(vigil_bank_parse(b.kind, data, strlen(data), NULL, &cbs), 0);
  memset(st, 0, sizeof *st);
  assert_int_equal(vigil_bank_writer_close(w.w, "test", "unit", st), 0);
}

static int dump_cb(void *ctx, int64_t id, int64_t bank, vigil_str value, vigil_str label,
                   vigil_str entity, vigil_str ctype) {
  vigil_buf *b = ctx;
  vigil_buf_printf(b, "%.*s|%.*s\n", (int)value.len, value.ptr, (int)label.len, label.ptr ? label.ptr : "");
  return 0;
}

static void test_store_import_idempotent(void **state) {
  fx f;
  open_fx(&f, "bank_idem");
  create(f.s, "h", "sha256");
  int64_t dummy;
  assert_int_equal(vigil_store_begin(f.s), 0);
  assert_int_equal(vigil_store_bank_create(f.s, VIGIL_STR_LIT("h"), VIGIL_STR_LIT("sha256"), VIGIL_STR_NULL, &dummy),
                   VIGIL_EEXISTS);
  assert_int_equal(vigil_store_rollback(f.s), 0);
  vigil_bank_import_stats st;
  const char *csv = "hash,label\n" H1 ",a\n" H2 ",b\n";
  import(&f, "h", csv, &st);
  assert_int_equal(st.added, 2);
  import(&f, "h", csv, &st);
  assert_int_equal(st.added, 0);
  assert_int_equal(st.unchanged, 2);
  import(&f, "h", "hash,label\n" H1 ",changed\n", &st);
  assert_int_equal(st.updated, 1);
  vigil_bank b;
  assert_int_equal(vigil_bank_find(f.s, VIGIL_STR_LIT("h"), &b), 0);
  assert_int_equal(b.entries, 2);
  assert_int_equal(b.version, 2); /* relabelling does not change the entry set */
  vigil_buf d = VIGIL_BUF_INIT;
  assert_int_equal(vigil_store_each_bank_entry(f.s, b.id, 0, dump_cb, &d), 0);
  /* hash batches are inserted in value order (see bank.c), so H2 < H1 first */
  assert_string_equal(d.data, H2 "|b\n" H1 "|changed\n");
  vigil_buf_release(&d);
  /* every change audited, chain intact */
  int64_t n = 0, badid = 0;
  assert_int_equal(vigil_store_audit_verify(f.s, &n, &badid), 0);
  assert_int_equal(n, 2); /* the two imports that changed something */
  close_fx(&f);
}

/* ---- PDQ index persistence ---- */
static void rand_hash(uint64_t *st, uint8_t h[32]) {
  for (int i = 0; i < 32; i++) {
    *st = *st * 6364136223846793005ULL + 1442695040888963407ULL;
    h[i] = (uint8_t)(*st >> 56);
  }
}

static void test_index_persistence(void **state) {
  fx f;
  open_fx(&f, "bank_index");
  create(f.s, "p", "pdq");
  vigil_buf data = VIGIL_BUF_INIT;
  uint64_t rs = 42;
  uint8_t hs[200][32];
  for (int i = 0; i < 200; i++) {
    char hex[65];
    rand_hash(&rs, hs[i]);
    vigil_pdq_format_hex(hs[i], hex);
    vigil_buf_printf(&data, "%s\n", hex);
  }
  vigil_bank_import_stats st;
  import(&f, "p", data.data, &st);
  assert_int_equal(st.added, 200);
  vigil_bank b;
  assert_int_equal(vigil_bank_find(f.s, VIGIL_STR_LIT("p"), &b), 0);
  vigil_hindex *ix = NULL;
  int rebuilt = -1;
  /* saved by the import: loaded, not rebuilt */
  assert_int_equal(vigil_bank_index_open(f.s, f.idx, &b, 1, &ix, &rebuilt), 0);
  assert_int_equal(rebuilt, 0);
  assert_int_equal(vigil_hindex_count(ix), 200);
  vigil_hindex_free(ix);
  /* corrupt the index file: rebuilt from the store, same content */
  char path[600];
  snprintf(path, sizeof path, "%s/%lld.hidx", f.idx, (long long)b.id);
  size_t len = 0;
  char *raw = vt_read_file(path, &len);
  assert_non_null(raw);
  raw[len / 2] ^= 0x5a;
  assert_int_equal(vt_write_file(path, raw, len), 0);
  free(raw);
  assert_int_equal(vigil_bank_index_open(f.s, f.idx, &b, 1, &ix, &rebuilt), 0);
  assert_int_equal(rebuilt, 1);
  assert_int_equal(vigil_hindex_count(ix), 200);
  vigil_hindex_free(ix);
  assert_int_equal(vigil_bank_index_open(f.s, f.idx, &b, 1, &ix, &rebuilt), 0);
  assert_int_equal(rebuilt, 0); /* the rebuild was saved */
  vigil_hindex_free(ix);
  /* missing file: rebuilt */
  assert_int_equal(remove(path), 0);
  assert_int_equal(vigil_bank_index_open(f.s, f.idx, &b, 1, &ix, &rebuilt), 0);
  assert_int_equal(rebuilt, 1);
  vigil_hindex_free(ix);
  /* store changed behind the index (stale meta): rebuilt */
  char hex[65];
  uint8_t extra[32];
  rand_hash(&rs, extra);
  vigil_pdq_format_hex(extra, hex);
  vigil_str v = vigil_str_c(hex);
  assert_int_equal(vigil_store_begin(f.s), 0);
  assert_int_equal(vigil_store_bank_entries_put(f.s, b.id, 1, &v, NULL, NULL, NULL, NULL, NULL), 0);
  assert_int_equal(vigil_store_commit(f.s), 0);
  assert_int_equal(vigil_bank_find(f.s, VIGIL_STR_LIT("p"), &b), 0);
  assert_int_equal(vigil_bank_index_open(f.s, f.idx, &b, 1, &ix, &rebuilt), 0);
  assert_int_equal(rebuilt, 1);
  assert_int_equal(vigil_hindex_count(ix), 201);
  vigil_hindex_free(ix);

  vigil_buf_release(&data);
  close_fx(&f);
}

static int id_cb(void *ctx, int64_t id, int64_t bank, vigil_str value, vigil_str label,
                 vigil_str entity, vigil_str ctype) {
  *(int64_t *)ctx = id;
  return 0;
}
static int count_hit(void *ctx, const vigil_match_hit *h) {
  (*(int *)ctx)++;
  return 0;
}

static void test_index_incremental(void **state) {
  fx f;
  open_fx(&f, "bank_incr");
  create(f.s, "p", "pdq");
  vigil_bank_import_stats st;
  import(&f, "p", H1 "\n" H2 "\n", &st);
  vigil_bank b;
  assert_int_equal(vigil_bank_find(f.s, VIGIL_STR_LIT("p"), &b), 0);
  int64_t id = 0;
  assert_int_equal(vigil_store_bank_entry_find(f.s, b.id, VIGIL_STR_LIT(H1), id_cb, &id), 0);
  assert_true(id > 0);
  assert_int_equal(vigil_bank_remove_entry(f.s, f.idx, &b, id, "test"), 0);
  assert_int_equal(vigil_bank_remove_entry(f.s, f.idx, &b, id, "test"), VIGIL_ENOTFOUND);
  assert_int_equal(vigil_bank_find(f.s, VIGIL_STR_LIT("p"), &b), 0);
  assert_int_equal(b.entries, 1);
  vigil_hindex *ix;
  int rebuilt = -1;
  assert_int_equal(vigil_bank_index_open(f.s, f.idx, &b, 1, &ix, &rebuilt), 0);
  assert_int_equal(rebuilt, 0);
  assert_int_equal(vigil_hindex_count(ix), 1);
  vigil_hindex_free(ix);
  /* the removed hash no longer matches, the other does */
  vigil_matcher *m;
  assert_int_equal(vigil_matcher_open(&m, f.s, f.idx, NULL, 0, NULL, NULL), 0);
  uint8_t h[32];
  int n = 0;
  vigil_pdq_parse_hex(H1, 64, h);
  assert_int_equal(vigil_matcher_pdq(m, h, count_hit, &n), 0);
  assert_int_equal(n, 0);
  vigil_pdq_parse_hex(H2, 64, h);
  assert_int_equal(vigil_matcher_pdq(m, h, count_hit, &n), 0);
  assert_int_equal(n, 1);
  vigil_matcher_free(m);
  /* add it back: incremental add, index saved in step */
  import(&f, "p", H1 "\n", &st);
  assert_int_equal(st.added, 1);
  assert_int_equal(vigil_bank_find(f.s, VIGIL_STR_LIT("p"), &b), 0);
  assert_int_equal(vigil_bank_index_open(f.s, f.idx, &b, 1, &ix, &rebuilt), 0);
  assert_int_equal(rebuilt, 0);
  assert_int_equal(vigil_hindex_count(ix), 2);
  vigil_hindex_free(ix);
  close_fx(&f);
}

typedef struct urlhits {
  char v[8][200];
  int n;
} urlhits;
static int url_hit(void *ctx, const vigil_match_hit *h) {
  urlhits *u = ctx;
  if (u->n < 8) snprintf(u->v[u->n], 200, "%.*s", (int)h->value.len, h->value.ptr);
  u->n++;
  return 0;
}

static void test_url_matching(void **state) {
  fx f;
  open_fx(&f, "bank_url");
  create(f.s, "u", "url");
  vigil_bank_import_stats st;
  import(&f, "u",
         "https://justpaste.it/MESSAGETOTHETRUTHFULINSYRIA?utm_source=twitter\n"
         "domain:propaganda.example\n",
         &st);
  assert_int_equal(st.added, 2);
  vigil_matcher *m;
  assert_int_equal(vigil_matcher_open(&m, f.s, f.idx, NULL, 0, NULL, NULL), 0);
  urlhits u = {0};
  /* canonical equality: case of host, default port, fragment, tracking */
  assert_int_equal(vigil_matcher_url(m, VIGIL_STR_LIT("HTTPS://JustPaste.it:443/MESSAGETOTHETRUTHFULINSYRIA#x"), url_hit, &u), 0);
  assert_int_equal(u.n, 1);
  assert_string_equal(u.v[0], "https://justpaste.it/MESSAGETOTHETRUTHFULINSYRIA");
  /* path case matters */
  u.n = 0;
  assert_int_equal(vigil_matcher_url(m, VIGIL_STR_LIT("https://justpaste.it/messagetothetruthfulinsyria"), url_hit, &u), 0);
  assert_int_equal(u.n, 0);
  /* domain entry: host, www. and subdomains; not lookalikes */
  const char *yes[] = {"http://propaganda.example/x", "https://www.propaganda.example/", "http://cdn.a.propaganda.example/v.mp4"};
  for (int i = 0; i < 3; i++) {
    u.n = 0;
    assert_int_equal(vigil_matcher_url(m, vigil_str_c(yes[i]), url_hit, &u), 0);
    assert_int_equal(u.n, 1);
    assert_string_equal(u.v[0], "domain:propaganda.example");
  }
  const char *no[] = {"http://notpropaganda.example/", "http://propaganda.example.com/", "http://example/"};
  for (int i = 0; i < 3; i++) {
    u.n = 0;
    assert_int_equal(vigil_matcher_url(m, vigil_str_c(no[i]), url_hit, &u), 0);
    assert_int_equal(u.n, 0);
  }
  assert_int_equal(vigil_matcher_url(m, VIGIL_STR_LIT("http://"), url_hit, &u), VIGIL_EPARSE);
  vigil_matcher_free(m);
  close_fx(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_parse_hash_lines),  cmocka_unit_test(test_parse_hash_csv),
      cmocka_unit_test(test_parse_text),        cmocka_unit_test(test_parse_url),
      cmocka_unit_test(test_store_import_idempotent), cmocka_unit_test(test_index_persistence),
      cmocka_unit_test(test_index_incremental), cmocka_unit_test(test_url_matching),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
