/* Helpers of bench/bench_match.sh (the product path is the vigil binary; this
 * program generates its inputs and measures the baselines in the same run):
 *   gen-pdq N Q BANK QUERIES     clustered PDQ bank (N hashes) and Q queries:
 *                                half near copies of bank entries, half random
 *   brute-pdq BANK QUERIES M T   linear popcount scan of the first M queries
 *                                (the baseline); prints pairs "query,hash,d"
 *   gen-text TWEETS.csv NB NP BANK POSTS
 *                                NB bank texts and NP posts made of Fifth Tribe
 *                                tweet words; 10% of the posts are near copies
 *                                of bank texts (5% of words replaced)
 *   lib-text BANK POSTS T        the same matching through the library only
 *                                (vigil_neardup), for the library figure */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "text/csvmini.h"
#include "vigil/bank.h"
#include "vigil/error.h"
#include "vigil/hindex.h"
#include "vigil/neardup.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}
static double cpu(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static uint64_t rs = 0x2545F4914F6CDD1Dull;
static uint64_t rnd(void) {
  rs ^= rs << 13;
  rs ^= rs >> 7;
  rs ^= rs << 17;
  return rs;
}

static void rand_hash(uint8_t h[32]) {
  for (int i = 0; i < 4; i++) {
    uint64_t v = rnd();
    memcpy(h + 8 * i, &v, 8);
  }
}
static void flip(uint8_t h[32], int k) {
  for (int i = 0; i < k; i++) {
    int b = (int)(rnd() % 256);
    h[b / 8] ^= (uint8_t)(1u << (b % 8));
  }
}

static int gen_pdq(size_t n, size_t q, const char *bank, const char *queries) {
  FILE *fb = fopen(bank, "w"), *fq = fopen(queries, "w");
  if (!fb || !fq) return 1;
  size_t nc = n / 8 ? n / 8 : 1;
  uint8_t *centres = malloc(nc * 32);
  uint8_t *keep = malloc(4096 * 32); /* a sample of bank entries for queries */
  if (!centres || !keep) return 1;
  for (size_t i = 0; i < nc; i++) rand_hash(centres + i * 32);
  char hex[65];
  for (size_t i = 0; i < n; i++) {
    uint8_t h[32];
    memcpy(h, centres + (rnd() % nc) * 32, 32);
    flip(h, (int)(rnd() % 24));
    if (i % (n / 4096 + 1) == 0) memcpy(keep + (rnd() % 4096) * 32, h, 32);
    vigil_pdq_format_hex(h, hex);
    fprintf(fb, "%s\n", hex);
  }
  for (size_t i = 0; i < q; i++) {
    uint8_t h[32];
    if (i % 2) {
      memcpy(h, keep + (rnd() % 4096) * 32, 32);
      flip(h, (int)(rnd() % 24));
    } else {
      rand_hash(h);
    }
    vigil_pdq_format_hex(h, hex);
    fprintf(fq, "%s\n", hex);
  }
  free(centres);
  free(keep);
  return fclose(fb) | fclose(fq);
}

static size_t load_hashes(const char *path, uint8_t **out) {
  vigil_bank_file f = VIGIL_BANK_FILE_INIT;
  if (vigil_bank_file_open(path, &f)) return 0;
  size_t cap = f.len / 65 + 1, n = 0;
  *out = malloc(cap * 32);
  for (size_t pos = 0; pos + 64 <= f.len && n < cap;) {
    if (vigil_pdq_parse_hex(f.data + pos, 64, *out + n * 32) == 0) n++;
    const char *nl = memchr(f.data + pos, '\n', f.len - pos);
    pos = nl ? (size_t)(nl - f.data) + 1 : f.len;
  }
  vigil_bank_file_close(&f);
  return n;
}

static int brute_pdq(const char *bank, const char *queries, size_t m, int t) {
  uint8_t *b, *q;
  size_t nb = load_hashes(bank, &b), nq = load_hashes(queries, &q);
  if (m > nq) m = nq;
  double t0 = now(), c0 = cpu();
  size_t pairs = 0;
  char hq[65], hb[65];
  const uint64_t *B = (const uint64_t *)b;
  for (size_t i = 0; i < m; i++) {
    uint64_t w[4];
    memcpy(w, q + i * 32, 32);
    for (size_t j = 0; j < nb; j++) {
      int d = __builtin_popcountll(w[0] ^ B[4 * j]) + __builtin_popcountll(w[1] ^ B[4 * j + 1]) +
              __builtin_popcountll(w[2] ^ B[4 * j + 2]) + __builtin_popcountll(w[3] ^ B[4 * j + 3]);
      if (d <= t) {
        vigil_pdq_format_hex(q + i * 32, hq);
        vigil_pdq_format_hex(b + j * 32, hb);
        printf("%s,%s,%d\n", hq, hb, d);
        pairs++;
      }
    }
  }
  double el = now() - t0, ce = cpu() - c0;
  fprintf(stderr, "brute force: %zu queries x %zu hashes, %zu pairs, %.2f s wall, %.2f s CPU, %.1f queries/s (1 thread)\n",
          m, nb, pairs, el, ce, m / ce);
  free(b);
  free(q);
  return 0;
}

/* ---- texts ---- */
typedef struct strv {
  char **v;
  size_t n, cap;
} strv;
static void push(strv *s, char *x) {
  if (s->n == s->cap) {
    s->cap = s->cap ? s->cap * 2 : 1024;
    s->v = realloc(s->v, s->cap * sizeof *s->v);
    if (!s->v) abort();
  }
  s->v[s->n++] = x;
}
static size_t words(const char *t, strv *w) {
  w->n = 0;
  for (const char *p = t; *p;) {
    while (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t') p++;
    if (!*p) break;
    const char *e = p;
    while (*e && *e != ' ' && *e != '\n' && *e != '\r' && *e != '\t') e++;
    push(w, strndup(p, (size_t)(e - p)));
    p = e;
  }
  return w->n;
}
static void free_words(strv *w) {
  for (size_t i = 0; i < w->n; i++) free(w->v[i]);
  w->n = 0;
}

/* first half of a's words, second half of b's, each replaced by a random
 * vocabulary word with probability sub */
static void mix(FILE *out, const char *a, const char *b, double sub, const strv *vocab) {
  static strv wa, wb;
  words(a, &wa);
  words(b, &wb);
  int first = 1;
  for (size_t i = 0; i < wa.n / 2 + (wa.n & 1); i++, first = 0)
    fprintf(out, "%s%s", first ? "" : " ", (rnd() % 10000) < sub * 10000 ? vocab->v[rnd() % vocab->n] : wa.v[i]);
  for (size_t i = wb.n / 2; i < wb.n; i++, first = 0)
    fprintf(out, "%s%s", first ? "" : " ", (rnd() % 10000) < sub * 10000 ? vocab->v[rnd() % vocab->n] : wb.v[i]);
  fputc('\n', out);
  free_words(&wa);
  free_words(&wb);
}

static int gen_text(const char *tweets, size_t nb, size_t np, const char *bank, const char *posts) {
  vigil_bank_file f = VIGIL_BANK_FILE_INIT;
  if (vigil_bank_file_open(tweets, &f)) return 1;
  vigil_csvmini c;
  vigil_csvmini_init(&c, f.data, f.len);
  strv texts = {0}, vocab = {0}, w = {0};
  int first = 1;
  while (vigil_csvmini_next(&c) == 1) {
    if (first || c.nf < 8) {
      first = 0;
      continue;
    }
    char *t = strndup(c.f[7].ptr, c.f[7].len);
    push(&texts, t);
    words(t, &w);
    for (size_t i = 0; i < w.n; i++) push(&vocab, w.v[i]);
    w.n = 0;
  }
  vigil_csvmini_release(&c);
  vigil_bank_file_close(&f);
  if (!texts.n) return 1;
  /* the bank is written first; near copies are made from it re-read */
  FILE *fb = fopen(bank, "w");
  if (!fb) return 1;
  for (size_t i = 0; i < nb; i++)
    mix(fb, texts.v[rnd() % texts.n], texts.v[rnd() % texts.n], 0.3, &vocab);
  fclose(fb);
  vigil_bank_file bf = VIGIL_BANK_FILE_INIT;
  if (vigil_bank_file_open(bank, &bf)) return 1;
  strv lines = {0};
  for (size_t pos = 0; pos < bf.len;) {
    const char *nl = memchr(bf.data + pos, '\n', bf.len - pos);
    size_t end = nl ? (size_t)(nl - bf.data) : bf.len;
    push(&lines, strndup(bf.data + pos, end - pos));
    pos = end + 1;
  }
  vigil_bank_file_close(&bf);
  FILE *fp = fopen(posts, "w");
  if (!fp) return 1;
  size_t planted = 0;
  for (size_t i = 0; i < np; i++) {
    if (rnd() % 10 == 0) {
      /* a near copy: the bank text with 5% of its words replaced */
      const char *src = lines.v[rnd() % lines.n];
      mix(fp, src, src, 0.05, &vocab);
      planted++;
    } else {
      mix(fp, texts.v[rnd() % texts.n], texts.v[rnd() % texts.n], 0.3, &vocab);
    }
  }
  fclose(fp);
  fprintf(stderr, "generated %zu bank texts, %zu posts (%zu planted near copies)\n", nb, np, planted);
  return 0;
}

static int lib_text(const char *bank, const char *posts, double t) {
  vigil_bank_file b = VIGIL_BANK_FILE_INIT, p = VIGIL_BANK_FILE_INIT;
  if (vigil_bank_file_open(bank, &b) || vigil_bank_file_open(posts, &p)) return 1;
  vigil_neardup *nd;
  if (vigil_neardup_new(NULL, &nd)) return 1;
  double t0 = now(), c0 = cpu();
  uint64_t id = 0;
  for (size_t pos = 0; pos < b.len;) {
    const char *nl = memchr(b.data + pos, '\n', b.len - pos);
    size_t end = nl ? (size_t)(nl - b.data) : b.len;
    vigil_neardup_add(nd, ++id, (vigil_str){b.data + pos, end - pos});
    pos = end + 1;
  }
  double tb = now() - t0, cb = cpu() - c0;
  t0 = now(), c0 = cpu();
  vigil_neardup_hits h = VIGIL_NEARDUP_HITS_INIT;
  size_t nq = 0, matched = 0, hits = 0;
  for (size_t pos = 0; pos < p.len;) {
    const char *nl = memchr(p.data + pos, '\n', p.len - pos);
    size_t end = nl ? (size_t)(nl - p.data) : p.len;
    if (vigil_neardup_query(nd, (vigil_str){p.data + pos, end - pos}, t, 0, &h) == 0) {
      matched += h.n > 0;
      hits += h.n;
    }
    nq++;
    pos = end + 1;
  }
  double tm = now() - t0, cm = cpu() - c0;
  fprintf(stderr, "library (vigil_neardup only): bank of %llu built in %.2f s (%.2f CPU); %zu posts matched in %.2f s wall, %.2f s CPU (%.0f posts/s); %zu posts with a match, %zu matches\n",
          (unsigned long long)id, tb, cb, nq, tm, cm, nq / cm, matched, hits);
  vigil_neardup_hits_release(&h);
  vigil_neardup_free(nd);
  vigil_bank_file_close(&b);
  vigil_bank_file_close(&p);
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 6 && !strcmp(argv[1], "gen-pdq"))
    return gen_pdq(strtoull(argv[2], NULL, 10), strtoull(argv[3], NULL, 10), argv[4], argv[5]);
  if (argc == 6 && !strcmp(argv[1], "brute-pdq"))
    return brute_pdq(argv[2], argv[3], strtoull(argv[4], NULL, 10), atoi(argv[5]));
  if (argc == 7 && !strcmp(argv[1], "gen-text"))
    return gen_text(argv[2], strtoull(argv[3], NULL, 10), strtoull(argv[4], NULL, 10), argv[5], argv[6]);
  if (argc == 5 && !strcmp(argv[1], "lib-text")) return lib_text(argv[2], argv[3], atof(argv[4]));
  fprintf(stderr, "usage: see the comment at the top of bench/bench_match.c\n");
  return 2;
}
