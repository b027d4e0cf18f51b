/* vigil recreated: accounts likely re-created after a suspension. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "vigil/recreated.h"
#include "vigil/store.h"

static int parse_unit(const char *s, double *out) {
  char *end;
  double v = strtod(s, &end);
  if (end == s || *end || !(v >= 0 && v <= 1)) return -1;
  *out = v;
  return 0;
}

int cmd_recreated(int argc, char **argv, vigil_ctx *ctx) {
  static const struct option opts[] = {{"json", no_argument, NULL, 'j'},
                                       {"min-similarity", required_argument, NULL, 's'},
                                       {"min-score", required_argument, NULL, 'm'},
                                       {"limit", required_argument, NULL, 'l'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  vigil_recreated_opts o;
  vigil_recreated_opts_init(&o);
  int json = 0, c;
  while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    switch (c) {
    case 'j': json = 1; break;
    case 's':
      if (parse_unit(optarg, &o.min_similarity))
        return vigil_cmd_usage_error("recreated", "bad --min-similarity '%s' (0..1)", optarg);
      break;
    case 'm':
      if (parse_unit(optarg, &o.min_score))
        return vigil_cmd_usage_error("recreated", "bad --min-score '%s' (0..1)", optarg);
      break;
    case 'l': {
      char *end;
      unsigned long long v = strtoull(optarg, &end, 10);
      if (end == optarg || *end || v == 0 || v > 10000000)
        return vigil_cmd_usage_error("recreated", "bad --limit '%s'", optarg);
      o.max_pairs = (size_t)v;
      break;
    }
    case 'h':
      printf("usage: vigil recreated [--json] [--min-similarity S] [--min-score S] [--limit N]\n\n"
             "Accounts likely re-created after a suspension: a newer account whose\n"
             "username or display name resembles a suspended account's (case folded,\n"
             "digits and separators stripped, normalised edit distance >= S, default\n"
             "0.75), created after the suspension, whose follow neighbourhood overlaps\n"
             "the suspended one's. score = 0.4 name + 0.3 min(1, 2 followee Jaccard)\n"
             "+ 0.3 min(1, 2 follower Jaccard); pairs below --min-score (default 0.45)\n"
             "are dropped; the best old account is kept per new account.\n"
             "Output: CSV with a header, or JSON lines with --json. These are leads\n"
             "for human review, not decisions.\n");
      return 0;
    default: return vigil_cmd_usage_error("recreated", "bad option");
    }
  }
  if (optind < argc)
    return vigil_cmd_usage_error("recreated", "unexpected argument '%s'", argv[optind]);
  vigil_recreated_list l;
  int rc = vigil_recreated_find(ctx->store, &o, &l);
  if (rc) return vigil_cmd_fail("recreated", rc, "%s", vigil_store_errmsg(ctx->store));
  vigil_buf b = VIGIL_BUF_INIT;
  rc = json ? vigil_recreated_write_jsonl(&l, &b) : vigil_recreated_write_csv(&l, &b);
  if (!rc && b.len && fwrite(b.data, 1, b.len, stdout) != b.len) rc = VIGIL_EIO;
  if (!ctx->quiet)
    fprintf(stderr, "recreated: %zu pairs (%llu suspended accounts, %llu name candidates%s)%s\n",
            l.n, (unsigned long long)l.suspended, (unsigned long long)l.candidates,
            l.neighbourhood_kind < 0 ? "; no follow edges: interaction neighbourhoods used" : "",
            l.truncated ? "; truncated" : "");
  vigil_buf_release(&b);
  vigil_recreated_list_release(&l);
  if (rc) return vigil_cmd_fail("recreated", rc, "writing output");
  return 0;
}
