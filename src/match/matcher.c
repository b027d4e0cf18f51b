/* Matching queries (PDQ hashes, digests, texts, URLs) against loaded banks. */
#include <stdlib.h>
#include <string.h>

#include "vigil/bank.h"
#include "vigil/error.h"
#include "vigil/hindex.h"
#include "vigil/neardup.h"
#include "vigil/store_match.h"
#include "vigil/url.h"

typedef struct mbank {
  vigil_bank b;
  vigil_hindex *ix;  /* pdq */
  vigil_neardup *nd; /* text */
} mbank;

struct vigil_matcher {
  vigil_store *s;
  mbank *banks;
  size_t n;
  vigil_bank *plain; /* banks[i].b copied for vigil_matcher_banks */
  vigil_match_opts o;
  vigil_hindex_hits hits;
  vigil_neardup_hits nhits;
  vigil_buf u1, u2;
};

void vigil_match_opts_default(vigil_match_opts *o) {
  o->pdq_threshold = VIGIL_BANK_DEFAULT_PDQ_THRESHOLD;
  o->text_threshold = VIGIL_NEARDUP_DEFAULT_THRESHOLD;
  o->max_hits = 0;
  o->threads = 2;
}

typedef struct list_ctx {
  vigil_bank *v;
  size_t n, cap;
} list_ctx;

static int list_cb(void *ctx, int64_t id, vigil_str name, vigil_str kind, vigil_str label,
                   int enabled, int64_t entries, int64_t version) {
  list_ctx *l = ctx;
  if (!enabled) return 0;
  if (l->n == l->cap) {
    size_t nc = l->cap ? l->cap * 2 : 8;
    vigil_bank *nv = realloc(l->v, nc * sizeof *nv);
    if (!nv) return VIGIL_ENOMEM;
    l->v = nv;
    l->cap = nc;
  }
  vigil_bank *b = &l->v[l->n];
  memset(b, 0, sizeof *b);
  b->id = id;
  size_t nl = name.len < VIGIL_BANK_NAME_MAX ? name.len : VIGIL_BANK_NAME_MAX;
  memcpy(b->name, name.ptr, nl);
  size_t ll = label.ptr ? (label.len < VIGIL_BANK_LABEL_MAX ? label.len : VIGIL_BANK_LABEL_MAX) : 0;
  if (ll) memcpy(b->label, label.ptr, ll);
  b->kind = vigil_bank_kind_parse(kind);
  b->enabled = enabled;
  b->entries = entries;
  b->version = version;
  if (b->kind != VIGIL_BANK_NONE) l->n++;
  return 0;
}

typedef struct text_load {
  vigil_neardup *nd;
} text_load;

static int text_cb(void *ctx, int64_t id, int64_t bank, vigil_str value, vigil_str label,
                   vigil_str entity, vigil_str ctype) {
  text_load *t = ctx;
  int rc = vigil_neardup_add(t->nd, (uint64_t)id, value);
  /* stored texts were validated on import; a text the normaliser now
   * refuses is skipped rather than failing the whole bank */
  return rc == VIGIL_EUTF8 || rc == VIGIL_ETOOBIG ? 0 : rc;
}

static int load_bank(vigil_matcher *m, mbank *mb, const char *dir) {
  if (mb->b.kind == VIGIL_BANK_PDQ) return vigil_bank_index_open(m->s, dir, &mb->b, 1, &mb->ix, NULL);
  if (mb->b.kind == VIGIL_BANK_TEXT) {
    int rc = vigil_neardup_new(NULL, &mb->nd);
    if (rc) return rc;
    text_load t = {mb->nd};
    return vigil_store_each_bank_entry(m->s, mb->b.id, 0, text_cb, &t);
  }
  return 0; /* md5, sha256, url: looked up in the store */
}

int vigil_matcher_open(vigil_matcher **out, vigil_store *s, const char *dir,
                       const char *const *names, size_t n_names, const vigil_match_opts *o,
                       const char **missing) {
  *out = NULL;
  if (missing) *missing = NULL;
  vigil_matcher *m = calloc(1, sizeof *m);
  if (!m) return VIGIL_ENOMEM;
  m->s = s;
  if (o) m->o = *o;
  else vigil_match_opts_default(&m->o);
  int rc = 0;
  list_ctx l = {0};
  if (n_names) {
    l.v = calloc(n_names, sizeof *l.v);
    if (!l.v) rc = VIGIL_ENOMEM;
    for (size_t i = 0; !rc && i < n_names; i++) {
      /* a bank named explicitly is used even when disabled */
      rc = vigil_bank_find(s, vigil_str_c(names[i]), &l.v[l.n]);
      if (rc == VIGIL_ENOTFOUND && missing) *missing = names[i];
      int dup = 0;
      for (size_t j = 0; !rc && j < l.n; j++) dup |= l.v[j].id == l.v[l.n].id;
      if (!rc && !dup) l.n++;
    }
  } else {
    rc = vigil_store_each_bank(s, VIGIL_STR_NULL, list_cb, &l);
  }
  if (!rc && l.n) {
    m->banks = calloc(l.n, sizeof *m->banks);
    m->plain = calloc(l.n, sizeof *m->plain);
    if (!m->banks || !m->plain) rc = VIGIL_ENOMEM;
  }
  for (size_t i = 0; !rc && i < l.n; i++) {
    m->banks[i].b = l.v[i];
    m->plain[i] = l.v[i];
    m->n++;
    rc = load_bank(m, &m->banks[i], dir);
  }
  free(l.v);
  if (rc) {
    vigil_matcher_free(m);
    return rc;
  }
  *out = m;
  return 0;
}

void vigil_matcher_free(vigil_matcher *m) {
  if (!m) return;
  for (size_t i = 0; i < m->n; i++) {
    vigil_hindex_free(m->banks[i].ix);
    vigil_neardup_free(m->banks[i].nd);
  }
  free(m->banks);
  free(m->plain);
  vigil_hindex_hits_release(&m->hits);
  vigil_neardup_hits_release(&m->nhits);
  vigil_buf_release(&m->u1);
  vigil_buf_release(&m->u2);
  free(m);
}

size_t vigil_matcher_count(const vigil_matcher *m, vigil_bank_kind kind) {
  size_t n = 0;
  for (size_t i = 0; i < m->n; i++) n += m->banks[i].b.kind == kind;
  return n;
}

size_t vigil_matcher_banks(const vigil_matcher *m, const vigil_bank **out) {
  *out = m->plain;
  return m->n;
}

/* ---- hits ------------------------------------------------------------ */

typedef struct emit_ctx {
  const vigil_bank *bank;
  double score;
  vigil_match_cb cb;
  void *ctx;
} emit_ctx;

static int emit_cb(void *ctx, int64_t id, int64_t bank, vigil_str value, vigil_str label,
                   vigil_str entity, vigil_str ctype) {
  emit_ctx *e = ctx;
  if (bank != e->bank->id) return 0;
  vigil_match_hit h = {e->bank, id, e->score, value, label, entity, ctype};
  return e->cb(e->ctx, &h);
}

static int emit(vigil_matcher *m, const vigil_bank *b, int64_t entry, double score,
                vigil_match_cb cb, void *ctx) {
  emit_ctx e = {b, score, cb, ctx};
  return vigil_store_bank_entry_get(m->s, entry, emit_cb, &e);
}

int vigil_matcher_pdq(vigil_matcher *m, const uint8_t hash[32], vigil_match_cb cb, void *ctx) {
  for (size_t i = 0; i < m->n; i++) {
    mbank *mb = &m->banks[i];
    if (!mb->ix) continue;
    int rc = vigil_hindex_query(mb->ix, hash, m->o.pdq_threshold, 0, &m->hits);
    size_t lim = m->o.max_hits && m->o.max_hits < m->hits.n ? m->o.max_hits : m->hits.n;
    for (size_t k = 0; !rc && k < lim; k++)
      rc = emit(m, &mb->b, (int64_t)m->hits.v[k].id, m->hits.v[k].distance, cb, ctx);
    if (rc) return rc;
  }
  return 0;
}

typedef struct qfwd {
  vigil_match_qcb cb;
  void *ctx;
  size_t q;
} qfwd;

static int qfwd_cb(void *ctx, const vigil_match_hit *h) {
  qfwd *f = ctx;
  return f->cb(f->ctx, f->q, h);
}

#define QCHUNK 4096

int vigil_matcher_pdq_batch(vigil_matcher *m, const uint8_t *hashes, size_t n,
                            vigil_match_qcb cb, void *ctx) {
  if (!vigil_matcher_count(m, VIGIL_BANK_PDQ) || !n) return 0;
  vigil_hindex_hits *h = calloc(QCHUNK, sizeof *h);
  if (!h) return VIGIL_ENOMEM;
  int rc = 0;
  for (size_t base = 0; !rc && base < n; base += QCHUNK) {
    size_t c = n - base < QCHUNK ? n - base : QCHUNK;
    /* results per bank, then reported query by query in bank order */
    for (size_t i = 0; !rc && i < m->n; i++) {
      mbank *mb = &m->banks[i];
      if (!mb->ix) continue;
      rc = vigil_hindex_query_batch(mb->ix, hashes + base * 32, c, m->o.pdq_threshold, 0,
                                    m->o.threads > 0 ? m->o.threads : 2, h);
      for (size_t q = 0; !rc && q < c; q++) {
        qfwd f = {cb, ctx, base + q};
        size_t lim = m->o.max_hits && m->o.max_hits < h[q].n ? m->o.max_hits : h[q].n;
        for (size_t k = 0; !rc && k < lim; k++)
          rc = emit(m, &mb->b, (int64_t)h[q].v[k].id, h[q].v[k].distance, qfwd_cb, &f);
      }
    }
  }
  for (size_t q = 0; q < QCHUNK; q++) vigil_hindex_hits_release(&h[q]);
  free(h);
  return rc;
}

static int lookup(vigil_matcher *m, vigil_bank_kind kind, vigil_str value, double score,
                  vigil_match_cb cb, void *ctx) {
  for (size_t i = 0; i < m->n; i++) {
    mbank *mb = &m->banks[i];
    if (mb->b.kind != kind) continue;
    emit_ctx e = {&mb->b, score, cb, ctx};
    int rc = vigil_store_bank_entry_find(m->s, mb->b.id, value, emit_cb, &e);
    if (rc) return rc;
  }
  return 0;
}

int vigil_matcher_digest(vigil_matcher *m, vigil_bank_kind kind, vigil_str hex,
                         vigil_match_cb cb, void *ctx) {
  if (kind != VIGIL_BANK_MD5 && kind != VIGIL_BANK_SHA256) return VIGIL_EINVAL;
  return lookup(m, kind, hex, 0, cb, ctx);
}

int vigil_matcher_text(vigil_matcher *m, vigil_str text, vigil_match_cb cb, void *ctx) {
  for (size_t i = 0; i < m->n; i++) {
    mbank *mb = &m->banks[i];
    if (!mb->nd) continue;
    int rc = vigil_neardup_query(mb->nd, text, m->o.text_threshold, m->o.max_hits, &m->nhits);
    for (size_t k = 0; !rc && k < m->nhits.n; k++)
      rc = emit(m, &mb->b, (int64_t)m->nhits.v[k].id, m->nhits.v[k].similarity, cb, ctx);
    if (rc) return rc;
  }
  return 0;
}

int vigil_matcher_url(vigil_matcher *m, vigil_str url, vigil_match_cb cb, void *ctx) {
  if (!vigil_matcher_count(m, VIGIL_BANK_URL)) return 0;
  int rc = vigil_url_canonical(url, &m->u1);
  if (rc) return rc;
  if ((rc = lookup(m, VIGIL_BANK_URL, vigil_buf_view(&m->u1), 1, cb, ctx))) return rc;
  if ((rc = vigil_url_domain(url, &m->u1))) return rc;
  /* the host and each parent domain with at least two labels */
  const char *d = m->u1.data;
  size_t len = m->u1.len;
  while (len) {
    vigil_buf_clear(&m->u2);
    if ((rc = vigil_buf_printf(&m->u2, "domain:%.*s", (int)len, d))) return rc;
    if ((rc = lookup(m, VIGIL_BANK_URL, vigil_buf_view(&m->u2), 1, cb, ctx))) return rc;
    const char *dot = memchr(d, '.', len);
    if (!dot || !memchr(dot + 1, '.', len - (size_t)(dot + 1 - d))) break;
    len -= (size_t)(dot + 1 - d);
    d = dot + 1;
  }
  return 0;
}
