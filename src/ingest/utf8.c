/* Strict UTF-8 validation (RFC 3629): no overlong forms, no surrogates, nothing
 * above U+10FFFF. Every ingested line passes through here, and social-media
 * JSON is mostly ASCII (non-ASCII is usually \u-escaped), so ASCII runs are
 * skipped eight bytes at a time. */
#include <stdint.h>
#include <string.h>

#include "vigil/parse.h"

#define HIGH_BITS 0x8080808080808080ULL

int vigil_utf8_valid(const char *str, size_t n) {
  const unsigned char *s = (const unsigned char *)str;
  size_t i = 0;
  while (i < n) {
    /* ASCII fast path: 32 then 8 bytes at a time */
    while (i + 32 <= n) {
      uint64_t a, b, c, d;
      memcpy(&a, s + i, 8);
      memcpy(&b, s + i + 8, 8);
      memcpy(&c, s + i + 16, 8);
      memcpy(&d, s + i + 24, 8);
      if ((a | b | c | d) & HIGH_BITS) break;
      i += 32;
    }
    while (i + 8 <= n) {
      uint64_t w;
      memcpy(&w, s + i, 8);
      if (w & HIGH_BITS) break;
      i += 8;
    }
    while (i < n && s[i] < 0x80) {
      i++;
      if ((i & 7) == 0) break; /* back to the word loop */
    }
    if (i >= n) break;
    unsigned c = s[i];
    if (c < 0x80) continue;
    if (c < 0xC2) return 0; /* continuation byte or overlong 2-byte lead */
    if (c < 0xE0) {
      if (i + 1 >= n || (s[i + 1] & 0xC0) != 0x80) return 0;
      i += 2;
    } else if (c < 0xF0) {
      if (i + 2 >= n) return 0;
      unsigned c1 = s[i + 1];
      if ((c1 & 0xC0) != 0x80 || (s[i + 2] & 0xC0) != 0x80) return 0;
      if (c == 0xE0 && c1 < 0xA0) return 0; /* overlong */
      if (c == 0xED && c1 > 0x9F) return 0; /* surrogates */
      i += 3;
    } else if (c < 0xF5) {
      if (i + 3 >= n) return 0;
      unsigned c1 = s[i + 1];
      if ((c1 & 0xC0) != 0x80 || (s[i + 2] & 0xC0) != 0x80 || (s[i + 3] & 0xC0) != 0x80)
        return 0;
      if (c == 0xF0 && c1 < 0x90) return 0; /* overlong */
      if (c == 0xF4 && c1 > 0x8F) return 0; /* above U+10FFFF */
      i += 4;
    } else {
      return 0;
    }
  }
  return 1;
}
