/* vigil stats: what the store holds. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "vigil/buf.h"
#include "vigil/store.h"

typedef struct top_ctx {
  vigil_buf *b;
  int json, n;
} top_ctx;

static int top_cb(void *ctx, vigil_str value, uint64_t count) {
  top_ctx *t = ctx;
  if (t->json) {
    if (t->n++) vigil_buf_putc(t->b, ',');
    vigil_buf_append_json_str(t->b, value);
    vigil_buf_printf(t->b, ":%llu", (unsigned long long)count);
  } else {
    /* values come from ingested data: strip control characters for the terminal */
    vigil_buf_append(t->b, "    ", 4);
    for (size_t i = 0; i < value.len && i < 60; i++) {
      unsigned char ch = (unsigned char)value.ptr[i];
      vigil_buf_putc(t->b, ch < 0x20 || ch == 0x7f ? '?' : (char)ch);
    }
    vigil_buf_printf(t->b, "  %llu\n", (unsigned long long)count);
  }
  return 0;
}

int cmd_stats(int argc, char **argv, vigil_ctx *ctx) {
  static const struct option opts[] = {{"json", no_argument, NULL, 'j'},
                                       {"top", required_argument, NULL, 't'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  int json = 0, c, top = 10;
  while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    switch (c) {
    case 'j': json = 1; break;
    case 't':
      top = atoi(optarg);
      if (top < 0 || top > 1000) return vigil_cmd_usage_error("stats", "bad --top '%s'", optarg);
      break;
    case 'h':
      printf("usage: vigil stats [--json] [--top N]\n\n"
             "Counts of accounts, posts, edges by kind and status observations, the\n"
             "date range of posts, and the top languages, devices and hashtags.\n");
      return 0;
    default: return vigil_cmd_usage_error("stats", "bad option");
    }
  }
  if (optind < argc) return vigil_cmd_usage_error("stats", "unexpected argument '%s'", argv[optind]);
  vigil_store_stats st;
  int rc = vigil_store_stats_get(ctx->store, &st);
  if (rc) return vigil_cmd_fail("stats", rc, "%s", vigil_store_errmsg(ctx->store));
  char first[32], last[32];
  vigil_time_format(st.first_post_at, first);
  vigil_time_format(st.last_post_at, last);
  static const char *const tops[][2] = {{"post_lang", "languages (posts)"},
                                        {"account_lang", "languages (accounts)"},
                                        {"post_source", "devices"},
                                        {"hashtag", "hashtags"},
                                        {"url_domain", "out-link domains"}};
  vigil_buf b = VIGIL_BUF_INIT;
  if (json) {
    vigil_buf_printf(&b, "{\"accounts\":%llu,\"accounts_with_profile\":%llu,\"posts\":%llu,",
                     (unsigned long long)st.accounts, (unsigned long long)st.accounts_with_profile,
                     (unsigned long long)st.posts);
    vigil_buf_append(&b, "\"edges\":{", 9);
    for (int k = 0; k < VIGIL_EDGE_KIND_COUNT; k++)
      vigil_buf_printf(&b, "%s\"%s\":%llu", k ? "," : "", vigil_edge_kind_name(k),
                       (unsigned long long)st.edges[k]);
    vigil_buf_printf(&b, "},\"status_observations\":%llu,\"latest_status\":{",
                     (unsigned long long)st.statuses);
    for (int k = 0; k < VIGIL_STATUS_COUNT; k++)
      vigil_buf_printf(&b, "%s\"%s\":%llu", k ? "," : "", vigil_status_name(k),
                       (unsigned long long)st.status_by_kind[k]);
    vigil_buf_append(&b, "},\"posts_from\":", 15);
    if (st.first_post_at == VIGIL_TIME_UNKNOWN) vigil_buf_append(&b, "null,\"posts_to\":null", 20);
    else vigil_buf_printf(&b, "\"%s\",\"posts_to\":\"%s\"", first, last);
    vigil_buf_printf(&b, ",\"ingest_runs\":%llu", (unsigned long long)st.ingest_runs);
    for (size_t i = 0; i < sizeof tops / sizeof tops[0]; i++) {
      vigil_buf_printf(&b, ",\"top_%s\":{", tops[i][0]);
      top_ctx t = {&b, 1, 0};
      if ((rc = vigil_store_top(ctx->store, tops[i][0], top, top_cb, &t))) break;
      vigil_buf_putc(&b, '}');
    }
    vigil_buf_append(&b, "}\n", 2);
  } else {
    vigil_buf_printf(&b, "accounts             %llu (%llu with a profile)\n",
                     (unsigned long long)st.accounts, (unsigned long long)st.accounts_with_profile);
    vigil_buf_printf(&b, "posts                %llu\n", (unsigned long long)st.posts);
    for (int k = 0; k < VIGIL_EDGE_KIND_COUNT; k++)
      vigil_buf_printf(&b, "edges %-14s %llu\n", vigil_edge_kind_name(k),
                       (unsigned long long)st.edges[k]);
    vigil_buf_printf(&b, "status observations  %llu\n", (unsigned long long)st.statuses);
    for (int k = 0; k < VIGIL_STATUS_COUNT; k++)
      if (st.status_by_kind[k])
        vigil_buf_printf(&b, "  latest %-12s %llu accounts\n", vigil_status_name(k),
                         (unsigned long long)st.status_by_kind[k]);
    if (st.first_post_at != VIGIL_TIME_UNKNOWN)
      vigil_buf_printf(&b, "posts from           %s to %s\n", first, last);
    vigil_buf_printf(&b, "ingest runs          %llu\n", (unsigned long long)st.ingest_runs);
    for (size_t i = 0; i < sizeof tops / sizeof tops[0] && top > 0; i++) {
      size_t mark = b.len;
      vigil_buf_printf(&b, "top %s:\n", tops[i][1]);
      size_t hdr = b.len;
      top_ctx t = {&b, 0, 0};
      if ((rc = vigil_store_top(ctx->store, tops[i][0], top, top_cb, &t))) break;
      if (b.len == hdr) b.len = mark, b.data[mark] = 0; /* nothing to show */
    }
  }
  if (rc) {
    vigil_buf_release(&b);
    return vigil_cmd_fail("stats", rc, "%s", vigil_store_errmsg(ctx->store));
  }
  fwrite(b.data, 1, b.len, stdout);
  vigil_buf_release(&b);
  return 0;
}
