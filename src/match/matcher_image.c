/* Image hashing for `vigil match FILE...` (kept apart from matcher.c:
 * vigil/pdq.h and vigil/hindex.h cannot share a translation unit). */
#include <string.h>

#include "vigil/bank.h"
#include "vigil/digest.h"
#include "vigil/error.h"
#include "vigil/image.h"
#include "vigil/pdq.h"

int vigil_match_hash_file(const char *path, uint8_t pdq[32], int *quality, char md5_hex[33],
                          char sha256_hex[65], vigil_buf *msg) {
  vigil_buf bytes = VIGIL_BUF_INIT;
  vigil_image img = VIGIL_IMAGE_INIT;
  int rc = vigil_image_read_file(path, 0, &bytes, msg);
  if (!rc) {
    /* the row-by-row path of `vigil hash`: the same hashes, faster for JPEG */
    vigil_pdq h;
    rc = vigil_pdq_hash_data(bytes.data, bytes.len, NULL, 0, &img, &h, quality, msg);
    if (!rc) memcpy(pdq, h.b, 32);
  }
  if (!rc) {
    uint8_t d[VIGIL_SHA256_BYTES];
    vigil_md5(bytes.data, bytes.len, d);
    vigil_hex_encode(d, VIGIL_MD5_BYTES, md5_hex);
    rc = vigil_sha256(bytes.data, bytes.len, d);
    if (!rc) vigil_hex_encode(d, VIGIL_SHA256_BYTES, sha256_hex);
  }
  vigil_image_release(&img);
  vigil_buf_release(&bytes);
  return rc;
}
