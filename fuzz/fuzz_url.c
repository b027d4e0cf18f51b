/* libFuzzer harness: URL canonicalisation and domain on arbitrary bytes.
 * A canonical URL must be a fixed point and must not be longer than a
 * bounded expansion of the input (percent-encoding at most triples). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vigil/error.h"
#include "vigil/url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  vigil_str in = {(const char *)data, size};
  vigil_buf a = VIGIL_BUF_INIT, b = VIGIL_BUF_INIT;
  int rc = vigil_url_canonical(in, &a);
  if (rc == 0) {
    if (a.len > 3 * size + 16) abort();
    if (memchr(a.data, '#', a.len)) abort(); /* fragments are removed */
    int rc2 = vigil_url_canonical(vigil_buf_view(&a), &b);
    if (rc2 != 0 || b.len != a.len || memcmp(a.data, b.data, a.len) != 0) abort();
    if (vigil_url_domain(in, &b) != 0 || b.len == 0) abort();
  } else if (rc != VIGIL_EPARSE && rc != VIGIL_ETOOBIG) {
    abort();
  }
  vigil_buf_release(&a);
  vigil_buf_release(&b);
  return 0;
}
