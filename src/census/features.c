/* Per-account evidence gathered from the store in two streaming passes:
 * profiles (accounts in id order) and posts (in author order). Text becomes
 * sets of hashed tokens per account (kept as sorted 32-bit keys, never the
 * texts); the token strings are remembered only for tokens of labelled
 * accounts, since only those get a weight and can appear in a `why`. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "census/census_int.h"
#include "census/features.h"
#include "vigil/error.h"
#include "vigil/text.h"

#define MAX_PROFILE_TOKENS 256
#define MAX_POST_TOKENS 1024  /* distinct tokens kept per author */
#define MAX_RAW_TOKENS 16384  /* raw keys gathered per author before dedup */
#define MAX_NAME 64

uint32_t vc_tok_key(int group, const char *p, size_t n) {
  uint64_t h = XXH3_64bits(p, n);
  return (uint32_t)(h & VC_TOK_HASH_MASK) | ((uint32_t)group << VC_TOK_GROUP_SHIFT);
}

/* ---- key -> string dictionary (open addressing, arena of strings) ------ */
static int dict_put(vc_evidence *e, uint32_t key, const char *p, size_t n) {
  if (e->dict_count * 2 >= e->dict_cap) {
    size_t nc = e->dict_cap ? e->dict_cap * 2 : 4096;
    uint32_t *nk = calloc(nc, sizeof *nk);
    uint32_t *no = calloc(nc, sizeof *no);
    if (!nk || !no) { free(nk); free(no); return VIGIL_ENOMEM; }
    for (size_t i = 0; i < e->dict_cap; i++) {
      if (!e->dict_key[i]) continue;
      size_t j = (e->dict_key[i] * 2654435761u) & (nc - 1);
      while (nk[j]) j = (j + 1) & (nc - 1);
      nk[j] = e->dict_key[i], no[j] = e->dict_off[i];
    }
    free(e->dict_key);
    free(e->dict_off);
    e->dict_key = nk, e->dict_off = no, e->dict_cap = nc;
  }
  uint32_t k = key ? key : 1;
  size_t j = (k * 2654435761u) & (e->dict_cap - 1);
  while (e->dict_key[j]) {
    if (e->dict_key[j] == k) return 0;
    j = (j + 1) & (e->dict_cap - 1);
  }
  if (n > MAX_NAME) n = MAX_NAME;
  if (e->dict_arena.len > 0xF0000000u) return 0; /* arena bound: stop naming, keep scoring */
  e->dict_key[j] = k;
  e->dict_off[j] = (uint32_t)e->dict_arena.len;
  e->dict_count++;
  int rc = vigil_buf_append(&e->dict_arena, p, n);
  return rc ? rc : vigil_buf_putc(&e->dict_arena, '\0');
}

const char *vc_dict_get(const vc_evidence *e, uint32_t key) {
  if (!e->dict_cap) return NULL;
  uint32_t k = key ? key : 1;
  size_t j = (k * 2654435761u) & (e->dict_cap - 1);
  while (e->dict_key[j]) {
    if (e->dict_key[j] == k) return e->dict_arena.data + e->dict_off[j];
    j = (j + 1) & (e->dict_cap - 1);
  }
  return NULL;
}

/* ---- token sets ---------------------------------------------------------- */
static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return (x > y) - (x < y);
}

static int keys_push(vc_keys *k, uint32_t key) {
  if (k->n >= MAX_RAW_TOKENS) return 0;
  if (k->n == k->cap) {
    size_t nc = k->cap ? k->cap * 2 : 256;
    uint32_t *p = realloc(k->v, nc * sizeof *p);
    if (!p) return VIGIL_ENOMEM;
    k->v = p, k->cap = nc;
  }
  k->v[k->n++] = key;
  return 0;
}

/* Appends the sorted distinct keys (at most `cap`) as account `acc`'s row. */
static int csr_append(vc_csr *c, uint32_t acc, vc_keys *k, size_t cap) {
  while (c->rows < acc) c->off[++c->rows] = c->len; /* empty rows for skipped accounts */
  qsort(k->v, k->n, sizeof *k->v, cmp_u32);
  size_t m = 0;
  for (size_t i = 0; i < k->n; i++)
    if (m == 0 || k->v[i] != k->v[m - 1]) k->v[m++] = k->v[i];
  if (m > cap) m = cap; /* keeps the lowest keys: arbitrary but deterministic */
  if (c->len + m > c->cap) {
    size_t nc = c->cap ? c->cap : 1 << 16;
    while (nc < c->len + m) nc *= 2;
    uint32_t *p = realloc(c->tok, nc * sizeof *p);
    if (!p) return VIGIL_ENOMEM;
    c->tok = p, c->cap = nc;
  }
  memcpy(c->tok + c->len, k->v, m * sizeof *k->v);
  c->len += m;
  c->off[++c->rows] = c->len;
  k->n = 0;
  return 0;
}

static int csr_init(vc_csr *c, size_t n) {
  memset(c, 0, sizeof *c);
  c->off = calloc(n + 1, sizeof *c->off);
  return c->off ? 0 : VIGIL_ENOMEM;
}

static void csr_finish(vc_csr *c, size_t n) {
  while (c->rows < n) c->off[++c->rows] = c->len;
}

static void csr_free(vc_csr *c) {
  free(c->off);
  free(c->tok);
  memset(c, 0, sizeof *c);
}

/* Adds one token (group, text) to the current account; names it when the
 * account is labelled. */
static int add_tok(vc_evidence *e, vc_keys *k, int labelled, int group, const char *p,
                   size_t n) {
  if (n == 0) return 0;
  uint32_t key = vc_tok_key(group, p, n);
  int rc = keys_push(k, key);
  if (!rc && labelled) rc = dict_put(e, key, p, n);
  return rc;
}

static int add_text(vc_evidence *e, vc_keys *k, int labelled, vigil_str text) {
  if (!text.ptr || !text.len) return 0;
  if (text.len > VIGIL_TEXT_MAX_INPUT) text.len = VIGIL_TEXT_MAX_INPUT;
  int rc = vigil_text_tokens(text, VIGIL_TEXT_DROP_PLACEHOLDERS, VIGIL_STEM_ARABIC_ONLY, &e->tk);
  if (rc == VIGIL_EUTF8 || rc == VIGIL_ETOOBIG) return 0; /* bad text is no evidence */
  if (rc) return rc;
  for (size_t i = 0; i < e->tk.n && !rc; i++) {
    vigil_str t = e->tk.tok[i];
    if (t.len > 1 && t.ptr[0] == '#')
      rc = add_tok(e, k, labelled, VC_G_HASHTAG, t.ptr, t.len);
    else if (t.len >= 2 || (unsigned char)t.ptr[0] >= 0x80)
      rc = add_tok(e, k, labelled, VC_G_WORD, t.ptr, t.len);
  }
  return rc;
}

/* lower-cased category value (language, device, domain) as one token */
static int add_cat(vc_evidence *e, vc_keys *k, int labelled, int group, vigil_str v) {
  if (!v.ptr || !v.len) return 0;
  char tmp[MAX_NAME + 1];
  size_t n = v.len > MAX_NAME ? MAX_NAME : v.len;
  for (size_t i = 0; i < n; i++) {
    char c = v.ptr[i];
    tmp[i] = (char)((c >= 'A' && c <= 'Z') ? c + 32 : ((unsigned char)c < 0x20 ? ' ' : c));
  }
  return add_tok(e, k, labelled, group, tmp, n);
}

static int add_location(vc_evidence *e, vc_keys *k, int labelled, vigil_str loc) {
  if (!loc.ptr || !loc.len || loc.len > 512) return 0;
  int rc = vigil_text_normalize(loc, VIGIL_TEXT_DROP_PLACEHOLDERS, &e->scratch);
  if (rc == VIGIL_EUTF8 || rc == VIGIL_ETOOBIG) return 0;
  if (rc) return rc;
  return add_tok(e, k, labelled, VC_G_LOCATION, e->scratch.data ? e->scratch.data : "",
                 e->scratch.len);
}

static int arena_str(vc_evidence *e, vigil_str s, uint32_t *off) {
  *off = (uint32_t)e->names.len;
  if (e->names.len > 0xF0000000u) return VIGIL_ETOOBIG;
  size_t n = s.ptr ? (s.len > 128 ? 128 : s.len) : 0;
  int rc = vigil_buf_append(&e->names, n ? s.ptr : "", n);
  return rc ? rc : vigil_buf_putc(&e->names, '\0');
}

static int account_cb(void *ctx, const vigil_account_row *row) {
  vc_evidence *e = ctx;
  if (row->id <= 0 || (uint64_t)row->id >= e->n) return 0;
  uint32_t i = (uint32_t)row->id;
  const vigil_account *a = &row->a;
  e->seen[i] = 1;
  e->n_seen++;
  int rc = arena_str(e, a->platform_id, &e->pid_off[i]);
  if (!rc) rc = arena_str(e, a->username, &e->user_off[i]);
  if (rc) return rc;
  e->has_profile[i] = (uint8_t)(row->has_profile != 0);
  e->followers[i] = a->followers >= 0 ? (float)a->followers : -1;
  e->following[i] = a->following >= 0 ? (float)a->following : -1;
  e->statuses[i] = a->statuses >= 0 ? (float)a->statuses : -1;
  e->created[i] = a->created_at;
  if (a->created_at != VIGIL_TIME_UNKNOWN && a->created_at > e->t_max) e->t_max = a->created_at;
  if (row->profile_at != VIGIL_TIME_UNKNOWN && row->profile_at > e->t_max)
    e->t_max = row->profile_at;
  if (!row->has_profile) return csr_append(&e->prof, i, &e->keys, MAX_PROFILE_TOKENS);
  int lab = e->label[i] != 0;
  rc = add_text(e, &e->keys, lab, a->display_name);
  if (!rc) rc = add_text(e, &e->keys, lab, a->description);
  if (!rc) rc = add_cat(e, &e->keys, lab, VC_G_LANG, a->lang);
  if (!rc) rc = add_location(e, &e->keys, lab, a->location);
  if (!rc && a->url.ptr) {
    /* the profile link's host, e.g. "t.me" */
    vigil_str u = a->url;
    const char *p = memchr(u.ptr, ':', u.len);
    if (p && (size_t)(p - u.ptr) + 3 < u.len && p[1] == '/' && p[2] == '/') {
      const char *h = p + 3, *end = u.ptr + u.len, *q = h;
      while (q < end && *q != '/' && *q != '?' && *q != '#') q++;
      rc = add_cat(e, &e->keys, lab, VC_G_DOMAIN, (vigil_str){h, (size_t)(q - h)});
    }
  }
  if (!rc) rc = csr_append(&e->prof, i, &e->keys, MAX_PROFILE_TOKENS);
  return rc;
}

static int flush_author(vc_evidence *e) {
  if (!e->cur_author) return 0;
  int rc = csr_append(&e->post, e->cur_author, &e->keys, MAX_POST_TOKENS);
  e->cur_author = 0;
  return rc;
}

static int post_cb(void *ctx, const vigil_post_row *p) {
  vc_evidence *e = ctx;
  if (p->author <= 0 || (uint64_t)p->author >= e->n) return 0;
  uint32_t a = (uint32_t)p->author;
  if (a != e->cur_author) {
    int rc = flush_author(e);
    if (rc) return rc;
    if (a <= e->post.rows) return 0; /* out of order: the store promised author order */
    e->cur_author = a;
  }
  if (e->n_posts[a] < UINT32_MAX) e->n_posts[a]++;
  if (p->created_at != VIGIL_TIME_UNKNOWN) {
    if (p->created_at > e->t_max) e->t_max = p->created_at;
    if (!e->first_post[a] || p->created_at < e->first_post[a]) e->first_post[a] = p->created_at;
  }
  int lab = e->label[a] != 0;
  int rc = add_text(e, &e->keys, lab, p->text);
  if (!rc) rc = add_cat(e, &e->keys, lab, VC_G_LANG, p->lang);
  if (!rc) rc = add_cat(e, &e->keys, lab, VC_G_DEVICE, p->source);
  for (size_t i = 0; i < p->n_urls && !rc; i++)
    rc = add_cat(e, &e->keys, lab, VC_G_DOMAIN, p->url_domains[i]);
  if (e->post_counter++ % 200000 == 0 && e->progress)
    e->progress(e->progress_ctx, "posts", e->post_counter);
  return rc;
}

int vc_evidence_load(vigil_store *s, vc_evidence *e) {
  int rc;
  int64_t mx = vigil_store_max_account_id(s);
  if (mx < 0 || mx >= (int64_t)UINT32_MAX - 2) return VIGIL_ETOOBIG;
  size_t n = (size_t)mx + 1;
  e->n = n;
  e->t_max = INT64_MIN;
#define A(p) if (!((p) = calloc(n, sizeof *(p)))) return VIGIL_ENOMEM
  A(e->has_profile); A(e->followers); A(e->following); A(e->statuses); A(e->created);
  A(e->n_posts); A(e->first_post); A(e->pid_off); A(e->user_off); A(e->seen);
#undef A
  if (!e->label && !(e->label = calloc(n, 1))) return VIGIL_ENOMEM;
  vigil_tokens_init(&e->tk);
  if ((rc = csr_init(&e->prof, n)) || (rc = csr_init(&e->post, n))) return rc;
  if ((rc = vigil_store_each_account(s, account_cb, e))) return rc;
  csr_finish(&e->prof, n);
  if ((rc = vigil_store_each_post(s, post_cb, e))) return rc;
  if ((rc = flush_author(e))) return rc;
  csr_finish(&e->post, n);
  vigil_tokens_release(&e->tk);
  vigil_buf_release(&e->scratch);
  free(e->keys.v);
  e->keys.v = NULL, e->keys.n = e->keys.cap = 0;
  return 0;
}

void vc_evidence_free(vc_evidence *e) {
  free(e->has_profile); free(e->followers); free(e->following); free(e->statuses);
  free(e->created); free(e->n_posts); free(e->first_post); free(e->pid_off);
  free(e->user_off); free(e->label); free(e->seen);
  csr_free(&e->prof);
  csr_free(&e->post);
  free(e->dict_key);
  free(e->dict_off);
  vigil_buf_release(&e->dict_arena);
  vigil_buf_release(&e->names);
  vigil_buf_release(&e->scratch);
  free(e->keys.v);
  vigil_tokens_release(&e->tk);
  memset(e, 0, sizeof *e);
}
