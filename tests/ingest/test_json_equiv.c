/* Equivalence of the JSON parsers' output across parser rewrites.
 *
 * Every record the twarc2, twitter-v1 and mastodon parsers emit (and every
 * reject, with its field and reason) is serialised to text by a recording
 * sink. The dumps were produced by the cJSON-based parsers before vigil got
 * its own JSON tree parser (src/ingest/json_tree.c) and are the reference:
 *  - for the fixtures under tests/data/ingest the whole dump is kept in
 *    tests/data/json_equiv/<fixture>.<parser>.out and compared byte for byte
 *    (a mismatch prints the first differing line);
 *  - for the real twarc2 files of the shared data (not in the repo) the
 *    record count and a 64-bit FNV-1a hash of the dump are embedded below.
 * The only normalisation: a "malformed JSON near byte N..." reject is dumped
 * as "malformed JSON", because the byte where a parser notices the damage
 * is not part of the contract.
 *
 * VIGIL_JSON_EQUIV_WRITE=1 rewrites the .out files and prints the table of
 * shared-data hashes instead of checking (used once, with the old parser). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "vigil/error.h"
#include "vigil/parse.h"

typedef struct dump {
  char *buf;
  size_t len, cap;
  size_t records;
} dump;

static void put(dump *d, const char *s, size_t n) {
  if (d->len + n + 1 > d->cap) {
    size_t cap = d->cap ? d->cap : 4096;
    while (cap < d->len + n + 1) cap *= 2;
    char *b = realloc(d->buf, cap);
    assert_non_null(b);
    d->buf = b;
    d->cap = cap;
  }
  memcpy(d->buf + d->len, s, n);
  d->len += n;
  d->buf[d->len] = '\0';
}
static void puts_(dump *d, const char *s) { put(d, s, strlen(s)); }
static void putf(dump *d, const char *fmt, long long v) {
  char tmp[64];
  int n = snprintf(tmp, sizeof tmp, fmt, v);
  put(d, tmp, (size_t)n);
}

/* absent -> "~", else the bytes with '|', '\\' and non-printables escaped */
static void put_str(dump *d, vigil_str s) {
  puts_(d, "|");
  if (!s.ptr) {
    puts_(d, "~");
    return;
  }
  puts_(d, "\"");
  for (size_t i = 0; i < s.len; i++) {
    unsigned char c = (unsigned char)s.ptr[i];
    if (c < 0x20 || c == 0x7f || c == '\\' || c == '|') {
      char t[8];
      snprintf(t, sizeof t, "\\x%02x", c);
      puts_(d, t);
    } else {
      put(d, (const char *)&c, 1);
    }
  }
}
static void put_ref(dump *d, const vigil_account_ref *r) {
  put_str(d, r->platform_id);
  put_str(d, r->username);
}
static void put_pos(dump *d, char tag, const vigil_srcpos *p) {
  char t[2] = {tag, 0};
  puts_(d, t);
  putf(d, " %lld", (long long)p->line);
  putf(d, " %lld", (long long)p->offset);
}

static int on_account(void *c, const vigil_srcpos *p, const vigil_account *a) {
  dump *d = c;
  d->records++;
  put_pos(d, 'A', p);
  put_str(d, a->platform); put_str(d, a->platform_id); put_str(d, a->username);
  put_str(d, a->display_name); put_str(d, a->description); put_str(d, a->location);
  put_str(d, a->lang); put_str(d, a->url); put_str(d, a->profile_image_url);
  put_str(d, a->raw);
  putf(d, "|%lld", (long long)a->created_at);
  putf(d, "|%lld", (long long)a->followers);
  putf(d, "|%lld", (long long)a->following);
  putf(d, "|%lld", (long long)a->statuses);
  putf(d, "|%lld", (long long)a->verified);
  putf(d, "|%lld", (long long)a->is_protected);
  putf(d, "|%lld\n", (long long)a->observed_at);
  return 0;
}

static int on_post(void *c, const vigil_srcpos *pos, const vigil_post *x) {
  dump *d = c;
  d->records++;
  put_pos(d, 'P', pos);
  put_str(d, x->platform); put_str(d, x->platform_id); put_ref(d, &x->author);
  put_str(d, x->text); put_str(d, x->lang); put_str(d, x->source);
  putf(d, "|%lld", (long long)x->created_at);
  put_str(d, x->reply_to_post_id); put_ref(d, &x->reply_to);
  put_str(d, x->retweet_of_post_id); put_ref(d, &x->retweet_of);
  put_str(d, x->quote_of_post_id); put_ref(d, &x->quote_of);
  putf(d, "|m%lld", (long long)x->n_mentions);
  for (size_t i = 0; i < x->n_mentions; i++) put_ref(d, &x->mentions[i]);
  putf(d, "|h%lld", (long long)x->n_hashtags);
  for (size_t i = 0; i < x->n_hashtags; i++) put_str(d, x->hashtags[i]);
  putf(d, "|u%lld", (long long)x->n_urls);
  for (size_t i = 0; i < x->n_urls; i++) put_str(d, x->urls[i].url), put_str(d, x->urls[i].expanded);
  putf(d, "|d%lld", (long long)x->n_media);
  for (size_t i = 0; i < x->n_media; i++)
    put_str(d, x->media[i].key), put_str(d, x->media[i].type), put_str(d, x->media[i].url);
  put_str(d, x->raw);
  putf(d, "|%lld\n", (long long)x->observed_at);
  return 0;
}

static int on_status(void *c, const vigil_srcpos *p, const vigil_status_obs *s) {
  dump *d = c;
  d->records++;
  put_pos(d, 'S', p);
  put_str(d, s->platform); put_ref(d, &s->account);
  putf(d, "|%lld", (long long)s->status);
  putf(d, "|%lld", (long long)s->observed_at);
  put_str(d, s->reason);
  puts_(d, "\n");
  return 0;
}

static int on_edge(void *c, const vigil_srcpos *p, const vigil_edge *e) {
  dump *d = c;
  d->records++;
  put_pos(d, 'E', p);
  put_str(d, e->platform); put_ref(d, &e->src); put_ref(d, &e->dst);
  putf(d, "|%lld", (long long)e->kind);
  putf(d, "|%lld", (long long)e->weight);
  putf(d, "|%lld\n", (long long)e->seen_at);
  return 0;
}

static int on_reject(void *c, const vigil_srcpos *p, const char *f, const char *r) {
  dump *d = c;
  put_pos(d, 'R', p);
  put_str(d, f ? vigil_str_c(f) : VIGIL_STR_NULL);
  if (strncmp(r, "malformed JSON", 14) == 0) r = "malformed JSON";
  put_str(d, vigil_str_c(r));
  puts_(d, "\n");
  return 0;
}

static const struct { const char *name; int fmt; } parsers[] = {
    {"twarc2", VIGIL_FORMAT_TWARC2}, {"v1", VIGIL_FORMAT_TWITTER_V1}, {"mastodon", VIGIL_FORMAT_MASTODON}};

/* Dumps `path` parsed by parser p; the result code is part of the dump. */
static void dump_file(const char *path, int fmt, dump *d) {
  memset(d, 0, sizeof *d);
  vigil_reader *r;
  assert_int_equal(vigil_reader_open(path, &r), 0);
  vigil_parse_opts o;
  vigil_parse_opts_init(&o);
  o.observed_at = 1700000000; /* fixed, so that the dump is reproducible */
  vigil_sink s = {d, on_account, on_post, on_status, on_edge, on_reject, NULL};
  int rc = vigil_parse(fmt, r, &o, &s);
  vigil_reader_free(r);
  putf(d, "END %lld\n", rc);
}

static uint64_t fnv(const char *s, size_t n) {
  uint64_t h = 1469598103934665603ULL;
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
  return h;
}

static int write_mode(void) { return getenv("VIGIL_JSON_EQUIV_WRITE") != NULL; }

/* ---- fixtures: whole dumps ------------------------------------------------------ */

static const char *const fixtures[] = {
    "badutf8.jsonl", "empty.jsonl", "garbage.bin", "mastodon.jsonl", "truncated.jsonl",
    "twarc2_flat.jsonl", "twarc2_followers.jsonl", "twarc2_page.jsonl",
    "twarc2_users_compliance.jsonl", "twarc2_wrongtypes.jsonl", "v1.jsonl"};

static void first_diff(const char *want, const char *got, const char *what) {
  size_t line = 1;
  const char *w = want, *g = got;
  while (*w && *w == *g) {
    if (*w == '\n') line++;
    w++, g++;
  }
  const char *ws = w, *gs = g;
  while (ws > want && ws[-1] != '\n') ws--;
  while (gs > got && gs[-1] != '\n') gs--;
  fprintf(stderr, "%s: dump differs at line %zu\n want: %.300s\n  got: %.300s\n", what, line, ws,
          gs);
}

static void test_fixtures(void **state) {
  (void)state;
  size_t checked = 0;
  for (size_t i = 0; i < sizeof fixtures / sizeof *fixtures; i++) {
    char in[4096];
    snprintf(in, sizeof in, "%s", vt_testdata("ingest"));
    size_t n = strlen(in);
    snprintf(in + n, sizeof in - n, "/%s", fixtures[i]);
    for (size_t p = 0; p < sizeof parsers / sizeof *parsers; p++) {
      dump d;
      dump_file(in, parsers[p].fmt, &d);
      char rel[256], out[4096];
      snprintf(rel, sizeof rel, "json_equiv/%s.%s.out", fixtures[i], parsers[p].name);
      snprintf(out, sizeof out, "%s", vt_testdata(rel));
      if (write_mode()) {
        assert_int_equal(vt_write_file(out, d.buf, d.len), 0);
      } else {
        size_t wl;
        char *want = vt_read_file(out, &wl);
        if (!want) fprintf(stderr, "missing golden dump %s\n", out);
        assert_non_null(want);
        if (wl != d.len || memcmp(want, d.buf, wl) != 0) {
          first_diff(want, d.buf, rel);
          fail();
        }
        free(want);
        checked++;
      }
      free(d.buf);
    }
  }
  if (!write_mode()) assert_int_equal(checked, 3 * sizeof fixtures / sizeof *fixtures);
}

/* ---- shared data: counts and hashes ---------------------------------------------- */

typedef struct golden {
  const char *file, *parser;
  size_t records;
  uint64_t hash;
} golden;

/* generated by VIGIL_JSON_EQUIV_WRITE=1 with the cJSON-based parsers; six
 * twarc2 hashes changed since, on purpose: a mention that comes without its
 * id now takes the id of the user of that name in the page's includes (the
 * fixture's dump shows the one line that changes) */
static const golden shared_golden[] = {
#include "json_equiv_shared.inc"
};

static void test_shared_twarc2(void **state) {
  (void)state;
  const char *dir = vt_shared("twarc2");
  if (!dir) skip();
  char base[4096];
  snprintf(base, sizeof base, "%s", dir);
  size_t n = sizeof shared_golden / sizeof *shared_golden;
  if (write_mode()) {
    /* list the *.jsonl files in a fixed order: the caller sorts them */
    const char *list = getenv("VIGIL_JSON_EQUIV_FILES");
    assert_non_null(list);
    char *copy = strdup(list), *save = NULL;
    for (char *f = strtok_r(copy, " ", &save); f; f = strtok_r(NULL, " ", &save)) {
      char path[4200];
      snprintf(path, sizeof path, "%s/%s", base, f);
      for (size_t p = 0; p < sizeof parsers / sizeof *parsers; p++) {
        dump d;
        dump_file(path, parsers[p].fmt, &d);
        printf("    {\"%s\", \"%s\", %zu, 0x%016llxULL},\n", f, parsers[p].name, d.records,
               (unsigned long long)fnv(d.buf, d.len));
        free(d.buf);
      }
    }
    free(copy);
    return;
  }
  size_t bad = 0, checked = 0, total = 0;
  for (size_t i = 0; i < n; i++) {
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", base, shared_golden[i].file);
    FILE *f = fopen(path, "rb");
    if (!f) {
      printf("SKIP: %s is absent\n", path);
      continue;
    }
    fclose(f);
    int fmt = -1;
    for (size_t p = 0; p < sizeof parsers / sizeof *parsers; p++)
      if (strcmp(parsers[p].name, shared_golden[i].parser) == 0) fmt = parsers[p].fmt;
    assert_true(fmt >= 0);
    dump d;
    dump_file(path, fmt, &d);
    uint64_t h = fnv(d.buf, d.len);
    if (d.records != shared_golden[i].records || h != shared_golden[i].hash) {
      fprintf(stderr, "%s (%s): %zu records hash %016llx, want %zu records hash %016llx\n",
              shared_golden[i].file, shared_golden[i].parser, d.records,
              (unsigned long long)h, shared_golden[i].records,
              (unsigned long long)shared_golden[i].hash);
      bad++;
    }
    total += d.records;
    checked++;
    free(d.buf);
  }
  printf("shared twarc2: %zu file/parser pairs, %zu records, %zu differ\n", checked, total, bad);
  assert_true(checked > 0);
  assert_int_equal(bad, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_fixtures),
      cmocka_unit_test(test_shared_twarc2),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
