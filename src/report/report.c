/* The census report: one self-contained HTML file (inline CSS and SVG, no
 * scripts, no external assets) plus one CSV per table. docs/report.md
 * describes every figure. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stddef.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vigil/error.h"
#include "vigil/recreated.h"
#include "vigil/report.h"
#include "vigil/strmap.h"

#define MAX_ACCOUNT_ID 200000000LL /* per-id arrays beyond this would not fit */
#define NB 14                      /* log histogram bins: 0 .. 3M+ */
#define NPB 9                      /* posts/day bins */
#define MAX_MONTHS 240
#define DAY 86400.0

void vigil_report_opts_init(vigil_report_opts *o) {
  o->csv_dir = NULL, o->top = 50, o->hyper_per_day = 50, o->with_recreated = 1, o->log = NULL;
}

/* ---- interned categories ---------------------------------------------------------- */
typedef struct dict {
  vigil_strmap map; /* key -> a: index */
  char **s;
  uint64_t (*cnt)[2];    /* accounts (or posts) per group */
  uint64_t (*acc)[2];    /* distinct accounts per group (hashtags, domains) */
  int64_t *last;         /* last account counted (for acc) */
  size_t n, cap;
} dict;

static int dict_id(dict *d, vigil_str v, size_t maxlen, uint32_t *id) {
  if (v.len > maxlen) v.len = maxlen;
  vigil_strmap_val *val;
  int rc = vigil_strmap_put(&d->map, v.ptr ? v.ptr : "", v.len, &val);
  if (rc < 0) return rc;
  if (rc == 0) { *id = (uint32_t)val->a; return 0; }
  if (d->n == d->cap) {
    size_t nc = d->cap ? d->cap * 2 : 256;
    char **s = realloc(d->s, nc * sizeof *s);
    if (s) d->s = s;
    uint64_t(*c)[2] = realloc(d->cnt, nc * sizeof *c);
    if (c) d->cnt = c;
    uint64_t(*a)[2] = realloc(d->acc, nc * sizeof *a);
    if (a) d->acc = a;
    int64_t *l = realloc(d->last, nc * sizeof *l);
    if (l) d->last = l;
    if (!s || !c || !a || !l) return VIGIL_ENOMEM;
    d->cap = nc;
  }
  if (!(d->s[d->n] = vigil_strndup(v.ptr ? v.ptr : "", v.len))) return VIGIL_ENOMEM;
  d->cnt[d->n][0] = d->cnt[d->n][1] = d->acc[d->n][0] = d->acc[d->n][1] = 0;
  d->last[d->n] = 0;
  val->a = (int64_t)d->n;
  *id = (uint32_t)d->n++;
  return 0;
}

static void dict_release(dict *d) {
  for (size_t i = 0; i < d->n; i++) free(d->s[i]);
  free(d->s), free(d->cnt), free(d->acc), free(d->last);
  vigil_strmap_release(&d->map);
  memset(d, 0, sizeof *d);
}

/* ---- per-account facts --------------------------------------------------------------- */
#define NONE32 UINT32_MAX
typedef struct acc {
  float score;            /* < 0: not scored */
  uint8_t pred, exists, status; /* status: latest, 255 = none */
  uint32_t lang, loc, dev;      /* dict ids or NONE32 */
  int64_t created, profile_at, first_post, last_post, suspended;
  int64_t followers, following, statuses;
  uint32_t posts;
} acc;

typedef struct rep {
  vigil_store *s;
  const vigil_report_opts *o;
  acc *a;
  int64_t maxid;
  int census;
  int64_t run;
  cJSON *summary;
  dict langs, locs, devs, tags, doms;
  uint64_t ngroup[2];
  /* per-author scratch while streaming posts */
  int64_t cur;
  uint32_t lc[8], ln[8], dc[8], dn[8];
  int nl, nd;
  /* top lists */
  int64_t *top_ids; size_t ntop;
  char **top_why;
  /* names for the accounts shown in tables */
  int64_t *want; size_t nwant, capwant;
  int64_t *topsorted;
  int capture_full; /* the capture bound was hit: names need a second pass */
  char **wuser, **wname, **wpid;
  int64_t data_end; /* last stored post, VIGIL_TIME_UNKNOWN if none */
  vigil_buf csvbuf;
  int csv_err;
} rep;

static int cmp_i64(const void *x, const void *y) {
  int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
  return a < b ? -1 : a > b;
}

static int grp(const rep *r, const acc *a) { return r->census && a->pred ? 0 : 1; }

static int on_score(void *ctx, const vigil_score_row *row) {
  rep *r = ctx;
  if (row->account < 1 || row->account > r->maxid) return 0;
  acc *a = &r->a[row->account];
  a->score = (float)row->score, a->pred = row->predicted != 0;
  if (r->ntop < (size_t)r->o->top) {
    vigil_str w = row->why;
    r->top_why[r->ntop] = vigil_strndup(w.ptr ? w.ptr : "", w.len > 2000 ? 2000 : w.len);
    if (!r->top_why[r->ntop]) return VIGIL_ENOMEM;
    r->top_ids[r->ntop++] = row->account;
  }
  return 0;
}

static int on_status(void *ctx, const vigil_status_row *row) {
  rep *r = ctx;
  if (row->account < 1 || row->account > r->maxid) return 0;
  acc *a = &r->a[row->account];
  a->status = (uint8_t)row->status; /* rows in time order: the last one wins */
  if (row->status == VIGIL_STATUS_SUSPENDED && a->suspended == VIGIL_TIME_UNKNOWN)
    a->suspended = row->observed_at;
  return 0;
}

static vigil_str trim(vigil_str v) {
  while (v.len && (v.ptr[0] == ' ' || v.ptr[0] == '\t')) v.ptr++, v.len--;
  while (v.len && (v.ptr[v.len - 1] == ' ' || v.ptr[v.len - 1] == '\t')) v.len--;
  return v;
}

#define MAX_CAPTURE 200000 /* names kept from the first pass */

/* Keeps the names of accounts the tables may show (top scores; hyperactive
 * by their profile counter), so that no second pass over accounts is needed. */
static int capture(rep *r, const vigil_account_row *row) {
  if (r->nwant >= MAX_CAPTURE) { r->capture_full = 1; return 0; }
  if (r->nwant == r->capwant) {
    size_t nc = r->capwant ? r->capwant * 2 : 256;
    int64_t *w = realloc(r->want, nc * sizeof *w);
    if (w) r->want = w;
    char **u = realloc(r->wuser, nc * sizeof *u);
    if (u) r->wuser = u;
    char **n = realloc(r->wname, nc * sizeof *n);
    if (n) r->wname = n;
    char **p = realloc(r->wpid, nc * sizeof *p);
    if (p) r->wpid = p;
    if (!w || !u || !n || !p) return VIGIL_ENOMEM;
    r->capwant = nc;
  }
  size_t k = r->nwant++;
  vigil_str u = row->a.username, n = row->a.display_name, i = row->a.platform_id;
  r->want[k] = row->id;
  r->wuser[k] = vigil_strndup(u.ptr ? u.ptr : "", u.len > 256 ? 256 : u.len);
  r->wname[k] = vigil_strndup(n.ptr ? n.ptr : "", n.len > 256 ? 256 : n.len);
  r->wpid[k] = vigil_strndup(i.ptr ? i.ptr : "", i.len > 256 ? 256 : i.len);
  return r->wuser[k] && r->wname[k] && r->wpid[k] ? 0 : VIGIL_ENOMEM;
}

static double per_day(const rep *r, const acc *a);

static int on_account(void *ctx, const vigil_account_row *row) {
  rep *r = ctx;
  if (row->id < 1 || row->id > r->maxid) return 0;
  acc *a = &r->a[row->id];
  a->exists = 1;
  a->created = row->a.created_at, a->profile_at = row->profile_at;
  a->followers = row->a.followers, a->following = row->a.following, a->statuses = row->a.statuses;
  int rc = 0;
  vigil_str lang = trim(row->a.lang), loc = trim(row->a.location);
  if (lang.ptr && lang.len) rc = dict_id(&r->langs, lang, 16, &a->lang);
  if (!rc && row->has_profile) rc = dict_id(&r->locs, loc.len ? loc : VIGIL_STR_LIT("(not set)"), 48, &a->loc);
  r->ngroup[grp(r, a)]++;
  if (!rc && ((r->topsorted && bsearch(&row->id, r->topsorted, r->ntop, sizeof *r->topsorted, cmp_i64)) ||
              per_day(r, a) >= r->o->hyper_per_day))
    rc = capture(r, row);
  return rc;
}

static void author_done(rep *r) {
  if (r->cur < 1) return;
  acc *a = &r->a[r->cur];
  uint32_t best = 0;
  if (a->lang == NONE32 && r->nl) {
    for (int i = 1; i < r->nl; i++) if (r->ln[i] > r->ln[best]) best = (uint32_t)i;
    a->lang = r->lc[best];
  }
  best = 0;
  if (r->nd) {
    for (int i = 1; i < r->nd; i++) if (r->dn[i] > r->dn[best]) best = (uint32_t)i;
    a->dev = r->dc[best];
  }
  r->nl = r->nd = 0;
}

static void tally(uint32_t *c, uint32_t *n, int *k, uint32_t id) {
  for (int i = 0; i < *k; i++)
    if (c[i] == id) { n[i]++; return; }
  if (*k < 8) c[*k] = id, n[*k] = 1, (*k)++;
}

static int on_post(void *ctx, const vigil_post_row *p) {
  rep *r = ctx;
  if (p->author < 1 || p->author > r->maxid) return 0;
  if (p->author != r->cur) author_done(r), r->cur = p->author;
  acc *a = &r->a[p->author];
  int g = grp(r, a), rc = 0;
  a->posts++;
  if (p->created_at != VIGIL_TIME_UNKNOWN) {
    if (a->first_post == VIGIL_TIME_UNKNOWN || p->created_at < a->first_post) a->first_post = p->created_at;
    if (a->last_post == VIGIL_TIME_UNKNOWN || p->created_at > a->last_post) a->last_post = p->created_at;
  }
  uint32_t id;
  vigil_str l = trim(p->lang), src = trim(p->source);
  if (l.ptr && l.len) {
    if ((rc = dict_id(&r->langs, l, 16, &id))) return rc;
    tally(r->lc, r->ln, &r->nl, id);
  }
  if (src.ptr && src.len) {
    if ((rc = dict_id(&r->devs, src, 48, &id))) return rc;
    tally(r->dc, r->dn, &r->nd, id);
  }
  for (size_t i = 0; i < p->n_hashtags && i < 64; i++) {
    char low[141];
    size_t n = p->hashtags[i].len < 140 ? p->hashtags[i].len : 140;
    for (size_t j = 0; j < n; j++) {
      char c = p->hashtags[i].ptr[j];
      low[j] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
    }
    if ((rc = dict_id(&r->tags, (vigil_str){low, n}, 140, &id))) return rc;
    r->tags.cnt[id][g]++;
    if (r->tags.last[id] != p->author) r->tags.last[id] = p->author, r->tags.acc[id][g]++;
  }
  for (size_t i = 0; i < p->n_urls && i < 64; i++) {
    if (!p->url_domains || !p->url_domains[i].ptr || !p->url_domains[i].len) continue;
    if ((rc = dict_id(&r->doms, p->url_domains[i], 128, &id))) return rc;
    r->doms.cnt[id][g]++;
    if (r->doms.last[id] != p->author) r->doms.last[id] = p->author, r->doms.acc[id][g]++;
  }
  return 0;
}

/* Posts per day: the profile's post counter over the account's age at the
 * snapshot; else the stored posts over the span they cover (at least a day). */
static double per_day(const rep *r, const acc *a) {
  /* a profile observed at ingest time (no retrieval time in the data) would
   * age every account to today: the end of the stored posts bounds it */
  int64_t ref = a->profile_at;
  if (ref != VIGIL_TIME_UNKNOWN && r->data_end != VIGIL_TIME_UNKNOWN && r->data_end < ref) ref = r->data_end;
  if (a->statuses >= 0 && a->created != VIGIL_TIME_UNKNOWN && ref != VIGIL_TIME_UNKNOWN && ref > a->created)
    return (double)a->statuses / fmax(1.0, (double)(ref - a->created) / DAY);
  if (a->posts && a->first_post != VIGIL_TIME_UNKNOWN)
    return (double)a->posts / fmax(1.0, (double)(a->last_post - a->first_post) / DAY);
  return -1;
}

/* ---- output helpers ---------------------------------------------------------------- */
typedef struct table {
  rep *r;
  vigil_buf *h;
  vigil_buf csv;
  const char *file;
  int rc, col;
} table;

static void t_begin(table *t, rep *r, vigil_buf *h, const char *file, const char *const *cols, int n) {
  t->r = r, t->h = h, t->file = file, t->rc = 0, t->col = 0;
  vigil_buf_init(&t->csv);
  vigil_buf_append_str(h, VIGIL_STR_LIT("<div class=\"tw\"><table><thead><tr>"));
  for (int i = 0; i < n; i++) {
    vigil_buf_printf(h, "<th>%s</th>", cols[i]); /* static, trusted headers */
    if (i) vigil_buf_putc(&t->csv, ',');
    vigil_buf_append_csv_field(&t->csv, vigil_str_c(cols[i]));
  }
  vigil_buf_append_str(h, VIGIL_STR_LIT("</tr></thead><tbody>\n"));
  vigil_buf_putc(&t->csv, '\n');
}
static void t_row(table *t) { vigil_buf_append(t->h, "<tr>", 4), t->col = 0; }
static void t_str(table *t, vigil_str s, size_t max) {
  vigil_buf_append(t->h, "<td>", 4);
  if (!t->rc) t->rc = vigil_report_html_text(t->h, s, max);
  vigil_buf_append(t->h, "</td>", 5);
  if (t->col++) vigil_buf_putc(&t->csv, ',');
  /* CSV keeps the whole value; spreadsheet formulas are neutered */
  vigil_buf_append_csv_field(&t->csv, s.ptr ? s : VIGIL_STR_LIT(""));
}
static void t_num(table *t, const char *fmt, double v) {
  char x[64];
  if (!isfinite(v)) x[0] = '\0';
  else snprintf(x, sizeof x, fmt, v);
  vigil_buf_printf(t->h, "<td class=\"n\">%s</td>", x);
  if (t->col++) vigil_buf_putc(&t->csv, ',');
  vigil_buf_append(&t->csv, x, strlen(x));
}
static void t_end_row(table *t) { vigil_buf_append(t->h, "</tr>\n", 6), vigil_buf_putc(&t->csv, '\n'); }
static int t_end(table *t) {
  vigil_buf_append_str(t->h, VIGIL_STR_LIT("</tbody></table></div>\n"));
  int rc = t->rc;
  if (!rc && t->r->o->csv_dir) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", t->r->o->csv_dir, t->file);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(t->csv.data ? t->csv.data : "", 1, t->csv.len, f) != t->csv.len) rc = VIGIL_EIO;
    if (f && fclose(f) && !rc) rc = VIGIL_EIO;
    if (rc && t->r->o->log) fprintf(t->r->o->log, "report: cannot write %s: %s\n", path, strerror(errno));
  }
  vigil_buf_release(&t->csv);
  return rc;
}

static void h2(vigil_buf *h, const char *id, const char *title, const char *note) {
  vigil_buf_printf(h, "<section id=\"%s\"><h2>%s</h2>\n", id, title);
  if (note) vigil_buf_printf(h, "<p class=\"note\">%s</p>\n", note);
}
static void end_section(vigil_buf *h) { vigil_buf_append_str(h, VIGIL_STR_LIT("</section>\n")); }

static const char *gname(const rep *r, int g) {
  return r->census ? (g == 0 ? "Predicted supporters" : "Everyone else") : "All accounts";
}

/* ---- names of accounts shown in tables -------------------------------------------- */
static int on_name(void *ctx, const vigil_account_row *row) {
  rep *r = ctx;
  int64_t *p = bsearch(&row->id, r->want, r->nwant, sizeof *r->want, cmp_i64);
  if (!p) return 0;
  size_t k = (size_t)(p - r->want);
  vigil_str u = row->a.username, n = row->a.display_name, i = row->a.platform_id;
  r->wuser[k] = vigil_strndup(u.ptr ? u.ptr : "", u.len > 256 ? 256 : u.len);
  r->wname[k] = vigil_strndup(n.ptr ? n.ptr : "", n.len > 256 ? 256 : n.len);
  r->wpid[k] = vigil_strndup(i.ptr ? i.ptr : "", i.len > 256 ? 256 : i.len);
  return r->wuser[k] && r->wname[k] && r->wpid[k] ? 0 : VIGIL_ENOMEM;
}
static size_t name_idx(const rep *r, int64_t id) {
  if (!r->nwant) return SIZE_MAX;
  int64_t *p = bsearch(&id, r->want, r->nwant, sizeof *r->want, cmp_i64);
  return p ? (size_t)(p - r->want) : SIZE_MAX;
}
static vigil_str wstr(char **v, size_t k) {
  return k == SIZE_MAX || !v[k] ? VIGIL_STR_LIT("") : vigil_str_c(v[k]);
}

/* ---- sections ------------------------------------------------------------------------ */
typedef struct ranked {
  uint32_t id;
  double key;
} ranked;
static int cmp_ranked(const void *x, const void *y) {
  const ranked *a = x, *b = y;
  if (a->key != b->key) return a->key > b->key ? -1 : 1;
  return a->id < b->id ? -1 : a->id > b->id;
}

/* Category shares per group (accounts), chart + table of the top k. */
static int categories(rep *r, vigil_buf *h, const char *id, const char *title, const char *note,
                      dict *d, size_t field_off, const char *file, size_t k) {
  for (size_t i = 0; i < d->n; i++) d->cnt[i][0] = d->cnt[i][1] = 0;
  uint64_t tot[2] = {0, 0};
  for (int64_t i = 1; i <= r->maxid; i++) {
    acc *a = &r->a[i];
    if (!a->exists) continue;
    uint32_t c = *(const uint32_t *)((const char *)a + field_off);
    if (c == NONE32) continue;
    int g = grp(r, a);
    d->cnt[c][g]++, tot[g]++;
  }
  int g0 = r->census ? 0 : 1;
  ranked *rk = malloc((d->n + 1) * sizeof *rk);
  if (!rk) return VIGIL_ENOMEM;
  for (size_t i = 0; i < d->n; i++)
    rk[i] = (ranked){(uint32_t)i, (double)d->cnt[i][g0] * 1e6 + (double)d->cnt[i][1] / 1e9};
  qsort(rk, d->n, sizeof *rk, cmp_ranked);
  size_t n = d->n < k ? d->n : k;
  const char **labels = calloc(n + 1, sizeof *labels);
  double *s0 = calloc(n + 1, sizeof *s0), *s1 = calloc(n + 1, sizeof *s1);
  int rc = 0;
  if (!labels || !s0 || !s1) rc = VIGIL_ENOMEM;
  for (size_t i = 0; i < n && !rc; i++) {
    labels[i] = d->s[rk[i].id];
    s0[i] = tot[g0] ? (double)d->cnt[rk[i].id][g0] / (double)tot[g0] : 0;
    s1[i] = tot[1] ? (double)d->cnt[rk[i].id][1] / (double)tot[1] : 0;
  }
  if (!rc) {
    h2(h, id, title, note);
    vigil_chart c = {title, labels, n, {s0, s1}, {gname(r, g0), gname(r, 1)}, r->census ? 2 : 1, 1};
    if (!r->census) c.series[0] = s1, c.names[0] = gname(r, 1);
    rc = vigil_svg_hbars(h, &c);
  }
  if (!rc) {
    static const char *const c2[] = {"value", "supporters", "supporters_share", "others", "others_share"};
    static const char *const c1[] = {"value", "accounts", "share"};
    table t;
    t_begin(&t, r, h, file, r->census ? c2 : c1, r->census ? 5 : 3);
    for (size_t i = 0; i < n; i++) {
      t_row(&t);
      t_str(&t, vigil_str_c(labels[i]), 80);
      if (r->census) t_num(&t, "%.0f", (double)d->cnt[rk[i].id][0]), t_num(&t, "%.1f%%", 100 * s0[i]);
      t_num(&t, "%.0f", (double)d->cnt[rk[i].id][1]), t_num(&t, "%.1f%%", 100 * s1[i]);
      t_end_row(&t);
    }
    rc = t_end(&t);
    end_section(h);
  }
  free(rk), free(labels), free(s0), free(s1);
  return rc;
}

static int cmp_double(const void *x, const void *y) {
  double a = *(const double *)x, b = *(const double *)y;
  return a < b ? -1 : a > b;
}

static double median(double *v, size_t n) {
  if (!n) return NAN;
  size_t m = n / 2;
  qsort(v, n, sizeof *v, cmp_double);
  return n % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

typedef double (*metric_fn)(const rep *r, const acc *a);
static double m_followers(const rep *r, const acc *a) { return a->followers >= 0 ? (double)a->followers : -1; }
static double m_following(const rep *r, const acc *a) { return a->following >= 0 ? (double)a->following : -1; }
static double m_perday(const rep *r, const acc *a) { return per_day(r, a); }

static int distributions(rep *r, vigil_buf *h) {
  static const struct { const char *id, *title, *file; metric_fn f; int ppd; } M[] = {
      {"followers", "Followers", "followers_hist.csv", m_followers, 0},
      {"following", "Following", "following_hist.csv", m_following, 0},
      {"perday", "Posts per day", "posts_per_day_hist.csv", m_perday, 1}};
  int rc = 0;
  h2(h, "activity", "Followers, following and activity",
     "Log-scale bins (half decades). Shares are of each group's accounts with a known value. "
     "Posts per day = the profile's post count divided by the account's age when the profile "
     "was observed; without a profile count, the stored posts over the days they span.");
  size_t cap = (size_t)r->maxid + 1;
  double *vals[2] = {malloc(cap * sizeof(double)), malloc(cap * sizeof(double))};
  if (!vals[0] || !vals[1]) { free(vals[0]), free(vals[1]); return VIGIL_ENOMEM; }
  static const char *const sc[] = {"metric", "group", "accounts", "median", "mean"};
  /* the medians table goes after the charts: build it aside */
  vigil_buf tb = VIGIL_BUF_INIT;
  table st;
  t_begin(&st, r, &tb, "activity_summary.csv", sc, 5);
  for (size_t m = 0; m < 3 && !rc; m++) {
    size_t nv[2] = {0, 0};
    double hist[2][NB] = {{0}}, sum[2] = {0, 0};
    int nb = M[m].ppd ? NPB : NB;
    for (int64_t i = 1; i <= r->maxid; i++) {
      acc *a = &r->a[i];
      if (!a->exists) continue;
      double v = M[m].f(r, a);
      if (v < 0) continue;
      int g = grp(r, a);
      vals[g][nv[g]++] = v, sum[g] += v;
      /* posts/day: bins start at 0.1/day, so shift by two half decades */
      int b = M[m].ppd ? (v < 0.1 ? 0 : vigil_log_bin(v * 100, nb + 4) - 4) : vigil_log_bin(v, nb);
      if (M[m].ppd && b < 0) b = 0;
      if (b >= nb) b = nb - 1;
      hist[g][b]++;
    }
    char labs[NB][32];
    const char *lp[NB];
    for (int b = 0; b < nb; b++) {
      if (!M[m].ppd) vigil_log_bin_label(b, nb, labs[b]);
      else {
        static const char *const P[NPB] = {"<0.1", "0.1\xe2\x80\x93<0.3", "0.3\xe2\x80\x93<1", "1\xe2\x80\x93<3",
                                           "3\xe2\x80\x93<10", "10\xe2\x80\x93<30", "30\xe2\x80\x93<100", "100\xe2\x80\x93<300", "300+"};
        snprintf(labs[b], 32, "%s", P[b]);
      }
      lp[b] = labs[b];
      for (int g = 0; g < 2; g++) hist[g][b] = nv[g] ? hist[g][b] / (double)nv[g] : 0;
    }
    for (int g = r->census ? 0 : 1; g < 2; g++) {
      t_row(&st);
      t_str(&st, vigil_str_c(M[m].title), 0);
      t_str(&st, vigil_str_c(gname(r, g)), 0);
      t_num(&st, "%.0f", (double)nv[g]);
      t_num(&st, "%.2f", median(vals[g], nv[g]));
      t_num(&st, "%.2f", nv[g] ? sum[g] / (double)nv[g] : NAN);
      t_end_row(&st);
    }
    vigil_buf_printf(h, "<h3>%s</h3>\n", M[m].title);
    vigil_chart c = {M[m].title, lp, (size_t)nb, {hist[0], hist[1]}, {gname(r, 0), gname(r, 1)}, 2, 1};
    if (!r->census) c.series[0] = hist[1], c.names[0] = gname(r, 1), c.nseries = 1;
    rc = vigil_svg_vbars(h, &c);
    /* the histogram's table as CSV only */
    if (!rc && r->o->csv_dir) {
      vigil_buf cb = VIGIL_BUF_INIT;
      vigil_buf_printf(&cb, "bin,%s\n", r->census ? "supporters_share,others_share" : "share");
      for (int b = 0; b < nb; b++) {
        vigil_buf_append_csv_field(&cb, vigil_str_c(lp[b]));
        if (r->census) vigil_buf_printf(&cb, ",%.6f", hist[0][b]);
        vigil_buf_printf(&cb, ",%.6f\n", hist[1][b]);
      }
      char path[4096];
      snprintf(path, sizeof path, "%s/%s", r->o->csv_dir, M[m].file);
      FILE *f = fopen(path, "wb");
      if (!f || fwrite(cb.data, 1, cb.len, f) != cb.len) rc = VIGIL_EIO;
      if (f && fclose(f) && !rc) rc = VIGIL_EIO;
      vigil_buf_release(&cb);
    }
  }
  int rc2 = t_end(&st);
  vigil_buf_append_str(h, VIGIL_STR_LIT("<h3>Medians and means</h3>\n"));
  vigil_buf_append(h, tb.data ? tb.data : "", tb.len);
  vigil_buf_release(&tb);
  end_section(h);
  free(vals[0]), free(vals[1]);
  return rc ? rc : rc2;
}

static int month_of(int64_t t) {
  time_t tt = (time_t)t;
  struct tm tm;
  if (!gmtime_r(&tt, &tm)) return -1;
  return (tm.tm_year + 1900) * 12 + tm.tm_mon;
}

/* Monthly counts of a per-account time, per group. */
static int months(rep *r, vigil_buf *h, const char *id, const char *title, const char *note,
                  size_t off, const char *file, int share) {
  int lo = INT32_MAX, hi = -1;
  for (int64_t i = 1; i <= r->maxid; i++) {
    acc *a = &r->a[i];
    int64_t t = *(const int64_t *)((const char *)a + off);
    if (!a->exists || t == VIGIL_TIME_UNKNOWN) continue;
    int m = month_of(t);
    if (m < 0) continue;
    if (m < lo) lo = m;
    if (m > hi) hi = m;
  }
  h2(h, id, title, note);
  int n = hi < 0 ? 0 : hi - lo + 1;
  if (n > MAX_MONTHS) lo = hi - MAX_MONTHS + 1, n = MAX_MONTHS; /* older ones go in the first */
  double *c[2] = {calloc((size_t)n + 1, sizeof(double)), calloc((size_t)n + 1, sizeof(double))};
  char(*labs)[32] = calloc((size_t)n + 1, 32);
  const char **lp = calloc((size_t)n + 1, sizeof *lp);
  int rc = 0;
  if (!c[0] || !c[1] || !labs || !lp) rc = VIGIL_ENOMEM;
  double tot[2] = {0, 0};
  for (int64_t i = 1; i <= r->maxid && !rc; i++) {
    acc *a = &r->a[i];
    int64_t t = *(const int64_t *)((const char *)a + off);
    if (!a->exists || t == VIGIL_TIME_UNKNOWN) continue;
    int m = month_of(t);
    if (m < 0) continue;
    if (m < lo) m = lo;
    c[grp(r, a)][m - lo]++, tot[grp(r, a)]++;
  }
  for (int i = 0; i < n && !rc; i++) {
    snprintf(labs[i], 32, "%04d-%02d", (lo + i) / 12, (lo + i) % 12 + 1);
    lp[i] = labs[i];
  }
  if (!rc) {
    double *s[2] = {c[0], c[1]};
    double *sh[2] = {NULL, NULL};
    if (share) {
      for (int g = 0; g < 2 && !rc; g++) {
        if (!(sh[g] = calloc((size_t)n + 1, sizeof(double)))) { rc = VIGIL_ENOMEM; break; }
        for (int i = 0; i < n; i++) sh[g][i] = tot[g] ? c[g][i] / tot[g] : 0;
        s[g] = sh[g];
      }
    }
    if (!rc) {
      vigil_chart ch = {title, lp, (size_t)n, {s[0], s[1]}, {gname(r, 0), gname(r, 1)}, 2, share};
      if (!r->census) ch.series[0] = s[1], ch.names[0] = gname(r, 1), ch.nseries = 1;
      rc = vigil_svg_vbars(h, &ch);
    }
    if (!rc) {
      static const char *const c2[] = {"month", "supporters", "others"};
      static const char *const c1[] = {"month", "accounts"};
      table t;
      t_begin(&t, r, h, file, r->census ? c2 : c1, r->census ? 3 : 2);
      for (int i = 0; i < n; i++) {
        if (!c[0][i] && !c[1][i]) continue;
        t_row(&t);
        t_str(&t, vigil_str_c(labs[i]), 0);
        if (r->census) t_num(&t, "%.0f", c[0][i]);
        t_num(&t, "%.0f", c[1][i]);
        t_end_row(&t);
      }
      rc = t_end(&t);
    }
    free(sh[0]), free(sh[1]);
  }
  end_section(h);
  free(c[0]), free(c[1]), free(labs), free(lp);
  return rc;
}

static int top_terms(rep *r, vigil_buf *h, dict *d, const char *id, const char *title,
                     const char *what, const char *file, size_t k) {
  int g0 = r->census ? 0 : 1;
  ranked *rk = malloc((d->n + 1) * sizeof *rk);
  if (!rk) return VIGIL_ENOMEM;
  for (size_t i = 0; i < d->n; i++) rk[i] = (ranked){(uint32_t)i, (double)d->cnt[i][g0]};
  qsort(rk, d->n, sizeof *rk, cmp_ranked);
  size_t n = 0;
  while (n < d->n && n < k && rk[n].key > 0) n++;
  h2(h, id, title, r->census ? "Ranked by posts of predicted supporters; the same term's use by everyone else alongside."
                             : "No census run: ranked over all accounts.");
  static const char *const c2[] = {"term", "supporter_posts", "supporter_accounts", "other_posts", "other_accounts"};
  static const char *const c1[] = {"term", "posts", "accounts"};
  table t;
  t_begin(&t, r, h, file, r->census ? c2 : c1, r->census ? 5 : 3);
  for (size_t i = 0; i < n; i++) {
    uint32_t x = rk[i].id;
    t_row(&t);
    char pre[160];
    snprintf(pre, sizeof pre, "%s%s", what, d->s[x]);
    t_str(&t, vigil_str_c(pre), 80);
    if (r->census) t_num(&t, "%.0f", (double)d->cnt[x][0]), t_num(&t, "%.0f", (double)d->acc[x][0]);
    t_num(&t, "%.0f", (double)d->cnt[x][1]), t_num(&t, "%.0f", (double)d->acc[x][1]);
    t_end_row(&t);
  }
  int rc = t_end(&t);
  end_section(h);
  free(rk);
  return rc;
}

static void acct_cells(rep *r, table *t, int64_t id) {
  size_t k = name_idx(r, id);
  t_str(t, wstr(r->wpid, k), 40);
  t_str(t, wstr(r->wuser, k), 60);
  t_str(t, wstr(r->wname, k), 60);
}

static const char *status_name(const acc *a) {
  return a->status == 255 ? "" : vigil_status_name(a->status);
}

/* ---- the document ---------------------------------------------------------------------- */
static const char CSS[] =
    "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1d2329;"
    "background:#f6f7f8;margin:0}main{max-width:960px;margin:0 auto;padding:24px 28px 60px;"
    "background:#fff}h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:32px 0 8px;"
    "padding-top:12px;border-top:1px solid #d9dde1}h3{font-size:15px;margin:18px 0 6px}"
    ".sub{color:#5b6670;margin:0 0 16px}.note{color:#5b6670;font-size:13px;margin:4px 0 10px}"
    ".warn{background:#fff6e0;border:1px solid #e8c66a;padding:10px 14px;border-radius:4px}"
    ".cards{display:flex;flex-wrap:wrap;gap:12px;margin:12px 0}.card{flex:1 1 160px;"
    "border:1px solid #d9dde1;border-radius:4px;padding:10px 14px}.card b{display:block;"
    "font-size:22px}.card span{color:#5b6670;font-size:12px}.tw{overflow-x:auto;max-height:520px;"
    "overflow-y:auto;margin:8px 0}table{border-collapse:collapse;width:100%;font-size:13px}"
    "th,td{border-bottom:1px solid #e4e7ea;padding:4px 8px;text-align:left;vertical-align:top}"
    "th{background:#eef0f2;position:sticky;top:0}td.n{text-align:right;"
    "font-variant-numeric:tabular-nums;white-space:nowrap}td{overflow-wrap:break-word;max-width:340px}"
    "svg.chart{display:block;max-width:100%;height:auto;margin:8px 0}svg .ax{font-size:11px;"
    "fill:#4a545e}svg .lg{font-size:12px;fill:#1d2329}svg .vl{font-size:10px;fill:#4a545e}"
    "svg .grid{stroke:#e4e7ea}svg .base{stroke:#8a949e}nav{font-size:13px;margin:8px 0 0}"
    "nav a{color:#2b5f8a;margin-right:10px}footer{margin-top:40px;color:#5b6670;font-size:12px}";

static double jnum(const cJSON *o, const char *k) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
  return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static void card(vigil_buf *h, const char *label, const char *value) {
  vigil_buf_printf(h, "<div class=\"card\"><b>%s</b><span>%s</span></div>", value, label);
}

static int summary(rep *r, vigil_buf *h) {
  vigil_store_stats st;
  int rc = vigil_store_stats_get(r->s, &st);
  if (rc) return rc;
  h2(h, "summary", "Summary", NULL);
  char v[96];
  static const char *const cols[] = {"measure", "value"};
  table t;
  if (r->census) {
    const cJSON *ci = cJSON_GetObjectItemCaseSensitive(r->summary, "ci95");
    const cJSON *cv = cJSON_GetObjectItemCaseSensitive(r->summary, "cv");
    double est = jnum(r->summary, "estimate"), lo = NAN, hi = NAN;
    if (cJSON_IsArray(ci) && cJSON_GetArraySize(ci) == 2) {
      const cJSON *a = cJSON_GetArrayItem(ci, 0), *b = cJSON_GetArrayItem(ci, 1);
      if (cJSON_IsNumber(a)) lo = a->valuedouble;
      if (cJSON_IsNumber(b)) hi = b->valuedouble;
    }
    double pred = jnum(r->summary, "predicted_supporters"), sc = jnum(r->summary, "accounts_scored");
    double lab = jnum(r->summary, "labelled");
    double p = jnum(cv, "precision"), rc_ = jnum(cv, "recall"), auc = jnum(cv, "auc");
    vigil_buf_append_str(h, VIGIL_STR_LIT("<div class=\"cards\">"));
    snprintf(v, sizeof v, "%.0f", est), card(h, "estimated supporters", v);
    snprintf(v, sizeof v, "%.0f &ndash; %.0f", lo, hi), card(h, "95% interval", v);
    snprintf(v, sizeof v, "%.0f", pred), card(h, "predicted supporters (score &ge; threshold)", v);
    snprintf(v, sizeof v, "%.2f / %.2f / %.2f", p, rc_, auc), card(h, "CV precision / recall / AUC", v);
    vigil_buf_append_str(h, VIGIL_STR_LIT("</div>\n"));
    t_begin(&t, r, h, "summary.csv", cols, 2);
    static const char *const names[] = {"census run", "accounts scored", "labelled accounts",
                                        "predicted supporters", "estimate", "ci95 low", "ci95 high",
                                        "cv precision", "cv recall", "cv auc"};
    double vals[] = {(double)r->run, sc, lab, pred, est, lo, hi, p, rc_, auc};
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
      t_row(&t), t_str(&t, vigil_str_c(names[i]), 0);
      t_num(&t, i >= 7 ? "%.3f" : "%.0f", vals[i]), t_end_row(&t);
    }
  } else {
    vigil_buf_append_str(h, VIGIL_STR_LIT(
        "<p class=\"warn\" id=\"nocensus\"><b>No census has been run on this store.</b> "
        "This report shows the descriptive parts only. Import analyst labels "
        "(<code>vigil label import</code>) and run <code>vigil census</code> to add scores, "
        "the estimate and the comparison of predicted supporters with everyone else.</p>\n"));
    t_begin(&t, r, h, "summary.csv", cols, 2);
    t_row(&t), t_str(&t, VIGIL_STR_LIT("census run"), 0), t_str(&t, VIGIL_STR_LIT("none"), 0), t_end_row(&t);
  }
  double sv[] = {(double)st.accounts, (double)st.accounts_with_profile, (double)st.posts,
                 (double)st.edges[0], (double)(st.edges[1] + st.edges[2] + st.edges[3] + st.edges[4]),
                 (double)st.status_by_kind[VIGIL_STATUS_SUSPENDED]};
  static const char *const sn[] = {"accounts in store", "accounts with a profile", "posts",
                                   "follow edges", "interaction edges", "accounts suspended (latest status)"};
  for (size_t i = 0; i < 6; i++) {
    t_row(&t), t_str(&t, vigil_str_c(sn[i]), 0), t_num(&t, "%.0f", sv[i]), t_end_row(&t);
  }
  char a[32], b[32];
  vigil_time_format(st.first_post_at, a), vigil_time_format(st.last_post_at, b);
  if (st.first_post_at != VIGIL_TIME_UNKNOWN) {
    snprintf(v, sizeof v, "%s to %s", a, b);
    t_row(&t), t_str(&t, VIGIL_STR_LIT("posts from"), 0), t_str(&t, vigil_str_c(v), 0), t_end_row(&t);
  }
  rc = t_end(&t);
  end_section(h);
  return rc;
}

static int score_hist(rep *r, vigil_buf *h) {
  h2(h, "scores", "Score distribution",
     "Scores of every account in the latest census run, in bins of 0.05. A score is the model's "
     "probability that the account belongs with the labelled supporters.");
  double c[20] = {0};
  const char *lp[20];
  char labs[20][32];
  for (int64_t i = 1; i <= r->maxid; i++) {
    if (r->a[i].score < 0) continue;
    int b = (int)floor(r->a[i].score * 20);
    c[b < 0 ? 0 : b > 19 ? 19 : b]++;
  }
  for (int b = 0; b < 20; b++) snprintf(labs[b], 32, "%.2f", b * 0.05), lp[b] = labs[b];
  vigil_chart ch = {"Accounts by score", lp, 20, {c, NULL}, {"accounts", NULL}, 1, 0};
  int rc = vigil_svg_vbars(h, &ch);
  static const char *const cols[] = {"score_from", "accounts"};
  table t;
  t_begin(&t, r, h, "score_histogram.csv", cols, 2);
  for (int b = 0; b < 20; b++) t_row(&t), t_str(&t, vigil_str_c(labs[b]), 0), t_num(&t, "%.0f", c[b]), t_end_row(&t);
  int rc2 = t_end(&t);
  end_section(h);
  return rc ? rc : rc2;
}

static int hyperactive(rep *r, vigil_buf *h, ranked *hy, size_t nh) {
  char note[256];
  snprintf(note, sizeof note,
           "Accounts posting at least %g posts per day (see the definition above), most active first.",
           r->o->hyper_per_day);
  h2(h, "hyperactive", "Hyperactive accounts", note);
  static const char *const cols[] = {"account_id", "username", "display_name", "posts_per_day", "score", "predicted", "status"};
  table t;
  t_begin(&t, r, h, "hyperactive.csv", cols, 7);
  for (size_t i = 0; i < nh; i++) {
    acc *a = &r->a[hy[i].id];
    t_row(&t), acct_cells(r, &t, hy[i].id);
    t_num(&t, "%.1f", hy[i].key);
    t_num(&t, "%.3f", a->score >= 0 ? a->score : NAN);
    t_str(&t, vigil_str_c(a->score < 0 ? "" : a->pred ? "yes" : "no"), 0);
    t_str(&t, vigil_str_c(status_name(a)), 0);
    t_end_row(&t);
  }
  int rc = t_end(&t);
  end_section(h);
  return rc;
}

static int recreated(rep *r, vigil_buf *h) {
  h2(h, "recreated", "Re-created accounts",
     "Newer accounts whose name resembles a suspended account's, created after the suspension, "
     "with overlapping follow neighbourhoods (vigil recreated; score = 0.4 name similarity + "
     "0.3 min(1, 2 followee Jaccard) + 0.3 min(1, 2 follower Jaccard)).");
  vigil_recreated_list l;
  int rc = vigil_recreated_find(r->s, NULL, &l);
  if (rc) return rc;
  static const char *const cols[] = {"new_id", "new_username", "old_id", "old_username", "name_similarity",
                                     "followee_overlap", "follower_overlap", "suspended_at", "created_at", "score"};
  table t;
  t_begin(&t, r, h, "recreated.csv", cols, 10);
  for (size_t i = 0; i < l.n; i++) {
    const vigil_recreated_pair *p = &l.pairs[i];
    char sa[32] = "", ca[32] = "";
    if (p->suspended_at != VIGIL_TIME_UNKNOWN) vigil_time_format(p->suspended_at, sa);
    if (p->created_at != VIGIL_TIME_UNKNOWN) vigil_time_format(p->created_at, ca);
    t_row(&t);
    t_str(&t, vigil_str_c(p->new_platform_id), 40), t_str(&t, vigil_str_c(p->new_username), 60);
    t_str(&t, vigil_str_c(p->old_platform_id), 40), t_str(&t, vigil_str_c(p->old_username), 60);
    t_num(&t, "%.2f", p->name_similarity), t_num(&t, "%.2f", p->followee_overlap);
    t_num(&t, "%.2f", p->follower_overlap);
    t_str(&t, vigil_str_c(sa), 0), t_str(&t, vigil_str_c(ca), 0);
    t_num(&t, "%.2f", p->score);
    t_end_row(&t);
  }
  vigil_buf_printf(h, "<p class=\"note\">%zu pairs among %llu suspended accounts.</p>\n", l.n,
                   (unsigned long long)l.suspended);
  rc = t_end(&t);
  end_section(h);
  vigil_recreated_list_release(&l);
  return rc;
}

static int top_accounts(rep *r, vigil_buf *h) {
  h2(h, "top", "Top-scored accounts",
     "Highest scores of the latest census run with the strongest reasons (signed log-odds "
     "contributions). Each row is a lead for an analyst to review.");
  static const char *const cols[] = {"rank", "account_id", "username", "display_name", "score", "predicted", "status", "why"};
  table t;
  t_begin(&t, r, h, "top_accounts.csv", cols, 8);
  /* the why strings are read back from the store for the few shown rows */
  for (size_t i = 0; i < r->ntop; i++) {
    acc *a = &r->a[r->top_ids[i]];
    t_row(&t), t_num(&t, "%.0f", (double)(i + 1)), acct_cells(r, &t, r->top_ids[i]);
    t_num(&t, "%.3f", a->score), t_str(&t, vigil_str_c(a->pred ? "yes" : "no"), 0);
    t_str(&t, vigil_str_c(status_name(a)), 0);
    t_str(&t, vigil_str_c(r->top_why && r->top_why[i] ? r->top_why[i] : ""), 300);
    t_end_row(&t);
  }
  int rc = t_end(&t);
  end_section(h);
  return rc;
}

static int build(rep *r, vigil_buf *h) {
  int rc;
  vigil_buf sj = VIGIL_BUF_INIT;
  if ((rc = vigil_store_census_latest(r->s, &r->run, &sj))) { vigil_buf_release(&sj); return rc; }
  if (r->run > 0) {
    r->summary = cJSON_ParseWithLength(sj.data ? sj.data : "", sj.len);
    r->census = r->summary && cJSON_IsObject(r->summary);
  }
  vigil_buf_release(&sj);
  vigil_store_stats sst;
  if ((rc = vigil_store_stats_get(r->s, &sst))) return rc;
  r->data_end = sst.last_post_at;
  r->maxid = vigil_store_max_account_id(r->s);
  if (r->maxid < 0 || r->maxid > MAX_ACCOUNT_ID) return VIGIL_ETOOBIG;
  r->a = malloc(((size_t)r->maxid + 1) * sizeof *r->a);
  size_t top = r->o->top > 0 ? (size_t)r->o->top : 0;
  r->top_ids = calloc(top + 1, sizeof *r->top_ids);
  r->top_why = calloc(top + 1, sizeof *r->top_why);
  if (!r->a || !r->top_ids || !r->top_why) return VIGIL_ENOMEM;
  for (int64_t i = 0; i <= r->maxid; i++) {
    acc *a = &r->a[i];
    memset(a, 0, sizeof *a);
    a->score = -1, a->status = 255, a->lang = a->loc = a->dev = NONE32;
    a->created = a->profile_at = a->first_post = a->last_post = a->suspended = VIGIL_TIME_UNKNOWN;
    a->followers = a->following = a->statuses = -1;
  }
  if (r->o->log) fprintf(r->o->log, "report: reading scores, accounts, statuses and posts\n");
  if (r->census && (rc = vigil_store_each_score(r->s, r->run, on_score, r))) return rc;
  r->topsorted = malloc((r->ntop + 1) * sizeof *r->topsorted);
  if (!r->topsorted) return VIGIL_ENOMEM;
  memcpy(r->topsorted, r->top_ids, r->ntop * sizeof *r->topsorted);
  qsort(r->topsorted, r->ntop, sizeof *r->topsorted, cmp_i64);
  if ((rc = vigil_store_each_account(r->s, on_account, r))) return rc;
  if ((rc = vigil_store_each_status(r->s, on_status, r))) return rc;
  r->cur = 0;
  if ((rc = vigil_store_each_post(r->s, on_post, r))) return rc;
  author_done(r);

  /* hyperactive accounts, most active first */
  ranked *hy = NULL;
  size_t nh = 0, hcap = 0;
  for (int64_t i = 1; i <= r->maxid; i++) {
    if (!r->a[i].exists) continue;
    double v = per_day(r, &r->a[i]);
    if (v < r->o->hyper_per_day) continue;
    if (nh == hcap) {
      size_t nc = hcap ? hcap * 2 : 64;
      ranked *q = realloc(hy, nc * sizeof *q);
      if (!q) { free(hy); return VIGIL_ENOMEM; }
      hy = q, hcap = nc;
    }
    hy[nh++] = (ranked){(uint32_t)i, v};
  }
  if (nh) qsort(hy, nh, sizeof *hy, cmp_ranked);
  uint64_t hyper_groups[2] = {0, 0};
  for (size_t i = 0; i < nh; i++) hyper_groups[grp(r, &r->a[hy[i].id])]++;
  size_t nhs = nh < top ? nh : top;

  /* display names of the accounts in the tables: captured during the
   * account pass unless something is missing (post-based activity, bound) */
  int missing = r->capture_full;
  for (size_t i = 0; i < nhs && !missing; i++)
    if (name_idx(r, hy[i].id) == SIZE_MAX) missing = 1;
  for (size_t i = 0; i < r->ntop && !missing; i++)
    if (name_idx(r, r->top_ids[i]) == SIZE_MAX) missing = 1;
  if (missing) {
    for (size_t i = 0; i < r->nwant; i++) free(r->wuser[i]), free(r->wname[i]), free(r->wpid[i]);
    free(r->want), free(r->wuser), free(r->wname), free(r->wpid);
    r->want = NULL, r->wuser = r->wname = r->wpid = NULL, r->nwant = r->capwant = 0;
    r->want = malloc((r->ntop + nhs + 1) * sizeof *r->want);
    if (!r->want) { free(hy); return VIGIL_ENOMEM; }
    for (size_t i = 0; i < r->ntop; i++) r->want[r->nwant++] = r->top_ids[i];
    for (size_t i = 0; i < nhs; i++) r->want[r->nwant++] = hy[i].id;
    qsort(r->want, r->nwant, sizeof *r->want, cmp_i64);
    size_t w = 0;
    for (size_t i = 0; i < r->nwant; i++)
      if (!w || r->want[w - 1] != r->want[i]) r->want[w++] = r->want[i];
    r->nwant = w;
    r->wuser = calloc(w + 1, sizeof *r->wuser), r->wname = calloc(w + 1, sizeof *r->wname);
    r->wpid = calloc(w + 1, sizeof *r->wpid);
    if (!r->wuser || !r->wname || !r->wpid) { free(hy); return VIGIL_ENOMEM; }
    if (w && (rc = vigil_store_each_account(r->s, on_name, r))) { free(hy); return rc; }
  }

  char gen[32];
  vigil_time_format((int64_t)time(NULL), gen);
  vigil_buf_printf(h,
                   "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                   "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
                   "style-src 'unsafe-inline'; img-src data:\">"
                   "<title>vigil census report</title><style>%s</style></head><body><main>\n"
                   "<h1>Census report</h1><p class=\"sub\">Generated %s by vigil %s%s</p>\n",
                   CSS, gen, VIGIL_VERSION, r->census ? "" : " &middot; no census run");
  vigil_buf_append_str(h, VIGIL_STR_LIT(
      "<p class=\"warn\" id=\"leads\">Scores and lists in this report are <b>leads for human "
      "review, not decisions</b>. A high score says an account resembles the labelled "
      "supporters in its network and activity; it does not establish what a person believes "
      "or has done. Every account must be reviewed by an analyst before any action.</p>\n"
      "<nav><a href=\"#summary\">Summary</a><a href=\"#scores\">Scores</a>"
      "<a href=\"#languages\">Languages</a><a href=\"#locations\">Locations</a>"
      "<a href=\"#devices\">Devices</a><a href=\"#created\">Creation</a>"
      "<a href=\"#activity\">Activity</a><a href=\"#hyperactive\">Hyperactive</a>"
      "<a href=\"#hashtags\">Hashtags</a><a href=\"#domains\">Domains</a>"
      "<a href=\"#suspensions\">Suspensions</a><a href=\"#recreated\">Re-created</a>"
      "<a href=\"#top\">Top accounts</a></nav>\n"));
  if ((rc = summary(r, h))) goto out;
  if (r->census && (rc = score_hist(r, h))) goto out;
  const char *cmp = r->census ? "Share of each group's accounts; predicted supporters beside everyone else."
                              : "Share of all accounts (no census run: no comparison).";
  if ((rc = categories(r, h, "languages", "Languages", cmp, &r->langs, offsetof(acc, lang), "languages.csv", 15))) goto out;
  if ((rc = categories(r, h, "locations", "Profile locations", cmp, &r->locs, offsetof(acc, loc), "locations.csv", 15))) goto out;
  if ((rc = categories(r, h, "devices", "Devices (post sources)",
                       "Each account's most used posting client; shares of each group's accounts with posts.",
                       &r->devs, offsetof(acc, dev), "devices.csv", 12))) goto out;
  if ((rc = months(r, h, "created", "Account creation by month",
                   "Share of each group's accounts created in each month (UTC).",
                   offsetof(acc, created), "creation_months.csv", 1))) goto out;
  if ((rc = distributions(r, h))) goto out;
  vigil_buf_printf(h, "<p class=\"note\">Hyperactive (&ge; %g posts/day): %llu predicted supporters, %llu others.</p>\n",
                   r->o->hyper_per_day, (unsigned long long)hyper_groups[0], (unsigned long long)hyper_groups[1]);
  if ((rc = hyperactive(r, h, hy, nhs))) goto out;
  if ((rc = top_terms(r, h, &r->tags, "hashtags", "Top hashtags", "#", "hashtags.csv", 30))) goto out;
  if ((rc = top_terms(r, h, &r->doms, "domains", "Top out-link domains", "", "domains.csv", 30))) goto out;
  if ((rc = months(r, h, "suspensions", "Suspensions by month",
                   "Accounts by the month their first suspension was observed.",
                   offsetof(acc, suspended), "suspensions_by_month.csv", 0))) goto out;
  if (r->o->with_recreated && (rc = recreated(r, h))) goto out;
  if (r->census && (rc = top_accounts(r, h))) goto out;
  vigil_buf_append_str(h, VIGIL_STR_LIT(
      "<footer>Figures are computed by vigil from the store; docs/report.md explains each one. "
      "All names, hashtags and domains are shown as ingested (escaped), unverified.</footer>\n"
      "</main></body></html>\n"));
out:
  free(hy);
  return rc;
}

int vigil_report_build(vigil_store *s, const vigil_report_opts *o, vigil_buf *html) {
  vigil_report_opts def;
  if (!o) vigil_report_opts_init(&def), o = &def;
  if (!s || !html || o->top < 0 || o->top > 100000 || !(o->hyper_per_day > 0)) return VIGIL_EINVAL;
  rep r;
  memset(&r, 0, sizeof r);
  r.s = s, r.o = o;
  int rc = build(&r, html);
  if (r.top_why)
    for (size_t i = 0; i < r.ntop; i++) free(r.top_why[i]);
  for (size_t i = 0; i < r.nwant; i++) {
    if (r.wuser) free(r.wuser[i]);
    if (r.wname) free(r.wname[i]);
    if (r.wpid) free(r.wpid[i]);
  }
  free(r.wuser), free(r.wname), free(r.wpid), free(r.want), free(r.top_ids), free(r.top_why);
  free(r.topsorted);
  free(r.a);
  dict_release(&r.langs), dict_release(&r.locs), dict_release(&r.devs);
  dict_release(&r.tags), dict_release(&r.doms);
  cJSON_Delete(r.summary);
  return rc;
}
