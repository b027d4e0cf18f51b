/* Shared body of the JSON parser harnesses: arbitrary bytes through the
 * reader and the parser named by FUZZ_JSON_PARSER (defined by the includer).
 * The sink reads every byte of every view it is given, so a view that
 * points outside live memory is caught by ASan. */
#ifndef FUZZ_JSON_PARSER
#error "define FUZZ_JSON_PARSER before including fuzz_json_body.h"
#endif
#include <stddef.h>
#include <stdint.h>

#include "vigil/parse.h"

static volatile unsigned sink_sum;

static void touch(vigil_str s) {
  unsigned x = 0;
  for (size_t i = 0; s.ptr && i < s.len; i++) x += (unsigned char)s.ptr[i];
  sink_sum += x;
}
static void touch_ref(const vigil_account_ref *r) {
  touch(r->platform_id);
  touch(r->username);
}
static int on_account(void *c, const vigil_srcpos *p, const vigil_account *a) {
  touch(a->platform); touch(a->platform_id); touch(a->username); touch(a->display_name);
  touch(a->description); touch(a->location); touch(a->lang); touch(a->url);
  touch(a->profile_image_url);
  return 0;
}
static int on_post(void *c, const vigil_srcpos *p, const vigil_post *x) {
  touch(x->platform); touch(x->platform_id); touch_ref(&x->author); touch(x->text);
  touch(x->lang); touch(x->source); touch(x->reply_to_post_id); touch_ref(&x->reply_to);
  touch(x->retweet_of_post_id); touch_ref(&x->retweet_of); touch(x->quote_of_post_id);
  touch_ref(&x->quote_of);
  for (size_t i = 0; i < x->n_mentions; i++) touch_ref(&x->mentions[i]);
  for (size_t i = 0; i < x->n_hashtags; i++) touch(x->hashtags[i]);
  for (size_t i = 0; i < x->n_urls; i++) touch(x->urls[i].url), touch(x->urls[i].expanded);
  for (size_t i = 0; i < x->n_media; i++)
    touch(x->media[i].key), touch(x->media[i].type), touch(x->media[i].url);
  return 0;
}
static int on_status(void *c, const vigil_srcpos *p, const vigil_status_obs *s) {
  touch(s->platform); touch_ref(&s->account); touch(s->reason);
  return 0;
}
static int on_edge(void *c, const vigil_srcpos *p, const vigil_edge *e) {
  touch(e->platform); touch_ref(&e->src); touch_ref(&e->dst);
  return 0;
}
static int on_reject(void *c, const vigil_srcpos *p, const char *f, const char *r) {
  if (f) touch(vigil_str_c(f));
  touch(vigil_str_c(r));
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  vigil_reader *r;
  if (vigil_reader_open_mem(data, size, "fuzz", &r)) return 0;
  vigil_reader_set_max_line(r, 1 << 16);
  (void)vigil_detect_format(r);
  vigil_parse_opts o;
  vigil_parse_opts_init(&o);
  o.max_field = 4096;
  vigil_sink s = {0, on_account, on_post, on_status, on_edge, on_reject, 0};
  (void)FUZZ_JSON_PARSER(r, &o, &s);
  vigil_reader_free(r);
  return 0;
}
