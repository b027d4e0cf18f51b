/* The bulk edge path of the SQLite backend: resolve and buffer a batch of
 * explicit edges (edge-list ingest) in one call.
 *
 * Per-edge resolution through vigil_store_account_resolve costs a dispatch,
 * a platform-name compare and a hash probe that usually misses the CPU
 * caches, one after the other. Here the numeric ids of a chunk of edges are
 * looked up together (vigil_u64map_get_many prefetches ahead), and only ids
 * not found (new accounts, non-numeric ids, usernames, other platforms)
 * take the general path, which gives exactly the same result. */
#include "store/sqlite_impl.h"
#include "vigil/error.h"

#define CHUNK 1024
#define STREAM_MIN 16384

static int ref_empty(const vigil_account_ref *r) {
  return !(r->platform_id.ptr && r->platform_id.len) && !(r->username.ptr && r->username.len);
}

/* the general path: as the ingest driver resolves one reference */
static int resolve_slow(vigil_store *s, vigil_str platform, const vigil_account_ref *ref,
                        int64_t *id, uint64_t *created) {
  vigil_change ch;
  *id = 0;
  if (ref_empty(ref)) return 0;
  int rc = vigil_store_account_resolve(s, platform, ref, 1, id, &ch);
  if (!rc && ch == VIGIL_NEW) (*created)++;
  return rc;
}

int sq_edges_put_batch(vigil_store *s, vigil_str platform, int64_t seen_at, size_t n,
                       const vigil_edge *edges, uint64_t *stored, uint64_t *accounts_new) {
  sq_store *q = (sq_store *)s;
  if (n && !edges) return VIGIL_EINVAL;
  if (!platform.ptr || !platform.len) return VIGIL_EINVAL;
  int rc = sq_load_caches(q);
  if (rc) return rc;
  vigil_u64map *pm = sq_plat_map(q, platform, 1);
  uint64_t keys[2 * CHUNK];
  int64_t ids[2 * CHUNK];
  uint64_t made = 0, put = 0;
  for (size_t base = 0; base < n && !rc; base += CHUNK) {
    size_t m = n - base < CHUNK ? n - base : CHUNK;
    const vigil_edge *e = edges + base;
    for (size_t i = 0; i < m; i++) {
      uint64_t a, b;
      /* (an edge list's edges all carry the ingest's own platform string) */
      int fast = pm && !e[i].src.username.len && !e[i].dst.username.len &&
                 (!(e[i].platform.ptr && e[i].platform.len) ||
                  (e[i].platform.ptr == platform.ptr && e[i].platform.len == platform.len) ||
                  vigil_str_eq(e[i].platform, platform));
      /* UINT64_MAX is never stored: a miss, resolved below */
      if (!fast || !sq_numeric_id(e[i].src.platform_id, &a)) a = UINT64_MAX;
      if (!fast || !sq_numeric_id(e[i].dst.platform_id, &b)) b = UINT64_MAX;
      keys[2 * i] = a;
      keys[2 * i + 1] = b;
    }
    if (pm) vigil_u64map_get_many(pm, keys, ids, 2 * m);
    else
      for (size_t i = 0; i < 2 * m; i++) ids[i] = 0;
    for (size_t i = 0; i < m; i++) {
      vigil_str plat = e[i].platform.ptr && e[i].platform.len ? e[i].platform : platform;
      int64_t src = ids[2 * i], dst = ids[2 * i + 1];
      /* a miss may be an account created earlier in this chunk: the general
       * path finds it in the cache */
      if (!src && (rc = resolve_slow(s, plat, &e[i].src, &src, &made))) break;
      if (!dst && (rc = resolve_slow(s, plat, &e[i].dst, &dst, &made))) break;
      if (!src || !dst) continue;
      int64_t at = e[i].seen_at != VIGIL_TIME_UNKNOWN ? e[i].seen_at : seen_at;
      if (e[i].kind < 0 || e[i].kind >= VIGIL_EDGE_KIND_COUNT) {
        rc = VIGIL_EINVAL;
        break;
      }
      rc = sq_edges_put(q, e[i].kind, SQ_SET, src, dst, e[i].weight > 0 ? e[i].weight : 1, at, at);
      if (rc) break;
      put++;
    }
  }
  /* new accounts' rows go in on the background thread meanwhile */
  if (!rc) rc = sq_stubs_stream(q, STREAM_MIN);
  if (stored) *stored += put;
  if (accounts_new) *accounts_new += made;
  return rc;
}
