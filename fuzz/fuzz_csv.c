/* libFuzzer harness for the CSV parser: any input must parse without a
 * crash, leak or sanitizer report, and every record handed to the sink must
 * hold valid UTF-8 views of bounded size. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vigil/error.h"
#include "vigil/parse.h"

static void check_str(vigil_str s) {
  if (!s.ptr) return;
  if (!vigil_utf8_valid(s.ptr, s.len)) abort();
  volatile char sink = 0;
  for (size_t i = 0; i < s.len; i++) sink ^= s.ptr[i]; /* touch every byte */
  (void)sink;
}

static int on_account(void *ctx, const vigil_srcpos *pos, const vigil_account *a) {
  if (!a->username.ptr && !a->platform_id.ptr) abort();
  check_str(a->username);
  check_str(a->platform_id);
  check_str(a->display_name);
  check_str(a->description);
  return 0;
}

static int on_post(void *ctx, const vigil_srcpos *pos, const vigil_post *p) {
  if (!p->platform_id.ptr || !p->platform_id.len) abort();
  check_str(p->text);
  check_str(p->retweet_of.username);
  for (size_t i = 0; i < p->n_mentions; i++) {
    if (p->mentions[i].username.len < 1 || p->mentions[i].username.len > 15) abort();
    check_str(p->mentions[i].username);
  }
  for (size_t i = 0; i < p->n_hashtags; i++) check_str(p->hashtags[i]);
  for (size_t i = 0; i < p->n_urls; i++) check_str(p->urls[i].url);
  return 0;
}

static int on_edge(void *ctx, const vigil_srcpos *pos, const vigil_edge *e) {
  if (e->weight < 1 || e->kind < 0 || e->kind >= VIGIL_EDGE_KIND_COUNT) abort();
  check_str(e->src.platform_id);
  check_str(e->src.username);
  check_str(e->dst.platform_id);
  check_str(e->dst.username);
  return 0;
}

static int on_reject(void *ctx, const vigil_srcpos *pos, const char *field, const char *reason) {
  if (!reason || pos->line == 0) abort();
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  vigil_reader *r;
  if (vigil_reader_open_mem(data, size, "fuzz", &r)) return 0;
  vigil_reader_set_max_line(r, 4096); /* exercise the over-cap paths */
  vigil_parse_opts o;
  vigil_parse_opts_init(&o);
  o.max_field = 1024;
  vigil_sink s = {NULL, on_account, on_post, NULL, on_edge, on_reject, NULL};
  int rc = vigil_parse_csv(r, &o, &s);
  if (rc != 0 && rc != VIGIL_EFORMAT && rc != VIGIL_ECORRUPT) abort();
  vigil_reader_free(r);
  return 0;
}
