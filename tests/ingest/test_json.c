/* Unit tests of the JSON parsers (twarc2, twitter-v1, mastodon), format
 * detection and UTF-8 validation. A collecting sink copies every record into
 * plain C structures that the tests inspect. */
#include <cjson/cJSON.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "vigil/error.h"
#include "vigil/parse.h"

/* ---- collecting sink ----------------------------------------------------------- */

typedef struct cpost {
  char *id, *author_id, *author_name, *text, *lang, *source, *platform;
  int64_t created_at;
  char *reply_post, *reply_id, *reply_name;
  char *rt_post, *rt_id, *rt_name;
  char *q_post, *q_id, *q_name;
  char *mentions, *tags, *urls, *media; /* joined, see join_* */
  uint64_t line;
} cpost;

typedef struct cacct {
  char *platform, *id, *username, *display_name, *description, *location, *url, *img, *lang;
  int64_t created_at, followers, following, statuses;
  int verified, is_protected;
} cacct;

typedef struct cstat {
  char *id, *username, *reason;
  int status;
  int64_t at;
} cstat;

typedef struct cedge {
  char *src, *dst;
  int kind;
  int64_t seen_at;
} cedge;

typedef struct crej {
  uint64_t line;
  char *field, *reason;
} crej;

typedef struct coll {
  cpost *posts; size_t np;
  cacct *accts; size_t na;
  cstat *stats; size_t ns;
  cedge *edges; size_t ne;
  crej *rejs; size_t nr;
  size_t checkpoints;
  uint64_t last_cp_line, last_cp_off;
} coll;

static char *dup(vigil_str s) {
  if (!s.ptr) return NULL;
  char *p = malloc(s.len + 1);
  memcpy(p, s.ptr, s.len);
  p[s.len] = 0;
  return p;
}

static void cat(char **acc, const char *piece) {
  size_t a = *acc ? strlen(*acc) : 0, b = strlen(piece);
  *acc = realloc(*acc, a + b + 1);
  memcpy(*acc + a, piece, b + 1);
}

static void cat_str(char **acc, vigil_str s) {
  char *d = dup(s);
  cat(acc, d ? d : "-");
  free(d);
}

#define GROW(arr, n) ((arr) = realloc((arr), ((n) + 1) * sizeof *(arr)), &(arr)[(n)++])

static int on_post(void *ctx, const vigil_srcpos *pos, const vigil_post *p) {
  coll *c = ctx;
  cpost *x = GROW(c->posts, c->np);
  memset(x, 0, sizeof *x);
  x->id = dup(p->platform_id);
  x->platform = dup(p->platform);
  x->author_id = dup(p->author.platform_id);
  x->author_name = dup(p->author.username);
  x->text = dup(p->text);
  x->lang = dup(p->lang);
  x->source = dup(p->source);
  x->created_at = p->created_at;
  x->reply_post = dup(p->reply_to_post_id);
  x->reply_id = dup(p->reply_to.platform_id);
  x->reply_name = dup(p->reply_to.username);
  x->rt_post = dup(p->retweet_of_post_id);
  x->rt_id = dup(p->retweet_of.platform_id);
  x->rt_name = dup(p->retweet_of.username);
  x->q_post = dup(p->quote_of_post_id);
  x->q_id = dup(p->quote_of.platform_id);
  x->q_name = dup(p->quote_of.username);
  x->line = pos->line;
  for (size_t i = 0; i < p->n_mentions; i++) {
    cat_str(&x->mentions, p->mentions[i].platform_id);
    cat(&x->mentions, ":");
    cat_str(&x->mentions, p->mentions[i].username);
    cat(&x->mentions, ";");
  }
  for (size_t i = 0; i < p->n_hashtags; i++) {
    cat_str(&x->tags, p->hashtags[i]);
    cat(&x->tags, ";");
  }
  for (size_t i = 0; i < p->n_urls; i++) {
    cat_str(&x->urls, p->urls[i].url);
    cat(&x->urls, ">");
    cat_str(&x->urls, p->urls[i].expanded);
    cat(&x->urls, ";");
  }
  for (size_t i = 0; i < p->n_media; i++) {
    cat_str(&x->media, p->media[i].key);
    cat(&x->media, "|");
    cat_str(&x->media, p->media[i].type);
    cat(&x->media, "|");
    cat_str(&x->media, p->media[i].url);
    cat(&x->media, ";");
  }
  return 0;
}

static int on_account(void *ctx, const vigil_srcpos *pos, const vigil_account *a) {
  coll *c = ctx;
  cacct *x = GROW(c->accts, c->na);
  x->platform = dup(a->platform);
  x->id = dup(a->platform_id);
  x->username = dup(a->username);
  x->display_name = dup(a->display_name);
  x->description = dup(a->description);
  x->location = dup(a->location);
  x->url = dup(a->url);
  x->img = dup(a->profile_image_url);
  x->lang = dup(a->lang);
  x->created_at = a->created_at;
  x->followers = a->followers;
  x->following = a->following;
  x->statuses = a->statuses;
  x->verified = a->verified;
  x->is_protected = a->is_protected;
  return 0;
}

static int on_status(void *ctx, const vigil_srcpos *pos, const vigil_status_obs *s) {
  coll *c = ctx;
  cstat *x = GROW(c->stats, c->ns);
  x->id = dup(s->account.platform_id);
  x->username = dup(s->account.username);
  x->reason = dup(s->reason);
  x->status = s->status;
  x->at = s->observed_at;
  return 0;
}

static int on_edge(void *ctx, const vigil_srcpos *pos, const vigil_edge *e) {
  coll *c = ctx;
  cedge *x = GROW(c->edges, c->ne);
  x->src = dup(e->src.platform_id);
  x->dst = dup(e->dst.platform_id);
  x->kind = e->kind;
  x->seen_at = e->seen_at;
  return 0;
}

static int on_reject(void *ctx, const vigil_srcpos *pos, const char *field, const char *reason) {
  coll *c = ctx;
  crej *x = GROW(c->rejs, c->nr);
  x->line = pos->line;
  x->field = field ? strdup(field) : NULL;
  x->reason = strdup(reason);
  return 0;
}

static int on_checkpoint(void *ctx, const vigil_srcpos *next) {
  coll *c = ctx;
  c->checkpoints++;
  c->last_cp_line = next->line;
  c->last_cp_off = next->offset;
  return 0;
}

static void coll_free(coll *c) {
  for (size_t i = 0; i < c->np; i++) {
    cpost *p = &c->posts[i];
    char *f[] = {p->id, p->author_id, p->author_name, p->text, p->lang, p->source, p->platform,
                 p->reply_post, p->reply_id, p->reply_name, p->rt_post, p->rt_id, p->rt_name,
                 p->q_post, p->q_id, p->q_name, p->mentions, p->tags, p->urls, p->media};
    for (size_t k = 0; k < sizeof f / sizeof *f; k++) free(f[k]);
  }
  for (size_t i = 0; i < c->na; i++) {
    cacct *a = &c->accts[i];
    char *f[] = {a->platform, a->id, a->username, a->display_name, a->description,
                 a->location, a->url, a->img, a->lang};
    for (size_t k = 0; k < sizeof f / sizeof *f; k++) free(f[k]);
  }
  for (size_t i = 0; i < c->ns; i++) free(c->stats[i].id), free(c->stats[i].username), free(c->stats[i].reason);
  for (size_t i = 0; i < c->ne; i++) free(c->edges[i].src), free(c->edges[i].dst);
  for (size_t i = 0; i < c->nr; i++) free(c->rejs[i].field), free(c->rejs[i].reason);
  free(c->posts), free(c->accts), free(c->stats), free(c->edges), free(c->rejs);
  memset(c, 0, sizeof *c);
}

static vigil_sink make_sink(coll *c) {
  vigil_sink s = {c, on_account, on_post, on_status, on_edge, on_reject, on_checkpoint};
  return s;
}

/* Parses a file under tests/data/ingest with the given format. */
static int parse_file(const char *path, int fmt, const vigil_parse_opts *o, coll *c) {
  memset(c, 0, sizeof *c);
  vigil_reader *r;
  int rc = vigil_reader_open(path, &r);
  if (rc) return rc;
  vigil_sink s = make_sink(c);
  rc = vigil_parse(fmt, r, o, &s);
  vigil_reader_free(r);
  return rc;
}

static int parse_td(const char *rel, int fmt, const vigil_parse_opts *o, coll *c) {
  char path[4096];
  snprintf(path, sizeof path, "%s", vt_testdata(rel));
  return parse_file(path, fmt, o, c);
}

static const cpost *find_post(const coll *c, const char *id) {
  for (size_t i = 0; i < c->np; i++)
    if (c->posts[i].id && strcmp(c->posts[i].id, id) == 0) return &c->posts[i];
  return NULL;
}

static const cacct *find_acct(const coll *c, const char *id) {
  for (size_t i = 0; i < c->na; i++)
    if (c->accts[i].id && strcmp(c->accts[i].id, id) == 0) return &c->accts[i];
  return NULL;
}

#define assert_str(a, b) assert_non_null(a), assert_string_equal((a), (b))

/* ---- twarc2 fixtures -------------------------------------------------------------- */

static void test_twarc2_page(void **state) {
  coll c;
  assert_int_equal(parse_td("ingest/twarc2_page.jsonl", VIGIL_FORMAT_TWARC2, NULL, &c), 0);
  assert_int_equal(c.np, 3); /* 2 data + 1 includes.tweets */
  assert_int_equal(c.na, 3);
  assert_int_equal(c.nr, 0);
  assert_int_equal(c.checkpoints, 3); /* page, blank line, counts page */
  assert_int_equal(c.last_cp_line, 3); /* lines consumed, as vigil_reader_seek_line takes */

  const cpost *p = find_post(&c, "1500000000000000001");
  assert_non_null(p);
  assert_str(p->platform, "twitter");
  assert_str(p->author_id, "101");
  assert_str(p->author_name, "alice");
  assert_str(p->text, "@bob look #Vigil https://t.co/abc");
  assert_str(p->lang, "en");
  assert_str(p->source, "Twitter Web App");
  assert_int_equal(p->created_at, 1641092645); /* 2022-01-02T03:04:05Z */
  assert_str(p->reply_post, "1400000000000000009");
  assert_str(p->reply_id, "102"); /* from includes.tweets author_id */
  assert_str(p->reply_name, "bob");
  assert_str(p->q_post, "1400000000000000008");
  assert_null(p->q_id); /* quoted tweet not in includes */
  assert_str(p->mentions, "102:bob;");
  assert_str(p->tags, "Vigil;");
  assert_str(p->urls, "https://t.co/abc>https://example.org/final;");
  assert_str(p->media, "3_999|photo|https://pbs.example/m.jpg;");
  assert_int_equal(p->line, 1);

  p = find_post(&c, "1500000000000000002");
  assert_non_null(p);
  assert_str(p->text, "RT @bob: hello world, the long version"); /* note_tweet wins */
  assert_str(p->rt_post, "1400000000000000009");
  assert_str(p->rt_id, "102");
  assert_str(p->rt_name, "bob");
  /* a mention without its id: the user of that name in the same page */
  assert_str(p->mentions, "102:bob;");
  assert_null(p->reply_post);

  p = find_post(&c, "1400000000000000009");
  assert_non_null(p);
  assert_str(p->text, "hello world");
  assert_str(p->author_id, "102");

  const cacct *a = find_acct(&c, "101");
  assert_non_null(a);
  assert_str(a->username, "alice");
  assert_str(a->display_name, "Alice A");
  assert_str(a->description, "bio of alice");
  assert_str(a->location, "Paris");
  assert_str(a->url, "https://alice.example");
  assert_str(a->img, "https://pbs.example/a.jpg");
  assert_int_equal(a->followers, 10);
  assert_int_equal(a->following, 20);
  assert_int_equal(a->statuses, 30);
  assert_int_equal(a->verified, 0);
  assert_int_equal(a->is_protected, 0);
  assert_int_equal(a->created_at, 1273129689); /* 2010-05-06T07:08:09Z */
  a = find_acct(&c, "103");
  assert_non_null(a);
  assert_int_equal(a->verified, 1);
  assert_int_equal(a->is_protected, 1);
  assert_int_equal(a->followers, VIGIL_COUNT_UNKNOWN);

  /* errors: a suspended user named by username, a user not found by id */
  assert_int_equal(c.ns, 2);
  assert_null(c.stats[0].id);
  assert_str(c.stats[0].username, "evil");
  assert_int_equal(c.stats[0].status, VIGIL_STATUS_SUSPENDED);
  assert_int_equal(c.stats[0].at, 1641168000); /* retrieved_at */
  assert_str(c.stats[1].id, "777");
  assert_int_equal(c.stats[1].status, VIGIL_STATUS_DELETED);
  coll_free(&c);
}

static void test_twarc2_flat(void **state) {
  coll c;
  assert_int_equal(parse_td("ingest/twarc2_flat.jsonl", VIGIL_FORMAT_TWARC2, NULL, &c), 0);
  assert_int_equal(c.nr, 0);
  assert_int_equal(c.np, 2);
  /* erin (author), dave (expanded mention), dave again (retweeted author) */
  assert_int_equal(c.na, 3);
  assert_non_null(find_acct(&c, "201"));
  const cacct *d = find_acct(&c, "202");
  assert_non_null(d);
  assert_str(d->username, "dave");
  const cpost *p = find_post(&c, "1600000000000000001");
  assert_non_null(p);
  assert_str(p->author_name, "erin");
  assert_str(p->rt_post, "1600000000000000000");
  assert_str(p->rt_id, "202");
  assert_str(p->rt_name, "dave");
  assert_str(p->media, "16_1|animated_gif|https://pbs.example/g.jpg;");
  assert_str(p->mentions, "202:dave;");
  p = find_post(&c, "1600000000000000000");
  assert_non_null(p);
  assert_str(p->text, "original text");
  assert_str(p->author_name, "dave");
  /* the retweeted post is emitted before the retweet */
  assert_string_equal(c.posts[0].id, "1600000000000000000");
  coll_free(&c);
}

static void test_twarc2_followers(void **state) {
  coll c;
  assert_int_equal(parse_td("ingest/twarc2_followers.jsonl", VIGIL_FORMAT_TWARC2, NULL, &c), 0);
  assert_int_equal(c.nr, 0);
  assert_int_equal(c.na, 3);
  assert_int_equal(c.np, 0);
  assert_int_equal(c.ne, 3);
  assert_str(c.edges[0].src, "301"); /* follower -> target */
  assert_str(c.edges[0].dst, "12345");
  assert_str(c.edges[1].src, "302");
  assert_str(c.edges[2].src, "12345"); /* target -> followed */
  assert_str(c.edges[2].dst, "303");
  for (size_t i = 0; i < c.ne; i++) {
    assert_int_equal(c.edges[i].kind, VIGIL_EDGE_FOLLOW);
    assert_int_equal(c.edges[i].seen_at, 1643760000);
  }
  coll_free(&c);
}

static void test_twarc2_compliance(void **state) {
  coll c;
  assert_int_equal(parse_td("ingest/twarc2_users_compliance.jsonl", VIGIL_FORMAT_TWARC2, NULL, &c), 0);
  assert_int_equal(c.nr, 0);
  assert_int_equal(c.np + c.na + c.ne, 0);
  assert_int_equal(c.ns, 3);
  assert_str(c.stats[0].id, "401");
  assert_int_equal(c.stats[0].status, VIGIL_STATUS_PROTECTED);
  assert_int_equal(c.stats[0].at, 1370363104);
  assert_str(c.stats[1].id, "402");
  assert_int_equal(c.stats[1].status, VIGIL_STATUS_SUSPENDED);
  assert_str(c.stats[2].id, "404");
  assert_int_equal(c.stats[2].status, VIGIL_STATUS_DELETED);
  assert_str(c.stats[2].reason, "user_delete");
  coll_free(&c);
}

static void test_twarc2_wrong_types(void **state) {
  coll c;
  vigil_parse_opts o;
  vigil_parse_opts_init(&o);
  o.max_field = 1000;
  assert_int_equal(parse_td("ingest/twarc2_wrongtypes.jsonl", VIGIL_FORMAT_TWARC2, &o, &c), 0);
  /* good posts 1 and 5 survive; 2, 3, data[3] and the long line are rejected */
  assert_int_equal(c.np, 2);
  assert_non_null(find_post(&c, "1"));
  assert_non_null(find_post(&c, "5"));
  assert_int_equal(c.na, 1); /* u11 rejected for its string followers_count */
  assert_non_null(find_acct(&c, "15"));
  assert_int_equal(c.nr, 5);
  assert_str(c.rejs[0].field, "includes.users[0].public_metrics.followers_count");
  assert_str(c.rejs[1].field, "data[1].author_id");
  assert_str(c.rejs[2].field, "data[2].entities.hashtags[1].tag");
  assert_str(c.rejs[3].field, "data[3]");
  assert_int_equal(c.rejs[3].line, 1);
  assert_str(c.rejs[4].field, "text");
  assert_str(c.rejs[4].reason, "field exceeds 1000 bytes");
  assert_int_equal(c.rejs[4].line, 2);
  coll_free(&c);
}

/* ---- v1 and mastodon -------------------------------------------------------------------- */

static void test_v1(void **state) {
  coll c;
  assert_int_equal(parse_td("ingest/v1.jsonl", VIGIL_FORMAT_TWITTER_V1, NULL, &c), 0);
  assert_int_equal(c.nr, 0);
  assert_int_equal(c.np, 3);
  assert_int_equal(c.na, 4); /* TwitterDev, quoted_guy, TwitterAPI, replier */
  const cpost *p = find_post(&c, "1050118621198921728"); /* > 2^53: from id_str */
  assert_non_null(p);
  assert_str(p->author_id, "2244994945");
  assert_str(p->author_name, "TwitterDev");
  assert_str(p->source, "Twitter for Android");
  assert_str(p->text, "RT @quoted_guy: full text here");
  assert_int_equal(p->created_at, 1539202764); /* Wed Oct 10 20:19:24 +0000 2018 */
  assert_str(p->rt_post, "1049680000000000001");
  assert_str(p->rt_id, "1111");
  assert_str(p->rt_name, "quoted_guy");
  assert_null(p->reply_post);
  assert_str(p->urls, "https://t.co/x>https://example.com/x;");
  assert_str(p->media, "77|photo|https://pbs.example/1.jpg;78|photo|https://pbs.example/2.jpg;");
  assert_str(p->mentions, "1111:quoted_guy;");
  p = find_post(&c, "1049680000000000001");
  assert_non_null(p);
  assert_str(p->text, "the full text of the original #tag @someone");
  assert_str(p->tags, "tag;");
  assert_str(p->mentions, "555:someone;");
  p = find_post(&c, "1050200000000000000");
  assert_non_null(p);
  assert_str(p->reply_post, "1050118621198921728");
  assert_str(p->reply_id, "2244994945");
  assert_str(p->reply_name, "TwitterDev");
  assert_str(p->q_post, "1049680000000000001");
  const cacct *a = find_acct(&c, "2244994945");
  assert_non_null(a);
  assert_str(a->url, "https://developer.twitter.com");
  assert_int_equal(a->followers, 477684);
  assert_int_equal(a->following, 1524);
  assert_int_equal(a->statuses, 3511);
  assert_int_equal(a->verified, 1);
  assert_str(a->lang, "en");
  a = find_acct(&c, "6253282");
  assert_non_null(a);
  assert_str(a->username, "TwitterAPI");
  coll_free(&c);
}

static void test_mastodon(void **state) {
  coll c;
  assert_int_equal(parse_td("ingest/mastodon.jsonl", VIGIL_FORMAT_MASTODON, NULL, &c), 0);
  assert_int_equal(c.nr, 0);
  assert_int_equal(c.np, 2);
  assert_int_equal(c.na, 5); /* alice, bob (status line), alice, bob, bad (array) */
  const cpost *in = find_post(&c, "https://other.example/users/bob/statuses/77");
  assert_non_null(in);
  assert_str(in->platform, "mastodon");
  assert_str(in->author_id, "bob@other.example");
  assert_str(in->text, "Original #news from @alice\n\nsecond para news.example/story again");
  assert_str(in->lang, "en");
  assert_str(in->source, "Tusky");
  assert_str(in->reply_id, "alice@mastodon.example");
  assert_null(in->reply_post);
  assert_str(in->mentions, "alice@mastodon.example:alice@mastodon.example;");
  assert_str(in->tags, "news;");
  assert_str(in->media, "555|image|https://files.example/m.png;");
  /* content links (entity-decoded; mention/hashtag anchors excluded), then
   * the card URL only if not already there */
  assert_str(in->urls, "https://news.example/story?a=1&b=2>-;https://news.example/story>-;");
  const cpost *out = find_post(&c, "https://mastodon.example/users/alice/statuses/2002/activity");
  assert_non_null(out);
  assert_str(out->author_id, "alice@mastodon.example");
  assert_str(out->rt_post, "https://other.example/users/bob/statuses/77");
  assert_str(out->rt_id, "bob@other.example");
  assert_str(out->text, "");
  const cacct *a = find_acct(&c, "alice@mastodon.example");
  assert_non_null(a);
  assert_str(a->description, "I post & share\nlinks <here> \xF0\x9F\x98\x80");
  assert_int_equal(a->followers, 11);
  assert_int_equal(a->is_protected, 0);
  a = find_acct(&c, "bob@other.example");
  assert_non_null(a);
  assert_int_equal(a->is_protected, 1);
  assert_int_equal(c.ns, 1);
  assert_str(c.stats[0].id, "bad@evil.example");
  assert_int_equal(c.stats[0].status, VIGIL_STATUS_SUSPENDED);
  coll_free(&c);
}

/* ---- bad input ------------------------------------------------------------------------------ */

static void test_truncated(void **state) {
  coll c;
  assert_int_equal(parse_td("ingest/truncated.jsonl", VIGIL_FORMAT_TWARC2, NULL, &c), 0);
  assert_int_equal(c.np, 1);
  assert_int_equal(c.nr, 1);
  assert_int_equal(c.rejs[0].line, 2);
  assert_null(c.rejs[0].field);
  assert_non_null(strstr(c.rejs[0].reason, "malformed JSON near byte"));
  coll_free(&c);
}

static void test_bad_utf8(void **state) {
  coll c;
  assert_int_equal(parse_td("ingest/badutf8.jsonl", VIGIL_FORMAT_TWARC2, NULL, &c), 0);
  assert_int_equal(c.np, 1);
  assert_non_null(find_post(&c, "3"));
  assert_int_equal(c.nr, 2);
  assert_str(c.rejs[0].field, "utf8");
  assert_int_equal(c.rejs[0].line, 1);
  assert_str(c.rejs[1].field, "utf8");
  assert_int_equal(c.rejs[1].line, 3);
  coll_free(&c);
}

static void test_garbage_and_empty(void **state) {
  int fmts[] = {VIGIL_FORMAT_TWARC2, VIGIL_FORMAT_TWITTER_V1, VIGIL_FORMAT_MASTODON};
  for (size_t f = 0; f < 3; f++) {
    coll c;
    assert_int_equal(parse_td("ingest/garbage.bin", fmts[f], NULL, &c), 0);
    assert_int_equal(c.np + c.na + c.ns + c.ne, 0);
    assert_true(c.nr >= 1);
    coll_free(&c);
    assert_int_equal(parse_td("ingest/empty.jsonl", fmts[f], NULL, &c), 0);
    assert_int_equal(c.np + c.na + c.ns + c.ne + c.nr + c.checkpoints, 0);
    coll_free(&c);
  }
  vigil_reader *r;
  assert_int_equal(vigil_reader_open(vt_testdata("ingest/garbage.bin"), &r), 0);
  assert_int_equal(vigil_detect_format(r), VIGIL_EFORMAT);
  vigil_reader_free(r);
  assert_int_equal(vigil_reader_open(vt_testdata("ingest/empty.jsonl"), &r), 0);
  assert_int_equal(vigil_detect_format(r), VIGIL_EFORMAT);
  vigil_reader_free(r);
  /* auto on an empty input reads nothing and is not an error; on garbage it is */
  coll c;
  assert_int_equal(parse_td("ingest/empty.jsonl", VIGIL_FORMAT_AUTO, NULL, &c), 0);
  coll_free(&c);
  assert_int_equal(parse_td("ingest/garbage.bin", VIGIL_FORMAT_AUTO, NULL, &c), VIGIL_EFORMAT);
  coll_free(&c);
}

static void test_line_cap(void **state) {
  /* a line longer than the reader's cap is rejected, the rest goes on */
  char buf[600];
  int n = snprintf(buf, sizeof buf, "{\"id\":\"1\",\"author_id\":\"2\",\"text\":\"%0300d\"}\n"
                                    "{\"id\":\"3\",\"author_id\":\"4\",\"text\":\"short\"}\n", 0);
  vigil_reader *r;
  assert_int_equal(vigil_reader_open_mem(buf, (size_t)n, "mem", &r), 0);
  vigil_reader_set_max_line(r, 100);
  coll c;
  memset(&c, 0, sizeof c);
  vigil_sink s = make_sink(&c);
  assert_int_equal(vigil_parse_twarc2(r, NULL, &s), 0);
  vigil_reader_free(r);
  assert_int_equal(c.np, 1);
  assert_int_equal(c.nr, 1);
  assert_int_equal(c.rejs[0].line, 1);
  assert_str(c.rejs[0].reason, "record exceeds the line-size cap");
  assert_int_equal(c.checkpoints, 2);
  coll_free(&c);
}

static int abort_reject(void *ctx, const vigil_srcpos *pos, const char *f, const char *r) {
  return VIGIL_EPARSE;
}

static void test_strict_abort(void **state) {
  coll c;
  memset(&c, 0, sizeof c);
  vigil_sink s = make_sink(&c);
  s.reject = abort_reject;
  vigil_reader *r;
  assert_int_equal(vigil_reader_open(vt_testdata("ingest/truncated.jsonl"), &r), 0);
  assert_int_equal(vigil_parse_twarc2(r, NULL, &s), VIGIL_EPARSE);
  vigil_reader_free(r);
  assert_int_equal(c.np, 1);
  coll_free(&c);
}

/* Mentions that come without an id take it from the page's includes.users,
 * whatever the case of the name; one not there stays a bare name; one with
 * its id keeps it; a later line knows nothing of an earlier page's users. */
static void test_twarc2_mention_ids(void **state) {
  (void)state;
  static const char doc[] =
      "{\"data\": [{\"id\": \"9001\", \"author_id\": \"1\", \"text\": \"@BoB @carol @dan\","
      " \"entities\": {\"mentions\": [{\"username\": \"BoB\"}, {\"username\": \"carol\"},"
      " {\"username\": \"dan\", \"id\": \"77\"}]}}],"
      " \"includes\": {\"users\": [{\"id\": \"1\", \"username\": \"ann\"},"
      " {\"id\": \"42\", \"username\": \"bob\"}, {\"id\": \"78\", \"username\": \"dan\"}]}}\n"
      "{\"id\": \"9002\", \"author_id\": \"1\", \"text\": \"@bob\","
      " \"entities\": {\"mentions\": [{\"username\": \"bob\"}]}}\n";
  coll c;
  memset(&c, 0, sizeof c);
  vigil_reader *r;
  assert_int_equal(vigil_reader_open_mem(doc, sizeof doc - 1, "mem", &r), 0);
  vigil_sink s = make_sink(&c);
  assert_int_equal(vigil_parse(VIGIL_FORMAT_TWARC2, r, NULL, &s), 0);
  vigil_reader_free(r);
  const cpost *p = find_post(&c, "9001");
  assert_non_null(p);
  assert_str(p->mentions, "42:BoB;-:carol;77:dan;");
  p = find_post(&c, "9002");
  assert_non_null(p);
  assert_str(p->mentions, "-:bob;");
  coll_free(&c);
}

/* ---- detection, names, utf8 --------------------------------------------------------------------- */

static int detect_mem(const char *s) {
  vigil_reader *r;
  if (vigil_reader_open_mem(s, strlen(s), "mem", &r)) return -999;
  int f = vigil_detect_format(r);
  vigil_reader_free(r);
  return f;
}

static void test_detect(void **state) {
  const struct { const char *rel; int fmt; } files[] = {
      {"ingest/twarc2_page.jsonl", VIGIL_FORMAT_TWARC2},
      {"ingest/twarc2_flat.jsonl", VIGIL_FORMAT_TWARC2},
      {"ingest/twarc2_users_compliance.jsonl", VIGIL_FORMAT_TWARC2},
      {"ingest/v1.jsonl", VIGIL_FORMAT_TWITTER_V1},
      {"ingest/mastodon.jsonl", VIGIL_FORMAT_MASTODON}};
  for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
    vigil_reader *r;
    assert_int_equal(vigil_reader_open(vt_testdata(files[i].rel), &r), 0);
    int f = vigil_detect_format(r);
    if (f != files[i].fmt) fprintf(stderr, "detect %s -> %d\n", files[i].rel, f);
    assert_int_equal(f, files[i].fmt);
    /* peeking consumed nothing: the parse still sees line 1 */
    vigil_str line;
    assert_int_equal(vigil_reader_getline(r, &line), 1);
    assert_int_equal(vigil_reader_line(r), 1);
    vigil_reader_free(r);
  }
  assert_int_equal(detect_mem("name,username,tweets\nx,y,z\n"), VIGIL_FORMAT_CSV);
  assert_int_equal(detect_mem("# comment\n1 2\n3 4 1\n"), VIGIL_FORMAT_EDGELIST);
  assert_int_equal(detect_mem("214328887 34428380\n17116707 28465635\n"), VIGIL_FORMAT_EDGELIST);
  assert_int_equal(detect_mem("\n\n[{\"acct\":\"a\",\"username\":\"a\"}]\n"), VIGIL_FORMAT_MASTODON);
  assert_int_equal(detect_mem("{\"id_str\":\"1\",\"text\":\"x\",\"user\":{}}\n"), VIGIL_FORMAT_TWITTER_V1);
  assert_int_equal(detect_mem("{\"foo\": 1}\n"), VIGIL_EFORMAT);
  assert_int_equal(detect_mem("just some prose here\n"), VIGIL_EFORMAT);
}

static void test_names_opts(void **state) {
  for (int f = 0; f < VIGIL_FORMAT_COUNT; f++)
    assert_int_equal(vigil_format_parse(vigil_format_name(f)), f);
  assert_string_equal(vigil_format_name(VIGIL_FORMAT_TWITTER_V1), "twitter-v1");
  assert_int_equal(vigil_format_parse("nope"), VIGIL_EINVAL);
  assert_null(vigil_format_name(VIGIL_FORMAT_COUNT));
  vigil_parse_opts o;
  vigil_parse_opts_init(&o);
  assert_true(vigil_str_eq_c(o.platform, "twitter"));
  assert_int_equal(o.edge_kind, VIGIL_EDGE_FOLLOW);
  assert_int_equal(o.max_field, 1 << 20);
  assert_true(o.observed_at == VIGIL_TIME_UNKNOWN);
}

static void test_utf8(void **state) {
  const struct { const char *s; size_t n; int ok; } cases[] = {
      {"", 0, 1},
      {"plain ascii text that is longer than thirty-two bytes, really", 62, 1},
      {"caf\xC3\xA9", 5, 1},
      {"\xE2\x82\xAC\xF0\x9F\x98\x80", 7, 1},
      {"\xF4\x8F\xBF\xBF", 4, 1},          /* U+10FFFF */
      {"\xC0\xAF", 2, 0},                  /* overlong '/' */
      {"\xE0\x80\xAF", 3, 0},              /* overlong */
      {"\xED\xA0\x80", 3, 0},              /* surrogate */
      {"\xF4\x90\x80\x80", 4, 0},          /* > U+10FFFF */
      {"\xF5\x80\x80\x80", 4, 0},
      {"abc\x80", 4, 0},                   /* stray continuation */
      {"abcdefghijklmnopqrstuvwxyz012345\xC3", 33, 0}, /* truncated at end */
      {"abcdefgh\xE2\x82", 10, 0},
      {"a\0b", 3, 1},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    if (vigil_utf8_valid(cases[i].s, cases[i].n) != cases[i].ok)
      fprintf(stderr, "utf8 case %zu\n", i);
    assert_int_equal(vigil_utf8_valid(cases[i].s, cases[i].n), cases[i].ok);
  }
  /* a non-ASCII byte at every offset of a long ASCII run */
  char buf[80];
  for (size_t at = 0; at < 70; at++) {
    memset(buf, 'a', sizeof buf);
    buf[at] = (char)0xFF;
    assert_int_equal(vigil_utf8_valid(buf, sizeof buf), 0);
    buf[at] = (char)0xC3;
    buf[at + 1] = (char)0xA9;
    assert_int_equal(vigil_utf8_valid(buf, sizeof buf), 1);
  }
}

/* ---- real twarc2 files ---------------------------------------------------------------------------- */

/* a tiny string set for the independent count */
typedef struct sset { char **v; size_t n, cap; } sset;
static void sset_add(sset *s, const char *k) {
  if (!k) return;
  for (size_t i = 0; i < s->n; i++) if (strcmp(s->v[i], k) == 0) return;
  if (s->n == s->cap) s->cap = s->cap ? s->cap * 2 : 64, s->v = realloc(s->v, s->cap * sizeof *s->v);
  s->v[s->n++] = strdup(k);
}
static int sset_has(const sset *s, const char *k) {
  for (size_t i = 0; i < s->n; i++) if (strcmp(s->v[i], k) == 0) return 1;
  return 0;
}
static void sset_free(sset *s) {
  for (size_t i = 0; i < s->n; i++) free(s->v[i]);
  free(s->v);
  memset(s, 0, sizeof *s);
}
static const char *sget(const cJSON *o, const char *k) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
  return cJSON_IsString(v) ? v->valuestring : NULL;
}
static int is_tweet(const cJSON *o) {
  return cJSON_GetObjectItemCaseSensitive(o, "text") || cJSON_GetObjectItemCaseSensitive(o, "author_id");
}
/* a flattened tweet: itself, its inline users, its inline referenced tweets */
static void scan_flat(const cJSON *t, sset *tw, sset *us, int depth) {
  sset_add(tw, sget(t, "id"));
  const cJSON *u = cJSON_GetObjectItemCaseSensitive(t, "author");
  if (u) sset_add(us, sget(u, "id"));
  u = cJSON_GetObjectItemCaseSensitive(t, "in_reply_to_user");
  if (u) sset_add(us, sget(u, "id"));
  const cJSON *m, *e = cJSON_GetObjectItemCaseSensitive(t, "entities");
  cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(e, "mentions"))
    if (cJSON_GetObjectItemCaseSensitive(m, "name")) sset_add(us, sget(m, "id"));
  if (depth == 0)
    cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(t, "referenced_tweets"))
      if (cJSON_GetObjectItemCaseSensitive(m, "text")) scan_flat(m, tw, us, 1);
}
static void scan_line(const cJSON *o, sset *tw, sset *us) {
  const cJSON *d = cJSON_GetObjectItemCaseSensitive(o, "data");
  const cJSON *inc = cJSON_GetObjectItemCaseSensitive(o, "includes");
  if (!d && !inc) {
    if (is_tweet(o)) scan_flat(o, tw, us, 0);
    else if (cJSON_GetObjectItemCaseSensitive(o, "username")) sset_add(us, sget(o, "id"));
    return;
  }
  const cJSON *x;
  if (cJSON_IsObject(d)) {
    if (is_tweet(d)) sset_add(tw, sget(d, "id"));
  } else {
    cJSON_ArrayForEach(x, d) {
      if (is_tweet(x)) sset_add(tw, sget(x, "id"));
      else if (cJSON_GetObjectItemCaseSensitive(x, "username")) sset_add(us, sget(x, "id"));
    }
  }
  cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(inc, "tweets")) sset_add(tw, sget(x, "id"));
  cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(inc, "users")) sset_add(us, sget(x, "id"));
}

static void test_real_twarc2(void **state) {
  const char *dir = vt_shared("twarc2");
  if (!dir) skip();
  char dirbuf[4096];
  snprintf(dirbuf, sizeof dirbuf, "%s", dir);
  DIR *dp = opendir(dirbuf);
  assert_non_null(dp);
  struct dirent *de;
  size_t files = 0, total_posts = 0, total_accts = 0;
  while ((de = readdir(dp))) {
    size_t nl = strlen(de->d_name);
    if (nl < 6 || strcmp(de->d_name + nl - 6, ".jsonl") != 0) continue;
    char path[8192];
    snprintf(path, sizeof path, "%s/%s", dirbuf, de->d_name);
    /* independent count: cJSON directly, line by line */
    size_t len;
    char *all = vt_read_file(path, &len);
    assert_non_null(all);
    sset tw = {0}, us = {0};
    size_t bad_lines = 0;
    for (char *p = all; p < all + len;) {
      char *e = memchr(p, '\n', (size_t)(all + len - p));
      if (!e) e = all + len;
      *e = 0;
      cJSON *o = cJSON_Parse(p);
      if (o) scan_line(o, &tw, &us);
      else if (e > p) bad_lines++;
      cJSON_Delete(o);
      p = e + 1;
    }
    free(all);

    coll c;
    assert_int_equal(parse_file(path, VIGIL_FORMAT_AUTO, NULL, &c), 0);
    sset ptw = {0}, pus = {0};
    for (size_t i = 0; i < c.np; i++) sset_add(&ptw, c.posts[i].id);
    for (size_t i = 0; i < c.na; i++) sset_add(&pus, c.accts[i].id);
    if (ptw.n != tw.n || pus.n != us.n || c.nr != bad_lines)
      fprintf(stderr, "%s: posts %zu/%zu accounts %zu/%zu rejects %zu/%zu\n", de->d_name,
              ptw.n, tw.n, pus.n, us.n, c.nr, bad_lines);
    assert_int_equal(ptw.n, tw.n);
    assert_int_equal(pus.n, us.n);
    for (size_t i = 0; i < tw.n; i++) assert_true(sset_has(&ptw, tw.v[i]));
    for (size_t i = 0; i < us.n; i++) assert_true(sset_has(&pus, us.v[i]));
    assert_int_equal(c.nr, bad_lines);
    if (strcmp(de->d_name, "streaming_output_with_error.jsonl") == 0) {
      assert_int_equal(c.nr, 1);
      assert_int_equal(c.rejs[0].line, 8);
      assert_true(c.np >= 7);
    }
    if (strcmp(de->d_name, "users_compliance.jsonl") == 0) {
      assert_int_equal(c.ns, 2);
      assert_int_equal(c.stats[0].status, VIGIL_STATUS_PROTECTED);
    }
    if (strcmp(de->d_name, "tweets_compliance.jsonl") == 0 || strcmp(de->d_name, "counts.jsonl") == 0)
      assert_int_equal(c.np + c.na + c.ns + c.nr, 0);
    total_posts += c.np;
    total_accts += c.na;
    files++;
    sset_free(&tw), sset_free(&us), sset_free(&ptw), sset_free(&pus);
    coll_free(&c);
  }
  closedir(dp);
  fprintf(stderr, "real twarc2: %zu files, %zu posts, %zu accounts\n", files, total_posts, total_accts);
  assert_true(files >= 25);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_twarc2_page),        cmocka_unit_test(test_twarc2_mention_ids),
      cmocka_unit_test(test_twarc2_flat),
      cmocka_unit_test(test_twarc2_followers), cmocka_unit_test(test_twarc2_compliance),
      cmocka_unit_test(test_twarc2_wrong_types), cmocka_unit_test(test_v1),
      cmocka_unit_test(test_mastodon),         cmocka_unit_test(test_truncated),
      cmocka_unit_test(test_bad_utf8),         cmocka_unit_test(test_garbage_and_empty),
      cmocka_unit_test(test_line_cap),         cmocka_unit_test(test_strict_abort),
      cmocka_unit_test(test_detect),           cmocka_unit_test(test_names_opts),
      cmocka_unit_test(test_utf8),             cmocka_unit_test(test_real_twarc2),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
