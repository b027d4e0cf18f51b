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
/* Row-by-row JPEG decoding for consumers that never need the whole image
 * (PDQ samples at most 512 rows): begin() gets the size and channel count
 * (1 grey, 3 RGB) before any pixel is decoded, row() each decoded row in
 * order. Pixels are exactly those of vigil__decode_jpeg at full size (same
 * libjpeg-turbo code, accurate IDCT, fancy upsampling). *handled is set to 0
 * (and nothing is decoded) for CMYK/YCCK files: use vigil__decode_jpeg. */
typedef struct vigil__row_sink {
  int (*begin)(void *ctx, int width, int height, int channels);
  int (*row)(void *ctx, int y, const uint8_t *pixels);
  /* optional: the next row wanted; rows before it may be skipped (and are
   * then not passed to row()); rows are then read one at a time */
  int (*next)(void *ctx);
  void *ctx;
} vigil__row_sink;
int vigil__jpeg_rows(const uint8_t *d, size_t n, uint64_t max_px, const vigil__row_sink *sink,
                     int *handled, vigil_buf *msg);
int vigil__decode_png(const uint8_t *d, size_t n, uint64_t max_px, vigil_image *o, vigil_buf *msg);
int vigil__decode_webp(const uint8_t *d, size_t n, uint64_t max_px, vigil_image *o, vigil_buf *msg);
int vigil__decode_gif(const uint8_t *d, size_t n, uint64_t max_px, vigil_image *o, vigil_buf *msg);

#endif
