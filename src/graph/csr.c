/* CSR construction. Edges go through three counting-sort scatters instead
 * of a comparison sort: COO -> in-CSR (rows in input order), in-CSR ->
 * out-CSR (visiting targets in ascending order, so every out-row comes out
 * sorted), duplicate merge in place, then out-CSR -> in-CSR again (sorted).
 * Each scatter is one sequential read and one streaming-ish write, which
 * keeps 100M edges at a few seconds and the peak at COO + two CSRs.
 * Input already grouped by source (the store's row order) skips the first
 * two scatters: rows are copied in order and only unsorted rows sorted. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "vigil/error.h"
#include "vigil/graph.h"

#define MAX_NODES ((uint32_t)UINT32_MAX - 1)
/* index arrays carry this many zeroed entries past m so the PPR kernel can
 * prefetch a fixed distance ahead without a bounds test */
#define IDX_PAD 16

void vigil_graph_free(vigil_graph *g) {
  if (!g) return;
  free(g->out_off), free(g->out_idx), free(g->out_w);
  free(g->in_off), free(g->in_idx), free(g->in_w);
  free(g->out_wsum), free(g->in_wsum);
  free(g);
}

size_t vigil_graph_bytes(const vigil_graph *g) {
  if (!g) return 0;
  return sizeof *g + 2 * ((size_t)g->n + 1) * sizeof(uint64_t) +
         2 * (size_t)g->m * (sizeof(uint32_t) + sizeof(float)) + 2 * (size_t)g->n * sizeof(float);
}

/* The COO input; `owned` arrays are freed as soon as they are consumed so
 * the store loader never holds COO and both CSRs at once. */
typedef struct coo {
  size_t m;
  const uint32_t *src, *dst;
  const float *w;
  int owned;
} coo;

static void coo_drop(coo *c) {
  if (c->owned) {
    free((void *)c->src), free((void *)c->dst), free((void *)c->w);
    c->src = c->dst = NULL;
    c->w = NULL;
  }
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return (x > y) - (x < y);
}

/* Input grouped by source: out-rows are the input runs. Leaves cur[u] = end
 * of row u, like the general path's second scatter. */
static int fill_by_src(uint32_t n, const coo *c, vigil_graph *g, uint64_t *cur) {
  memset(cur, 0, ((size_t)n + 1) * sizeof *cur);
  uint64_t p = 0;
  for (size_t i = 0; i < c->m; i++) {
    uint32_t u = c->src[i], v = c->dst[i];
    if (u == v) continue;
    g->out_idx[p] = v;
    g->out_w[p] = c->w ? c->w[i] : 1.0f;
    cur[u] = ++p;
  }
  uint64_t *tmp = NULL;
  size_t tmp_cap = 0;
  uint64_t start = 0;
  for (uint32_t u = 0; u < n; u++) {
    if (cur[u] < start) cur[u] = start; /* empty row */
    uint64_t end = cur[u];
    int sorted = 1;
    for (uint64_t e = start + 1; e < end && sorted; e++) sorted = g->out_idx[e - 1] <= g->out_idx[e];
    if (!sorted) {
      size_t len = (size_t)(end - start);
      if (len > tmp_cap) {
        uint64_t *t = realloc(tmp, len * sizeof *t);
        if (!t) {
          free(tmp);
          return VIGIL_ENOMEM;
        }
        tmp = t, tmp_cap = len;
      }
      for (size_t k = 0; k < len; k++) {
        uint32_t bits;
        memcpy(&bits, &g->out_w[start + k], sizeof bits);
        tmp[k] = (uint64_t)g->out_idx[start + k] << 32 | bits;
      }
      if (len <= 32) { /* most rows are short: no qsort call overhead */
        for (size_t a = 1; a < len; a++) {
          uint64_t x = tmp[a];
          size_t b = a;
          for (; b > 0 && tmp[b - 1] > x; b--) tmp[b] = tmp[b - 1];
          tmp[b] = x;
        }
      } else {
        qsort(tmp, len, sizeof *tmp, cmp_u64);
      }
      for (size_t k = 0; k < len; k++) {
        uint32_t bits = (uint32_t)tmp[k];
        g->out_idx[start + k] = (uint32_t)(tmp[k] >> 32);
        memcpy(&g->out_w[start + k], &bits, sizeof bits);
      }
    }
    start = end;
  }
  free(tmp);
  return 0;
}

static int build(uint32_t n, coo *c, vigil_graph **out) {
  *out = NULL;
  if (n > MAX_NODES) {
    coo_drop(c);
    return VIGIL_ETOOBIG;
  }
  int rc = VIGIL_ENOMEM;
  vigil_graph *g = calloc(1, sizeof *g);
  uint64_t *cur = calloc((size_t)n + 1, sizeof *cur);
  if (!g || !cur) goto fail;
  g->n = n;

  /* 1. validate and count in-degrees (self-loops dropped) */
  size_t m = 0;
  int by_src = 1; /* input grouped by ascending source (the store's order) */
  for (size_t i = 0; i < c->m; i++) {
    uint32_t u = c->src[i], v = c->dst[i];
    if (i && c->src[i - 1] > u) by_src = 0;
    if (u >= n || v >= n) {
      rc = VIGIL_ERANGE;
      goto fail;
    }
    if (c->w && !(isfinite(c->w[i]) && c->w[i] > 0)) {
      rc = VIGIL_EINVAL;
      goto fail;
    }
    if (u == v) continue;
    cur[v + 1]++;
    m++;
  }
  size_t alloc_m = m ? m : 1;
  g->in_off = malloc(((size_t)n + 1) * sizeof *g->in_off);
  g->out_off = malloc(((size_t)n + 1) * sizeof *g->out_off);
  g->in_idx = calloc(alloc_m + IDX_PAD, sizeof *g->in_idx);
  g->in_w = malloc(alloc_m * sizeof *g->in_w);
  g->out_idx = calloc(alloc_m + IDX_PAD, sizeof *g->out_idx);
  g->out_w = malloc(alloc_m * sizeof *g->out_w);
  g->out_wsum = calloc(n ? n : 1, sizeof *g->out_wsum);
  g->in_wsum = calloc(n ? n : 1, sizeof *g->in_wsum);
  if (!g->in_off || !g->out_off || !g->in_idx || !g->in_w || !g->out_idx || !g->out_w ||
      !g->out_wsum || !g->in_wsum)
    goto fail;

  if (by_src) {
    /* fast path: rows are already contiguous, copy them in order and sort
     * only rows that are not ascending (several kinds for one source) */
    int rc2 = fill_by_src(n, c, g, cur);
    coo_drop(c);
    if (rc2) {
      rc = rc2;
      goto fail;
    }
  } else {
    /* 2. COO -> in-CSR (rows unsorted) */
    for (uint32_t v = 0; v < n; v++) cur[v + 1] += cur[v];
    for (size_t i = 0; i < c->m; i++) {
      uint32_t u = c->src[i], v = c->dst[i];
      if (u == v) continue;
      uint64_t p = cur[v]++;
      g->in_idx[p] = u;
      g->in_w[p] = c->w ? c->w[i] : 1.0f;
    }
    coo_drop(c);
    /* cur[v] is now the end of row v = start of row v+1 */
    g->in_off[0] = 0;
    for (uint32_t v = 0; v < n; v++) g->in_off[v + 1] = cur[v];

    /* 3. in-CSR -> out-CSR, targets visited ascending: out-rows sorted */
    memset(cur, 0, ((size_t)n + 1) * sizeof *cur);
    for (size_t e = 0; e < m; e++) cur[g->in_idx[e] + 1]++;
    for (uint32_t u = 0; u < n; u++) cur[u + 1] += cur[u];
    for (uint32_t v = 0; v < n; v++) {
      for (uint64_t e = g->in_off[v]; e < g->in_off[v + 1]; e++) {
        uint64_t p = cur[g->in_idx[e]]++;
        g->out_idx[p] = v;
        g->out_w[p] = g->in_w[e];
      }
    }
  }

  /* 4. merge duplicate (u,v) in place (adjacent in sorted rows) */
  uint64_t k = 0, start = 0;
  for (uint32_t u = 0; u < n; u++) {
    uint64_t end = cur[u]; /* end of row u */
    g->out_off[u] = k;
    for (uint64_t e = start; e < end; e++) {
      if (k > g->out_off[u] && g->out_idx[k - 1] == g->out_idx[e]) {
        g->out_w[k - 1] += g->out_w[e];
      } else {
        g->out_idx[k] = g->out_idx[e];
        g->out_w[k] = g->out_w[e];
        k++;
      }
    }
    start = end;
  }
  g->out_off[n] = k;
  g->m = m = k;

  /* 5. out-CSR -> in-CSR, sources visited ascending: in-rows sorted */
  memset(cur, 0, ((size_t)n + 1) * sizeof *cur);
  for (size_t e = 0; e < m; e++) cur[g->out_idx[e] + 1]++;
  for (uint32_t v = 0; v < n; v++) cur[v + 1] += cur[v];
  memcpy(g->in_off, cur, ((size_t)n + 1) * sizeof *cur);
  int unit = 1;
  for (uint32_t u = 0; u < n; u++) {
    double ws = 0;
    for (uint64_t e = g->out_off[u]; e < g->out_off[u + 1]; e++) {
      uint32_t v = g->out_idx[e];
      float w = g->out_w[e];
      uint64_t p = cur[v]++;
      g->in_idx[p] = u;
      g->in_w[p] = w;
      ws += w;
      g->in_wsum[v] += w;
      if (w != 1.0f) unit = 0;
    }
    g->out_wsum[u] = (float)ws;
  }
  g->unit_weights = unit;
  if (m && m < alloc_m) { /* shrink after merging duplicates */
    void *p;
    if ((p = realloc(g->out_idx, (m + IDX_PAD) * sizeof *g->out_idx))) g->out_idx = p;
    if ((p = realloc(g->out_w, m * sizeof *g->out_w))) g->out_w = p;
    if ((p = realloc(g->in_idx, (m + IDX_PAD) * sizeof *g->in_idx))) g->in_idx = p;
    if ((p = realloc(g->in_w, m * sizeof *g->in_w))) g->in_w = p;
  }
  /* duplicates merged: what lies past m is stale */
  memset(g->out_idx + m, 0, IDX_PAD * sizeof *g->out_idx);
  memset(g->in_idx + m, 0, IDX_PAD * sizeof *g->in_idx);
  free(cur);
  *out = g;
  return 0;
fail:
  coo_drop(c);
  free(cur);
  vigil_graph_free(g);
  return rc;
}

int vigil_graph_build(uint32_t n, size_t m, const uint32_t *src, const uint32_t *dst,
                      const float *w, vigil_graph **out) {
  if (!out || (m && (!src || !dst))) return VIGIL_EINVAL;
  coo c = {m, src, dst, w, 0};
  return build(n, &c, out);
}

/* ---- loading from the store --------------------------------------------------- */
enum { LOG_TAB = 64 };
typedef struct load_ctx {
  const float *kw;
  int64_t max_id;
  size_t m, cap;
  uint32_t *src, *dst;
  float *w;
  float wtab[VIGIL_EDGE_KIND_COUNT][LOG_TAB]; /* the weight of small counts, computed once */
} load_ctx;

static int grow(load_ctx *L, size_t need) {
  if (need <= L->cap) return 0;
  size_t cap = L->cap ? L->cap : 1 << 16;
  while (cap < need) cap *= 2;
  void *p;
  if (!(p = realloc(L->src, cap * sizeof *L->src))) return VIGIL_ENOMEM;
  L->src = p;
  if (!(p = realloc(L->dst, cap * sizeof *L->dst))) return VIGIL_ENOMEM;
  L->dst = p;
  if (!(p = realloc(L->w, cap * sizeof *L->w))) return VIGIL_ENOMEM;
  L->w = p;
  L->cap = cap;
  return 0;
}

static int on_row(void *ctx, const vigil_adj_row *row) {
  load_ctx *L = ctx;
  if (row->kind < 0 || row->kind >= VIGIL_EDGE_KIND_COUNT) return 0;
  float mult = L->kw[row->kind];
  if (!(mult > 0)) return 0;
  if (row->src <= 0 || row->src > L->max_id) return VIGIL_ECORRUPT;
  int rc = grow(L, L->m + row->n);
  if (rc) return rc;
  uint32_t u = (uint32_t)row->src;
  for (size_t i = 0; i < row->n; i++) {
    int64_t v = row->dst[i];
    if (v <= 0 || v > L->max_id) return VIGIL_ECORRUPT;
    int64_t c = row->weight[i] < 1 ? 1 : row->weight[i];
    L->src[L->m] = u;
    L->dst[L->m] = (uint32_t)v;
    L->w[L->m] = c < LOG_TAB ? L->wtab[row->kind][c] : mult * (float)(1.0 + log((double)c));
    L->m++;
  }
  return 0;
}

int vigil_graph_load_store(vigil_store *s, const float kind_weight[VIGIL_EDGE_KIND_COUNT],
                           vigil_graph **out) {
  if (!s || !kind_weight || !out) return VIGIL_EINVAL;
  *out = NULL;
  int n_sel = 0, sel = -1;
  for (int k = 0; k < VIGIL_EDGE_KIND_COUNT; k++) {
    if (!isfinite(kind_weight[k])) return VIGIL_EINVAL;
    if (kind_weight[k] > 0) n_sel++, sel = k;
  }
  int64_t max_id = vigil_store_max_account_id(s);
  if (max_id < 0) return VIGIL_ECORRUPT;
  if (max_id >= (int64_t)MAX_NODES) return VIGIL_ETOOBIG;
  load_ctx L = {kind_weight, max_id, 0, 0, NULL, NULL, NULL, {{0}}};
  for (int k = 0; k < VIGIL_EDGE_KIND_COUNT; k++)
    for (int c = 1; c < LOG_TAB; c++) L.wtab[k][c] = kind_weight[k] * (float)(1.0 + log((double)c));
  int rc = 0;
  if (n_sel > 0) /* one kind: let the store filter; several: one ordered scan */
    rc = vigil_store_each_adjacency(s, n_sel == 1 ? sel : -1, on_row, &L);
  if (rc) {
    free(L.src), free(L.dst), free(L.w);
    return rc;
  }
  coo c = {L.m, L.src, L.dst, L.w, 1};
  return build((uint32_t)(max_id + 1), &c, out);
}
