/* The account model: groups, communities, profiles, suspensions,
 * re-creations, labels. Calibration figures are explained in docs/synth.md
 * (Brookings "ISIS Twitter Census", Berger & Morgan 2015). */
#include <ctype.h>
#include <stdlib.h>

#include "synth_int.h"
#include "vigil/error.h"

void vigil_synth_opts_init(vigil_synth_opts *o) {
  memset(o, 0, sizeof *o);
  o->accounts = 50000;
  o->supporters = -1;
  o->seed = 1;
  o->posts_per_account = 3.0;
  o->label_frac = 0.01;
  o->label_lookalike_share = 0.25;
  o->mean_following = 50.0;
  o->threads = 2;
}

/* language mixes (order of sy_lang_code: ar en fr es pt tr in ja de ru) */
static const double LANG_SUP[SY_NLANG] = {.73, .18, .06, .0, .0, .012, .006, .0, .006, .006};
static const double LANG_LOOK[SY_NLANG] = {.35, .50, .10, .0, .0, .0, .0, .0, .05, .0};
static const double LANG_GEN[SY_NLANG] = {.10, .34, .07, .12, .08, .06, .06, .06, .05, .06};
/* devices (order of sy_dev_name) */
static const double DEV_SUP[SY_NDEV] = {.69, .13, .10, .03, .02, .02, .01, 0, 0};
static const double DEV_LOOK[SY_NDEV] = {.15, .40, .25, .05, 0, 0, .15, 0, 0};
static const double DEV_GEN[SY_NDEV] = {.35, .37, .15, .05, .03, .01, .02, .01, .01};

static void cumulate(const double *p, double *cum, int n) {
  double s = 0, t = 0;
  for (int i = 0; i < n; i++) t += p[i];
  for (int i = 0; i < n; i++) cum[i] = (s += p[i]) / t;
}

#define DAY 86400LL
static int64_t t_of(int y, int m, int d) {
  /* days_from_civil */
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = (unsigned)(y - era * 400);
  const unsigned doy = (153u * (unsigned)(m > 2 ? m - 3 : m + 9) + 2) / 5 + (unsigned)d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return (era * 146097 + (int64_t)doe - 719468) * DAY;
}

static uint64_t name_hash(const char *s) {
  uint64_t h = 1469598103934665603ULL;
  for (; *s; s++) h = (h ^ (uint64_t)tolower((unsigned char)*s)) * 1099511628211ULL;
  return h ? h : 1;
}

typedef struct nameset {
  uint64_t *slot;
  uint64_t mask;
} nameset;

/* 1 if inserted, 0 if already present */
static int nameset_add(nameset *ns, const char *s) {
  uint64_t h = name_hash(s), i = h & ns->mask;
  while (ns->slot[i]) {
    if (ns->slot[i] == h) return 0;
    i = (i + 1) & ns->mask;
  }
  ns->slot[i] = h;
  return 1;
}

static void make_username(sy_rng *r, char *out) {
  char w[64];
  size_t n = sy_word_lat(r, 2 + (int)sy_below(r, 2), w, 12);
  if (n > 11) n = 11;
  w[n] = 0;
  if (sy_unif(r) < 0.5) w[0] = (char)toupper((unsigned char)w[0]);
  double u = sy_unif(r);
  if (u < 0.2 && n < 10) {
    w[n++] = '_';
    size_t m = sy_word_lat(r, 1, w + n, 14 - n);
    n += m;
  } else if (u < 0.55) {
    int nd = 1 + (int)sy_below(r, 4);
    for (int k = 0; k < nd && n < 15; k++) w[n++] = (char)('0' + sy_below(r, 10));
  }
  if (n > 15) n = 15;
  if (n == 0) w[n++] = 'x';
  w[n] = 0;
  memcpy(out, w, n + 1);
}

/* a re-created account's name: a digit suffix or a one-character edit */
static void edit_username(sy_rng *r, const char *old, char *out) {
  size_t n = strlen(old);
  memcpy(out, old, n + 1);
  double u = sy_unif(r);
  if (u < 0.5 && n < 15) {
    out[n] = (char)('0' + sy_below(r, 10)), out[n + 1] = 0;
  } else if (u < 0.65 && n < 15) {
    out[n] = '_', out[n + 1] = 0;
  } else if (u < 0.8 && n > 1) {
    size_t p = sy_below(r, n);
    out[p] = (char)('a' + sy_below(r, 26));
  } else if (n < 15) {
    size_t p = sy_below(r, n);
    memmove(out + p + 1, out + p, n - p + 1);
    out[p] = out[p + 1] == '_' ? 'x' : out[p + 1];
  } else {
    out[n - 1] = (char)('0' + sy_below(r, 10));
  }
}

static void shuffle(sy_rng *r, uint32_t *a, uint32_t n) {
  for (uint32_t i = n; i > 1; i--) {
    uint32_t j = (uint32_t)sy_below(r, i), t = a[i - 1];
    a[i - 1] = a[j], a[j] = t;
  }
}

#define ALLOC(p, cnt)                                                      \
  do {                                                                     \
    size_t cnt_ = (size_t)(cnt);                                           \
    if (!((p) = calloc(cnt_ ? cnt_ : 1, sizeof *(p)))) goto nomem;         \
  } while (0)

void vigil_synth_free(vigil_synth *s) {
  if (!s) return;
  sy_vocab_release(&s->voc);
  void *ptrs[] = {s->group, s->lang, s->dev, s->hyper, s->verified, s->labelled, s->comm,
                  s->pos, s->outdeg, s->old_of, s->new_of, s->attract, s->psup, s->ppd,
                  s->followers, s->following, s->tweets, s->listed, s->created, s->suspended,
                  s->id, s->desc_seed, s->idstr, s->idlen, s->uname, s->topic_pref, s->perm,
                  s->a_sup.e, s->a_look.e, s->a_gen.e, s->c_tab, s->comms};
  for (size_t i = 0; i < sizeof ptrs / sizeof ptrs[0]; i++) free(ptrs[i]);
  for (int l = 0; l < SY_NLANG; l++) free(s->lang_comms[l]);
  free(s);
}

static int build_alias(sy_alias *a, const vigil_synth *s, const uint32_t *pool, uint32_t n) {
  a->n = n;
  a->e = malloc(((size_t)n + 1) * sizeof *a->e);
  double *w = malloc(((size_t)n + 1) * sizeof *w);
  int rc = VIGIL_ENOMEM;
  if (a->e && w) {
    for (uint32_t i = 0; i < n; i++) w[i] = s->attract[pool[i]];
    rc = sy_alias_build(a->e, w, pool, n);
  }
  free(w);
  return rc;
}

int vigil_synth_new(const vigil_synth_opts *o, vigil_synth **out) {
  *out = NULL;
  if (!o || o->accounts < 100 || o->accounts > VIGIL_SYNTH_MAX_ACCOUNTS) return VIGIL_EINVAL;
  if (!(o->posts_per_account >= 0 && o->posts_per_account <= 1000)) return VIGIL_EINVAL;
  if (!(o->label_frac >= 0 && o->label_frac <= 1)) return VIGIL_EINVAL;
  if (!(o->label_lookalike_share >= 0 && o->label_lookalike_share <= 1)) return VIGIL_EINVAL;
  if (!(o->mean_following > 0 && o->mean_following <= 2000)) return VIGIL_EINVAL;
  if (o->threads < 0 || o->threads > 8) return VIGIL_EINVAL;
  uint32_t n = (uint32_t)o->accounts;
  int64_t k = o->supporters < 0 ? (int64_t)(n * 0.05 + 0.5) : o->supporters;
  uint32_t l = (uint32_t)(n * 0.03 + 0.5);
  if (k < 10 || k > (int64_t)n / 2) return VIGIL_EINVAL;
  vigil_synth *s = calloc(1, sizeof *s);
  if (!s) return VIGIL_ENOMEM;
  s->o = *o;
  if (s->o.threads == 0) s->o.threads = 2;
  s->n = n, s->k = (uint32_t)k, s->l = l, s->g = n - s->k - l;
  s->target_edges = o->edges ? o->edges : (uint64_t)(n * o->mean_following + 0.5);
  if (s->target_edges > (uint64_t)n * SY_MAX_OUTDEG / 2) {
    free(s);
    return VIGIL_EINVAL;
  }
  uint32_t R = (uint32_t)(s->k * 0.06 / 1.06 + 0.5);
  s->k_orig = s->k - R, s->n_recreated = R;
  uint32_t S = (uint32_t)(s->k_orig * 0.15 + 0.5);
  if (S < R) S = R;

  int rc = sy_vocab_build(&s->voc);
  if (rc) { free(s); return rc; }
  ALLOC(s->group, n); ALLOC(s->lang, n); ALLOC(s->dev, n); ALLOC(s->hyper, n);
  ALLOC(s->verified, n); ALLOC(s->labelled, n); ALLOC(s->comm, n); ALLOC(s->pos, n);
  ALLOC(s->outdeg, n); ALLOC(s->old_of, n); ALLOC(s->new_of, n); ALLOC(s->attract, n);
  ALLOC(s->psup, n); ALLOC(s->ppd, n); ALLOC(s->followers, n); ALLOC(s->following, n);
  ALLOC(s->tweets, n); ALLOC(s->listed, n); ALLOC(s->created, n); ALLOC(s->suspended, n);
  ALLOC(s->id, n); ALLOC(s->desc_seed, n); ALLOC(s->idstr, n); ALLOC(s->idlen, n);
  ALLOC(s->uname, n); ALLOC(s->topic_pref, 2 * (size_t)n); ALLOC(s->perm, n);

  sy_rng mr;
  sy_seed(&mr, o->seed, SY_TAG_MAIN, 0);
  for (uint32_t i = 0; i < n; i++) s->perm[i] = i;
  shuffle(&mr, s->perm, n);
  s->sup_pool = s->perm, s->look_pool = s->perm + s->k, s->gen_pool = s->perm + s->k + l;

  /* communities of the general population: language and topic homophily */
  s->ncomm = s->g / 4000;
  if (s->ncomm < 4) s->ncomm = 4;
  if (s->ncomm > 256) s->ncomm = 256;
  if (s->ncomm > s->g) s->ncomm = s->g ? s->g : 1;
  ALLOC(s->comms, s->ncomm);
  double cum_gen[SY_NLANG], cum_sup[SY_NLANG], cum_look[SY_NLANG];
  cumulate(LANG_GEN, cum_gen, SY_NLANG);
  cumulate(LANG_SUP, cum_sup, SY_NLANG);
  cumulate(LANG_LOOK, cum_look, SY_NLANG);
  for (uint32_t c = 0; c < s->ncomm; c++) {
    sy_comm *cm = &s->comms[c];
    cm->start = (uint32_t)((uint64_t)c * s->g / s->ncomm);
    cm->size = (uint32_t)((uint64_t)(c + 1) * s->g / s->ncomm) - cm->start;
    cm->lang = (uint8_t)(c < SY_NLANG ? c : (uint32_t)sy_pick_cum(&mr, cum_gen, SY_NLANG));
    for (int t = 0; t < 3; t++) cm->topic[t] = (uint8_t)(SY_T_GEN0 + sy_below(&mr, SY_T_NGEN));
    cm->place0 = (uint16_t)sy_below(&mr, SY_NPLACE);
    cm->news = cm->lang == SY_L_AR ? 0.18f : 0.05f;
    s->n_lang_comms[cm->lang]++;
  }
  for (int lg = 0; lg < SY_NLANG; lg++) {
    ALLOC(s->lang_comms[lg], s->n_lang_comms[lg]);
    s->n_lang_comms[lg] = 0;
  }
  for (uint32_t c = 0; c < s->ncomm; c++)
    s->lang_comms[s->comms[c].lang][s->n_lang_comms[s->comms[c].lang]++] = c;

  for (uint32_t p = 0; p < n; p++) {
    uint32_t i = s->perm[p];
    s->old_of[i] = s->new_of[i] = SY_NONE;
    s->comm[i] = 0xffff;
    if (p < s->k) s->group[i] = VIGIL_SYNTH_SUPPORTER, s->pos[i] = p;
    else if (p < s->k + l) s->group[i] = VIGIL_SYNTH_LOOKALIKE, s->pos[i] = p - s->k;
    else {
      s->group[i] = VIGIL_SYNTH_GENERAL;
      s->pos[i] = p - s->k - l;
      uint32_t c = (uint32_t)((uint64_t)s->pos[i] * s->ncomm / s->g);
      while (c + 1 < s->ncomm && s->pos[i] >= s->comms[c + 1].start) c++;
      while (c > 0 && s->pos[i] < s->comms[c].start) c--;
      s->comm[i] = (uint16_t)c;
    }
  }

  /* per-account attributes, each from its own stream */
  double cdev_sup[SY_NDEV], cdev_look[SY_NDEV], cdev_gen[SY_NDEV];
  cumulate(DEV_SUP, cdev_sup, SY_NDEV);
  cumulate(DEV_LOOK, cdev_look, SY_NDEV);
  cumulate(DEV_GEN, cdev_gen, SY_NDEV);
  const int64_t T2007 = t_of(2007, 1, 1), T2008 = t_of(2008, 1, 1), T2011 = t_of(2011, 1, 1);
  const int64_t TW0 = t_of(2014, 6, 1), TW1 = t_of(2014, 9, 1), TW2 = t_of(2015, 1, 31);
  double draw_deg_sum = 0;
  double *degraw = malloc((size_t)n * sizeof *degraw), *folraw = malloc((size_t)n * sizeof *folraw);
  if (!degraw || !folraw) { free(degraw); free(folraw); goto nomem; }
  for (uint32_t i = 0; i < n; i++) {
    sy_rng r;
    sy_seed(&r, o->seed, SY_TAG_ACC, i);
    int g = s->group[i];
    uint8_t *tp = &s->topic_pref[2 * (size_t)i];
    s->desc_seed[i] = sy_next(&r);
    s->suspended[i] = INT64_MIN;
    double u = sy_unif(&r);
    if (g == VIGIL_SYNTH_SUPPORTER) {
      s->lang[i] = (uint8_t)sy_pick_cum(&r, cum_sup, SY_NLANG);
      s->dev[i] = (uint8_t)sy_pick_cum(&r, cdev_sup, SY_NDEV);
      /* creation waves of 2014 (Brookings: most supporter accounts are recent) */
      if (u < 0.2) s->created[i] = T2011 + (int64_t)sy_below(&r, (uint64_t)(TW0 - T2011));
      else if (u < 0.5) s->created[i] = TW0 + (int64_t)sy_below(&r, (uint64_t)(TW1 - TW0));
      else s->created[i] = TW1 + (int64_t)sy_below(&r, (uint64_t)(TW2 - TW1));
      s->psup[i] = sy_unif(&r) < 0.12 ? (float)sy_range(&r, 0.2, 0.5) : (float)sy_range(&r, 0.55, 0.85);
      s->ppd[i] = (float)fmin(40.0, sy_lognormal_mean(&r, 9.0, 0.9));
      tp[0] = (uint8_t)(SY_T_SUP0 + sy_below(&r, SY_T_NSUP));
      tp[1] = (uint8_t)(SY_T_NEWS0 + sy_below(&r, SY_T_NNEWS));
      degraw[i] = sy_lognormal_mean(&r, 1.2, 1.1);
    } else if (g == VIGIL_SYNTH_LOOKALIKE) {
      s->lang[i] = (uint8_t)sy_pick_cum(&r, cum_look, SY_NLANG);
      s->dev[i] = (uint8_t)sy_pick_cum(&r, cdev_look, SY_NDEV);
      s->created[i] = T2008 + (int64_t)sy_below(&r, (uint64_t)(TW2 - T2008));
      s->psup[i] = (float)sy_range(&r, 0.2, 0.4);
      s->ppd[i] = (float)fmin(40.0, sy_lognormal_mean(&r, 10.0, 0.8));
      s->verified[i] = sy_unif(&r) < 0.15;
      tp[0] = (uint8_t)(SY_T_LOOK0 + sy_below(&r, SY_T_NLOOK));
      tp[1] = (uint8_t)(SY_T_NEWS0 + sy_below(&r, SY_T_NNEWS));
      degraw[i] = sy_lognormal_mean(&r, 1.5, 1.0);
    } else {
      const sy_comm *cm = &s->comms[s->comm[i]];
      s->lang[i] = u < 0.8 ? cm->lang : (uint8_t)sy_pick_cum(&r, cum_gen, SY_NLANG);
      s->dev[i] = (uint8_t)sy_pick_cum(&r, cdev_gen, SY_NDEV);
      /* spread over the years, denser recently */
      s->created[i] = T2007 + (int64_t)((double)(TW2 - T2007) * pow(sy_unif(&r), 0.7));
      s->psup[i] = 0;
      s->ppd[i] = (float)fmin(40.0, sy_lognormal_mean(&r, 4.0, 1.2));
      tp[0] = cm->topic[sy_below(&r, 3)];
      tp[1] = cm->topic[sy_below(&r, 3)];
      degraw[i] = sy_lognormal_mean(&r, 1.0, 1.1);
    }
    /* in-degree attractiveness: Pareto tail gives a few hubs */
    double a = pow(1.0 - sy_unif(&r), -1.0 / 1.7);
    s->attract[i] = (float)fmin(a, 3000.0);
    folraw[i] = a * sy_lognormal_mean(&r, 1.0, 0.5);
    draw_deg_sum += degraw[i];
  }

  /* suspensions among original supporters, and re-creations */
  {
    uint32_t *cand = malloc(((size_t)s->k_orig + 1) * sizeof *cand);
    if (!cand) { free(degraw); free(folraw); goto nomem; }
    memcpy(cand, s->sup_pool, (size_t)s->k_orig * sizeof *cand);
    shuffle(&mr, cand, s->k_orig);
    const int64_t S0 = t_of(2014, 9, 15), S1 = t_of(2015, 2, 20);
    uint32_t ns = 0, nr = 0;
    for (uint32_t j = 0; j < s->k_orig && ns < S; j++) {
      uint32_t i = cand[j];
      int64_t lo = s->created[i] + 3 * DAY;
      if (lo < S0) lo = S0;
      if (lo >= S1) continue;
      s->suspended[i] = lo + (int64_t)sy_below(&mr, (uint64_t)(S1 - lo));
      ns++;
      if (nr < R) {
        uint32_t ni = s->sup_pool[s->k_orig + nr++];
        s->old_of[ni] = i, s->new_of[i] = ni;
        s->created[ni] = s->suspended[i] + 3600 + (int64_t)sy_below(&mr, (uint64_t)(7 * DAY));
        s->lang[ni] = s->lang[i], s->dev[ni] = s->dev[i];
        if (sy_unif(&mr) < 0.75) s->desc_seed[ni] = s->desc_seed[i];
        s->psup[ni] = s->psup[i];
        s->topic_pref[2 * (size_t)ni] = s->topic_pref[2 * (size_t)i];
        s->attract[ni] = (float)fmax(1.0, s->attract[i] * 0.3);
      }
    }
    free(cand);
    s->n_suspended = ns;
    /* re-creation slots left over (too few feasible suspensions) stay plain supporters */
    s->n_recreated = nr;
  }

  /* hyperactive accounts: ~1,000 per 50k supporters (Brookings: 500-2,000) */
  {
    uint32_t h = (uint32_t)(s->k * 0.02 + 0.5);
    uint32_t *cand = malloc(((size_t)n + 1) * sizeof *cand);
    if (!cand) { free(degraw); free(folraw); goto nomem; }
    memcpy(cand, s->sup_pool, (size_t)s->k * sizeof *cand);
    shuffle(&mr, cand, s->k);
    for (uint32_t j = 0; j < h && j < s->k; j++) s->hyper[cand[j]] = 1;
    s->hyper_sup = h < s->k ? h : s->k;
    uint32_t no = s->l + s->g, ho = (uint32_t)(no * 0.003 + 0.5);
    memcpy(cand, s->look_pool, (size_t)no * sizeof *cand);
    shuffle(&mr, cand, no);
    for (uint32_t j = 0; j < ho && j < no; j++) s->hyper[cand[j]] = 1;
    s->hyper_oth = ho < no ? ho : no;
    free(cand);
  }

  /* counts: followers scaled so group means match the census figures */
  {
    double sum[3] = {0, 0, 0}, cnt[3] = {0, 0, 0};
    const double target[3] = {150.0, 1000.0, 1500.0};
    for (uint32_t i = 0; i < n; i++) sum[s->group[i]] += folraw[i], cnt[s->group[i]]++;
    double deg_scale = (double)s->target_edges / (draw_deg_sum > 0 ? draw_deg_sum : 1);
    uint32_t dcap = n / 4 < SY_MAX_OUTDEG ? n / 4 : SY_MAX_OUTDEG;
    for (uint32_t i = 0; i < n; i++) {
      sy_rng r;
      sy_seed(&r, o->seed, SY_TAG_ACC, (uint64_t)n + i);
      int g = s->group[i];
      double f = cnt[g] > 0 && sum[g] > 0 ? folraw[i] * target[g] * cnt[g] / sum[g] : 0;
      s->followers[i] = (uint32_t)fmin(5e7, floor(f + 0.5));
      double d = floor(degraw[i] * deg_scale + sy_unif(&r));
      if (d < 1) d = 1;
      if (d > dcap) d = dcap;
      s->outdeg[i] = (uint32_t)d;
      s->following[i] = (uint32_t)fmin(5000.0, d * sy_range(&r, 3.0, 12.0) + sy_below(&r, 20));
      if (s->hyper[i]) s->ppd[i] = (float)sy_range(&r, 60.0, 250.0);
      int64_t end = s->suspended[i] != INT64_MIN ? s->suspended[i] : SY_T_OBS_END;
      double age = (double)(end - s->created[i]) / DAY;
      if (age < 1) age = 1;
      s->tweets[i] = (uint32_t)fmin(4e9, s->ppd[i] * age + sy_below(&r, 5));
      s->listed[i] = (uint32_t)(s->followers[i] / sy_range(&r, 30.0, 120.0));
      if (g == VIGIL_SYNTH_GENERAL && s->followers[i] > 20000 && sy_unif(&r) < 0.5)
        s->verified[i] = 1;
    }
  }
  free(degraw);
  free(folraw);

  /* ids: snowflake-like, from creation time, unique by construction */
  for (uint32_t i = 0; i < n; i++) {
    int64_t ms = (s->created[i] - SY_T_ACC_EPOCH) * 1000 + (int64_t)(i % 1000);
    s->id[i] = ((uint64_t)ms << 22) | ((uint64_t)(i / 1000) & 0x3FFFFF);
    s->idlen[i] = (uint8_t)snprintf(s->idstr[i], sizeof s->idstr[i], "%llu",
                                    (unsigned long long)s->id[i]);
  }

  /* usernames, unique (case-insensitive); re-creations edit the original */
  {
    nameset ns;
    uint64_t cap = 1024;
    while (cap < 2ULL * n) cap <<= 1;
    ns.mask = cap - 1;
    ns.slot = calloc(cap, sizeof *ns.slot);
    if (!ns.slot) goto nomem;
    for (int pass = 0; pass < 2; pass++)
      for (uint32_t i = 0; i < n; i++) {
        if ((s->old_of[i] != SY_NONE) != pass) continue;
        sy_rng r;
        sy_seed(&r, o->seed, SY_TAG_NAME, i);
        for (int tries = 0;; tries++) {
          if (pass == 0 || tries >= 30) make_username(&r, s->uname[i]);
          else edit_username(&r, s->uname[s->old_of[i]], s->uname[i]);
          if (tries > 40) { /* practically unreachable: force a unique suffix */
            snprintf(s->uname[i], SY_NAME_MAX, "u%x", i);
          }
          if (nameset_add(&ns, s->uname[i])) break;
        }
      }
    free(ns.slot);
  }

  /* analyst labels: max(20, frac*K) supporters, as many others (some look-alikes) */
  {
    sy_rng r;
    sy_seed(&r, o->seed, SY_TAG_LABEL, 0);
    uint64_t nl = (uint64_t)(o->label_frac * s->k + 0.5);
    if (nl < 20) nl = 20;
    if (nl > s->k) nl = s->k;
    if (nl > (uint64_t)s->l + s->g) nl = (uint64_t)s->l + s->g;
    uint32_t *cand = malloc(((size_t)n + 1) * sizeof *cand);
    if (!cand) goto nomem;
    memcpy(cand, s->sup_pool, (size_t)s->k * sizeof *cand);
    for (uint64_t j = 0; j < nl; j++) { /* partial Fisher-Yates */
      uint32_t x = (uint32_t)(j + sy_below(&r, s->k - j)), t = cand[j];
      cand[j] = cand[x], cand[x] = t;
      s->labelled[cand[j]] = 1;
    }
    /* floor, so the default 0.25 keeps the historical nl / 4 exactly */
    uint64_t nlook = (uint64_t)((double)nl * o->label_lookalike_share);
    if (nlook > s->l) nlook = s->l;
    memcpy(cand, s->look_pool, (size_t)s->l * sizeof *cand);
    for (uint64_t j = 0; j < nlook; j++) {
      uint32_t x = (uint32_t)(j + sy_below(&r, s->l - j)), t = cand[j];
      cand[j] = cand[x], cand[x] = t;
      s->labelled[cand[j]] = 2;
    }
    memcpy(cand, s->gen_pool, (size_t)s->g * sizeof *cand);
    for (uint64_t j = 0; j < nl - nlook && j < s->g; j++) {
      uint32_t x = (uint32_t)(j + sy_below(&r, s->g - j)), t = cand[j];
      cand[j] = cand[x], cand[x] = t;
      s->labelled[cand[j]] = 2;
    }
    free(cand);
    s->n_lab = nl;
  }

  /* preferential-attachment samplers */
  if ((rc = build_alias(&s->a_sup, s, s->sup_pool, s->k))) goto fail;
  if ((rc = build_alias(&s->a_look, s, s->look_pool, s->l))) goto fail;
  if ((rc = build_alias(&s->a_gen, s, s->gen_pool, s->g))) goto fail;
  ALLOC(s->c_tab, s->g);
  {
    double *w = malloc(((size_t)s->g + 1) * sizeof *w);
    if (!w) goto nomem;
    for (uint32_t j = 0; j < s->g; j++) w[j] = s->attract[s->gen_pool[j]];
    for (uint32_t c = 0; c < s->ncomm && !rc; c++)
      rc = sy_alias_build(s->c_tab + s->comms[c].start, w + s->comms[c].start,
                          s->gen_pool + s->comms[c].start, s->comms[c].size);
    free(w);
    if (rc) goto fail;
  }
  *out = s;
  return 0;
nomem:
  rc = VIGIL_ENOMEM;
fail:
  vigil_synth_free(s);
  return rc;
}

uint64_t vigil_synth_count(const vigil_synth *s) { return s ? s->n : 0; }

int vigil_synth_account(const vigil_synth *s, uint64_t i, vigil_synth_account_info *a) {
  if (!s || i >= s->n) return VIGIL_ERANGE;
  memset(a, 0, sizeof *a);
  a->id = s->id[i];
  a->id_str = s->idstr[i];
  a->username = s->uname[i];
  a->group = s->group[i];
  a->lang = sy_lang_code[s->lang[i]];
  a->source = sy_dev_name[s->dev[i]];
  a->created_at = s->created[i];
  a->suspended_at = s->suspended[i];
  a->recreated_from = s->old_of[i] == SY_NONE ? -1 : (int64_t)s->old_of[i];
  a->followers_count = s->followers[i];
  a->following_count = s->following[i];
  a->tweet_count = s->tweets[i];
  a->posts_per_day = s->ppd[i];
  a->hyperactive = s->hyper[i];
  a->labelled = s->labelled[i];
  return 0;
}
