/* PNG via libspng, with its dimension and chunk-size limits set. */
#include <spng.h>

#include "media/image_internal.h"
#include "vigil/error.h"

int vigil__decode_png(const uint8_t *d, size_t n, uint64_t max_px, vigil_image *o,
                      vigil_buf *msg) {
  spng_ctx *ctx = spng_ctx_new(0);
  if (!ctx) return VIGIL_ENOMEM;
  int rc = 0, e;
  uint32_t lim = max_px > 0x7fffffffu ? 0x7fffffffu : (uint32_t)max_px;
  spng_set_image_limits(ctx, lim, lim);
  /* Metadata chunks (text, ICC, ...) are not needed for hashing: cap them so
   * a crafted file cannot make the decoder buffer hundreds of MB. */
  spng_set_chunk_limits(ctx, 16u << 20, 64u << 20);
  spng_set_crc_action(ctx, SPNG_CRC_ERROR, SPNG_CRC_ERROR);
  if ((e = spng_set_png_buffer(ctx, d, n)) != 0) {
    rc = VIGIL_EDECODE;
    goto fail;
  }
  struct spng_ihdr ih;
  if ((e = spng_get_ihdr(ctx, &ih)) != 0) {
    if (e == SPNG_EUSER_WIDTH || e == SPNG_EUSER_HEIGHT) {
      vigil__image_msg(msg, "PNG dimensions over the cap of %llu pixels",
                       (unsigned long long)max_px);
      rc = VIGIL_ETOOBIG;
      goto out;
    }
    rc = VIGIL_EDECODE;
    goto fail;
  }
  if ((rc = vigil__image_check_dims(ih.width, ih.height, max_px, msg))) goto out;
  int grey = ih.color_type == SPNG_COLOR_TYPE_GRAYSCALE && ih.bit_depth <= 8;
  int fmt = grey ? SPNG_FMT_G8 : SPNG_FMT_RGB8;
  size_t need = 0;
  if ((e = spng_decoded_image_size(ctx, fmt, &need)) != 0) {
    rc = VIGIL_EDECODE;
    goto fail;
  }
  int ch = grey ? 1 : 3;
  if (need != (size_t)ih.width * ih.height * ch) {
    rc = VIGIL_EDECODE;
    e = SPNG_EINTERNAL;
    goto fail;
  }
  if ((rc = vigil__image_alloc(o, (int)ih.width, (int)ih.height, ch))) goto out;
  if ((e = spng_decode_image(ctx, o->pixels, need, fmt, 0)) != 0) {
    rc = VIGIL_EDECODE;
    goto fail;
  }
  goto out;
fail:
  vigil__image_msg(msg, "cannot decode PNG: %s", spng_strerror(e));
out:
  spng_ctx_free(ctx);
  return rc;
}
