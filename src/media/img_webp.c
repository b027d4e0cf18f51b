/* WebP (still images) via libwebp's simple decoding API. */
#include <webp/decode.h>

#include "media/image_internal.h"
#include "vigil/error.h"

int vigil__decode_webp(const uint8_t *d, size_t n, uint64_t max_px, vigil_image *o,
                       vigil_buf *msg) {
  WebPBitstreamFeatures f;
  VP8StatusCode st = WebPGetFeatures(d, n, &f);
  if (st != VP8_STATUS_OK) {
    vigil__image_msg(msg, "corrupt or truncated WebP header (status %d)", (int)st);
    return VIGIL_EDECODE;
  }
  if (f.has_animation) {
    vigil__image_msg(msg, "animated WebP is not supported");
    return VIGIL_EUNSUPPORTED;
  }
  int rc = vigil__image_check_dims((uint64_t)f.width, (uint64_t)f.height, max_px, msg);
  if (rc) return rc;
  if ((rc = vigil__image_alloc(o, f.width, f.height, 3))) return rc;
  size_t size = (size_t)f.width * f.height * 3;
  if (!WebPDecodeRGBInto(d, n, o->pixels, size, f.width * 3)) {
    vigil__image_msg(msg, "cannot decode WebP data (corrupt or truncated)");
    return VIGIL_EDECODE;
  }
  return 0;
}
