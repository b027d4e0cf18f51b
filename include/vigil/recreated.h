/* vigil/recreated.h - accounts likely re-created after a suspension
 * (docs/report.md, "Re-created accounts").
 *
 * A pair (new, old) is reported when `old` has a suspension observation,
 * `new` has a name resembling old's (username or display name, compared
 * after case folding and stripping digits and separators), `new` was
 * created after old's suspension (when both times are known), and the
 * follow neighbourhoods of the two overlap. Candidate pairs come from a
 * deletion-neighbourhood index over the suspended accounts' username keys
 * (the key and its one-byte deletions: keys within one edit share an entry)
 * plus exact display-name buckets, and only accounts created after the
 * first suspension (or at an unknown time) are probed, so the cost grows
 * with the number of accounts, never with accounts x suspended.
 *
 * Ownership: vigil_recreated_find() fills the caller's vigil_recreated_list
 * (the pair array and the username copies are heap memory);
 * vigil_recreated_list_release() frees them. The similarity helpers write
 * nothing and allocate nothing.
 */
#ifndef VIGIL_RECREATED_H
#define VIGIL_RECREATED_H

#include <stddef.h>
#include <stdint.h>

#include "vigil/buf.h"
#include "vigil/store.h"

#define VIGIL_NAME_KEY_MAX 64 /* bytes of a normalised name that are compared */

/* Writes the comparison key of a name into out (NUL-terminated, at most
 * VIGIL_NAME_KEY_MAX bytes): ASCII letters lower-cased, ASCII digits,
 * separators (_ . - space) and other ASCII punctuation dropped, non-ASCII
 * bytes kept (so Arabic names still compare). Returns the key length. */
size_t vigil_name_key(vigil_str name, char out[VIGIL_NAME_KEY_MAX + 1]);
/* 1 - Levenshtein(a, b) / max(|a|, |b|) over the keys' bytes; 0 when either
 * is empty. */
double vigil_key_similarity(const char *a, size_t alen, const char *b, size_t blen);
/* vigil_key_similarity of the two names' keys. */
double vigil_name_similarity(vigil_str a, vigil_str b);
/* |A n B| / |A u B| of two ascending id lists (duplicates not allowed); 0
 * when both are empty. */
double vigil_jaccard_sorted(const int64_t *a, size_t na, const int64_t *b, size_t nb);
/* The pair score in [0, 1]: 0.4 x name similarity + 0.3 x min(1, 2 x
 * followee overlap) + 0.3 x min(1, 2 x follower overlap). The factor 2
 * reflects that a re-created account rebuilds only part of its old
 * neighbourhood (half of it is already a strong signal). */
double vigil_recreated_score(double name_sim, double followee_overlap, double follower_overlap);

typedef struct vigil_recreated_opts {
  double min_similarity; /* name similarity threshold (default 0.75) */
  double min_score;      /* pair score threshold (default 0.45) */
  int min_key_len;       /* shorter username keys are not matched (default 3) */
  size_t max_pairs;      /* bound on reported pairs (default 100000) */
} vigil_recreated_opts;
void vigil_recreated_opts_init(vigil_recreated_opts *o);

typedef struct vigil_recreated_pair {
  int64_t new_id, old_id;     /* store account ids */
  char *new_username, *old_username; /* owned by the list ("" when unknown) */
  char *new_platform_id, *old_platform_id;
  double name_similarity, followee_overlap, follower_overlap, score;
  int64_t suspended_at;       /* first suspension observation of old */
  int64_t created_at;         /* of new; VIGIL_TIME_UNKNOWN when unknown */
} vigil_recreated_pair;

typedef struct vigil_recreated_list {
  vigil_recreated_pair *pairs; /* best pair per new account, by descending score */
  size_t n;
  uint64_t suspended;          /* accounts with a suspension observation */
  uint64_t candidates;         /* pairs whose names were compared */
  int neighbourhood_kind;      /* edge kind used (-1 = all kinds: no follow edges stored) */
  int truncated;               /* max_pairs was reached */
} vigil_recreated_list;

/* Scans the store (accounts, statuses, edges). o may be NULL (defaults).
 * VIGIL_EINVAL for bad options; store errors are passed through. */
int vigil_recreated_find(vigil_store *s, const vigil_recreated_opts *o, vigil_recreated_list *out);
void vigil_recreated_list_release(vigil_recreated_list *l);

/* CSV header + one row per pair (fields CSV-escaped). */
int vigil_recreated_write_csv(const vigil_recreated_list *l, vigil_buf *out);
/* One JSON object per line. */
int vigil_recreated_write_jsonl(const vigil_recreated_list *l, vigil_buf *out);

#endif
