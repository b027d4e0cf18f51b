/* Internal to src/synth: PRNG, sampling helpers, the account model. */
#ifndef VIGIL_SYNTH_INT_H
#define VIGIL_SYNTH_INT_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "vigil/synth.h"

/* ---- PRNG: xoshiro256** seeded through splitmix64 ------------------------ */
typedef struct sy_rng {
  uint64_t s[4];
} sy_rng;

static inline uint64_t sy_mix(uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
static inline uint64_t sy_rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
static inline uint64_t sy_next(sy_rng *r) {
  uint64_t *s = r->s;
  const uint64_t res = sy_rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
  s[2] ^= s[0], s[3] ^= s[1], s[1] ^= s[2], s[0] ^= s[3], s[2] ^= t;
  s[3] = sy_rotl(s[3], 45);
  return res;
}
/* An independent stream per (seed, purpose, index): output never depends on
 * the order or thread in which streams are consumed. */
static inline void sy_seed(sy_rng *r, uint64_t seed, uint64_t tag, uint64_t idx) {
  uint64_t x = sy_mix(seed ^ sy_mix(tag * 0x632be59bd9b4e019ULL ^ sy_mix(idx)));
  for (int k = 0; k < 4; k++) r->s[k] = x = sy_mix(x + (uint64_t)k);
}
static inline double sy_unif(sy_rng *r) { return (double)(sy_next(r) >> 11) * 0x1.0p-53; }
static inline uint64_t sy_below(sy_rng *r, uint64_t n) {
  return (uint64_t)(((unsigned __int128)sy_next(r) * n) >> 64);
}
static inline double sy_range(sy_rng *r, double a, double b) { return a + (b - a) * sy_unif(r); }
static inline double sy_normal(sy_rng *r) {
  double u = sy_unif(r), v = sy_unif(r);
  if (u < 1e-300) u = 1e-300;
  return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}
/* lognormal with the given MEAN (not median) and log-sd sigma */
static inline double sy_lognormal_mean(sy_rng *r, double mean, double sigma) {
  return mean * exp(sigma * sy_normal(r) - 0.5 * sigma * sigma);
}
static inline uint32_t sy_poisson(sy_rng *r, double mean) {
  if (mean <= 0) return 0;
  if (mean > 30) {
    double x = floor(mean + sqrt(mean) * sy_normal(r) + 0.5);
    return x < 0 ? 0 : (uint32_t)x;
  }
  double l = exp(-mean), p = 1.0;
  uint32_t k = 0;
  do {
    k++;
    p *= sy_unif(r);
  } while (p > l && k < 1000);
  return k - 1;
}
/* index into a cumulative table of n probabilities (last entry ~1) */
static inline int sy_pick_cum(sy_rng *r, const double *cum, int n) {
  double u = sy_unif(r);
  for (int i = 0; i < n - 1; i++)
    if (u < cum[i]) return i;
  return n - 1;
}

/* ---- alias tables (Vose) for O(1) preferential sampling ------------------ */
/* one entry holds both outcomes as account indices: a draw costs a single
 * cache miss, which is what bounds edge generation */
typedef struct sy_aent {
  uint32_t thr;  /* acceptance threshold, scaled to 2^32 */
  uint32_t self; /* account drawn when accepted */
  uint32_t alt;  /* account drawn otherwise (the alias) */
} sy_aent;
typedef struct sy_alias {
  sy_aent *e;
  uint32_t n;
} sy_alias;
static inline uint32_t sy_alias_draw(const sy_aent *e, uint32_t n, sy_rng *r) {
  uint64_t u = sy_next(r);
  const sy_aent *x = &e[((u >> 32) * (uint64_t)n) >> 32];
  return ((uint32_t)u < x->thr) ? x->self : x->alt;
}
/* Fills thr/alias[0..n) from weights w[0..n) (all > 0). Returns 0 or ENOMEM. */
int sy_alias_fill(uint32_t *thr, uint32_t *alias, const double *w, uint32_t n);
/* builds e[0..n) for weights w over the accounts pool[0..n) */
int sy_alias_build(sy_aent *e, const double *w, const uint32_t *pool, uint32_t n);

/* ---- vocabulary of invented words ---------------------------------------- */
enum { SY_NLANG = 10 };
enum { SY_L_AR = 0, SY_L_EN, SY_L_FR, SY_L_ES, SY_L_PT, SY_L_TR, SY_L_ID, SY_L_JA, SY_L_DE, SY_L_RU };
enum { SY_NDEV = 9 };

/* topics: supporter, shared-news, look-alike (analysis), general */
enum { SY_T_SUP0 = 0, SY_T_NSUP = 4, SY_T_NEWS0 = 4, SY_T_NNEWS = 4, SY_T_LOOK0 = 8,
       SY_T_NLOOK = 3, SY_T_GEN0 = 11, SY_T_NGEN = 13, SY_NTOPIC = 24 };
enum { SY_TWORDS = 120, SY_THASH = 10, SY_NSTOP = 30, SY_NPLACE = 96, SY_NNAME = 400 };
enum { SY_NDOM_SUP = 8, SY_NDOM_NEWS = 16, SY_NDOM_GEN = 40 };

typedef struct sy_vocab {
  char *arena;
  size_t used, cap;
  const char *lat[SY_NTOPIC][SY_TWORDS], *arb[SY_NTOPIC][SY_TWORDS];
  const char *hlat[SY_NTOPIC][SY_THASH], *harb[SY_NTOPIC][SY_THASH];
  const char *stop[SY_NLANG][SY_NSTOP];
  const char *place_lat[SY_NPLACE], *place_arb[SY_NPLACE];
  const char *name_lat[SY_NNAME], *name_arb[SY_NNAME];
  const char *dom_sup[SY_NDOM_SUP], *dom_news[SY_NDOM_NEWS], *dom_gen[SY_NDOM_GEN];
} sy_vocab;

int sy_vocab_build(sy_vocab *v);
void sy_vocab_release(sy_vocab *v);
/* Latin pseudo-word of nsyl syllables into out (NUL-terminated), returns len */
size_t sy_word_lat(sy_rng *r, int nsyl, char *out, size_t cap);

extern const char *const sy_lang_code[SY_NLANG];
extern const char *const sy_dev_name[SY_NDEV];

/* ---- the account model --------------------------------------------------- */
#define SY_NONE UINT32_MAX
enum { SY_BLOCK = 64, SY_NAME_MAX = 16 };

typedef struct sy_comm {
  uint32_t start, size; /* slice of gen_pool */
  uint8_t lang;
  uint8_t topic[3];     /* general topics */
  uint16_t place0;
  float news;           /* propensity to post news topics */
} sy_comm;

struct vigil_synth {
  vigil_synth_opts o;
  uint32_t n, k, l, g;   /* accounts, supporters, look-alikes, general */
  uint32_t k_orig, n_recreated, n_suspended;
  uint64_t target_edges;
  sy_vocab voc;

  /* per account */
  uint8_t *group, *lang, *dev, *hyper, *verified, *labelled;
  uint16_t *comm;        /* community (general), SY_NONE&0xffff otherwise */
  uint32_t *pos;         /* position in its group pool */
  uint32_t *outdeg;
  uint32_t *old_of;      /* recreated -> original, or SY_NONE */
  uint32_t *new_of;      /* suspended original -> recreation, or SY_NONE */
  float *attract, *psup, *ppd;
  uint32_t *followers, *following, *tweets, *listed;
  int64_t *created, *suspended;
  uint64_t *id;
  uint64_t *desc_seed;
  char (*idstr)[24];
  uint8_t *idlen;
  char (*uname)[SY_NAME_MAX];
  uint8_t *topic_pref;   /* 2 preferred topics per account */

  /* pools (account indices) */
  uint32_t *perm;        /* [sup k | look l | gen g]; gen sorted by community */
  uint32_t *sup_pool, *look_pool, *gen_pool;
  sy_alias a_sup, a_look, a_gen;
  sy_aent *c_tab; /* per-community alias tables, sliced like gen_pool */
  sy_comm *comms;
  uint32_t ncomm;
  uint32_t *lang_comms[SY_NLANG];
  uint32_t n_lang_comms[SY_NLANG];

  uint64_t hyper_sup, hyper_oth, n_lab;
};

/* tags of the independent random streams */
enum { SY_TAG_MAIN = 1, SY_TAG_ACC, SY_TAG_EDGE, SY_TAG_POST, SY_TAG_NAME, SY_TAG_LABEL,
       SY_TAG_DESC, SY_TAG_VOCAB };

/* time anchors (unix seconds) */
#define SY_T_ACC_EPOCH 1142899200LL /* 2006-03-21: account id epoch */
#define SY_TWEPOCH_MS 1288834974657LL
#define SY_T_OBS_END 1425081600LL   /* 2015-02-28: end of the observation */
#define SY_T_POST0 1409529600LL     /* 2014-09-01: first post written */

/* generation of follow targets of source i into tgt (sorted, unique).
 * tmp must hold SY_TGT_CAP entries. Returns the count. */
enum { SY_TGT_CAP = 16384, SY_MAX_OUTDEG = 4000 };
uint32_t sy_targets(const vigil_synth *s, uint32_t i, uint32_t *tgt, uint32_t *tmp);
/* an account that i mentions / retweets / replies to */
uint32_t sy_pick_inter(const vigil_synth *s, uint32_t i, sy_rng *r);


/* ---- buffered output ----------------------------------------------------- */
typedef struct sy_out {
  FILE *f;
  char *buf;
  size_t len, cap;
  int err;
  uint64_t total;
} sy_out;
int sy_out_open(sy_out *o, const char *dir, const char *name);
int sy_out_close(sy_out *o); /* flushes; returns 0 or VIGIL_EIO */
void sy_out_flush(sy_out *o);
static inline void sy_out_reserve(sy_out *o, size_t n) {
  if (o->len + n > o->cap) sy_out_flush(o);
}
void sy_out_write(sy_out *o, const void *p, size_t n);
static inline void sy_out_c(sy_out *o, char c) {
  if (o->len + 1 > o->cap) sy_out_flush(o);
  o->buf[o->len++] = c;
}
static inline void sy_out_s(sy_out *o, const char *s) { sy_out_write(o, s, strlen(s)); }
void sy_out_u64(sy_out *o, uint64_t v);
void sy_out_i64(sy_out *o, int64_t v);
void sy_out_json(sy_out *o, const char *s, size_t n); /* quoted, escaped */
void sy_out_time(sy_out *o, int64_t t, int millis_z);  /* ".000Z" or "+00:00" */

/* the twarc2 user object of account i */
void sy_user_json(const vigil_synth *s, sy_out *o, uint32_t i);
int sy_write_edges(vigil_synth *s, const char *dir, uint64_t *edges, uint64_t *bytes);
int sy_write_posts(vigil_synth *s, const char *dir, uint64_t *posts, uint64_t *bytes);

#endif
