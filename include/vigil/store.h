/* vigil/store.h - the store interface.
 *
 * Capability code (ingest, census, match, refer, ...) talks to the store
 * only through these functions; no SQL leaves src/store/. The embedded
 * default backend is SQLite (src/store/sqlite*.c); a PostgreSQL backend plugs
 * in behind the same function table (src/store/backend.h) without touching
 * capability code.
 *
 * Ownership: vigil_store_open() allocates the handle; vigil_store_close()
 * frees it (and rolls back an open transaction). Strings passed in are
 * copied by the store. Records handed to iteration callbacks are borrowed
 * and valid only during the callback.
 *
 * Identity: accounts and posts get internal integer ids (int64, > 0) that
 * are stable for the life of the store; the platform's own ids are kept as
 * text (they exceed 2^53 and some platforms use non-numeric ids).
 *
 * Transactions: writes happen inside vigil_store_begin()/commit(). A crash
 * at any point leaves the last committed state (SQLite WAL).
 */
#ifndef VIGIL_STORE_H
#define VIGIL_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "vigil/model.h"

typedef struct vigil_store vigil_store;

#define VIGIL_STORE_SCHEMA_VERSION 6

enum {
  VIGIL_STORE_READONLY = 0x1, /* open without writing (no migrations) */
  /* Bulk loading by the ingest driver. SQLite's per-row foreign-key checks
   * are off on this handle: the driver writes only account ids that it
   * resolved (or created) in the same transaction, so every reference holds
   * by construction, and the checks were a quarter of JSON ingest's store
   * time. tests/e2e/ingest.sh verifies PRAGMA foreign_key_check after
   * ingesting every format. Any other writer opens without this flag. */
  VIGIL_STORE_BULK = 0x2,
};

/* Opens or creates the store at `path` ("sqlite:PATH" or a plain path;
 * "postgresql://..." is reserved for the PostgreSQL backend). Creates the
 * schema or runs forward migrations. VIGIL_ESCHEMA if the store is newer. */
int vigil_store_open(const char *path, int flags, vigil_store **out);
int vigil_store_close(vigil_store *s);
/* Human-readable detail of the last backend error (static per handle). */
const char *vigil_store_errmsg(const vigil_store *s);
int vigil_store_schema_version(vigil_store *s, int *version);

int vigil_store_begin(vigil_store *s);
int vigil_store_commit(vigil_store *s);
int vigil_store_rollback(vigil_store *s);
/* Commits like vigil_store_commit(), but may finish on a background thread
 * so that the caller can prepare the next batch meanwhile (in-memory work:
 * vigil_store_edge_put, and resolving accounts already known or new). The
 * next call that needs the database waits for it and returns its error if
 * it failed (the batch is then rolled back). vigil_store_begin() may be
 * called at once. */
int vigil_store_commit_async(vigil_store *s);

/* ---- change accounting ------------------------------------------------ */
typedef enum vigil_change { VIGIL_UNCHANGED = 0, VIGIL_NEW = 1, VIGIL_UPDATED = 2 } vigil_change;

/* ---- accounts ------------------------------------------------------------ */
/* Finds the account a reference names, creating a profile-less stub when
 * `create` and none exists. *id = 0 when not found and !create. */
int vigil_store_account_resolve(vigil_store *s, vigil_str platform, const vigil_account_ref *ref,
                                int create, int64_t *id, vigil_change *change);
/* Inserts or updates an account profile. A snapshot replaces the stored one
 * only when it is newer (observed_at), or equally new with a different
 * content digest that sorts higher, so the result never depends on the
 * order files are ingested in, and re-ingesting changes nothing. */
int vigil_store_account_upsert(vigil_store *s, const vigil_account *a, int64_t observed_at,
                               int64_t *id, vigil_change *change);

/* ---- posts ----------------------------------------------------------------- */
/* Per-post references resolved to internal account ids by the caller. */
typedef struct vigil_post_refs {
  int64_t author;
  int64_t reply_to, retweet_of, quote_of; /* 0 = none/unknown */
  const int64_t *mentions; size_t n_mentions; /* distinct */
} vigil_post_refs;

/* Inserts or updates a post. Interaction edges (mention/retweet/reply/quote
 * from the author) are derived by the store from the post's references: a
 * new post adds its edges; an updated post adds/removes the difference; an
 * unchanged post adds nothing. Edge changes are buffered until the next
 * vigil_store_flush_edges() (which commit calls). */
int vigil_store_post_upsert(vigil_store *s, const vigil_post *p, const vigil_post_refs *refs,
                            int64_t *id, vigil_change *change);

/* ---- account status observations ------------------------------------------ */
int vigil_store_status_add(vigil_store *s, int64_t account, int status, int64_t observed_at,
                           vigil_str reason, vigil_change *change);

/* ---- edges ----------------------------------------------------------------- */
typedef struct vigil_edge_counts {
  uint64_t created, updated, unchanged;
} vigil_edge_counts;

/* Buffers an explicit edge (edge lists, follower listings). Duplicates in
 * the buffer collapse; the weight of an explicit edge is SET (the file's
 * value), not added, so re-ingesting is idempotent. */
int vigil_store_edge_put(vigil_store *s, int kind, int64_t src, int64_t dst, int64_t weight,
                         int64_t seen_at);
/* Resolves and buffers n explicit edges in one call: each edge's accounts
 * are resolved as vigil_store_account_resolve(create=1) would (platform:
 * the edge's, else `platform`), then the edge goes in as
 * vigil_store_edge_put (seen_at: the edge's, else `seen_at`). Edges with
 * an empty reference are skipped. The bulk path of edge-list ingest: id
 * lookups of a batch overlap their cache misses. Adds the number of edges
 * buffered to *stored and of accounts created to *accounts_new. The edges
 * are only read during the call. */
int vigil_store_edges_put_batch(vigil_store *s, vigil_str platform, int64_t seen_at, size_t n,
                                const vigil_edge *edges, uint64_t *stored, uint64_t *accounts_new);
/* Writes buffered edges (explicit and derived) into the store. Called by
 * vigil_store_commit(); call it earlier to bound memory. */
int vigil_store_flush_edges(vigil_store *s);
/* Buffered edge operations, for the caller's memory policy: an op that
 * shares the batch's common weight and time counts 1 (8 bytes), any other
 * op 4 (32 bytes). */
size_t vigil_store_edges_pending(const vigil_store *s);
/* Cumulative edge change counts since open. */
void vigil_store_edge_counts(const vigil_store *s, vigil_edge_counts *out);

/* ---- ingest log -------------------------------------------------------------- */
typedef struct vigil_ingest_counts {
  uint64_t records, rejected;
  uint64_t accounts_new, accounts_updated, accounts_unchanged;
  uint64_t posts_new, posts_updated, posts_unchanged;
  uint64_t statuses_new, statuses_unchanged;
  uint64_t edges_new, edges_updated, edges_unchanged;
} vigil_ingest_counts;

typedef struct vigil_ingest_file {
  const char *path;      /* as given */
  const char *format;    /* resolved format name */
  uint64_t size;         /* bytes (0 if unknown, e.g. stdin) */
  int64_t mtime;
  uint64_t fingerprint;  /* hash of size, mtime and the first bytes */
} vigil_ingest_file;

/* Starts a run for a file. If an earlier run of the same file (same
 * fingerprint) was interrupted, resume_offset and resume_line give where it
 * committed last (else 0). *run receives the run id. */
int vigil_store_ingest_begin(vigil_store *s, const vigil_ingest_file *f, int64_t *run,
                             uint64_t *resume_offset, uint64_t *resume_line);
/* Records progress inside the current transaction (so it commits with the
 * data it describes). */
int vigil_store_ingest_progress(vigil_store *s, int64_t run, uint64_t next_offset,
                                uint64_t next_line, const vigil_ingest_counts *c);
int vigil_store_ingest_reject(vigil_store *s, int64_t run, uint64_t line, const char *field,
                              const char *reason);
int vigil_store_ingest_end(vigil_store *s, int64_t run, const char *state,
                           const vigil_ingest_counts *c);

/* ---- statistics ----------------------------------------------------------- */
typedef struct vigil_store_stats {
  uint64_t accounts, accounts_with_profile, posts, statuses;
  uint64_t edges[VIGIL_EDGE_KIND_COUNT];
  uint64_t status_by_kind[VIGIL_STATUS_COUNT]; /* latest status per account */
  int64_t first_post_at, last_post_at;         /* VIGIL_TIME_UNKNOWN if none */
  uint64_t ingest_runs;
} vigil_store_stats;
int vigil_store_stats_get(vigil_store *s, vigil_store_stats *st);

/* Top values of a categorical field: "post_lang", "account_lang",
 * "post_source", "account_location", "hashtag", "url_domain". Calls cb for
 * up to `limit` values in descending count order. */
int vigil_store_top(vigil_store *s, const char *what, int limit,
                    int (*cb)(void *ctx, vigil_str value, uint64_t count), void *ctx);

/* ---- read-side iteration (census, export, matching) ---------------------- */
typedef struct vigil_account_row {
  int64_t id;
  vigil_account a;   /* borrowed views */
  int has_profile;
  int64_t profile_at;
} vigil_account_row;
/* Accounts in id order. cb returns 0 to go on, non-zero to stop (returned). */
int vigil_store_each_account(vigil_store *s,
                             int (*cb)(void *ctx, const vigil_account_row *row), void *ctx);
int64_t vigil_store_max_account_id(vigil_store *s);

/* One adjacency list: all edges of one kind out of `src`, sorted by dst. */
typedef struct vigil_adj_row {
  int64_t src;
  int kind;
  size_t n;
  const int64_t *dst;
  const int64_t *weight;
  const int64_t *first_seen, *last_seen; /* 0 = unknown */
} vigil_adj_row;
/* kind < 0: all kinds. Rows come in (src, kind) order. */
int vigil_store_each_adjacency(vigil_store *s, int kind,
                               int (*cb)(void *ctx, const vigil_adj_row *row), void *ctx);

typedef struct vigil_post_row {
  int64_t id, author;
  vigil_str platform_id, text, lang, source;
  int64_t created_at;
  int64_t reply_to, retweet_of, quote_of; /* account ids, 0 = none */
  const vigil_str *hashtags; size_t n_hashtags;
  const vigil_str *url_domains; size_t n_urls;    /* domain of expanded (else raw) URL */
  const vigil_str *urls; /* expanded (else raw) URLs, n_urls of them */
} vigil_post_row;
/* Posts in (author, id) order. */
int vigil_store_each_post(vigil_store *s, int (*cb)(void *ctx, const vigil_post_row *row),
                          void *ctx);

typedef struct vigil_status_row {
  int64_t account;
  int status;
  int64_t observed_at;
  vigil_str reason;
} vigil_status_row;
/* Status observations in (account, observed_at) order. */
int vigil_store_each_status(vigil_store *s, int (*cb)(void *ctx, const vigil_status_row *row),
                            void *ctx);

/* ---- analyst labels ----------------------------------------------------------- */
/* Appends a label decision for an account (history is kept; the latest
 * label per account is the effective one). *change is VIGIL_UNCHANGED when
 * the account's latest label already has the same label and note. */
int vigil_store_label_put(vigil_store *s, int64_t account, vigil_str label, vigil_str note,
                          vigil_str analyst, int64_t at, vigil_change *change);
typedef struct vigil_label_row {
  int64_t account;
  vigil_str platform_id, username; /* of the account, for display */
  vigil_str label, note, analyst;
  int64_t created_at;
} vigil_label_row;
/* The effective (latest) label of every labelled account, in account order.
 * With history != 0, every label decision in time order instead. */
int vigil_store_each_label(vigil_store *s, int history,
                           int (*cb)(void *ctx, const vigil_label_row *row), void *ctx);

/* ---- census runs and scores ----------------------------------------------------- */
/* Starts a census run (inside a transaction). params: JSON text (copied). */
int vigil_store_census_begin(vigil_store *s, const char *actor, const char *params_json,
                             int64_t *run);
int vigil_store_score_put(vigil_store *s, int64_t run, int64_t account, double score,
                          int predicted, vigil_str why);
int vigil_store_census_end(vigil_store *s, int64_t run, const char *summary_json);
/* The latest finished run: *run = 0 when there is none. summary receives its
 * summary JSON (the buffer is the caller's; it is appended to). */
int vigil_store_census_latest(vigil_store *s, int64_t *run, vigil_buf *summary);
typedef struct vigil_score_row {
  int64_t account;
  double score;
  int predicted;
  vigil_str why;
} vigil_score_row;
/* Scores of a run in descending score order (ties by account id). */
int vigil_store_each_score(vigil_store *s, int64_t run,
                           int (*cb)(void *ctx, const vigil_score_row *row), void *ctx);

/* ---- audit log ------------------------------------------------------------------ */
/* Appends a tamper-evident entry (SHA-256 chain over at, actor, action,
 * detail and the previous entry's hash). Runs in the caller's transaction
 * if one is open, else in its own. detail must not contain post content or
 * secrets. */
int vigil_store_audit(vigil_store *s, const char *actor, const char *action, const char *detail);
/* Recomputes the chain: 0 if intact, VIGIL_ECORRUPT with *bad_id set to the
 * first entry that does not verify. */
int vigil_store_audit_verify(vigil_store *s, int64_t *entries, int64_t *bad_id);

#endif
