/* twarc (v1.1 API) JSON lines: each line a tweet object with its "user"
 * inline, a user object, or a JSON array of those. Stream control messages
 * (delete, limit, scrub_geo, withheld, disconnect, warning) are skipped.
 *
 * Ids are always read from the *_str fields: v1.1 ids exceed 2^53 and
 * a numeric id is read as a double. A numeric id is used only when the string
 * form is missing and the number is exact. Retweeted and quoted tweets are
 * emitted as posts of their own, before the tweet that references them.
 */
#include <string.h>

#include "ingest/json_common.h"
#include "vigil/error.h"

static size_t arr_len(const vjt_node *a) { return a ? a->len : 0; }

static void read_id(vj *j, const vjt_node *o, const char *str_key, const char *num_key,
                    vigil_str *out) {
  vj_id(j, o, str_key, out);
  if (!out->ptr && num_key) vj_id(j, o, num_key, out);
}

static int emit_user(vj *j, const vjt_node *u, vigil_account_ref *ref) {
  vj_record_begin(j);
  if (!vj_is_object(u)) {
    vj_fail(j, NULL, "expected an object");
    return vj_reject_record(j), j->rc;
  }
  vigil_account a;
  vigil_account_init(&a);
  a.platform = j->platform;
  read_id(j, u, "id_str", "id", &a.platform_id);
  vj_str_ne(j, u, "screen_name", &a.username);
  vj_str(j, u, "name", &a.display_name);
  vj_str(j, u, "description", &a.description);
  vj_str(j, u, "location", &a.location);
  vj_str_ne(j, u, "lang", &a.lang);
  vj_str_ne(j, u, "url", &a.url);
  vj_str_ne(j, u, "profile_image_url_https", &a.profile_image_url);
  if (!a.profile_image_url.ptr) vj_str_ne(j, u, "profile_image_url", &a.profile_image_url);
  vj_time(j, u, "created_at", &a.created_at);
  vj_i64(j, u, "followers_count", &a.followers);
  vj_i64(j, u, "friends_count", &a.following);
  vj_i64(j, u, "statuses_count", &a.statuses);
  vj_bool(j, u, "verified", &a.verified);
  vj_bool(j, u, "protected", &a.is_protected);
  const vjt_node *urls = vj_get(vj_get(vj_get(u, "entities"), "url"), "urls");
  if (urls && vj_is_array(urls) && vjt_child(urls)) {
    vigil_str x = vj_sv(vj_get(vjt_child(urls), "expanded_url"));
    if (x.ptr && x.len && x.len <= j->max_field) a.url = x;
  }
  if (!j->bad && !a.platform_id.ptr && !a.username.ptr)
    vj_fail(j, "id_str", "required field missing");
  if (j->bad) return vj_reject_record(j), j->rc;
  if (ref) {
    ref->platform_id = a.platform_id;
    ref->username = a.username;
  }
  return vj_emit_account(j, &a);
}

static void read_entities(vj *j, const vjt_node *ent, const vjt_node *xent, vigil_post *p) {
  size_t m = vj_mark(j);
  const vjt_node *a;
  if (ent && !vj_arr(j, ent, "user_mentions", &a) && a) {
    size_t n = arr_len(a), k = 0, i = 0;
    vigil_account_ref *refs = vj_alloc(j, (n ? n : 1) * sizeof *refs);
    if (!refs) return;
    for (const vjt_node *c = vjt_child(a); c; c = c->next, i++) {
      vj_push_key(j, "entities.user_mentions");
      vj_push_idx(j, i);
      vigil_account_ref r = {VIGIL_STR_NULL, VIGIL_STR_NULL};
      if (!vj_is_object(c)) vj_fail(j, NULL, "expected an object");
      else {
        read_id(j, c, "id_str", "id", &r.platform_id);
        vj_str_ne(j, c, "screen_name", &r.username);
      }
      if (r.platform_id.ptr || r.username.ptr) refs[k++] = r;
      vj_reset_path(j, m);
    }
    p->mentions = refs;
    p->n_mentions = k;
  }
  if (ent && !vj_arr(j, ent, "hashtags", &a) && a) {
    size_t n = arr_len(a), k = 0, i = 0;
    vigil_str *tags = vj_alloc(j, (n ? n : 1) * sizeof *tags);
    if (!tags) return;
    for (const vjt_node *c = vjt_child(a); c; c = c->next, i++) {
      vj_push_key(j, "entities.hashtags");
      vj_push_idx(j, i);
      vigil_str t = VIGIL_STR_NULL;
      if (!vj_is_object(c)) vj_fail(j, NULL, "expected an object");
      else vj_str_ne(j, c, "text", &t);
      if (t.ptr) tags[k++] = t;
      vj_reset_path(j, m);
    }
    p->hashtags = tags;
    p->n_hashtags = k;
  }
  if (ent && !vj_arr(j, ent, "urls", &a) && a) {
    size_t n = arr_len(a), k = 0, i = 0;
    vigil_url *urls = vj_alloc(j, (n ? n : 1) * sizeof *urls);
    if (!urls) return;
    for (const vjt_node *c = vjt_child(a); c; c = c->next, i++) {
      vj_push_key(j, "entities.urls");
      vj_push_idx(j, i);
      vigil_url u = {VIGIL_STR_NULL, VIGIL_STR_NULL};
      if (!vj_is_object(c)) vj_fail(j, NULL, "expected an object");
      else {
        vj_str_ne(j, c, "url", &u.url);
        vj_str_ne(j, c, "expanded_url", &u.expanded);
        /* enterprise "unwound" data: the final landing URL */
        vigil_str uw = vj_sv(vj_get(vj_get(c, "unwound"), "url"));
        if (uw.ptr && uw.len && uw.len <= j->max_field) u.expanded = uw;
      }
      if (u.url.ptr || u.expanded.ptr) urls[k++] = u;
      vj_reset_path(j, m);
    }
    p->urls = urls;
    p->n_urls = k;
  }
  /* extended_entities has every photo of a multi-photo tweet */
  const vjt_node *src = xent ? xent : ent;
  const char *src_name = xent ? "extended_entities.media" : "entities.media";
  if (src && !vj_arr(j, src, "media", &a) && a) {
    size_t n = arr_len(a), k = 0, i = 0;
    vigil_media_ref *md = vj_alloc(j, (n ? n : 1) * sizeof *md);
    if (!md) return;
    for (const vjt_node *c = vjt_child(a); c; c = c->next, i++) {
      vj_push_key(j, src_name);
      vj_push_idx(j, i);
      vigil_media_ref r = {VIGIL_STR_NULL, VIGIL_STR_NULL, VIGIL_STR_NULL};
      if (!vj_is_object(c)) vj_fail(j, NULL, "expected an object");
      else {
        read_id(j, c, "id_str", "id", &r.key);
        vj_str_ne(j, c, "type", &r.type);
        vj_str_ne(j, c, "media_url_https", &r.url);
        if (!r.url.ptr) vj_str_ne(j, c, "media_url", &r.url);
      }
      if (r.key.ptr || r.url.ptr) md[k++] = r;
      vj_reset_path(j, m);
    }
    p->media = md;
    p->n_media = k;
  }
}

static int emit_tweet(vj *j, const vjt_node *t, int depth, vigil_str *id_out,
                      vigil_account_ref *author_out);

/* retweeted_status / quoted_status: emitted first, referenced by the outer */
static void nested(vj *j, const vjt_node *t, const char *key, int depth, vigil_str *id,
                   vigil_account_ref *who) {
  const vjt_node *in = vj_get(t, key);
  if (!in || depth >= 2 || j->rc) return;
  size_t m = vj_mark(j);
  vj_push_key(j, key);
  emit_tweet(j, in, depth + 1, id, who);
  vj_reset_path(j, m);
}

static int emit_tweet(vj *j, const vjt_node *t, int depth, vigil_str *id_out,
                      vigil_account_ref *author_out) {
  if (id_out) *id_out = VIGIL_STR_NULL;
  if (!vj_is_object(t)) {
    return vj_reject_whole(j, "expected an object");
  }
  vigil_post p;
  vigil_post_init(&p);
  p.platform = j->platform;
  /* the author first, as an account record of its own */
  const vjt_node *u = vj_get(t, "user");
  if (u) {
    size_t m = vj_mark(j);
    vj_push_key(j, "user");
    emit_user(j, u, &p.author);
    vj_reset_path(j, m);
    if (j->rc) return j->rc;
  }
  vigil_str rt_id = VIGIL_STR_NULL, q_id = VIGIL_STR_NULL;
  vigil_account_ref rt_who = {VIGIL_STR_NULL, VIGIL_STR_NULL}, q_who = rt_who;
  nested(j, t, "retweeted_status", depth, &rt_id, &rt_who);
  nested(j, t, "quoted_status", depth, &q_id, &q_who);
  if (j->rc) return j->rc;

  vj_record_begin(j);
  read_id(j, t, "id_str", "id", &p.platform_id);
  if (u && !p.author.platform_id.ptr && !p.author.username.ptr && vj_is_object(u)) {
    /* the user record was rejected: keep the post if the id is readable */
    size_t m = vj_mark(j);
    vj_push_key(j, "user");
    read_id(j, u, "id_str", "id", &p.author.platform_id);
    vj_str_ne(j, u, "screen_name", &p.author.username);
    vj_reset_path(j, m);
  }
  const vjt_node *ext;
  vj_obj(j, t, "extended_tweet", &ext);
  vigil_str text = VIGIL_STR_NULL;
  vj_str(j, t, "full_text", &text);
  if (!text.ptr && ext) {
    size_t m = vj_mark(j);
    vj_push_key(j, "extended_tweet");
    vj_str(j, ext, "full_text", &text);
    vj_reset_path(j, m);
  }
  if (!text.ptr) vj_str(j, t, "text", &text);
  p.text = text;
  vj_str_ne(j, t, "lang", &p.lang);
  vigil_str src;
  if (!vj_str_ne(j, t, "source", &src) && src.ptr) p.source = vj_html_text(j, src);
  vj_time(j, t, "created_at", &p.created_at);
  vj_id(j, t, "in_reply_to_status_id_str", &p.reply_to_post_id);
  if (!p.reply_to_post_id.ptr) vj_id(j, t, "in_reply_to_status_id", &p.reply_to_post_id);
  vj_id(j, t, "in_reply_to_user_id_str", &p.reply_to.platform_id);
  if (!p.reply_to.platform_id.ptr) vj_id(j, t, "in_reply_to_user_id", &p.reply_to.platform_id);
  vj_str_ne(j, t, "in_reply_to_screen_name", &p.reply_to.username);
  if (rt_id.ptr) {
    p.retweet_of_post_id = rt_id;
    p.retweet_of = rt_who;
  }
  if (q_id.ptr) {
    p.quote_of_post_id = q_id;
    p.quote_of = q_who;
  } else {
    vj_id(j, t, "quoted_status_id_str", &p.quote_of_post_id);
  }
  const vjt_node *ent = NULL, *xent = NULL;
  size_t m = vj_mark(j);
  if (ext) {
    vj_push_key(j, "extended_tweet");
    vj_obj(j, ext, "entities", &ent);
    vj_obj(j, ext, "extended_entities", &xent);
    read_entities(j, ent, xent, &p);
    vj_reset_path(j, m);
  } else {
    vj_obj(j, t, "entities", &ent);
    vj_obj(j, t, "extended_entities", &xent);
    read_entities(j, ent, xent, &p);
  }
  if (j->rc) return j->rc;
  if (!j->bad && !p.platform_id.ptr) vj_fail(j, "id_str", "required field missing");
  if (!j->bad && !p.author.platform_id.ptr && !p.author.username.ptr)
    vj_fail(j, "user", "required field missing");
  if (j->bad) return vj_reject_record(j), j->rc;
  if (id_out) *id_out = p.platform_id;
  if (author_out) *author_out = p.author;
  return vj_emit_post(j, &p);
}

static int do_object(vj *j, const vjt_node *o) {
  if (!vj_is_object(o)) {
    return vj_reject_whole(j, "expected an object");
  }
  if (vj_get(o, "text") || vj_get(o, "full_text") || vj_get(o, "extended_tweet") ||
      (vj_get(o, "user") && vj_get(o, "id_str")))
    return emit_tweet(j, o, 0, NULL, NULL);
  if (vj_get(o, "screen_name")) return emit_user(j, o, NULL);
  static const char *const control[] = {"delete", "limit", "scrub_geo", "status_withheld",
                                        "user_withheld", "disconnect", "warning", "friends",
                                        "event", "errors"};
  for (size_t i = 0; i < sizeof control / sizeof *control; i++)
    if (vj_has(o, control[i])) return 0;
  return vj_reject_whole(j, "unrecognised record");
}

static int v1_line(vj *j, const vjt_node *root) { return vj_each_object(j, root, do_object); }

int vigil_parse_twitter_v1(vigil_reader *r, const vigil_parse_opts *o,
                           const vigil_sink *sink) {
  if (!r || !sink) return VIGIL_EINVAL;
  vigil_str platform = (o && o->platform.ptr && o->platform.len) ? o->platform
                                                                 : VIGIL_STR_LIT("twitter");
  return vj_run(r, o, sink, platform, v1_line, NULL);
}
