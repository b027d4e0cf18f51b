/* Profiles and posts in twarc2 (Twitter API v2) shapes, written from the
 * invented vocabulary. Entity offsets count Unicode code points, as the v2
 * API does. */
#include <stddef.h>
#include <stdlib.h>

#include "synth_int.h"
#include "vigil/error.h"

/* ---- text builder ---------------------------------------------------------- */
enum { TB_CAP = 3072, MAXM = 8, MAXH = 8, MAXU = 2 };

typedef struct tb {
  char s[TB_CAP];
  size_t len;
  uint32_t cp; /* code points so far */
} tb;

static void tb_add(tb *t, const char *p, size_t n) {
  if (t->len + n >= TB_CAP) return; /* bounded: extra words are dropped */
  for (size_t i = 0; i < n; i++) {
    t->s[t->len++] = p[i];
    if (((unsigned char)p[i] & 0xC0) != 0x80) t->cp++;
  }
  t->s[t->len] = 0;
}
static void tb_str(tb *t, const char *p) { tb_add(t, p, strlen(p)); }
static void tb_sp(tb *t) {
  if (t->len) tb_add(t, " ", 1);
}

typedef struct ent { uint32_t start, end, acct; const char *tag; char url[32]; char exp[96]; } ent;

typedef struct post {
  tb t;
  ent m[MAXM], h[MAXH], u[MAXU];
  int nm, nh, nu;
  uint32_t author;
  int lang, dev, kind; /* kind 0 plain, 1 retweet, 2 reply */
  int64_t time;
  uint64_t id;
  struct post *ref;    /* retweeted / replied-to post (includes.tweets) */
  uint32_t likes, rts;
} post;

static int word_index(sy_rng *r) { /* Zipf-like: a few frequent words per topic */
  double u = sy_unif(r);
  return (int)(SY_TWORDS * u * u * u);
}

static void add_word(tb *t, const sy_vocab *v, sy_rng *r, int topic, int lang, double ptopic) {
  tb_sp(t);
  if (sy_unif(r) < ptopic) {
    int w = word_index(r);
    tb_str(t, lang == SY_L_AR ? v->arb[topic][w] : v->lat[topic][w]);
  } else {
    tb_str(t, v->stop[lang][sy_below(r, SY_NSTOP)]);
  }
}

static int pick_topic(const vigil_synth *s, uint32_t a, sy_rng *r) {
  static const double SUP[4] = {.50, .30, .08, .12}, LOOK[4] = {.15, .40, .35, .10};
  const uint8_t *tp = &s->topic_pref[2 * (size_t)a];
  double u = sy_unif(r), c0, c1, c2;
  int g = s->group[a];
  if (g == VIGIL_SYNTH_SUPPORTER) c0 = SUP[0], c1 = c0 + SUP[1], c2 = c1 + SUP[2];
  else if (g == VIGIL_SYNTH_LOOKALIKE) c0 = LOOK[0], c1 = c0 + LOOK[1], c2 = c1 + LOOK[2];
  else {
    double news = s->comms[s->comm[a]].news;
    c0 = 0.005, c1 = c0 + news, c2 = c1 + 0.01;
  }
  int first, cnt;
  if (u < c0) first = SY_T_SUP0, cnt = SY_T_NSUP;
  else if (u < c1) first = SY_T_NEWS0, cnt = SY_T_NNEWS;
  else if (u < c2) first = SY_T_LOOK0, cnt = SY_T_NLOOK;
  else {
    if (g == VIGIL_SYNTH_GENERAL) {
      const sy_comm *cm = &s->comms[s->comm[a]];
      return sy_unif(r) < 0.6 ? tp[sy_below(r, 2)] : cm->topic[sy_below(r, 3)];
    }
    first = SY_T_GEN0, cnt = SY_T_NGEN;
  }
  for (int k = 0; k < 2; k++)
    if (tp[k] >= first && tp[k] < first + cnt && sy_unif(r) < 0.7) return tp[k];
  return first + (int)sy_below(r, (uint64_t)cnt);
}

static void add_mention(post *p, const vigil_synth *s, uint32_t who) {
  if (p->nm >= MAXM) return;
  tb_sp(&p->t);
  ent *e = &p->m[p->nm++];
  e->start = p->t.cp;
  tb_add(&p->t, "@", 1);
  tb_str(&p->t, s->uname[who]);
  e->end = p->t.cp, e->acct = who;
}

static void b62(sy_rng *r, char *out, int n) {
  static const char A[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  for (int i = 0; i < n; i++) out[i] = A[sy_below(r, 62)];
  out[n] = 0;
}

/* a target for an interaction at time t (never self, never not-yet-created) */
static int pick_other(const vigil_synth *s, uint32_t a, int64_t t, sy_rng *r, uint32_t *out) {
  for (int k = 0; k < 4; k++) {
    uint32_t x = sy_pick_inter(s, a, r);
    if (x != a && s->created[x] < t) return *out = x, 1;
  }
  return 0;
}

/* body text of a post by author a: words, mentions, hashtags, a link */
static void compose(post *p, const vigil_synth *s, uint32_t a, sy_rng *r, int with_mentions) {
  const sy_vocab *v = &s->voc;
  int g = s->group[a];
  int topic = pick_topic(s, a, r);
  int lang = s->lang[a];
  p->lang = lang;
  int nw = 5 + (int)sy_below(r, 12);
  for (int k = 0; k < nw; k++) add_word(&p->t, v, r, topic, lang, 0.6);
  static const double PM[3] = {0.20, 0.35, 0.25}, PH[3] = {0.4, 1.2, 0.6}, PU[3] = {0.15, 0.30, 0.35};
  if (with_mentions && sy_unif(r) < PM[g]) {
    int nm = 1 + (sy_unif(r) < 0.3);
    for (int k = 0; k < nm; k++) {
      uint32_t x;
      if (pick_other(s, a, p->time, r, &x)) add_mention(p, s, x);
    }
  }
  uint32_t nh = sy_poisson(r, PH[g]);
  for (uint32_t k = 0; k < nh && p->nh < 4; k++) {
    int ht = sy_unif(r) < 0.7 ? topic : s->topic_pref[2 * (size_t)a];
    const char *tag = (lang == SY_L_AR && sy_unif(r) < 0.7) ? v->harb[ht][sy_below(r, SY_THASH)]
                                                             : v->hlat[ht][sy_below(r, SY_THASH)];
    tb_sp(&p->t);
    ent *e = &p->h[p->nh++];
    e->start = p->t.cp;
    tb_add(&p->t, "#", 1);
    tb_str(&p->t, tag);
    e->end = p->t.cp, e->tag = tag;
  }
  if (sy_unif(r) < PU[g]) {
    double u = sy_unif(r);
    const char *dom;
    if (g == VIGIL_SYNTH_SUPPORTER)
      dom = u < 0.5 ? v->dom_sup[sy_below(r, SY_NDOM_SUP)]
            : u < 0.9 ? v->dom_news[sy_below(r, SY_NDOM_NEWS)] : v->dom_gen[sy_below(r, SY_NDOM_GEN)];
    else if (g == VIGIL_SYNTH_LOOKALIKE)
      dom = u < 0.05 ? v->dom_sup[sy_below(r, SY_NDOM_SUP)]
            : u < 0.65 ? v->dom_news[sy_below(r, SY_NDOM_NEWS)] : v->dom_gen[sy_below(r, SY_NDOM_GEN)];
    else
      dom = u < 0.003 ? v->dom_sup[sy_below(r, SY_NDOM_SUP)]
            : u < 0.15 ? v->dom_news[sy_below(r, SY_NDOM_NEWS)] : v->dom_gen[sy_below(r, SY_NDOM_GEN)];
    ent *e = &p->u[p->nu++];
    char code[16], path[16];
    b62(r, code, 10);
    b62(r, path, 8);
    snprintf(e->url, sizeof e->url, "https://t.co/%s", code);
    snprintf(e->exp, sizeof e->exp, "https://%s/%s", dom, path);
    tb_sp(&p->t);
    e->start = p->t.cp;
    tb_str(&p->t, e->url);
    e->end = p->t.cp;
  }
}

static uint64_t tweet_id(int64_t t, uint64_t k) {
  int64_t ms = t * 1000 + (int64_t)(k % 1000) - SY_TWEPOCH_MS;
  if (ms < 0) ms = 0;
  return ((uint64_t)ms << 22) | ((k / 1000) & 0x3FFFFF);
}

/* ---- profiles ---------------------------------------------------------------- */
void sy_user_json(const vigil_synth *s, sy_out *o, uint32_t i) {
  const sy_vocab *v = &s->voc;
  sy_rng r;
  sy_seed(&r, s->desc_seed[i], SY_TAG_DESC, 0);
  int g = s->group[i], lang = s->lang[i];
  const uint8_t *tp = &s->topic_pref[2 * (size_t)i];
  tb name = {.len = 0}, desc = {.len = 0}, loc = {.len = 0};
  int arab = lang == SY_L_AR && sy_unif(&r) < 0.7;
  int nn = 1 + (sy_unif(&r) < 0.6);
  for (int k = 0; k < nn; k++) {
    tb_sp(&name);
    tb_str(&name, arab ? v->name_arb[sy_below(&r, SY_NNAME)] : v->name_lat[sy_below(&r, SY_NNAME)]);
  }
  double pempty = g == VIGIL_SYNTH_SUPPORTER ? 0.25 : g == VIGIL_SYNTH_LOOKALIKE ? 0.05 : 0.3;
  if (sy_unif(&r) >= pempty) {
    int nw = 4 + (int)sy_below(&r, 9);
    for (int k = 0; k < nw; k++) {
      double u = sy_unif(&r);
      int topic = u < 0.55 ? tp[0] : u < 0.8 ? tp[1] : -1;
      if (topic < 0) add_word(&desc, v, &r, 0, lang, 0.0);
      else add_word(&desc, v, &r, topic, lang, 1.0);
    }
    if (sy_unif(&r) < (g == VIGIL_SYNTH_SUPPORTER ? 0.4 : 0.2)) {
      tb_sp(&desc);
      tb_add(&desc, "#", 1);
      tb_str(&desc, v->hlat[tp[0]][sy_below(&r, SY_THASH)]);
    }
  }
  double ploc = g == VIGIL_SYNTH_SUPPORTER ? 0.5 : 0.6;
  if (sy_unif(&r) < ploc) {
    int place;
    if (g == VIGIL_SYNTH_GENERAL) {
      const sy_comm *cm = &s->comms[s->comm[i]];
      place = cm->lang == SY_L_AR ? (int)sy_below(&r, 12) : (cm->place0 + (int)sy_below(&r, 6)) % SY_NPLACE;
    } else if (g == VIGIL_SYNTH_SUPPORTER) {
      place = (int)sy_below(&r, 12);
    } else {
      place = 12 + (int)sy_below(&r, SY_NPLACE - 12);
    }
    tb_str(&loc, arab ? v->place_arb[place] : v->place_lat[place]);
  }
  sy_out_s(o, "{\"id\":\"");
  sy_out_write(o, s->idstr[i], s->idlen[i]);
  sy_out_s(o, "\",\"username\":");
  sy_out_json(o, s->uname[i], strlen(s->uname[i]));
  sy_out_s(o, ",\"name\":");
  sy_out_json(o, name.s, name.len);
  sy_out_s(o, ",\"description\":");
  sy_out_json(o, desc.s, desc.len);
  sy_out_s(o, ",\"location\":");
  sy_out_json(o, loc.s, loc.len);
  sy_out_s(o, ",\"created_at\":");
  sy_out_time(o, s->created[i], 1);
  sy_out_s(o, ",\"public_metrics\":{\"followers_count\":");
  sy_out_u64(o, s->followers[i]);
  sy_out_s(o, ",\"following_count\":");
  sy_out_u64(o, s->following[i]);
  sy_out_s(o, ",\"tweet_count\":");
  sy_out_u64(o, s->tweets[i]);
  sy_out_s(o, ",\"listed_count\":");
  sy_out_u64(o, s->listed[i]);
  sy_out_s(o, s->verified[i] ? "},\"verified\":true" : "},\"verified\":false");
  sy_out_s(o, ",\"protected\":false,\"url\":\"\",\"profile_image_url\":"
              "\"https://pbs.twimg.com/profile_images/");
  sy_out_u64(o, s->id[i] ^ 0x5A5A5A5AULL);
  sy_out_s(o, "/synth_normal.jpg\"}");
}

/* ---- tweets ------------------------------------------------------------------ */
static void mention_json(sy_out *o, const vigil_synth *s, uint32_t start, uint32_t end,
                         uint32_t acct) {
  sy_out_s(o, "{\"start\":");
  sy_out_u64(o, start);
  sy_out_s(o, ",\"end\":");
  sy_out_u64(o, end);
  sy_out_s(o, ",\"username\":");
  sy_out_json(o, s->uname[acct], strlen(s->uname[acct]));
  sy_out_s(o, ",\"id\":\"");
  sy_out_write(o, s->idstr[acct], s->idlen[acct]);
  sy_out_s(o, "\"}");
}

/* entities of p with offsets moved by shift; a retweet adds its leading
 * "RT @user" mention (rt_acct != SY_NONE) */
static void ents_json(sy_out *o, const vigil_synth *s, const post *p, uint32_t shift,
                      uint32_t rt_acct) {
  int nm = p->nm + (rt_acct != SY_NONE);
  if (!nm && !p->nh && !p->nu) return;
  sy_out_s(o, ",\"entities\":{");
  int first = 1;
  if (nm) {
    sy_out_s(o, "\"mentions\":[");
    int c = 0;
    if (rt_acct != SY_NONE) mention_json(o, s, 3, shift - 2, rt_acct), c++;
    for (int k = 0; k < p->nm; k++) {
      if (c++) sy_out_c(o, ',');
      mention_json(o, s, p->m[k].start + shift, p->m[k].end + shift, p->m[k].acct);
    }
    sy_out_c(o, ']');
    first = 0;
  }
  if (p->nh) {
    sy_out_s(o, first ? "\"hashtags\":[" : ",\"hashtags\":[");
    for (int k = 0; k < p->nh; k++) {
      const ent *e = &p->h[k];
      sy_out_s(o, k ? ",{\"start\":" : "{\"start\":");
      sy_out_u64(o, e->start + shift);
      sy_out_s(o, ",\"end\":");
      sy_out_u64(o, e->end + shift);
      sy_out_s(o, ",\"tag\":");
      sy_out_json(o, e->tag, strlen(e->tag));
      sy_out_c(o, '}');
    }
    sy_out_c(o, ']');
    first = 0;
  }
  if (p->nu) {
    sy_out_s(o, first ? "\"urls\":[" : ",\"urls\":[");
    for (int k = 0; k < p->nu; k++) {
      const ent *e = &p->u[k];
      sy_out_s(o, k ? ",{\"start\":" : "{\"start\":");
      sy_out_u64(o, e->start + shift);
      sy_out_s(o, ",\"end\":");
      sy_out_u64(o, e->end + shift);
      sy_out_s(o, ",\"url\":");
      sy_out_json(o, e->url, strlen(e->url));
      sy_out_s(o, ",\"expanded_url\":");
      sy_out_json(o, e->exp, strlen(e->exp));
      sy_out_s(o, ",\"display_url\":");
      sy_out_json(o, e->exp + 8, strlen(e->exp + 8));
      sy_out_c(o, '}');
    }
    sy_out_c(o, ']');
  }
  sy_out_c(o, '}');
}

static void tweet_json(sy_out *o, const vigil_synth *s, const post *p) {
  char idb[24];
  int idn = snprintf(idb, sizeof idb, "%llu", (unsigned long long)p->id);
  sy_out_s(o, "{\"id\":\"");
  sy_out_write(o, idb, (size_t)idn);
  sy_out_s(o, "\",\"author_id\":\"");
  sy_out_write(o, s->idstr[p->author], s->idlen[p->author]);
  sy_out_s(o, "\",\"conversation_id\":\"");
  if (p->kind == 2) sy_out_u64(o, p->ref->id);
  else sy_out_write(o, idb, (size_t)idn);
  sy_out_s(o, "\",\"created_at\":");
  sy_out_time(o, p->time, 1);
  sy_out_s(o, ",\"lang\":\"");
  sy_out_s(o, sy_lang_code[p->lang]);
  sy_out_s(o, "\",\"source\":\"");
  sy_out_s(o, sy_dev_name[p->dev]);
  sy_out_s(o, "\",\"text\":");
  if (p->kind == 1) {
    /* "RT @user: " + original text; entities: the mention, then the original's */
    const post *q = p->ref;
    tb t = {.len = 0};
    tb_add(&t, "RT @", 4);
    tb_str(&t, s->uname[q->author]);
    tb_add(&t, ": ", 2);
    uint32_t shift = t.cp;
    tb_add(&t, q->t.s, q->t.len);
    sy_out_json(o, t.s, t.len);
    ents_json(o, s, q, shift, q->author);
    sy_out_s(o, ",\"referenced_tweets\":[{\"type\":\"retweeted\",\"id\":\"");
    sy_out_u64(o, q->id);
    sy_out_s(o, "\"}]");
  } else {
    sy_out_json(o, p->t.s, p->t.len);
    ents_json(o, s, p, 0, SY_NONE);
    if (p->kind == 2) {
      sy_out_s(o, ",\"referenced_tweets\":[{\"type\":\"replied_to\",\"id\":\"");
      sy_out_u64(o, p->ref->id);
      sy_out_s(o, "\"}],\"in_reply_to_user_id\":\"");
      sy_out_write(o, s->idstr[p->ref->author], s->idlen[p->ref->author]);
      sy_out_c(o, '"');
    }
  }
  sy_out_s(o, ",\"public_metrics\":{\"retweet_count\":");
  sy_out_u64(o, p->rts);
  sy_out_s(o, ",\"reply_count\":0,\"like_count\":");
  sy_out_u64(o, p->likes);
  sy_out_s(o, ",\"quote_count\":0},\"possibly_sensitive\":false,\"reply_settings\":\"everyone\"}");
}

enum { PAGE = 100 };

typedef struct page {
  post data[PAGE], refs[PAGE];
  int n, nref;
  uint32_t users[PAGE * (MAXM + 2) * 2];
  int nusers;
} page;

static void page_add_user(page *pg, uint32_t u) {
  if (pg->nusers < (int)(sizeof pg->users / sizeof pg->users[0])) pg->users[pg->nusers++] = u;
}

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return x < y ? -1 : x > y;
}

static void flush_page(sy_out *o, const vigil_synth *s, page *pg) {
  if (!pg->n) return;
  uint64_t newest = 0, oldest = UINT64_MAX;
  sy_out_s(o, "{\"data\":[");
  for (int k = 0; k < pg->n; k++) {
    const post *p = &pg->data[k];
    if (k) sy_out_c(o, ',');
    tweet_json(o, s, p);
    if (p->id > newest) newest = p->id;
    if (p->id < oldest) oldest = p->id;
    page_add_user(pg, p->author);
    for (int j = 0; j < p->nm; j++) page_add_user(pg, p->m[j].acct);
    if (p->ref) {
      page_add_user(pg, p->ref->author);
      for (int j = 0; j < p->ref->nm; j++) page_add_user(pg, p->ref->m[j].acct);
    }
  }
  qsort(pg->users, (size_t)pg->nusers, sizeof pg->users[0], cmp_u32);
  sy_out_s(o, "],\"includes\":{\"users\":[");
  for (int k = 0; k < pg->nusers; k++) {
    if (k && pg->users[k] == pg->users[k - 1]) continue;
    if (k) sy_out_c(o, ',');
    sy_user_json(s, o, pg->users[k]);
  }
  sy_out_c(o, ']');
  if (pg->nref) {
    sy_out_s(o, ",\"tweets\":[");
    for (int k = 0; k < pg->nref; k++) {
      if (k) sy_out_c(o, ',');
      tweet_json(o, s, &pg->refs[k]);
    }
    sy_out_c(o, ']');
  }
  sy_out_s(o, "},\"meta\":{\"newest_id\":\"");
  sy_out_u64(o, newest);
  sy_out_s(o, "\",\"oldest_id\":\"");
  sy_out_u64(o, oldest);
  sy_out_s(o, "\",\"result_count\":");
  sy_out_u64(o, (uint64_t)pg->n);
  sy_out_s(o, ",\"next_token\":\"synth");
  sy_out_u64(o, oldest);
  sy_out_s(o, "\"},\"__twarc\":{\"url\":\"https://api.twitter.com/2/tweets/search/all?"
              "expansions=author_id%2Creferenced_tweets.id%2Centities.mentions.username"
              "&query=synthetic&max_results=100\",\"version\":\"vigil-synth\","
              "\"retrieved_at\":\"2015-02-28T00:00:00+00:00\"}}\n");
  pg->n = pg->nref = pg->nusers = 0;
}

static int cmp_time_desc(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return x > y ? -1 : x < y;
}

int sy_write_posts(vigil_synth *s, const char *dir, uint64_t *posts, uint64_t *bytes) {
  *posts = 0;
  sy_out o;
  int rc = sy_out_open(&o, dir, "tweets.jsonl");
  if (rc) return rc;
  page *pg = calloc(1, sizeof *pg);
  int64_t *times = malloc(512 * sizeof *times);
  if (!pg || !times) {
    free(pg), free(times);
    sy_out_close(&o);
    return VIGIL_ENOMEM;
  }
  /* relative activity: posts written are a sample proportional to it */
  double sum = 0;
  for (uint32_t i = 0; i < s->n; i++)
    sum += s->hyper[i] ? 15.0 : fmin(5.0, fmax(0.2, s->ppd[i] / 6.0));
  double scale = sum > 0 ? s->o.posts_per_account * s->n / sum : 0;
  uint64_t k = 0, kref = 1ULL << 31;
  for (uint32_t i = 0; i < s->n && scale > 0; i++) {
    sy_rng r;
    sy_seed(&r, s->o.seed, SY_TAG_POST, i);
    double rate = s->hyper[i] ? 15.0 : fmin(5.0, fmax(0.2, s->ppd[i] / 6.0));
    uint32_t np = sy_poisson(&r, rate * scale);
    if (np > 400) np = 400;
    int64_t hi = s->suspended[i] != INT64_MIN ? s->suspended[i] - 60 : SY_T_OBS_END;
    int64_t lo = s->created[i] > SY_T_POST0 ? s->created[i] + 60 : SY_T_POST0;
    if (hi - lo < 3600) lo = hi - 3600;
    for (uint32_t j = 0; j < np; j++) times[j] = lo + (int64_t)sy_below(&r, (uint64_t)(hi - lo));
    qsort(times, np, sizeof *times, cmp_time_desc); /* timelines come newest first */
    int g = s->group[i];
    static const double PRT[3] = {0.20, 0.35, 0.15}, PRE[3] = {0.08, 0.08, 0.10};
    for (uint32_t j = 0; j < np; j++) {
      if (pg->n == PAGE) flush_page(&o, s, pg);
      post *p = &pg->data[pg->n];
      p->t.len = 0, p->t.cp = 0, p->t.s[0] = 0;
      p->nm = p->nh = p->nu = 0;
      p->ref = NULL;
      p->author = i, p->time = times[j], p->kind = 0;
      p->dev = sy_unif(&r) < 0.9 ? s->dev[i] : (int)sy_below(&r, SY_NDEV);
      p->id = tweet_id(p->time, k++);
      double u = sy_unif(&r);
      uint32_t tgt;
      int kind = u < PRT[g] ? 1 : u < PRT[g] + PRE[g] ? 2 : 0;
      if (kind && pick_other(s, i, p->time, &r, &tgt)) {
        post *q = &pg->refs[pg->nref++];
        q->t.len = 0, q->t.cp = 0, q->t.s[0] = 0;
        q->nm = q->nh = q->nu = 0;
        q->ref = NULL;
        q->author = tgt, q->kind = 0;
        q->time = p->time - 60 - (int64_t)sy_below(&r, 2 * 86400);
        if (q->time < s->created[tgt]) q->time = s->created[tgt];
        q->dev = s->dev[tgt];
        q->id = tweet_id(q->time, kref++);
        compose(q, s, tgt, &r, 1);
        q->rts = 1 + sy_poisson(&r, s->followers[tgt] / 200.0);
        q->likes = sy_poisson(&r, s->followers[tgt] / 100.0);
        p->kind = kind, p->ref = q;
        if (kind == 1) {
          p->lang = q->lang;
          p->rts = q->rts, p->likes = 0;
        } else {
          add_mention(p, s, tgt);
          compose(p, s, i, &r, 0);
        }
      } else {
        compose(p, s, i, &r, 1);
      }
      if (p->kind != 1) {
        p->likes = sy_poisson(&r, s->followers[i] / 150.0);
        p->rts = sy_poisson(&r, s->followers[i] / 400.0);
      }
      pg->n++;
      (*posts)++;
    }
    if (s->o.progress && i % 100000 == 0) s->o.progress(s->o.progress_ctx, "tweets", i, s->n);
  }
  flush_page(&o, s, pg);
  free(pg), free(times);
  rc = sy_out_close(&o);
  *bytes = o.total;
  return rc;
}
