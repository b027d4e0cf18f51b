/* Mastodon API JSON lines: each line a status, an account, or a JSON array
 * of those (as /api/v1/timelines/..., /api/v1/accounts/:id/statuses and
 * /api/v1/accounts/:id/followers return them).
 *
 * Identity across instances: Mastodon "id"s are local to the instance that
 * served the data, so the same account or status has different ids on
 * different instances. vigil therefore uses:
 *  - accounts: platform_id = username = the fediverse handle "user@domain"
 *    ("acct" when it already has a domain, else acct + "@" + the host of the
 *    account's "url"); mentions carry acct and url too, so they resolve to
 *    the same handle;
 *  - posts: platform_id = the status "uri" (its ActivityPub id, global),
 *    falling back to "url".
 * in_reply_to_id is instance-local and cannot be turned into a uri, so
 * reply_to_post_id stays absent; the replied-to account is resolved from
 * in_reply_to_account_id when it is the author or one of the mentions.
 * A reblog is emitted as the inner post plus an outer post that is a
 * retweet of it; a quote (Mastodon 4.4 {"quoted_status": ...} or the older
 * inline form) likewise. Content and notes are HTML, stored as plain text;
 * the post's urls are the content's links (not mentions or hashtags) and
 * the preview card's URL.
 */
#include <string.h>

#include "ingest/json_common.h"
#include "vigil/error.h"

static size_t arr_len(const vjt_node *a) { return a ? a->len : 0; }

static vigil_str handle_of(vj *j, vigil_str acct, vigil_str url) {
  if (!acct.ptr || acct.len == 0) return VIGIL_STR_NULL;
  if (acct.ptr[0] == '@') acct.ptr++, acct.len--;
  if (memchr(acct.ptr, '@', acct.len)) return acct;
  vigil_str host = vj_url_host(url);
  if (!host.ptr) return acct;
  return vj_concat3(j, acct, VIGIL_STR_LIT("@"), host);
}

/* Value of attribute `name` inside one tag tag[0..n), or absent. */
static vigil_str attr(const char *tag, size_t n, const char *name) {
  size_t nl = strlen(name);
  for (size_t i = 0; i + nl + 2 < n; i++) {
    if ((tag[i] == ' ' || tag[i] == '\t' || tag[i] == '\n') && memcmp(tag + i + 1, name, nl) == 0 &&
        tag[i + 1 + nl] == '=' && tag[i + 2 + nl] == '"') {
      const char *v = tag + i + 3 + nl;
      const char *q = memchr(v, '"', (size_t)(tag + n - v));
      if (!q) return VIGIL_STR_NULL;
      return (vigil_str){v, (size_t)(q - v)};
    }
  }
  return VIGIL_STR_NULL;
}

/* Links written in the content: <a href> that are not mentions or hashtags
 * (Mastodon marks those with class "mention"). Appended to urls[*n]. */
static void content_links(vj *j, vigil_str html, vigil_url *urls, size_t *n, size_t max) {
  const char *p = html.ptr, *e = html.ptr + html.len;
  while (p && p < e && *n < max) {
    const char *a = memmem(p, (size_t)(e - p), "<a ", 3);
    if (!a) break;
    const char *gt = memchr(a, '>', (size_t)(e - a));
    if (!gt) break;
    size_t tl = (size_t)(gt - a);
    vigil_str href = attr(a, tl, "href"), cls = attr(a, tl, "class");
    p = gt + 1;
    if (!href.ptr || href.len == 0) continue;
    if (cls.ptr && memmem(cls.ptr, cls.len, "mention", 7)) continue;
    vigil_str u = vj_html_text(j, href); /* decodes &amp; in the URL */
    if (u.ptr && u.len) urls[(*n)++] = (vigil_url){u, VIGIL_STR_NULL};
  }
}

static size_t count_sub(vigil_str s, const char *pat) {
  size_t n = 0, pl = strlen(pat);
  for (const char *p = s.ptr, *e = s.ptr + s.len; p && p < e;) {
    const char *h = memmem(p, (size_t)(e - p), pat, pl);
    if (!h) break;
    n++;
    p = h + pl;
  }
  return n;
}

typedef struct who {
  vigil_account_ref ref; /* handle */
  vigil_str local_id;
} who;

static int emit_account(vj *j, const vjt_node *a, who *out) {
  if (out) memset(out, 0, sizeof *out);
  vj_record_begin(j);
  if (!vj_is_object(a)) {
    vj_fail(j, NULL, "expected an object");
    return vj_reject_record(j), j->rc;
  }
  vigil_account ac;
  vigil_account_init(&ac);
  ac.platform = j->platform;
  vigil_str acct, local_id, note;
  int suspended = 0;
  vj_id(j, a, "id", &local_id);
  vj_str_ne(j, a, "acct", &acct);
  if (!acct.ptr) vj_str_ne(j, a, "username", &acct);
  vj_str_ne(j, a, "url", &ac.url);
  vj_str(j, a, "display_name", &ac.display_name);
  vj_str(j, a, "note", &note);
  vj_str_ne(j, a, "avatar", &ac.profile_image_url);
  vj_time(j, a, "created_at", &ac.created_at);
  vj_i64(j, a, "followers_count", &ac.followers);
  vj_i64(j, a, "following_count", &ac.following);
  vj_i64(j, a, "statuses_count", &ac.statuses);
  vj_bool(j, a, "locked", &ac.is_protected);
  vj_bool(j, a, "suspended", &suspended);
  int bot = 0;
  vj_bool(j, a, "bot", &bot); /* type-checked; the model has no bot flag */
  if (!j->bad && !acct.ptr) vj_fail(j, "acct", "required field missing");
  if (j->bad) return vj_reject_record(j), j->rc;
  ac.platform_id = ac.username = handle_of(j, acct, ac.url);
  if (note.ptr) ac.description = vj_html_text(j, note);
  if (j->rc) return j->rc;
  if (out) {
    out->ref.platform_id = out->ref.username = ac.platform_id;
    out->local_id = local_id;
  }
  int rc = vj_emit_account(j, &ac);
  if (rc || !suspended) return rc;
  vigil_status_obs s;
  memset(&s, 0, sizeof s);
  s.platform = j->platform;
  s.account.platform_id = s.account.username = ac.platform_id;
  s.status = VIGIL_STATUS_SUSPENDED;
  s.observed_at = j->o->observed_at;
  s.reason = VIGIL_STR_LIT("suspended");
  return vj_emit_status(j, &s);
}

static int emit_status(vj *j, const vjt_node *st, int depth, vigil_str *uri_out, who *author_out);

static void nested(vj *j, const vjt_node *inner, const char *key, int depth, vigil_str *uri,
                   who *w) {
  *uri = VIGIL_STR_NULL;
  if (!inner || depth >= 2 || j->rc) return;
  size_t m = vj_mark(j);
  vj_push_key(j, key);
  emit_status(j, inner, depth + 1, uri, w);
  vj_reset_path(j, m);
}

static int emit_status(vj *j, const vjt_node *st, int depth, vigil_str *uri_out, who *author_out) {
  if (uri_out) *uri_out = VIGIL_STR_NULL;
  if (!vj_is_object(st)) {
    return vj_reject_whole(j, "expected an object");
  }
  vigil_post p;
  vigil_post_init(&p);
  p.platform = j->platform;
  who author;
  memset(&author, 0, sizeof author);
  const vjt_node *acc = vj_get(st, "account");
  if (acc) {
    size_t m = vj_mark(j);
    vj_push_key(j, "account");
    emit_account(j, acc, &author);
    vj_reset_path(j, m);
    if (j->rc) return j->rc;
  }
  vigil_str rb_uri, q_uri;
  who rb_who, q_who;
  memset(&rb_who, 0, sizeof rb_who);
  memset(&q_who, 0, sizeof q_who);
  nested(j, vj_get(st, "reblog"), "reblog", depth, &rb_uri, &rb_who);
  const vjt_node *q = vj_get(st, "quote");
  const char *qkey = "quote";
  if (q && vj_is_object(q) && vj_get(q, "quoted_status")) {
    q = vj_get(q, "quoted_status");
    qkey = "quote.quoted_status";
  } else if (q && vj_is_object(q) && !vj_get(q, "content") && !vj_get(q, "uri")) {
    q = NULL; /* a quote still pending/revoked: nothing to link */
  }
  nested(j, q, qkey, depth, &q_uri, &q_who);
  if (j->rc) return j->rc;

  vj_record_begin(j);
  vigil_str local_id, content, app_name = VIGIL_STR_NULL, reply_acc;
  vj_id(j, st, "id", &local_id);
  vj_str_ne(j, st, "uri", &p.platform_id);
  if (!p.platform_id.ptr) vj_str_ne(j, st, "url", &p.platform_id);
  p.author = author.ref;
  vj_str(j, st, "content", &content);
  vj_str_ne(j, st, "language", &p.lang);
  vj_time(j, st, "created_at", &p.created_at);
  vj_id(j, st, "in_reply_to_account_id", &reply_acc);
  const vjt_node *app;
  if (!vj_obj(j, st, "application", &app) && app) {
    size_t m = vj_mark(j);
    vj_push_key(j, "application");
    vj_str_ne(j, app, "name", &app_name);
    vj_reset_path(j, m);
  }
  p.source = app_name;
  if (rb_uri.ptr) {
    p.retweet_of_post_id = rb_uri;
    p.retweet_of = rb_who.ref;
  }
  if (q_uri.ptr) {
    p.quote_of_post_id = q_uri;
    p.quote_of = q_who.ref;
  }
  size_t m = vj_mark(j);
  const vjt_node *a;
  if (!vj_arr(j, st, "mentions", &a) && a) {
    size_t n = arr_len(a), k = 0, i = 0;
    vigil_account_ref *refs = vj_alloc(j, (n ? n : 1) * sizeof *refs);
    if (!refs) return j->rc;
    for (const vjt_node *c = vjt_child(a); c; c = c->next, i++) {
      vj_push_key(j, "mentions");
      vj_push_idx(j, i);
      vigil_str mid = VIGIL_STR_NULL, macct = VIGIL_STR_NULL, murl = VIGIL_STR_NULL;
      if (!vj_is_object(c)) vj_fail(j, NULL, "expected an object");
      else {
        vj_id(j, c, "id", &mid);
        vj_str_ne(j, c, "acct", &macct);
        if (!macct.ptr) vj_str_ne(j, c, "username", &macct);
        vj_str_ne(j, c, "url", &murl);
      }
      vigil_str h = handle_of(j, macct, murl);
      if (h.ptr) {
        refs[k].platform_id = refs[k].username = h;
        k++;
        if (reply_acc.ptr && mid.ptr && vigil_str_eq(reply_acc, mid))
          p.reply_to.platform_id = p.reply_to.username = h;
      }
      vj_reset_path(j, m);
    }
    p.mentions = refs;
    p.n_mentions = k;
  }
  if (reply_acc.ptr && !p.reply_to.platform_id.ptr && author.local_id.ptr &&
      vigil_str_eq(reply_acc, author.local_id))
    p.reply_to = author.ref; /* a thread: replying to oneself */
  if (!vj_arr(j, st, "tags", &a) && a) {
    size_t n = arr_len(a), k = 0, i = 0;
    vigil_str *tags = vj_alloc(j, (n ? n : 1) * sizeof *tags);
    if (!tags) return j->rc;
    for (const vjt_node *c = vjt_child(a); c; c = c->next, i++) {
      vj_push_key(j, "tags");
      vj_push_idx(j, i);
      vigil_str t = VIGIL_STR_NULL;
      if (!vj_is_object(c)) vj_fail(j, NULL, "expected an object");
      else vj_str_ne(j, c, "name", &t);
      if (t.ptr) tags[k++] = t;
      vj_reset_path(j, m);
    }
    p.hashtags = tags;
    p.n_hashtags = k;
  }
  if (!vj_arr(j, st, "media_attachments", &a) && a) {
    size_t n = arr_len(a), k = 0, i = 0;
    vigil_media_ref *md = vj_alloc(j, (n ? n : 1) * sizeof *md);
    if (!md) return j->rc;
    for (const vjt_node *c = vjt_child(a); c; c = c->next, i++) {
      vj_push_key(j, "media_attachments");
      vj_push_idx(j, i);
      vigil_media_ref r = {VIGIL_STR_NULL, VIGIL_STR_NULL, VIGIL_STR_NULL};
      if (!vj_is_object(c)) vj_fail(j, NULL, "expected an object");
      else {
        vj_id(j, c, "id", &r.key);
        vj_str_ne(j, c, "type", &r.type);
        vj_str_ne(j, c, "url", &r.url);
        if (!r.url.ptr) vj_str_ne(j, c, "remote_url", &r.url);
        if (!r.url.ptr) vj_str_ne(j, c, "preview_url", &r.url);
      }
      if (r.key.ptr || r.url.ptr) md[k++] = r;
      vj_reset_path(j, m);
    }
    p.media = md;
    p.n_media = k;
  }
  /* links: those written in the content, then the preview card's if new */
  size_t max_urls = (content.ptr ? count_sub(content, "<a ") : 0) + 1;
  vigil_url *urls = vj_alloc(j, max_urls * sizeof *urls);
  if (!urls) return j->rc;
  size_t n_urls = 0;
  if (content.ptr) content_links(j, content, urls, &n_urls, max_urls - 1);
  const vjt_node *card;
  if (!vj_obj(j, st, "card", &card) && card) {
    vj_push_key(j, "card");
    vigil_str cu;
    vj_str_ne(j, card, "url", &cu);
    int seen = 0;
    for (size_t i = 0; cu.ptr && i < n_urls; i++) seen |= vigil_str_eq(urls[i].url, cu);
    if (cu.ptr && !seen) urls[n_urls++] = (vigil_url){cu, VIGIL_STR_NULL};
    vj_reset_path(j, m);
  }
  p.urls = urls;
  p.n_urls = n_urls;
  if (content.ptr) p.text = vj_html_text(j, content);
  if (j->rc) return j->rc;
  if (!j->bad && !p.platform_id.ptr) vj_fail(j, "uri", "required field missing");
  if (!j->bad && !p.author.platform_id.ptr) vj_fail(j, "account", "required field missing");
  if (j->bad) return vj_reject_record(j), j->rc;
  if (uri_out) *uri_out = p.platform_id;
  if (author_out) *author_out = author;
  return vj_emit_post(j, &p);
}

static int do_object(vj *j, const vjt_node *o) {
  if (!vj_is_object(o)) {
    return vj_reject_whole(j, "expected an object");
  }
  if (vj_get(o, "content") || vj_get(o, "account") || vj_get(o, "reblog") ||
      vj_get(o, "uri"))
    return emit_status(j, o, 0, NULL, NULL);
  if (vj_get(o, "acct") || vj_get(o, "username")) return emit_account(j, o, NULL);
  if (vj_get(o, "error")) return 0; /* {"error": "..."} API error line */
  return vj_reject_whole(j, "neither a status nor an account");
}

static int md_line(vj *j, const vjt_node *root) { return vj_each_object(j, root, do_object); }

int vigil_parse_mastodon(vigil_reader *r, const vigil_parse_opts *o, const vigil_sink *sink) {
  if (!r || !sink) return VIGIL_EINVAL;
  return vj_run(r, o, sink, VIGIL_STR_LIT("mastodon"), md_line, NULL);
}
