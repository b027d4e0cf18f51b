/* libFuzzer: the image decoder front end + PDQ on arbitrary bytes, with a
 * small pixel cap so the fuzzer explores parsers rather than big buffers.
 * vigil_pdq_hash_data (row-by-row JPEG decoding) must agree with it. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vigil/error.h"
#include "vigil/image.h"
#include "vigil/pdq.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  vigil_image_opts opts = {1u << 20, 0};
  /* the first byte picks the JPEG scaling path sometimes */
  if (size && (data[0] & 1)) opts.min_side = 16 + data[0];
  vigil_image img = VIGIL_IMAGE_INIT;
  vigil_buf msg = VIGIL_BUF_INIT;
  int rc = vigil_image_decode(data, size, &opts, &img, &msg);
  if (rc == 0) {
    if (!img.pixels || img.width <= 0 || img.height <= 0 ||
        (uint64_t)img.width * (uint64_t)img.height > opts.max_pixels)
      abort();
    vigil_pdq h[VIGIL_PDQ_NVARIANTS];
    int q;
    if (vigil_pdq_hash_image(&img, VIGIL_PDQ_DIHEDRAL, h, &q) || q < 0 || q > 100) abort();
    /* the one-step path (JPEGs row by row) must give the same hashes */
    vigil_pdq h2[VIGIL_PDQ_NVARIANTS];
    int q2;
    vigil_image img2 = VIGIL_IMAGE_INIT;
    if (vigil_pdq_hash_data(data, size, &opts, VIGIL_PDQ_DIHEDRAL, &img2, h2, &q2, NULL) ||
        q2 != q || memcmp(h, h2, sizeof h))
      abort();
    vigil_image_release(&img2);
  } else if (rc != VIGIL_EDECODE && rc != VIGIL_EUNSUPPORTED && rc != VIGIL_ETOOBIG &&
             rc != VIGIL_ENOMEM) {
    abort();
  } else if (msg.len == 0) {
    abort(); /* every refusal carries a message */
  }
  vigil_image_release(&img);
  vigil_buf_release(&msg);
  return 0;
}
