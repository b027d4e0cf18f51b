/* vigil/graph.h - in-memory graph kernels for the census.
 *
 * A vigil_graph is a directed weighted graph held twice in CSR form (out-
 * and in-adjacency), uint32 node indices and float weights: 100M edges take
 * 2 x 100M x 8 B = 1.6 GB plus offsets. Rows are sorted by neighbour index,
 * duplicate (src,dst) pairs are merged (weights summed) and self-loops are
 * dropped, so both CSRs hold exactly the same m edges.
 *
 * Ownership: vigil_graph_build() / vigil_graph_load_store() allocate the
 * graph; vigil_graph_free() frees it. Every output array passed to a kernel
 * (scores, coreness, counts) is allocated by the caller with g->n entries
 * (m for per-edge arrays) and is only written. Input arrays are borrowed.
 * vigil_idmap_new() allocates an id map, vigil_idmap_free() frees it.
 *
 * Threads: kernels that take a `threads` count split the node range into
 * that many contiguous ranges balanced by edge count (pthreads). Counts
 * (k-core, reciprocity, in-group) do not depend on it; the PPR vector is
 * deterministic for a given thread count and differs across counts only
 * within the tolerance (each range runs its own Gauss-Seidel order).
 */
#ifndef VIGIL_GRAPH_H
#define VIGIL_GRAPH_H

#include <stddef.h>
#include <stdint.h>

#include "vigil/model.h"
#include "vigil/store.h"

typedef struct vigil_graph {
  uint32_t n;          /* nodes 0..n-1 */
  uint64_t m;          /* directed edges (merged, no self-loops) */
  uint64_t *out_off;   /* n+1: out-row of u is [out_off[u], out_off[u+1]) */
  uint32_t *out_idx;   /* m targets, ascending within a row */
  float *out_w;        /* m weights (> 0) */
  uint64_t *in_off;    /* n+1 */
  uint32_t *in_idx;    /* m sources, ascending within a row */
  float *in_w;         /* m weights, same values as the matching out-edges */
  float *out_wsum;     /* n: weighted out-degree */
  float *in_wsum;      /* n: weighted in-degree */
  int unit_weights;    /* 1 when every weight is exactly 1 (kernels skip weights) */
} vigil_graph; /* read-only for callers */

/* Builds a graph with n nodes from m edges src[i] -> dst[i] with weight
 * w[i] (w NULL: all 1). Indices must be < n (VIGIL_ERANGE), weights finite
 * and > 0 (VIGIL_EINVAL). n <= 2^32 - 2; m may exceed 2^32 (offsets are
 * 64-bit). Time O(n + m): three counting-sort scatters, no comparison sort. */
int vigil_graph_build(uint32_t n, size_t m, const uint32_t *src, const uint32_t *dst,
                      const float *w, vigil_graph **out);

/* Loads edges of the selected kinds from the store. kind_weight[k] > 0
 * selects kind k and is its multiplier; an edge stored with count c >= 1
 * gets weight kind_weight[k] * (1 + ln c), so one observation weighs the
 * multiplier and repeated interactions grow slowly. The same (src,dst) under
 * several kinds becomes one edge with the summed weight. Node index =
 * store account id (dense int64 > 0), so n = max account id + 1 and node 0
 * is an unused isolated slot. */
int vigil_graph_load_store(vigil_store *s, const float kind_weight[VIGIL_EDGE_KIND_COUNT],
                           vigil_graph **out);

void vigil_graph_free(vigil_graph *g);
/* Bytes held by the graph (for reports). */
size_t vigil_graph_bytes(const vigil_graph *g);

/* ---- personalized PageRank ------------------------------------------------ */
typedef enum vigil_ppr_dir {
  VIGIL_PPR_OUT = 0,  /* walker follows out-edges: whom the seeds follow/amplify */
  VIGIL_PPR_IN = 1,   /* walker follows edges backwards: who follows/amplifies the seeds */
  VIGIL_PPR_BOTH = 2  /* undirected: u->v with prob (w_uv + w_vu) / (wout_u + win_u);
                         the census default (membership is homophily both ways) */
} vigil_ppr_dir;

typedef struct vigil_ppr_opts {
  double alpha;  /* restart probability, default 0.15 (damping 0.85) */
  double tol;    /* stop when the L1 change of a sweep < tol; default 1e-6 (L1 error
                    vs an exact solve ~3e-6 on ego-Twitter) */
  int max_iter;  /* default 200 */
  int threads;   /* default 2; 1..64 */
  int dir;       /* vigil_ppr_dir, default VIGIL_PPR_OUT */
  int block_bits; /* cache blocking of the rank-vector gathers: 0 = auto (default:
                     on with 2^15-node blocks when the vector outgrows L2,
                     n > 2^17), -1 = off, 4..16 = on with 2^block_bits-node
                     blocks. Same model and result within the tolerance. */
} vigil_ppr_opts;
void vigil_ppr_opts_init(vigil_ppr_opts *o);

/* Personalized PageRank: the stationary distribution of a walker that at
 * each step restarts at a seed (chosen by seed weight) with probability
 * alpha, else moves along a weighted edge; a walker at a node without edges
 * in the walk direction (dangling) restarts at the seeds too. x (n floats)
 * receives the vector (sums to 1). seed_w NULL = equal weights; seeds may
 * repeat (weights add). *iters (may be NULL) receives the iteration count.
 * Pull-based Gauss-Seidel iteration in float32 (double-precision sums of
 * the per-sweep change), nodes split over `threads` ranges. With blocking
 * the call first builds a tiled copy of the walk edges (8 B per walk edge,
 * 4 B when unweighted; freed on return; VIGIL_ENOMEM if it cannot). VIGIL_EINVAL for
 * no seeds, zero total seed weight or bad options; VIGIL_ERANGE for a seed
 * >= n. */
int vigil_graph_ppr(const vigil_graph *g, const uint32_t *seeds, const float *seed_w,
                    size_t n_seeds, const vigil_ppr_opts *o, float *x, int *iters);

/* ---- structure kernels ------------------------------------------------------ */
/* Coreness of every node in the undirected simple graph (u~v if u->v or
 * v->u, u != v). Batagelj-Zaversnik bucket algorithm, O(n + m). */
int vigil_graph_kcore(const vigil_graph *g, uint32_t *core);

/* Reciprocal edges: recip_deg[u] (may be NULL) = number of v with u->v and
 * v->u; edge_recip[e] (may be NULL, m bytes, indexed like out_idx) = 1 if
 * out-edge e is reciprocated; *pairs (may be NULL) = number of unordered
 * reciprocal pairs. O(m): each node merges its sorted out- and in-row. */
int vigil_graph_reciprocal(const vigil_graph *g, uint32_t *recip_deg, uint8_t *edge_recip,
                           uint64_t *pairs, int threads);

typedef struct vigil_ingroup_totals {
  uint64_t members;        /* |S| */
  uint64_t edges_within;   /* u->v with u, v in S */
  uint64_t recip_within;   /* unordered reciprocal pairs inside S */
  uint64_t edges_out;      /* u in S -> v not in S */
  uint64_t edges_in;       /* u not in S -> v in S */
} vigil_ingroup_totals;

/* In-group counts for the node set S (in_set: n bytes, non-zero = member).
 * Per node v (arrays may be NULL): out_s[v] = |out(v) & S|, in_s[v] =
 * |in(v) & S|, recip_s[v] = |{u in S: v->u and u->v}|. Totals (may be NULL)
 * describe S as a whole. O(m), split over threads. */
int vigil_graph_ingroup(const vigil_graph *g, const uint8_t *in_set, uint32_t *out_s,
                        uint32_t *in_s, uint32_t *recip_s, vigil_ingroup_totals *tot,
                        int threads);

/* ---- seeded ranking (census graph-only mode) ------------------------------- */
typedef enum vigil_rank_method {
  VIGIL_RANK_PPR = 0,      /* plain PPR from the positive seeds (baseline) */
  VIGIL_RANK_CONTRAST = 1  /* default: degree-normalised PPR of the positives
                              contrasted with that of the negatives (graph.md) */
} vigil_rank_method;

typedef struct vigil_rank_opts {
  vigil_ppr_opts ppr;  /* dir defaults to VIGIL_PPR_BOTH here */
  int method;          /* vigil_rank_method */
  double neg_weight;   /* CONTRAST: weight of the negative-seed term, default 0.25 */
} vigil_rank_opts;
void vigil_rank_opts_init(vigil_rank_opts *o);

/* Scores every node by how likely it belongs with the positive seeds rather
 * than the negative ones (n_neg may be 0). Higher = closer to the positives.
 * Only the order of scores is meaningful. score: n floats. */
int vigil_graph_rank_seeded(const vigil_graph *g, const uint32_t *pos, size_t n_pos,
                            const uint32_t *neg, size_t n_neg, const vigil_rank_opts *o,
                            float *score);

/* ---- id map: 64-bit external ids -> dense uint32 node indices --------------- */
typedef struct vigil_idmap vigil_idmap;
int vigil_idmap_new(vigil_idmap **out);
void vigil_idmap_free(vigil_idmap *m);
/* Index of key; when absent and create, assigns the next index (0, 1, ...).
 * Returns 0, VIGIL_ENOTFOUND (absent, !create), VIGIL_ENOMEM or
 * VIGIL_ETOOBIG (2^32 - 1 keys). */
int vigil_idmap_get(vigil_idmap *m, uint64_t key, int create, uint32_t *idx);
uint32_t vigil_idmap_count(const vigil_idmap *m);
/* keys[i] is the key of index i; valid until the next insertion. */
const uint64_t *vigil_idmap_keys(const vigil_idmap *m);

#endif
