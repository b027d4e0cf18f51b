/* libFuzzer harness: text normalisation, tokens, hashtags and the near-dup
 * bank on arbitrary bytes. First byte picks the flags and stemmer. Checks
 * the output invariants: valid UTF-8, single spaces, no edge spaces. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "vigil/error.h"
#include "vigil/neardup.h"
#include "vigil/text.h"

static vigil_neardup *bank;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  unsigned flags = data[0] & 0x1F;
  vigil_stem stem = (vigil_stem)((data[0] >> 5) & 3);
  vigil_str in = {(const char *)data + 1, size - 1};
  vigil_buf out = VIGIL_BUF_INIT;
  int rc = vigil_text_normalize(in, flags, &out);
  if (rc == 0) {
    const uint8_t *p = (const uint8_t *)out.data;
    utf8proc_ssize_t left = (utf8proc_ssize_t)out.len;
    while (left > 0) {
      utf8proc_int32_t c;
      utf8proc_ssize_t k = utf8proc_iterate(p, left, &c);
      if (k <= 0) abort(); /* output must be valid UTF-8 */
      p += k;
      left -= k;
    }
    if (out.len && (out.data[0] == ' ' || out.data[out.len - 1] == ' ')) abort();
    if (strstr(out.data, "  ")) abort();
    if (memchr(out.data, '\0', out.len)) abort();
  } else if (rc != VIGIL_EUTF8 && rc != VIGIL_ETOOBIG) {
    abort();
  }
  vigil_buf_release(&out);

  vigil_tokens t;
  vigil_tokens_init(&t);
  if (vigil_text_tokens(in, flags, stem, &t) == 0)
    for (size_t i = 0; i < t.n; i++)
      if (t.tok[i].len == 0 && stem == VIGIL_STEM_NONE) abort();
  vigil_text_hashtags(in, &t);
  vigil_tokens_release(&t);

  if (!bank) {
    vigil_neardup_params p;
    vigil_neardup_params_default(&p);
    p.max_docs = 4096; /* bounded: later adds fail with ETOOBIG */
    if (vigil_neardup_new(&p, &bank)) abort();
  }
  vigil_neardup_hits h = VIGIL_NEARDUP_HITS_INIT;
  if (vigil_neardup_query(bank, in, 0.5, 8, &h) == 0)
    for (size_t i = 0; i < h.n; i++)
      if (h.v[i].similarity < 0.5 || h.v[i].similarity > 1.0 || (i && h.v[i].similarity > h.v[i - 1].similarity))
        abort();
  vigil_neardup_hits_release(&h);
  vigil_neardup_add(bank, size, in);
  return 0;
}
