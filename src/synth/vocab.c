/* Invented vocabulary: pseudo-words in Latin and Arabic script, hashtags,
 * place names, personal names and domains. Nothing here is a real slogan:
 * words are random syllable/letter strings from a fixed stream, so the same
 * vocabulary comes out for every seed (topics keep their meaning across
 * runs), and domains live under the reserved .example TLD (RFC 2606) so no
 * real site is ever associated with the planted network. */
#include <stdlib.h>

#include "synth_int.h"
#include "vigil/error.h"

const char *const sy_lang_code[SY_NLANG] = {"ar", "en", "fr", "es", "pt",
                                            "tr", "in", "ja", "de", "ru"};
const char *const sy_dev_name[SY_NDEV] = {
    "Twitter for Android", "Twitter for iPhone", "Twitter Web Client",
    "Twitter for iPad",    "Mobile Web (M2)",    "Twitter for BlackBerry",
    "TweetDeck",           "IFTTT",              "Twitter Lite"};

int sy_alias_fill(uint32_t *thr, uint32_t *alias, const double *w, uint32_t n) {
  if (n == 0) return 0;
  double sum = 0;
  for (uint32_t i = 0; i < n; i++) sum += w[i];
  double *p = malloc((size_t)n * sizeof *p);
  uint32_t *small = malloc((size_t)n * sizeof *small), *large = malloc((size_t)n * sizeof *large);
  if (!p || !small || !large) {
    free(p), free(small), free(large);
    return VIGIL_ENOMEM;
  }
  uint32_t ns = 0, nl = 0;
  for (uint32_t i = 0; i < n; i++) {
    p[i] = sum > 0 ? w[i] * n / sum : 1.0;
    if (p[i] < 1.0) small[ns++] = i;
    else large[nl++] = i;
  }
  while (ns && nl) {
    uint32_t a = small[--ns], b = large[--nl];
    double t = p[a] * 4294967296.0;
    thr[a] = t >= 4294967295.0 ? UINT32_MAX : (uint32_t)t;
    alias[a] = b;
    p[b] = (p[b] + p[a]) - 1.0;
    if (p[b] < 1.0) small[ns++] = b;
    else large[nl++] = b;
  }
  /* leftovers are 1 up to rounding */
  while (nl) { uint32_t b = large[--nl]; thr[b] = UINT32_MAX, alias[b] = b; }
  while (ns) { uint32_t a = small[--ns]; thr[a] = UINT32_MAX, alias[a] = a; }
  free(p), free(small), free(large);
  return 0;
}

int sy_alias_build(sy_aent *e, const double *w, const uint32_t *pool, uint32_t n) {
  if (n == 0) return 0;
  uint32_t *thr = malloc((size_t)n * sizeof *thr), *alias = malloc((size_t)n * sizeof *alias);
  int rc = thr && alias ? sy_alias_fill(thr, alias, w, n) : VIGIL_ENOMEM;
  if (!rc)
    for (uint32_t j = 0; j < n; j++)
      e[j] = (sy_aent){thr[j], pool[j], pool[alias[j]]};
  free(thr), free(alias);
  return rc;
}

static const char *const ONSET[] = {"b", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r",
                                    "s", "t", "v", "w", "z", "ch", "sh", "kh", "gh", "th", "q", ""};
static const char *const NUCL[] = {"a", "e", "i", "o", "u", "a", "i", "aa", "ee", "oo", "ai", "au"};
static const char *const CODA[] = {"n", "r", "l", "s", "m", "k", "d", "t"};
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

size_t sy_word_lat(sy_rng *r, int nsyl, char *out, size_t cap) {
  size_t n = 0;
  for (int i = 0; i < nsyl; i++) {
    const char *parts[3] = {ONSET[sy_below(r, NELEM(ONSET))], NUCL[sy_below(r, NELEM(NUCL))],
                            sy_unif(r) < 0.3 ? CODA[sy_below(r, NELEM(CODA))] : ""};
    for (int k = 0; k < 3; k++)
      for (const char *p = parts[k]; *p && n + 1 < cap; p++) out[n++] = *p;
  }
  out[n] = 0;
  return n;
}

/* Arabic letters (alef .. yeh) without ta marbuta and tatweel */
static const uint16_t ARB[] = {0x627, 0x628, 0x62A, 0x62B, 0x62C, 0x62D, 0x62E, 0x62F, 0x630,
                               0x631, 0x632, 0x633, 0x634, 0x635, 0x636, 0x637, 0x638, 0x639,
                               0x63A, 0x641, 0x642, 0x643, 0x644, 0x645, 0x646, 0x647, 0x648,
                               0x64A};

static size_t word_arb(sy_rng *r, int nlet, char *out, size_t cap) {
  size_t n = 0;
  for (int i = 0; i < nlet && n + 3 < cap; i++) {
    uint16_t c = ARB[sy_below(r, NELEM(ARB))];
    out[n++] = (char)(0xC0 | (c >> 6));
    out[n++] = (char)(0x80 | (c & 63));
  }
  out[n] = 0;
  return n;
}

static const char *keep(sy_vocab *v, const char *s, size_t n) {
  if (v->used + n + 1 > v->cap) return NULL;
  char *p = v->arena + v->used;
  memcpy(p, s, n);
  p[n] = 0;
  v->used += n + 1;
  return p;
}

int sy_vocab_build(sy_vocab *v) {
  memset(v, 0, sizeof *v);
  v->cap = 1u << 20;
  v->arena = malloc(v->cap);
  if (!v->arena) return VIGIL_ENOMEM;
  sy_rng r;
  sy_seed(&r, 0x5eed5eedULL, SY_TAG_VOCAB, 0);
  char w[128], w2[64];
  size_t n;
#define KEEP(dst)                                   \
  do {                                              \
    if (!((dst) = keep(v, w, n))) goto nomem;        \
  } while (0)
  for (int t = 0; t < SY_NTOPIC; t++) {
    for (int i = 0; i < SY_TWORDS; i++) {
      n = sy_word_lat(&r, 2 + (int)sy_below(&r, 2), w, sizeof w);
      KEEP(v->lat[t][i]);
      n = word_arb(&r, 4 + (int)sy_below(&r, 3), w, sizeof w);
      KEEP(v->arb[t][i]);
    }
    for (int i = 0; i < SY_THASH; i++) {
      size_t a = sy_word_lat(&r, 2, w, 40), b = sy_word_lat(&r, 2, w2, 40);
      w[0] = (char)(w[0] - 'a' + 'A');
      w2[0] = (char)(w2[0] - 'a' + 'A');
      memcpy(w + a, w2, b + 1);
      n = a + b;
      KEEP(v->hlat[t][i]);
      a = word_arb(&r, 4 + (int)sy_below(&r, 2), w, 60);
      w[a] = '_';
      b = word_arb(&r, 3 + (int)sy_below(&r, 3), w + a + 1, 60);
      n = a + 1 + b;
      KEEP(v->harb[t][i]);
    }
  }
  for (int l = 0; l < SY_NLANG; l++)
    for (int i = 0; i < SY_NSTOP; i++) {
      if (l == SY_L_AR) n = word_arb(&r, 2 + (int)sy_below(&r, 2), w, sizeof w);
      else n = sy_word_lat(&r, 1, w, sizeof w);
      KEEP(v->stop[l][i]);
    }
  for (int i = 0; i < SY_NPLACE; i++) {
    n = sy_word_lat(&r, 2 + (int)sy_below(&r, 2), w, sizeof w);
    w[0] = (char)(w[0] - 'a' + 'A');
    KEEP(v->place_lat[i]);
    n = word_arb(&r, 4 + (int)sy_below(&r, 3), w, sizeof w);
    KEEP(v->place_arb[i]);
  }
  for (int i = 0; i < SY_NNAME; i++) {
    n = sy_word_lat(&r, 2 + (int)sy_below(&r, 2), w, sizeof w);
    w[0] = (char)(w[0] - 'a' + 'A');
    KEEP(v->name_lat[i]);
    n = word_arb(&r, 3 + (int)sy_below(&r, 4), w, sizeof w);
    KEEP(v->name_arb[i]);
  }
  static const char *const tld[] = {".example", ".example", ".example"};
  const char **doms[3] = {v->dom_sup, v->dom_news, v->dom_gen};
  const int ndom[3] = {SY_NDOM_SUP, SY_NDOM_NEWS, SY_NDOM_GEN};
  for (int d = 0; d < 3; d++)
    for (int i = 0; i < ndom[d]; i++) {
      n = sy_word_lat(&r, 2 + (int)sy_below(&r, 2), w, 64);
      if (d == 1) { memmove(w + 5, w, n + 1); memcpy(w, "news-", 5); n += 5; }
      memcpy(w + n, tld[d], strlen(tld[d]) + 1);
      n += strlen(tld[d]);
      KEEP(doms[d][i]);
    }
#undef KEEP
  return 0;
nomem:
  sy_vocab_release(v);
  return VIGIL_ENOMEM;
}

void sy_vocab_release(sy_vocab *v) {
  free(v->arena);
  v->arena = NULL;
}
