/* JPEG via libjpeg-turbo (2.1 in Debian 12): the TurboJPEG API reads the
 * header (it decides which files are accepted), the libjpeg API decodes, so
 * that fatal errors and warnings are told apart exactly (TurboJPEG 2.1
 * reports a fatal error that follows a warning as a mere warning, which
 * once let a corrupt file "decode" to an unwritten buffer). */
#include <setjmp.h>
#include <stdio.h> /* jpeglib.h needs FILE */
#include <stdlib.h>
#include <string.h>
#include <turbojpeg.h>
#include <jpeglib.h>
#include <jerror.h>

#include "media/image_internal.h"
#include "vigil/error.h"

/* Smallest DCT-domain scale that keeps both sides >= min(min_side, side). */
static tjscalingfactor pick_scale(int w, int h, int min_side) {
  tjscalingfactor best = {1, 1};
  if (min_side <= 0) return best;
  int n = 0;
  tjscalingfactor *sf = tjGetScalingFactors(&n);
  if (!sf) return best;
  int need_w = w < min_side ? w : min_side, need_h = h < min_side ? h : min_side;
  long long best_px = (long long)w * h;
  for (int i = 0; i < n; i++) {
    if (sf[i].num > sf[i].denom) continue; /* never upscale */
    int sw = TJSCALED(w, sf[i]), sh = TJSCALED(h, sf[i]);
    if (sw < need_w || sh < need_h) continue;
    if ((long long)sw * sh < best_px) best = sf[i], best_px = (long long)sw * sh;
  }
  return best;
}

typedef struct {
  struct jpeg_error_mgr pub;
  jmp_buf jb;
  int eof; /* "Premature end of JPEG file" was reported */
} jerr;

static void on_error_exit(j_common_ptr c) { longjmp(((jerr *)c->err)->jb, 1); }

/* Warnings (damage libjpeg papers over) are tolerated, except a missing end
 * of data: the rest of the picture would be grey filler and hash as a
 * different image. Nothing is printed. */
static void on_message(j_common_ptr c, int level) {
  if (level >= 0) return;
  if (c->err->msg_code == JWRN_JPEG_EOF) ((jerr *)c->err)->eof = 1;
  c->err->num_warnings++;
}

#ifndef ROW_BATCH
#define ROW_BATCH 4
#endif

/* Decodes into o (whole image, rows written in place) or, when o is NULL,
 * row by row into sink. CMYK/YCCK files: into o as inverted (Adobe) CMYK
 * converted to RGB; with a sink they are left alone (*handled = 0). */
static int decode(const uint8_t *d, size_t n, uint64_t max_px, int min_side, vigil_image *o,
                  const vigil__row_sink *sink, int *handled, vigil_buf *msg) {
  if (handled) *handled = 0;
  if (n > 0xffffffffu) {
    vigil__image_msg(msg, "JPEG data over 4 GiB");
    return VIGIL_ETOOBIG;
  }
  tjhandle tj = tjInitDecompress();
  if (!tj) return VIGIL_ENOMEM;
  int w = 0, h = 0, subsamp = 0, cs = 0;
  int hdr = tjDecompressHeader3(tj, d, (unsigned long)n, &w, &h, &subsamp, &cs);
  if (hdr != 0) vigil__image_msg(msg, "corrupt JPEG header: %s", tjGetErrorStr2(tj));
  tjDestroy(tj);
  if (hdr != 0) return VIGIL_EDECODE;
  int rc = vigil__image_check_dims((uint64_t)w, (uint64_t)h, max_px, msg);
  if (rc) return rc;
  int cmyk = cs == TJCS_CMYK || cs == TJCS_YCCK;
  if (cmyk && !o) return 0;
  if (handled) *handled = 1;
  tjscalingfactor sf = pick_scale(w, h, min_side);
  int ch = cs == TJCS_GRAY ? 1 : cmyk ? 4 : 3;

  struct jpeg_decompress_struct c;
  jerr je;
  c.err = jpeg_std_error(&je.pub);
  je.pub.error_exit = on_error_exit;
  je.pub.emit_message = on_message;
  je.eof = 0;
  uint8_t *volatile batch = NULL;
  volatile int vrc = 0;
  jpeg_create_decompress(&c);
  if (setjmp(je.jb)) {
    char text[JMSG_LENGTH_MAX];
    je.pub.format_message((j_common_ptr)&c, text);
    vigil__image_msg(msg, "cannot decode JPEG: %s", text);
    vrc = VIGIL_EDECODE;
    goto done;
  }
  jpeg_mem_src(&c, d, (unsigned long)n);
  jpeg_read_header(&c, TRUE);
  c.out_color_space = ch == 1 ? JCS_GRAYSCALE : ch == 4 ? JCS_CMYK : JCS_RGB;
  c.scale_num = (unsigned)sf.num;
  c.scale_denom = (unsigned)sf.denom;
  jpeg_start_decompress(&c);
  int sw = (int)c.output_width, sh = (int)c.output_height;
  if ((int)c.image_width != w || (int)c.image_height != h || (int)c.output_components != ch ||
      sw != TJSCALED(w, sf) || sh != TJSCALED(h, sf)) {
    vigil__image_msg(msg, "unexpected JPEG output format");
    vrc = VIGIL_EDECODE;
    goto done;
  }
  size_t stride = (size_t)sw * (size_t)ch;
  JSAMPROW rps[ROW_BATCH];
  if (o) {
    if ((vrc = vigil__image_alloc(o, sw, sh, ch))) goto done;
  } else {
    if ((vrc = sink->begin(sink->ctx, sw, sh, ch))) goto done;
    /* Rows deliberately NOT 16-byte aligned: libjpeg-turbo's SIMD colour
     * conversion writes aligned output with non-temporal stores, which
     * send the row past the cache to memory just before the sink reads it
     * back (measured: the sink's loads then dominate its profile). 4 spare
     * bytes after the last row so the sink may read a pixel as a word. */
    size_t padded = (stride + 15) & ~(size_t)15;
    batch = malloc(ROW_BATCH * padded + 1 + 4);
    if (!batch) {
      vrc = VIGIL_ENOMEM;
      goto done;
    }
    for (int k = 0; k < ROW_BATCH; k++) rps[k] = batch + 1 + (size_t)k * padded;
  }
  while (c.output_scanline < c.output_height) {
    if (!o && sink->next) {
      /* rows nobody samples (a 1200x850 image keeps 512 of its rows):
       * libjpeg still decodes them (the upsampler needs neighbours) but
       * skips their colour conversion */
      int want = sink->next(sink->ctx);
      if (want > (int)c.output_scanline && want <= sh) {
        jpeg_skip_scanlines(&c, (JDIMENSION)(want - (int)c.output_scanline));
        if (je.eof) break;
        continue;
      }
    }
    int y = (int)c.output_scanline;
    if (o)
      for (int k = 0; k < ROW_BATCH; k++)
        rps[k] = o->pixels + (size_t)(y + k < sh ? y + k : sh - 1) * stride;
    JDIMENSION got = jpeg_read_scanlines(&c, rps, (!o && sink->next) ? 1 : ROW_BATCH);
    if (got == 0 || je.eof) break; /* no suspension in memory; EOF: grey filler */
    if (!o)
      for (JDIMENSION k = 0; k < got; k++)
        if ((vrc = sink->row(sink->ctx, y + (int)k, rps[k]))) goto done;
  }
  if (!je.eof && c.output_scanline == c.output_height) jpeg_finish_decompress(&c);
  if (je.eof || c.output_scanline < c.output_height) {
    vigil__image_msg(msg, "cannot decode JPEG: Premature end of JPEG file");
    vrc = VIGIL_EDECODE;
    goto done;
  }
  if (o && cmyk) {
    /* Adobe-style (inverted) CMYK, which is what libjpeg hands back */
    size_t np = (size_t)sw * sh;
    uint8_t *rgb = malloc(np * 3);
    if (!rgb) {
      vrc = VIGIL_ENOMEM;
      goto done;
    }
    for (size_t i = 0; i < np; i++) {
      const uint8_t *p = o->pixels + 4 * i;
      unsigned k = p[3];
      rgb[3 * i] = (uint8_t)((p[0] * k + 127) / 255);
      rgb[3 * i + 1] = (uint8_t)((p[1] * k + 127) / 255);
      rgb[3 * i + 2] = (uint8_t)((p[2] * k + 127) / 255);
    }
    free(o->pixels);
    o->pixels = rgb;
    o->cap = np * 3;
    o->channels = 3;
  }
  if (o) o->src_width = w, o->src_height = h;
done:
  jpeg_destroy_decompress(&c);
  free(batch);
  return vrc;
}

int vigil__decode_jpeg(const uint8_t *d, size_t n, uint64_t max_px, int min_side, vigil_image *o,
                       vigil_buf *msg) {
  return decode(d, n, max_px, min_side, o, NULL, NULL, msg);
}

int vigil__jpeg_rows(const uint8_t *d, size_t n, uint64_t max_px, const vigil__row_sink *sink,
                     int *handled, vigil_buf *msg) {
  return decode(d, n, max_px, 0, NULL, sink, handled, msg);
}
