/* vigil ingest: load files into the store. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "vigil/buf.h"
#include "vigil/ingest.h"

static void usage(FILE *out) {
  fprintf(out,
          "usage: vigil ingest [options] FILE...\n\n"
          "Load accounts, posts, edges and account-status changes into the store.\n"
          "FILE may be '-' for standard input; .gz input is read transparently.\n\n"
          "  -f, --format FMT      auto (default), twarc2, twitter-v1, mastodon, csv, edgelist\n"
          "      --edge-kind KIND  edge lists: follow (default), mention, retweet, reply, quote\n"
          "      --platform NAME   platform of records that do not say (default twitter)\n"
          "      --observed TIME   observation time for profiles/edges without one\n"
          "                        (ISO 8601 or unix seconds; default: the file's mtime)\n"
          "      --strict          stop at the first rejected record\n"
          "      --batch N         records per committed batch (default 400000)\n"
          "      --edge-batch N    explicit edges buffered per committed batch (default\n"
          "                        33554432; an edge with its own weight or seen time,\n"
          "                        which takes 4x the memory, counts 4)\n"
          "      --max-record SIZE cap on one input line/record in bytes (default 16777216)\n"
          "      --no-resume       start interrupted files from the top\n"
          "      --json            print the summary as JSON lines\n"
          "  -h, --help            this help\n\n"
          "Each rejected record is reported on stderr as FILE:LINE: field: reason; the\n"
          "rest of the file still goes in. Re-ingesting a file changes no count.\n"
          "Exit status: 0 all records taken, 3 some rejected, 1 fatal error, 2 usage.\n");
}

static void print_summary(const char *path, const vigil_ingest_result *r, int json) {
  const vigil_ingest_counts *c = &r->counts;
  if (json) {
    vigil_buf b = VIGIL_BUF_INIT;
    vigil_buf_append_json_str(&b, vigil_str_c(path));
    printf("{\"file\":%s,\"format\":\"%s\",\"records\":%llu,\"rejected\":%llu,"
           "\"accounts\":{\"new\":%llu,\"updated\":%llu,\"unchanged\":%llu},"
           "\"posts\":{\"new\":%llu,\"updated\":%llu,\"unchanged\":%llu},"
           "\"edges\":{\"new\":%llu,\"updated\":%llu,\"unchanged\":%llu},"
           "\"statuses\":{\"new\":%llu,\"unchanged\":%llu},\"resumed_from_line\":%llu}\n",
           b.data, vigil_format_name(r->format), (unsigned long long)c->records,
           (unsigned long long)c->rejected, (unsigned long long)c->accounts_new,
           (unsigned long long)c->accounts_updated, (unsigned long long)c->accounts_unchanged,
           (unsigned long long)c->posts_new, (unsigned long long)c->posts_updated,
           (unsigned long long)c->posts_unchanged, (unsigned long long)c->edges_new,
           (unsigned long long)c->edges_updated, (unsigned long long)c->edges_unchanged,
           (unsigned long long)c->statuses_new, (unsigned long long)c->statuses_unchanged,
           (unsigned long long)r->resumed_from_line);
    vigil_buf_release(&b);
    return;
  }
  printf("%s: %s, %llu records, %llu rejected\n", path, vigil_format_name(r->format),
         (unsigned long long)c->records, (unsigned long long)c->rejected);
  if (r->resumed_from_line)
    printf("  resumed an interrupted run at line %llu\n", (unsigned long long)r->resumed_from_line);
  printf("  accounts  %llu new, %llu updated, %llu unchanged\n",
         (unsigned long long)c->accounts_new, (unsigned long long)c->accounts_updated,
         (unsigned long long)c->accounts_unchanged);
  printf("  posts     %llu new, %llu updated, %llu unchanged\n", (unsigned long long)c->posts_new,
         (unsigned long long)c->posts_updated, (unsigned long long)c->posts_unchanged);
  printf("  edges     %llu new, %llu updated, %llu unchanged\n", (unsigned long long)c->edges_new,
         (unsigned long long)c->edges_updated, (unsigned long long)c->edges_unchanged);
  printf("  statuses  %llu new, %llu unchanged\n", (unsigned long long)c->statuses_new,
         (unsigned long long)c->statuses_unchanged);
}

int cmd_ingest(int argc, char **argv, vigil_ctx *ctx) {
  static const struct option opts[] = {
      {"format", required_argument, NULL, 'f'},  {"edge-kind", required_argument, NULL, 'k'},
      {"platform", required_argument, NULL, 'p'}, {"observed", required_argument, NULL, 'o'},
      {"strict", no_argument, NULL, 's'},         {"batch", required_argument, NULL, 'b'},
      {"max-record", required_argument, NULL, 'm'},
      {"edge-batch", required_argument, NULL, 'E'}, {"no-resume", no_argument, NULL, 'R'},
      {"json", no_argument, NULL, 'j'},           {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  vigil_ingest_opts o;
  vigil_ingest_opts_init(&o);
  int json = 0, c;
  while ((c = getopt_long(argc, argv, "f:h", opts, NULL)) != -1) {
    switch (c) {
    case 'f':
      if (strcmp(optarg, "auto") == 0) o.format = VIGIL_FORMAT_AUTO;
      else if ((o.format = vigil_format_parse(optarg)) < 0)
        return vigil_cmd_usage_error("ingest", "unknown format '%s'", optarg);
      break;
    case 'k':
      if ((o.parse.edge_kind = vigil_edge_kind_parse(optarg)) < 0)
        return vigil_cmd_usage_error("ingest", "unknown edge kind '%s'", optarg);
      break;
    case 'p': o.parse.platform = vigil_str_c(optarg); break;
    case 'o':
      if (vigil_time_parse_any(vigil_str_c(optarg), &o.parse.observed_at))
        return vigil_cmd_usage_error("ingest", "bad time '%s'", optarg);
      break;
    case 's': o.strict = 1; break;
    case 'b': {
      char *end;
      long long v = strtoll(optarg, &end, 10);
      if (*end || v < 1) return vigil_cmd_usage_error("ingest", "bad --batch '%s'", optarg);
      o.batch_records = (size_t)v;
      break;
    }
    case 'm': {
      char *end;
      long long v = strtoll(optarg, &end, 10);
      if (*end || v < 1024) return vigil_cmd_usage_error("ingest", "bad --max-record '%s'", optarg);
      o.max_line = (size_t)v;
      break;
    }
    case 'E': {
      char *end;
      long long v = strtoll(optarg, &end, 10);
      if (*end || v < 1) return vigil_cmd_usage_error("ingest", "bad --edge-batch '%s'", optarg);
      o.max_pending_edges = (size_t)v;
      break;
    }
    case 'R': o.resume = 0; break;
    case 'j': json = 1; break;
    case 'h': usage(stdout); return 0;
    default: return vigil_cmd_usage_error("ingest", "bad option");
    }
  }
  if (optind >= argc) return vigil_cmd_usage_error("ingest", "no input files");
  o.progress = !ctx->quiet && isatty(STDERR_FILENO);
  int exit_code = 0;
  uint64_t rejected = 0;
  for (int i = optind; i < argc; i++) {
    vigil_ingest_result res;
    int rc = vigil_ingest_path(ctx->store, argv[i], &o, &res);
    if (rc == VIGIL_EPARSE && o.strict) {
      print_summary(argv[i], &res, json);
      fprintf(stderr, "vigil ingest: %s: stopped at the first rejected record (--strict)\n",
              argv[i]);
      return VIGIL_EXIT_PARTIAL;
    }
    if (rc) {
      const char *detail = vigil_store_errmsg(ctx->store);
      return vigil_cmd_fail("ingest", rc, "%s%s%s", argv[i], *detail ? ": " : "", detail);
    }
    print_summary(argv[i], &res, json);
    rejected += res.counts.rejected;
  }
  if (rejected) exit_code = VIGIL_EXIT_PARTIAL;
  return exit_code;
}
