/* Normalisation, tokens, stemming and hashtags; cases in
 * tests/data/text/normalize.txt. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "cases.h"
#include "vigil/error.h"
#include "vigil/text.h"

static unsigned parse_flags(const char *s) {
  unsigned f = 0;
  if (strstr(s, "keep_urls")) f |= VIGIL_TEXT_KEEP_URLS;
  if (strstr(s, "keep_mentions")) f |= VIGIL_TEXT_KEEP_MENTIONS;
  if (strstr(s, "hashtag_words")) f |= VIGIL_TEXT_HASHTAG_WORDS;
  if (strstr(s, "drop_placeholders")) f |= VIGIL_TEXT_DROP_PLACEHOLDERS;
  if (strstr(s, "keep_marks")) f |= VIGIL_TEXT_KEEP_MARKS;
  return f;
}

static void test_cases_file(void **state) {
  (void)state;
  tcase *v = NULL;
  int n = tc_load(vt_testdata("text/normalize.txt"), &v);
  assert_true(n >= 40);
  int bad = 0;
  vigil_buf out = VIGIL_BUF_INIT;
  for (int i = 0; i < n; i++) {
    tcase *c = &v[i];
    if (c->ncol < 2) {
      fprintf(stderr, "normalize.txt:%d: malformed case line\n", c->lineno);
      bad++;
      continue;
    }
    unsigned flags = c->ncol > 2 ? parse_flags(c->col[2]) : 0;
    int rc = vigil_text_normalize((vigil_str){c->col[0], c->len[0]}, flags, &out);
    const char *got = rc ? vigil_errname(rc) : out.data;
    const char *want = c->col[1][0] == '!' ? c->col[1] + 1 : c->col[1];
    if (strcmp(got, want) != 0) {
      fprintf(stderr, "normalize.txt:%d: got \"%s\", want \"%s\"\n", c->lineno, got, want);
      bad++;
    }
    if (rc == 0 && out.len != strlen(out.data)) bad++;
  }
  vigil_buf_release(&out);
  tc_free(v, n);
  assert_int_equal(bad, 0);
}

static void test_bounds(void **state) {
  (void)state;
  vigil_buf out = VIGIL_BUF_INIT;
  size_t n = VIGIL_TEXT_MAX_INPUT + 1;
  char *big = malloc(n);
  memset(big, 'a', n);
  assert_int_equal(vigil_text_normalize((vigil_str){big, n}, 0, &out), VIGIL_ETOOBIG);
  /* at the limit it works, and the worst NFKC expander (U+FDFA, 18
   * codepoints from 3 bytes) stays within the output bound */
  for (size_t i = 0; i + 3 <= VIGIL_TEXT_MAX_INPUT; i += 3) memcpy(big + i, "\xef\xb7\xba", 3);
  size_t m = VIGIL_TEXT_MAX_INPUT / 3 * 3;
  assert_int_equal(vigil_text_normalize((vigil_str){big, m}, 0, &out), 0);
  assert_true(out.len > m);
  free(big);
  assert_int_equal(vigil_text_normalize((vigil_str){NULL, 3}, 0, &out), VIGIL_EINVAL);
  assert_int_equal(vigil_text_normalize((vigil_str){NULL, 0}, 0, &out), 0);
  assert_string_equal(out.data, "");
  /* an error leaves the output empty */
  assert_int_equal(vigil_text_normalize(vigil_str_c("ok \xff"), 0, &out), VIGIL_EUTF8);
  assert_int_equal(out.len, 0);
  vigil_buf_release(&out);
}

static void join(const vigil_tokens *t, char *buf, size_t cap) {
  buf[0] = '\0';
  size_t k = 0;
  for (size_t i = 0; i < t->n; i++) {
    k += (size_t)snprintf(buf + k, cap - k, "%s%.*s", i ? "|" : "", (int)t->tok[i].len,
                          t->tok[i].ptr);
    assert_true(k < cap);
    assert_int_equal(t->tok[i].ptr[t->tok[i].len], '\0');
  }
}

static void test_tokens(void **state) {
  (void)state;
  vigil_tokens t;
  vigil_tokens_init(&t);
  char buf[512];
  assert_int_equal(vigil_text_tokens(vigil_str_c("The Runners were RUNNING to connections! "
                                                 "https://t.co/x @bob #Running"),
                                     0, VIGIL_STEM_NONE, &t), 0);
  join(&t, buf, sizeof buf);
  assert_string_equal(buf, "the|runners|were|running|to|connections|<url>|<user>|#running");
  assert_int_equal(vigil_text_tokens(vigil_str_c("The Runners were RUNNING to connections! "
                                                 "https://t.co/x @bob #Running"),
                                     0, VIGIL_STEM_ENGLISH, &t), 0);
  join(&t, buf, sizeof buf);
  assert_string_equal(buf, "the|runner|were|run|to|connect|<url>|<user>|#running");
  assert_int_equal(vigil_text_tokens(vigil_str_c("les continuellement mangées"), 0,
                                     VIGIL_STEM_FRENCH, &t), 0);
  join(&t, buf, sizeof buf);
  /* accents are stripped before stemming: the stemmer sees "mangees" */
  assert_string_equal(buf, "le|continuel|mange");
  /* Arabic: article and attached prepositions stripped, never Snowball */
  assert_int_equal(vigil_text_tokens(vigil_str_c("والكتاب بالله الدولة الا لله English"), 0,
                                     VIGIL_STEM_ENGLISH, &t), 0);
  join(&t, buf, sizeof buf);
  assert_string_equal(buf, "كتاب|له|دوله|الا|لله|english"); /* لله: 1 letter would remain */
  assert_int_equal(vigil_text_tokens(vigil_str_c("والكتاب Running"), 0,
                                     VIGIL_STEM_ARABIC_ONLY, &t), 0);
  join(&t, buf, sizeof buf);
  assert_string_equal(buf, "كتاب|running");
  assert_int_equal(vigil_text_tokens(vigil_str_c("@a http://x.y hi"), VIGIL_TEXT_DROP_PLACEHOLDERS,
                                     VIGIL_STEM_NONE, &t), 0);
  join(&t, buf, sizeof buf);
  assert_string_equal(buf, "hi");
  assert_int_equal(vigil_text_tokens(vigil_str_c(""), 0, VIGIL_STEM_NONE, &t), 0);
  assert_int_equal(t.n, 0);
  assert_int_equal(vigil_text_tokens(vigil_str_c("a\xc3"), 0, VIGIL_STEM_NONE, &t), VIGIL_EUTF8);
  assert_int_equal(t.n, 0);
  assert_int_equal(vigil_text_tokens(vigil_str_c("a"), 0, (vigil_stem)99, &t), VIGIL_EINVAL);
  vigil_tokens_release(&t);
}

static void test_light_stem(void **state) {
  (void)state;
  struct { const char *in, *out; } c[] = {
      {"الكتاب", "كتاب"}, {"وال", "وال"}, {"فالحق", "حق"}, {"للمسلمين", "مسلمين"},
      {"ال", "ال"}, {"book", "book"}, {"كالبحر", "بحر"}, {"الى", "الى"}};
  for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
    char b[64];
    strcpy(b, c[i].in);
    size_t l = vigil_text_arabic_light_stem(b, strlen(b));
    b[l] = '\0';
    assert_string_equal(b, c[i].out);
  }
}

static void test_hashtags(void **state) {
  (void)state;
  vigil_tokens t;
  vigil_tokens_init(&t);
  char buf[256];
  assert_int_equal(vigil_text_hashtags(vigil_str_c("#ISIS news #Syria #isis x#y #Amaaq_news "
                                                   "#الدولة_الإسلامية http://a.b/#frag"),
                                       &t), 0);
  join(&t, buf, sizeof buf);
  assert_string_equal(buf, "isis|syria|amaaq_news|الدوله_الاسلاميه");
  assert_int_equal(vigil_text_hashtags(vigil_str_c("no tags here"), &t), 0);
  assert_int_equal(t.n, 0);
  vigil_tokens_release(&t);
}

static void test_hash(void **state) {
  (void)state;
  vigil_hash128 a, b, c;
  assert_int_equal(vigil_text_hash(vigil_str_c("CAFÉ!!  https://t.co/xyz"), 0, &a), 0);
  assert_int_equal(vigil_text_hash(vigil_str_c("cafe http://example.com/long"), 0, &b), 0);
  assert_int_equal(vigil_text_hash(vigil_str_c("cafe x"), 0, &c), 0);
  assert_true(a.lo == b.lo && a.hi == b.hi);
  assert_false(a.lo == c.lo && a.hi == c.hi);
  assert_int_equal(vigil_text_hash(vigil_str_c("\xff"), 0, &c), VIGIL_EUTF8);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_cases_file), cmocka_unit_test(test_bounds),
      cmocka_unit_test(test_tokens),     cmocka_unit_test(test_light_stem),
      cmocka_unit_test(test_hashtags),   cmocka_unit_test(test_hash),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
