/* SVG chart helpers, log bins and the HTML/XML escapers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "vigil/error.h"
#include "vigil/report.h"

static int count(const char *h, const char *needle) {
  int n = 0;
  for (const char *p = h; (p = strstr(p, needle)); p++) n++;
  return n;
}

static void html_escaping(void **state) {
  (void)state;
  vigil_buf b = VIGIL_BUF_INIT;
  assert_int_equal(vigil_report_html_text(&b, VIGIL_STR_LIT("<script>alert(1)</script>"), 0), 0);
  assert_string_equal(b.data, "&lt;script&gt;alert(1)&lt;/script&gt;");
  vigil_buf_clear(&b);
  assert_int_equal(vigil_report_html_text(&b, VIGIL_STR_LIT("\"><img src=x onerror=alert(1)>"), 0), 0);
  assert_string_equal(b.data, "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;");
  vigil_buf_clear(&b);
  /* controls dropped, invalid UTF-8 replaced, valid multibyte kept, ' escaped */
  assert_int_equal(vigil_report_html_text(&b, (vigil_str){"a\x01" "b\xff'\xd8\xa3\0z", 9}, 0), 0);
  assert_string_equal(b.data, "ab\xef\xbf\xbd&#39;\xd8\xa3z");
  vigil_buf_clear(&b);
  /* a cut inside a character leaves no partial sequence */
  assert_int_equal(vigil_report_html_text(&b, VIGIL_STR_LIT("ab\xd8\xa3\xd8\xa3"), 3), 0);
  assert_string_equal(b.data, "ab\xe2\x80\xa6");
  vigil_buf_release(&b);
}

static void xml_escaping(void **state) {
  (void)state;
  vigil_buf b = VIGIL_BUF_INIT;
  static const char in[] = "<a&'\">\x0b\x1f\t\xef\xbf\xbf\xed\xa0\x80ok\xc3";
  assert_int_equal(vigil_xml_text(&b, (vigil_str){in, sizeof in - 1}), 0);
  assert_string_equal(b.data, "&lt;a&amp;&#39;&quot;&gt;\tok");
  vigil_buf_release(&b);
}

static void log_bins(void **state) {
  (void)state;
  assert_int_equal(vigil_log_bin(0, 14), 0);
  assert_int_equal(vigil_log_bin(0.5, 14), 0);
  assert_int_equal(vigil_log_bin(1, 14), 1);
  assert_int_equal(vigil_log_bin(2, 14), 1);
  assert_int_equal(vigil_log_bin(3, 14), 2);
  assert_int_equal(vigil_log_bin(9, 14), 2);
  assert_int_equal(vigil_log_bin(10, 14), 3);
  assert_int_equal(vigil_log_bin(29, 14), 3);
  assert_int_equal(vigil_log_bin(30, 14), 4);
  assert_int_equal(vigil_log_bin(1000, 14), 7);
  assert_int_equal(vigil_log_bin(1e12, 14), 13);
  assert_int_equal(vigil_log_bin(-1, 14), -1);
  char l[32];
  vigil_log_bin_label(0, 14, l), assert_string_equal(l, "0");
  vigil_log_bin_label(1, 14, l), assert_string_equal(l, "1\xe2\x80\x93" "2");
  vigil_log_bin_label(2, 14, l), assert_string_equal(l, "3\xe2\x80\x93" "9");
  vigil_log_bin_label(6, 14, l), assert_string_equal(l, "300\xe2\x80\x93" "999");
  vigil_log_bin_label(7, 14, l), assert_string_equal(l, "1k\xe2\x80\x93<3k");
  vigil_log_bin_label(13, 14, l), assert_string_equal(l, "1M+");
}

static void charts(void **state) {
  (void)state;
  const char *labels[] = {"ar", "<b>en</b>", "fr"};
  double a[] = {0.5, 0.25, 0.0}, c[] = {0.1, 0.6, 0.3};
  vigil_chart ch = {"Langs & <more>", labels, 3, {a, c}, {"Predicted supporters", "Everyone else"}, 2, 1};
  vigil_buf b = VIGIL_BUF_INIT;
  assert_int_equal(vigil_svg_vbars(&b, &ch), 0);
  assert_int_equal(count(b.data, "<svg"), 1);
  assert_int_equal(count(b.data, "</svg>"), 1);
  assert_int_equal(count(b.data, "<rect"), 6 + 2); /* 3x2 bars + 2 legend keys */
  assert_null(strstr(b.data, "<b>"));
  assert_non_null(strstr(b.data, "&lt;b&gt;en&lt;/b&gt;"));
  assert_non_null(strstr(b.data, "Langs &amp; &lt;more&gt;"));
  /* axis top: 0.6 -> 1 (nice), 60% bar height = 0.6 x plot height (168) */
  assert_non_null(strstr(b.data, ">100%<"));
  assert_non_null(strstr(b.data, "height=\"100.8\""));
  vigil_buf_clear(&b);
  assert_int_equal(vigil_svg_hbars(&b, &ch), 0);
  assert_int_equal(count(b.data, "<rect"), 8);
  assert_non_null(strstr(b.data, ">60%<"));
  assert_non_null(strstr(b.data, ">0%<"));
  /* one series, no data, bad input */
  vigil_buf_clear(&b);
  vigil_chart e = {"empty", NULL, 0, {NULL, NULL}, {"x", NULL}, 1, 0};
  assert_int_equal(vigil_svg_vbars(&b, &e), 0);
  assert_non_null(strstr(b.data, "no data"));
  e.nseries = 3;
  assert_int_equal(vigil_svg_hbars(&b, &e), VIGIL_EINVAL);
  vigil_buf_release(&b);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(html_escaping), cmocka_unit_test(xml_escaping),
                                     cmocka_unit_test(log_bins), cmocka_unit_test(charts)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
