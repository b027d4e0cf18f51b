/* vigil synth: write a deterministic synthetic network (see docs/synth.md). */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "vigil/synth.h"

static void usage(FILE *out) {
  fprintf(out,
          "usage: vigil synth --accounts N --out DIR [options]\n\n"
          "Writes a synthetic Twitter-like network with a planted supporter network:\n"
          "users.jsonl, tweets.jsonl, users_compliance.jsonl (twarc2 shapes), follows.tsv,\n"
          "truth.csv, truth_recreated.csv and labels.csv. Same options, same bytes.\n\n"
          "  --accounts N            accounts in total (>= 100)\n"
          "  --supporters K          planted supporters (default 5%% of N)\n"
          "  --seed S                random seed (default 1)\n"
          "  --posts-per-account P   mean posts written per account (default 3)\n"
          "  --label-frac F          labelled supporters = max(20, F*K) (default 0.01)\n"
          "  --label-lookalike-share X  share of the labelled others drawn from the\n"
          "                          look-alikes, 0..1 (default 0.25; the rest are general)\n"
          "  --mean-following M      mean follows per account (default 50)\n"
          "  --edges E               total follow edges (overrides --mean-following)\n"
          "  --threads T             edge writer threads, 1-8 (default 2)\n"
          "  --out DIR               output directory (created if missing)\n");
}

static int parse_u64(const char *s, uint64_t *out) {
  char *end;
  errno = 0;
  if (!s || !*s || *s == '-') return -1;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno || *end) return -1;
  *out = v;
  return 0;
}

static int parse_dbl(const char *s, double *out) {
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (errno || !*s || *end || v != v) return -1;
  *out = v;
  return 0;
}

typedef struct prog {
  int on;
  const char *last;
} prog;

static void progress(void *ctx, const char *stage, uint64_t done, uint64_t total) {
  prog *p = ctx;
  if (!p->on) return;
  fprintf(stderr, "\rvigil synth: %-8s %3d%%", stage, total ? (int)(done * 100 / total) : 100);
  if (done >= total) fputc('\n', stderr);
  p->last = stage;
}

int cmd_synth(int argc, char **argv, vigil_ctx *ctx) {
  static const struct option opts[] = {{"accounts", required_argument, 0, 'n'},
                                       {"supporters", required_argument, 0, 'k'},
                                       {"seed", required_argument, 0, 's'},
                                       {"posts-per-account", required_argument, 0, 'p'},
                                       {"label-frac", required_argument, 0, 'l'},
                                       {"label-lookalike-share", required_argument, 0, 'L'},
                                       {"mean-following", required_argument, 0, 'm'},
                                       {"edges", required_argument, 0, 'e'},
                                       {"threads", required_argument, 0, 't'},
                                       {"out", required_argument, 0, 'o'},
                                       {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
  vigil_synth_opts o;
  vigil_synth_opts_init(&o);
  const char *out = NULL;
  int have_n = 0, c;
  uint64_t u;
  while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    switch (c) {
    case 'n':
      if (parse_u64(optarg, &o.accounts)) return vigil_cmd_usage_error("synth", "bad --accounts");
      have_n = 1;
      break;
    case 'k':
      if (parse_u64(optarg, &u) || u > INT64_MAX)
        return vigil_cmd_usage_error("synth", "bad --supporters");
      o.supporters = (int64_t)u;
      break;
    case 's':
      if (parse_u64(optarg, &o.seed)) return vigil_cmd_usage_error("synth", "bad --seed");
      break;
    case 'p':
      if (parse_dbl(optarg, &o.posts_per_account) || o.posts_per_account < 0)
        return vigil_cmd_usage_error("synth", "bad --posts-per-account");
      break;
    case 'l':
      if (parse_dbl(optarg, &o.label_frac)) return vigil_cmd_usage_error("synth", "bad --label-frac");
      break;
    case 'L':
      if (parse_dbl(optarg, &o.label_lookalike_share) || o.label_lookalike_share < 0 ||
          o.label_lookalike_share > 1)
        return vigil_cmd_usage_error("synth", "bad --label-lookalike-share (0..1)");
      break;
    case 'm':
      if (parse_dbl(optarg, &o.mean_following))
        return vigil_cmd_usage_error("synth", "bad --mean-following");
      break;
    case 'e':
      if (parse_u64(optarg, &o.edges)) return vigil_cmd_usage_error("synth", "bad --edges");
      break;
    case 't':
      if (parse_u64(optarg, &u) || u < 1 || u > 8)
        return vigil_cmd_usage_error("synth", "bad --threads (1-8)");
      o.threads = (int)u;
      break;
    case 'o': out = optarg; break;
    case 'h': usage(stdout); return VIGIL_EXIT_OK;
    default: return vigil_cmd_usage_error("synth", "unknown option");
    }
  }
  if (optind < argc) return vigil_cmd_usage_error("synth", "unexpected argument '%s'", argv[optind]);
  if (!have_n) return vigil_cmd_usage_error("synth", "--accounts is required");
  if (!out) return vigil_cmd_usage_error("synth", "--out is required");
  if (o.accounts < 100 || o.accounts > VIGIL_SYNTH_MAX_ACCOUNTS)
    return vigil_cmd_usage_error("synth", "--accounts must be 100..%u", VIGIL_SYNTH_MAX_ACCOUNTS);
  if (o.supporters >= 0 && (o.supporters < 10 || (uint64_t)o.supporters > o.accounts / 2))
    return vigil_cmd_usage_error("synth", "--supporters must be 10..N/2");
  if (o.label_frac < 0 || o.label_frac > 1)
    return vigil_cmd_usage_error("synth", "--label-frac must be 0..1");
  if (!(o.mean_following > 0 && o.mean_following <= 2000))
    return vigil_cmd_usage_error("synth", "--mean-following must be in (0, 2000]");
  if (o.posts_per_account > 1000 || o.posts_per_account * (double)o.accounts > 1e9)
    return vigil_cmd_usage_error("synth", "--posts-per-account too large (at most 1e9 posts)");
  if (o.edges && o.edges > o.accounts * 2000)
    return vigil_cmd_usage_error("synth", "--edges must be at most 2000 per account");

  if (mkdir(out, 0755) != 0 && errno != EEXIST)
    return vigil_cmd_fail("synth", VIGIL_EIO, "cannot create %s", out);
  prog pr = {.on = !ctx->quiet && isatty(2), .last = NULL};
  o.progress = progress;
  o.progress_ctx = &pr;

  vigil_synth *s;
  int rc = vigil_synth_new(&o, &s);
  if (rc) return vigil_cmd_fail("synth", rc, "cannot build the model");
  vigil_synth_stats st;
  rc = vigil_synth_write(s, out, &st);
  vigil_synth_free(s);
  if (rc) return vigil_cmd_fail("synth", rc, "cannot write %s", out);
  printf("synth: %" PRIu64 " accounts (%" PRIu64 " supporters, %" PRIu64 " look-alikes, %" PRIu64
         " general), %" PRIu64 " follow edges, %" PRIu64 " posts, %" PRIu64
         " supporters suspended, %" PRIu64 " re-created, %" PRIu64
         " hyperactive supporters (+%" PRIu64 " others), %" PRIu64 "+%" PRIu64
         " labels; wrote users.jsonl tweets.jsonl users_compliance.jsonl follows.tsv truth.csv "
         "truth_recreated.csv labels.csv (%.1f MB) to %s\n",
         st.accounts, st.supporters, st.lookalikes, st.general, st.edges, st.posts, st.suspended,
         st.recreated, st.hyperactive_supporters, st.hyperactive_others, st.labels_supporter,
         st.labels_other, st.bytes_written / 1e6, out);
  return VIGIL_EXIT_OK;
}
