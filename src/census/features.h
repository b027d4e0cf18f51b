/* Census internals: the evidence gathered per account (not installed).
 * Arrays are indexed by store account id (0 unused) and owned by the
 * vc_evidence; vc_evidence_free() frees them all. */
#ifndef VIGIL_CENSUS_FEATURES_H
#define VIGIL_CENSUS_FEATURES_H

#include <stddef.h>
#include <stdint.h>

#include "vigil/buf.h"
#include "vigil/store.h"
#include "vigil/text.h"

enum { /* token groups: each becomes one log-odds feature */
  VC_G_WORD = 0,
  VC_G_HASHTAG = 1,
  VC_G_DOMAIN = 2,
  VC_G_LANG = 3,
  VC_G_LOCATION = 4,
  VC_G_DEVICE = 5,
  VC_NGROUPS = 6
};
#define VC_TOK_GROUP_SHIFT 29
#define VC_TOK_HASH_MASK ((1u << VC_TOK_GROUP_SHIFT) - 1)
static inline int vc_tok_group(uint32_t key) { return (int)(key >> VC_TOK_GROUP_SHIFT); }
uint32_t vc_tok_key(int group, const char *p, size_t n);

typedef struct vc_csr { /* per-account sorted distinct token keys */
  uint64_t *off;        /* n+1 */
  uint32_t *tok;
  size_t len, cap, rows;
} vc_csr;

typedef struct vc_keys {
  uint32_t *v;
  size_t n, cap;
} vc_keys;

typedef struct vc_evidence {
  size_t n;              /* max account id + 1 */
  uint8_t *label;        /* 0 none, 1 positive, 2 negative (filled by the caller first) */
  uint8_t *has_profile;
  uint8_t *seen;         /* the account exists in the store */
  uint64_t n_seen;
  float *followers, *following, *statuses; /* -1 unknown */
  int64_t *created;      /* VIGIL_TIME_UNKNOWN */
  uint32_t *n_posts;
  int64_t *first_post;   /* 0 none */
  uint32_t *pid_off, *user_off; /* into names */
  vigil_buf names;
  int64_t t_max;         /* latest time seen: "now" for account ages */
  vc_csr prof, post;
  /* key -> token text, for tokens of labelled accounts */
  uint32_t *dict_key, *dict_off;
  size_t dict_cap, dict_count;
  vigil_buf dict_arena;
  /* scratch */
  vigil_tokens tk;
  vigil_buf scratch;
  vc_keys keys;
  uint32_t cur_author;
  uint64_t post_counter;
  void (*progress)(void *ctx, const char *stage, uint64_t done);
  void *progress_ctx;
} vc_evidence;

/* Streams accounts and posts from the store (label must be set or NULL). */
int vc_evidence_load(vigil_store *s, vc_evidence *e);
void vc_evidence_free(vc_evidence *e);
const char *vc_dict_get(const vc_evidence *e, uint32_t key);

#endif
