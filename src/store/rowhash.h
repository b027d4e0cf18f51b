/* src/store/rowhash.h - the content digest of a stored row, built fast.
 *
 * A row's digest is XXH3-64 of its fields' bytes in a fixed order. Fed to
 * XXH3's streaming API a field at a time, it cost ~50 instructions per field
 * (two updates each: length, then bytes). XXH3 of a stream equals XXH3 of the
 * concatenated bytes, so this gathers the bytes in a stack buffer and hashes
 * them in one call, streaming only what does not fit: the digest is
 * bit-for-bit the one stores already hold.
 *
 * Ownership: a vigil_rowhash lives on the caller's stack; nothing is
 * allocated. The includer defines XXH_INLINE_ALL and includes xxhash.h.
 */
#ifndef VIGIL_STORE_ROWHASH_H
#define VIGIL_STORE_ROWHASH_H

#include <stdint.h>
#include <string.h>

#include "vigil/buf.h"

typedef struct vigil_rowhash {
  size_t n;
  int streaming; /* st holds everything before buf[0, n) */
  unsigned char buf[2048];
  XXH3_state_t st;
} vigil_rowhash;

static inline void vigil_rowhash_init(vigil_rowhash *h) {
  h->n = 0;
  h->streaming = 0;
}

static inline void vigil_rowhash_add(vigil_rowhash *h, const void *p, size_t n) {
  if (n <= sizeof h->buf - h->n) {
    if (n) memcpy(h->buf + h->n, p, n);
    h->n += n;
    return;
  }
  if (!h->streaming) {
    XXH3_64bits_reset(&h->st);
    h->streaming = 1;
  }
  XXH3_64bits_update(&h->st, h->buf, h->n);
  h->n = 0;
  if (n > sizeof h->buf) {
    XXH3_64bits_update(&h->st, p, n);
  } else {
    memcpy(h->buf, p, n);
    h->n = n;
  }
}

/* A string field: its length (UINT32_MAX for NULL), then its bytes. */
static inline void vigil_rowhash_str(vigil_rowhash *h, vigil_str s) {
  uint32_t len = s.ptr ? (uint32_t)s.len : UINT32_MAX;
  vigil_rowhash_add(h, &len, sizeof len);
  if (s.ptr) vigil_rowhash_add(h, s.ptr, s.len);
}

/* Never 0 (0 means "no digest" in the store). */
static inline uint64_t vigil_rowhash_final(vigil_rowhash *h) {
  uint64_t d;
  if (!h->streaming) {
    d = XXH3_64bits(h->buf, h->n);
  } else {
    XXH3_64bits_update(&h->st, h->buf, h->n);
    d = XXH3_64bits_digest(&h->st);
  }
  return d ? d : 1;
}

#endif
