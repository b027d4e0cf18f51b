/* Near-duplicate text bank: shingles -> MinHash -> LSH bands. */
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "vigil/error.h"
#include "vigil/neardup.h"

#define NO_ENTRY UINT32_MAX

typedef struct lsh_entry {
  uint64_t key;
  uint32_t doc;
  uint32_t next;
} lsh_entry;

struct vigil_neardup {
  vigil_neardup_params p;
  unsigned rows;
  uint64_t mul[VIGIL_NEARDUP_MAX_PERMS], add[VIGIL_NEARDUP_MAX_PERMS];
  /* documents */
  uint64_t *ids;
  uint32_t *sigs; /* ndocs * perms */
  size_t ndocs, capdocs, nempty;
  /* exact mode: shingle hashes of doc d are sh[shoff[d] .. shoff[d+1]) */
  uint64_t *sh;
  size_t nsh, capsh;
  size_t *shoff, capshoff;
  /* LSH: chained hash table over all bands */
  uint32_t *heads;
  size_t nheads; /* power of two */
  lsh_entry *ent;
  size_t nent, capent;
  /* query scratch */
  vigil_tokens tok;
  uint64_t *scr;
  size_t nscr, capscr;
  uint32_t *stamp;
  uint32_t epoch;
  uint32_t qsig[VIGIL_NEARDUP_MAX_PERMS];
};

void vigil_neardup_params_default(vigil_neardup_params *p) {
  memset(p, 0, sizeof *p);
  p->perms = 128;
  p->bands = 32;
  p->shingle_k = 3;
  p->short_words = 5;
  p->char_k = 4;
  p->short_mode = 1;
  p->exact = 0;
  p->max_docs = (size_t)1 << 24;
}

static uint64_t splitmix(uint64_t *s) {
  uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

int vigil_neardup_new(const vigil_neardup_params *pin, vigil_neardup **out) {
  if (!out) return VIGIL_EINVAL;
  *out = NULL;
  vigil_neardup_params p;
  if (pin) p = *pin;
  else vigil_neardup_params_default(&p);
  if (p.short_mode > 1 || p.perms < 16 || p.perms > VIGIL_NEARDUP_MAX_PERMS || p.bands == 0 ||
      p.perms % p.bands != 0 || p.shingle_k < 1 || p.shingle_k > 8 || p.char_k < 1 ||
      p.char_k > 16)
    return VIGIL_EINVAL;
  if (p.max_docs == 0) p.max_docs = (size_t)1 << 24;
  if (p.max_docs > VIGIL_NEARDUP_MAX_DOCS) return VIGIL_EINVAL;
  vigil_neardup *b = calloc(1, sizeof *b);
  if (!b) return VIGIL_ENOMEM;
  b->p = p;
  b->rows = p.perms / p.bands;
  /* fixed seeds: signatures must be comparable across runs and banks */
  uint64_t s = 0x76696769C0FFEEull;
  for (unsigned i = 0; i < p.perms; i++) {
    b->mul[i] = splitmix(&s) | 1u;
    b->add[i] = splitmix(&s);
  }
  vigil_tokens_init(&b->tok);
  b->nheads = 1024;
  b->heads = malloc(b->nheads * sizeof *b->heads);
  if (!b->heads) {
    free(b);
    return VIGIL_ENOMEM;
  }
  memset(b->heads, 0xFF, b->nheads * sizeof *b->heads);
  *out = b;
  return 0;
}

void vigil_neardup_free(vigil_neardup *b) {
  if (!b) return;
  free(b->ids);
  free(b->sigs);
  free(b->sh);
  free(b->shoff);
  free(b->heads);
  free(b->ent);
  free(b->scr);
  free(b->stamp);
  vigil_tokens_release(&b->tok);
  free(b);
}

size_t vigil_neardup_count(const vigil_neardup *b) { return b ? b->ndocs : 0; }

void vigil_neardup_hits_release(vigil_neardup_hits *h) {
  if (!h) return;
  free(h->v);
  h->v = NULL;
  h->n = h->cap = 0;
}

static int scr_push(vigil_neardup *b, uint64_t h) {
  if (b->nscr == b->capscr) {
    size_t nc = b->capscr ? b->capscr * 2 : 256;
    void *nv = realloc(b->scr, nc * sizeof *b->scr);
    if (!nv) return VIGIL_ENOMEM;
    b->scr = nv;
    b->capscr = nc;
  }
  b->scr[b->nscr++] = h;
  return 0;
}

static int cmp_u64(const void *a, const void *c) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)c;
  return x < y ? -1 : x > y;
}

/* Shingle hashes of text into b->scr (sorted, unique). */
static int shingle(vigil_neardup *b, vigil_str text) {
  b->nscr = 0;
  vigil_tokens *t = &b->tok;
  int rc = vigil_text_tokens(text, VIGIL_TEXT_HASHTAG_WORDS | VIGIL_TEXT_DROP_PLACEHOLDERS,
                             VIGIL_STEM_NONE, t);
  if (rc) return rc;
  if (t->n == 0) {
    /* nothing but links/mentions: their placeholders are the text */
    rc = vigil_text_tokens(text, VIGIL_TEXT_HASHTAG_WORDS, VIGIL_STEM_NONE, t);
    if (rc) return rc;
    if (t->n == 0) return 0;
  }
  const unsigned k = b->p.shingle_k;
  if (t->n >= b->p.short_words && t->n >= k) {
    uint64_t win[8];
    for (size_t i = 0; i < t->n; i++) {
      uint64_t th = XXH3_64bits(t->tok[i].ptr, t->tok[i].len);
      if (i < k) {
        win[i] = th;
      } else {
        memmove(win, win + 1, (k - 1) * sizeof *win);
        win[k - 1] = th;
      }
      if (i + 1 >= k && (rc = scr_push(b, XXH3_64bits(win, k * sizeof *win)))) return rc;
    }
  } else if (b->p.short_mode == 1) {
    /* short text: words and word pairs, with start/end marks so that the
     * order of even two words counts */
    uint64_t prev = 0x5354415254ull; /* "START" */
    for (size_t i = 0; i <= t->n; i++) {
      uint64_t th = i < t->n ? XXH3_64bits(t->tok[i].ptr, t->tok[i].len) : 0x454E44ull;
      uint64_t pair[2] = {prev, th};
      if ((rc = scr_push(b, XXH3_64bits_withSeed(pair, sizeof pair, 2)))) return rc;
      if (i < t->n && (rc = scr_push(b, th))) return rc;
      prev = th;
    }
  } else {
    /* short text: character k-grams over the tokens joined by spaces */
    size_t starts[4096 + 1], ns = 0;
    char buf[4096 * 4];
    size_t bl = 0;
    for (size_t i = 0; i < t->n; i++) {
      if (i && bl < sizeof buf) buf[bl++] = ' ';
      size_t l = t->tok[i].len;
      if (l > sizeof buf - bl) l = 0;
      memcpy(buf + bl, t->tok[i].ptr, l);
      bl += l;
    }
    for (size_t i = 0; i < bl && ns < 4096; i++)
      if (((unsigned char)buf[i] & 0xC0) != 0x80) starts[ns++] = i;
    starts[ns] = bl;
    const size_t ck = b->p.char_k;
    if (ns <= ck) {
      rc = scr_push(b, XXH3_64bits_withSeed(buf, bl, 1));
    } else {
      for (size_t i = 0; i + ck <= ns && !rc; i++)
        rc = scr_push(b, XXH3_64bits_withSeed(buf + starts[i], starts[i + ck] - starts[i], 1));
    }
    if (rc) return rc;
  }
  qsort(b->scr, b->nscr, sizeof *b->scr, cmp_u64);
  size_t u = 0;
  for (size_t i = 0; i < b->nscr; i++)
    if (u == 0 || b->scr[u - 1] != b->scr[i]) b->scr[u++] = b->scr[i];
  b->nscr = u;
  return 0;
}

static void minhash(const vigil_neardup *b, const uint64_t *sh, size_t n, uint32_t *sig) {
  const unsigned P = b->p.perms;
  for (unsigned i = 0; i < P; i++) sig[i] = UINT32_MAX;
  for (size_t j = 0; j < n; j++) {
    const uint64_t h = sh[j];
    for (unsigned i = 0; i < P; i++) {
      uint32_t v = (uint32_t)((h * b->mul[i] + b->add[i]) >> 32);
      sig[i] = v < sig[i] ? v : sig[i];
    }
  }
}

int vigil_neardup_signature(const vigil_neardup *cb, vigil_str text, uint32_t *sig,
                            size_t *nshingles) {
  vigil_neardup *b = (vigil_neardup *)cb; /* scratch only */
  if (!b || !sig) return VIGIL_EINVAL;
  int rc = shingle(b, text);
  if (rc) return rc;
  if (nshingles) *nshingles = b->nscr;
  minhash(b, b->scr, b->nscr, sig);
  return 0;
}

double vigil_neardup_sig_similarity(const uint32_t *a, const uint32_t *c, unsigned perms) {
  unsigned eq = 0;
  for (unsigned i = 0; i < perms; i++) eq += a[i] == c[i];
  return perms ? (double)eq / perms : 0.0;
}

static double jaccard_sorted(const uint64_t *a, size_t na, const uint64_t *c, size_t nc) {
  if (na == 0 && nc == 0) return 0.0;
  size_t i = 0, j = 0, inter = 0;
  while (i < na && j < nc) {
    if (a[i] == c[j]) inter++, i++, j++;
    else if (a[i] < c[j]) i++;
    else j++;
  }
  return (double)inter / (double)(na + nc - inter);
}

int vigil_neardup_shingles(vigil_neardup *b, vigil_str text, const uint64_t **out, size_t *n) {
  if (!b || !out || !n) return VIGIL_EINVAL;
  int rc = shingle(b, text);
  *out = b->scr;
  *n = rc ? 0 : b->nscr;
  return rc;
}

double vigil_neardup_jaccard_sets(const uint64_t *a, size_t na, const uint64_t *c, size_t nc) {
  return jaccard_sorted(a, na, c, nc);
}

int vigil_neardup_jaccard(vigil_neardup *b, vigil_str x, vigil_str y, double *out) {
  if (!b || !out) return VIGIL_EINVAL;
  int rc = shingle(b, x);
  if (rc) return rc;
  size_t na = b->nscr;
  uint64_t *a = malloc((na ? na : 1) * sizeof *a);
  if (!a) return VIGIL_ENOMEM;
  memcpy(a, b->scr, na * sizeof *a);
  rc = shingle(b, y);
  if (!rc) *out = jaccard_sorted(a, na, b->scr, b->nscr);
  free(a);
  return rc;
}

int vigil_neardup_simhash(vigil_neardup *b, vigil_str text, uint64_t *out) {
  if (!b || !out) return VIGIL_EINVAL;
  int rc = shingle(b, text);
  if (rc) return rc;
  int v[64] = {0};
  for (size_t j = 0; j < b->nscr; j++)
    for (int k = 0; k < 64; k++) v[k] += ((b->scr[j] >> k) & 1) ? 1 : -1;
  uint64_t h = 0;
  for (int k = 0; k < 64; k++)
    if (v[k] > 0) h |= (uint64_t)1 << k;
  *out = h;
  return 0;
}

static uint64_t band_key(const vigil_neardup *b, const uint32_t *sig, unsigned band) {
  return XXH3_64bits_withSeed(sig + (size_t)band * b->rows, b->rows * sizeof *sig, band + 1);
}

static int table_grow(vigil_neardup *b) {
  size_t nh = b->nheads * 2;
  uint32_t *heads = malloc(nh * sizeof *heads);
  if (!heads) return VIGIL_ENOMEM;
  memset(heads, 0xFF, nh * sizeof *heads);
  for (size_t e = 0; e < b->nent; e++) {
    size_t slot = (size_t)(b->ent[e].key & (nh - 1));
    b->ent[e].next = heads[slot];
    heads[slot] = (uint32_t)e;
  }
  free(b->heads);
  b->heads = heads;
  b->nheads = nh;
  return 0;
}

static int grow(void **p, size_t *cap, size_t need, size_t elem) {
  if (need <= *cap) return 0;
  size_t nc = *cap ? *cap : 64;
  while (nc < need) nc *= 2;
  void *np = realloc(*p, nc * elem);
  if (!np) return VIGIL_ENOMEM;
  *p = np;
  *cap = nc;
  return 0;
}

int vigil_neardup_add(vigil_neardup *b, uint64_t id, vigil_str text) {
  if (!b) return VIGIL_EINVAL;
  int rc = shingle(b, text);
  if (rc) return rc;
  if (b->nscr == 0) {
    b->nempty++;
    return 0;
  }
  if (b->ndocs >= b->p.max_docs) return VIGIL_ETOOBIG;
  const unsigned P = b->p.perms;
  size_t need = b->ndocs + 1;
  if (need > b->capdocs) {
    size_t cap = b->capdocs, cap2 = b->capdocs, cap3 = b->capdocs;
    if ((rc = grow((void **)&b->ids, &cap, need, sizeof *b->ids))) return rc;
    if ((rc = grow((void **)&b->stamp, &cap2, need, sizeof *b->stamp))) return rc;
    if ((rc = grow((void **)&b->sigs, &cap3, need, (size_t)P * sizeof *b->sigs))) return rc;
    b->capdocs = cap;
  }
  if (b->p.exact) {
    if ((rc = grow((void **)&b->shoff, &b->capshoff, need + 1, sizeof *b->shoff))) return rc;
    if ((rc = grow((void **)&b->sh, &b->capsh, b->nsh + b->nscr, sizeof *b->sh))) return rc;
    if (b->ndocs == 0) b->shoff[0] = 0;
    memcpy(b->sh + b->nsh, b->scr, b->nscr * sizeof *b->sh);
    b->nsh += b->nscr;
    b->shoff[b->ndocs + 1] = b->nsh;
  }
  if ((rc = grow((void **)&b->ent, &b->capent, b->nent + b->p.bands, sizeof *b->ent))) return rc;
  while (b->nent + b->p.bands > b->nheads)
    if ((rc = table_grow(b))) return rc;
  uint32_t *sig = b->sigs + b->ndocs * P;
  minhash(b, b->scr, b->nscr, sig);
  uint32_t d = (uint32_t)b->ndocs;
  for (unsigned k = 0; k < b->p.bands; k++) {
    uint64_t key = band_key(b, sig, k);
    size_t slot = (size_t)(key & (b->nheads - 1));
    lsh_entry *e = &b->ent[b->nent];
    e->key = key;
    e->doc = d;
    e->next = b->heads[slot];
    b->heads[slot] = (uint32_t)b->nent++;
  }
  b->ids[d] = id;
  b->stamp[d] = b->epoch;
  b->ndocs++;
  return 0;
}

static int cmp_hit(const void *pa, const void *pb) {
  const vigil_neardup_hit *a = pa, *c = pb;
  if (a->similarity != c->similarity) return a->similarity > c->similarity ? -1 : 1;
  return a->id < c->id ? -1 : a->id > c->id;
}

int vigil_neardup_query(vigil_neardup *b, vigil_str text, double threshold, size_t max_hits,
                        vigil_neardup_hits *out) {
  if (!b || !out || !(threshold >= 0.0 && threshold <= 1.0)) return VIGIL_EINVAL;
  out->n = 0;
  int rc = shingle(b, text);
  if (rc || b->nscr == 0 || b->ndocs == 0) return rc;
  const unsigned P = b->p.perms;
  minhash(b, b->scr, b->nscr, b->qsig);
  if (++b->epoch == 0) { /* wrapped: no stamp may look current */
    memset(b->stamp, 0, b->ndocs * sizeof *b->stamp);
    b->epoch = 1;
  }
  for (unsigned k = 0; k < b->p.bands; k++) {
    uint64_t key = band_key(b, b->qsig, k);
    for (uint32_t e = b->heads[key & (b->nheads - 1)]; e != NO_ENTRY; e = b->ent[e].next) {
      if (b->ent[e].key != key) continue;
      uint32_t d = b->ent[e].doc;
      if (b->stamp[d] == b->epoch) continue;
      b->stamp[d] = b->epoch;
      double sim;
      if (b->p.exact)
        sim = jaccard_sorted(b->scr, b->nscr, b->sh + b->shoff[d], b->shoff[d + 1] - b->shoff[d]);
      else
        sim = vigil_neardup_sig_similarity(b->qsig, b->sigs + (size_t)d * P, P);
      if (sim < threshold) continue;
      if (out->n == out->cap) {
        size_t nc = out->cap ? out->cap * 2 : 8;
        void *nv = realloc(out->v, nc * sizeof *out->v);
        if (!nv) return VIGIL_ENOMEM;
        out->v = nv;
        out->cap = nc;
      }
      out->v[out->n].id = b->ids[d];
      out->v[out->n].similarity = sim;
      out->n++;
    }
  }
  if (out->n > 1) qsort(out->v, out->n, sizeof *out->v, cmp_hit);
  if (max_hits && out->n > max_hits) out->n = max_hits;
  return 0;
}
