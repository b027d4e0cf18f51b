/* Unit tests of the edge-list parser (src/ingest/edgelist.c): per-edge and
 * batched entry points, fixtures in tests/data/ingest/edgelist/, and the SNAP
 * ego-Twitter graph from the shared data (skipped when absent). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/edgelist.h"
#include "testutil.h"
#include "vigil/error.h"
#include "vigil/parse.h"

typedef struct coll {
  char *text; /* all events, one per line */
  size_t len, cap;
  size_t n_edge, n_rej, n_ckpt, n_batches;
  uint64_t ckpt_line, ckpt_off;
  int want_kind;
  int64_t want_seen;
  int strict;
} coll;

static void put(coll *c, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char tmp[1024];
  int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  assert_true(n >= 0 && (size_t)n < sizeof tmp);
  if (c->len + (size_t)n + 1 > c->cap) {
    c->cap = (c->cap + (size_t)n + 1) * 2;
    c->text = realloc(c->text, c->cap);
    assert_non_null(c->text);
  }
  memcpy(c->text + c->len, tmp, (size_t)n + 1);
  c->len += (size_t)n;
}

static void check_edge(coll *c, const vigil_edge *e) {
  assert_int_equal(e->kind, c->want_kind);
  assert_true(e->seen_at == c->want_seen);
  assert_true(vigil_str_eq_c(e->platform, "twitter"));
  assert_null(e->src.username.ptr);
  assert_null(e->dst.username.ptr);
  assert_true(e->weight >= 1);
}

static int on_edge(void *ctx, const vigil_srcpos *pos, const vigil_edge *e) {
  coll *c = ctx;
  check_edge(c, e);
  c->n_edge++;
  put(c, "E %llu %.*s %.*s %lld\n", (unsigned long long)pos->line, (int)e->src.platform_id.len,
      e->src.platform_id.ptr, (int)e->dst.platform_id.len, e->dst.platform_id.ptr,
      (long long)e->weight);
  return 0;
}

/* batch entries carry no line numbers */
static int on_batch(void *ctx, const vigil_edge *e, size_t n) {
  coll *c = ctx;
  assert_true(n >= 1 && n <= VIGIL_EDGE_BATCH);
  c->n_batches++;
  for (size_t i = 0; i < n; i++) {
    check_edge(c, &e[i]);
    c->n_edge++;
    put(c, "E %.*s %.*s %lld\n", (int)e[i].src.platform_id.len, e[i].src.platform_id.ptr,
        (int)e[i].dst.platform_id.len, e[i].dst.platform_id.ptr, (long long)e[i].weight);
  }
  return 0;
}

static int on_reject(void *ctx, const vigil_srcpos *pos, const char *field, const char *reason) {
  coll *c = ctx;
  c->n_rej++;
  put(c, "R %llu %s: %s\n", (unsigned long long)pos->line, field, reason);
  return c->strict ? VIGIL_EPARSE : 0;
}

static int on_ckpt(void *ctx, const vigil_srcpos *next) {
  coll *c = ctx;
  assert_true(next->offset >= c->ckpt_off);
  assert_true(next->line >= c->ckpt_line);
  c->ckpt_off = next->offset;
  c->ckpt_line = next->line;
  c->n_ckpt++;
  return 0;
}

static void coll_init(coll *c, int kind, int64_t seen) {
  memset(c, 0, sizeof *c);
  c->want_kind = kind;
  c->want_seen = seen;
}

static int run(vigil_reader *r, coll *c, int batch) {
  vigil_parse_opts o;
  vigil_parse_opts_init(&o);
  o.edge_kind = c->want_kind;
  o.observed_at = c->want_seen;
  vigil_sink s = {c, NULL, NULL, NULL, on_edge, on_reject, on_ckpt};
  return batch ? vigil_parse_edgelist_batch(r, &o, &s, on_batch, c) : vigil_parse_edgelist(r, &o, &s);
}

static int run_file(const char *path, coll *c, int batch) {
  vigil_reader *r;
  assert_int_equal(vigil_reader_open(path, &r), 0);
  int rc = run(r, c, batch);
  vigil_reader_free(r);
  return rc;
}

static int run_mem(const char *d, size_t n, coll *c, int batch) {
  vigil_reader *r;
  assert_int_equal(vigil_reader_open_mem(d, n, "mem", &r), 0);
  int rc = run(r, c, batch);
  vigil_reader_free(r);
  return rc;
}

/* Drops the line number from edge events so the two entry points compare. */
static char *strip_edge_lines(const char *t) {
  char *out = malloc(strlen(t) + 1);
  char *w = out;
  while (*t) {
    const char *nl = strchr(t, '\n');
    size_t n = nl ? (size_t)(nl - t + 1) : strlen(t);
    if (t[0] == 'E') {
      const char *sp = strchr(t + 2, ' ');
      *w++ = 'E';
      size_t k = (size_t)(t + n - sp);
      memcpy(w, sp, k);
      w += k;
    } else {
      memcpy(w, t, n);
      w += n;
    }
    t += n;
  }
  *w = 0;
  return out;
}

static void test_basic_fixture(void **state) {
  (void)state;
  size_t elen;
  char *exp = vt_read_file(vt_testdata("ingest/edgelist/basic.expected"), &elen);
  assert_non_null(exp);
  /* drop the comment line of the expectation file */
  char *want = strchr(exp, '\n') + 1;
  char path[4096];
  snprintf(path, sizeof path, "%s", vt_testdata("ingest/edgelist/basic.txt"));
  size_t flen;
  char *file = vt_read_file(path, &flen);
  assert_non_null(file);

  coll c;
  coll_init(&c, VIGIL_EDGE_MENTION, 1234567);
  assert_int_equal(run_file(path, &c, 0), 0);
  if (strcmp(c.text, want) != 0) fail_msg("got:\n%s\nwant:\n%s", c.text, want);
  /* a checkpoint after every line, the last one at the end of the file */
  assert_int_equal(c.n_ckpt, 22);
  assert_int_equal(c.ckpt_line, 22);
  assert_int_equal(c.ckpt_off, flen);

  /* the batched fast path gives the same edges and rejects in the same order */
  coll b;
  coll_init(&b, VIGIL_EDGE_MENTION, 1234567);
  assert_int_equal(run_file(path, &b, 1), 0);
  char *w2 = strip_edge_lines(want);
  if (strcmp(b.text, w2) != 0) fail_msg("batch got:\n%s\nwant:\n%s", b.text, w2);
  assert_int_equal(b.ckpt_off, flen);
  assert_int_equal(b.ckpt_line, 22);
  free(w2);
  free(b.text);
  free(c.text);
  free(file);
  free(exp);
}

/* Many lines with bad ones sprinkled in: both entry points agree across batch
 * boundaries, and checkpoints of the batched path land at batch ends. */
static void test_batch_equivalence(void **state) {
  (void)state;
  size_t n = 3 * VIGIL_EDGE_BATCH + 123;
  char *buf = malloc(n * 40);
  size_t k = 0;
  uint64_t x = 88172645463325252ULL;
  for (size_t i = 0; i < n; i++) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    if (i % 997 == 5) k += (size_t)sprintf(buf + k, "bad line here\n");
    else if (i % 1999 == 7) k += (size_t)sprintf(buf + k, "# comment %zu\n", i);
    else k += (size_t)sprintf(buf + k, "%llu\t%llu %llu\n", (unsigned long long)(x % 100000),
                              (unsigned long long)((x >> 20) % 100000),
                              (unsigned long long)(1 + (x >> 40) % 9));
  }
  coll a, b;
  coll_init(&a, VIGIL_EDGE_FOLLOW, VIGIL_TIME_UNKNOWN);
  coll_init(&b, VIGIL_EDGE_FOLLOW, VIGIL_TIME_UNKNOWN);
  assert_int_equal(run_mem(buf, k, &a, 0), 0);
  assert_int_equal(run_mem(buf, k, &b, 1), 0);
  char *sa = strip_edge_lines(a.text);
  assert_string_equal(sa, b.text);
  assert_int_equal(a.n_edge, b.n_edge);
  assert_true(a.n_rej > 5);
  assert_true(b.n_batches >= 4);
  assert_int_equal(a.ckpt_off, k);
  assert_int_equal(b.ckpt_off, k);
  assert_int_equal(a.n_ckpt, n);
  assert_true(b.n_ckpt < n / 100);
  free(sa);
  free(a.text);
  free(b.text);
  free(buf);
}

/* A checkpoint is a resume point: seeking there gives exactly the rest. */
static void test_resume_from_checkpoint(void **state) {
  (void)state;
  const char *path = vt_testdata("ingest/edgelist/basic.txt");
  char p2[4096];
  snprintf(p2, sizeof p2, "%s", path);
  coll all;
  coll_init(&all, VIGIL_EDGE_FOLLOW, VIGIL_TIME_UNKNOWN);
  assert_int_equal(run_file(p2, &all, 0), 0);
  /* parse the first 6 lines' worth: stop at the checkpoint of line 6 */
  size_t flen;
  char *file = vt_read_file(p2, &flen);
  size_t off = 0;
  for (int i = 0; i < 6; i++) off = (size_t)(strchr(file + off, '\n') - file) + 1;
  vigil_reader *r;
  assert_int_equal(vigil_reader_open(p2, &r), 0);
  assert_int_equal(vigil_reader_seek_line(r, off, 6), 0);
  coll rest;
  coll_init(&rest, VIGIL_EDGE_FOLLOW, VIGIL_TIME_UNKNOWN);
  assert_int_equal(run(r, &rest, 0), 0);
  vigil_reader_free(r);
  const char *suffix = strstr(all.text, "R 9 ");
  assert_non_null(suffix);
  assert_string_equal(rest.text, suffix);
  free(file);
  free(all.text);
  free(rest.text);
}

static void test_strict_abort(void **state) {
  (void)state;
  const char *d = "1 2\nbad\n3 4\n";
  coll c;
  coll_init(&c, VIGIL_EDGE_FOLLOW, VIGIL_TIME_UNKNOWN);
  c.strict = 1;
  assert_int_equal(run_mem(d, strlen(d), &c, 0), VIGIL_EPARSE);
  assert_string_equal(c.text, "E 1 1 2 1\nR 2 fields: expected 2 or 3 fields\n");
  coll b;
  coll_init(&b, VIGIL_EDGE_FOLLOW, VIGIL_TIME_UNKNOWN);
  b.strict = 1;
  assert_int_equal(run_mem(d, strlen(d), &b, 1), VIGIL_EPARSE);
  assert_string_equal(b.text, "E 1 2 1\nR 2 fields: expected 2 or 3 fields\n");
  free(c.text);
  free(b.text);
}

static void test_line_over_reader_cap(void **state) {
  (void)state;
  char d[512];
  memset(d, 'z', sizeof d);
  memcpy(d, "1 2\n", 4);
  memcpy(d + 400, "\n5 6\n", 5);
  vigil_reader *r;
  assert_int_equal(vigil_reader_open_mem(d, 405, "mem", &r), 0);
  vigil_reader_set_max_line(r, 100);
  coll c;
  coll_init(&c, VIGIL_EDGE_FOLLOW, VIGIL_TIME_UNKNOWN);
  assert_int_equal(run(r, &c, 0), 0);
  vigil_reader_free(r);
  assert_string_equal(c.text, "E 1 1 2 1\nR 2 line: line exceeds the reader's line cap\nE 3 5 6 1\n");
  free(c.text);
}

static void test_empty_and_comments_only(void **state) {
  (void)state;
  coll c;
  coll_init(&c, VIGIL_EDGE_FOLLOW, VIGIL_TIME_UNKNOWN);
  assert_int_equal(run_mem("", 0, &c, 0), 0);
  assert_int_equal(c.n_edge + c.n_rej + c.n_ckpt, 0);
  const char *d = "# only\n% comments\n\n";
  assert_int_equal(run_mem(d, strlen(d), &c, 0), 0);
  assert_int_equal(c.n_edge + c.n_rej, 0);
  assert_int_equal(c.n_ckpt, 3);
  free(c.text);
}

static void test_bad_kind_option(void **state) {
  (void)state;
  vigil_reader *r;
  assert_int_equal(vigil_reader_open_mem("1 2\n", 4, "mem", &r), 0);
  vigil_parse_opts o;
  vigil_parse_opts_init(&o);
  o.edge_kind = 99;
  coll c;
  coll_init(&c, 0, 0);
  vigil_sink s = {&c, NULL, NULL, NULL, on_edge, on_reject, on_ckpt};
  assert_int_equal(vigil_parse_edgelist(r, &o, &s), VIGIL_EINVAL);
  vigil_reader_free(r);
}

/* Random bytes: no crash; every edge that comes out is well formed. */
static int bin_edge(void *ctx, const vigil_srcpos *pos, const vigil_edge *e) {
  size_t *n = ctx;
  assert_true(e->src.platform_id.len >= 1 && e->src.platform_id.len <= 256);
  assert_true(e->dst.platform_id.len >= 1 && e->dst.platform_id.len <= 256);
  assert_true(vigil_utf8_valid(e->src.platform_id.ptr, e->src.platform_id.len));
  assert_true(vigil_utf8_valid(e->dst.platform_id.ptr, e->dst.platform_id.len));
  for (size_t i = 0; i < e->src.platform_id.len; i++) {
    unsigned char ch = (unsigned char)e->src.platform_id.ptr[i];
    assert_true(ch > ' ' && ch != 0x7F);
  }
  (*n)++;
  return 0;
}

static int bin_reject(void *ctx, const vigil_srcpos *pos, const char *f, const char *r) {
  return 0;
}

static void test_binary(void **state) {
  (void)state;
  size_t n = 1 << 18;
  unsigned char *buf = malloc(n);
  uint64_t x = 0x2545F4914F6CDD1DULL;
  for (size_t i = 0; i < n; i++) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    /* bias towards separators and newlines so that lines are short */
    unsigned v = (unsigned)(x >> 32) & 0xFF;
    buf[i] = v < 40 ? ' ' : v < 60 ? '\n' : v < 140 ? (unsigned char)('0' + v % 10) : (unsigned char)v;
  }
  size_t edges = 0;
  vigil_reader *r;
  assert_int_equal(vigil_reader_open_mem(buf, n, "bin", &r), 0);
  vigil_parse_opts o;
  vigil_parse_opts_init(&o);
  vigil_sink s = {&edges, NULL, NULL, NULL, bin_edge, bin_reject, NULL};
  assert_int_equal(vigil_parse_edgelist(r, &o, &s), 0);
  vigil_reader_free(r);
  fprintf(stderr, "binary: %zu well-formed edges\n", edges);
  free(buf);
}

/* ---- shared data: SNAP ego-Twitter ----------------------------------------------- */

typedef struct nodeset {
  uint64_t *slot; /* value + 1; 0 = empty */
  size_t cap, n;
  size_t edges, rejects, non_numeric;
} nodeset;

static void ns_add(nodeset *s, vigil_str id) {
  uint64_t v = 0;
  if (id.len == 0 || id.len > 19) {
    s->non_numeric++;
    return;
  }
  for (size_t i = 0; i < id.len; i++) {
    unsigned d = (unsigned)(id.ptr[i] - '0');
    if (d > 9) {
      s->non_numeric++;
      return;
    }
    v = v * 10 + d;
  }
  uint64_t key = v + 1;
  size_t i = (size_t)((key * 0x9E3779B97F4A7C15ULL) >> 40) & (s->cap - 1);
  while (s->slot[i]) {
    if (s->slot[i] == key) return;
    i = (i + 1) & (s->cap - 1);
  }
  s->slot[i] = key;
  s->n++;
  assert_true(s->n < s->cap / 2);
}

static int ns_edge(void *ctx, const vigil_srcpos *pos, const vigil_edge *e) {
  nodeset *s = ctx;
  s->edges++;
  ns_add(s, e->src.platform_id);
  ns_add(s, e->dst.platform_id);
  return 0;
}

static int ns_batch(void *ctx, const vigil_edge *e, size_t n) {
  for (size_t i = 0; i < n; i++) ns_edge(ctx, NULL, &e[i]);
  return 0;
}

static int ns_reject(void *ctx, const vigil_srcpos *pos, const char *f, const char *r) {
  ((nodeset *)ctx)->rejects++;
  return 0;
}

static void test_shared_ego_twitter(void **state) {
  (void)state;
  const char *p = vt_shared("ego-twitter/twitter_combined.reconstructed.txt.gz");
  if (!p) skip();
  char path[4096];
  snprintf(path, sizeof path, "%s", p);
  for (int batch = 0; batch <= 1; batch++) {
    nodeset s;
    memset(&s, 0, sizeof s);
    s.cap = 1 << 18;
    s.slot = calloc(s.cap, sizeof *s.slot);
    vigil_reader *r;
    assert_int_equal(vigil_reader_open(path, &r), 0);
    assert_true(vigil_reader_is_gzip(r));
    vigil_parse_opts o;
    vigil_parse_opts_init(&o);
    vigil_sink sk = {&s, NULL, NULL, NULL, ns_edge, ns_reject, NULL};
    int rc = batch ? vigil_parse_edgelist_batch(r, &o, &sk, ns_batch, &s)
                   : vigil_parse_edgelist(r, &o, &sk);
    assert_int_equal(rc, 0);
    vigil_reader_free(r);
    fprintf(stderr, "ego-twitter (%s): %zu edges, %zu distinct nodes, %zu rejects\n",
            batch ? "batch" : "per-edge", s.edges, s.n, s.rejects);
    assert_int_equal(s.rejects, 0);
    assert_int_equal(s.non_numeric, 0);
    assert_int_equal(s.edges, 1768149);
    assert_int_equal(s.n, 81306);
    free(s.slot);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_basic_fixture),
      cmocka_unit_test(test_batch_equivalence),
      cmocka_unit_test(test_resume_from_checkpoint),
      cmocka_unit_test(test_strict_abort),
      cmocka_unit_test(test_line_over_reader_cap),
      cmocka_unit_test(test_empty_and_comments_only),
      cmocka_unit_test(test_bad_kind_option),
      cmocka_unit_test(test_binary),
      cmocka_unit_test(test_shared_ego_twitter),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
