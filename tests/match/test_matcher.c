/* The matcher through the bank layer: PDQ results equal a brute-force scan
 * (ThreatExchange needles/haystack at 0, 31, 63), digests, texts, bank
 * selection (disabled banks, named banks). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "vigil/bank.h"
#include "vigil/error.h"
#include "vigil/hindex.h"
#include "vigil/store_match.h"

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

static int w_item(void *ctx, const vigil_bank_item *it) { return vigil_bank_writer_add(ctx, it); }
static int w_bad(void *ctx, uint64_t line, const char *field, const char *reason) {
  fail_msg("unexpected bad record at line %llu", (unsigned long long)line);
  return 0;
}

static void bank_from(fx *f, const char *name, const char *kind, const char *data, size_t len) {
  int64_t id;
  assert_int_equal(vigil_store_begin(f->s), 0);
  assert_int_equal(vigil_store_bank_create(f->s, vigil_str_c(name), vigil_str_c(kind), VIGIL_STR_NULL, &id), 0);
  assert_int_equal(vigil_store_commit(f->s), 0);
  vigil_bank b;
  assert_int_equal(vigil_bank_find(f->s, vigil_str_c(name), &b), 0);
  vigil_bank_writer *w;
  assert_int_equal(vigil_bank_writer_open(&w, f->s, f->idx, &b), 0);
  vigil_bank_parse_cbs cbs = {w_item, w_bad, w};
  assert_int_equal(vigil_bank_parse(b.kind, data, len, NULL, &cbs), 0);
  assert_int_equal(vigil_bank_writer_close(w, "test", "unit", NULL), 0);
}

/* hashes of a file, one per line */
static size_t load_hashes(const char *path, uint8_t **out, char **raw) {
  size_t len;
  *raw = vt_read_file(path, &len);
  assert_non_null(*raw);
  size_t n = 0, cap = 2048;
  *out = malloc(cap * 32);
  for (char *p = *raw; *p;) {
    char *nl = strchr(p, '\n');
    size_t l = nl ? (size_t)(nl - p) : strlen(p);
    if (l >= 64) {
      assert_true(n < cap);
      assert_int_equal(vigil_pdq_parse_hex(p, 64, *out + n * 32), 0);
      n++;
    }
    p = nl ? nl + 1 : p + l;
  }
  return n;
}

typedef struct pairs {
  uint64_t *v; /* query << 32 | distance << 16 | haystack slot */
  size_t n, cap;
  const uint8_t *hay;
  size_t nhay;
} pairs;

static int pair_cb(void *ctx, size_t q, const vigil_match_hit *h) {
  pairs *p = ctx;
  uint8_t hh[32];
  assert_int_equal(h->value.len, 64);
  assert_int_equal(vigil_pdq_parse_hex(h->value.ptr, 64, hh), 0);
  size_t slot = p->nhay;
  for (size_t i = 0; i < p->nhay; i++)
    if (!memcmp(p->hay + i * 32, hh, 32)) slot = i;
  assert_true(slot < p->nhay);
  if (p->n == p->cap) {
    p->cap = p->cap ? p->cap * 2 : 1024;
    p->v = realloc(p->v, p->cap * sizeof *p->v);
  }
  p->v[p->n++] = (uint64_t)q << 32 | (uint64_t)h->score << 16 | slot;
  return 0;
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

static void test_pdq_brute_force(void **state) {
  const char *hp = vt_shared("pdq/reg-test-input/haystack.txt");
  if (!hp) skip();
  char hpath[1024];
  snprintf(hpath, sizeof hpath, "%s", hp);
  const char *np = vt_shared("pdq/reg-test-input/needles.txt");
  if (!np) skip();
  uint8_t *hay, *nee;
  char *hraw, *nraw;
  size_t nh = load_hashes(hpath, &hay, &hraw), nn = load_hashes(np, &nee, &nraw);
  assert_true(nh > 1000 && nn == 100);
  fx f;
  open_fx(&f, "matcher_bf");
  bank_from(&f, "hay", "pdq", hraw, strlen(hraw));
  const int thr[] = {0, 31, 63};
  size_t prev = 0;
  for (int t = 0; t < 3; t++) {
    vigil_match_opts o;
    vigil_match_opts_default(&o);
    o.pdq_threshold = thr[t];
    vigil_matcher *m;
    assert_int_equal(vigil_matcher_open(&m, f.s, f.idx, NULL, 0, &o, NULL), 0);
    pairs got = {NULL, 0, 0, hay, nh}, want = {NULL, 0, 0, hay, nh};
    assert_int_equal(vigil_matcher_pdq_batch(m, nee, nn, pair_cb, &got), 0);
    vigil_matcher_free(m);
    /* brute force, computed here without the index */
    for (size_t q = 0; q < nn; q++)
      for (size_t i = 0; i < nh; i++) {
        int d = 0;
        for (int k = 0; k < 32; k++) d += __builtin_popcount(nee[q * 32 + k] ^ hay[i * 32 + k]);
        if (d > thr[t]) continue;
        if (want.n == want.cap) {
          want.cap = want.cap ? want.cap * 2 : 1024;
          want.v = realloc(want.v, want.cap * sizeof *want.v);
        }
        want.v[want.n++] = (uint64_t)q << 32 | (uint64_t)d << 16 | i;
      }
    qsort(got.v, got.n, sizeof *got.v, cmp_u64);
    qsort(want.v, want.n, sizeof *want.v, cmp_u64);
    printf("threshold %d: %zu matches (brute force %zu)\n", thr[t], got.n, want.n);
    assert_int_equal(got.n, want.n);
    assert_memory_equal(got.v, want.v, want.n * sizeof *want.v);
    assert_true(want.n >= prev); /* thresholds nest */
    prev = want.n;
    free(got.v);
    free(want.v);
  }
  assert_true(prev > 100); /* the data has near duplicates at 63 */
  free(hay);
  free(nee);
  free(hraw);
  free(nraw);
  close_fx(&f);
}

typedef struct hits {
  char v[16][128];
  double score[16];
  int n;
} hits;
static int hit_cb(void *ctx, const vigil_match_hit *h) {
  hits *x = ctx;
  if (x->n < 16) {
    snprintf(x->v[x->n], 128, "%s:%.*s", h->bank->name, (int)(h->value.len > 60 ? 60 : h->value.len), h->value.ptr);
    x->score[x->n] = h->score;
  }
  x->n++;
  return 0;
}

static void test_digest_text_selection(void **state) {
  fx f;
  open_fx(&f, "matcher_sel");
  const char *md5s = "d41d8cd98f00b204e9800998ecf8427e\n900150983cd24fb0d6963f7d28e17f72\n";
  bank_from(&f, "m", "md5", md5s, strlen(md5s));
  const char *texts = "{\"text\":\"the soldiers of the caliphate will return to the lands of the crusaders soon\"}\n"
                      "{\"text\":\"a completely unrelated sentence about gardening and tomatoes in spring\"}\n";
  bank_from(&f, "t", "text", texts, strlen(texts));
  const char *md5b = "900150983cd24fb0d6963f7d28e17f72\n";
  bank_from(&f, "m2", "md5", md5b, strlen(md5b));
  vigil_matcher *m;
  assert_int_equal(vigil_matcher_open(&m, f.s, f.idx, NULL, 0, NULL, NULL), 0);
  hits h = {0};
  assert_int_equal(vigil_matcher_digest(m, VIGIL_BANK_MD5, VIGIL_STR_LIT("900150983cd24fb0d6963f7d28e17f72"), hit_cb, &h), 0);
  assert_int_equal(h.n, 2);
  assert_string_equal(h.v[0], "m:900150983cd24fb0d6963f7d28e17f72");
  assert_string_equal(h.v[1], "m2:900150983cd24fb0d6963f7d28e17f72");
  h.n = 0;
  /* near copy (one word changed, different case and punctuation) */
  assert_int_equal(vigil_matcher_text(m, VIGIL_STR_LIT("The soldiers of the Caliphate will return to the LANDS of the crusaders very soon!!"), hit_cb, &h), 0);
  assert_int_equal(h.n, 1);
  assert_true(h.score[0] >= 0.6 && h.score[0] <= 1.0);
  h.n = 0;
  assert_int_equal(vigil_matcher_text(m, VIGIL_STR_LIT("soon crusaders the of lands the to return will caliphate the of soldiers the"), hit_cb, &h), 0);
  assert_int_equal(h.n, 0);
  vigil_matcher_free(m);
  /* disabled banks are skipped unless named */
  vigil_bank b;
  assert_int_equal(vigil_bank_find(f.s, VIGIL_STR_LIT("m2"), &b), 0);
  vigil_change ch;
  assert_int_equal(vigil_store_begin(f.s), 0);
  assert_int_equal(vigil_store_bank_set_enabled(f.s, b.id, 0, &ch), 0);
  assert_int_equal(vigil_store_commit(f.s), 0);
  assert_int_equal(ch, VIGIL_UPDATED);
  assert_int_equal(vigil_matcher_open(&m, f.s, f.idx, NULL, 0, NULL, NULL), 0);
  assert_int_equal(vigil_matcher_count(m, VIGIL_BANK_MD5), 1);
  vigil_matcher_free(m);
  const char *names[] = {"m2"};
  assert_int_equal(vigil_matcher_open(&m, f.s, f.idx, names, 1, NULL, NULL), 0);
  h.n = 0;
  assert_int_equal(vigil_matcher_digest(m, VIGIL_BANK_MD5, VIGIL_STR_LIT("900150983cd24fb0d6963f7d28e17f72"), hit_cb, &h), 0);
  assert_int_equal(h.n, 1);
  assert_string_equal(h.v[0], "m2:900150983cd24fb0d6963f7d28e17f72");
  vigil_matcher_free(m);
  const char *bad[] = {"nope"};
  const char *missing = NULL;
  assert_int_equal(vigil_matcher_open(&m, f.s, f.idx, bad, 1, NULL, &missing), VIGIL_ENOTFOUND);
  assert_string_equal(missing, "nope");
  close_fx(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_pdq_brute_force),
      cmocka_unit_test(test_digest_text_selection),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
