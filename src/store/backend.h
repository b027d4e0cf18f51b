/* src/store/backend.h - the function table a store backend implements.
 *
 * store.c turns every public vigil_store_* call into ops->NAME(...). A
 * backend allocates a struct that begins with `struct vigil_store` and fills
 * `ops`. Adding a store function: one X line here, its declaration in
 * include/vigil/store.h, and its implementation in each backend.
 */
#ifndef VIGIL_STORE_BACKEND_H
#define VIGIL_STORE_BACKEND_H

#include "vigil/store.h"

/* X(return type, name, parameter list, argument list) */
#define VIGIL_STORE_OPS(X)                                                                       \
  X(int, close, (vigil_store * s), (s))                                                          \
  X(int, schema_version, (vigil_store * s, int *version), (s, version))                         \
  X(int, begin, (vigil_store * s), (s))                                                          \
  X(int, commit, (vigil_store * s), (s))                                                         \
  X(int, rollback, (vigil_store * s), (s))                                                       \
  X(int, commit_async, (vigil_store * s), (s))                                                   \
  X(int, account_resolve,                                                                        \
    (vigil_store * s, vigil_str platform, const vigil_account_ref *ref, int create, int64_t *id, \
     vigil_change *change),                                                                      \
    (s, platform, ref, create, id, change))                                                      \
  X(int, account_upsert,                                                                         \
    (vigil_store * s, const vigil_account *a, int64_t observed_at, int64_t *id,                  \
     vigil_change *change),                                                                      \
    (s, a, observed_at, id, change))                                                             \
  X(int, post_upsert,                                                                            \
    (vigil_store * s, const vigil_post *p, const vigil_post_refs *refs, int64_t *id,             \
     vigil_change *change),                                                                      \
    (s, p, refs, id, change))                                                                    \
  X(int, status_add,                                                                             \
    (vigil_store * s, int64_t account, int status, int64_t observed_at, vigil_str reason,        \
     vigil_change *change),                                                                      \
    (s, account, status, observed_at, reason, change))                                           \
  X(int, edge_put,                                                                               \
    (vigil_store * s, int kind, int64_t src, int64_t dst, int64_t weight, int64_t seen_at),      \
    (s, kind, src, dst, weight, seen_at))                                                        \
  X(int, edges_put_batch,                                                                        \
    (vigil_store * s, vigil_str platform, int64_t seen_at, size_t n, const vigil_edge *edges,    \
     uint64_t *stored, uint64_t *accounts_new),                                                  \
    (s, platform, seen_at, n, edges, stored, accounts_new))                                      \
  X(int, flush_edges, (vigil_store * s), (s))                                                    \
  X(int, ingest_begin,                                                                           \
    (vigil_store * s, const vigil_ingest_file *f, int64_t *run, uint64_t *resume_offset,         \
     uint64_t *resume_line),                                                                     \
    (s, f, run, resume_offset, resume_line))                                                     \
  X(int, ingest_progress,                                                                        \
    (vigil_store * s, int64_t run, uint64_t next_offset, uint64_t next_line,                     \
     const vigil_ingest_counts *c),                                                              \
    (s, run, next_offset, next_line, c))                                                         \
  X(int, ingest_reject,                                                                          \
    (vigil_store * s, int64_t run, uint64_t line, const char *field, const char *reason),        \
    (s, run, line, field, reason))                                                               \
  X(int, ingest_end,                                                                             \
    (vigil_store * s, int64_t run, const char *state, const vigil_ingest_counts *c),             \
    (s, run, state, c))                                                                          \
  X(int, stats_get, (vigil_store * s, vigil_store_stats * st), (s, st))                         \
  X(int, top,                                                                                    \
    (vigil_store * s, const char *what, int limit,                                               \
     int (*cb)(void *ctx, vigil_str value, uint64_t count), void *ctx),                          \
    (s, what, limit, cb, ctx))                                                                   \
  X(int, each_account,                                                                           \
    (vigil_store * s, int (*cb)(void *ctx, const vigil_account_row *row), void *ctx),           \
    (s, cb, ctx))                                                                                \
  X(int64_t, max_account_id, (vigil_store * s), (s))                                             \
  X(int, each_adjacency,                                                                         \
    (vigil_store * s, int kind, int (*cb)(void *ctx, const vigil_adj_row *row), void *ctx),     \
    (s, kind, cb, ctx))                                                                          \
  X(int, each_post,                                                                              \
    (vigil_store * s, int (*cb)(void *ctx, const vigil_post_row *row), void *ctx), (s, cb, ctx)) \
  X(int, each_status,                                                                            \
    (vigil_store * s, int (*cb)(void *ctx, const vigil_status_row *row), void *ctx),            \
    (s, cb, ctx))                                                                                \
  X(int, label_put,                                                                              \
    (vigil_store * s, int64_t account, vigil_str label, vigil_str note, vigil_str analyst,       \
     int64_t at, vigil_change *change),                                                          \
    (s, account, label, note, analyst, at, change))                                              \
  X(int, each_label,                                                                             \
    (vigil_store * s, int history, int (*cb)(void *ctx, const vigil_label_row *row), void *ctx), \
    (s, history, cb, ctx))                                                                       \
  X(int, census_begin,                                                                           \
    (vigil_store * s, const char *actor, const char *params_json, int64_t *run),                 \
    (s, actor, params_json, run))                                                                \
  X(int, score_put,                                                                              \
    (vigil_store * s, int64_t run, int64_t account, double score, int predicted, vigil_str why), \
    (s, run, account, score, predicted, why))                                                    \
  X(int, census_end, (vigil_store * s, int64_t run, const char *summary_json),                  \
    (s, run, summary_json))                                                                      \
  X(int, census_latest, (vigil_store * s, int64_t *run, vigil_buf *summary), (s, run, summary))  \
  X(int, each_score,                                                                             \
    (vigil_store * s, int64_t run, int (*cb)(void *ctx, const vigil_score_row *row), void *ctx), \
    (s, run, cb, ctx))                                                                           \
  X(int, audit, (vigil_store * s, const char *actor, const char *action, const char *detail),   \
    (s, actor, action, detail))                                                                  \
  X(int, audit_verify, (vigil_store * s, int64_t *entries, int64_t *bad_id),                    \
    (s, entries, bad_id)) \
  X(int, bank_create, (vigil_store * s, vigil_str name, vigil_str kind, vigil_str label, int64_t *id), (s, name, kind, label, id)) \
  X(int, each_bank, (vigil_store * s, vigil_str name, int (*cb)(void *, int64_t, vigil_str, vigil_str, vigil_str, int, int64_t, int64_t), void *ctx), (s, name, cb, ctx)) \
  X(int, bank_set_enabled, (vigil_store * s, int64_t bank, int enabled, vigil_change *change), (s, bank, enabled, change)) \
  X(int, bank_entries_put, (vigil_store * s, int64_t bank, size_t n, const vigil_str *values, const vigil_str *labels, const vigil_str *entities, const vigil_str *content_types, int64_t *ids, vigil_change *changes), (s, bank, n, values, labels, entities, content_types, ids, changes)) \
  X(int, bank_entry_remove, (vigil_store * s, int64_t bank, int64_t entry), (s, bank, entry)) \
  X(int, each_bank_entry, (vigil_store * s, int64_t bank, int64_t after, int (*cb)(void *, int64_t, int64_t, vigil_str, vigil_str, vigil_str, vigil_str), void *ctx), (s, bank, after, cb, ctx)) \
  X(int, bank_entry_find, (vigil_store * s, int64_t bank, vigil_str value, int (*cb)(void *, int64_t, int64_t, vigil_str, vigil_str, vigil_str, vigil_str), void *ctx), (s, bank, value, cb, ctx)) \
  X(int, bank_entry_get, (vigil_store * s, int64_t entry, int (*cb)(void *, int64_t, int64_t, vigil_str, vigil_str, vigil_str, vigil_str), void *ctx), (s, entry, cb, ctx)) \
  X(int, match_begin, (vigil_store * s, const char *actor, const char *params_json, int64_t *run), (s, actor, params_json, run)) \
  X(int, match_put, (vigil_store * s, int64_t run, vigil_str query, int64_t bank, int64_t entry, double score), (s, run, query, bank, entry, score)) \
  X(int, match_end, (vigil_store * s, int64_t run, const char *summary_json), (s, run, summary_json)) \
  X(int, each_match, (vigil_store * s, int64_t run, int (*cb)(void *, vigil_str, int64_t, int64_t, double), void *ctx), (s, run, cb, ctx)) \
  X(int, each_post_media, (vigil_store * s, int (*cb)(void *, vigil_str, vigil_str, vigil_str), void *ctx), (s, cb, ctx))

typedef struct vigil_store_ops {
#define VIGIL_STORE_OP_FIELD_(ret, name, params, args) ret(*name) params;
  VIGIL_STORE_OPS(VIGIL_STORE_OP_FIELD_)
#undef VIGIL_STORE_OP_FIELD_
  size_t (*edges_pending)(const vigil_store *s);
  void (*edge_counts)(const vigil_store *s, vigil_edge_counts *out);
} vigil_store_ops;

struct vigil_store {
  const vigil_store_ops *ops;
  char errmsg[512];
};

/* Backends. */
int vigil_store_sqlite_open(const char *path, int flags, vigil_store **out);

#endif
