/* vigil/model.h - the records that flow from parsers to the store.
 *
 * Ownership: every vigil_str inside these records is BORROWED. A parser fills
 * a record with views into its own line buffer / JSON tree and hands it to a
 * vigil_sink callback; the views are valid only until that callback returns.
 * Whoever keeps data (the store) copies it.
 *
 * Identity: an account is identified by (platform, platform_id). When a
 * source only knows a username (CSV exports, @mentions in text), platform_id
 * is absent and the username (case-insensitive) identifies it; the store
 * merges the two when a later record carries both.
 */
#ifndef VIGIL_MODEL_H
#define VIGIL_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "vigil/buf.h"

#define VIGIL_TIME_UNKNOWN INT64_MIN /* for every *_at field */
#define VIGIL_COUNT_UNKNOWN (-1)     /* for followers/following/statuses */

typedef enum vigil_edge_kind {
  VIGIL_EDGE_FOLLOW = 0, /* src follows dst */
  VIGIL_EDGE_MENTION = 1, /* src's post mentions dst */
  VIGIL_EDGE_RETWEET = 2, /* src reposted (retweet/reblog/boost) a post by dst */
  VIGIL_EDGE_REPLY = 3,   /* src replied to dst */
  VIGIL_EDGE_QUOTE = 4,   /* src quoted a post by dst */
  VIGIL_EDGE_KIND_COUNT = 5
} vigil_edge_kind;

/* "follow", "mention", ... (static); NULL for out-of-range. */
const char *vigil_edge_kind_name(int kind);
/* Returns the kind or VIGIL_EINVAL (negative) for an unknown name. */
int vigil_edge_kind_parse(const char *name);

typedef enum vigil_account_status {
  VIGIL_STATUS_ACTIVE = 0,
  VIGIL_STATUS_SUSPENDED = 1,
  VIGIL_STATUS_DELETED = 2,
  VIGIL_STATUS_PROTECTED = 3,
  VIGIL_STATUS_DEACTIVATED = 4,
  VIGIL_STATUS_COUNT = 5
} vigil_account_status;
const char *vigil_status_name(int status);
int vigil_status_parse(const char *name); /* or VIGIL_EINVAL */

/* A reference to an account: at least one of id / username is present. */
typedef struct vigil_account_ref {
  vigil_str platform_id;
  vigil_str username; /* without the leading '@' */
} vigil_account_ref;

typedef struct vigil_account {
  vigil_str platform;    /* "twitter", "mastodon", ...; absent -> sink default */
  vigil_str platform_id; /* may be absent when only username is known */
  vigil_str username;
  vigil_str display_name;
  vigil_str description;
  vigil_str location;
  vigil_str lang;
  vigil_str url;         /* profile link (expanded when known) */
  vigil_str profile_image_url;
  int64_t created_at;    /* unix seconds */
  int64_t followers, following, statuses; /* VIGIL_COUNT_UNKNOWN if absent */
  int verified;          /* -1 unknown, 0, 1 */
  int is_protected;      /* -1 unknown, 0, 1 */
  vigil_str raw;         /* optional: source JSON/CSV row kept for audit */
  int64_t observed_at;   /* when this profile snapshot was taken (e.g. the
                            API retrieval or the post's time); unknown -> the
                            ingest's observation time. Newer snapshots win. */
} vigil_account;
void vigil_account_init(vigil_account *a); /* all absent / unknown */

typedef struct vigil_url {
  vigil_str url;      /* as written in the text (e.g. t.co) */
  vigil_str expanded; /* expanded form when the data has it */
} vigil_url;

typedef struct vigil_media_ref {
  vigil_str key;  /* platform media key / id */
  vigil_str type; /* photo, video, animated_gif, image, gifv, ... */
  vigil_str url;  /* file URL or preview URL */
} vigil_media_ref;

typedef struct vigil_post {
  vigil_str platform;
  vigil_str platform_id; /* required; CSV without ids gets a content hash */
  vigil_account_ref author;
  vigil_str text;
  vigil_str lang;
  vigil_str source;      /* client / device, e.g. "Twitter for Android" */
  int64_t created_at;
  /* references: the post id and, where known, the referenced author */
  vigil_str reply_to_post_id;
  vigil_account_ref reply_to;
  vigil_str retweet_of_post_id;
  vigil_account_ref retweet_of;
  vigil_str quote_of_post_id;
  vigil_account_ref quote_of;
  const vigil_account_ref *mentions; size_t n_mentions;
  const vigil_str *hashtags; size_t n_hashtags; /* without '#' */
  const vigil_url *urls; size_t n_urls;
  const vigil_media_ref *media; size_t n_media;
  vigil_str raw;
  /* when this version was seen; VIGIL_TIME_UNKNOWN: the ingest's observation
   * time. Of two versions of one post the store keeps the later seen (the
   * higher content digest on a tie), so ingest order never matters. */
  int64_t observed_at;
} vigil_post;
void vigil_post_init(vigil_post *p);

typedef struct vigil_status_obs {
  vigil_str platform;
  vigil_account_ref account;
  int status;            /* vigil_account_status */
  int64_t observed_at;   /* when the platform reported it */
  vigil_str reason;      /* e.g. compliance event name */
} vigil_status_obs;

/* An explicit edge (edge lists, follower listings). Interaction edges
 * (mention/retweet/reply/quote) are derived by the store from posts, so that
 * re-ingesting a post never counts its interactions twice. */
typedef struct vigil_edge {
  vigil_str platform;
  vigil_account_ref src, dst;
  int kind;              /* vigil_edge_kind */
  int64_t weight;        /* >= 1 */
  int64_t seen_at;       /* VIGIL_TIME_UNKNOWN -> the ingest's observation time */
} vigil_edge;

/* Where a record came from, for error messages and the ingest log. */
typedef struct vigil_srcpos {
  const char *file;  /* display name ("-" for stdin) */
  uint64_t line;     /* 1-based line where the record starts */
  uint64_t offset;   /* byte offset of that line in the (decompressed) input */
} vigil_srcpos;

/* The parser -> store interface. Callbacks return 0 or a VIGIL_E* code; a
 * negative return from a callback aborts the parse and is propagated.
 * `reject` reports a bad record (field may be NULL); the parser then goes on
 * with the next record unless reject returns non-zero (--strict). */
typedef struct vigil_sink {
  void *ctx;
  int (*account)(void *ctx, const vigil_srcpos *pos, const vigil_account *a);
  int (*post)(void *ctx, const vigil_srcpos *pos, const vigil_post *p);
  int (*status)(void *ctx, const vigil_srcpos *pos, const vigil_status_obs *s);
  int (*edge)(void *ctx, const vigil_srcpos *pos, const vigil_edge *e);
  int (*reject)(void *ctx, const vigil_srcpos *pos, const char *field,
                const char *reason);
  /* Called after each fully-consumed line/record boundary with the byte
   * offset of the next unread byte: the ingest driver may commit there. */
  int (*checkpoint)(void *ctx, const vigil_srcpos *next);
} vigil_sink;

/* Time helpers (UTC). Return 0 and set *out, or VIGIL_EPARSE. */
int vigil_time_parse_iso8601(vigil_str s, int64_t *out);   /* 2015-01-06T21:07:00.000Z, +hh:mm */
int vigil_time_parse_twitter(vigil_str s, int64_t *out);   /* "Wed Oct 10 20:19:24 +0000 2018" */
int vigil_time_parse_mdy(vigil_str s, int64_t *out);       /* "1/6/2015 21:07" */
int vigil_time_parse_any(vigil_str s, int64_t *out);       /* any of the above or unix seconds */
/* Formats as 2015-01-06T21:07:00Z into out (>= 21 bytes). */
void vigil_time_format(int64_t t, char out[32]);

#endif
