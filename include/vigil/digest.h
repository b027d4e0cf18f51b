/* vigil/digest.h - cryptographic digests of byte strings (MD5, SHA-256).
 *
 * Ownership: callers pass the output arrays; nothing is allocated.
 * MD5 comes from nettle (it is what hash lists of known content still use;
 * it is NOT collision-resistant and is only ever used for matching), SHA-256
 * from libsodium.
 */
#ifndef VIGIL_DIGEST_H
#define VIGIL_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#define VIGIL_MD5_BYTES 16
#define VIGIL_SHA256_BYTES 32

void vigil_md5(const void *data, size_t len, uint8_t out[VIGIL_MD5_BYTES]);
int vigil_sha256(const void *data, size_t len, uint8_t out[VIGIL_SHA256_BYTES]);
/* Lowercase hex of n bytes into out (2n+1 bytes, NUL-terminated). */
void vigil_hex_encode(const uint8_t *bytes, size_t n, char *out);

#endif
