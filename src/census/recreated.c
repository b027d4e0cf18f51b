/* Accounts likely re-created after a suspension (see vigil/recreated.h). */
#include "vigil/recreated.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "vigil/error.h"

#define RC_MAX_CANDIDATES 20000000u /* bound on compared pairs kept for the graph pass */
#define DISPLAY_MIN 6 /* shorter display-name keys are too common to compare */

size_t vigil_name_key(vigil_str name, char out[VIGIL_NAME_KEY_MAX + 1]) {
  size_t n = 0;
  for (size_t i = 0; i < name.len && n < VIGIL_NAME_KEY_MAX; i++) {
    unsigned char c = (unsigned char)name.ptr[i];
    if (c >= 'A' && c <= 'Z') out[n++] = (char)(c - 'A' + 'a');
    else if (c >= 'a' && c <= 'z') out[n++] = (char)c;
    else if (c >= 0x80) out[n++] = (char)c;
    /* digits, separators, punctuation and controls are what people vary
     * when re-registering a taken name: drop them */
  }
  out[n] = '\0';
  return n;
}

double vigil_key_similarity(const char *a, size_t alen, const char *b, size_t blen) {
  if (!alen || !blen) return 0.0;
  if (alen > VIGIL_NAME_KEY_MAX) alen = VIGIL_NAME_KEY_MAX;
  if (blen > VIGIL_NAME_KEY_MAX) blen = VIGIL_NAME_KEY_MAX;
  unsigned prev[VIGIL_NAME_KEY_MAX + 1], cur[VIGIL_NAME_KEY_MAX + 1];
  for (size_t j = 0; j <= blen; j++) prev[j] = (unsigned)j;
  for (size_t i = 1; i <= alen; i++) {
    cur[0] = (unsigned)i;
    for (size_t j = 1; j <= blen; j++) {
      unsigned sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
      unsigned del = prev[j] + 1, ins = cur[j - 1] + 1;
      unsigned m = sub < del ? sub : del;
      cur[j] = m < ins ? m : ins;
    }
    memcpy(prev, cur, (blen + 1) * sizeof prev[0]);
  }
  size_t mx = alen > blen ? alen : blen;
  return 1.0 - (double)prev[blen] / (double)mx;
}

double vigil_name_similarity(vigil_str a, vigil_str b) {
  char ka[VIGIL_NAME_KEY_MAX + 1], kb[VIGIL_NAME_KEY_MAX + 1];
  size_t la = vigil_name_key(a, ka), lb = vigil_name_key(b, kb);
  return vigil_key_similarity(ka, la, kb, lb);
}

double vigil_jaccard_sorted(const int64_t *a, size_t na, const int64_t *b, size_t nb) {
  if (!na && !nb) return 0.0;
  size_t i = 0, j = 0, inter = 0;
  while (i < na && j < nb) {
    if (a[i] < b[j]) i++;
    else if (a[i] > b[j]) j++;
    else inter++, i++, j++;
  }
  return (double)inter / (double)(na + nb - inter);
}

double vigil_recreated_score(double name_sim, double fo, double fi) {
  double s = 0.4 * name_sim + 0.3 * fmin(1.0, 2.0 * fo) + 0.3 * fmin(1.0, 2.0 * fi);
  return s < 0 ? 0 : s > 1 ? 1 : s;
}

void vigil_recreated_opts_init(vigil_recreated_opts *o) {
  o->min_similarity = 0.75;
  o->min_score = 0.45;
  o->min_key_len = 3;
  o->max_pairs = 100000;
}

void vigil_recreated_list_release(vigil_recreated_list *l) {
  if (!l) return;
  for (size_t i = 0; i < l->n; i++) {
    free(l->pairs[i].new_username), free(l->pairs[i].old_username);
    free(l->pairs[i].new_platform_id), free(l->pairs[i].old_platform_id);
  }
  free(l->pairs);
  memset(l, 0, sizeof *l);
}

/* ---- scan state ------------------------------------------------------------------ */
typedef struct acct {
  int64_t id, created;
  uint64_t off;     /* username key, display key, username, platform id in the arena */
  uint8_t ulen, dlen, nlen, plen;
} acct;

typedef struct susp {
  int64_t id, at;
} susp;

typedef struct tri {
  uint64_t gram;    /* hash of a deletion variant of a username key */
  uint32_t s;       /* index into the suspended-account table */
} tri;

typedef struct cand {
  uint32_t a, s;    /* new account index (accts), old account index (sa) */
  float name;
} cand;

typedef struct nlist {
  int64_t *v;
  size_t n, cap;
} nlist;

typedef struct rc_state {
  const vigil_recreated_opts *o;
  susp *sus; size_t nsus, capsus;
  acct *acc; size_t nacc, capacc;
  char *arena; size_t alen, acap;
  int64_t last_status_account;
  /* suspended accounts found in the account table: index into acc */
  uint32_t *sa; size_t nsa;
  int64_t *sa_at;
  /* graph pass */
  int64_t *inv; size_t ninv; /* sorted involved ids */
  uint8_t *bits; int64_t maxid;
  nlist *out, *in;
  int rows;
  /* final name pass */
  vigil_recreated_list *res;
  int64_t first_susp; /* earliest suspension; VIGIL_TIME_UNKNOWN if any is unknown */
} rc_state;

static int grow(void **p, size_t *cap, size_t need, size_t elem) {
  if (need <= *cap) return 0;
  size_t nc = *cap ? *cap : 64;
  while (nc < need) nc *= 2;
  void *q = realloc(*p, nc * elem);
  if (!q) return VIGIL_ENOMEM;
  *p = q, *cap = nc;
  return 0;
}

static int on_status(void *ctx, const vigil_status_row *r) {
  rc_state *st = ctx;
  if (r->status != VIGIL_STATUS_SUSPENDED || r->account == st->last_status_account) return 0;
  /* rows come in (account, observed_at) order: the first is the earliest */
  st->last_status_account = r->account;
  int rc = grow((void **)&st->sus, &st->capsus, st->nsus + 1, sizeof *st->sus);
  if (rc) return rc;
  st->sus[st->nsus++] = (susp){r->account, r->observed_at};
  return 0;
}

static int cmp_susp(const void *key, const void *elem) {
  int64_t id = *(const int64_t *)key, e = ((const susp *)elem)->id;
  return id < e ? -1 : id > e;
}

static int on_account(void *ctx, const vigil_account_row *r) {
  rc_state *st = ctx;
  /* keep only possible old accounts (suspended) and possible new ones
   * (created after the first suspension, or at an unknown time) */
  if (r->a.created_at != VIGIL_TIME_UNKNOWN && st->first_susp != VIGIL_TIME_UNKNOWN &&
      r->a.created_at <= st->first_susp && !bsearch(&r->id, st->sus, st->nsus, sizeof *st->sus, cmp_susp))
    return 0;
  char u[VIGIL_NAME_KEY_MAX + 1], d[VIGIL_NAME_KEY_MAX + 1];
  size_t ul = vigil_name_key(r->a.username, u), dl = vigil_name_key(r->a.display_name, d);
  size_t nl = r->a.username.ptr ? (r->a.username.len > 255 ? 255 : r->a.username.len) : 0;
  size_t pl = r->a.platform_id.ptr ? (r->a.platform_id.len > 255 ? 255 : r->a.platform_id.len) : 0;
  int rc = grow((void **)&st->acc, &st->capacc, st->nacc + 1, sizeof *st->acc);
  if (!rc) rc = grow((void **)&st->arena, &st->acap, st->alen + ul + dl + nl + pl + 1, 1);
  if (rc) return rc;
  acct *a = &st->acc[st->nacc++];
  a->id = r->id, a->created = r->a.created_at, a->off = st->alen;
  a->ulen = (uint8_t)ul, a->dlen = (uint8_t)dl, a->nlen = (uint8_t)nl, a->plen = (uint8_t)pl;
  char *w = st->arena + st->alen;
  memcpy(w, u, ul), w += ul;
  memcpy(w, d, dl), w += dl;
  if (nl) memcpy(w, r->a.username.ptr, nl), w += nl;
  if (pl) memcpy(w, r->a.platform_id.ptr, pl);
  st->alen += ul + dl + nl + pl;
  return 0;
}

static char *acct_user(const rc_state *st, const acct *a) {
  return vigil_strndup(st->arena + a->off + a->ulen + a->dlen, a->nlen);
}
static char *acct_pid(const rc_state *st, const acct *a) {
  return vigil_strndup(st->arena + a->off + a->ulen + a->dlen + a->nlen, a->plen);
}

static int cmp_tri(const void *x, const void *y) {
  const tri *a = x, *b = y;
  if (a->gram != b->gram) return a->gram < b->gram ? -1 : 1;
  return a->s < b->s ? -1 : a->s > b->s;
}

static int cmp_u64(const void *x, const void *y) {
  uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
  return a < b ? -1 : a > b;
}

static int cmp_i64(const void *x, const void *y) {
  int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
  return a < b ? -1 : a > b;
}

static uint64_t fnv(const char *p, size_t n, size_t skip) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < n; i++) {
    if (i == skip) continue;
    h = (h ^ (unsigned char)p[i]) * 1099511628211ull;
  }
  return h ^ (uint64_t)(n - (skip < n));
}

/* Hashes of the key and of its one-deletion variants, distinct, sorted. */
static size_t variants(const char *k, size_t n, uint64_t *out) {
  size_t m = 0;
  out[m++] = fnv(k, n, SIZE_MAX);
  for (size_t i = 0; i < n; i++)
    if (i == 0 || k[i] != k[i - 1]) out[m++] = fnv(k, n, i); /* runs give the same variant */
  qsort(out, m, sizeof *out, cmp_u64);
  size_t w = 0;
  for (size_t i = 0; i < m; i++)
    if (!w || out[w - 1] != out[i]) out[w++] = out[i];
  return w;
}

static const tri *tri_lower(const tri *t, size_t n, uint64_t g) {
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (t[mid].gram < g) lo = mid + 1;
    else hi = mid;
  }
  return t + lo;
}

static int64_t *find_id(int64_t *v, size_t n, int64_t id) {
  return bsearch(&id, v, n, sizeof *v, cmp_i64);
}

static int list_push(nlist *l, int64_t v) {
  int rc = grow((void **)&l->v, &l->cap, l->n + 1, sizeof *l->v);
  if (rc) return rc;
  l->v[l->n++] = v;
  return 0;
}

static int on_adj(void *ctx, const vigil_adj_row *r) {
  rc_state *st = ctx;
  st->rows++;
  int rc;
  if (r->src >= 0 && r->src <= st->maxid && (st->bits[r->src >> 3] >> (r->src & 7) & 1)) {
    int64_t *p = find_id(st->inv, st->ninv, r->src);
    if (p) {
      nlist *l = &st->out[p - st->inv];
      for (size_t i = 0; i < r->n; i++)
        if ((rc = list_push(l, r->dst[i]))) return rc;
    }
  }
  for (size_t i = 0; i < r->n; i++) {
    int64_t d = r->dst[i];
    if (d < 0 || d > st->maxid || !(st->bits[d >> 3] >> (d & 7) & 1)) continue;
    int64_t *p = find_id(st->inv, st->ninv, d);
    if (p && (rc = list_push(&st->in[p - st->inv], r->src))) return rc;
  }
  return 0;
}

static void list_norm(nlist *l) {
  if (l->n < 2) return;
  qsort(l->v, l->n, sizeof *l->v, cmp_i64);
  size_t w = 1;
  for (size_t i = 1; i < l->n; i++)
    if (l->v[i] != l->v[w - 1]) l->v[w++] = l->v[i];
  l->n = w;
}

static int cmp_pair_new(const void *x, const void *y) {
  const vigil_recreated_pair *a = x, *b = y;
  if (a->new_id != b->new_id) return a->new_id < b->new_id ? -1 : 1;
  if (a->score != b->score) return a->score > b->score ? -1 : 1;
  return a->old_id < b->old_id ? -1 : a->old_id > b->old_id;
}

static int cmp_pair_score(const void *x, const void *y) {
  const vigil_recreated_pair *a = x, *b = y;
  if (a->score != b->score) return a->score > b->score ? -1 : 1;
  return a->new_id < b->new_id ? -1 : a->new_id > b->new_id;
}

static int cmp_acct_id(const void *key, const void *elem) {
  int64_t id = *(const int64_t *)key, e = ((const acct *)elem)->id;
  return id < e ? -1 : id > e;
}

/* display keys of suspended accounts, for the exact display-name buckets */
static int key_cmp(const char *a, size_t an, const char *b, size_t bn) {
  int c = memcmp(a, b, an < bn ? an : bn);
  return c ? c : (an > bn) - (an < bn);
}
static int dkey_cmp(const void *x, const void *y, void *ctx) {
  const rc_state *st = ctx;
  const acct *a = &st->acc[st->sa[*(const uint32_t *)x]], *b = &st->acc[st->sa[*(const uint32_t *)y]];
  return key_cmp(st->arena + a->off + a->ulen, a->dlen, st->arena + b->off + b->ulen, b->dlen);
}
typedef struct dkey_ctx {
  const rc_state *st;
  const char *k;
  size_t n;
} dkey_ctx;
/* compares the suspended account's display key with the probe key */
static int dkey_cmp_key(const dkey_ctx *c, uint32_t si) {
  const acct *b = &c->st->acc[c->st->sa[si]];
  return key_cmp(c->st->arena + b->off + b->ulen, b->dlen, c->k, c->n);
}

int vigil_recreated_find(vigil_store *s, const vigil_recreated_opts *o, vigil_recreated_list *out) {
  vigil_recreated_opts def;
  if (!o) vigil_recreated_opts_init(&def), o = &def;
  if (!s || !out || !(o->min_similarity >= 0 && o->min_similarity <= 1) ||
      !(o->min_score >= 0 && o->min_score <= 1) || o->min_key_len < 1 ||
      o->min_key_len > VIGIL_NAME_KEY_MAX || o->max_pairs == 0)
    return VIGIL_EINVAL;
  memset(out, 0, sizeof *out);
  out->neighbourhood_kind = VIGIL_EDGE_FOLLOW;
  rc_state st = {0};
  st.o = o, st.res = out, st.last_status_account = -1;
  tri *tr = NULL;
  cand *cs = NULL;
  size_t ncs = 0, capcs = 0, ntr = 0, captr = 0;
  uint16_t *cnt = NULL;
  uint32_t *stamp = NULL, *hits = NULL, *dord = NULL;
  vigil_recreated_pair *pairs = NULL;
  size_t np = 0;
  int rc = vigil_store_each_status(s, on_status, &st);
  if (rc || st.nsus == 0) goto done;
  out->suspended = st.nsus;
  st.first_susp = INT64_MAX;
  for (size_t i = 0; i < st.nsus; i++) {
    if (st.sus[i].at == VIGIL_TIME_UNKNOWN) { st.first_susp = VIGIL_TIME_UNKNOWN; break; }
    if (st.sus[i].at < st.first_susp) st.first_susp = st.sus[i].at;
  }
  if ((rc = vigil_store_each_account(s, on_account, &st))) goto done;

  /* the suspended accounts, as indexes into the account table */
  st.sa = malloc(st.nsus * sizeof *st.sa);
  st.sa_at = malloc(st.nsus * sizeof *st.sa_at);
  if (!st.sa || !st.sa_at) { rc = VIGIL_ENOMEM; goto done; }
  for (size_t i = 0; i < st.nsus; i++) {
    acct *a = st.nacc ? bsearch(&st.sus[i].id, st.acc, st.nacc, sizeof *st.acc, cmp_acct_id) : NULL;
    if (!a) continue;
    st.sa_at[st.nsa] = st.sus[i].at;
    st.sa[st.nsa++] = (uint32_t)(a - st.acc);
  }
  if (!st.nsa) goto done;
  /* deletion neighbourhood of the suspended username keys: the key and
   * every key with one byte deleted. Two keys within one edit (insertion,
   * deletion or substitution) share at least one such variant. */
  for (size_t i = 0; i < st.nsa; i++) {
    const acct *a = &st.acc[st.sa[i]];
    if (a->ulen < o->min_key_len) continue;
    uint64_t h[VIGIL_NAME_KEY_MAX + 1];
    size_t m = variants(st.arena + a->off, a->ulen, h);
    if ((rc = grow((void **)&tr, &captr, ntr + m, sizeof *tr))) goto done;
    for (size_t j = 0; j < m; j++) tr[ntr++] = (tri){h[j], (uint32_t)i};
  }
  if (ntr) qsort(tr, ntr, sizeof *tr, cmp_tri);
  /* display-name buckets: suspended indexes sorted by display key */
  dord = malloc(st.nsa * sizeof *dord);
  cnt = calloc(st.nsa, sizeof *cnt);
  stamp = calloc(st.nsa, sizeof *stamp);
  hits = malloc(st.nsa * sizeof *hits);
  if (!dord || !cnt || !stamp || !hits) { rc = VIGIL_ENOMEM; goto done; }
  size_t nd = 0;
  for (size_t i = 0; i < st.nsa; i++)
    if (st.acc[st.sa[i]].dlen >= DISPLAY_MIN) dord[nd++] = (uint32_t)i;
  qsort_r(dord, nd, sizeof *dord, dkey_cmp, &st);

  for (size_t ai = 0; ai < st.nacc; ai++) {
    const acct *a = &st.acc[ai];
    const char *ak = st.arena + a->off, *ad = ak + a->ulen;
    uint32_t tag = (uint32_t)ai + 1;
    size_t nh = 0;
    if (a->created != VIGIL_TIME_UNKNOWN && st.first_susp != VIGIL_TIME_UNKNOWN &&
        a->created <= st.first_susp)
      continue; /* kept only as a suspended account */
    if (a->ulen >= o->min_key_len && ntr) {
      uint64_t hv[VIGIL_NAME_KEY_MAX + 1];
      size_t m = variants(ak, a->ulen, hv);
      for (size_t j = 0; j < m; j++)
        for (const tri *t = tri_lower(tr, ntr, hv[j]); t < tr + ntr && t->gram == hv[j]; t++)
          if (stamp[t->s] != tag) stamp[t->s] = tag, cnt[t->s] = 1, hits[nh++] = t->s;
    }
    /* suspended accounts with the same display-name key are candidates too */
    if (a->dlen >= DISPLAY_MIN && nd) {
      dkey_ctx kc = {&st, ad, a->dlen};
      size_t lo = 0, hi = nd;
      while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (dkey_cmp_key(&kc, dord[mid]) < 0) lo = mid + 1;
        else hi = mid;
      }
      for (size_t j = lo; j < nd && dkey_cmp_key(&kc, dord[j]) == 0; j++) {
        uint32_t si = dord[j];
        if (stamp[si] != tag) stamp[si] = tag, hits[nh++] = si;
        cnt[si] = 1;
      }
    }
    for (size_t h = 0; h < nh; h++) {
      uint32_t si = hits[h];
      if (!cnt[si]) continue;
      const acct *b = &st.acc[st.sa[si]];
      if (b->id == a->id) continue;
      if (a->created != VIGIL_TIME_UNKNOWN && st.sa_at[si] != VIGIL_TIME_UNKNOWN &&
          a->created <= st.sa_at[si])
        continue;
      if (a->created != VIGIL_TIME_UNKNOWN && b->created != VIGIL_TIME_UNKNOWN &&
          a->created <= b->created)
        continue;
      out->candidates++;
      double us = vigil_key_similarity(ak, a->ulen, st.arena + b->off, b->ulen);
      double ds = 0;
      /* the display names only matter when the usernames fall short; the
       * length ratio bounds the similarity without the O(n m) distance */
      if (us < o->min_similarity && a->dlen >= DISPLAY_MIN && b->dlen >= DISPLAY_MIN &&
          (double)(a->dlen < b->dlen ? a->dlen : b->dlen) >=
              o->min_similarity * (a->dlen > b->dlen ? a->dlen : b->dlen))
        ds = vigil_key_similarity(ad, a->dlen, st.arena + b->off + b->ulen, b->dlen);
      double ns = us > ds ? us : ds;
      if (ns < o->min_similarity) continue;
      if (ncs >= RC_MAX_CANDIDATES) { out->truncated = 1; continue; }
      if ((rc = grow((void **)&cs, &capcs, ncs + 1, sizeof *cs))) goto done;
      cs[ncs++] = (cand){(uint32_t)ai, si, (float)ns};
    }
  }
  if (!ncs) goto done;

  /* neighbourhoods of the accounts in candidate pairs */
  {
    size_t cap = 2 * ncs;
    st.inv = malloc(cap * sizeof *st.inv);
    if (!st.inv) { rc = VIGIL_ENOMEM; goto done; }
    for (size_t i = 0; i < ncs; i++) {
      st.inv[st.ninv++] = st.acc[cs[i].a].id;
      st.inv[st.ninv++] = st.acc[st.sa[cs[i].s]].id;
    }
    qsort(st.inv, st.ninv, sizeof *st.inv, cmp_i64);
    size_t w = 0;
    for (size_t i = 0; i < st.ninv; i++)
      if (!w || st.inv[w - 1] != st.inv[i]) st.inv[w++] = st.inv[i];
    st.ninv = w;
    st.maxid = st.inv[st.ninv - 1];
    st.bits = calloc((size_t)(st.maxid >> 3) + 1, 1);
    st.out = calloc(st.ninv, sizeof *st.out);
    st.in = calloc(st.ninv, sizeof *st.in);
    if (!st.bits || !st.out || !st.in) { rc = VIGIL_ENOMEM; goto done; }
    for (size_t i = 0; i < st.ninv; i++) st.bits[st.inv[i] >> 3] |= (uint8_t)(1u << (st.inv[i] & 7));
    if ((rc = vigil_store_each_adjacency(s, VIGIL_EDGE_FOLLOW, on_adj, &st))) goto done;
    if (!st.rows) {
      /* no follow lists (posts only): interaction neighbourhoods stand in */
      out->neighbourhood_kind = -1;
      if ((rc = vigil_store_each_adjacency(s, -1, on_adj, &st))) goto done;
    }
    for (size_t i = 0; i < st.ninv; i++) list_norm(&st.out[i]), list_norm(&st.in[i]);
  }
  pairs = calloc(ncs, sizeof *pairs);
  if (!pairs) { rc = VIGIL_ENOMEM; goto done; }
  for (size_t i = 0; i < ncs; i++) {
    const acct *a = &st.acc[cs[i].a], *b = &st.acc[st.sa[cs[i].s]];
    size_t ia = (size_t)(find_id(st.inv, st.ninv, a->id) - st.inv);
    size_t ib = (size_t)(find_id(st.inv, st.ninv, b->id) - st.inv);
    double fo = vigil_jaccard_sorted(st.out[ia].v, st.out[ia].n, st.out[ib].v, st.out[ib].n);
    double fi = vigil_jaccard_sorted(st.in[ia].v, st.in[ia].n, st.in[ib].v, st.in[ib].n);
    double sc = vigil_recreated_score(cs[i].name, fo, fi);
    if (sc < o->min_score) continue;
    vigil_recreated_pair *p = &pairs[np++];
    p->new_id = a->id, p->old_id = b->id;
    p->name_similarity = cs[i].name, p->followee_overlap = fo, p->follower_overlap = fi;
    p->score = sc, p->suspended_at = st.sa_at[cs[i].s], p->created_at = a->created;
  }
  if (!np) goto done;
  /* the best old account per new one */
  qsort(pairs, np, sizeof *pairs, cmp_pair_new);
  {
    size_t w = 0;
    for (size_t i = 0; i < np; i++)
      if (!w || pairs[w - 1].new_id != pairs[i].new_id) pairs[w++] = pairs[i];
    np = w;
  }
  qsort(pairs, np, sizeof *pairs, cmp_pair_score);
  if (np > o->max_pairs) np = o->max_pairs, out->truncated = 1;

  /* usernames and platform ids of the reported accounts */
  out->pairs = pairs, out->n = np;
  pairs = NULL;
  for (size_t i = 0; i < out->n; i++) {
    vigil_recreated_pair *p = &out->pairs[i];
    const acct *an = bsearch(&p->new_id, st.acc, st.nacc, sizeof *st.acc, cmp_acct_id);
    const acct *ao = bsearch(&p->old_id, st.acc, st.nacc, sizeof *st.acc, cmp_acct_id);
    p->new_username = acct_user(&st, an), p->new_platform_id = acct_pid(&st, an);
    p->old_username = acct_user(&st, ao), p->old_platform_id = acct_pid(&st, ao);
    if (!p->new_username || !p->old_username || !p->new_platform_id || !p->old_platform_id) {
      rc = VIGIL_ENOMEM;
      break;
    }
  }
done:
  if (rc) vigil_recreated_list_release(out), out->suspended = st.nsus;
  if (st.out)
    for (size_t i = 0; i < st.ninv; i++) free(st.out[i].v);
  if (st.in)
    for (size_t i = 0; i < st.ninv; i++) free(st.in[i].v);
  free(st.out), free(st.in), free(st.bits), free(st.inv);
  free(pairs), free(cs), free(tr), free(cnt), free(stamp), free(hits), free(dord);
  free(st.sa), free(st.sa_at), free(st.sus), free(st.acc), free(st.arena);
  return rc;
}

/* ---- output ------------------------------------------------------------------------ */
static void fmt_time(int64_t t, char out[32]) {
  if (t == VIGIL_TIME_UNKNOWN) out[0] = '\0';
  else vigil_time_format(t, out);
}

int vigil_recreated_write_csv(const vigil_recreated_list *l, vigil_buf *b) {
  int rc = vigil_buf_printf(b, "new_id,new_username,old_id,old_username,name_similarity,"
                               "followee_overlap,follower_overlap,suspended_at,created_at,score\n");
  for (size_t i = 0; !rc && i < l->n; i++) {
    const vigil_recreated_pair *p = &l->pairs[i];
    char sa[32], ca[32];
    fmt_time(p->suspended_at, sa), fmt_time(p->created_at, ca);
    if ((rc = vigil_buf_append_csv_field(b, vigil_str_c(p->new_platform_id)))) break;
    if ((rc = vigil_buf_putc(b, ','))) break;
    if ((rc = vigil_buf_append_csv_field(b, vigil_str_c(p->new_username)))) break;
    if ((rc = vigil_buf_putc(b, ','))) break;
    if ((rc = vigil_buf_append_csv_field(b, vigil_str_c(p->old_platform_id)))) break;
    if ((rc = vigil_buf_putc(b, ','))) break;
    if ((rc = vigil_buf_append_csv_field(b, vigil_str_c(p->old_username)))) break;
    rc = vigil_buf_printf(b, ",%.3f,%.3f,%.3f,%s,%s,%.3f\n", p->name_similarity,
                          p->followee_overlap, p->follower_overlap, sa, ca, p->score);
  }
  return rc;
}

int vigil_recreated_write_jsonl(const vigil_recreated_list *l, vigil_buf *b) {
  int rc = 0;
  for (size_t i = 0; !rc && i < l->n; i++) {
    const vigil_recreated_pair *p = &l->pairs[i];
    char sa[32], ca[32];
    fmt_time(p->suspended_at, sa), fmt_time(p->created_at, ca);
    rc = vigil_buf_append(b, "{\"new_id\":", 10);
    if (!rc) rc = vigil_buf_append_json_str(b, vigil_str_c(p->new_platform_id));
    if (!rc) rc = vigil_buf_append(b, ",\"new_username\":", 16);
    if (!rc) rc = vigil_buf_append_json_str(b, vigil_str_c(p->new_username));
    if (!rc) rc = vigil_buf_append(b, ",\"old_id\":", 10);
    if (!rc) rc = vigil_buf_append_json_str(b, vigil_str_c(p->old_platform_id));
    if (!rc) rc = vigil_buf_append(b, ",\"old_username\":", 16);
    if (!rc) rc = vigil_buf_append_json_str(b, vigil_str_c(p->old_username));
    if (!rc)
      rc = vigil_buf_printf(b,
                            ",\"name_similarity\":%.3f,\"followee_overlap\":%.3f,"
                            "\"follower_overlap\":%.3f,\"suspended_at\":%s%s%s,"
                            "\"created_at\":%s%s%s,\"score\":%.3f}\n",
                            p->name_similarity, p->followee_overlap, p->follower_overlap,
                            sa[0] ? "\"" : "", sa[0] ? sa : "null", sa[0] ? "\"" : "",
                            ca[0] ? "\"" : "", ca[0] ? ca : "null", ca[0] ? "\"" : "",
                            p->score);
  }
  return rc;
}
