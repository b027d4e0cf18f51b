/* libFuzzer harness: differential test of vigil's JSON tree parser
 * (src/ingest/json_tree.c) against cJSON.
 *
 * The rule: whatever vjt accepts, cJSON must accept, giving the same tree
 * (types, keys, strings byte-equal, numbers equal as doubles, same child
 * counts); whatever cJSON rejects, vjt must reject. vjt may reject what
 * cJSON accepts, since cJSON is laxer: raw control characters in strings,
 * leading zeros, "1.", "-.5", any byte <= 0x20 as whitespace, a UTF-8 BOM,
 * and nesting between 513 and 1000 levels.
 *
 * Known case where cJSON is the stricter one, exempted below: a number
 * longer than 63 bytes (cJSON copies at most 63 bytes of a number before
 * strtod, then trips over the rest), which RFC 8259 allows.
 *
 * cJSON's strings are C strings, so a decoded U+0000 ends them; vjt keeps
 * the whole string and flags it (VJT_F_STR_NUL / VJT_F_KEY_NUL); the
 * comparison cuts vjt's string at the first NUL in that case. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/json_tree.h"
#include "vigil/error.h"

#define CHECK(cond)    \
  do {                 \
    if (!(cond)) abort(); \
  } while (0)

static int cjson_type(const cJSON *c) {
  if (cJSON_IsNull(c)) return VJT_NULL;
  if (cJSON_IsFalse(c)) return VJT_FALSE;
  if (cJSON_IsTrue(c)) return VJT_TRUE;
  if (cJSON_IsNumber(c)) return VJT_NUMBER;
  if (cJSON_IsString(c)) return VJT_STRING;
  if (cJSON_IsArray(c)) return VJT_ARRAY;
  if (cJSON_IsObject(c)) return VJT_OBJECT;
  return 0;
}

static size_t cut_len(const char *s, uint32_t len, int has_nul) {
  if (!has_nul) return len;
  const char *z = memchr(s, '\0', len);
  return z ? (size_t)(z - s) : len;
}

/* 1 if the tree has a number cJSON cannot read whole (see the top) */
static int has_long_number(const vjt_node *v) {
  if (v->type == VJT_NUMBER) return v->len > 63;
  for (const vjt_node *c = vjt_child(v); c; c = c->next)
    if (has_long_number(c)) return 1;
  return 0;
}

static void same(const vjt_node *v, const cJSON *c) {
  CHECK(c);
  CHECK(v->type == cjson_type(c));
  switch (v->type) {
  case VJT_NUMBER: {
    double d;
    CHECK(vjt_num_double(v, &d) == 0);
    if (isfinite(d) || isfinite(c->valuedouble)) CHECK(d == c->valuedouble);
    int64_t x;
    if (vjt_num_i64(v, &x) == 0 && x > -(INT64_C(1) << 53) && x < (INT64_C(1) << 53))
      CHECK((double)x == d);
    break;
  }
  case VJT_STRING: {
    size_t n = cut_len(vjt_str(v), v->len, v->flags & VJT_F_STR_NUL);
    CHECK(c->valuestring && strlen(c->valuestring) == n);
    CHECK(memcmp(c->valuestring, vjt_str(v), n) == 0);
    break;
  }
  case VJT_ARRAY:
  case VJT_OBJECT: {
    uint32_t n = 0;
    const cJSON *cc = c->child;
    for (const vjt_node *k = vjt_child(v); k; k = k->next, cc = cc->next, n++) {
      CHECK(cc);
      if (v->type == VJT_OBJECT) {
        size_t kl = cut_len(k->key, (k->flags & VJT_F_KEY_LONG) ? strlen(k->key) : k->key_len,
                            k->flags & VJT_F_KEY_NUL);
        CHECK(cc->string && strlen(cc->string) == kl);
        CHECK(memcmp(cc->string, k->key, kl) == 0);
      }
      same(k, cc);
    }
    CHECK(cc == NULL);
    CHECK(n == v->len);
    break;
  }
  default: break;
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *s = (const char *)data;
  vjt_arena a;
  vjt_arena_init(&a);
  vjt_node *root;
  vjt_error err;
  int rc = vjt_parse(&a, s, size, &root, &err);
  if (rc) {
    CHECK(rc == VIGIL_EPARSE);
    CHECK(err.reason != NULL);
    CHECK(err.offset <= size);
  }

  const char *end = NULL;
  cJSON *cj = cJSON_ParseWithLengthOpts(s, size, &end, 0);
  if (cj) {
    /* cJSON stops after the value; it calls every byte <= 0x20 whitespace */
    const char *e = s + size;
    while (end < e && (unsigned char)*end <= 0x20) end++;
    if (end != e) {
      cJSON_Delete(cj);
      cj = NULL;
    }
  }
  if (rc == 0 && !has_long_number(root)) {
    CHECK(cj != NULL);
    same(root, cj);
  }
  if (!cj && rc == 0) CHECK(has_long_number(root));
  cJSON_Delete(cj);
  vjt_arena_free(&a);
  return 0;
}
