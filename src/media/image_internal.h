/* Internal: per-format decoders behind vigil_image_decode(). Each checks the
 * header dimensions with vigil__image_check_dims() before allocating. */
#ifndef VIGIL_MEDIA_IMAGE_INTERNAL_H
#define VIGIL_MEDIA_IMAGE_INTERNAL_H

#include "vigil/image.h"

int vigil__image_check_dims(uint64_t w, uint64_t h, uint64_t max_pixels, vigil_buf *msg);
int vigil__image_alloc(vigil_image *img, int w, int h, int channels);
void vigil__image_msg(vigil_buf *msg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

int vigil__decode_jpeg(const uint8_t *d, size_t n, uint64_t max_px, int min_side, vigil_image *o,
                       vigil_buf *msg);
int vigil__decode_png(const uint8_t *d, size_t n, uint64_t max_px, vigil_image *o, vigil_buf *msg);
int vigil__decode_webp(const uint8_t *d, size_t n, uint64_t max_px, vigil_image *o, vigil_buf *msg);
int vigil__decode_gif(const uint8_t *d, size_t n, uint64_t max_px, vigil_image *o, vigil_buf *msg);

#endif
