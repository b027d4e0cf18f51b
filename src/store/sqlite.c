/* The SQLite backend: the embedded default store. */
#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "store/rowhash.h"
#include "store/sqlite_impl.h"
#include "vigil/error.h"

extern const char *const vigil_sqlite_migrations[];

/* per-account facts kept in memory while the handle is open */
typedef struct acc_meta {
  uint64_t digest;
  int64_t profile_at;
  int has_pid;
} acc_meta;

/* numeric platform ids (most of them) are cached by value per platform */
typedef struct plat_ids {
  char name[64];
  size_t len;
  vigil_u64map ids;
  vigil_u64map posts; /* numeric post id -> row id, posts inserted since open */
} plat_ids;

/* What sq_post_upsert compares a post with, for posts this handle inserted:
 * pmeta[rowid - pmeta_base]. A file repeats posts (a twarc2 page carries
 * the tweets it references): the repeats are then settled without two
 * statements each. Bounded; dropped with the other caches. */
typedef struct post_meta {
  uint64_t digest;
  int64_t seen;
} post_meta;
#define POST_CACHE_MAX ((size_t)4 << 20)

typedef struct sq_full {
  sq_store q;
  acc_meta *meta;
  size_t meta_cap;
  plat_ids plats[16];
  int nplats;
  post_meta *pmeta;
  size_t pmeta_n, pmeta_cap;
  int64_t pmeta_base;
  /* A bit per hash of the case-folded usernames of accounts cached without
   * a platform id (set, never cleared until the caches go): an account that
   * comes with an id looks its username up only when a username-only account
   * may hold it, the one case that lookup serves. */
  uint64_t pidless[1024];
} sq_full;

static inline uint32_t uname_bit(vigil_str un) {
  uint32_t h = 2166136261u; /* FNV-1a over the folded bytes, as make_key folds */
  for (size_t i = 0; i < un.len; i++) h = (h ^ (uint8_t)tolower((unsigned char)un.ptr[i])) * 16777619u;
  return h & (1024 * 64 - 1);
}

/* canonical decimal (no sign, no leading zero) that fits in 63 bits.
 * Eight digits at a time (tweet ids have 18-19): checked and converted
 * with word arithmetic, as simdjson does, instead of a multiply per digit. */
static int numeric_id(vigil_str s, uint64_t *out) {
  if (s.len == 0 || s.len > 19 || (s.ptr[0] == '0' && s.len > 1)) return 0;
  uint64_t v = 0;
  size_t i = 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  for (; i + 8 <= s.len; i += 8) {
    uint64_t x;
    memcpy(&x, s.ptr + i, 8);
    /* every byte 0x30..0x39: high nibble 3, and still 3 after adding 6 (a
     * byte that carries into the next is not a digit and fails itself) */
    if (((x & 0xF0F0F0F0F0F0F0F0ull) |
         (((x + 0x0606060606060606ull) & 0xF0F0F0F0F0F0F0F0ull) >> 4)) != 0x3333333333333333ull)
      return 0;
    x -= 0x3030303030303030ull;
    x = x * 10 + (x >> 8); /* pairs of digits (little-endian: first digit lowest) */
    x = ((x & 0x000000FF000000FFull) * (100 + (1000000ull << 32)) +
         ((x >> 16) & 0x000000FF000000FFull) * (1 + (10000ull << 32))) >> 32;
    v = v * 100000000ull + x;
  }
#endif
  for (; i < s.len; i++) {
    unsigned d = (unsigned)(s.ptr[i] - '0');
    if (d > 9) return 0;
    v = v * 10 + d;
  }
  *out = v;
  return v < UINT64_MAX;
}

/* The id maps of a platform (created on demand; NULL beyond 16 platforms
 * or for a name of 64 bytes or more, which then take the string paths). */
static plat_ids *plat_entry(sq_store *q, vigil_str platform, int create) {
  sq_full *f = (sq_full *)q;
  for (int i = 0; i < f->nplats; i++)
    if (f->plats[i].len == platform.len && memcmp(f->plats[i].name, platform.ptr, platform.len) == 0)
      return &f->plats[i];
  if (!create || f->nplats == 16 || platform.len >= 64) return NULL;
  plat_ids *p = &f->plats[f->nplats++];
  memcpy(p->name, platform.ptr, platform.len);
  p->len = platform.len;
  return p;
}

static vigil_u64map *plat_map(sq_store *q, vigil_str platform, int create) {
  plat_ids *p = plat_entry(q, platform, create);
  return p ? &p->ids : NULL;
}

/* for the bulk edge path (sqlite_edges.c) */
vigil_u64map *sq_plat_map(sq_store *q, vigil_str platform, int create) {
  return plat_map(q, platform, create);
}
int sq_numeric_id(vigil_str s, uint64_t *out) { return numeric_id(s, out); }

static const vigil_store_ops sqlite_ops;

int sq_fail(sq_store *q, int rc_sqlite, const char *what) {
  snprintf(q->base.errmsg, sizeof q->base.errmsg, "%s: %s", what,
           q->db ? sqlite3_errmsg(q->db) : sqlite3_errstr(rc_sqlite));
  int primary = rc_sqlite & 0xff;
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) return VIGIL_EBUSY;
  if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB) return VIGIL_ECORRUPT;
  if (primary == SQLITE_NOMEM) return VIGIL_ENOMEM;
  if (primary == SQLITE_IOERR || primary == SQLITE_FULL || primary == SQLITE_CANTOPEN)
    return VIGIL_EIO;
  if (primary == SQLITE_READONLY || primary == SQLITE_PERM) return VIGIL_EPERM;
  return VIGIL_EDB;
}

int sq_exec(sq_store *q, const char *sql) {
  char *err = NULL;
  int rc = sqlite3_exec(q->db, sql, NULL, NULL, &err);
  if (rc != SQLITE_OK) {
    snprintf(q->base.errmsg, sizeof q->base.errmsg, "%s", err ? err : sqlite3_errstr(rc));
    sqlite3_free(err);
    return sq_fail(q, rc, q->base.errmsg[0] ? "exec" : "exec");
  }
  return 0;
}

int sq_prepare(sq_store *q, sqlite3_stmt **st, const char *sql) {
  int rc = sqlite3_prepare_v3(q->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL);
  return rc == SQLITE_OK ? 0 : sq_fail(q, rc, "prepare");
}

/* Steps a statement that returns no row and resets it. Only for the
 * per-record statements, which bind every parameter before each step:
 * clearing the bindings after each row was 0.7% of a twarc2 ingest's
 * instructions, and nothing reads a stale binding. */
static int step_bound(sq_store *q, sqlite3_stmt *st, const char *what) {
  int rc = sqlite3_step(st);
  sqlite3_reset(st);
  return rc == SQLITE_DONE ? 0 : sq_fail(q, rc, what);
}
int sq_step_bound(sq_store *q, sqlite3_stmt *st, const char *what) { return step_bound(q, st, what); }

/* step_bound, then no binding outlives the call */
static int step_done(sq_store *q, sqlite3_stmt *st, const char *what) {
  int rc = step_bound(q, st, what);
  sqlite3_clear_bindings(st);
  return rc;
}
int sq_step_done(sq_store *q, sqlite3_stmt *st, const char *what) { return step_done(q, st, what); }

/* ---- open / close / migrations ------------------------------------------------ */

/* The first load into an empty store runs with a rollback journal, then the
 * store goes back to WAL at close. A rollback journal keeps only the
 * original content of pages that existed when the transaction began, and a
 * load into an empty store writes new pages: so the data is written once,
 * into the database file. In WAL mode it is written twice (into the WAL,
 * then copied into the file by the checkpoint), with a checksum pass and a
 * read of the WAL in between. Measured on the 204.5 MB twarc2 bench file:
 * system time -26 to -29%, CPU time -2 to -7% (paired runs).
 * What it costs: while the load commits, readers of the store wait (they
 * would wait in WAL mode only for a checkpoint), and a reader that holds
 * the store longer than the busy timeout makes a commit fail (the re-run
 * completes it). The switch needs the store to itself: when another
 * connection has it open, SQLite keeps WAL and so does the load. A crash
 * mid-load leaves a hot journal that the next open rolls back, as in WAL
 * mode it would leave an uncommitted tail. synchronous=FULL while the
 * journal is a rollback one, as SQLite advises for it. */
static int store_is_empty(sq_store *q, int *empty) {
  static const char *const probes[] = {"SELECT 1 FROM accounts LIMIT 1",
                                       "SELECT 1 FROM posts LIMIT 1",
                                       "SELECT 1 FROM adjacency LIMIT 1"};
  *empty = 1;
  for (size_t i = 0; i < sizeof probes / sizeof probes[0] && *empty; i++) {
    sqlite3_stmt *st;
    int rc = sq_prepare(q, &st, probes[i]);
    if (rc) return rc;
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc == SQLITE_ROW) *empty = 0;
    else if (rc != SQLITE_DONE) return sq_fail(q, rc, "reading store");
  }
  return 0;
}

static int journal_mode(sq_store *q, const char *sql, char *mode, size_t cap) {
  sqlite3_stmt *st;
  int rc = sq_prepare(q, &st, sql);
  if (rc) return rc;
  mode[0] = 0;
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW && sqlite3_column_text(st, 0))
    snprintf(mode, cap, "%s", (const char *)sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  return rc == SQLITE_ROW || rc == SQLITE_DONE || (rc & 0xff) == SQLITE_BUSY ? 0 : sq_fail(q, rc, sql);
}

/* A first load also builds three indexes once at its end (CREATE INDEX: a
 * scan and a sort) instead of row by row: accounts by platform id, posts by
 * author and posts by platform id take their keys in random order, so
 * every row cost a descent of each index to a page that was rarely in the
 * CPU's caches. Measured, the rebuild included (docs/store.md): on the
 * twarc2 bench file CPU 0.93-0.94 of before for the first two and 0.96
 * more for posts_pid (medians of paired runs); on a 1.45 GB synthetic load
 * with post ids in no order, 24-28 s before, 17-18.5 s after. Nothing the
 * load does reads them: it finds accounts and posts through its own caches,
 * and stays the only writer (real_begin drops the caches if another process
 * wrote). They go with the first account the load writes itself
 * (sq_account_upsert), in its transaction: an edge list writes only stub
 * accounts, on the background thread, where the index cost overlapped the
 * parsing; there a rebuild at the end would add to the wall time (0.8 s for
 * 570k accounts).
 *
 * Each dropped index's CREATE statement is kept in meta under
 * "deferred_index:NAME" in the transaction that drops it, so a load that
 * dies midway leaves the definition behind: the next read-write open that
 * can lock the store at once rebuilds it (a reader only finds the rows
 * more slowly until then). "At once": the loader holds a shared flock(2)
 * on the database file for the whole load, and an open rebuilds only if it
 * gets the exclusive one without waiting, so a `vigil stats` during a load
 * leaves the indexes to the loader (the kernel drops a dead loader's
 * lock). A rebuild that fails leaves the definition for the next try. A
 * UNIQUE one fails only if the store holds two accounts or posts with one
 * platform id, which the caches exist to prevent: it is reported and the
 * store keeps working without the index. */
static const char *const deferred_indexes[] = {"accounts_pid", "posts_author", "posts_pid"};
#define DEFERRED_KEY "deferred_index:"
#define DEFERRED_WHERE "substr(key, 1, length('" DEFERRED_KEY "')) = '" DEFERRED_KEY "'"

/* Inside the load's transaction: if it rolls back, so does this. posts_pid
 * goes only while every stored post is in the post cache (posts_all_cached):
 * then a post the cache does not know is new, and its insert needs no key to
 * check (upsert_row in sqlite_posts.c). */
static int defer_indexes(sq_store *q) {
  int rc = 0;
  for (size_t i = 0; i < sizeof deferred_indexes / sizeof deferred_indexes[0] && !rc; i++) {
    int is_posts_pid = strcmp(deferred_indexes[i], "posts_pid") == 0;
    if (is_posts_pid && !q->posts_all_cached) continue;
    sqlite3_stmt *st;
    if ((rc = sq_prepare(q, &st,
                         "INSERT OR REPLACE INTO meta(key, value) SELECT '" DEFERRED_KEY
                         "' || name, sql FROM sqlite_schema WHERE type='index' AND name=?1")))
      break;
    sqlite3_bind_text(st, 1, deferred_indexes[i], -1, SQLITE_STATIC);
    rc = step_done(q, st, "deferring an index");
    int saved = !rc && sqlite3_changes(q->db) == 1;
    sqlite3_finalize(st);
    if (saved) {
      char sql[128];
      snprintf(sql, sizeof sql, "DROP INDEX %s", deferred_indexes[i]);
      rc = sq_exec(q, sql);
      if (!rc && is_posts_pid) q->posts_pid_gone = 1;
    }
  }
  return rc;
}

/* only a CREATE [UNIQUE] INDEX of a deferred index's own name is run from
 * meta: the store's content is not code */
static int is_deferred_create(const char *name, const char *sql) {
  size_t i;
  for (i = 0; i < sizeof deferred_indexes / sizeof deferred_indexes[0]; i++)
    if (strcmp(name, deferred_indexes[i]) == 0) break;
  if (i == sizeof deferred_indexes / sizeof deferred_indexes[0]) return 0;
  const char *rest = NULL;
  if (strncmp(sql, "CREATE INDEX ", 13) == 0) rest = sql + 13;
  else if (strncmp(sql, "CREATE UNIQUE INDEX ", 20) == 0) rest = sql + 20;
  size_t n = strlen(name);
  return rest && strncmp(rest, name, n) == 0 && rest[n] == ' ';
}

/* A deferred index as meta holds it. */
typedef struct deferred_row {
  char key[128];
  char sql[1024];
} deferred_row;

/* The deferred index whose key is `key` (exact), or the first one after it
 * (!exact; "" for the first of all): 1 and *out, 0 when there is none, or a
 * VIGIL_E* code. Copied out, so that no statement is open while the index
 * is built. */
static int find_deferred(sq_store *q, const char *key, int exact, deferred_row *out) {
  sqlite3_stmt *st;
  int rc = sq_prepare(q, &st,
                      exact ? "SELECT key, value FROM meta WHERE key = ?1"
                            : "SELECT key, value FROM meta WHERE " DEFERRED_WHERE
                              " AND key > ?1 ORDER BY key LIMIT 1");
  if (rc) return rc;
  sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
  int src = sqlite3_step(st);
  if (src == SQLITE_ROW) {
    const char *k = (const char *)sqlite3_column_text(st, 0);
    const char *sql = (const char *)sqlite3_column_text(st, 1);
    if (!k || !sql || strlen(k) >= sizeof out->key || strlen(sql) >= sizeof out->sql) {
      snprintf(q->base.errmsg, sizeof q->base.errmsg, "meta holds a malformed deferred index");
      rc = VIGIL_ECORRUPT;
    } else {
      strcpy(out->key, k);
      strcpy(out->sql, sql);
      rc = 1;
    }
  } else if (src != SQLITE_DONE) {
    rc = sq_fail(q, src, "reading meta");
  }
  sqlite3_finalize(st);
  return rc;
}

/* Builds one deferred index and forgets its definition, in the caller's
 * transaction. */
static int build_deferred(sq_store *q, const deferred_row *d) {
  const char *name = d->key + strlen(DEFERRED_KEY);
  if (!is_deferred_create(name, d->sql)) {
    snprintf(q->base.errmsg, sizeof q->base.errmsg,
             "meta holds a deferred index that is not one of vigil's");
    return VIGIL_ECORRUPT;
  }
  char what[160];
  snprintf(what, sizeof what, "rebuilding index %s", name);
  sqlite3_stmt *st = NULL;
  const char *tail = NULL;
  int rc, prc = sqlite3_prepare_v2(q->db, d->sql, -1, &st, &tail);
  if (prc != SQLITE_OK) {
    rc = sq_fail(q, prc, what);
  } else {
    while (tail && isspace((unsigned char)*tail)) tail++;
    if (tail && *tail) {
      snprintf(q->base.errmsg, sizeof q->base.errmsg, "%s: more than one statement", what);
      rc = VIGIL_ECORRUPT;
    } else {
      rc = step_done(q, st, what);
    }
  }
  sqlite3_finalize(st);
  if (!rc && !(rc = sq_prepare(q, &st, "DELETE FROM meta WHERE key = ?1"))) {
    sqlite3_bind_text(st, 1, d->key, -1, SQLITE_STATIC);
    rc = step_done(q, st, "forgetting a deferred index");
    sqlite3_finalize(st);
  }
  if (!rc && strcmp(name, "posts_pid") == 0) q->posts_pid_gone = 0;
  return rc;
}

int sq_posts_pid_restore(sq_store *q) {
  if (!q->posts_pid_gone) return 0;
  deferred_row d;
  int rc = find_deferred(q, DEFERRED_KEY "posts_pid", 1, &d);
  if (rc < 0) return rc;
  if (rc == 0) {
    /* gone from meta: the transaction that dropped it rolled back, drop
     * included */
    q->posts_pid_gone = 0;
    return 0;
  }
  return build_deferred(q, &d);
}

/* Rebuilds the indexes a first load deferred, if any.
 * The loader calls it at close (path NULL); an open passes the store's
 * path and gives up at once (returns 0) while a loader holds the store. */
static int rebuild_deferred_indexes(sq_store *q, const char *path) {
  deferred_row d;
  int got = find_deferred(q, "", 0, &d);
  /* none; or no meta table (a new store), or not a database: migrate()
   * says which */
  if (got == 0 || (got < 0 && got != VIGIL_ECORRUPT)) return 0;
  int lock_fd = -1;
  if (path) {
    lock_fd = open(path, O_RDONLY | O_CLOEXEC);
    if (lock_fd < 0 || flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
      if (lock_fd >= 0) close(lock_fd);
      return 0; /* a load is running: it rebuilds them */
    }
    sqlite3_busy_timeout(q->db, 0); /* nor wait for a writer */
  }
  /* one index per transaction: one that cannot be built keeps the others */
  int rc = 0, first_rc = 0;
  char first_msg[sizeof q->base.errmsg];
  char after[sizeof((deferred_row *)0)->key] = "";
  for (;; got = find_deferred(q, after, 0, &d)) {
    if (got <= 0) {
      rc = got;
      break;
    }
    strcpy(after, d.key);
    if ((rc = sq_exec(q, "BEGIN IMMEDIATE"))) {
      /* a writer holds the store: leave the rest for later */
      if (path && rc == VIGIL_EBUSY) rc = 0;
      break;
    }
    rc = build_deferred(q, &d);
    if (!rc) rc = sq_exec(q, "COMMIT");
    if (!sqlite3_get_autocommit(q->db)) sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
    if (rc && !first_rc) {
      first_rc = rc; /* the caller hears of the first failure */
      memcpy(first_msg, q->base.errmsg, sizeof first_msg);
    }
    rc = 0;
  }
  if (path) sqlite3_busy_timeout(q->db, 10000);
  if (lock_fd >= 0) close(lock_fd);
  if (!rc && first_rc) memcpy(q->base.errmsg, first_msg, sizeof first_msg);
  return rc ? rc : first_rc;
}

static int first_load_journal(sq_store *q, const char *path) {
  int empty, rc = store_is_empty(q, &empty);
  if (rc || !empty) return rc;
  char mode[16];
  if ((rc = journal_mode(q, "PRAGMA journal_mode=DELETE", mode, sizeof mode))) return rc;
  if (strcmp(mode, "delete") != 0) return 0; /* another connection: stay in WAL */
  q->first_load = 1;
  if ((rc = sq_exec(q, "PRAGMA synchronous=FULL;"))) return rc;
  /* no lock, no deferral: an open could not tell the load from a dead one */
  q->load_lock_fd = open(path, O_RDONLY | O_CLOEXEC);
  if (q->load_lock_fd >= 0 && flock(q->load_lock_fd, LOCK_SH | LOCK_NB) != 0) {
    close(q->load_lock_fd);
    q->load_lock_fd = -1;
  }
  q->defer_pending = q->load_lock_fd >= 0;
  /* The baseline real_begin compares with, read after the switch of
   * journal (which counts as a change) and before the store is seen empty
   * again: a write by another process after it drops the caches, and with
   * them posts_all_cached, at the next begin. */
  sqlite3_stmt *st;
  if ((rc = sq_prepare(q, &st, "PRAGMA data_version"))) return rc;
  if (sqlite3_step(st) == SQLITE_ROW) q->data_version = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  if ((rc = store_is_empty(q, &empty))) return rc;
  q->posts_all_cached = q->defer_pending && empty;
  return 0;
}

static int migrate(sq_store *q) {
  int version = 0, n = 0;
  sqlite3_stmt *st;
  int rc = sq_prepare(q, &st, "PRAGMA user_version");
  if (rc) return rc;
  if (sqlite3_step(st) == SQLITE_ROW) version = sqlite3_column_int(st, 0);
  sqlite3_finalize(st);
  while (vigil_sqlite_migrations[n]) n++;
  if (version > n) {
    snprintf(q->base.errmsg, sizeof q->base.errmsg,
             "store schema version %d is newer than this vigil (%d)", version, n);
    return VIGIL_ESCHEMA;
  }
  if (version == n) return 0;
  if (q->readonly) {
    snprintf(q->base.errmsg, sizeof q->base.errmsg, "store needs migration; open it read-write");
    return VIGIL_ESCHEMA;
  }
  if ((rc = sq_exec(q, "BEGIN IMMEDIATE"))) return rc;
  for (int v = version; v < n; v++) {
    rc = sq_exec(q, vigil_sqlite_migrations[v]);
    if (!rc && v == 3) rc = sq_migrate_entities(q); /* data, not just DDL */
    if (rc) {
      sq_exec(q, "ROLLBACK");
      return rc;
    }
  }
  char sql[64];
  snprintf(sql, sizeof sql, "PRAGMA user_version = %d", n);
  if ((rc = sq_exec(q, sql)) || (rc = sq_exec(q, "COMMIT"))) {
    sq_exec(q, "ROLLBACK");
    return rc;
  }
  return 0;
}

static int prepare_all(sq_store *q) {
  struct {
    sqlite3_stmt **st;
    const char *sql;
  } list[] = {
      {&q->st_acc_insert,
       "INSERT INTO accounts(platform, platform_id, username, username_key, display_name,"
       " description, location, lang, url, profile_image_url, created_at, followers, following,"
       " statuses, verified, protected, has_profile, profile_at, digest, raw, id)"
       " VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,1,?17,?18,?19,?20)"},
      {&q->st_acc_update,
       "UPDATE accounts SET platform_id=coalesce(?2, platform_id),"
       " username=coalesce(?3, username), username_key=coalesce(?4, username_key),"
       " display_name=?5, description=?6, location=?7, lang=?8, url=?9, profile_image_url=?10,"
       " created_at=?11, followers=?12, following=?13, statuses=?14, verified=?15,"
       " protected=?16, has_profile=1, profile_at=?17, digest=?18, raw=?19 WHERE id=?1"},
      {&q->st_acc_stub,
       "INSERT INTO accounts(id, platform, platform_id, username, username_key, has_profile,"
       " digest) VALUES(?1,?2,?3,?4,?5,0,0)"},
      {&q->st_acc_set_pid, "UPDATE accounts SET platform_id=?2 WHERE id=?1"},
      {&q->st_post_find,
       "SELECT id, digest, observed_at FROM posts WHERE platform=?1 AND platform_id=?2"},
      /* OR IGNORE, not ON CONFLICT(...): that form needs posts_pid when
       * it is prepared, and a first load may have dropped it */
      {&q->st_post_insert,
       "INSERT OR IGNORE INTO posts(platform, platform_id, author, text, lang, source, created_at,"
       " reply_to_post, reply_to, retweet_of_post, retweet_of, quote_of_post, quote_of, digest,"
       " raw, entities, observed_at)"
       " VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17)"},
      {&q->st_post_update,
       "UPDATE posts SET author=?3, text=?4, lang=?5, source=?6, created_at=?7,"
       " reply_to_post=?8, reply_to=?9, retweet_of_post=?10, retweet_of=?11,"
       " quote_of_post=?12, quote_of=?13, digest=?14, raw=?15, entities=?16, observed_at=?17"
       " WHERE id=?1"},
      {&q->st_post_old_refs,
       "SELECT author, reply_to, retweet_of, quote_of, created_at, entities FROM posts"
       " WHERE id=?1"},
      {&q->st_status_ins,
       "INSERT OR IGNORE INTO account_status(account, status, observed_at, reason)"
       " VALUES(?1,?2,?3,?4)"},
      {&q->st_adj_get, "SELECT data FROM adjacency WHERE src=?1 AND kind=?2"},
      {&q->st_adj_put,
       "INSERT OR REPLACE INTO adjacency(src, kind, n, data) VALUES(?1,?2,?3,?4)"},
      {&q->st_adj_del, "DELETE FROM adjacency WHERE src=?1 AND kind=?2"},
      {&q->st_total_add,
       "INSERT INTO edge_totals(kind, n) VALUES(?1,?2)"
       " ON CONFLICT(kind) DO UPDATE SET n = n + excluded.n"},
  };
  for (size_t i = 0; i < sizeof list / sizeof list[0]; i++) {
    int rc = sq_prepare(q, list[i].st, list[i].sql);
    if (rc) return rc;
  }
  return 0;
}

static void finalize_all(sq_store *q) {
  sqlite3_stmt **all[] = {
      &q->st_acc_insert, &q->st_acc_update,  &q->st_acc_stub,    &q->st_acc_set_pid,
      &q->st_post_find,  &q->st_post_insert, &q->st_post_update, &q->st_post_old_refs,
      &q->st_status_ins, &q->st_adj_get,     &q->st_adj_put,
      &q->st_adj_del,    &q->st_total_add, &q->st_score_put};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
    sqlite3_finalize(*all[i]);
    *all[i] = NULL;
  }
}

int vigil_store_sqlite_open(const char *path, int flags, vigil_store **out) {
  /* Memory statistics cost a global mutex on every SQLite allocation; vigil
   * does not use them. Only possible before SQLite initialises: later calls
   * fail harmlessly. */
  static int configured;
  if (!configured) {
    configured = 1;
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  }
  sq_full *f = calloc(1, sizeof *f);
  if (!f) return VIGIL_ENOMEM;
  sq_store *q = &f->q;
  q->load_lock_fd = -1;
  q->base.ops = &sqlite_ops;
  q->readonly = (flags & VIGIL_STORE_READONLY) != 0;
  int oflags = q->readonly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  int rc = sqlite3_open_v2(path, &q->db, oflags | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK) {
    int e = sq_fail(q, rc, path);
    sqlite3_close(q->db);
    free(f);
    return e == VIGIL_EDB ? VIGIL_EIO : e;
  }
  sqlite3_busy_timeout(q->db, 10000);
  sqlite3_extended_result_codes(q->db, 1);
  /* WAL: readers never block the writer and a crash leaves the last commit.
   * synchronous=NORMAL is durable across process crashes in WAL mode. */
  rc = sq_exec(q, (flags & VIGIL_STORE_BULK) ? "PRAGMA foreign_keys=OFF;" : "PRAGMA foreign_keys=ON;");
  if (!rc)
    rc = sq_exec(q, "PRAGMA temp_store=MEMORY;"
                  " PRAGMA cache_size=-262144; PRAGMA mmap_size=1073741824;");
  /* A new store gets 64 KB pages, SQLite's largest (a no-op on an existing
   * one). Against 16 KB pages, measured back to back: 5% less CPU for
   * twarc2 ingest and for edge lists (fewer b-tree levels, splits, WAL frames
   * and write calls; adjacency blobs of busy accounts stay in their page);
   * 4 KB pages cost 20% more. Reads go through mmap, so a point lookup does
   * not read a whole page from disk. Must precede the switch to WAL, which
   * writes the header. */
  if (!rc && !q->readonly) rc = sq_exec(q, "PRAGMA page_size=65536;");
  /* WAL, unless another process is loading this store for the first time
   * with a rollback journal (first_load_journal): SQLite then refuses the
   * switch as busy, and this connection works in that mode, reading the
   * last commit as in WAL (it waits only while a batch commits). The loader
   * puts the store back in WAL when it is done. */
  if (!rc && !q->readonly) {
    char mode[16];
    rc = journal_mode(q, "PRAGMA journal_mode=WAL", mode, sizeof mode);
    if (!rc) rc = sq_exec(q, "PRAGMA synchronous=NORMAL;");
  }
  /* checkpoints every 64 MB of WAL rather than SQLite's 1000 pages: bulk
   * ingest rewrites the same pages batch after batch */
  if (!rc && !q->readonly) {
    char sql[64];
    int page = 4096;
    sqlite3_stmt *st = NULL;
    rc = sq_prepare(q, &st, "PRAGMA page_size");
    if (!rc && sqlite3_step(st) == SQLITE_ROW) page = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (page < 512) page = 512;
    snprintf(sql, sizeof sql, "PRAGMA wal_autocheckpoint=%d;", (64 << 20) / page);
    if (!rc) rc = sq_exec(q, sql);
  }
  /* What a first load that died left to do, before migrations (which may
   * expect the indexes). Not fatal: the store works without them, only
   * slower. */
  if (!rc && !q->readonly && rebuild_deferred_indexes(q, path))
    fprintf(stderr, "vigil: store %s: %s (the store works without it, more slowly)\n", path,
            q->base.errmsg);
  if (!rc) rc = migrate(q);
  if (!rc && !q->readonly && (flags & VIGIL_STORE_BULK)) rc = first_load_journal(q, path);
  if (!rc) {
    /* a file that is not a SQLite database shows up here at the latest */
    sqlite3_stmt *st = NULL;
    rc = sq_prepare(q, &st, "SELECT count(*) FROM sqlite_master");
    if (!rc && sqlite3_step(st) != SQLITE_ROW) rc = sq_fail(q, sqlite3_errcode(q->db), path);
    sqlite3_finalize(st);
  }
  if (!rc && !q->readonly) rc = prepare_all(q);
  if (rc) {
    char msg[512];
    memcpy(msg, q->base.errmsg, sizeof msg);
    finalize_all(q);
    sqlite3_close(q->db);
    if (q->load_lock_fd >= 0) close(q->load_lock_fd);
    free(f);
    fprintf(stderr, "vigil: store %s: %s\n", path, msg);
    return rc;
  }
  *out = &q->base;
  return 0;
}

static void drop_post_cache(sq_full *f) {
  f->q.posts_all_cached = 0;
  for (int i = 0; i < f->nplats; i++) vigil_u64map_release(&f->plats[i].posts);
  free(f->pmeta);
  f->pmeta = NULL;
  f->pmeta_n = f->pmeta_cap = 0;
}

int sq_post_cache_get(sq_store *q, vigil_str platform, vigil_str pid, int64_t *rowid,
                      uint64_t *digest, int64_t *seen) {
  sq_full *f = (sq_full *)q;
  uint64_t num;
  plat_ids *pe;
  if (!f->pmeta_n || !numeric_id(pid, &num) || !(pe = plat_entry(q, platform, 0))) return 0;
  int64_t id = vigil_u64map_get(&pe->posts, num);
  if (!id || id < f->pmeta_base || (uint64_t)(id - f->pmeta_base) >= f->pmeta_n) return 0;
  const post_meta *m = &f->pmeta[id - f->pmeta_base];
  *rowid = id, *digest = m->digest, *seen = m->seen;
  return 1;
}

int sq_post_cache_put(sq_store *q, vigil_str platform, vigil_str pid, int64_t rowid,
                      uint64_t digest, int64_t seen) {
  sq_full *f = (sq_full *)q;
  uint64_t num;
  plat_ids *pe;
  if (!numeric_id(pid, &num) || !(pe = plat_entry(q, platform, 1))) {
    q->posts_all_cached = 0;
    return 0;
  }
  if (f->pmeta_n && rowid >= f->pmeta_base && (uint64_t)(rowid - f->pmeta_base) < f->pmeta_n) {
    f->pmeta[rowid - f->pmeta_base] = (post_meta){digest, seen};
    return 0;
  }
  /* only the run of rows inserted since the cache began, which is
   * contiguous (rowid = max + 1); anything else is not cached */
  if (f->pmeta_n && rowid != f->pmeta_base + (int64_t)f->pmeta_n) {
    q->posts_all_cached = 0;
    return 0;
  }
  if (f->pmeta_n >= POST_CACHE_MAX) drop_post_cache(f);
  if (!f->pmeta_n) f->pmeta_base = rowid;
  post_meta *m = vigil_array_grow(f->pmeta, &f->pmeta_cap, f->pmeta_n + 1, sizeof *m);
  if (!m) return VIGIL_ENOMEM;
  f->pmeta = m;
  int rc = vigil_u64map_put(&pe->posts, num, rowid);
  if (rc) return rc;
  f->pmeta[f->pmeta_n++] = (post_meta){digest, seen};
  return 0;
}

static void drop_caches(sq_store *q) {
  sq_full *f = (sq_full *)q;
  drop_post_cache(f);
  for (int i = 0; i < f->nplats; i++) vigil_u64map_release(&f->plats[i].ids);
  f->nplats = 0;
  vigil_strmap_release(&q->by_pid);
  vigil_strmap_release(&q->by_uname);
  free(f->meta);
  f->meta = NULL;
  f->meta_cap = 0;
  memset(f->pidless, 0, sizeof f->pidless);
  q->cache_loaded = 0;
}

static int sq_close(vigil_store *s) {
  sq_store *q = (sq_store *)s;
  int rc = sq_wait(q);
  if (q->in_txn) {
    sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
    q->in_txn = 0;
  }
  finalize_all(q);
  if (q->first_load) {
    int irc = rebuild_deferred_indexes(q, NULL);
    if (irc) {
      fprintf(stderr, "vigil: store: %s (the store works without it, more slowly)\n",
              q->base.errmsg);
      if (!rc) rc = irc;
    }
  }
  if (!q->readonly) sqlite3_exec(q->db, "PRAGMA optimize", NULL, NULL, NULL);
  if (q->first_load) {
    /* best effort: when a reader holds the store, the next open switches */
    char mode[16];
    journal_mode(q, "PRAGMA journal_mode=WAL", mode, sizeof mode);
  }
  if (sqlite3_close(q->db) != SQLITE_OK) rc = VIGIL_EDB;
  if (q->load_lock_fd >= 0) close(q->load_lock_fd);
  drop_caches(q);
  sq_edges_release(q);
  sq_adj_bits_drop(q);
  free(q->stubs);
  vigil_buf_release(&q->stub_text);
  free(q->bg.stubs);
  vigil_buf_release(&q->bg.stub_text);
  vigil_buf_release(&q->scratch);
  vigil_buf_release(&q->entities_buf);
  free(q);
  return rc;
}

static int sq_schema_version(vigil_store *s, int *version) {
  SQ_WAIT((sq_store *)s);
  sq_store *q = (sq_store *)s;
  sqlite3_stmt *st;
  int rc = sq_prepare(q, &st, "PRAGMA user_version");
  if (rc) return rc;
  *version = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
  sqlite3_finalize(st);
  return 0;
}

/* ---- transactions ------------------------------------------------------------ */
static void drop_caches(sq_store *q);

static int real_begin(sq_store *q) {
  int rc = sq_exec(q, "BEGIN IMMEDIATE");
  if (rc) return rc;
  q->in_txn = 1;
  /* Another process may have written since our last transaction: then the
   * in-memory id caches and adjacency bits are stale and must go. */
  sqlite3_stmt *st;
  if ((rc = sq_prepare(q, &st, "PRAGMA data_version"))) return rc;
  int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
  sqlite3_finalize(st);
  if (v != q->data_version) {
    if (q->n_stubs || q->edges_pending) {
      /* ids handed out after our last commit may now be taken */
      snprintf(q->base.errmsg, sizeof q->base.errmsg,
               "another process wrote to the store during this ingest; run one ingest at a"
               " time (re-running completes it)");
      sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
      q->in_txn = 0;
      sq_edges_discard(q);
      q->n_stubs = 0;
      drop_caches(q);
      sq_adj_bits_drop(q);
      q->data_version = v;
      return VIGIL_EBUSY;
    }
    drop_caches(q);
    sq_adj_bits_drop(q);
    q->data_version = v;
  }
  if ((rc = sq_prepare(q, &st, "SELECT coalesce(max(id), 0) FROM accounts"))) return rc;
  int64_t next = (sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0) + 1;
  sqlite3_finalize(st);
  /* stubs made while the previous commit ran already hold ids from next_id */
  if (next > q->next_id) q->next_id = next;
  return 0;
}

/* While a background commit runs, BEGIN is deferred to the first call that
 * needs the database (sq_wait): in-memory work (edges, new stub ids) goes on
 * in parallel with the commit. */
static int sq_begin(vigil_store *s) {
  sq_store *q = (sq_store *)s;
  if (q->in_txn) return VIGIL_ESTATE;
  if (q->bg.running) {
    q->in_txn = 1;
    q->begin_pending = 1;
    return 0;
  }
  return real_begin(q);
}

static int sq_rollback(vigil_store *s) {
  sq_store *q = (sq_store *)s;
  int wrc = sq_wait(q);
  if (!q->in_txn) {
    q->n_stubs = 0;
    sq_edges_discard(q);
    return wrc;
  }
  q->in_txn = 0;
  sq_edges_discard(q);
  q->n_stubs = 0;
  drop_caches(q); /* they may hold ids that were never committed */
  sq_adj_bits_drop(q);
  return sq_exec(q, "ROLLBACK");
}

static int sq_commit(vigil_store *s) {
  sq_store *q = (sq_store *)s;
  /* sorting the last batch overlaps a background commit still running */
  int prc = q->in_txn ? sq_edges_presort(q) : 0;
  int wrc = sq_wait(q);
  if (wrc) return wrc;
  if (!q->in_txn) return VIGIL_ESTATE;
  int rc = prc ? prc : sq_stubs_flush(q);
  if (!rc) rc = sq_edges_flush(q);
  if (!rc) rc = sq_exec(q, "COMMIT");
  if (rc) {
    sq_rollback(s);
    return rc;
  }
  q->in_txn = 0;
  return 0;
}

/* ---- account caches ------------------------------------------------------------ */
#define KEY_MAX 1024

/* "platform\0value" with value lower-cased when fold */
static size_t make_key(char *buf, vigil_str platform, vigil_str v, int fold) {
  size_t pl = platform.len < 64 ? platform.len : 64;
  size_t vl = v.len < KEY_MAX - 66 ? v.len : KEY_MAX - 66;
  memcpy(buf, platform.ptr, pl);
  buf[pl] = '\0';
  for (size_t i = 0; i < vl; i++)
    buf[pl + 1 + i] = fold ? (char)tolower((unsigned char)v.ptr[i]) : v.ptr[i];
  return pl + 1 + vl;
}

static int meta_set(sq_store *q, int64_t id, uint64_t digest, int64_t profile_at, int has_pid) {
  sq_full *f = (sq_full *)q;
  if (id <= 0) return VIGIL_ERANGE;
  if ((size_t)id >= f->meta_cap) {
    size_t cap = f->meta_cap ? f->meta_cap : 4096;
    while (cap <= (size_t)id) cap *= 2;
    acc_meta *m = realloc(f->meta, cap * sizeof *m);
    if (!m) return VIGIL_ENOMEM;
    memset(m + f->meta_cap, 0, (cap - f->meta_cap) * sizeof *m);
    f->meta = m;
    f->meta_cap = cap;
  }
  f->meta[id] = (acc_meta){digest, profile_at, has_pid};
  return 0;
}

static acc_meta *meta_get(sq_store *q, int64_t id) {
  sq_full *f = (sq_full *)q;
  return id > 0 && (size_t)id < f->meta_cap ? &f->meta[id] : NULL;
}

static int cache_add(sq_store *q, int64_t id, vigil_str platform, vigil_str pid, vigil_str uname) {
  char key[KEY_MAX];
  vigil_strmap_val *v;
  int rc;
  uint64_t num;
  vigil_u64map *pm;
  if (pid.ptr && numeric_id(pid, &num) && (pm = plat_map(q, platform, 1))) {
    if ((rc = vigil_u64map_put(pm, num, id))) return rc;
  } else if (pid.ptr) {
    if ((rc = vigil_strmap_put(&q->by_pid, key, make_key(key, platform, pid, 0), &v)) < 0)
      return rc;
    v->a = id;
  }
  if (uname.ptr && uname.len) {
    if (!pid.ptr) {
      uint32_t b = uname_bit(uname);
      ((sq_full *)q)->pidless[b >> 6] |= (uint64_t)1 << (b & 63);
    }
    if ((rc = vigil_strmap_put(&q->by_uname, key, make_key(key, platform, uname, 1), &v)) < 0)
      return rc;
    /* the newest account holding a username wins (usernames are re-used) */
    if (v->a < id) v->a = id;
  }
  return 0;
}

static int load_caches(sq_store *q) {
  if (q->cache_loaded) return 0;
  SQ_WAIT(q);
  sqlite3_stmt *st;
  int rc = sq_prepare(q, &st,
                      "SELECT id, platform, platform_id, username, digest,"
                      " coalesce(profile_at, -9223372036854775808), has_profile FROM accounts");
  if (rc) return rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    int64_t id = sqlite3_column_int64(st, 0);
    vigil_str pid = col_str(st, 2);
    int has_profile = sqlite3_column_int(st, 6);
    int e = cache_add(q, id, col_str(st, 1), pid, col_str(st, 3));
    if (!e)
      e = meta_set(q, id, (uint64_t)sqlite3_column_int64(st, 4),
                   has_profile ? sqlite3_column_int64(st, 5) : VIGIL_TIME_UNKNOWN, pid.ptr != NULL);
    if (e) {
      sqlite3_finalize(st);
      return e;
    }
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) return sq_fail(q, rc, "loading accounts");
  q->cache_loaded = 1;
  return 0;
}

int sq_load_caches(sq_store *q) { return load_caches(q); }

static int64_t lookup(sq_store *q, vigil_strmap *m, vigil_str platform, vigil_str v, int fold) {
  char key[KEY_MAX];
  vigil_strmap_val *val = vigil_strmap_get(m, key, make_key(key, platform, v, fold));
  return val ? val->a : 0;
}

static uint32_t stub_str(sq_store *q, vigil_str v, uint32_t *len, int *rc) {
  uint32_t off = (uint32_t)q->stub_text.len;
  if (!v.ptr) {
    *len = UINT32_MAX;
    return 0;
  }
  if (q->stub_text.len + v.len >= UINT32_MAX) {
    *rc = VIGIL_ETOOBIG;
    return 0;
  }
  *len = (uint32_t)v.len;
  int e = vigil_buf_append(&q->stub_text, v.ptr, v.len);
  if (e) *rc = e;
  return off;
}

static int insert_stub(sq_store *q, vigil_str platform, vigil_str pid, vigil_str uname,
                       int64_t *id) {
  int rc = 0;
  if (q->n_stubs == q->cap_stubs) {
    size_t cap = q->cap_stubs ? q->cap_stubs * 2 : 1024;
    struct sq_stub *ns = realloc(q->stubs, cap * sizeof *ns);
    if (!ns) return VIGIL_ENOMEM;
    q->stubs = ns;
    q->cap_stubs = cap;
  }
  if (q->n_stubs >= ((size_t)1 << 22) && ((rc = sq_wait(q)) || (rc = sq_stubs_flush(q))))
    return rc;
  struct sq_stub *st = &q->stubs[q->n_stubs];
  st->id = q->next_id;
  st->plat_off = stub_str(q, platform, &st->plat_len, &rc);
  st->pid_off = stub_str(q, pid, &st->pid_len, &rc);
  st->un_off = stub_str(q, uname.len ? uname : VIGIL_STR_NULL, &st->un_len, &rc);
  if (rc) return rc;
  q->n_stubs++;
  *id = q->next_id++;
  if ((rc = cache_add(q, *id, platform, pid, uname))) return rc;
  return meta_set(q, *id, 0, VIGIL_TIME_UNKNOWN, pid.ptr != NULL);
}

static vigil_str stub_view(const vigil_buf *text, uint32_t off, uint32_t len) {
  if (len == UINT32_MAX) return VIGIL_STR_NULL;
  return (vigil_str){text->data + off, len};
}

static int stubs_write(sq_store *q, const struct sq_stub *stubs, size_t n, const vigil_buf *text) {
  char ukey[KEY_MAX];
  for (size_t i = 0; i < n; i++) {
    const struct sq_stub *p = &stubs[i];
    vigil_str uname = stub_view(text, p->un_off, p->un_len);
    sqlite3_stmt *st = q->st_acc_stub;
    sqlite3_bind_int64(st, 1, p->id);
    bind_str(st, 2, stub_view(text, p->plat_off, p->plat_len));
    bind_str(st, 3, stub_view(text, p->pid_off, p->pid_len));
    bind_str(st, 4, uname);
    if (uname.ptr) {
      size_t ul = uname.len < KEY_MAX ? uname.len : KEY_MAX;
      for (size_t k = 0; k < ul; k++) ukey[k] = (char)tolower((unsigned char)uname.ptr[k]);
      sqlite3_bind_text(st, 5, ukey, (int)ul, SQLITE_TRANSIENT);
    } else {
      sqlite3_bind_null(st, 5);
    }
    int rc = step_done(q, st, "inserting account");
    if (rc) return rc;
  }
  return 0;
}

int sq_stubs_flush(sq_store *q) {
  int rc = stubs_write(q, q->stubs, q->n_stubs, &q->stub_text);
  q->n_stubs = 0;
  vigil_buf_clear(&q->stub_text);
  return rc;
}

/* ---- background commit ------------------------------------------------------------ */
static void *bg_main(void *arg) {
  sq_store *q = arg;
  sq_background *bg = &q->bg;
  int rc = stubs_write(q, bg->stubs, bg->n_stubs, &bg->stub_text);
  if (!rc && !bg->stubs_only) rc = sq_edges_flush_vecs(q, bg->edges);
  if (!rc && !bg->stubs_only) rc = sq_exec(q, "COMMIT");
  bg->n_stubs = 0;
  vigil_buf_clear(&bg->stub_text);
  bg->rc = rc;
  __atomic_store_n(&bg->done, 1, __ATOMIC_RELEASE);
  return NULL;
}

static int real_begin(sq_store *q);

int sq_wait(sq_store *q) {
  if (!q->bg.running) return 0;
  pthread_join(q->bg.thread, NULL);
  q->bg.running = 0;
  q->bg.stubs_only = 0; /* its failure is handled like a failed commit's */
  int rc = q->bg.rc;
  if (!rc && q->begin_pending) {
    q->begin_pending = 0;
    q->in_txn = 0;
    rc = real_begin(q);
    return rc;
  }
  q->begin_pending = 0;
  if (rc) {
    q->in_txn = 0;
    /* the batch is lost: roll back and forget everything built on it */
    sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
    sq_edges_discard(q);
    for (int k = 0; k < VIGIL_EDGE_KIND_COUNT; k++)
      for (int m = 0; m < 2; m++) q->bg.edges[k][m].n = q->bg.edges[k][m].nk = 0;
    q->n_stubs = 0;
    drop_caches(q);
    sq_adj_bits_drop(q);
  }
  return rc;
}

/* Moves the pending stub accounts into the background slot; the caller
 * keeps the background's (empty) buffers for the next ones. */
static void stubs_to_background(sq_store *q) {
  sq_background *bg = &q->bg;
  struct sq_stub *ts = bg->stubs;
  size_t tc = bg->cap_stubs;
  bg->stubs = q->stubs, bg->cap_stubs = q->cap_stubs, bg->n_stubs = q->n_stubs;
  q->stubs = ts, q->cap_stubs = tc, q->n_stubs = 0;
  vigil_buf tb = bg->stub_text;
  bg->stub_text = q->stub_text;
  q->stub_text = tb;
  vigil_buf_clear(&q->stub_text);
}

/* Runs bg_main on the background thread, or here when no thread can be made. */
static int start_background(sq_store *q) {
  sq_background *bg = &q->bg;
  bg->rc = 0;
  bg->done = 0;
  if (pthread_create(&bg->thread, NULL, bg_main, q) != 0) {
    bg_main(q);
    bg->stubs_only = 0;
    return bg->rc;
  }
  bg->running = 1;
  return 0;
}

static int sq_commit_async(vigil_store *s) {
  sq_store *q = (sq_store *)s;
  if (!q->in_txn) return VIGIL_ESTATE;
  /* sorting this batch overlaps the previous batch's background commit */
  int rc = sq_edges_presort(q);
  if (!rc) rc = sq_wait(q);
  if (rc) return rc;
  /* swap the batch's buffers into the background slot; the caller keeps
   * the (empty) spare ones */
  sq_background *bg = &q->bg;
  for (int k = 0; k < VIGIL_EDGE_KIND_COUNT; k++)
    for (int m = 0; m < 2; m++) {
      sq_edge_vec t = bg->edges[k][m];
      bg->edges[k][m] = q->edges[k][m];
      q->edges[k][m] = t;
      q->edges[k][m].n = q->edges[k][m].nk = 0;
    }
  q->edges_pending = 0;
  stubs_to_background(q);
  q->in_txn = 0;
  return start_background(q);
}

int sq_stubs_stream(sq_store *q, size_t min) {
  sq_background *bg = &q->bg;
  if (q->n_stubs < min || !q->in_txn || q->begin_pending) return 0;
  if (bg->running) {
    /* a finished stub job is collected without blocking; anything else
     * (a commit, or stubs still being written) is left to run */
    if (!bg->stubs_only || !__atomic_load_n(&bg->done, __ATOMIC_ACQUIRE)) return 0;
    int rc = sq_wait(q);
    if (rc) return rc;
  }
  stubs_to_background(q);
  bg->stubs_only = 1;
  return start_background(q);
}

static int set_pid(sq_store *q, int64_t id, vigil_str platform, vigil_str pid) {
  SQ_WAIT(q);
  int rc0 = sq_stubs_flush(q);
  if (rc0) return rc0;
  sqlite3_stmt *st = q->st_acc_set_pid;
  sqlite3_bind_int64(st, 1, id);
  bind_str(st, 2, pid);
  int rc = step_done(q, st, "merging account id");
  if (rc) return rc;
  acc_meta *m = meta_get(q, id);
  if (m) m->has_pid = 1;
  return cache_add(q, id, platform, pid, VIGIL_STR_NULL);
}

static int sq_account_resolve(vigil_store *s, vigil_str platform, const vigil_account_ref *ref,
                              int create, int64_t *id, vigil_change *change) {
  sq_store *q = (sq_store *)s;
  int rc = load_caches(q);
  if (rc) return rc;
  *id = 0;
  if (change) *change = VIGIL_UNCHANGED;
  if (!platform.ptr || !platform.len) return VIGIL_EINVAL;
  vigil_str pid = ref->platform_id, un = ref->username;
  if (pid.ptr && pid.len == 0) pid = VIGIL_STR_NULL;
  if (un.ptr && un.len && un.ptr[0] == '@') un.ptr++, un.len--;
  if (!pid.ptr && !(un.ptr && un.len)) return VIGIL_EMISSING;
  uint64_t num;
  vigil_u64map *pm;
  if (pid.ptr && numeric_id(pid, &num) && (pm = plat_map(q, platform, 0))) {
    if ((*id = vigil_u64map_get(pm, num))) return 0;
  } else if (pid.ptr && (*id = lookup(q, &q->by_pid, platform, pid, 0))) {
    return 0;
  }
  uint32_t b = un.ptr && un.len && pid.ptr ? uname_bit(un) : 0;
  if (un.ptr && un.len &&
      (!pid.ptr || (((sq_full *)q)->pidless[b >> 6] >> (b & 63) & 1))) {
    int64_t by_name = lookup(q, &q->by_uname, platform, un, 1);
    if (by_name) {
      acc_meta *m = meta_get(q, by_name);
      if (!pid.ptr) {
        *id = by_name;
        return 0;
      }
      if (m && !m->has_pid) { /* a username-only account learns its id */
        if ((rc = set_pid(q, by_name, platform, pid))) return rc;
        *id = by_name;
        return 0;
      }
    }
  }
  if (!create) return 0;
  if (!q->in_txn) return VIGIL_ESTATE;
  if ((rc = insert_stub(q, platform, pid, un, id))) return rc;
  if (change) *change = VIGIL_NEW;
  return 0;
}

static uint64_t account_digest(const vigil_account *a) {
  vigil_rowhash h;
  vigil_rowhash_init(&h);
  const vigil_str fields[] = {a->username, a->display_name, a->description, a->location,
                              a->lang,     a->url,          a->profile_image_url};
  for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) vigil_rowhash_str(&h, fields[i]);
  int64_t nums[] = {a->created_at, a->followers, a->following, a->statuses, a->verified,
                    a->is_protected};
  vigil_rowhash_add(&h, nums, sizeof nums);
  return vigil_rowhash_final(&h);
}

static void bind_account(sq_store *q, sqlite3_stmt *st, const vigil_account *a, vigil_str pid,
                         int64_t observed_at, uint64_t digest, char *ukey) {
  (void)q;
  bind_str(st, 2, pid);
  bind_str(st, 3, a->username.len ? a->username : VIGIL_STR_NULL);
  if (a->username.len) {
    size_t n = a->username.len < KEY_MAX ? a->username.len : KEY_MAX;
    for (size_t i = 0; i < n; i++) ukey[i] = (char)tolower((unsigned char)a->username.ptr[i]);
    sqlite3_bind_text(st, 4, ukey, (int)n, SQLITE_STATIC);
  } else {
    sqlite3_bind_null(st, 4);
  }
  bind_str(st, 5, a->display_name);
  bind_str(st, 6, a->description);
  bind_str(st, 7, a->location);
  bind_str(st, 8, a->lang);
  bind_str(st, 9, a->url);
  bind_str(st, 10, a->profile_image_url);
  bind_opt_int(st, 11, a->created_at, VIGIL_TIME_UNKNOWN);
  bind_opt_int(st, 12, a->followers, VIGIL_COUNT_UNKNOWN);
  bind_opt_int(st, 13, a->following, VIGIL_COUNT_UNKNOWN);
  bind_opt_int(st, 14, a->statuses, VIGIL_COUNT_UNKNOWN);
  bind_opt_int(st, 15, a->verified, -1);
  bind_opt_int(st, 16, a->is_protected, -1);
  sqlite3_bind_int64(st, 17, observed_at);
  sqlite3_bind_int64(st, 18, (int64_t)digest);
  bind_str(st, 19, a->raw);
}

static int sq_account_upsert(vigil_store *s, const vigil_account *a, int64_t observed_at,
                             int64_t *id, vigil_change *change) {
  SQ_WAIT((sq_store *)s);
  sq_store *q = (sq_store *)s;
  if (!q->in_txn) return VIGIL_ESTATE;
  vigil_account_ref ref = {a->platform_id, a->username};
  int64_t found = 0;
  int rc = 0;
  if (q->defer_pending) {
    q->defer_pending = 0;
    if ((rc = defer_indexes(q))) return rc;
  }
  rc = sq_account_resolve(s, a->platform, &ref, 0, &found, NULL);
  if (rc) return rc;
  if (observed_at == VIGIL_TIME_UNKNOWN) observed_at = 0;
  uint64_t digest = account_digest(a);
  vigil_str pid = a->platform_id.ptr && a->platform_id.len ? a->platform_id : VIGIL_STR_NULL;
  char ukey[KEY_MAX];
  if ((rc = sq_stubs_flush(q))) return rc;
  if (found) {
    acc_meta *m = meta_get(q, found);
    *id = found;
    if (m && m->profile_at != VIGIL_TIME_UNKNOWN &&
        (m->digest == digest || observed_at < m->profile_at ||
         (observed_at == m->profile_at && digest < m->digest))) {
      *change = VIGIL_UNCHANGED;
      return 0;
    }
    sqlite3_stmt *st = q->st_acc_update;
    sqlite3_bind_int64(st, 1, found);
    bind_account(q, st, a, pid, observed_at, digest, ukey);
    if ((rc = step_bound(q, st, "updating account"))) return rc;
    if ((rc = meta_set(q, found, digest, observed_at, (m && m->has_pid) || pid.ptr))) return rc;
    if ((rc = cache_add(q, found, a->platform, pid, a->username))) return rc;
    *change = VIGIL_UPDATED;
    return 0;
  }
  sqlite3_stmt *st = q->st_acc_insert;
  bind_str(st, 1, a->platform);
  bind_account(q, st, a, pid, observed_at, digest, ukey);
  /* ids come from next_id, like stubs', so the two never collide */
  sqlite3_bind_int64(st, 20, q->next_id);
  if ((rc = step_bound(q, st, "inserting account"))) return rc;
  *id = q->next_id++;
  if ((rc = cache_add(q, *id, a->platform, pid, a->username))) return rc;
  if ((rc = meta_set(q, *id, digest, observed_at, pid.ptr != NULL))) return rc;
  *change = VIGIL_NEW;
  return 0;
}

/* ---- posts: sqlite_posts.c ------------------------------------------------------ */

/* ---- statuses and explicit edges --------------------------------------------------- */
static int sq_status_add(vigil_store *s, int64_t account, int status, int64_t observed_at,
                         vigil_str reason, vigil_change *change) {
  SQ_WAIT((sq_store *)s);
  sq_store *q = (sq_store *)s;
  if (!q->in_txn) return VIGIL_ESTATE;
  if (status < 0 || status >= VIGIL_STATUS_COUNT) return VIGIL_EINVAL;
  int rc0 = sq_stubs_flush(q);
  if (rc0) return rc0;
  sqlite3_stmt *st = q->st_status_ins;
  sqlite3_bind_int64(st, 1, account);
  sqlite3_bind_int(st, 2, status);
  sqlite3_bind_int64(st, 3, observed_at == VIGIL_TIME_UNKNOWN ? 0 : observed_at);
  bind_str(st, 4, reason);
  int rc = step_done(q, st, "storing status");
  if (rc) return rc;
  *change = sqlite3_changes(q->db) ? VIGIL_NEW : VIGIL_UNCHANGED;
  return 0;
}

static int sq_edge_put(vigil_store *s, int kind, int64_t src, int64_t dst, int64_t weight,
                       int64_t seen_at) {
  sq_store *q = (sq_store *)s;
  if (weight < 1) return VIGIL_ERANGE;
  return sq_edges_put(q, kind, SQ_SET, src, dst, weight, seen_at, seen_at);
}

static int sq_flush_edges(vigil_store *s) {
  SQ_WAIT((sq_store *)s);
  sq_store *q = (sq_store *)s;
  if (!q->in_txn) return VIGIL_ESTATE;
  int rc = sq_stubs_flush(q);
  return rc ? rc : sq_edges_flush(q);
}

static size_t sq_edges_pending_fn(const vigil_store *s) {
  return ((const sq_store *)s)->edges_pending;
}

static void sq_edge_counts_fn(const vigil_store *s, vigil_edge_counts *out) {
  *out = ((const sq_store *)s)->edge_counts;
}

/* ---- ingest log ------------------------------------------------------------------- */
static int sq_ingest_begin(vigil_store *s, const vigil_ingest_file *f, int64_t *run,
                           uint64_t *resume_offset, uint64_t *resume_line) {
  SQ_WAIT((sq_store *)s);
  sq_store *q = (sq_store *)s;
  sqlite3_stmt *st;
  int rc;
  *resume_offset = *resume_line = 0;
  *run = 0;
  if (f->fingerprint) {
    if ((rc = sq_prepare(q, &st,
                         "SELECT id, next_offset, next_line FROM ingest_runs"
                         " WHERE fingerprint=?1 AND state='running' ORDER BY id DESC LIMIT 1")))
      return rc;
    sqlite3_bind_int64(st, 1, (int64_t)f->fingerprint);
    if (sqlite3_step(st) == SQLITE_ROW) {
      *run = sqlite3_column_int64(st, 0);
      *resume_offset = (uint64_t)sqlite3_column_int64(st, 1);
      *resume_line = (uint64_t)sqlite3_column_int64(st, 2);
    }
    sqlite3_finalize(st);
    if (*run) return 0;
  }
  if ((rc = sq_prepare(q, &st,
                       "INSERT INTO ingest_runs(path, format, size, mtime, fingerprint,"
                       " started_at, state) VALUES(?1,?2,?3,?4,?5,?6,'running')")))
    return rc;
  sqlite3_bind_text(st, 1, f->path, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 2, f->format, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(st, 3, (int64_t)f->size);
  sqlite3_bind_int64(st, 4, f->mtime);
  sqlite3_bind_int64(st, 5, (int64_t)f->fingerprint);
  sqlite3_bind_int64(st, 6, (int64_t)time(NULL));
  rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) return sq_fail(q, rc, "starting ingest run");
  *run = sqlite3_last_insert_rowid(q->db);
  return 0;
}

static int write_counts(sq_store *q, const char *sql_head, int64_t run, uint64_t a, uint64_t b,
                        const char *state, const vigil_ingest_counts *c) {
  sqlite3_stmt *st;
  int rc = sq_prepare(q, &st, sql_head);
  if (rc) return rc;
  int64_t vals[] = {(int64_t)c->records,           (int64_t)c->rejected,
                    (int64_t)c->accounts_new,      (int64_t)c->accounts_updated,
                    (int64_t)c->accounts_unchanged, (int64_t)c->posts_new,
                    (int64_t)c->posts_updated,     (int64_t)c->posts_unchanged,
                    (int64_t)c->statuses_new,      (int64_t)c->statuses_unchanged,
                    (int64_t)c->edges_new,         (int64_t)c->edges_updated,
                    (int64_t)c->edges_unchanged};
  for (int i = 0; i < 13; i++) sqlite3_bind_int64(st, i + 1, vals[i]);
  sqlite3_bind_int64(st, 14, run);
  sqlite3_bind_int64(st, 15, (int64_t)a);
  sqlite3_bind_int64(st, 16, (int64_t)b);
  if (state) sqlite3_bind_text(st, 17, state, -1, SQLITE_STATIC);
  rc = sqlite3_step(st);
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? 0 : sq_fail(q, rc, "updating ingest run");
}

#define COUNT_SET                                                                          \
  "records=?1, rejected=?2, accounts_new=?3, accounts_updated=?4, accounts_unchanged=?5," \
  " posts_new=?6, posts_updated=?7, posts_unchanged=?8, statuses_new=?9,"                \
  " statuses_unchanged=?10, edges_new=?11, edges_updated=?12, edges_unchanged=?13"

static int sq_ingest_progress(vigil_store *s, int64_t run, uint64_t next_offset,
                              uint64_t next_line, const vigil_ingest_counts *c) {
  SQ_WAIT((sq_store *)s);
  return write_counts((sq_store *)s,
                      "UPDATE ingest_runs SET " COUNT_SET
                      ", next_offset=?15, next_line=?16 WHERE id=?14",
                      run, next_offset, next_line, NULL, c);
}

static int sq_ingest_end(vigil_store *s, int64_t run, const char *state,
                         const vigil_ingest_counts *c) {
  SQ_WAIT((sq_store *)s);
  return write_counts((sq_store *)s,
                      "UPDATE ingest_runs SET " COUNT_SET
                      ", finished_at=?15+0*?16, state=?17 WHERE id=?14",
                      run, (uint64_t)time(NULL), 0, state, c);
}

static int sq_ingest_reject(vigil_store *s, int64_t run, uint64_t line, const char *field,
                            const char *reason) {
  SQ_WAIT((sq_store *)s);
  sq_store *q = (sq_store *)s;
  sqlite3_stmt *st;
  int rc = sq_prepare(q, &st, "INSERT INTO ingest_rejects(run, line, field, reason) VALUES(?1,?2,?3,?4)");
  if (rc) return rc;
  sqlite3_bind_int64(st, 1, run);
  sqlite3_bind_int64(st, 2, (int64_t)line);
  if (field) sqlite3_bind_text(st, 3, field, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 4, reason, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step(st);
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? 0 : sq_fail(q, rc, "recording reject");
}

/* ---- statistics ---------------------------------------------------------------------- */
static int scalar(sq_store *q, const char *sql, int64_t *out, int64_t dflt) {
  sqlite3_stmt *st;
  int rc = sq_prepare(q, &st, sql);
  if (rc) return rc;
  rc = sqlite3_step(st);
  *out = (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
             ? sqlite3_column_int64(st, 0) : dflt;
  sqlite3_finalize(st);
  return (rc == SQLITE_ROW || rc == SQLITE_DONE) ? 0 : sq_fail(q, rc, "statistics");
}

static int sq_stats_get(vigil_store *s, vigil_store_stats *out) {
  SQ_WAIT((sq_store *)s);
  sq_store *q = (sq_store *)s;
  memset(out, 0, sizeof *out);
  int64_t v;
  int rc;
  if ((rc = scalar(q, "SELECT count(*) FROM accounts", &v, 0))) return rc;
  out->accounts = (uint64_t)v;
  if ((rc = scalar(q, "SELECT count(*) FROM accounts WHERE has_profile", &v, 0))) return rc;
  out->accounts_with_profile = (uint64_t)v;
  if ((rc = scalar(q, "SELECT count(*) FROM posts", &v, 0))) return rc;
  out->posts = (uint64_t)v;
  if ((rc = scalar(q, "SELECT count(*) FROM account_status", &v, 0))) return rc;
  out->statuses = (uint64_t)v;
  if ((rc = scalar(q, "SELECT min(created_at) FROM posts", &out->first_post_at,
                   VIGIL_TIME_UNKNOWN)))
    return rc;
  if ((rc = scalar(q, "SELECT max(created_at) FROM posts", &out->last_post_at,
                   VIGIL_TIME_UNKNOWN)))
    return rc;
  if ((rc = scalar(q, "SELECT count(*) FROM ingest_runs", &v, 0))) return rc;
  out->ingest_runs = (uint64_t)v;
  sqlite3_stmt *st;
  if ((rc = sq_prepare(q, &st, "SELECT kind, n FROM edge_totals"))) return rc;
  while (sqlite3_step(st) == SQLITE_ROW) {
    int k = sqlite3_column_int(st, 0);
    if (k >= 0 && k < VIGIL_EDGE_KIND_COUNT) out->edges[k] = (uint64_t)sqlite3_column_int64(st, 1);
  }
  sqlite3_finalize(st);
  /* the latest observation per account */
  if ((rc = sq_prepare(q, &st,
                       "SELECT status, count(*) FROM (SELECT account, status,"
                       " max(observed_at) FROM account_status GROUP BY account) GROUP BY status")))
    return rc;
  while (sqlite3_step(st) == SQLITE_ROW) {
    int k = sqlite3_column_int(st, 0);
    if (k >= 0 && k < VIGIL_STATUS_COUNT)
      out->status_by_kind[k] = (uint64_t)sqlite3_column_int64(st, 1);
  }
  sqlite3_finalize(st);
  return 0;
}

static int sq_top(vigil_store *s, const char *what, int limit,
                  int (*cb)(void *ctx, vigil_str value, uint64_t count), void *ctx) {
  SQ_WAIT((sq_store *)s);
  sq_store *q = (sq_store *)s;
  static const struct {
    const char *name, *sql;
  } queries[] = {
      {"post_lang", "SELECT lang, count(*) c FROM posts WHERE lang IS NOT NULL AND lang<>''"
                    " GROUP BY lang ORDER BY c DESC, lang LIMIT ?1"},
      {"account_lang", "SELECT lang, count(*) c FROM accounts WHERE lang IS NOT NULL AND"
                       " lang<>'' GROUP BY lang ORDER BY c DESC, lang LIMIT ?1"},
      {"post_source", "SELECT source, count(*) c FROM posts WHERE source IS NOT NULL AND"
                      " source<>'' GROUP BY source ORDER BY c DESC, source LIMIT ?1"},
      {"account_location", "SELECT location, count(*) c FROM accounts WHERE location IS NOT"
                           " NULL AND location<>'' GROUP BY location ORDER BY c DESC, location"
                           " LIMIT ?1"},
  };
  /* post entities live in a blob per post (sqlite_posts.c) */
  if (strcmp(what, "hashtag") == 0) return sq_top_entities(q, 0, limit, cb, ctx);
  if (strcmp(what, "url_domain") == 0) return sq_top_entities(q, 1, limit, cb, ctx);
  const char *sql = NULL;
  for (size_t i = 0; i < sizeof queries / sizeof queries[0]; i++)
    if (strcmp(queries[i].name, what) == 0) sql = queries[i].sql;
  if (!sql) return VIGIL_EINVAL;
  sqlite3_stmt *st;
  int rc = sq_prepare(q, &st, sql);
  if (rc) return rc;
  sqlite3_bind_int(st, 1, limit);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    int e = cb(ctx, col_str(st, 0), (uint64_t)sqlite3_column_int64(st, 1));
    if (e) {
      sqlite3_finalize(st);
      return e;
    }
  }
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? 0 : sq_fail(q, rc, "top values");
}

/* ---- iteration ------------------------------------------------------------------------ */
static int sq_each_account(vigil_store *s, int (*cb)(void *ctx, const vigil_account_row *row),
                           void *ctx) {
  SQ_WAIT((sq_store *)s);
  sq_store *q = (sq_store *)s;
  sqlite3_stmt *st;
  int rc = sq_prepare(q, &st,
                      "SELECT id, platform, platform_id, username, display_name, description,"
                      " location, lang, url, profile_image_url, created_at, followers,"
                      " following, statuses, verified, protected, has_profile, profile_at"
                      " FROM accounts ORDER BY id");
  if (rc) return rc;
  vigil_account_row row;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    memset(&row, 0, sizeof row);
    vigil_account_init(&row.a);
    row.id = sqlite3_column_int64(st, 0);
    row.a.platform = col_str(st, 1);
    row.a.platform_id = col_str(st, 2);
    row.a.username = col_str(st, 3);
    row.a.display_name = col_str(st, 4);
    row.a.description = col_str(st, 5);
    row.a.location = col_str(st, 6);
    row.a.lang = col_str(st, 7);
    row.a.url = col_str(st, 8);
    row.a.profile_image_url = col_str(st, 9);
#define COL_INT(i, field, unknown) \
  row.a.field = sqlite3_column_type(st, i) == SQLITE_NULL ? (unknown) : sqlite3_column_int64(st, i)
    COL_INT(10, created_at, VIGIL_TIME_UNKNOWN);
    COL_INT(11, followers, VIGIL_COUNT_UNKNOWN);
    COL_INT(12, following, VIGIL_COUNT_UNKNOWN);
    COL_INT(13, statuses, VIGIL_COUNT_UNKNOWN);
#undef COL_INT
    row.a.verified = sqlite3_column_type(st, 14) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 14);
    row.a.is_protected =
        sqlite3_column_type(st, 15) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 15);
    row.has_profile = sqlite3_column_int(st, 16);
    row.profile_at = sqlite3_column_type(st, 17) == SQLITE_NULL ? VIGIL_TIME_UNKNOWN
                                                               : sqlite3_column_int64(st, 17);
    row.a.observed_at = row.profile_at;
    int e = cb(ctx, &row);
    if (e) {
      sqlite3_finalize(st);
      return e;
    }
  }
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? 0 : sq_fail(q, rc, "reading accounts");
}

static int64_t sq_max_account_id(vigil_store *s) {
  if (sq_wait((sq_store *)s)) return 0;
  int64_t v = 0;
  if (scalar((sq_store *)s, "SELECT max(id) FROM accounts", &v, 0)) return 0;
  return v;
}

static int sq_each_adjacency(vigil_store *s, int kind,
                             int (*cb)(void *ctx, const vigil_adj_row *row), void *ctx) {
  SQ_WAIT((sq_store *)s);
  sq_store *q = (sq_store *)s;
  sqlite3_stmt *st;
  int rc = sq_prepare(q, &st,
                      kind < 0 ? "SELECT src, kind, data FROM adjacency ORDER BY src, kind"
                               : "SELECT src, kind, data FROM adjacency WHERE kind=?1"
                                 " ORDER BY src");
  if (rc) return rc;
  if (kind >= 0) sqlite3_bind_int(st, 1, kind);
  sq_adj_dec d = {0};
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    vigil_adj_row row;
    row.src = sqlite3_column_int64(st, 0);
    row.kind = sqlite3_column_int(st, 1);
    const void *blob = sqlite3_column_blob(st, 2);
    int e = sq_adj_decode(blob, (size_t)sqlite3_column_bytes(st, 2), &d);
    if (e) {
      snprintf(q->base.errmsg, sizeof q->base.errmsg, "adjacency row of account %lld is corrupt",
               (long long)row.src);
    } else {
      row.n = d.n, row.dst = d.dst, row.weight = d.w, row.first_seen = d.first,
      row.last_seen = d.last;
      e = cb(ctx, &row);
    }
    if (e) {
      sqlite3_finalize(st);
      sq_adj_dec_release(&d);
      return e;
    }
  }
  sqlite3_finalize(st);
  sq_adj_dec_release(&d);
  return rc == SQLITE_DONE ? 0 : sq_fail(q, rc, "reading adjacency");
}

static int sq_each_status(vigil_store *s, int (*cb)(void *ctx, const vigil_status_row *row),
                          void *ctx) {
  SQ_WAIT((sq_store *)s);
  sq_store *q = (sq_store *)s;
  sqlite3_stmt *st;
  int rc = sq_prepare(q, &st,
                      "SELECT account, status, observed_at, reason FROM account_status"
                      " ORDER BY account, observed_at");
  if (rc) return rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    vigil_status_row row = {sqlite3_column_int64(st, 0), sqlite3_column_int(st, 1),
                            sqlite3_column_int64(st, 2), col_str(st, 3)};
    int e = cb(ctx, &row);
    if (e) {
      sqlite3_finalize(st);
      return e;
    }
  }
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? 0 : sq_fail(q, rc, "reading statuses");
}

static const vigil_store_ops sqlite_ops = {
#define VIGIL_STORE_OP_INIT_(ret, name, params, args) .name = sq_##name,
    VIGIL_STORE_OPS(VIGIL_STORE_OP_INIT_)
#undef VIGIL_STORE_OP_INIT_
        .edges_pending = sq_edges_pending_fn,
    .edge_counts = sq_edge_counts_fn,
};
