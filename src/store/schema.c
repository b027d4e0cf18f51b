/* The SQLite schema as a list of forward migrations. Migration i takes the
 * store from version i to i+1; a store records its version in
 * PRAGMA user_version. Never edit a released migration: append a new one.
 * A first load drops accounts_pid and posts_author until it ends
 * (deferred_indexes in sqlite.c); an open rebuilds them before it migrates,
 * unless a load still runs, and that load is then on the current version. */
#include <stddef.h>

/* posts' columns since migration 4, for the migrations that rebuild the
 * table (the text they expand to is what those migrations always ran) */
#define POSTS_COLUMNS                                                        \
  "  id INTEGER PRIMARY KEY,"                                                \
  "  platform TEXT NOT NULL,"                                                \
  "  platform_id TEXT NOT NULL,"                                             \
  "  author INTEGER NOT NULL REFERENCES accounts(id),"                       \
  "  text TEXT, lang TEXT, source TEXT, created_at INTEGER,"                 \
  "  reply_to_post TEXT, reply_to INTEGER REFERENCES accounts(id),"          \
  "  retweet_of_post TEXT, retweet_of INTEGER REFERENCES accounts(id),"      \
  "  quote_of_post TEXT, quote_of INTEGER REFERENCES accounts(id),"          \
  "  digest INTEGER NOT NULL,"                                               \
  "  raw TEXT, entities BLOB, observed_at INTEGER"
/* "(columns) SELECT columns FROM posts ORDER BY id;": copies posts into a
 * table of POSTS_COLUMNS */
#define POSTS_COPY                                                                      \
  "(id, platform, platform_id, author, text, lang, source, created_at,"                 \
  "  reply_to_post, reply_to, retweet_of_post, retweet_of, quote_of_post, quote_of, digest," \
  "  raw, entities, observed_at)"                                                       \
  " SELECT id, platform, platform_id, author, text, lang, source, created_at,"          \
  "  reply_to_post, reply_to, retweet_of_post, retweet_of, quote_of_post, quote_of, digest," \
  "  raw, entities, observed_at FROM posts ORDER BY id;"

const char *const vigil_sqlite_migrations[] = {
    /* 0 -> 1: the foundation */
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE accounts("
    "  id INTEGER PRIMARY KEY,"
    "  platform TEXT NOT NULL,"
    "  platform_id TEXT,"            /* NULL when only the username is known */
    "  username TEXT,"
    "  username_key TEXT,"           /* lower-case username for lookups */
    "  display_name TEXT, description TEXT, location TEXT, lang TEXT, url TEXT,"
    "  profile_image_url TEXT,"
    "  created_at INTEGER,"
    "  followers INTEGER, following INTEGER, statuses INTEGER,"
    "  verified INTEGER, protected INTEGER,"
    "  has_profile INTEGER NOT NULL DEFAULT 0,"
    "  profile_at INTEGER,"          /* observation time of the stored profile */
    "  digest INTEGER NOT NULL DEFAULT 0,"
    "  raw TEXT);"
    "CREATE UNIQUE INDEX accounts_pid ON accounts(platform, platform_id)"
    "  WHERE platform_id IS NOT NULL;"
    "CREATE INDEX accounts_uname ON accounts(platform, username_key)"
    "  WHERE username_key IS NOT NULL;"
    "CREATE TABLE posts("
    "  id INTEGER PRIMARY KEY,"
    "  platform TEXT NOT NULL,"
    "  platform_id TEXT NOT NULL,"
    "  author INTEGER NOT NULL REFERENCES accounts(id),"
    "  text TEXT, lang TEXT, source TEXT, created_at INTEGER,"
    "  reply_to_post TEXT, reply_to INTEGER REFERENCES accounts(id),"
    "  retweet_of_post TEXT, retweet_of INTEGER REFERENCES accounts(id),"
    "  quote_of_post TEXT, quote_of INTEGER REFERENCES accounts(id),"
    "  digest INTEGER NOT NULL,"
    "  raw TEXT,"
    "  UNIQUE(platform, platform_id));"
    "CREATE INDEX posts_author ON posts(author, id);"
    "CREATE TABLE post_hashtags(post INTEGER NOT NULL REFERENCES posts(id), tag TEXT NOT NULL,"
    "  PRIMARY KEY(post, tag)) WITHOUT ROWID;"
    "CREATE TABLE post_urls(post INTEGER NOT NULL REFERENCES posts(id), idx INTEGER NOT NULL,"
    "  url TEXT, expanded TEXT, domain TEXT, PRIMARY KEY(post, idx)) WITHOUT ROWID;"
    "CREATE TABLE post_media(post INTEGER NOT NULL REFERENCES posts(id), idx INTEGER NOT NULL,"
    "  media_key TEXT, type TEXT, url TEXT, PRIMARY KEY(post, idx)) WITHOUT ROWID;"
    "CREATE TABLE post_mentions(post INTEGER NOT NULL REFERENCES posts(id),"
    "  account INTEGER NOT NULL REFERENCES accounts(id), PRIMARY KEY(post, account)) WITHOUT ROWID;"
    "CREATE TABLE account_status("
    "  account INTEGER NOT NULL REFERENCES accounts(id),"
    "  status INTEGER NOT NULL, observed_at INTEGER NOT NULL, reason TEXT,"
    "  PRIMARY KEY(account, observed_at, status)) WITHOUT ROWID;"
    /* one row per (source account, kind): see src/store/adjacency.c */
    "CREATE TABLE adjacency("
    "  src INTEGER NOT NULL REFERENCES accounts(id), kind INTEGER NOT NULL,"
    "  n INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY(src, kind)) WITHOUT ROWID;"
    "CREATE TABLE edge_totals(kind INTEGER PRIMARY KEY, n INTEGER NOT NULL);"
    "CREATE TABLE ingest_runs("
    "  id INTEGER PRIMARY KEY, path TEXT NOT NULL, format TEXT NOT NULL,"
    "  size INTEGER, mtime INTEGER, fingerprint INTEGER NOT NULL,"
    "  started_at INTEGER NOT NULL, finished_at INTEGER,"
    "  state TEXT NOT NULL,"          /* running | complete | failed */
    "  next_offset INTEGER NOT NULL DEFAULT 0, next_line INTEGER NOT NULL DEFAULT 0,"
    "  records INTEGER DEFAULT 0, rejected INTEGER DEFAULT 0,"
    "  accounts_new INTEGER DEFAULT 0, accounts_updated INTEGER DEFAULT 0,"
    "  accounts_unchanged INTEGER DEFAULT 0,"
    "  posts_new INTEGER DEFAULT 0, posts_updated INTEGER DEFAULT 0,"
    "  posts_unchanged INTEGER DEFAULT 0,"
    "  statuses_new INTEGER DEFAULT 0, statuses_unchanged INTEGER DEFAULT 0,"
    "  edges_new INTEGER DEFAULT 0, edges_updated INTEGER DEFAULT 0,"
    "  edges_unchanged INTEGER DEFAULT 0);"
    "CREATE INDEX ingest_runs_fp ON ingest_runs(fingerprint, state);"
    "CREATE TABLE ingest_rejects(run INTEGER NOT NULL REFERENCES ingest_runs(id),"
    "  line INTEGER NOT NULL, field TEXT, reason TEXT NOT NULL);"
    "CREATE INDEX ingest_rejects_run ON ingest_rejects(run, line);",
    /* 1 -> 2: analyst labels, census runs and scores, the audit log */
    "CREATE TABLE labels("
    "  id INTEGER PRIMARY KEY,"
    "  account INTEGER NOT NULL REFERENCES accounts(id),"
    "  label TEXT NOT NULL, note TEXT, analyst TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL);"
    "CREATE INDEX labels_account ON labels(account, id);"
    "CREATE TABLE census_runs("
    "  id INTEGER PRIMARY KEY, started_at INTEGER NOT NULL, finished_at INTEGER,"
    "  actor TEXT, params TEXT, summary TEXT);"
    "CREATE TABLE scores("
    "  run INTEGER NOT NULL REFERENCES census_runs(id),"
    "  account INTEGER NOT NULL REFERENCES accounts(id),"
    "  score REAL NOT NULL, predicted INTEGER NOT NULL, why TEXT,"
    "  PRIMARY KEY(run, account)) WITHOUT ROWID;"
    /* tamper-evident: each entry's hash covers the previous entry's hash */
    "CREATE TABLE audit("
    "  id INTEGER PRIMARY KEY, at INTEGER NOT NULL, actor TEXT NOT NULL,"
    "  action TEXT NOT NULL, detail TEXT, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);",
    /* 2 -> 3: hash banks, their entries, match runs and matches. `version`
     * counts entry additions/removals so a persisted index can tell it is
     * stale; `entries` avoids count(*) over millions of rows. */
    "CREATE TABLE banks("
    "  id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, kind TEXT NOT NULL,"
    "  label TEXT, enabled INTEGER NOT NULL DEFAULT 1, created_at INTEGER NOT NULL,"
    "  entries INTEGER NOT NULL DEFAULT 0, version INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE bank_entries("
    "  id INTEGER PRIMARY KEY, bank INTEGER NOT NULL REFERENCES banks(id),"
    "  value TEXT NOT NULL, label TEXT, entity TEXT, content_type TEXT,"
    "  added_at INTEGER NOT NULL);"
    "CREATE UNIQUE INDEX bank_entries_value ON bank_entries(bank, value);"
    "CREATE TABLE match_runs("
    "  id INTEGER PRIMARY KEY, started_at INTEGER NOT NULL, finished_at INTEGER,"
    "  actor TEXT, params TEXT, summary TEXT);"
    "CREATE TABLE matches("
    "  id INTEGER PRIMARY KEY, run INTEGER NOT NULL REFERENCES match_runs(id),"
    "  query TEXT NOT NULL, bank INTEGER NOT NULL REFERENCES banks(id),"
    "  entry INTEGER NOT NULL, score REAL NOT NULL, at INTEGER NOT NULL);"
    "CREATE INDEX matches_run ON matches(run, id);",
    /* 3 -> 4: a post's hashtags, URLs, media and mentions move into one blob
     * (format in src/store/sqlite_posts.c; the old child tables are copied
     * into it and dropped by sq_migrate_entities). The username index goes:
     * every username lookup is served by the in-memory cache, and keeping
     * it cost a b-tree insert per account. */
    "ALTER TABLE posts ADD COLUMN entities BLOB;"
    "ALTER TABLE posts ADD COLUMN observed_at INTEGER;"
    "DROP INDEX accounts_uname;",
    /* 4 -> 5: the unique keys of accounts and posts lead with platform_id.
     * Every key of a platform shares its first column, so with (platform,
     * platform_id) each b-tree compare went past it to the generic record
     * compare; with the id first SQLite's string fast path decides almost
     * every compare (3% fewer instructions for a whole twarc2 ingest).
     * Lookups bind both columns, so they use either order. posts' key is a
     * table constraint: the table is rebuilt (no table references it since
     * migration 4). */
    "CREATE TABLE posts_v5(" POSTS_COLUMNS ","
    "  UNIQUE(platform_id, platform));"
    "INSERT INTO posts_v5" POSTS_COPY
    "DROP TABLE posts;"
    "ALTER TABLE posts_v5 RENAME TO posts;"
    "CREATE INDEX posts_author ON posts(author, id);"
    "DROP INDEX accounts_pid;"
    "CREATE UNIQUE INDEX accounts_pid ON accounts(platform_id, platform)"
    "  WHERE platform_id IS NOT NULL;",
    /* 5 -> 6: posts' unique key becomes an index of its own, posts_pid, so
     * that a first load can drop it and build it at its end like the other
     * two (deferred_indexes in sqlite.c): new posts' ids arrive in no order,
     * and a 1.45 GB load of 1.55M posts took 38% less CPU without the key
     * than with it kept row by row. The table is rebuilt as in 4 -> 5. */
    "CREATE TABLE posts_v6(" POSTS_COLUMNS ");"
    "INSERT INTO posts_v6" POSTS_COPY
    "DROP TABLE posts;"
    "ALTER TABLE posts_v6 RENAME TO posts;"
    "CREATE INDEX posts_author ON posts(author, id);"
    "CREATE UNIQUE INDEX posts_pid ON posts(platform_id, platform);",
    NULL};
