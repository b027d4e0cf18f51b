/* libFuzzer harness for the edge-list parser: both entry points must agree
 * on the number of edges and rejects, and every edge must be well formed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/edgelist.h"
#include "vigil/error.h"
#include "vigil/parse.h"

typedef struct counts {
  size_t edges, rejects;
} counts;

static void check_edge(const vigil_edge *e) {
  const vigil_str ids[2] = {e->src.platform_id, e->dst.platform_id};
  for (int k = 0; k < 2; k++) {
    if (!ids[k].ptr || ids[k].len < 1 || ids[k].len > 256) abort();
    if (!vigil_utf8_valid(ids[k].ptr, ids[k].len)) abort();
    for (size_t i = 0; i < ids[k].len; i++) {
      unsigned char c = (unsigned char)ids[k].ptr[i];
      if (c <= ' ' || c == 0x7F) abort();
    }
  }
  if (e->weight < 1) abort();
}

static int on_edge(void *ctx, const vigil_srcpos *pos, const vigil_edge *e) {
  check_edge(e);
  ((counts *)ctx)->edges++;
  return 0;
}

static int on_batch(void *ctx, const vigil_edge *e, size_t n) {
  if (n == 0 || n > VIGIL_EDGE_BATCH) abort();
  for (size_t i = 0; i < n; i++) on_edge(ctx, NULL, &e[i]);
  return 0;
}

static int on_reject(void *ctx, const vigil_srcpos *pos, const char *f, const char *reason) {
  if (!f || !reason || pos->line == 0) abort();
  ((counts *)ctx)->rejects++;
  return 0;
}

static counts run(const uint8_t *data, size_t size, int batch) {
  counts c = {0, 0};
  vigil_reader *r;
  if (vigil_reader_open_mem(data, size, "fuzz", &r)) abort();
  vigil_reader_set_max_line(r, 1024);
  vigil_parse_opts o;
  vigil_parse_opts_init(&o);
  vigil_sink s = {&c, NULL, NULL, NULL, on_edge, on_reject, NULL};
  int rc = batch ? vigil_parse_edgelist_batch(r, &o, &s, on_batch, &c)
                 : vigil_parse_edgelist(r, &o, &s);
  vigil_reader_free(r);
  if (rc != 0 && rc != VIGIL_ECORRUPT) abort();
  return c;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  counts a = run(data, size, 0), b = run(data, size, 1);
  if (a.edges != b.edges || a.rejects != b.rejects) abort();
  return 0;
}
