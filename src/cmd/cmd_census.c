/* vigil census: score every account against the analyst labels and
 * estimate the supporter population (docs/census.md). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "vigil/census.h"
#include "vigil/store.h"

static void usage(FILE *out) {
  fprintf(out,
          "usage: vigil census [options]\n\n"
          "Scores every account in the store by how much its graph, profile and text\n"
          "evidence resembles the accounts labelled with the positive label (see\n"
          "`vigil label`), estimates how many supporters the store holds, and stores\n"
          "the run and its scores. A score is a lead for human review, not a decision.\n\n"
          "  --positive LABEL   the positive label (default supporter); every other\n"
          "                     label counts as a negative example\n"
          "  --scores FILE.csv  write account_id,username,score,predicted,why by score\n"
          "  --json             print the summary as JSON\n"
          "  --folds K          cross-validation folds (default 5)\n"
          "  --seed S           seed for folds and bootstrap (default 1)\n"
          "  --threshold T      predicted supporter when score >= T (default 0.5)\n"
          "  --levels L         1 = labelled seeds only, 2 = expand from level-1\n"
          "                     predictions (default 2)\n"
          "  --bootstrap B      bootstrap resamples for the interval (default 1000)\n"
          "  --l2 L|auto        L2 penalty of the logistic regression (default 0.1);\n"
          "                     auto: the best of 0.003..1 by cross-validated log loss\n"
          "  --threads N        worker threads (default 2)\n");
}

static int num(const char *s, double lo, double hi, double *out) {
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (errno || !*s || *end || !(v >= lo && v <= hi)) return -1;
  *out = v;
  return 0;
}

int cmd_census(int argc, char **argv, vigil_ctx *ctx) {
  static const struct option opts[] = {
      {"positive", required_argument, NULL, 'p'}, {"scores", required_argument, NULL, 's'},
      {"json", no_argument, NULL, 'j'},           {"folds", required_argument, NULL, 'k'},
      {"seed", required_argument, NULL, 'S'},     {"threshold", required_argument, NULL, 't'},
      {"levels", required_argument, NULL, 'L'},   {"bootstrap", required_argument, NULL, 'B'},
      {"l2", required_argument, NULL, 'r'},       {"threads", required_argument, NULL, 'T'},
      {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0}};
  vigil_census_opts o;
  vigil_census_opts_init(&o);
  o.actor = ctx->actor;
  o.quiet = ctx->quiet;
  int json = 0, c;
  double v;
  while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    switch (c) {
    case 'p': {
      if (!*optarg || strlen(optarg) > 64) return vigil_cmd_usage_error("census", "bad --positive");
      o.positive = optarg;
      break;
    }
    case 's': o.scores_path = optarg; break;
    case 'j': json = 1; break;
    case 'k':
      if (num(optarg, 2, 50, &v) || v != (int)v) return vigil_cmd_usage_error("census", "--folds must be 2..50");
      o.folds = (int)v;
      break;
    case 'S':
      if (num(optarg, 0, 1e18, &v)) return vigil_cmd_usage_error("census", "bad --seed '%s'", optarg);
      o.seed = (uint64_t)v;
      break;
    case 't':
      if (num(optarg, 1e-9, 1 - 1e-9, &v)) return vigil_cmd_usage_error("census", "--threshold must be in (0,1)");
      o.threshold = v;
      break;
    case 'L':
      if (num(optarg, 1, 2, &v) || v != (int)v) return vigil_cmd_usage_error("census", "--levels must be 1 or 2");
      o.levels = (int)v;
      break;
    case 'B':
      if (num(optarg, 0, 100000, &v) || v != (int)v) return vigil_cmd_usage_error("census", "--bootstrap must be 0..100000");
      o.bootstrap = (int)v;
      break;
    case 'r':
      if (!strcmp(optarg, "auto")) { o.l2 = -1; break; }
      if (num(optarg, 0, 1000, &v)) return vigil_cmd_usage_error("census", "bad --l2 '%s'", optarg);
      o.l2 = v;
      break;
    case 'T':
      if (num(optarg, 1, 8, &v) || v != (int)v) return vigil_cmd_usage_error("census", "--threads must be 1..8");
      o.threads = (int)v;
      break;
    case 'h': usage(stdout); return 0;
    default: return vigil_cmd_usage_error("census", "bad option");
    }
  }
  if (optind < argc) return vigil_cmd_usage_error("census", "unexpected argument '%s'", argv[optind]);
  vigil_census_result r;
  int rc = vigil_census_run(ctx->store, &o, &r);
  if (rc == VIGIL_EMISSING) {
    if (r.labelled_pos == 0 || r.labelled_neg == 0)
      fprintf(stderr,
              "vigil census: %s: need labelled accounts of both classes (%llu labelled '%s', "
              "%llu other): vigil label import FILE.csv\n",
              r.labelled ? "too few labels" : "no labelled accounts",
              (unsigned long long)r.labelled_pos, o.positive, (unsigned long long)r.labelled_neg);
    else
      fprintf(stderr, "vigil census: not enough evidence to score (at least two labelled "
                      "accounts per class and one informative feature are needed)\n");
    vigil_census_result_release(&r);
    return VIGIL_EXIT_FATAL;
  }
  if (rc) {
    vigil_census_result_release(&r);
    return vigil_cmd_fail("census", rc, "%s", vigil_store_errmsg(ctx->store));
  }
  if (json) {
    printf("%s\n", r.summary_json);
  } else {
    printf("census run %lld: %llu accounts scored, %llu labelled (%llu %s)\n", (long long)r.run,
           (unsigned long long)r.accounts, (unsigned long long)r.labelled,
           (unsigned long long)r.labelled_pos, o.positive);
    printf("cross-validated (%d folds): precision %.3f, recall %.3f, AUC %.3f\n", r.folds_used,
           r.precision, r.recall, r.auc);
    printf("predicted %s accounts: %llu\n", o.positive, (unsigned long long)r.predicted);
    printf("estimated %s accounts: %.0f (95%% interval %.0f to %.0f); sum of probabilities %.0f\n",
           o.positive, r.estimate, r.lo, r.hi, r.prob_sum);
    /* the summary is the one record of the estimation threshold */
    static const char key[] = "\"estimate_threshold\":";
    const char *et = r.summary_json ? strstr(r.summary_json, key) : NULL;
    if (et)
      printf("(error rates for the estimate measured at score >= %.3f; see docs/census.md)\n",
             strtod(et + sizeof key - 1, NULL));
    if (o.scores_path) printf("scores: %s\n", o.scores_path);
    printf("No score is a decision: every score is a lead for human review (see `why`).\n");
  }
  vigil_census_result_release(&r);
  return 0;
}
