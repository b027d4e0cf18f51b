/* vigil export: the graph and scores for Gephi and other tools. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd/cmd.h"
#include "vigil/report.h"
#include "vigil/store.h"

static int parse_kinds(const char *s, unsigned *mask) {
  *mask = 0;
  char buf[256];
  if (strlen(s) >= sizeof buf) return -1;
  strcpy(buf, s);
  char *save = NULL;
  for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
    int k = vigil_edge_kind_parse(t);
    if (k < 0) return -1;
    *mask |= 1u << k;
  }
  return *mask ? 0 : -1;
}

int cmd_export(int argc, char **argv, vigil_ctx *ctx) {
  static const struct option opts[] = {{"format", required_argument, NULL, 'f'},
                                       {"min-score", required_argument, NULL, 'm'},
                                       {"kinds", required_argument, NULL, 'k'},
                                       {"out", required_argument, NULL, 'o'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  vigil_export_opts o = {VIGIL_EXPORT_GEXF, 0, 0, 0};
  const char *out = NULL;
  int c;
  while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
    switch (c) {
    case 'f':
      if (!strcmp(optarg, "gexf")) o.format = VIGIL_EXPORT_GEXF;
      else if (!strcmp(optarg, "graphml")) o.format = VIGIL_EXPORT_GRAPHML;
      else if (!strcmp(optarg, "csv")) o.format = VIGIL_EXPORT_CSV;
      else return vigil_cmd_usage_error("export", "unknown --format '%s' (gexf, graphml, csv)", optarg);
      break;
    case 'm': {
      char *end;
      double v = strtod(optarg, &end);
      if (end == optarg || *end || !(v >= 0 && v <= 1))
        return vigil_cmd_usage_error("export", "bad --min-score '%s' (0..1)", optarg);
      o.min_score = v, o.use_min_score = 1;
      break;
    }
    case 'k':
      if (parse_kinds(optarg, &o.kinds))
        return vigil_cmd_usage_error("export", "bad --kinds '%s' (follow,mention,retweet,reply,quote)", optarg);
      break;
    case 'o': out = optarg; break;
    case 'h':
      printf("usage: vigil export --format gexf|graphml|csv [--min-score S]\n"
             "                    [--kinds follow,mention,retweet,reply,quote] [--out FILE|DIR]\n\n"
             "Nodes are accounts (username, display name, platform id, latest census score,\n"
             "predicted flag, latest status); edges are directed, with kind and weight.\n"
             "--min-score keeps accounts scoring >= S (needs a census run) and the edges\n"
             "among them. gexf/graphml go to --out (default stdout); csv writes\n"
             "nodes.csv and edges.csv into the --out directory (required).\n");
      return 0;
    default: return vigil_cmd_usage_error("export", "bad option");
    }
  }
  if (optind < argc) return vigil_cmd_usage_error("export", "unexpected argument '%s'", argv[optind]);
  if (o.format == VIGIL_EXPORT_CSV && !out)
    return vigil_cmd_usage_error("export", "--format csv needs --out DIR");
  FILE *nf = stdout, *ef = NULL;
  char *np = NULL, *ep = NULL;
  if (o.format == VIGIL_EXPORT_CSV) {
    if (mkdir(out, 0755) && errno != EEXIST) return vigil_cmd_fail("export", VIGIL_EIO, "cannot create %s", out);
    size_t n = strlen(out) + 16;
    np = malloc(n), ep = malloc(n);
    if (!np || !ep) { free(np), free(ep); return vigil_cmd_fail("export", VIGIL_ENOMEM, "out"); }
    snprintf(np, n, "%s/nodes.csv", out), snprintf(ep, n, "%s/edges.csv", out);
    nf = fopen(np, "wb"), ef = fopen(ep, "wb");
  } else if (out) {
    nf = fopen(out, "wb");
  }
  int rc = 0;
  if (!nf || (o.format == VIGIL_EXPORT_CSV && !ef)) rc = VIGIL_EIO;
  vigil_export_counts cnt;
  if (!rc) rc = vigil_export_write(ctx->store, &o, nf, ef, &cnt);
  if (nf && nf != stdout && fclose(nf) && !rc) rc = VIGIL_EIO;
  if (nf == stdout && fflush(stdout) && !rc) rc = VIGIL_EIO;
  if (ef && fclose(ef) && !rc) rc = VIGIL_EIO;
  free(np), free(ep);
  if (rc == VIGIL_ESTATE)
    return vigil_cmd_fail("export", rc, "--min-score needs a census run (vigil census)");
  if (rc) return vigil_cmd_fail("export", rc, "%s", rc == VIGIL_EIO ? "writing output" : vigil_store_errmsg(ctx->store));
  if (!ctx->quiet)
    fprintf(stderr, "export: %llu nodes, %llu edges%s\n", (unsigned long long)cnt.nodes,
            (unsigned long long)cnt.edges, cnt.run > 0 ? "" : " (no census run: no scores)");
  return 0;
}
