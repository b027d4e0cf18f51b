/* MD5 from nettle (libsodium has none), SHA-256 from libsodium. */
#include "vigil/digest.h"

#include <nettle/md5.h>
#include <sodium.h>

#include "vigil/error.h"

void vigil_md5(const void *data, size_t len, uint8_t out[VIGIL_MD5_BYTES]) {
  struct md5_ctx c;
  md5_init(&c);
  md5_update(&c, len, data);
  md5_digest(&c, VIGIL_MD5_BYTES, out);
}

int vigil_sha256(const void *data, size_t len, uint8_t out[VIGIL_SHA256_BYTES]) {
  /* crypto_hash_sha256 needs no sodium_init(); it is a pure function. */
  return crypto_hash_sha256(out, data, (unsigned long long)len) == 0 ? 0 : VIGIL_EINVAL;
}

void vigil_hex_encode(const uint8_t *bytes, size_t n, char *out) {
  static const char hx[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = hx[bytes[i] >> 4];
    out[2 * i + 1] = hx[bytes[i] & 15];
  }
  out[2 * n] = '\0';
}
