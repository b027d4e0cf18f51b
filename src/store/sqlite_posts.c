/* The SQLite backend's posts: upsert, the derived interaction edges, the
 * iteration used by census/report/match, and the aggregates over post
 * entities.
 *
 * A post's hashtags, URLs, media and mentions are kept in one BLOB column
 * (posts.entities) rather than four child tables: an ingested tweet then
 * costs one row instead of four or five, which halved the store's share of
 * JSON ingest, and readers get a post's entities without a join. Nothing
 * queries entities by value with SQL; the aggregates (top hashtags, top
 * domains) scan the column, as the GROUP BYs over the child tables did.
 *
 * Entities blob, format 1 (varints are LEB128; a string is varint (len + 1)
 * followed by len bytes, varint 0 meaning NULL):
 *   byte 1 (format)
 *   varint n_hashtags, n x string                 (duplicates removed)
 *   varint n_urls,     n x {string url, string expanded, string domain}
 *   varint n_media,    n x {string key, string type, string url}
 *   varint n_mentions, n x varint (account id delta, ascending, distinct)
 * A post without any entity stores NULL. Every decoder bounds every read:
 * a damaged blob is VIGIL_ECORRUPT, never a read past its end.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "store/rowhash.h"
#include "store/sqlite_impl.h"
#include "vigil/error.h"

#define ENT_FORMAT 1
#define ENT_MAX_ITEMS (1u << 20) /* per list: far above any platform's limit */

/* ---- entities blob ------------------------------------------------------------ */
static int put_varint(vigil_buf *b, uint64_t v) {
  unsigned char tmp[10];
  size_t n = 0;
  while (v >= 0x80) {
    tmp[n++] = (unsigned char)(v | 0x80);
    v >>= 7;
  }
  tmp[n++] = (unsigned char)v;
  return vigil_buf_append(b, tmp, n);
}

static int put_str(vigil_buf *b, vigil_str s) {
  if (!s.ptr) return put_varint(b, 0);
  int rc = put_varint(b, (uint64_t)s.len + 1);
  if (rc) return rc;
  return s.len ? vigil_buf_append(b, s.ptr, s.len) : 0;
}

static int get_varint(const unsigned char **p, const unsigned char *end, uint64_t *v) {
  uint64_t r = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (*p >= end) return VIGIL_ECORRUPT;
    unsigned char c = *(*p)++;
    r |= (uint64_t)(c & 0x7f) << shift;
    if (!(c & 0x80)) {
      *v = r;
      return 0;
    }
  }
  return VIGIL_ECORRUPT;
}

static int get_str(const unsigned char **p, const unsigned char *end, vigil_str *s) {
  uint64_t n;
  int rc = get_varint(p, end, &n);
  if (rc) return rc;
  if (n == 0) {
    *s = VIGIL_STR_NULL;
    return 0;
  }
  n--;
  if (n > (uint64_t)(end - *p)) return VIGIL_ECORRUPT;
  /* "" must stay non-NULL: point at the current position */
  *s = (vigil_str){(const char *)*p, (size_t)n};
  *p += n;
  return 0;
}

static int get_count(const unsigned char **p, const unsigned char *end, size_t *n) {
  uint64_t v;
  int rc = get_varint(p, end, &v);
  if (rc) return rc;
  /* each item takes at least one byte: a count beyond the bytes left is damage */
  if (v > ENT_MAX_ITEMS || v > (uint64_t)(end - *p)) return VIGIL_ECORRUPT;
  *n = (size_t)v;
  return 0;
}

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

/* host of a URL, lower-cased, without "www." (a view into buf) */
static vigil_str url_domain(vigil_str u, char *buf, size_t cap) {
  if (!u.ptr) return VIGIL_STR_NULL;
  const char *p = u.ptr, *end = u.ptr + u.len;
  const char *sep = NULL;
  for (const char *c = p; c + 2 < end; c++)
    if (c[0] == ':' && c[1] == '/' && c[2] == '/') {
      sep = c + 3;
      break;
    }
  p = sep ? sep : p;
  const char *h = p;
  while (p < end && *p != '/' && *p != '?' && *p != '#' && *p != ':') p++;
  /* user-info */
  for (const char *c = h; c < p; c++)
    if (*c == '@') h = c + 1;
  size_t n = (size_t)(p - h);
  if (n == 0 || n >= cap) return VIGIL_STR_NULL;
  for (size_t i = 0; i < n; i++) buf[i] = (char)tolower((unsigned char)h[i]);
  if (n > 4 && memcmp(buf, "www.", 4) == 0) return (vigil_str){buf + 4, n - 4};
  return (vigil_str){buf, n};
}

/* Sorts the positive account ids of a mention list and drops repeats, in
 * place; returns how many remain. A post that names someone twice is one
 * mention, in the blob and in the derived edge weight alike. */
static size_t distinct_mentions(int64_t *m, size_t n) {
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    if (m[i] > 0) m[k++] = m[i];
  qsort(m, k, sizeof *m, cmp_i64);
  size_t d = 0;
  for (size_t i = 0; i < k; i++)
    if (d == 0 || m[i] != m[d - 1]) m[d++] = m[i];
  return d;
}

/* Encodes the entities of p and the distinct, sorted mentions men[0..nm)
 * into b (cleared first); b stays empty when there are none. */
static int encode_entities(vigil_buf *b, const vigil_post *p, const int64_t *men, size_t nm) {
  vigil_buf_clear(b);
  if (!p->n_hashtags && !p->n_urls && !p->n_media && !nm) return 0;
  if (p->n_hashtags > ENT_MAX_ITEMS || p->n_urls > ENT_MAX_ITEMS ||
      p->n_media > ENT_MAX_ITEMS || nm > ENT_MAX_ITEMS)
    return VIGIL_ETOOBIG;
  int rc = vigil_buf_putc(b, ENT_FORMAT);
  /* hashtags: drop exact repeats (posts have a handful, so quadratic is fine
   * up to a bound; beyond it repeats are kept rather than spending n^2) */
  size_t nh = 0;
  for (size_t i = 0; i < p->n_hashtags; i++) {
    int dup = 0;
    for (size_t j = 0; j < i && j < 64 && !dup; j++) dup = vigil_str_eq(p->hashtags[i], p->hashtags[j]);
    nh += !dup;
  }
  if (!rc) rc = put_varint(b, nh);
  for (size_t i = 0; i < p->n_hashtags && !rc; i++) {
    int dup = 0;
    for (size_t j = 0; j < i && j < 64 && !dup; j++) dup = vigil_str_eq(p->hashtags[i], p->hashtags[j]);
    if (!dup) rc = put_str(b, p->hashtags[i]);
  }
  if (!rc) rc = put_varint(b, p->n_urls);
  for (size_t i = 0; i < p->n_urls && !rc; i++) {
    char dom[256];
    const vigil_url *u = &p->urls[i];
    rc = put_str(b, u->url);
    if (!rc) rc = put_str(b, u->expanded);
    if (!rc) rc = put_str(b, url_domain(u->expanded.ptr ? u->expanded : u->url, dom, sizeof dom));
  }
  if (!rc) rc = put_varint(b, p->n_media);
  for (size_t i = 0; i < p->n_media && !rc; i++) {
    rc = put_str(b, p->media[i].key);
    if (!rc) rc = put_str(b, p->media[i].type);
    if (!rc) rc = put_str(b, p->media[i].url);
  }
  if (!rc) rc = put_varint(b, nm);
  int64_t prev = 0;
  for (size_t i = 0; i < nm && !rc; i++) {
    rc = put_varint(b, (uint64_t)(men[i] - prev));
    prev = men[i];
  }
  return rc;
}

int sq_entities_decode(const unsigned char *p, size_t len, sq_entities *e) {
  const unsigned char *end = p + len;
  e->n_hashtags = e->n_urls = e->n_media = e->n_mentions = 0;
  if (!p || !len) return 0;
  if (*p++ != ENT_FORMAT) return VIGIL_ECORRUPT;
  size_t n;
  int rc = get_count(&p, end, &n);
  if (rc) return rc;
  if (n > e->cap_hashtags) {
    vigil_str *v = realloc(e->hashtags, n * sizeof *v);
    if (!v) return VIGIL_ENOMEM;
    e->hashtags = v, e->cap_hashtags = n;
  }
  for (size_t i = 0; i < n; i++)
    if ((rc = get_str(&p, end, &e->hashtags[i]))) return rc;
  e->n_hashtags = n;
  if ((rc = get_count(&p, end, &n))) return rc;
  if (n > e->cap_urls) {
    vigil_str *v = realloc(e->urls, 3 * n * sizeof *v);
    if (!v) return VIGIL_ENOMEM;
    e->urls = v, e->cap_urls = n;
  }
  for (size_t i = 0; i < 3 * n; i++)
    if ((rc = get_str(&p, end, &e->urls[i]))) return rc;
  e->n_urls = n;
  if ((rc = get_count(&p, end, &n))) return rc;
  if (n > e->cap_media) {
    vigil_str *v = realloc(e->media, 3 * n * sizeof *v);
    if (!v) return VIGIL_ENOMEM;
    e->media = v, e->cap_media = n;
  }
  for (size_t i = 0; i < 3 * n; i++)
    if ((rc = get_str(&p, end, &e->media[i]))) return rc;
  e->n_media = n;
  if ((rc = get_count(&p, end, &n))) return rc;
  if (n > e->cap_mentions) {
    int64_t *v = realloc(e->mentions, n * sizeof *v);
    if (!v) return VIGIL_ENOMEM;
    e->mentions = v, e->cap_mentions = n;
  }
  uint64_t acc = 0;
  for (size_t i = 0; i < n; i++) {
    uint64_t d;
    if ((rc = get_varint(&p, end, &d))) return rc;
    if (d > (uint64_t)INT64_MAX - acc) return VIGIL_ECORRUPT;
    acc += d;
    e->mentions[i] = (int64_t)acc;
  }
  e->n_mentions = n;
  return p == end ? 0 : VIGIL_ECORRUPT;
}

void sq_entities_release(sq_entities *e) {
  free(e->hashtags), free(e->urls), free(e->media), free(e->mentions);
  memset(e, 0, sizeof *e);
}

/* ---- upsert -------------------------------------------------------------------- */
static uint64_t post_digest(const vigil_post *p, const vigil_post_refs *r) {
  vigil_rowhash h;
  vigil_rowhash_init(&h);
  vigil_rowhash_str(&h, p->text);
  vigil_rowhash_str(&h, p->lang);
  vigil_rowhash_str(&h, p->source);
  vigil_rowhash_str(&h, p->reply_to_post_id);
  vigil_rowhash_str(&h, p->retweet_of_post_id);
  vigil_rowhash_str(&h, p->quote_of_post_id);
  for (size_t i = 0; i < p->n_hashtags; i++) vigil_rowhash_str(&h, p->hashtags[i]);
  for (size_t i = 0; i < p->n_urls; i++) {
    vigil_rowhash_str(&h, p->urls[i].url);
    vigil_rowhash_str(&h, p->urls[i].expanded);
  }
  for (size_t i = 0; i < p->n_media; i++) {
    vigil_rowhash_str(&h, p->media[i].key);
    vigil_rowhash_str(&h, p->media[i].type);
    vigil_rowhash_str(&h, p->media[i].url);
  }
  int64_t nums[] = {p->created_at, r->author, r->reply_to, r->retweet_of, r->quote_of,
                    (int64_t)r->n_mentions};
  vigil_rowhash_add(&h, nums, sizeof nums);
  vigil_rowhash_add(&h, r->mentions, r->n_mentions * sizeof *r->mentions);
  return vigil_rowhash_final(&h);
}

/* Adds (sign +1) or removes (-1) the interaction edges a post implies. */
static int post_edges(sq_store *q, int sign, int64_t author, int64_t reply_to, int64_t retweet_of,
                      int64_t quote_of, const int64_t *mentions, size_t n_mentions,
                      int64_t at) {
  int rc = 0;
  if (at == VIGIL_TIME_UNKNOWN) at = 0;
  struct {
    int kind;
    int64_t dst;
  } refs[] = {{VIGIL_EDGE_REPLY, reply_to},
              {VIGIL_EDGE_RETWEET, retweet_of},
              {VIGIL_EDGE_QUOTE, quote_of}};
  for (size_t i = 0; i < 3 && !rc; i++)
    if (refs[i].dst > 0 && refs[i].dst != author)
      rc = sq_edges_put(q, refs[i].kind, SQ_ADD, author, refs[i].dst, sign, at, at);
  for (size_t i = 0; i < n_mentions && !rc; i++)
    if (mentions[i] > 0 && mentions[i] != author)
      rc = sq_edges_put(q, VIGIL_EDGE_MENTION, SQ_ADD, author, mentions[i], sign, at, at);
  return rc;
}

/* The edges the stored version of post id implied are taken back before an
 * edited version adds its own. */
static int remove_old_edges(sq_store *q, int64_t id) {
  sqlite3_stmt *st = q->st_post_old_refs;
  sqlite3_bind_int64(st, 1, id);
  int rc = sqlite3_step(st);
  if (rc != SQLITE_ROW) {
    sqlite3_reset(st);
    return sq_fail(q, rc, "reading post");
  }
  int64_t author = sqlite3_column_int64(st, 0), reply = sqlite3_column_int64(st, 1),
          rt = sqlite3_column_int64(st, 2), quote = sqlite3_column_int64(st, 3),
          at = sqlite3_column_type(st, 4) == SQLITE_NULL ? 0 : sqlite3_column_int64(st, 4);
  sq_entities e = {0};
  rc = sq_entities_decode(sqlite3_column_blob(st, 5), (size_t)sqlite3_column_bytes(st, 5), &e);
  sqlite3_reset(st);
  if (rc == VIGIL_ECORRUPT) {
    snprintf(q->base.errmsg, sizeof q->base.errmsg, "post %lld: damaged entities",
             (long long)id);
  }
  if (!rc) rc = post_edges(q, -1, author, reply, rt, quote, e.mentions, e.n_mentions, at);
  sq_entities_release(&e);
  return rc;
}

static int upsert_row(sq_store *q, const vigil_post *p, const vigil_post_refs *r,
                      uint64_t digest, const int64_t *men, size_t nm, int64_t *id,
                      vigil_change *change);

static void bind_post(sqlite3_stmt *st, const vigil_post *p, const vigil_post_refs *r,
                      uint64_t digest, const vigil_buf *ent) {
  sqlite3_bind_int64(st, 3, r->author);
  bind_str(st, 4, p->text);
  bind_str(st, 5, p->lang);
  bind_str(st, 6, p->source);
  bind_opt_int(st, 7, p->created_at, VIGIL_TIME_UNKNOWN);
  bind_str(st, 8, p->reply_to_post_id);
  bind_opt_int(st, 9, r->reply_to, 0);
  bind_str(st, 10, p->retweet_of_post_id);
  bind_opt_int(st, 11, r->retweet_of, 0);
  bind_str(st, 12, p->quote_of_post_id);
  bind_opt_int(st, 13, r->quote_of, 0);
  sqlite3_bind_int64(st, 14, (int64_t)digest);
  bind_str(st, 15, p->raw);
  if (ent->len) sqlite3_bind_blob(st, 16, ent->data, (int)ent->len, SQLITE_STATIC);
  else sqlite3_bind_null(st, 16);
  bind_opt_int(st, 17, p->observed_at, VIGIL_TIME_UNKNOWN);
}

int sq_post_upsert(vigil_store *s, const vigil_post *p, const vigil_post_refs *r, int64_t *id,
                   vigil_change *change) {
  SQ_WAIT((sq_store *)s);
  sq_store *q = (sq_store *)s;
  if (!q->in_txn) return VIGIL_ESTATE;
  if (!p->platform_id.ptr || !p->platform_id.len || r->author <= 0) return VIGIL_EMISSING;
  if (r->n_mentions > ENT_MAX_ITEMS) return VIGIL_ETOOBIG;
  int rc = sq_stubs_flush(q);
  if (rc) return rc;
  uint64_t digest = post_digest(p, r);
  int64_t small[64], *men = small;
  if (r->n_mentions > sizeof small / sizeof small[0] &&
      !(men = malloc(r->n_mentions * sizeof *men)))
    return VIGIL_ENOMEM;
  if (r->n_mentions) memcpy(men, r->mentions, r->n_mentions * sizeof *men);
  size_t nm = distinct_mentions(men, r->n_mentions);
  rc = upsert_row(q, p, r, digest, men, nm, id, change);
  if (!rc && *change != VIGIL_UNCHANGED)
    rc = post_edges(q, +1, r->author, r->reply_to, r->retweet_of, r->quote_of, men, nm,
                    p->created_at);
  if (men != small) free(men);
  return rc;
}

/* The stored row of an existing post: from the cache of posts this handle
 * inserted, else by its platform id. */
static int find_row(sq_store *q, const vigil_post *p, int64_t *found, uint64_t *old_digest,
                    int64_t *old_seen) {
  sqlite3_stmt *st = q->st_post_find;
  bind_str(st, 1, p->platform);
  bind_str(st, 2, p->platform_id);
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    *found = sqlite3_column_int64(st, 0);
    *old_digest = (uint64_t)sqlite3_column_int64(st, 1);
    *old_seen = sqlite3_column_type(st, 2) == SQLITE_NULL ? VIGIL_TIME_UNKNOWN
                                                          : sqlite3_column_int64(st, 2);
  }
  sqlite3_reset(st);
  if (rc != SQLITE_ROW) return sq_fail(q, rc == SQLITE_DONE ? SQLITE_CORRUPT : rc, "finding post");
  return 0;
}

/* Inserts the post, or updates it when its content changed. The entities
 * blob is encoded only then: a post seen again unchanged (29% of the
 * records of the twarc2 bench file) needs only its digest. */
static int upsert_row(sq_store *q, const vigil_post *p, const vigil_post_refs *r,
                      uint64_t digest, const int64_t *men, size_t nm, int64_t *id,
                      vigil_change *change) {
  vigil_buf *ent = &q->entities_buf;
  int encoded = 0; /* ent holds this post's blob */
  int rc;
  sqlite3_stmt *st;
  int64_t found, old_seen;
  uint64_t old_digest;
  if (!sq_post_cache_get(q, p->platform, p->platform_id, &found, &old_digest, &old_seen)) {
    /* Insert first: in a bulk load nearly every post is new, and the
     * insert finds a conflict with the same index seek a lookup would cost.
     * A first load that dropped posts_pid has every stored post in the
     * cache, so this one is new; once that no longer holds, the key must
     * be back before anything is inserted. */
    if (!q->posts_all_cached && (rc = sq_posts_pid_restore(q))) return rc;
    st = q->st_post_insert;
    bind_str(st, 1, p->platform);
    bind_str(st, 2, p->platform_id);
    if ((rc = encode_entities(ent, p, men, nm))) return rc;
    encoded = 1;
    bind_post(st, p, r, digest, ent);
    if ((rc = sq_step_bound(q, st, "inserting post"))) return rc;
    if (sqlite3_changes(q->db) == 1) {
      *id = sqlite3_last_insert_rowid(q->db);
      *change = VIGIL_NEW;
      return sq_post_cache_put(q, p->platform, p->platform_id, *id, digest, p->observed_at);
    }
    if ((rc = find_row(q, p, &found, &old_digest, &old_seen))) return rc;
  }
  *id = found;
  /* Keep the later-seen version, the higher digest on a tie: the result is
   * then the same whatever order the versions arrive in, and ingesting a
   * file again changes nothing. (twarc2 pages carry one tweet in several
   * shapes, e.g. with and without unwound URLs.) A caller that gives no
   * time replaces what is stored. */
  int64_t seen = p->observed_at;
  if (old_digest == digest ||
      (seen != VIGIL_TIME_UNKNOWN && old_seen != VIGIL_TIME_UNKNOWN &&
       (seen < old_seen || (seen == old_seen && digest < old_digest)))) {
    *change = VIGIL_UNCHANGED;
    return 0;
  }
  /* same post seen with other content (edited, or first seen only as a
   * reference): replace it and move its edges to the new references */
  if ((rc = remove_old_edges(q, found))) return rc;
  st = q->st_post_update;
  if (!encoded && (rc = encode_entities(ent, p, men, nm))) return rc;
  sqlite3_bind_int64(st, 1, found);
  bind_post(st, p, r, digest, ent);
  if ((rc = sq_step_bound(q, st, "updating post"))) return rc;
  *change = VIGIL_UPDATED;
  /* refreshes the entry if the row is cached, else leaves it out */
  return sq_post_cache_put(q, p->platform, p->platform_id, found, digest, seen);
}

/* ---- reading ------------------------------------------------------------------- */
int sq_each_post(vigil_store *s, int (*cb)(void *ctx, const vigil_post_row *row), void *ctx) {
  SQ_WAIT((sq_store *)s);
  sq_store *q = (sq_store *)s;
  sqlite3_stmt *st;
  int rc = sq_prepare(q, &st,
                      "SELECT id, author, platform_id, text, lang, source, created_at,"
                      " coalesce(reply_to,0), coalesce(retweet_of,0), coalesce(quote_of,0),"
                      " entities FROM posts ORDER BY author, id");
  if (rc) return rc;
  sq_entities e = {0};
  vigil_str *urls = NULL, *domains = NULL;
  size_t ucap = 0;
  while (!rc && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    rc = 0;
    vigil_post_row row;
    memset(&row, 0, sizeof row);
    row.id = sqlite3_column_int64(st, 0);
    row.author = sqlite3_column_int64(st, 1);
    row.platform_id = col_str(st, 2);
    row.text = col_str(st, 3);
    row.lang = col_str(st, 4);
    row.source = col_str(st, 5);
    row.created_at = sqlite3_column_type(st, 6) == SQLITE_NULL ? VIGIL_TIME_UNKNOWN
                                                              : sqlite3_column_int64(st, 6);
    row.reply_to = sqlite3_column_int64(st, 7);
    row.retweet_of = sqlite3_column_int64(st, 8);
    row.quote_of = sqlite3_column_int64(st, 9);
    if ((rc = sq_entities_decode(sqlite3_column_blob(st, 10),
                                 (size_t)sqlite3_column_bytes(st, 10), &e))) {
      if (rc == VIGIL_ECORRUPT)
        snprintf(q->base.errmsg, sizeof q->base.errmsg, "post %lld: damaged entities",
                 (long long)row.id);
      break;
    }
    if (e.n_urls > ucap) {
      vigil_str *a = realloc(urls, e.n_urls * sizeof *a);
      if (a) urls = a;
      vigil_str *b = a ? realloc(domains, e.n_urls * sizeof *b) : NULL;
      if (!a || !b) {
        rc = VIGIL_ENOMEM;
        break;
      }
      domains = b, ucap = e.n_urls;
    }
    for (size_t i = 0; i < e.n_urls; i++) {
      const vigil_str *u = &e.urls[3 * i];
      vigil_str v = u[1].ptr ? u[1] : u[0];
      urls[i] = v.ptr ? v : vigil_str_c("");
      domains[i] = u[2].ptr ? u[2] : vigil_str_c("");
    }
    row.hashtags = e.hashtags, row.n_hashtags = e.n_hashtags;
    row.urls = urls, row.url_domains = domains, row.n_urls = e.n_urls;
    rc = cb(ctx, &row);
  }
  if (rc == SQLITE_DONE) rc = 0;
  else if (rc > 0) rc = sq_fail(q, rc, "reading posts");
  sqlite3_finalize(st);
  sq_entities_release(&e);
  free(urls), free(domains);
  return rc;
}

int sq_each_post_media(vigil_store *s, int (*cb)(void *, vigil_str, vigil_str, vigil_str),
                       void *ctx) {
  SQ_WAIT((sq_store *)s);
  sq_store *q = (sq_store *)s;
  sqlite3_stmt *st;
  int rc = sq_prepare(q, &st,
                      "SELECT platform_id, entities FROM posts WHERE entities IS NOT NULL"
                      " ORDER BY id");
  if (rc) return rc;
  sq_entities e = {0};
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    int64_t n = sqlite3_column_bytes(st, 1);
    rc = sq_entities_decode(sqlite3_column_blob(st, 1), (size_t)n, &e);
    for (size_t i = 0; !rc && i < e.n_media; i++)
      rc = cb(ctx, col_str(st, 0), e.media[3 * i + 1], e.media[3 * i + 2]);
    if (rc) break;
  }
  sqlite3_finalize(st);
  sq_entities_release(&e);
  if (rc == SQLITE_DONE) return 0;
  return rc > 0 ? sq_fail(q, rc, "reading post media") : rc;
}

typedef struct top_item {
  size_t off, len; /* into the key arena */
  uint64_t count;
} top_item;

static int top_cmp(const void *a, const void *b, void *keys) {
  const top_item *x = a, *y = b;
  const char *top_keys = keys;
  if (x->count != y->count) return x->count > y->count ? -1 : 1;
  size_t n = x->len < y->len ? x->len : y->len;
  int c = memcmp(top_keys + x->off, top_keys + y->off, n);
  if (c) return c;
  return (x->len > y->len) - (x->len < y->len);
}

/* Counts hashtags (domains = 0) or URL domains over all posts and reports
 * the `limit` most frequent (limit < 0: all), ties in value order. */
int sq_top_entities(sq_store *q, int domains, int limit,
                    int (*cb)(void *ctx, vigil_str value, uint64_t count), void *ctx) {
  sqlite3_stmt *st;
  int rc = sq_prepare(q, &st, "SELECT entities FROM posts WHERE entities IS NOT NULL");
  if (rc) return rc;
  vigil_strmap index = VIGIL_STRMAP_INIT; /* value -> item number + 1 */
  vigil_buf keys;
  vigil_buf_init(&keys);
  top_item *items = NULL;
  size_t n = 0, cap = 0;
  sq_entities e = {0};
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    rc = sq_entities_decode(sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0),
                            &e);
    size_t m = domains ? e.n_urls : e.n_hashtags;
    for (size_t i = 0; !rc && i < m; i++) {
      vigil_str v = domains ? e.urls[3 * i + 2] : e.hashtags[i];
      if (!v.ptr || !v.len) continue;
      vigil_strmap_val *val;
      int added = vigil_strmap_put(&index, v.ptr, v.len, &val);
      if (added < 0) {
        rc = added;
      } else if (added) {
        if (n == cap) {
          size_t nc = cap ? cap * 2 : 256;
          top_item *t = realloc(items, nc * sizeof *t);
          if (!t) {
            rc = VIGIL_ENOMEM;
            break;
          }
          items = t, cap = nc;
        }
        items[n] = (top_item){keys.len, v.len, 1};
        val->a = (int64_t)++n;
        rc = vigil_buf_append(&keys, v.ptr, v.len);
      } else {
        items[val->a - 1].count++;
      }
    }
    if (rc) break;
  }
  sqlite3_finalize(st);
  sq_entities_release(&e);
  vigil_strmap_release(&index);
  if (rc == SQLITE_DONE) rc = 0;
  else if (rc > 0) rc = sq_fail(q, rc, "counting post entities");
  if (!rc && n) {
    qsort_r(items, n, sizeof *items, top_cmp, keys.data);
    for (size_t i = 0; i < n && (limit < 0 || i < (size_t)limit) && !rc; i++)
      rc = cb(ctx, (vigil_str){keys.data + items[i].off, items[i].len}, items[i].count);
  }
  free(items);
  vigil_buf_release(&keys);
  return rc;
}

/* ---- migration 3 -> 4: child tables into posts.entities --------------------------- */
static int collect_strs(sq_store *q, const char *sql, int64_t post, int ncols, vigil_buf *text,
                        size_t **offs, size_t *n, size_t *cap) {
  sqlite3_stmt *st;
  int rc = sq_prepare(q, &st, sql);
  if (rc) return rc;
  sqlite3_bind_int64(st, 1, post);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    rc = 0;
    for (int c = 0; c < ncols && !rc; c++) {
      if (*n + 2 > *cap) {
        size_t nc = *cap ? *cap * 2 : 64;
        size_t *o = realloc(*offs, nc * sizeof *o);
        if (!o) {
          rc = VIGIL_ENOMEM;
          break;
        }
        *offs = o, *cap = nc;
      }
      vigil_str v = col_str(st, c);
      /* (offset, length + 1) pairs; length 0 = NULL */
      (*offs)[(*n)++] = text->len;
      (*offs)[(*n)++] = v.ptr ? v.len + 1 : 0;
      if (v.ptr && v.len) rc = vigil_buf_append(text, v.ptr, v.len);
    }
    if (rc) break;
  }
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? 0 : (rc > 0 ? sq_fail(q, rc, "migrating post details") : rc);
}

int sq_migrate_entities(sq_store *q) {
  sqlite3_stmt *ids, *upd;
  int rc = sq_prepare(q, &ids,
                      "SELECT post FROM post_hashtags UNION SELECT post FROM post_urls"
                      " UNION SELECT post FROM post_media UNION SELECT post FROM post_mentions");
  if (rc) return rc;
  if ((rc = sq_prepare(q, &upd, "UPDATE posts SET entities=?2 WHERE id=?1"))) {
    sqlite3_finalize(ids);
    return rc;
  }
  vigil_buf text, blob;
  vigil_buf_init(&text), vigil_buf_init(&blob);
  size_t *offs = NULL, n = 0, cap = 0;
  int64_t *men = NULL;
  size_t men_cap = 0;
  while ((rc = sqlite3_step(ids)) == SQLITE_ROW) {
    int64_t post = sqlite3_column_int64(ids, 0);
    size_t at[5];
    vigil_buf_clear(&text);
    n = 0;
    static const struct {
      const char *sql;
      int cols;
    } parts[] = {
        {"SELECT tag FROM post_hashtags WHERE post=?1 ORDER BY tag", 1},
        {"SELECT url, expanded FROM post_urls WHERE post=?1 ORDER BY idx", 2},
        {"SELECT media_key, type, url FROM post_media WHERE post=?1 ORDER BY idx", 3},
        {"SELECT account FROM post_mentions WHERE post=?1 ORDER BY account", 1},
    };
    rc = 0;
    for (size_t k = 0; k < 4 && !rc; k++) {
      at[k] = n;
      rc = collect_strs(q, parts[k].sql, post, parts[k].cols, &text, &offs, &n, &cap);
    }
    at[4] = n;
    if (rc) break;
#define STR_AT(i) \
  (offs[(i) + 1] ? (vigil_str){text.data + offs[i], offs[(i) + 1] - 1} : VIGIL_STR_NULL)
    size_t nh = (at[1] - at[0]) / 2, nu = (at[2] - at[1]) / 4, nmd = (at[3] - at[2]) / 6,
           nmen = (at[4] - at[3]) / 2;
    vigil_str *h = calloc(nh + 1, sizeof *h);
    vigil_url *u = calloc(nu + 1, sizeof *u);
    vigil_media_ref *m = calloc(nmd + 1, sizeof *m);
    if (nmen + 1 > men_cap) {
      int64_t *x = realloc(men, (nmen + 1) * 2 * sizeof *x);
      if (x) men = x, men_cap = (nmen + 1) * 2;
    }
    if (!h || !u || !m || men_cap < nmen + 1) rc = VIGIL_ENOMEM;
    for (size_t i = 0; !rc && i < nh; i++) h[i] = STR_AT(at[0] + 2 * i);
    for (size_t i = 0; !rc && i < nu; i++)
      u[i].url = STR_AT(at[1] + 4 * i), u[i].expanded = STR_AT(at[1] + 4 * i + 2);
    for (size_t i = 0; !rc && i < nmd; i++) {
      m[i].key = STR_AT(at[2] + 6 * i);
      m[i].type = STR_AT(at[2] + 6 * i + 2);
      m[i].url = STR_AT(at[2] + 6 * i + 4);
    }
    for (size_t i = 0; !rc && i < nmen; i++) {
      vigil_str v = STR_AT(at[3] + 2 * i);
      men[i] = v.ptr ? strtoll(v.ptr, NULL, 10) : 0;
    }
#undef STR_AT
    if (!rc) {
      vigil_post p;
      vigil_post_init(&p);
      p.hashtags = h, p.n_hashtags = nh, p.urls = u, p.n_urls = nu, p.media = m,
      p.n_media = nmd;
      rc = encode_entities(&blob, &p, men, distinct_mentions(men, nmen));
    }
    free(h), free(u), free(m);
    if (rc) break;
    sqlite3_bind_int64(upd, 1, post);
    if (blob.len) sqlite3_bind_blob(upd, 2, blob.data, (int)blob.len, SQLITE_STATIC);
    else sqlite3_bind_null(upd, 2);
    if ((rc = sq_step_done(q, upd, "migrating post details"))) break;
  }
  if (rc == SQLITE_DONE) rc = 0;
  else if (rc > 0) rc = sq_fail(q, rc, "migrating post details");
  sqlite3_finalize(ids), sqlite3_finalize(upd);
  vigil_buf_release(&text), vigil_buf_release(&blob);
  free(offs), free(men);
  if (!rc)
    rc = sq_exec(q, "DROP TABLE post_hashtags; DROP TABLE post_urls; DROP TABLE post_media;"
                    " DROP TABLE post_mentions;");
  return rc;
}
