/* vigil/synth.h - deterministic synthetic social networks with a planted
 * supporter network (for the demo, tests and benchmarks).
 *
 * The same options (including the seed) give byte-identical files, whatever
 * the number of threads. See docs/synth.md for the model.
 *
 * Ownership: vigil_synth_new() allocates a vigil_synth (the account model,
 * built in memory; the follow graph is never stored, it is regenerated per
 * source when written); the caller frees it with vigil_synth_free().
 * vigil_synth_write() writes the files into an existing directory and owns
 * nothing it is given. Strings in vigil_synth_account_info point into the
 * vigil_synth and are valid until vigil_synth_free().
 */
#ifndef VIGIL_SYNTH_H
#define VIGIL_SYNTH_H

#include <stdint.h>

#define VIGIL_SYNTH_MAX_ACCOUNTS 20000000u /* ids stay unique far beyond */

typedef enum vigil_synth_group {
  VIGIL_SYNTH_GENERAL = 0,   /* general population */
  VIGIL_SYNTH_SUPPORTER = 1, /* the planted network (truth label "supporter") */
  VIGIL_SYNTH_LOOKALIKE = 2  /* journalists/researchers/critics (label "other") */
} vigil_synth_group;

typedef struct vigil_synth_opts {
  uint64_t accounts;        /* N, >= 100 */
  int64_t supporters;       /* K; < 0 means 5% of N */
  uint64_t seed;
  double posts_per_account; /* mean posts written per account (default 3) */
  double label_frac;        /* labelled supporters = max(20, frac*K) (default 0.01) */
  double label_lookalike_share; /* share of the labelled others that are look-alikes, 0..1
                                 * (default 0.25: analysts over-sample hard negatives) */
  double mean_following;    /* mean out-degree (default 50) */
  uint64_t edges;           /* target follow edges; 0 = accounts*mean_following */
  int threads;              /* edge writer threads, 1..8 (default 2) */
  /* progress (may be NULL): called now and then from the calling thread */
  void (*progress)(void *ctx, const char *stage, uint64_t done, uint64_t total);
  void *progress_ctx;
} vigil_synth_opts;

void vigil_synth_opts_init(vigil_synth_opts *o);

typedef struct vigil_synth_stats {
  uint64_t accounts, supporters, lookalikes, general;
  uint64_t edges, posts, suspended, recreated;
  uint64_t hyperactive_supporters, hyperactive_others;
  uint64_t labels_supporter, labels_other;
  uint64_t bytes_written;
} vigil_synth_stats;

typedef struct vigil_synth vigil_synth;

/* Builds the account model. VIGIL_EINVAL for bad options, VIGIL_ENOMEM. */
int vigil_synth_new(const vigil_synth_opts *o, vigil_synth **out);
void vigil_synth_free(vigil_synth *s);

/* Writes users.jsonl, tweets.jsonl, users_compliance.jsonl, follows.tsv,
 * truth.csv, truth_recreated.csv and labels.csv into dir (which must exist).
 * stats may be NULL. VIGIL_EIO on write errors. */
int vigil_synth_write(vigil_synth *s, const char *dir, vigil_synth_stats *stats);

/* Introspection (tests, docs). */
typedef struct vigil_synth_account_info {
  uint64_t id;
  const char *id_str;     /* decimal */
  const char *username;
  int group;              /* vigil_synth_group */
  const char *lang;       /* e.g. "ar" */
  const char *source;     /* device, e.g. "Twitter for Android" */
  int64_t created_at;     /* unix seconds */
  int64_t suspended_at;   /* unix seconds, or INT64_MIN when not suspended */
  int64_t recreated_from; /* account index of the suspended original, or -1 */
  uint64_t followers_count, following_count, tweet_count;
  double posts_per_day;
  int hyperactive;
  int labelled;           /* 0 none, 1 supporter, 2 other (labels.csv) */
} vigil_synth_account_info;

uint64_t vigil_synth_count(const vigil_synth *s);
/* i < vigil_synth_count(); VIGIL_ERANGE otherwise. */
int vigil_synth_account(const vigil_synth *s, uint64_t i, vigil_synth_account_info *out);

#endif
