/* Unit tests of vigil's JSON tree parser (src/ingest/json_tree.c).
 *
 * Data-driven cases in tests/data/json_tree/ (in the spirit of
 * JSONTestSuite): y_*.json must parse and its canonical dump must equal
 * y_*.out (written independently, from Python's json module); n_*.json must
 * be rejected, with the reason in n_*.err. Plus number helpers, the depth
 * limit, the arena, and a scalar-vs-SIMD sweep of string scanning. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/json_tree.h"
#include "testutil.h"
#include "vigil/error.h"

/* ---- canonical dump ------------------------------------------------------------ */

typedef struct out {
  char *b;
  size_t n, cap;
} out;

static void put(out *o, const void *s, size_t n) {
  if (o->n + n + 1 > o->cap) {
    size_t cap = o->cap ? o->cap * 2 : 1024;
    while (cap < o->n + n + 1) cap *= 2;
    o->b = realloc(o->b, cap);
    assert_non_null(o->b);
    o->cap = cap;
  }
  memcpy(o->b + o->n, s, n);
  o->n += n;
  o->b[o->n] = '\0';
}
static void putc_(out *o, char c) { put(o, &c, 1); }

static void put_qstr(out *o, const char *s, size_t n) {
  putc_(o, '"');
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"') put(o, "\\\"", 2);
    else if (c == '\\') put(o, "\\\\", 2);
    else if (c < 0x20 || c == 0x7f) {
      char t[8];
      snprintf(t, sizeof t, "\\u%04x", c);
      put(o, t, 6);
    } else putc_(o, (char)c);
  }
  putc_(o, '"');
}

/* Also checks the tree's invariants: len of containers = child count,
 * members of objects have keys, elements of arrays do not. */
static void dump(out *o, const vjt_node *v) {
  switch (v->type) {
  case VJT_NULL: put(o, "null", 4); break;
  case VJT_TRUE: put(o, "true", 4); break;
  case VJT_FALSE: put(o, "false", 5); break;
  case VJT_NUMBER: put(o, vjt_str(v), v->len); break;
  case VJT_STRING: put_qstr(o, vjt_str(v), v->len); break;
  case VJT_ARRAY:
  case VJT_OBJECT: {
    int obj = v->type == VJT_OBJECT;
    putc_(o, obj ? '{' : '[');
    uint32_t n = 0;
    for (const vjt_node *c = vjt_child(v); c; c = c->next, n++) {
      if (n) putc_(o, ',');
      if (obj) {
        assert_non_null(c->key);
        put_qstr(o, c->key, c->key_len);
        putc_(o, ':');
      } else {
        assert_null(c->key);
      }
      dump(o, c);
    }
    assert_int_equal(n, v->len);
    putc_(o, obj ? '}' : ']');
    break;
  }
  default: fail_msg("bad node type %d", v->type);
  }
}

/* ---- data-driven cases ------------------------------------------------------------ */

static char *slurp(const char *dir, const char *name, size_t *len) {
  size_t a = strlen(dir), b = strlen(name);
  char *path = malloc(a + b + 2);
  memcpy(path, dir, a);
  path[a] = '/';
  memcpy(path + a + 1, name, b + 1);
  char *r = vt_read_file(path, len);
  free(path);
  return r;
}

static void test_cases(void **state) {
  (void)state;
  char dir[4096];
  snprintf(dir, sizeof dir, "%s", vt_testdata("json_tree"));
  DIR *d = opendir(dir);
  assert_non_null(d);
  struct dirent *de;
  size_t ny = 0, nn = 0, bad = 0;
  vjt_arena a;
  vjt_arena_init(&a);
  while ((de = readdir(d))) {
    const char *nm = de->d_name;
    size_t l = strlen(nm);
    if (l < 7 || strcmp(nm + l - 5, ".json") != 0) continue;
    if (nm[0] != 'y' && nm[0] != 'n') continue;
    size_t len;
    char *in = slurp(dir, nm, &len);
    assert_non_null(in);
    /* parse from an exact-size heap copy, so ASan sees any over-read */
    char *exact = malloc(len ? len : 1);
    memcpy(exact, in, len);
    vjt_node *root;
    vjt_error err;
    int rc = vjt_parse(&a, exact, len, &root, &err);
    char base[512];
    snprintf(base, sizeof base, "%.*s", (int)(l - 5), nm);
    char aux[600];
    if (nm[0] == 'y') {
      ny++;
      if (rc != 0) {
        fprintf(stderr, "%s: rejected at byte %zu: %s\n", nm, err.offset, err.reason);
        bad++;
      } else {
        out o = {0};
        dump(&o, root);
        putc_(&o, '\n');
        snprintf(aux, sizeof aux, "%s.out", base);
        size_t wl;
        char *want = slurp(dir, aux, &wl);
        if (!want) fprintf(stderr, "%s: missing %s\n", nm, aux), bad++;
        else if (wl != o.n || memcmp(want, o.b, wl) != 0)
          fprintf(stderr, "%s: dump\n got: %.200s want: %.200s\n", nm, o.b, want), bad++;
        free(want);
        free(o.b);
      }
    } else {
      nn++;
      if (rc == 0) {
        fprintf(stderr, "%s: accepted\n", nm);
        bad++;
      } else {
        if (rc != VIGIL_EPARSE) fprintf(stderr, "%s: rc %d\n", nm, rc), bad++;
        if (err.offset > len) fprintf(stderr, "%s: offset %zu > %zu\n", nm, err.offset, len), bad++;
        snprintf(aux, sizeof aux, "%s.err", base);
        size_t wl;
        char *want = slurp(dir, aux, &wl);
        if (want) {
          while (wl && (want[wl - 1] == '\n' || want[wl - 1] == '\r')) want[--wl] = '\0';
          if (!err.reason || strcmp(err.reason, want) != 0)
            fprintf(stderr, "%s: reason \"%s\", want \"%s\"\n", nm, err.reason, want), bad++;
        }
        free(want);
      }
    }
    vjt_arena_reset(&a);
    free(exact);
    free(in);
  }
  closedir(d);
  vjt_arena_free(&a);
  printf("json_tree cases: %zu accepted, %zu rejected, %zu wrong\n", ny, nn, bad);
  assert_true(ny >= 20);
  assert_true(nn >= 40);
  assert_int_equal(bad, 0);
}

/* ---- helpers and edges ------------------------------------------------------------- */

static vjt_node *parse_ok(vjt_arena *a, const char *s) {
  vjt_node *root;
  vjt_error err;
  int rc = vjt_parse(a, s, strlen(s), &root, &err);
  if (rc) fprintf(stderr, "%s: %s at %zu\n", s, err.reason, err.offset);
  assert_int_equal(rc, 0);
  return root;
}

static void test_numbers(void **state) {
  (void)state;
  vjt_arena a;
  vjt_arena_init(&a);
  vjt_node *r = parse_ok(&a, "[0,-0,42,-9223372036854775808,9223372036854775807,"
                             "9223372036854775808,-9223372036854775809,1.0,1e2,0.1,1e999,"
                             "12345678901234567890123456789012345678901234567890123456789012345678901234567890"
                             "12345678901234567890123456789012345678901234567890.5]");
  const vjt_node *c = vjt_child(r);
  int64_t x;
  double d;
  assert_int_equal(vjt_num_i64(c, &x), 0), assert_int_equal(x, 0), c = c->next;
  assert_int_equal(vjt_num_i64(c, &x), 0), assert_int_equal(x, 0), c = c->next;
  assert_int_equal(vjt_num_i64(c, &x), 0), assert_int_equal(x, 42), c = c->next;
  assert_int_equal(vjt_num_i64(c, &x), 0), assert_true(x == INT64_MIN), c = c->next;
  assert_int_equal(vjt_num_i64(c, &x), 0), assert_true(x == INT64_MAX), c = c->next;
  assert_int_equal(vjt_num_i64(c, &x), VIGIL_ERANGE), c = c->next;
  assert_int_equal(vjt_num_i64(c, &x), VIGIL_ERANGE), c = c->next;
  assert_int_equal(vjt_num_i64(c, &x), VIGIL_ETYPE); /* 1.0 is not integer syntax */
  assert_int_equal(vjt_num_double(c, &d), 0), assert_true(d == 1.0), c = c->next;
  assert_int_equal(vjt_num_double(c, &d), 0), assert_true(d == 100.0), c = c->next;
  assert_int_equal(vjt_num_double(c, &d), 0), assert_true(d == 0.1), c = c->next;
  assert_int_equal(vjt_num_double(c, &d), 0), assert_true(d > 1e308), c = c->next;
  /* longer than the on-stack copy: the heap path */
  assert_int_equal(vjt_num_double(c, &d), 0), assert_true(d > 1.2e129 && d < 1.24e129);
  assert_int_equal(vjt_num_i64(r, &x), VIGIL_ETYPE);
  assert_int_equal(vjt_num_double(r, &d), VIGIL_ETYPE);
  vjt_arena_free(&a);
}

static void test_get_and_flags(void **state) {
  (void)state;
  vjt_arena a;
  vjt_arena_init(&a);
  vjt_node *r = parse_ok(&a, "{\"id\":\"1\",\"idx\":2,\"text\":\"a\\nb\",\"plain\":\"xy\",\"z\\u0000\":\"p\\u0000q\"}");
  const vjt_node *v = vjt_get(r, "idx", 3);
  assert_non_null(v);
  assert_int_equal(v->type, VJT_NUMBER);
  assert_true(v->flags & VJT_F_INT);
  v = vjt_get(r, "id", 2);
  assert_non_null(v);
  assert_int_equal(v->len, 1);
  assert_memory_equal(vjt_str(v), "1", 1);
  assert_false(v->flags & VJT_F_COPIED);
  v = vjt_get(r, "text", 4);
  assert_true(v->flags & VJT_F_COPIED);
  assert_int_equal(v->len, 3);
  assert_string_equal(vjt_str(v), "a\nb"); /* copies are NUL-terminated */
  v = vjt_get(r, "z\0", 2);
  assert_non_null(v);
  assert_true(v->flags & VJT_F_KEY_NUL);
  assert_true(v->flags & VJT_F_STR_NUL);
  assert_int_equal(v->len, 3);
  assert_null(vjt_get(r, "nope", 4));
  assert_null(vjt_get(vjt_child(r), "id", 2)); /* not an object */
  vjt_arena_free(&a);
}

/* Nodes hold a 16-bit key length: longer keys (plain and escaped) keep their
 * bytes in a NUL-terminated copy, never match a lookup by a short key or by
 * their clamped length, and their neighbours are found as usual. A scalar
 * has no children and a container no string. */
static void test_long_keys_and_kinds(void **state) {
  (void)state;
  for (int escaped = 0; escaped < 2; escaped++) {
    size_t klen = 70000;
    char *doc = malloc(klen + 64);
    assert_non_null(doc);
    size_t n = 0;
    n += (size_t)sprintf(doc + n, "{\"a\":1,\"");
    for (size_t i = 0; i < klen; i++) doc[n++] = 'k';
    if (escaped) memcpy(doc + n - 6, "\\u0041", 6); /* the key's last char: 'A' */
    n += (size_t)sprintf(doc + n, "\":[true],\"b\":\"x\"}");
    vjt_arena a;
    vjt_arena_init(&a);
    vjt_node *r;
    vjt_error err;
    assert_int_equal(vjt_parse(&a, doc, n, &r, &err), 0);
    const vjt_node *c = vjt_child(r);
    assert_non_null(c);
    c = c->next;
    assert_true(c->flags & VJT_F_KEY_LONG);
    assert_int_equal(c->key_len, VJT_KEY_LEN_MAX);
    size_t want = escaped ? klen - 5 : klen;
    assert_int_equal(strlen(c->key), want);
    assert_int_equal(c->key[want - 1], escaped ? 'A' : 'k');
    assert_null(vjt_get(r, c->key, VJT_KEY_LEN_MAX));
    assert_int_equal(vjt_get(r, "b", 1)->type, VJT_STRING);
    assert_int_equal(vjt_get(r, "a", 1)->type, VJT_NUMBER);
    /* kinds: scalars have no children, containers no string */
    assert_null(vjt_child(vjt_get(r, "a", 1)));
    assert_null(vjt_child(vjt_get(r, "b", 1)));
    assert_null(vjt_str(c));
    assert_null(vjt_str(r));
    assert_int_equal(vjt_child(c)->type, VJT_TRUE);
    assert_null(vjt_str(vjt_child(c)));
    vjt_arena_free(&a);
    free(doc);
  }
}

/* Every position of a special byte relative to the 16-byte SIMD blocks and
 * the scalar tail: escape decoding and control-character rejection must not
 * depend on where the byte falls. */
static void test_scan_positions(void **state) {
  (void)state;
  vjt_arena a;
  vjt_arena_init(&a);
  for (size_t len = 0; len < 70; len++) {
    for (size_t at = 0; at <= len; at++) {
      for (int kind = 0; kind < 4; kind++) {
        char in[128], want[128];
        size_t n = 0, w = 0;
        in[n++] = '"';
        for (size_t i = 0; i < len; i++) {
          if (i == at) {
            if (kind == 0) in[n++] = '\\', in[n++] = 'n', want[w++] = '\n';
            else if (kind == 1) in[n++] = '\\', in[n++] = '"', want[w++] = '"';
            else if (kind == 2) in[n++] = '\x1f';
            else in[n++] = (char)0xC3, in[n++] = (char)0xA9, want[w++] = (char)0xC3, want[w++] = (char)0xA9;
          }
          char c = (char)('a' + i % 26);
          in[n++] = c;
          want[w++] = c;
        }
        in[n++] = '"';
        char *exact = malloc(n);
        memcpy(exact, in, n);
        vjt_node *r;
        vjt_error err;
        int rc = vjt_parse(&a, exact, n, &r, &err);
        if (kind == 2 && at < len) {
          assert_int_equal(rc, VIGIL_EPARSE);
          assert_string_equal(err.reason, "control character in string");
          assert_int_equal(err.offset, 1 + at);
        } else {
          assert_int_equal(rc, 0);
          assert_int_equal(r->type, VJT_STRING);
          assert_int_equal(r->len, w);
          assert_memory_equal(vjt_str(r), want, w);
        }
        /* cut anywhere: always "unterminated", never an over-read */
        for (size_t cut = 1; cut < n; cut++) assert_int_not_equal(vjt_parse(&a, exact, cut, &r, &err), 0);
        free(exact);
        vjt_arena_reset(&a);
      }
    }
  }
  vjt_arena_free(&a);
}

/* Large documents: many nodes across several arena chunks, then reuse. */
static void test_big_and_reuse(void **state) {
  (void)state;
  size_t n = 200000, cap = n * 24 + 16;
  char *s = malloc(cap);
  size_t k = 0;
  s[k++] = '[';
  for (size_t i = 0; i < n; i++) k += (size_t)snprintf(s + k, cap - k, "%s{\"k\":%zu}", i ? "," : "", i);
  s[k++] = ']';
  vjt_arena a;
  vjt_arena_init(&a);
  for (int round = 0; round < 3; round++) {
    vjt_node *r;
    vjt_error err;
    assert_int_equal(vjt_parse(&a, s, k, &r, &err), 0);
    assert_int_equal(r->len, n);
    size_t i = 0;
    for (const vjt_node *c = vjt_child(r); c; c = c->next, i++) {
      int64_t x;
      assert_int_equal(vjt_num_i64(vjt_child(c), &x), 0);
      assert_int_equal(x, (int64_t)i);
    }
    assert_int_equal(i, n);
    vjt_arena_reset(&a);
    /* after the reset one chunk is kept, big enough for the same again */
    assert_non_null(a.chunks);
  }
  vjt_arena_free(&a);
  free(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_cases),          cmocka_unit_test(test_numbers),
      cmocka_unit_test(test_get_and_flags),  cmocka_unit_test(test_scan_positions),
      cmocka_unit_test(test_big_and_reuse),  cmocka_unit_test(test_long_keys_and_kinds),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
