/* libFuzzer harness for the analyst label CSV parser (vigil label import):
 * any input parses without a crash, leak or sanitizer report; every row has
 * a label and an account reference, and bad rows name a line inside the
 * input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vigil/census.h"

typedef struct seen {
  size_t len;
  uint64_t lines;
} seen;

static void touch(vigil_str s) {
  volatile char sink = 0;
  for (size_t i = 0; s.ptr && i < s.len; i++) sink ^= s.ptr[i];
  (void)sink;
}

static int on_row(void *ctx, const vigil_label_csv_row *r) {
  (void)ctx;
  if (!r->label.ptr || (!r->account_id.ptr && !r->username.ptr)) abort();
  touch(r->account_id), touch(r->username), touch(r->label), touch(r->note), touch(r->analyst);
  return 0;
}

static int on_bad(void *ctx, uint64_t line, const char *field, const char *reason) {
  seen *s = ctx;
  if (!reason || line == 0 || line > s->lines + 1) abort();
  (void)field;
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  seen s = {size, 1};
  for (size_t i = 0; i < size; i++) s.lines += data[i] == '\n';
  vigil_label_csv_parse((const char *)data, size, on_row, on_bad, &s);
  return 0;
}
