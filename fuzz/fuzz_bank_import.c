/* libFuzzer harness: bank import formats (hash lines, CSV, JSON lines, text
 * and URL lists). The first byte picks the bank kind and the text field.
 * Every accepted value must be a fixed point of vigil_bank_normalize, on one
 * line, with bounded labels, and record line numbers never go backwards. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vigil/bank.h"
#include "vigil/error.h"

typedef struct st {
  vigil_bank_kind kind;
  uint64_t last_line;
  vigil_buf tmp;
} st;

static int on_item(void *ctx, const vigil_bank_item *it) {
  st *s = ctx;
  if (!it->value.ptr || !it->value.len) abort();
  if (memchr(it->value.ptr, '\n', it->value.len) || memchr(it->value.ptr, '\r', it->value.len)) abort();
  if (it->line < s->last_line || it->line == 0) abort();
  s->last_line = it->line;
  const vigil_str labs[3] = {it->label, it->entity, it->content_type};
  for (int i = 0; i < 3; i++)
    if (labs[i].ptr && labs[i].len > VIGIL_BANK_LABEL_MAX) abort();
  const char *reason;
  if (vigil_bank_normalize(s->kind, it->value, &s->tmp, &reason) != 0) abort();
  if (s->tmp.len != it->value.len || memcmp(s->tmp.data, it->value.ptr, s->tmp.len)) abort();
  return 0;
}

static int on_bad(void *ctx, uint64_t line, const char *field, const char *reason) {
  st *s = ctx;
  if (!field || !reason || line == 0) abort();
  if (line < s->last_line) abort();
  s->last_line = line;
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  static const char *const fields[] = {NULL, "tweets", "text", "body"};
  st s = {(vigil_bank_kind)(1 + data[0] % 5), 0, VIGIL_BUF_INIT};
  vigil_bank_parse_cbs cbs = {on_item, on_bad, &s};
  int rc = vigil_bank_parse(s.kind, (const char *)data + 1, size - 1, fields[(data[0] >> 4) & 3], &cbs);
  if (rc && rc != VIGIL_EFORMAT && rc != VIGIL_ENOMEM) abort();
  vigil_buf_release(&s.tmp);
  return 0;
}
