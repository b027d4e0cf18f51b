/* The follow graph, regenerated per source from its own random stream (the
 * graph is never held in memory) and written by worker threads in batches
 * that the calling thread writes out in source order. */
#include <pthread.h>
#include <stdlib.h>

#include "synth_int.h"
#include "vigil/error.h"

static inline uint32_t pick_alias(const sy_alias *a, const uint32_t *pool, sy_rng *r) {
  (void)pool; /* the entries hold account indices already */
  return sy_alias_draw(a->e, a->n, r);
}
static inline uint32_t pick_comm(const vigil_synth *s, uint32_t c, sy_rng *r) {
  const sy_comm *cm = &s->comms[c];
  return sy_alias_draw(s->c_tab + cm->start, cm->size, r);
}
/* uniform within the source's block of SY_BLOCK neighbours in its pool:
 * dense local clusters give clustering and reciprocal ties */
static inline uint32_t pick_block(const uint32_t *pool, uint32_t lo, uint32_t hi, uint32_t p,
                                  sy_rng *r) {
  uint32_t b0 = lo + (p - lo) / SY_BLOCK * SY_BLOCK, b1 = b0 + SY_BLOCK;
  if (b1 > hi) b1 = hi;
  return pool[b0 + sy_below(r, b1 - b0)];
}
static inline uint32_t pick_general(const vigil_synth *s, int lang, sy_rng *r) {
  if (s->n_lang_comms[lang] && sy_unif(r) < 0.5)
    return pick_comm(s, s->lang_comms[lang][sy_below(r, s->n_lang_comms[lang])], r);
  return pick_alias(&s->a_gen, s->gen_pool, r);
}

static uint32_t pick(const vigil_synth *s, uint32_t i, sy_rng *r) {
  double u = sy_unif(r);
  switch (s->group[i]) {
  case VIGIL_SYNTH_SUPPORTER:
    if (u < s->psup[i])
      return sy_unif(r) < 0.25 ? pick_block(s->sup_pool, 0, s->k, s->pos[i], r)
                               : pick_alias(&s->a_sup, s->sup_pool, r);
    if (u < s->psup[i] + 0.04 && s->l) return pick_alias(&s->a_look, s->look_pool, r);
    return pick_general(s, s->lang[i], r);
  case VIGIL_SYNTH_LOOKALIKE:
    if (u < s->psup[i]) return pick_alias(&s->a_sup, s->sup_pool, r);
    if (u < s->psup[i] + 0.15)
      return sy_unif(r) < 0.3 ? pick_block(s->look_pool, 0, s->l, s->pos[i], r)
                              : pick_alias(&s->a_look, s->look_pool, r);
    return pick_general(s, s->lang[i], r);
  default: {
    if (u < 0.004) return pick_alias(&s->a_sup, s->sup_pool, r);
    if (u < 0.012 && s->l) return pick_alias(&s->a_look, s->look_pool, r);
    uint32_t c = s->comm[i];
    if (u < 0.712) {
      const sy_comm *cm = &s->comms[c];
      return sy_unif(r) < 0.25 ? pick_block(s->gen_pool, cm->start, cm->start + cm->size,
                                            s->pos[i], r)
                               : pick_comm(s, c, r);
    }
    return pick_alias(&s->a_gen, s->gen_pool, r);
  }
  }
}

static void sort_u32(uint32_t *a, uint32_t n) {
  if (n < 128) {
    for (uint32_t i = 1; i < n; i++) {
      uint32_t x = a[i], j = i;
      while (j && a[j - 1] > x) a[j] = a[j - 1], j--;
      a[j] = x;
    }
    return;
  }
  /* LSD radix sort, 3 x 11 bits: stays O(n) for the big sources */
  static _Thread_local uint32_t tmp[SY_TGT_CAP];
  uint32_t cnt[2048];
  uint32_t *src = a, *dst = tmp;
  for (int pass = 0; pass < 3; pass++) {
    int sh = pass * 11;
    memset(cnt, 0, sizeof cnt);
    for (uint32_t i = 0; i < n; i++) cnt[(src[i] >> sh) & 2047]++;
    uint32_t sum = 0;
    for (uint32_t b = 0; b < 2048; b++) { uint32_t c = cnt[b]; cnt[b] = sum; sum += c; }
    for (uint32_t i = 0; i < n; i++) dst[cnt[(src[i] >> sh) & 2047]++] = src[i];
    uint32_t *t = src; src = dst; dst = t;
  }
  memcpy(a, src, (size_t)n * sizeof *a); /* odd number of passes: result is in tmp */
}

static uint32_t uniq(uint32_t *a, uint32_t n, uint32_t self, uint32_t other) {
  sort_u32(a, n);
  uint32_t m = 0;
  for (uint32_t j = 0; j < n; j++) {
    if (a[j] == self || a[j] == other) continue;
    if (m && a[m - 1] == a[j]) continue;
    a[m++] = a[j];
  }
  return m;
}

/* fresh draws for source i until it has want distinct targets (bounded) */
static uint32_t draw(const vigil_synth *s, uint32_t i, sy_rng *r, uint32_t *tgt, uint32_t have,
                     uint32_t want, uint32_t other) {
  for (int round = 0; round < 4 && have < want; round++) {
    uint32_t need = want - have;
    for (uint32_t j = 0; j < need && have < SY_TGT_CAP / 2; j++) tgt[have++] = pick(s, i, r);
    have = uniq(tgt, have, i, other);
  }
  return have;
}

static uint32_t base_targets(const vigil_synth *s, uint32_t i, uint32_t *tgt) {
  sy_rng r;
  sy_seed(&r, s->o.seed, SY_TAG_EDGE, i);
  uint32_t n = draw(s, i, &r, tgt, 0, s->outdeg[i], i);
  /* followers of a suspended account also follow its re-creation */
  uint32_t m = n;
  for (uint32_t j = 0; j < n && m < SY_TGT_CAP / 2; j++)
    if (s->new_of[tgt[j]] != SY_NONE && s->new_of[tgt[j]] != i && sy_unif(&r) < 0.5)
      tgt[m++] = s->new_of[tgt[j]];
  return m > n ? uniq(tgt, m, i, i) : n;
}

uint32_t sy_targets(const vigil_synth *s, uint32_t i, uint32_t *tgt, uint32_t *tmp) {
  uint32_t old = s->old_of[i];
  if (old == SY_NONE) return base_targets(s, i, tgt);
  /* re-created: keep most of the original's follows, then add fresh ones */
  uint32_t n0 = base_targets(s, old, tmp), n = 0;
  sy_rng r;
  sy_seed(&r, s->o.seed, SY_TAG_EDGE, (uint64_t)s->n + i);
  for (uint32_t j = 0; j < n0; j++)
    if (sy_unif(&r) < 0.65) tgt[n++] = tmp[j];
  uint32_t want = n + s->outdeg[i] / 3 + 1;
  return draw(s, i, &r, tgt, n, want, old);
}

uint32_t sy_pick_inter(const vigil_synth *s, uint32_t i, sy_rng *r) {
  double u = sy_unif(r);
  switch (s->group[i]) {
  case VIGIL_SYNTH_SUPPORTER:
    if (u < 0.80) return pick_alias(&s->a_sup, s->sup_pool, r);
    if (u < 0.85 && s->l) return pick_alias(&s->a_look, s->look_pool, r);
    return pick_general(s, s->lang[i], r);
  case VIGIL_SYNTH_LOOKALIKE:
    if (u < 0.35) return pick_alias(&s->a_sup, s->sup_pool, r);
    if (u < 0.60) return pick_alias(&s->a_look, s->look_pool, r);
    return pick_general(s, s->lang[i], r);
  default:
    if (u < 0.01) return pick_alias(&s->a_sup, s->sup_pool, r);
    if (u < 0.04 && s->l) return pick_alias(&s->a_look, s->look_pool, r);
    if (u < 0.64) return pick_comm(s, s->comm[i], r);
    return pick_alias(&s->a_gen, s->gen_pool, r);
  }
}

/* ---- threaded writer ------------------------------------------------------ */
enum { BATCH = 16384 };

typedef struct ebuf {
  char *p;
  size_t len, cap;
  uint64_t edges;
  int err;
} ebuf;

typedef struct worker {
  const vigil_synth *s;
  uint32_t lo, hi;
  ebuf *b;
  uint32_t *tgt, *tmp;
} worker;

static int ebuf_room(ebuf *b, size_t need) {
  if (b->len + need <= b->cap) return 0;
  size_t nc = b->cap ? b->cap : (1u << 20);
  while (nc < b->len + need) nc *= 2;
  char *np = realloc(b->p, nc);
  if (!np) return b->err = VIGIL_ENOMEM;
  b->p = np, b->cap = nc;
  return 0;
}

static void *work(void *arg) {
  worker *w = arg;
  const vigil_synth *s = w->s;
  ebuf *b = w->b;
  b->len = 0, b->edges = 0, b->err = 0;
  for (uint32_t i = w->lo; i < w->hi; i++) {
    uint32_t nt = sy_targets(s, i, w->tgt, w->tmp);
    if (ebuf_room(b, (size_t)nt * 50 + 64)) return NULL;
    char *p = b->p + b->len;
    const char *sid = s->idstr[i];
    size_t sl = s->idlen[i];
    for (uint32_t j = 0; j < nt; j++) {
      uint32_t t = w->tgt[j];
      if (j + 8 < nt) __builtin_prefetch(s->idstr[w->tgt[j + 8]]);
      memcpy(p, sid, sl), p += sl;
      *p++ = '\t';
      memcpy(p, s->idstr[t], 24); /* fixed-size copy; length fixed below */
      p += s->idlen[t];
      *p++ = '\n';
    }
    b->len = (size_t)(p - b->p);
    b->edges += nt;
  }
  return NULL;
}

int sy_write_edges(vigil_synth *s, const char *dir, uint64_t *edges, uint64_t *bytes) {
  sy_out o;
  int rc = sy_out_open(&o, dir, "follows.tsv");
  if (rc) return rc;
  int nt = s->o.threads < 1 ? 1 : s->o.threads;
  ebuf bufs[2][8];
  worker ws[8];
  pthread_t th[8];
  memset(bufs, 0, sizeof bufs);
  memset(ws, 0, sizeof ws);
  for (int t = 0; t < nt; t++) {
    ws[t].s = s;
    ws[t].tgt = malloc(SY_TGT_CAP * sizeof(uint32_t));
    ws[t].tmp = malloc(SY_TGT_CAP * sizeof(uint32_t));
    if (!ws[t].tgt || !ws[t].tmp) rc = VIGIL_ENOMEM;
  }
  uint64_t total = 0;
  uint32_t nb = (s->n + BATCH - 1) / BATCH, rounds = (nb + nt - 1) / nt;
  /* round r computes into set r&1 while the previous set is written */
  for (uint32_t r = 0; r <= rounds && !rc; r++) {
    int started = 0;
    if (r < rounds)
      for (int t = 0; t < nt; t++) {
        uint64_t bi = (uint64_t)r * nt + t;
        ws[t].lo = (uint32_t)(bi * BATCH < s->n ? bi * BATCH : s->n);
        ws[t].hi = (uint32_t)((bi + 1) * BATCH < s->n ? (bi + 1) * BATCH : s->n);
        ws[t].b = &bufs[r & 1][t];
        if (pthread_create(&th[t], NULL, work, &ws[t])) {
          work(&ws[t]); /* no thread: do it inline, same bytes */
          th[t] = 0;
          continue;
        }
        started |= 1 << t;
      }
    if (r > 0)
      for (int t = 0; t < nt; t++) {
        ebuf *b = &bufs[(r - 1) & 1][t];
        if (b->err) rc = b->err;
        sy_out_write(&o, b->p, b->len);
        total += b->edges;
      }
    for (int t = 0; t < nt; t++)
      if (started & (1 << t)) pthread_join(th[t], NULL);
    if (s->o.progress && r < rounds)
      s->o.progress(s->o.progress_ctx, "follows", (uint64_t)(r + 1) * nt * BATCH > s->n
                                                      ? s->n
                                                      : (uint64_t)(r + 1) * nt * BATCH,
                    s->n);
  }
  for (int t = 0; t < nt; t++) {
    free(ws[t].tgt), free(ws[t].tmp);
    free(bufs[0][t].p), free(bufs[1][t].p);
  }
  int rc2 = sy_out_close(&o);
  if (!rc) rc = rc2;
  *edges = total;
  *bytes = o.total;
  return rc;
}
