/* Front end of image decoding: magic-byte detection, limits, file reading. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "media/image_internal.h"
#include "vigil/error.h"

void vigil__image_msg(vigil_buf *msg, const char *fmt, ...) {
  if (!msg) return;
  vigil_buf_clear(msg);
  va_list ap;
  va_start(ap, fmt);
  (void)vigil_buf_vprintf(msg, fmt, ap);
  va_end(ap);
}

vigil_image_format vigil_image_sniff(const void *data, size_t len) {
  const uint8_t *p = data;
  if (!p) return VIGIL_IMG_UNKNOWN;
  if (len >= 3 && p[0] == 0xFF && p[1] == 0xD8 && p[2] == 0xFF) return VIGIL_IMG_JPEG;
  if (len >= 8 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0) return VIGIL_IMG_PNG;
  if (len >= 12 && memcmp(p, "RIFF", 4) == 0 && memcmp(p + 8, "WEBP", 4) == 0)
    return VIGIL_IMG_WEBP;
  if (len >= 6 && (memcmp(p, "GIF87a", 6) == 0 || memcmp(p, "GIF89a", 6) == 0))
    return VIGIL_IMG_GIF;
  return VIGIL_IMG_UNKNOWN;
}

const char *vigil_image_format_name(vigil_image_format f) {
  switch (f) {
    case VIGIL_IMG_JPEG: return "jpeg";
    case VIGIL_IMG_PNG: return "png";
    case VIGIL_IMG_WEBP: return "webp";
    case VIGIL_IMG_GIF: return "gif";
    default: return "unknown";
  }
}

int vigil__image_check_dims(uint64_t w, uint64_t h, uint64_t max_pixels, vigil_buf *msg) {
  if (w == 0 || h == 0) {
    vigil__image_msg(msg, "image has zero width or height");
    return VIGIL_EDECODE;
  }
  /* Sides beyond INT32_MAX never fit any cap; checking them first keeps
   * w * h from overflowing. */
  if (w > 0x7fffffffu || h > 0x7fffffffu || w * h > max_pixels) {
    vigil__image_msg(msg, "image is %llux%llu, over the cap of %llu pixels",
                     (unsigned long long)w, (unsigned long long)h,
                     (unsigned long long)max_pixels);
    return VIGIL_ETOOBIG;
  }
  return 0;
}

int vigil__image_alloc(vigil_image *img, int w, int h, int channels) {
  size_t n = (size_t)w * (size_t)h * (size_t)channels;
  if (!n) n = 1;
  if (!img->pixels || img->cap < n) {
    free(img->pixels);
    img->cap = 0;
    img->pixels = malloc(n);
    if (!img->pixels) return VIGIL_ENOMEM;
    img->cap = n;
  }
  img->width = w;
  img->height = h;
  img->channels = channels;
  return 0;
}

void vigil_image_release(vigil_image *img) {
  if (!img) return;
  free(img->pixels);
  *img = (vigil_image)VIGIL_IMAGE_INIT;
}

int vigil_image_decode(const void *data, size_t len, const vigil_image_opts *opts,
                       vigil_image *out, vigil_buf *msg) {
  if (!out || (!data && len)) return VIGIL_EINVAL;
  uint8_t *keep = out->pixels;
  size_t keep_cap = out->cap;
  *out = (vigil_image)VIGIL_IMAGE_INIT;
  out->pixels = keep, out->cap = keep_cap;
  uint64_t max_px = opts && opts->max_pixels ? opts->max_pixels : VIGIL_IMAGE_DEFAULT_MAX_PIXELS;
  if (max_px > VIGIL_IMAGE_HARD_MAX_PIXELS) max_px = VIGIL_IMAGE_HARD_MAX_PIXELS;
  int min_side = opts ? opts->min_side : 0;
  if (len == 0) {
    vigil__image_msg(msg, "empty file");
    vigil_image_release(out);
    return VIGIL_EUNSUPPORTED;
  }
  vigil_image_format f = vigil_image_sniff(data, len);
  int rc;
  switch (f) {
    case VIGIL_IMG_JPEG: rc = vigil__decode_jpeg(data, len, max_px, min_side, out, msg); break;
    case VIGIL_IMG_PNG: rc = vigil__decode_png(data, len, max_px, out, msg); break;
    case VIGIL_IMG_WEBP: rc = vigil__decode_webp(data, len, max_px, out, msg); break;
    case VIGIL_IMG_GIF: rc = vigil__decode_gif(data, len, max_px, out, msg); break;
    default:
      vigil__image_msg(msg, "not a JPEG, PNG, WebP or GIF image");
      vigil_image_release(out);
      return VIGIL_EUNSUPPORTED;
  }
  if (rc) {
    vigil_image_release(out);
    return rc;
  }
  out->format = f;
  if (!out->src_width) out->src_width = out->width, out->src_height = out->height;
  return 0;
}

int vigil_image_read_file(const char *path, size_t max_bytes, vigil_buf *out, vigil_buf *msg) {
  if (!path || !out) return VIGIL_EINVAL;
  if (!max_bytes) max_bytes = VIGIL_IMAGE_DEFAULT_MAX_FILE_BYTES;
  int is_stdin = strcmp(path, "-") == 0;
  int fd = is_stdin ? 0 : open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    vigil__image_msg(msg, "cannot open: %s", strerror(e));
    return e == ENOENT ? VIGIL_ENOTFOUND : e == EACCES ? VIGIL_EPERM : VIGIL_EIO;
  }
  struct stat st;
  int rc = 0;
  if (fstat(fd, &st) == 0) {
    if (S_ISDIR(st.st_mode)) {
      vigil__image_msg(msg, "is a directory");
      rc = VIGIL_EINVAL;
      goto done;
    }
    if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > max_bytes) {
      vigil__image_msg(msg, "file is %lld bytes, over the cap of %zu", (long long)st.st_size,
                       max_bytes);
      rc = VIGIL_ETOOBIG;
      goto done;
    }
    if (S_ISREG(st.st_mode) && st.st_size > 0) {
      rc = vigil_buf_reserve(out, (size_t)st.st_size);
      if (rc) goto done;
    }
  }
  for (;;) {
    if ((rc = vigil_buf_reserve(out, 65536))) goto done;
    size_t room = out->cap - out->len - 1;
    ssize_t k = read(fd, out->data + out->len, room);
    if (k < 0) {
      if (errno == EINTR) continue;
      vigil__image_msg(msg, "read error: %s", strerror(errno));
      rc = VIGIL_EIO;
      goto done;
    }
    if (k == 0) break;
    out->len += (size_t)k;
    out->data[out->len] = '\0';
    if (out->len > max_bytes) {
      vigil__image_msg(msg, "input is over the cap of %zu bytes", max_bytes);
      rc = VIGIL_ETOOBIG;
      goto done;
    }
  }
done:
  if (!is_stdin) close(fd);
  return rc;
}
