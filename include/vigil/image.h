/* vigil/image.h - decoding untrusted image bytes (JPEG, PNG, WebP, GIF).
 *
 * Ownership: vigil_image_decode() fills a caller-owned vigil_image whose
 * `pixels` it allocates; free them with vigil_image_release() (which also
 * resets the struct, so releasing twice is safe). The struct must start as
 * VIGIL_IMAGE_INIT; passing the same struct again reuses its pixel buffer
 * when it is large enough (saves page faults when hashing many files). On
 * error the buffer is released. vigil_image_read_file()
 * fills a caller-owned vigil_buf (release it with vigil_buf_release()).
 * Error messages go to an optional caller-owned vigil_buf; they name the
 * problem, never the file's content.
 *
 * Formats are recognised by their magic bytes, never by file name. Header
 * dimensions are checked against the pixel cap BEFORE any pixel buffer is
 * allocated. Errors: VIGIL_EUNSUPPORTED (not an image we decode: zero bytes,
 * text, unknown magic), VIGIL_ETOOBIG (over the pixel or file-size cap),
 * VIGIL_EDECODE (corrupt or truncated image data), VIGIL_ENOMEM.
 */
#ifndef VIGIL_IMAGE_H
#define VIGIL_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "vigil/buf.h"

#define VIGIL_IMAGE_DEFAULT_MAX_PIXELS 50000000ULL      /* 50 MP */
#define VIGIL_IMAGE_HARD_MAX_PIXELS (1ULL << 30)         /* cap on the cap */
#define VIGIL_IMAGE_DEFAULT_MAX_FILE_BYTES (256u << 20)  /* 256 MiB */

typedef enum vigil_image_format {
  VIGIL_IMG_UNKNOWN = 0,
  VIGIL_IMG_JPEG,
  VIGIL_IMG_PNG,
  VIGIL_IMG_WEBP,
  VIGIL_IMG_GIF
} vigil_image_format;

typedef struct vigil_image {
  uint8_t *pixels; /* height rows of width*channels bytes, no padding */
  int width, height;
  int channels;    /* 1 (grey) or 3 (RGB) */
  vigil_image_format format;
  int src_width, src_height; /* as stored in the file (before any scaling) */
  size_t cap;                /* bytes allocated at pixels */
} vigil_image;

#define VIGIL_IMAGE_INIT {NULL, 0, 0, 0, VIGIL_IMG_UNKNOWN, 0, 0, 0}

typedef struct vigil_image_opts {
  uint64_t max_pixels; /* 0 -> VIGIL_IMAGE_DEFAULT_MAX_PIXELS */
  /* JPEG only: when > 0 the decoder may use libjpeg-turbo's DCT-domain
   * scaling, picking the smallest scale that keeps each side at least
   * min(min_side, that side). 0 decodes at full size. */
  int min_side;
} vigil_image_opts;

vigil_image_format vigil_image_sniff(const void *data, size_t len);
const char *vigil_image_format_name(vigil_image_format f); /* "jpeg", ... */

int vigil_image_decode(const void *data, size_t len, const vigil_image_opts *opts,
                       vigil_image *out, vigil_buf *msg);
void vigil_image_release(vigil_image *img);

/* Reads a whole file ("-" = stdin) into out, failing with VIGIL_ETOOBIG
 * past max_bytes (0 -> the default cap) without reading the rest. */
int vigil_image_read_file(const char *path, size_t max_bytes, vigil_buf *out, vigil_buf *msg);

#endif
