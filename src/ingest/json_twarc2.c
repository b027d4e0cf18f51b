/* twarc2 / Twitter API v2 JSON lines.
 *
 * A line is one of:
 *  - a response page {"data": [...] | {...}, "includes": {...}, "errors": [...],
 *    "meta": ..., "__twarc": {"url", "retrieved_at", ...}} whose data are
 *    tweets, users (lookups and follower/following listings), counts or
 *    lists (the last two carry no accounts or posts and are skipped);
 *  - a flattened tweet (twarc2 flatten): "author", "in_reply_to_user",
 *    expanded mentions and the referenced tweets are inline;
 *  - a flattened user (flattened user listing);
 *  - a compliance event: batch {"id","action","created_at","reason"} or
 *    stream {"data": {"user_suspend": {...}}};
 *  - an API error line ({"errors": [...]} or {"title", "detail"}).
 *
 * Accounts are emitted before the posts of the same line. Errors of the form
 * "User has been suspended" become SUSPENDED status observations and "Could
 * not find user" DELETED ones (the API cannot tell deletion from
 * deactivation). Batch compliance files look the same for tweets and users;
 * a file whose name contains "tweet", or an event with "redacted_at", is
 * taken as tweet compliance, which names no account and is skipped.
 */
#include <stdlib.h>
#include <ctype.h>
#include <string.h>

#include "ingest/json_common.h"
#include "vigil/error.h"

/* ---- per-page id indexes ------------------------------------------------------ */

typedef struct idx_ent {
  const char *key;
  size_t len;
  const vjt_node *val;
  vigil_str aux; /* users: username; tweets: author_id */
} idx_ent;

typedef struct idx {
  idx_ent *e;
  size_t cap; /* power of two, or 0 */
  int fold;   /* keys are usernames: their case does not matter */
} idx;

/* FNV-1a, over the lower-cased bytes for a folding index */
static uint64_t idx_hash(const idx *x, const char *s, size_t n) {
  uint64_t h = 1469598103934665603ULL;
  if (x->fold)
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)tolower((unsigned char)s[i])) * 1099511628211ULL;
  else
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
  return h;
}

static int idx_eq(const idx *x, const idx_ent *e, vigil_str k) {
  if (e->len != k.len) return 0;
  if (!x->fold) return memcmp(e->key, k.ptr, k.len) == 0;
  for (size_t i = 0; i < k.len; i++)
    if (tolower((unsigned char)e->key[i]) != tolower((unsigned char)k.ptr[i])) return 0;
  return 1;
}

static int idx_alloc(vj *j, idx *x, const vjt_node *arr, int fold) {
  x->e = NULL;
  x->cap = 0;
  x->fold = fold;
  size_t n = arr ? arr->len : 0;
  if (n == 0) return 0;
  size_t cap = 16;
  while (cap < n * 2) cap *= 2;
  x->e = vj_alloc(j, cap * sizeof *x->e);
  if (!x->e) return VIGIL_ENOMEM;
  memset(x->e, 0, cap * sizeof *x->e);
  x->cap = cap;
  return 0;
}

/* First entry for a key wins (as the API never repeats an id in a page). */
static void idx_put(idx *x, vigil_str k, const vjt_node *val, vigil_str aux) {
  if (!x->cap || !k.ptr) return;
  size_t i = (size_t)idx_hash(x, k.ptr, k.len) & (x->cap - 1);
  while (x->e[i].key) {
    if (idx_eq(x, &x->e[i], k)) return;
    i = (i + 1) & (x->cap - 1);
  }
  x->e[i] = (idx_ent){k.ptr, k.len, val, aux};
}

/* Indexes the objects of `arr` by their string field `key`, keeping their
 * string field `auxkey` (if any) at hand for resolution. */
static int idx_build(vj *j, idx *x, const vjt_node *arr, const char *key, const char *auxkey) {
  int rc = idx_alloc(j, x, arr, 0);
  if (rc || !x->cap) return rc;
  for (const vjt_node *c = vjt_child(arr); c; c = c->next) {
    const char *keys[2] = {key, auxkey ? auxkey : key};
    const vjt_node *f[2];
    vj_collect(c, keys, auxkey ? 2 : 1, f);
    vigil_str aux = auxkey ? vj_sv(f[1]) : VIGIL_STR_NULL;
    if (aux.ptr && (aux.len == 0 || aux.len > j->max_field)) aux = VIGIL_STR_NULL;
    idx_put(x, vj_sv(f[0]), c, aux);
  }
  return 0;
}

static const idx_ent *idx_get(const idx *x, vigil_str k) {
  if (!x->cap || !k.ptr) return NULL;
  size_t i = (size_t)idx_hash(x, k.ptr, k.len) & (x->cap - 1);
  while (x->e[i].key) {
    if (idx_eq(x, &x->e[i], k)) return &x->e[i];
    i = (i + 1) & (x->cap - 1);
  }
  return NULL;
}

static const vjt_node *idx_find(const idx *x, vigil_str k) {
  const idx_ent *e = idx_get(x, k);
  return e ? e->val : NULL;
}

static vigil_str idx_aux(const idx *x, vigil_str k) {
  const idx_ent *e = idx_get(x, k);
  return e ? e->aux : VIGIL_STR_NULL;
}

typedef struct t2 {
  idx users, tweets, media;
  /* includes.users by username (any case) -> id: a mention that came without
   * its id (older API output) is the user of that name in the same response,
   * which stays true on every re-ingest; resolving it by name in the store
   * instead gives the newest account holding the name, which changes as
   * more files come in */
  idx unames;
  vigil_str listing_target; /* follower/following listing target id */
  int listing_followers;    /* 1 followers (user -> target), 0 following */
  int64_t retrieved_at;
  int tweet_compliance;     /* input named like a tweets compliance file */
} t2;

/* A string value we only borrow for resolution (no fault if odd). */
static vigil_str peek_str(vj *j, const vjt_node *obj, const char *key) {
  vigil_str s = vj_sv(vj_get(obj, key));
  if (s.ptr && (s.len == 0 || s.len > j->max_field)) return VIGIL_STR_NULL;
  return s;
}

/* ---- users ------------------------------------------------------------------------ */

/* Emits a v2 user object (path already pushed). *id_out gets its id when
 * the account was emitted. */
static int emit_user(vj *j, const vjt_node *u, vigil_str *id_out, vigil_str *name_out) {
  if (id_out) *id_out = VIGIL_STR_NULL;
  if (name_out) *name_out = VIGIL_STR_NULL;
  vj_record_begin(j);
  if (!vj_is_object(u)) {
    vj_fail(j, NULL, "expected an object");
    return vj_reject_record(j), j->rc;
  }
  enum { U_ID, U_USERNAME, U_NAME, U_DESC, U_LOC, U_CREATED, U_VERIFIED, U_PROTECTED,
         U_IMG, U_URL, U_PM, U_ENT, U_N };
  static const char *const keys[U_N] = {
      "id", "username", "name", "description", "location", "created_at", "verified",
      "protected", "profile_image_url", "url", "public_metrics", "entities"};
  const vjt_node *f[U_N];
  vj_collect(u, keys, U_N, f);
  vigil_account a;
  vigil_account_init(&a);
  a.platform = j->platform;
  vj_id_v(j, "id", f[U_ID], &a.platform_id);
  vj_str_v(j, "username", f[U_USERNAME], &a.username);
  vj_str_v(j, "name", f[U_NAME], &a.display_name);
  vj_str_v(j, "description", f[U_DESC], &a.description);
  vj_str_v(j, "location", f[U_LOC], &a.location);
  vj_time_v(j, "created_at", f[U_CREATED], &a.created_at);
  vj_bool_v(j, "verified", f[U_VERIFIED], &a.verified);
  vj_bool_v(j, "protected", f[U_PROTECTED], &a.is_protected);
  vj_str_ne_v(j, "profile_image_url", f[U_IMG], &a.profile_image_url);
  vj_str_ne_v(j, "url", f[U_URL], &a.url);
  size_t m = vj_mark(j);
  const vjt_node *pm;
  if (!vj_obj_v(j, "public_metrics", f[U_PM], &pm) && pm) {
    vj_push_key(j, "public_metrics");
    static const char *const pk[3] = {"followers_count", "following_count", "tweet_count"};
    const vjt_node *g[3];
    vj_collect(pm, pk, 3, g);
    vj_i64_v(j, "followers_count", g[0], &a.followers);
    vj_i64_v(j, "following_count", g[1], &a.following);
    vj_i64_v(j, "tweet_count", g[2], &a.statuses);
    vj_reset_path(j, m);
  }
  /* the profile link as the user typed it, not its t.co wrapper */
  const vjt_node *urls = vj_get(vj_get(f[U_ENT], "url"), "urls");
  if (urls && vj_is_array(urls) && vjt_child(urls)) {
    vigil_str x = peek_str(j, vjt_child(urls), "unwound_url");
    if (!x.ptr) x = peek_str(j, vjt_child(urls), "expanded_url");
    if (x.ptr) a.url = x;
  }
  if (!a.platform_id.ptr && !j->bad) vj_fail(j, "id", "required field missing");
  if (j->bad) return vj_reject_record(j), j->rc;
  if (id_out) *id_out = a.platform_id;
  if (name_out && a.username.ptr && a.username.len) *name_out = a.username;
  return vj_emit_account(j, &a);
}

/* ---- tweets ----------------------------------------------------------------------- */

static void resolve_author(vj *j, t2 *st, const vjt_node *tw, vigil_str id,
                           vigil_account_ref *ref) {
  /* tw: the referenced tweet inline (flattened), else found in includes */
  if (!tw) ref->platform_id = idx_aux(&st->tweets, id);
  if (tw) {
    ref->platform_id = peek_str(j, tw, "author_id");
    const vjt_node *au = vj_get(tw, "author");
    if (au) {
      if (!ref->platform_id.ptr) ref->platform_id = peek_str(j, au, "id");
      ref->username = peek_str(j, au, "username");
    }
  }
  if (ref->platform_id.ptr && !ref->username.ptr)
    ref->username = idx_aux(&st->users, ref->platform_id);
}

static size_t arr_len(const vjt_node *a) { return a ? a->len : 0; }

static void read_entities(vj *j, const t2 *st, const vjt_node *v, vigil_post *p) {
  const vjt_node *ent;
  size_t m0 = vj_mark(j);
  if (vj_obj_v(j, "entities", v, &ent) || !ent) return;
  vj_push_key(j, "entities");
  size_t m1 = vj_mark(j);
  const vjt_node *a;
  if (!vj_arr(j, ent, "mentions", &a) && a) {
    size_t n = arr_len(a), k = 0, i = 0;
    vigil_account_ref *refs = vj_alloc(j, (n ? n : 1) * sizeof *refs);
    if (!refs) return;
    vj_push_key(j, "mentions");
    size_t m2 = vj_mark(j);
    for (const vjt_node *c = vjt_child(a); c; c = c->next, i++) {
      vj_push_idx(j, i);
      if (!vj_is_object(c)) {
        vj_fail(j, NULL, "expected an object");
      } else {
        vigil_account_ref r = {VIGIL_STR_NULL, VIGIL_STR_NULL};
        static const char *const mk[2] = {"id", "username"};
        const vjt_node *f[2];
        vj_collect(c, mk, 2, f);
        vj_id_v(j, "id", f[0], &r.platform_id);
        vj_str_ne_v(j, "username", f[1], &r.username);
        if (!r.platform_id.ptr && r.username.ptr) r.platform_id = idx_aux(&st->unames, r.username);
        if (r.platform_id.ptr || r.username.ptr) refs[k++] = r;
      }
      vj_reset_path(j, m2);
    }
    p->mentions = refs;
    p->n_mentions = k;
    vj_reset_path(j, m1);
  }
  if (!vj_arr(j, ent, "hashtags", &a) && a) {
    size_t n = arr_len(a), k = 0, i = 0;
    vigil_str *tags = vj_alloc(j, (n ? n : 1) * sizeof *tags);
    if (!tags) return;
    vj_push_key(j, "hashtags");
    size_t m2 = vj_mark(j);
    for (const vjt_node *c = vjt_child(a); c; c = c->next, i++) {
      vj_push_idx(j, i);
      vigil_str tag = VIGIL_STR_NULL;
      if (!vj_is_object(c)) vj_fail(j, NULL, "expected an object");
      else vj_str_ne(j, c, "tag", &tag);
      if (tag.ptr) tags[k++] = tag;
      vj_reset_path(j, m2);
    }
    p->hashtags = tags;
    p->n_hashtags = k;
    vj_reset_path(j, m1);
  }
  if (!vj_arr(j, ent, "urls", &a) && a) {
    size_t n = arr_len(a), k = 0, i = 0;
    vigil_url *urls = vj_alloc(j, (n ? n : 1) * sizeof *urls);
    if (!urls) return;
    vj_push_key(j, "urls");
    size_t m2 = vj_mark(j);
    for (const vjt_node *c = vjt_child(a); c; c = c->next, i++) {
      vj_push_idx(j, i);
      vigil_url u = {VIGIL_STR_NULL, VIGIL_STR_NULL};
      vigil_str unwound = VIGIL_STR_NULL;
      if (!vj_is_object(c)) {
        vj_fail(j, NULL, "expected an object");
      } else {
        static const char *const uk[3] = {"url", "expanded_url", "unwound_url"};
        const vjt_node *f[3];
        vj_collect(c, uk, 3, f);
        vj_str_ne_v(j, "url", f[0], &u.url);
        vj_str_ne_v(j, "expanded_url", f[1], &u.expanded);
        vj_str_ne_v(j, "unwound_url", f[2], &unwound);
        /* unwound_url is where the link finally lands: the better key */
        if (unwound.ptr) u.expanded = unwound;
      }
      if (u.url.ptr || u.expanded.ptr) urls[k++] = u;
      vj_reset_path(j, m2);
    }
    p->urls = urls;
    p->n_urls = k;
  }
  vj_reset_path(j, m0);
}

static void read_media(vj *j, t2 *st, const vjt_node *v, vigil_post *p) {
  const vjt_node *att;
  size_t m0 = vj_mark(j);
  if (vj_obj_v(j, "attachments", v, &att) || !att) return;
  vj_push_key(j, "attachments");
  size_t m1 = vj_mark(j);
  const vjt_node *inl, *keys;
  vj_arr(j, att, "media", &inl);  /* flattened: objects inline */
  vj_arr(j, att, "media_keys", &keys);
  const vjt_node *a = inl ? inl : keys;
  if (a) {
    size_t n = arr_len(a), k = 0, i = 0;
    vigil_media_ref *md = vj_alloc(j, (n ? n : 1) * sizeof *md);
    if (!md) return;
    vj_push_key(j, inl ? "media" : "media_keys");
    size_t m2 = vj_mark(j);
    for (const vjt_node *c = vjt_child(a); c; c = c->next, i++) {
      vj_push_idx(j, i);
      const vjt_node *obj = NULL;
      vigil_media_ref r = {VIGIL_STR_NULL, VIGIL_STR_NULL, VIGIL_STR_NULL};
      if (inl) {
        if (!vj_is_object(c)) vj_fail(j, NULL, "expected an object");
        else obj = c, vj_str_ne(j, c, "media_key", &r.key);
      } else if (!vj_is_string(c)) {
        vj_fail(j, NULL, "expected a string");
      } else if (vj_check_len(j, NULL, c, &r.key) == 0) {
        obj = idx_find(&st->media, r.key);
      }
      if (obj) {
        r.type = peek_str(j, obj, "type");
        r.url = peek_str(j, obj, "url");
        if (!r.url.ptr) r.url = peek_str(j, obj, "preview_image_url");
      }
      if (r.key.ptr || r.url.ptr) md[k++] = r;
      vj_reset_path(j, m2);
    }
    p->media = md;
    p->n_media = k;
  }
  vj_reset_path(j, m1);
  vj_reset_path(j, m0);
}

static int emit_tweet(vj *j, t2 *st, const vjt_node *t, int flat, int depth);

/* Flattened tweets carry their users inline: emit them as accounts first. */
static int emit_inline_users(vj *j, t2 *st, const vjt_node *t, int depth) {
  size_t m = vj_mark(j);
  const vjt_node *u = vj_get(t, "author");
  if (u) {
    vj_push_key(j, "author");
    emit_user(j, u, NULL, NULL);
    vj_reset_path(j, m);
  }
  u = vj_get(t, "in_reply_to_user");
  if (u && !j->rc) {
    vj_push_key(j, "in_reply_to_user");
    emit_user(j, u, NULL, NULL);
    vj_reset_path(j, m);
  }
  const vjt_node *men = vj_get(vj_get(t, "entities"), "mentions");
  if (men && vj_is_array(men)) {
    size_t i = 0;
    for (const vjt_node *c = vjt_child(men); c && !j->rc; c = c->next, i++) {
      /* an expanded mention is a whole user object; a bare one is not */
      if (!vj_is_object(c) || !vj_get(c, "name")) continue;
      vj_push_key(j, "entities.mentions");
      vj_push_idx(j, i);
      emit_user(j, c, NULL, NULL);
      vj_reset_path(j, m);
    }
  }
  if (depth == 0) {
    const vjt_node *refs = vj_get(t, "referenced_tweets");
    if (refs && vj_is_array(refs)) {
      size_t i = 0;
      for (const vjt_node *c = vjt_child(refs); c && !j->rc; c = c->next, i++) {
        if (!vj_is_object(c) || !vj_get(c, "text")) continue;
        vj_push_key(j, "referenced_tweets");
        vj_push_idx(j, i);
        emit_tweet(j, st, c, 1, depth + 1);
        vj_reset_path(j, m);
      }
    }
  }
  (void)st;
  return j->rc;
}

static int emit_tweet(vj *j, t2 *st, const vjt_node *t, int flat, int depth) {
  if (!vj_is_object(t)) {
    return vj_reject_whole(j, "expected an object");
  }
  if (flat) {
    int rc = emit_inline_users(j, st, t, depth);
    if (rc) return rc;
  }
  enum { T_ID, T_AUTHOR_ID, T_AUTHOR, T_TEXT, T_NOTE, T_LANG, T_SOURCE, T_CREATED, T_REFS,
         T_IRT_ID, T_IRT, T_ENT, T_ATT, T_N };
  static const char *const keys[T_N] = {
      "id", "author_id", "author", "text", "note_tweet", "lang", "source", "created_at",
      "referenced_tweets", "in_reply_to_user_id", "in_reply_to_user", "entities",
      "attachments"};
  const vjt_node *f[T_N];
  vj_collect(t, keys, T_N, f);
  vj_record_begin(j);
  vigil_post p;
  vigil_post_init(&p);
  p.platform = j->platform;
  vj_id_v(j, "id", f[T_ID], &p.platform_id);
  vj_id_v(j, "author_id", f[T_AUTHOR_ID], &p.author.platform_id);
  const vjt_node *au;
  if (!vj_obj_v(j, "author", f[T_AUTHOR], &au) && au) {
    size_t m = vj_mark(j);
    vj_push_key(j, "author");
    if (!p.author.platform_id.ptr) vj_id(j, au, "id", &p.author.platform_id);
    vj_str_ne(j, au, "username", &p.author.username);
    vj_reset_path(j, m);
  }
  if (!p.author.username.ptr && p.author.platform_id.ptr)
    p.author.username = idx_aux(&st->users, p.author.platform_id);
  vj_str_v(j, "text", f[T_TEXT], &p.text);
  const vjt_node *nt;
  if (!vj_obj_v(j, "note_tweet", f[T_NOTE], &nt) && nt) {
    /* long tweets: "text" is a truncated preview of note_tweet.text */
    size_t m = vj_mark(j);
    vj_push_key(j, "note_tweet");
    vigil_str full;
    if (!vj_str(j, nt, "text", &full) && full.ptr) p.text = full;
    vj_reset_path(j, m);
  }
  vj_str_ne_v(j, "lang", f[T_LANG], &p.lang);
  vj_str_ne_v(j, "source", f[T_SOURCE], &p.source);
  vj_time_v(j, "created_at", f[T_CREATED], &p.created_at);

  const vjt_node *refs;
  if (!vj_arr_v(j, "referenced_tweets", f[T_REFS], &refs) && refs) {
    size_t m = vj_mark(j), i = 0;
    vj_push_key(j, "referenced_tweets");
    size_t m1 = vj_mark(j);
    for (const vjt_node *c = vjt_child(refs); c; c = c->next, i++) {
      vj_push_idx(j, i);
      vigil_str type = VIGIL_STR_NULL, rid = VIGIL_STR_NULL;
      if (!vj_is_object(c)) {
        vj_fail(j, NULL, "expected an object");
      } else {
        vj_str(j, c, "type", &type);
        vj_id(j, c, "id", &rid);
      }
      if (type.ptr && rid.ptr) {
        /* flattened: the referenced tweet is inline (it has text) */
        const vjt_node *inl = vj_get(c, "text") ? c : NULL;
        if (vigil_str_eq_c(type, "replied_to")) {
          p.reply_to_post_id = rid;
          resolve_author(j, st, inl, rid, &p.reply_to);
        } else if (vigil_str_eq_c(type, "retweeted")) {
          p.retweet_of_post_id = rid;
          resolve_author(j, st, inl, rid, &p.retweet_of);
        } else if (vigil_str_eq_c(type, "quoted")) {
          p.quote_of_post_id = rid;
          resolve_author(j, st, inl, rid, &p.quote_of);
        }
      }
      vj_reset_path(j, m1);
    }
    vj_reset_path(j, m);
  }
  vigil_str irt = VIGIL_STR_NULL;
  vj_id_v(j, "in_reply_to_user_id", f[T_IRT_ID], &irt);
  if (irt.ptr && !p.reply_to.platform_id.ptr) {
    p.reply_to.platform_id = irt;
    p.reply_to.username = VIGIL_STR_NULL;
    p.reply_to.username = idx_aux(&st->users, irt);
    if (!p.reply_to.username.ptr && f[T_IRT]) p.reply_to.username = peek_str(j, f[T_IRT], "username");
  }
  read_entities(j, st, f[T_ENT], &p);
  read_media(j, st, f[T_ATT], &p);
  if (j->rc) return j->rc;
  if (!j->bad && !p.platform_id.ptr) vj_fail(j, "id", "required field missing");
  if (!j->bad && !p.author.platform_id.ptr && !p.author.username.ptr)
    vj_fail(j, "author_id", "required field missing");
  if (j->bad) return vj_reject_record(j), j->rc;
  return vj_emit_post(j, &p);
}

/* ---- pages and other lines ---------------------------------------------------------------- */

enum { K_UNKNOWN, K_TWEET, K_USER, K_SKIP };

#define KEY_IS(k, l, lit) ((l) == sizeof(lit) - 1 && memcmp((k), (lit), sizeof(lit) - 1) == 0)

static int classify(const vjt_node *o) {
  if (!vj_is_object(o)) return K_UNKNOWN;
  int has_user = 0, has_start = 0, has_count = 0, has_list = 0, has_compl = 0;
  for (const vjt_node *c = vjt_child(o); c; c = c->next) {
    const char *k = c->key;
    size_t l = vj_key_len(c);
    if (l == 0) continue;
    switch (k[0]) { /* one pass, first byte first: this runs per data item */
    case 't':
      if (KEY_IS(k, l, "text")) return K_TWEET;
      if (KEY_IS(k, l, "tweet_count")) has_count = 1;
      else if (l >= 6 && memcmp(k, "tweet_", 6) == 0) has_compl = 1;
      break;
    case 'a':
      if (KEY_IS(k, l, "author_id")) return K_TWEET;
      break;
    case 'e':
      if (KEY_IS(k, l, "edit_history_tweet_ids")) return K_TWEET;
      if (KEY_IS(k, l, "end")) has_start = 1;
      break;
    case 'u':
      if (KEY_IS(k, l, "username")) has_user = 1;
      break;
    case 's':
      if (KEY_IS(k, l, "start")) has_start = 1;
      else if (KEY_IS(k, l, "scrub_geo")) has_compl = 1;
      break;
    case 'm':
      if (KEY_IS(k, l, "member_count")) has_list = 1;
      break;
    case 'o':
      if (KEY_IS(k, l, "owner_id")) has_list = 1;
      break;
    default: break;
    }
  }
  if (has_user) return K_USER;
  /* tweet counts, lists, and tweet compliance-stream events: nothing to keep */
  if ((has_start && has_count) || has_list || has_compl) return K_SKIP;
  return K_UNKNOWN;
}

static void read_twarc_meta(vj *j, t2 *st, const vjt_node *o) {
  st->listing_target = VIGIL_STR_NULL;
  st->retrieved_at = j->o->observed_at;
  const vjt_node *tw = vj_get(o, "__twarc");
  if (!tw) return;
  vigil_str ra = vj_sv(vj_get(tw, "retrieved_at"));
  int64_t t;
  if (ra.ptr && vigil_time_parse_any(ra, &t) == 0) st->retrieved_at = t;
  vigil_str url = vj_sv(vj_get(tw, "url"));
  if (!url.ptr) return;
  /* .../2/users/<id>/followers?... or .../following */
  const char *p = memmem(url.ptr, url.len, "/2/users/", 9);
  if (!p) return;
  p += 9;
  const char *e = url.ptr + url.len, *d = p;
  while (d < e && *d >= '0' && *d <= '9') d++;
  if (d == p || d >= e || *d != '/') return;
  size_t rest = (size_t)(e - d);
  if (rest >= 10 && memcmp(d, "/followers", 10) == 0 && (rest == 10 || d[10] == '?' || d[10] == '/'))
    st->listing_followers = 1;
  else if (rest >= 10 && memcmp(d, "/following", 10) == 0 && (rest == 10 || d[10] == '?' || d[10] == '/'))
    st->listing_followers = 0;
  else
    return;
  st->listing_target = (vigil_str){p, (size_t)(d - p)};
}

static int emit_listed_user(vj *j, t2 *st, const vjt_node *u) {
  vigil_str id;
  int rc = emit_user(j, u, &id, NULL);
  if (rc || !id.ptr || !st->listing_target.ptr) return rc;
  vigil_edge e;
  memset(&e, 0, sizeof e);
  e.platform = j->platform;
  e.kind = VIGIL_EDGE_FOLLOW;
  e.weight = 1;
  e.seen_at = st->retrieved_at;
  vigil_account_ref who = {id, VIGIL_STR_NULL};
  vigil_account_ref target = {st->listing_target, VIGIL_STR_NULL};
  e.src = st->listing_followers ? who : target;
  e.dst = st->listing_followers ? target : who;
  return vj_emit_edge(j, &e);
}

static int emit_status(vj *j, vigil_str id, vigil_str username, int status,
                       int64_t at, vigil_str reason) {
  vigil_status_obs s;
  memset(&s, 0, sizeof s);
  s.platform = j->platform;
  s.account.platform_id = id;
  s.account.username = username;
  s.status = status;
  s.observed_at = at;
  s.reason = reason;
  return vj_emit_status(j, &s);
}

/* "errors" of a page: the API reporting users it could not return. */
static int page_errors(vj *j, t2 *st, const vjt_node *errs) {
  if (!errs || !vj_is_array(errs)) return 0;
  for (const vjt_node *e = vjt_child(errs); e && !j->rc; e = e->next) {
    if (!vj_is_object(e)) continue;
    if (!vigil_str_eq_c(vj_sv(vj_get(e, "resource_type")), "user")) continue;
    vigil_str detail = vj_sv(vj_get(e, "detail"));
    vigil_str title = vj_sv(vj_get(e, "title"));
    vigil_str rid = peek_str(j, e, "resource_id");
    vigil_str param = vj_sv(vj_get(e, "parameter"));
    if (!rid.ptr) continue;
    int status;
    if (detail.ptr && memmem(detail.ptr, detail.len, "suspended", 9))
      status = VIGIL_STATUS_SUSPENDED;
    else if (title.ptr && memmem(title.ptr, title.len, "Not Found", 9))
      status = VIGIL_STATUS_DELETED;
    else
      continue;
    int by_name = param.ptr && memmem(param.ptr, param.len, "username", 8) != NULL;
    emit_status(j, by_name ? VIGIL_STR_NULL : rid, by_name ? rid : VIGIL_STR_NULL, status,
                st->retrieved_at, title.ptr ? title : VIGIL_STR_LIT("api error"));
  }
  return j->rc;
}

/* {"data": {"user_suspend": {"user": {"id": ..}, "event_at": ..}}} */
static int stream_compliance(vj *j, const vjt_node *d, int *handled) {
  static const struct { const char *key; int status; } kinds[] = {
      {"user_delete", VIGIL_STATUS_DELETED},    {"user_suspend", VIGIL_STATUS_SUSPENDED},
      {"user_protect", VIGIL_STATUS_PROTECTED}, {"user_unsuspend", VIGIL_STATUS_ACTIVE},
      {"user_unprotect", VIGIL_STATUS_ACTIVE},  {"user_undelete", VIGIL_STATUS_ACTIVE}};
  *handled = 0;
  for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++) {
    const vjt_node *ev = vj_get(d, kinds[k].key);
    if (!ev) continue;
    *handled = 1;
    size_t m = vj_mark(j);
    vj_push_key(j, "data");
    vj_push_key(j, kinds[k].key);
    vj_record_begin(j);
    vigil_str id = VIGIL_STR_NULL;
    int64_t at = j->o->observed_at;
    const vjt_node *u;
    if (!vj_is_object(ev)) {
      vj_fail(j, NULL, "expected an object");
    } else {
      if (!vj_obj(j, ev, "user", &u) && u) {
        size_t m2 = vj_mark(j);
        vj_push_key(j, "user");
        vj_id(j, u, "id", &id);
        vj_reset_path(j, m2);
      }
      vj_time(j, ev, "event_at", &at);
      if (!j->bad && !id.ptr) vj_fail(j, "user.id", "required field missing");
    }
    if (j->bad) vj_reject_record(j);
    else emit_status(j, id, VIGIL_STR_NULL, kinds[k].status, at, vigil_str_c(kinds[k].key));
    vj_reset_path(j, m);
  }
  return j->rc;
}

/* batch compliance: {"id","action","created_at","reason"} */
static int batch_compliance(vj *j, t2 *st, const vjt_node *o) {
  if (st->tweet_compliance || vj_get(o, "redacted_at")) return 0;
  static const struct { const char *reason; int status; } kinds[] = {
      {"deleted", VIGIL_STATUS_DELETED},     {"suspended", VIGIL_STATUS_SUSPENDED},
      {"protected", VIGIL_STATUS_PROTECTED}, {"deactivated", VIGIL_STATUS_DEACTIVATED}};
  vj_record_begin(j);
  vigil_str id, reason, action;
  int64_t at = j->o->observed_at;
  vj_id(j, o, "id", &id);
  vj_str(j, o, "reason", &reason);
  vj_str(j, o, "action", &action);
  vj_time(j, o, "created_at", &at);
  if (!j->bad && !id.ptr) vj_fail(j, "id", "required field missing");
  if (j->bad) return vj_reject_record(j), j->rc;
  for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++)
    if (vigil_str_eq_c(reason, kinds[k].reason))
      return emit_status(j, id, VIGIL_STR_NULL, kinds[k].status, at, reason);
  return 0; /* scrub_geo and other kinds say nothing about the account */
}

static int do_data_item(vj *j, t2 *st, const vjt_node *it, int kind) {
  switch (kind) {
  case K_TWEET: return emit_tweet(j, st, it, 0, 0);
  case K_USER: return emit_listed_user(j, st, it);
  case K_SKIP: return 0;
  default:
    vj_record_begin(j);
    vj_fail(j, NULL, vj_is_object(it) ? "neither a tweet nor a user" : "expected an object");
    return vj_reject_record(j), j->rc;
  }
}

static int emit_includes(vj *j, t2 *st, const vjt_node *arr, const char *name) {
  if (!arr) return 0;
  size_t m = vj_mark(j), i = 0;
  for (const vjt_node *c = vjt_child(arr); c && !j->rc; c = c->next, i++) {
    vj_push_key(j, "includes");
    vj_push_key(j, name);
    vj_push_idx(j, i);
    emit_tweet(j, st, c, 0, 0);
    vj_reset_path(j, m);
  }
  return j->rc;
}

static int do_page(vj *j, t2 *st, const vjt_node *o) {
  size_t m = vj_mark(j);
  const vjt_node *inc = NULL, *users = NULL, *tweets = NULL, *media = NULL;
  vj_record_begin(j);
  if (!vj_obj(j, o, "includes", &inc) && inc) {
    vj_push_key(j, "includes");
    vj_arr(j, inc, "users", &users);
    vj_arr(j, inc, "tweets", &tweets);
    vj_arr(j, inc, "media", &media);
    vj_reset_path(j, m);
  }
  if (j->bad) {
    /* a malformed includes section: report it, use what is well-formed */
    if (vj_reject_record(j)) return j->rc;
  }
  /* includes.users: emitted first and indexed in the same walk */
  int rc = idx_alloc(j, &st->users, users, 0);
  if (!rc) rc = idx_alloc(j, &st->unames, users, 1);
  if (rc) return rc;
  size_t ui = 0;
  for (const vjt_node *c = users ? vjt_child(users) : NULL; c && !j->rc; c = c->next, ui++) {
    vj_push_key(j, "includes");
    vj_push_key(j, "users");
    vj_push_idx(j, ui);
    vigil_str id, name;
    emit_user(j, c, &id, &name);
    vj_reset_path(j, m);
    if (!id.ptr) { /* rejected: still resolvable by what is readable */
      id = peek_str(j, c, "id");
      name = peek_str(j, c, "username");
    }
    idx_put(&st->users, id, c, name);
    idx_put(&st->unames, name, c, id);
  }
  if (j->rc) return j->rc;
  rc = idx_build(j, &st->tweets, tweets, "id", "author_id");
  if (!rc) rc = idx_build(j, &st->media, media, "media_key", NULL);
  if (rc) return rc;
  const vjt_node *d = vj_get(o, "data");
  if (d && vj_is_array(d)) {
    size_t n = d->len, i = 0, n_users = 0;
    unsigned char *kinds = vj_alloc(j, n ? n : 1);
    if (!kinds) return j->rc;
    for (const vjt_node *c = vjt_child(d); c; c = c->next, i++) {
      kinds[i] = (unsigned char)classify(c);
      n_users += kinds[i] == K_USER;
    }
    /* users of the data first (user listings), then tweets */
    for (int pass = n_users ? 0 : 1; pass < 2; pass++) {
      i = 0;
      for (const vjt_node *c = vjt_child(d); c && !j->rc; c = c->next, i++) {
        if ((pass == 0) != (kinds[i] == K_USER)) continue;
        vj_push_key(j, "data");
        vj_push_idx(j, i);
        do_data_item(j, st, c, kinds[i]);
        vj_reset_path(j, m);
      }
    }
  } else if (d && vj_is_object(d)) {
    int handled;
    rc = stream_compliance(j, d, &handled);
    if (rc) return rc;
    if (!handled) {
      vj_push_key(j, "data");
      do_data_item(j, st, d, classify(d));
      vj_reset_path(j, m);
    }
  } else if (d) {
    vj_record_begin(j);
    vj_fail(j, "data", "expected an array or an object");
    if (vj_reject_record(j)) return j->rc;
  }
  if (j->rc) return j->rc;
  rc = emit_includes(j, st, tweets, "tweets");
  if (rc) return rc;
  return page_errors(j, st, vj_get(o, "errors"));
}

static int do_object(vj *j, t2 *st, const vjt_node *o) {
  if (!vj_is_object(o)) {
    return vj_reject_whole(j, "expected an object");
  }
  st->users.cap = st->tweets.cap = st->media.cap = st->unames.cap = 0;
  read_twarc_meta(j, st, o);
  if (vj_get(o, "data") || vj_get(o, "includes")) return do_page(j, st, o);
  switch (classify(o)) {
  case K_TWEET: return emit_tweet(j, st, o, 1, 0);
  case K_USER: return emit_listed_user(j, st, o);
  case K_SKIP: return 0;
  default: break;
  }
  if (vj_get(o, "errors")) return page_errors(j, st, vj_get(o, "errors"));
  if (vj_get(o, "action") && vj_get(o, "id")) return batch_compliance(j, st, o);
  /* API/stream error lines and empty result pages carry nothing to store */
  if (vj_get(o, "title") || vj_get(o, "detail") || vj_get(o, "meta")) return 0;
  return vj_reject_whole(j, "unrecognised record");
}

static int t2_object(vj *j, const vjt_node *o) { return do_object(j, j->state, o); }

static int t2_line(vj *j, const vjt_node *root) { return vj_each_object(j, root, t2_object); }

int vigil_parse_twarc2(vigil_reader *r, const vigil_parse_opts *o, const vigil_sink *sink) {
  if (!r || !sink) return VIGIL_EINVAL;
  t2 st;
  memset(&st, 0, sizeof st);
  const char *name = vigil_reader_name(r);
  const char *base = name ? strrchr(name, '/') : NULL;
  base = base ? base + 1 : name;
  st.tweet_compliance = base && strstr(base, "tweet") && strstr(base, "compliance");
  vigil_str platform = (o && o->platform.ptr && o->platform.len) ? o->platform
                                                                 : VIGIL_STR_LIT("twitter");
  return vj_run(r, o, sink, platform, t2_line, &st);
}
