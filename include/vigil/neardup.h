/* vigil/neardup.h - near-duplicate text: MinHash signatures + LSH bank.
 *
 * Ownership: vigil_neardup_new() allocates a bank, vigil_neardup_free()
 * frees it with everything it holds (texts given to add() are not kept,
 * only their signatures). vigil_neardup_hits is caller-owned storage:
 * VIGIL_NEARDUP_HITS_INIT / vigil_neardup_hits_release(); each query
 * replaces its content. A bank is not thread-safe for add(); concurrent
 * queries are not supported either (they share a scratch area).
 *
 * Method (docs/text.md): the text is normalised (vigil_text_normalize with
 * hashtags as words; "<url>"/"<user>" placeholders dropped unless the text
 * has nothing else), then shingled: word 3-grams when the text has at
 * least `short_words` words, else character 4-grams of the normalised
 * text. Shingles are hashed (XXH3-64) and summarised by a MinHash
 * signature of `perms` 32-bit values; candidates come from LSH banding
 * (`bands` bands of perms/bands rows) and are scored by the estimated
 * Jaccard similarity (fraction of equal signature values), or by the exact
 * Jaccard of the shingle sets when `exact` is set (the bank then keeps the
 * shingle hashes: more memory, no estimation noise).
 */
#ifndef VIGIL_NEARDUP_H
#define VIGIL_NEARDUP_H

#include <stddef.h>
#include <stdint.h>

#include "vigil/buf.h"
#include "vigil/text.h"

#define VIGIL_NEARDUP_MAX_PERMS 256
#define VIGIL_NEARDUP_MAX_DOCS (UINT32_C(1) << 30)

typedef struct vigil_neardup_params {
  unsigned perms;       /* signature length, 16..256, multiple of bands */
  unsigned bands;       /* LSH bands */
  unsigned shingle_k;   /* words per shingle (default 3) */
  unsigned short_words; /* fewer words than this -> char shingles (default 5) */
  unsigned char_k;      /* chars per char shingle (default 4) */
  unsigned short_mode;  /* short texts: 0 char k-grams, 1 word 1+2-grams */
  int exact;            /* score with exact Jaccard (keeps shingle sets) */
  size_t max_docs;      /* add() beyond this -> VIGIL_ETOOBIG (0 = 16M) */
} vigil_neardup_params;

/* perms 128, bands 32 (rows 4), k 3, short 5, char_k 4, exact 0. */
void vigil_neardup_params_default(vigil_neardup_params *p);

/* The default threshold we measured on the Fifth Tribe data (docs/text.md). */
#define VIGIL_NEARDUP_DEFAULT_THRESHOLD 0.6

typedef struct vigil_neardup vigil_neardup;

/* p may be NULL for defaults. VIGIL_EINVAL for inconsistent params. */
int vigil_neardup_new(const vigil_neardup_params *p, vigil_neardup **out);
void vigil_neardup_free(vigil_neardup *b);

/* Adds a text under a caller-chosen id (ids need not be unique). Texts
 * that normalise to nothing are counted but not indexed. Errors as
 * vigil_text_normalize, VIGIL_ETOOBIG past max_docs, VIGIL_ENOMEM. */
int vigil_neardup_add(vigil_neardup *b, uint64_t id, vigil_str text);
size_t vigil_neardup_count(const vigil_neardup *b); /* indexed texts */

typedef struct vigil_neardup_hit {
  uint64_t id;
  double similarity; /* estimated (or exact) Jaccard, 0..1 */
} vigil_neardup_hit;

typedef struct vigil_neardup_hits {
  vigil_neardup_hit *v;
  size_t n, cap;
} vigil_neardup_hits;
#define VIGIL_NEARDUP_HITS_INIT {NULL, 0, 0}
void vigil_neardup_hits_release(vigil_neardup_hits *h);

/* Bank texts with similarity >= threshold, best first (ties by id). At
 * most max_hits are returned (0 = no limit). */
int vigil_neardup_query(vigil_neardup *b, vigil_str text, double threshold,
                        size_t max_hits, vigil_neardup_hits *out);

/* Lower level, for callers that keep signatures themselves. sig must hold
 * p->perms values. Returns 0 with *nshingles = 0 for empty texts. */
int vigil_neardup_signature(const vigil_neardup *b, vigil_str text, uint32_t *sig,
                            size_t *nshingles);
double vigil_neardup_sig_similarity(const uint32_t *a, const uint32_t *b, unsigned perms);
/* The shingle hashes of a text (sorted, unique) as the bank computes them;
 * *out points into the bank's scratch area, valid until its next call. */
int vigil_neardup_shingles(vigil_neardup *b, vigil_str text, const uint64_t **out, size_t *n);
/* Exact Jaccard of two sorted unique hash sets (0 when both are empty). */
double vigil_neardup_jaccard_sets(const uint64_t *a, size_t na, const uint64_t *b, size_t nb);
/* Exact Jaccard of the shingle sets of two texts under b's parameters. */
int vigil_neardup_jaccard(vigil_neardup *b, vigil_str x, vigil_str y, double *out);

/* 64-bit SimHash over the same shingles (short-text fallback / clustering);
 * compare with vigil_simhash_distance (Hamming distance, 0..64). */
int vigil_neardup_simhash(vigil_neardup *b, vigil_str text, uint64_t *out);
static inline int vigil_simhash_distance(uint64_t a, uint64_t b) {
  return __builtin_popcountll(a ^ b);
}

#endif
