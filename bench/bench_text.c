/* Text benchmarks (bench/bench_text.sh):
 *  1. normalisation throughput of vigil_text_normalize on the Fifth Tribe
 *     tweets, beside plain utf8proc NFKC_Casefold of the same texts;
 *  2. 1M generated posts matched against a 100k-text near-dup bank (target
 *     < 60 s), beside a brute-force exact Jaccard scan on a sample, which
 *     gives the LSH recall at the threshold.
 * Usage: bench_text TWEETS.csv [posts] [bank]   (fifthtribe/tweets.csv) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <utf8proc.h>

#include "text/csvmini.h"
#include "vigil/error.h"
#include "vigil/neardup.h"
#include "vigil/text.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* The machine may be shared: CPU time of this process is reported beside
 * wall time, and the throughput figures use CPU time. */
static double cpu(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static uint64_t rs = 0x9E3779B97F4A7C15ull;
static uint64_t rnd(void) {
  rs ^= rs << 13;
  rs ^= rs >> 7;
  rs ^= rs << 17;
  return rs;
}

typedef struct strv {
  char **v;
  size_t n, cap;
} strv;
static void sv_push(strv *s, char *x) {
  if (s->n == s->cap) {
    s->cap = s->cap ? s->cap * 2 : 1024;
    s->v = realloc(s->v, s->cap * sizeof *s->v);
    if (!s->v) abort();
  }
  s->v[s->n++] = x;
}

/* words of a text (malloc'd copies) */
static size_t split_words(const char *t, char **w, size_t max) {
  size_t n = 0;
  const char *p = t;
  while (*p && n < max) {
    while (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t') p++;
    if (!*p) break;
    const char *e = p;
    while (*e && *e != ' ' && *e != '\n' && *e != '\r' && *e != '\t') e++;
    w[n++] = strndup(p, (size_t)(e - p));
    p = e;
  }
  return n;
}

/* A mutated text: words of a (and b from its middle on, if given), each
 * replaced by a random vocabulary word with probability sub. */
static char *mutate(const char *a, const char *b, double sub, const strv *vocab) {
  char *wa[256], *wb[256];
  size_t na = split_words(a, wa, 256), nb = b ? split_words(b, wb, 256) : 0;
  vigil_buf o = VIGIL_BUF_INIT;
  size_t cut = b ? na / 2 : na;
  size_t total = 0;
  for (size_t i = 0; i < cut; i++, total++) {
    const char *w = (double)(rnd() % 10000) / 10000.0 < sub ? vocab->v[rnd() % vocab->n] : wa[i];
    vigil_buf_printf(&o, "%s%s", total ? " " : "", w);
  }
  for (size_t i = nb / 2; i < nb; i++, total++) {
    const char *w = (double)(rnd() % 10000) / 10000.0 < sub ? vocab->v[rnd() % vocab->n] : wb[i];
    vigil_buf_printf(&o, "%s%s", total ? " " : "", w);
  }
  for (size_t i = 0; i < na; i++) free(wa[i]);
  for (size_t i = 0; i < nb; i++) free(wb[i]);
  if (!o.data) vigil_buf_reserve(&o, 0);
  return vigil_buf_detach(&o, NULL);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: bench_text TWEETS.csv [posts] [bank]\n");
    return 2;
  }
  size_t nposts = argc > 2 ? strtoul(argv[2], NULL, 10) : 1000000;
  size_t nbank = argc > 3 ? strtoul(argv[3], NULL, 10) : 100000;
  FILE *f = fopen(argv[1], "rb");
  if (!f) {
    fprintf(stderr, "cannot open %s\n", argv[1]);
    return 1;
  }
  vigil_buf file = VIGIL_BUF_INIT;
  char chunk[65536];
  size_t k;
  while ((k = fread(chunk, 1, sizeof chunk, f)) > 0) vigil_buf_append(&file, chunk, k);
  fclose(f);
  vigil_csvmini c;
  vigil_csvmini_init(&c, file.data, file.len);
  strv texts = {0}, vocab = {0};
  int first = 1;
  while (vigil_csvmini_next(&c) == 1) {
    if (first) { first = 0; continue; }
    if (c.nf < 8) continue;
    char *t = vigil_strndup(c.f[7].ptr, c.f[7].len);
    sv_push(&texts, t);
    char *w[256];
    size_t nw = split_words(t, w, 256);
    for (size_t i = 0; i < nw; i++) sv_push(&vocab, w[i]);
  }
  vigil_csvmini_release(&c);
  vigil_buf_release(&file);
  size_t bytes = 0;
  for (size_t i = 0; i < texts.n; i++) bytes += strlen(texts.v[i]);
  printf("input: %zu tweets, %.2f MB, vocabulary %zu word occurrences\n", texts.n,
         bytes / 1e6, vocab.n);

  /* ---- 1. normalisation throughput ---- */
  int reps = 20;
  vigil_buf out = VIGIL_BUF_INIT;
  size_t outbytes = 0;
  double t0 = cpu();
  for (int r = 0; r < reps; r++)
    for (size_t i = 0; i < texts.n; i++) {
      if (vigil_text_normalize(vigil_str_c(texts.v[i]), 0, &out)) abort();
      outbytes += out.len;
    }
  double t_norm = cpu() - t0;
  size_t base_bytes = 0;
  t0 = cpu();
  for (int r = 0; r < reps; r++)
    for (size_t i = 0; i < texts.n; i++) {
      utf8proc_uint8_t *m = utf8proc_NFKC_Casefold((const utf8proc_uint8_t *)texts.v[i]);
      if (!m) abort();
      base_bytes += strlen((char *)m);
      free(m);
    }
  double t_base = cpu() - t0;
  double mb = (double)bytes * reps / 1e6;
  printf("normalize (CPU time): vigil_text_normalize %.1f MB/s (%.0f tweets/s); baseline "
         "utf8proc_NFKC_Casefold %.1f MB/s; ratio %.2fx of baseline speed\n",
         mb / t_norm, texts.n * reps / t_norm, mb / t_base, t_base / t_norm);
  vigil_tokens tk;
  vigil_tokens_init(&tk);
  t0 = cpu();
  for (size_t i = 0; i < texts.n; i++)
    if (vigil_text_tokens(vigil_str_c(texts.v[i]), 0, VIGIL_STEM_ENGLISH, &tk)) abort();
  double t_tok = cpu() - t0;
  printf("tokens+english stem: %.1f MB/s\n", bytes / 1e6 / t_tok);
  vigil_tokens_release(&tk);
  (void)outbytes;
  (void)base_bytes;

  /* ---- 2. near-dup: 1M posts vs a 100k bank ---- */
  strv bank = {0};
  for (size_t i = 0; i < texts.n && bank.n < nbank; i++) sv_push(&bank, strdup(texts.v[i]));
  while (bank.n < nbank) {
    const char *a = texts.v[rnd() % texts.n];
    if (rnd() % 2) sv_push(&bank, mutate(a, texts.v[rnd() % texts.n], 0.2, &vocab));
    else sv_push(&bank, mutate(a, NULL, 0.4, &vocab));
  }
  /* posts: 10% near copies of a bank text (5% of words replaced, case
   * changed), the rest recombined/mutated tweets */
  strv posts = {0};
  unsigned char *planted = calloc(nposts, 1);
  for (size_t i = 0; i < nposts; i++) {
    if (rnd() % 10 == 0) {
      char *p = mutate(bank.v[rnd() % bank.n], NULL, 0.05, &vocab);
      if (rnd() % 2)
        for (char *q = p; *q; q++) *q = (char)(*q >= 'a' && *q <= 'z' ? *q - 32 : *q);
      sv_push(&posts, p);
      planted[i] = 1;
    } else {
      sv_push(&posts, mutate(texts.v[rnd() % texts.n], texts.v[rnd() % texts.n], 0.3, &vocab));
    }
  }
  vigil_neardup *b = NULL;
  if (vigil_neardup_new(NULL, &b)) abort();
  const double thr = VIGIL_NEARDUP_DEFAULT_THRESHOLD;
  t0 = cpu();
  for (size_t i = 0; i < bank.n; i++)
    if (vigil_neardup_add(b, i, vigil_str_c(bank.v[i]))) abort();
  double t_add = cpu() - t0;
  vigil_neardup_hits h = VIGIL_NEARDUP_HITS_INIT;
  size_t matched = 0, hits = 0, planted_n = 0, planted_found = 0;
  double w0 = now();
  t0 = cpu();
  for (size_t i = 0; i < posts.n; i++) {
    if (vigil_neardup_query(b, vigil_str_c(posts.v[i]), thr, 0, &h)) abort();
    matched += h.n > 0;
    hits += h.n;
    planted_n += planted[i];
    planted_found += planted[i] && h.n > 0;
  }
  double t_query = cpu() - t0, w_query = now() - w0;
  printf("near-dup: bank %zu texts built in %.2f s CPU (%zu indexed); %zu posts matched in "
         "%.2f s CPU, %.2f s wall (%.0f posts/s CPU; target < 60 s: %s); %zu posts with a match "
         "(%zu hits), planted near copies found %zu/%zu = %.4f at threshold %.2f\n",
         bank.n, t_add, vigil_neardup_count(b), posts.n, t_query, w_query, posts.n / t_query,
         nposts < 1000000 || nbank < 100000 ? "n/a at this size" : t_query < 60 ? "met" : "MISSED", matched, hits, planted_found, planted_n,
         planted_n ? (double)planted_found / planted_n : 0, thr);

  /* brute force on a sample: exact Jaccard against every bank text */
  size_t sample = nposts < 400 ? nposts : 400;
  uint64_t **bsh = malloc(bank.n * sizeof *bsh);
  size_t *bn = malloc(bank.n * sizeof *bn);
  for (size_t i = 0; i < bank.n; i++) {
    const uint64_t *s;
    if (vigil_neardup_shingles(b, vigil_str_c(bank.v[i]), &s, &bn[i])) abort();
    bsh[i] = malloc((bn[i] ? bn[i] : 1) * sizeof **bsh);
    memcpy(bsh[i], s, bn[i] * sizeof **bsh);
  }
  size_t truth = 0, lsh_found = 0, lsh_total = 0;
  double t_brute = 0, t_lsh = 0;
  uint64_t *qs = malloc(65536 * sizeof *qs);
  for (size_t j = 0; j < sample; j++) {
    /* half the sample from the planted posts, so that truth is not empty */
    size_t i = j % 2 ? rnd() % posts.n : 0;
    if (j % 2 == 0) do i = rnd() % posts.n; while (!planted[i]);
    const uint64_t *s;
    size_t nq;
    t0 = cpu();
    if (vigil_neardup_shingles(b, vigil_str_c(posts.v[i]), &s, &nq)) abort();
    if (nq > 65536) nq = 65536;
    memcpy(qs, s, nq * sizeof *qs);
    unsigned char *is_true = calloc(bank.n, 1);
    for (size_t d = 0; d < bank.n; d++)
      if (nq && vigil_neardup_jaccard_sets(qs, nq, bsh[d], bn[d]) >= thr) {
        is_true[d] = 1;
        truth++;
      }
    t_brute += cpu() - t0;
    t0 = cpu();
    if (vigil_neardup_query(b, vigil_str_c(posts.v[i]), thr, 0, &h)) abort();
    t_lsh += cpu() - t0;
    lsh_total += h.n;
    for (size_t k2 = 0; k2 < h.n; k2++) lsh_found += is_true[h.v[k2].id];
    free(is_true);
  }
  printf("brute force (CPU time; exact Jaccard vs all %zu bank texts) on %zu posts: %.3f s = %.1f ms/post "
         "(would take %.0f s for %zu posts); LSH on the same posts %.4f s; LSH speed-up %.0fx; "
         "LSH recall of the exact pairs with J >= %.2f: %zu/%zu = %.4f; LSH hits that are exact "
         "pairs: %zu/%zu\n",
         bank.n, sample, t_brute, 1e3 * t_brute / sample, t_brute / sample * posts.n, posts.n,
         t_lsh, t_lsh > 0 ? t_brute / t_lsh : 0, thr, lsh_found, truth,
         truth ? (double)lsh_found / truth : 1.0, lsh_found, lsh_total);
  free(qs);
  for (size_t i = 0; i < bank.n; i++) free(bsh[i]);
  free(bsh);
  free(bn);
  vigil_neardup_hits_release(&h);
  vigil_neardup_free(b);
  vigil_buf_release(&out);
  for (size_t i = 0; i < texts.n; i++) free(texts.v[i]);
  for (size_t i = 0; i < vocab.n; i++) free(vocab.v[i]);
  for (size_t i = 0; i < bank.n; i++) free(bank.v[i]);
  for (size_t i = 0; i < posts.n; i++) free(posts.v[i]);
  free(texts.v);
  free(vocab.v);
  free(bank.v);
  free(posts.v);
  free(planted);
  return 0;
}
