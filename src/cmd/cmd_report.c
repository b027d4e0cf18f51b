/* vigil report: the census report as one self-contained HTML file (+ CSVs). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd/cmd.h"
#include "vigil/report.h"
#include "vigil/store.h"

int cmd_report(int argc, char **argv, vigil_ctx *ctx) {
  static const struct option opts[] = {{"out", required_argument, NULL, 'o'},
                                       {"csv-dir", required_argument, NULL, 'c'},
                                       {"top", required_argument, NULL, 't'},
                                       {"hyper", required_argument, NULL, 'y'},
                                       {"no-recreated", no_argument, NULL, 'R'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  vigil_report_opts o;
  vigil_report_opts_init(&o);
  const char *out = NULL;
  int c;
  while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
    switch (c) {
    case 'o': out = optarg; break;
    case 'c': o.csv_dir = optarg; break;
    case 't': {
      char *end;
      long v = strtol(optarg, &end, 10);
      if (end == optarg || *end || v < 0 || v > 100000)
        return vigil_cmd_usage_error("report", "bad --top '%s'", optarg);
      o.top = (int)v;
      break;
    }
    case 'y': {
      char *end;
      double v = strtod(optarg, &end);
      if (end == optarg || *end || !(v > 0 && v < 1e6))
        return vigil_cmd_usage_error("report", "bad --hyper '%s'", optarg);
      o.hyper_per_day = v;
      break;
    }
    case 'R': o.with_recreated = 0; break;
    case 'h':
      printf("usage: vigil report --out report.html [--csv-dir DIR] [--top N] [--hyper P]\n"
             "                    [--no-recreated]\n\n"
             "Writes the census report: one self-contained HTML file (inline CSS and SVG,\n"
             "no scripts, no network) with the estimate and its interval, the score\n"
             "distribution, languages, locations, devices and creation months of predicted\n"
             "supporters beside everyone else, follower/following/activity distributions,\n"
             "hyperactive accounts (>= P posts/day, default 50), top hashtags and domains,\n"
             "suspensions by month, re-created accounts and the top N (default 50)\n"
             "accounts with their reasons. --csv-dir writes every table as CSV.\n"
             "Without a census run the descriptive parts are still shown.\n");
      return 0;
    default: return vigil_cmd_usage_error("report", "bad option");
    }
  }
  if (optind < argc) return vigil_cmd_usage_error("report", "unexpected argument '%s'", argv[optind]);
  if (!out) return vigil_cmd_usage_error("report", "--out FILE is required");
  if (o.csv_dir && mkdir(o.csv_dir, 0755) && errno != EEXIST)
    return vigil_cmd_fail("report", VIGIL_EIO, "cannot create %s", o.csv_dir);
  if (!ctx->quiet) o.log = stderr;
  vigil_buf b = VIGIL_BUF_INIT;
  int rc = vigil_report_build(ctx->store, &o, &b);
  if (rc) {
    vigil_buf_release(&b);
    return vigil_cmd_fail("report", rc, "%s", rc == VIGIL_EIO ? "writing CSV files" : vigil_store_errmsg(ctx->store));
  }
  /* write to a temporary name, then rename: a reader never sees half a report */
  size_t n = strlen(out) + 8;
  char *tmp = malloc(n);
  if (!tmp) { vigil_buf_release(&b); return vigil_cmd_fail("report", VIGIL_ENOMEM, "out"); }
  snprintf(tmp, n, "%s.tmp", out);
  FILE *f = fopen(tmp, "wb");
  int bad = !f || fwrite(b.data, 1, b.len, f) != b.len;
  if (f && fclose(f)) bad = 1;
  if (!bad && rename(tmp, out)) bad = 1;
  if (bad) remove(tmp);
  free(tmp);
  size_t len = b.len;
  vigil_buf_release(&b);
  if (bad) return vigil_cmd_fail("report", VIGIL_EIO, "cannot write %s", out);
  if (!ctx->quiet) fprintf(stderr, "report: wrote %s (%zu bytes)\n", out, len);
  return 0;
}
