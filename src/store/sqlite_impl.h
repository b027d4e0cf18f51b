/* Private to the SQLite backend. */
#ifndef VIGIL_STORE_SQLITE_IMPL_H
#define VIGIL_STORE_SQLITE_IMPL_H

#include <pthread.h>
#include <sqlite3.h>

#include "store/backend.h"
#include "vigil/buf.h"
#include "vigil/strmap.h"

/* One buffered edge operation. key = src << 32 | dst. */
typedef struct sq_edge_op {
  uint64_t key;
  int64_t weight; /* SET: the weight; ADD: the delta (may be negative) */
  int64_t first, last; /* seen times, 0 = unknown */
} sq_edge_op;

/* The buffered ops of one (kind, mode). Most ops of a bulk load share one
 * weight and one seen time (an edge list: weight 1, seen at the file's
 * time): a SET vector keeps those as bare 8-byte keys, with the shared
 * values in `u`, a quarter of the memory, sorted as plain integers. Other
 * ops go to v[], each with kb[i], the number of keys put before it, so
 * that "the last write wins" stays exact: before the keys are sorted,
 * sq_edges_presort/flush find the keys put after an op with the same key
 * and append an op with u's values for them (resolve_order in
 * adjacency.c). ADD vectors use v[] only. */
typedef struct sq_edge_vec {
  sq_edge_op *v;
  size_t n, cap;
  size_t *kb;   /* SET: kb[i] = keys put before v[i] (kbcap entries) */
  size_t kbcap;
  uint64_t *keys;
  size_t nk, kcap;
  sq_edge_op u; /* the shared weight and times of keys[] (valid when nk > 0) */
  int sorted;   /* v[] sorted and collapsed (sq_edges_presort); cleared by a put */
  int ksorted;  /* keys[] order-resolved, sorted and distinct; cleared by a put */
} sq_edge_vec;

/* What one buffered edge counts against the batch bound: ops take four
 * times the memory of a bare key. */
enum { SQ_UNITS_KEY = 1, SQ_UNITS_OP = 4 };

/* packed-key radix sort scratch, kept between batches */
typedef struct sq_sort_scratch {
  sq_edge_op *ops;
  size_t ops_cap;
  uint64_t *keys; /* 2 x keys_cap */
  size_t keys_cap;
} sq_sort_scratch;

enum { SQ_SET = 0, SQ_ADD = 1 };

struct sq_stub {
  int64_t id;
  uint32_t plat_off, plat_len, pid_off, pid_len, un_off, un_len; /* len UINT32_MAX: NULL */
};

/* A commit running on a background thread: the batch's buffers are swapped
 * into it, so the caller can parse the next batch meanwhile. Every other
 * SQLite use waits for it first (sq_wait). */
typedef struct sq_background {
  int running;
  int stubs_only; /* writing stub accounts inside the open transaction (sq_stubs_stream) */
  int done;       /* set (atomically) by the thread as it finishes */
  pthread_t thread;
  int rc;
  sq_edge_vec edges[VIGIL_EDGE_KIND_COUNT][2];
  struct sq_stub *stubs;
  size_t n_stubs, cap_stubs;
  vigil_buf stub_text;
} sq_background;

typedef struct sq_store {
  struct vigil_store base;
  sqlite3 *db;
  int in_txn;
  int readonly;
  /* this connection switched an empty store to a rollback journal for its
   * first load (see first_load_journal in sqlite.c); back to WAL at close */
  int first_load;
  /* its shared flock(2) on the database file while it loads (-1: none) */
  int load_lock_fd;
  /* drop the deferred indexes with the first account written in the
   * foreground (defer_indexes in sqlite.c) */
  int defer_pending;
  /* every post in the store is in the post cache (a first load, until the
   * cache drops or skips one): a post it does not know is new */
  int posts_all_cached;
  /* this connection dropped posts_pid (posts' unique key) and has not built
   * it again: inserts may go without it only while posts_all_cached */
  int posts_pid_gone;
  /* id caches: "platform\0platform_id" -> {id, digest, profile_at} and
   * "platform\0username_key" -> {id}. Loaded once, kept in step with writes,
   * dropped on rollback. */
  int cache_loaded;
  vigil_strmap by_pid, by_uname;
  /* buffered edges per kind and mode */
  sq_edge_vec edges[VIGIL_EDGE_KIND_COUNT][2];
  size_t edges_pending;
  vigil_edge_counts edge_counts;
  /* which (src, kind) adjacency rows exist: bit (src * KINDS + kind). Loaded
   * on the first flush so that new sources (all of them in a bulk load)
   * skip the lookup of a row that cannot exist. */
  uint8_t *adj_bits;
  size_t adj_bits_len; /* bytes */
  int adj_bits_loaded;
  int64_t data_version; /* PRAGMA data_version when the caches were last valid */
  /* Profile-less stub accounts get their id at once but their row only when
   * something else needs it (or at commit): we hold the write lock for the
   * whole transaction, so ids from next_id cannot collide, and the rows then
   * go in as sequential rowid appends. Strings live in stub_text. */
  int64_t next_id;
  struct sq_stub *stubs;
  size_t n_stubs, cap_stubs;
  vigil_buf stub_text;
  sq_background bg;
  int begin_pending; /* in_txn, but BEGIN waits for the background commit */
  /* prepared statements */
  sqlite3_stmt *st_acc_insert, *st_acc_update, *st_acc_stub, *st_acc_set_pid;
  sqlite3_stmt *st_post_find, *st_post_insert, *st_post_update, *st_post_old_refs;
  sqlite3_stmt *st_status_ins;
  sqlite3_stmt *st_adj_get, *st_adj_put, *st_adj_del, *st_total_add;
  sqlite3_stmt *st_score_put; /* prepared on first use */
  vigil_buf scratch;
  vigil_buf entities_buf; /* a post's encoded entities (sqlite_posts.c) */
  sq_edge_op *sort_tmp; /* radix sort scratch, kept between flushes */
  size_t sort_cap;
  /* flushes (background thread or under sq_wait) sort with sort_bg; the
   * caller's thread presorts the next batch with sort_fg meanwhile */
  sq_sort_scratch sort_bg, sort_fg;
} sq_store;

int sq_fail(sq_store *q, int rc_sqlite, const char *what);
/* Steps a statement that returns no row, then resets it and clears its bindings. */
int sq_step_done(sq_store *q, sqlite3_stmt *st, const char *what);
/* The same without clearing the bindings: only for statements whose every
 * parameter is bound before each step (the bindings point into the
 * caller's record, which is gone after the call). */
int sq_step_bound(sq_store *q, sqlite3_stmt *st, const char *what);

static inline void bind_str(sqlite3_stmt *st, int i, vigil_str s) {
  if (s.ptr) sqlite3_bind_text(st, i, s.ptr, (int)s.len, SQLITE_STATIC);
  else sqlite3_bind_null(st, i);
}
static inline void bind_opt_int(sqlite3_stmt *st, int i, int64_t v, int64_t unknown) {
  if (v == unknown) sqlite3_bind_null(st, i);
  else sqlite3_bind_int64(st, i, v);
}
static inline vigil_str col_str(sqlite3_stmt *st, int i) {
  const unsigned char *p = sqlite3_column_text(st, i);
  if (!p) return VIGIL_STR_NULL;
  return (vigil_str){(const char *)p, (size_t)sqlite3_column_bytes(st, i)};
}

/* sqlite_census.c: labels, census runs, scores, audit */
#define VIGIL_SQ_DECL_(ret, name, params, args) ret sq_##name params;
VIGIL_SQ_DECL_(int, label_put, (vigil_store * s, int64_t account, vigil_str label, vigil_str note,
               vigil_str analyst, int64_t at, vigil_change *change), ())
VIGIL_SQ_DECL_(int, each_label, (vigil_store * s, int history,
               int (*cb)(void *ctx, const vigil_label_row *row), void *ctx), ())
VIGIL_SQ_DECL_(int, census_begin, (vigil_store * s, const char *actor, const char *params_json,
               int64_t *run), ())
VIGIL_SQ_DECL_(int, score_put, (vigil_store * s, int64_t run, int64_t account, double score,
               int predicted, vigil_str why), ())
VIGIL_SQ_DECL_(int, census_end, (vigil_store * s, int64_t run, const char *summary_json), ())
VIGIL_SQ_DECL_(int, census_latest, (vigil_store * s, int64_t *run, vigil_buf *summary), ())
VIGIL_SQ_DECL_(int, each_score, (vigil_store * s, int64_t run,
               int (*cb)(void *ctx, const vigil_score_row *row), void *ctx), ())
VIGIL_SQ_DECL_(int, audit, (vigil_store * s, const char *actor, const char *action,
               const char *detail), ())
VIGIL_SQ_DECL_(int, audit_verify, (vigil_store * s, int64_t *entries, int64_t *bad_id), ())
#undef VIGIL_SQ_DECL_
int sq_exec(sq_store *q, const char *sql);
int sq_prepare(sq_store *q, sqlite3_stmt **st, const char *sql);

/* Writes pending stub accounts (see sq_store.stubs). */
int sq_stubs_flush(sq_store *q);
/* When at least `min` stubs are pending and the background thread is idle,
 * starts writing them there, inside the open transaction (no commit), so
 * that a bulk load's account rows go in while the caller keeps parsing. */
int sq_stubs_stream(sq_store *q, size_t min);

/* sqlite_posts.c: posts and their entities (see the blob format there).
 * A decoded sq_entities points into the blob it came from (valid while the
 * statement row is), and keeps its arrays between calls; release frees them. */
typedef struct sq_entities {
  vigil_str *hashtags; size_t n_hashtags, cap_hashtags;
  vigil_str *urls;     size_t n_urls, cap_urls;   /* 3 per URL: url, expanded, domain */
  vigil_str *media;    size_t n_media, cap_media; /* 3 per item: key, type, url */
  int64_t *mentions;   size_t n_mentions, cap_mentions;
} sq_entities;
int sq_entities_decode(const unsigned char *p, size_t len, sq_entities *e);
void sq_entities_release(sq_entities *e);
int sq_post_upsert(vigil_store *s, const vigil_post *p, const vigil_post_refs *r, int64_t *id,
                   vigil_change *change);
int sq_each_post(vigil_store *s, int (*cb)(void *ctx, const vigil_post_row *row), void *ctx);
int sq_top_entities(sq_store *q, int domains, int limit,
                    int (*cb)(void *ctx, vigil_str value, uint64_t count), void *ctx);
/* Migration 3 -> 4: moves the old child tables into posts.entities. */
int sq_migrate_entities(sq_store *q);

/* sqlite.c, for the bulk edge path in sqlite_edges.c: the per-platform
 * numeric id cache, the canonical-number test that decides which ids it
 * holds, and loading the caches */
vigil_u64map *sq_plat_map(sq_store *q, vigil_str platform, int create);
int sq_numeric_id(vigil_str s, uint64_t *out);
/* Posts this handle inserted, by numeric platform id (sqlite.c): get
 * returns 1 and the row's id, digest and observation time if cached; put
 * records (or refreshes) a row. Dropped with the id caches. */
int sq_post_cache_get(sq_store *q, vigil_str platform, vigil_str pid, int64_t *rowid,
                      uint64_t *digest, int64_t *seen);
int sq_post_cache_put(sq_store *q, vigil_str platform, vigil_str pid, int64_t rowid,
                      uint64_t digest, int64_t seen);
int sq_load_caches(sq_store *q);
/* sqlite_edges.c */
int sq_edges_put_batch(vigil_store *s, vigil_str platform, int64_t seen_at, size_t n,
                       const vigil_edge *edges, uint64_t *stored, uint64_t *accounts_new);

/* adjacency.c */
int sq_edges_put(sq_store *q, int kind, int mode, int64_t src, int64_t dst, int64_t weight,
                 int64_t first, int64_t last);
int sq_edges_flush(sq_store *q);
/* Sorts and collapses the buffered edges in place (no database access, so
 * it may run while a background commit does): called before handing a
 * batch to the background so that the two threads share the work. */
int sq_edges_presort(sq_store *q);
int sq_edges_flush_vecs(sq_store *q, sq_edge_vec (*vecs)[2]);
/* Waits for a background commit; returns its result (after rolling back
 * and dropping caches if it failed). */
int sq_wait(sq_store *q);
/* Builds posts_pid again if this connection dropped it (in the current
 * transaction), so that inserts find conflicts: for when posts_all_cached no
 * longer holds. */
int sq_posts_pid_restore(sq_store *q);
#define SQ_WAIT(q)         \
  do {                     \
    int wrc_ = sq_wait(q); \
    if (wrc_) return wrc_; \
  } while (0)
void sq_edges_discard(sq_store *q);
void sq_edges_release(sq_store *q);
/* forgets the adjacency existence bits (after a rollback) */
void sq_adj_bits_drop(sq_store *q);
/* Decodes an adjacency blob into parallel arrays (grown as needed). */
typedef struct sq_adj_dec {
  int64_t *dst, *w, *first, *last;
  size_t n, cap;
} sq_adj_dec;
int sq_adj_decode(const unsigned char *p, size_t len, sq_adj_dec *d);
void sq_adj_dec_release(sq_adj_dec *d);

/* sqlite_match.c: hash banks, bank entries, match runs, post media */
#define VIGIL_SQ_MATCH_DECL_(ret, name, params, args) ret sq_##name params;
VIGIL_SQ_MATCH_DECL_(int, bank_create, (vigil_store * s, vigil_str name, vigil_str kind,
                     vigil_str label, int64_t *id), ())
VIGIL_SQ_MATCH_DECL_(int, each_bank, (vigil_store * s, vigil_str name,
                     int (*cb)(void *, int64_t, vigil_str, vigil_str, vigil_str, int, int64_t,
                               int64_t), void *ctx), ())
VIGIL_SQ_MATCH_DECL_(int, bank_set_enabled, (vigil_store * s, int64_t bank, int enabled,
                     vigil_change *change), ())
VIGIL_SQ_MATCH_DECL_(int, bank_entries_put, (vigil_store * s, int64_t bank, size_t n,
                     const vigil_str *values, const vigil_str *labels, const vigil_str *entities,
                     const vigil_str *content_types, int64_t *ids, vigil_change *changes), ())
VIGIL_SQ_MATCH_DECL_(int, bank_entry_remove, (vigil_store * s, int64_t bank, int64_t entry), ())
VIGIL_SQ_MATCH_DECL_(int, each_bank_entry, (vigil_store * s, int64_t bank, int64_t after,
                     int (*cb)(void *, int64_t, int64_t, vigil_str, vigil_str, vigil_str,
                               vigil_str), void *ctx), ())
VIGIL_SQ_MATCH_DECL_(int, bank_entry_find, (vigil_store * s, int64_t bank, vigil_str value,
                     int (*cb)(void *, int64_t, int64_t, vigil_str, vigil_str, vigil_str,
                               vigil_str), void *ctx), ())
VIGIL_SQ_MATCH_DECL_(int, bank_entry_get, (vigil_store * s, int64_t entry,
                     int (*cb)(void *, int64_t, int64_t, vigil_str, vigil_str, vigil_str,
                               vigil_str), void *ctx), ())
VIGIL_SQ_MATCH_DECL_(int, match_begin, (vigil_store * s, const char *actor,
                     const char *params_json, int64_t *run), ())
VIGIL_SQ_MATCH_DECL_(int, match_put, (vigil_store * s, int64_t run, vigil_str query,
                     int64_t bank, int64_t entry, double score), ())
VIGIL_SQ_MATCH_DECL_(int, match_end, (vigil_store * s, int64_t run, const char *summary_json), ())
VIGIL_SQ_MATCH_DECL_(int, each_match, (vigil_store * s, int64_t run,
                     int (*cb)(void *, vigil_str, int64_t, int64_t, double), void *ctx), ())
VIGIL_SQ_MATCH_DECL_(int, each_post_media, (vigil_store * s,
                     int (*cb)(void *, vigil_str, vigil_str, vigil_str), void *ctx), ())
#undef VIGIL_SQ_MATCH_DECL_

#endif
