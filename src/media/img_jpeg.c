/* JPEG via libturbojpeg (TurboJPEG 2.1 API in Debian 12). */
#include <stdlib.h>
#include <string.h>
#include <turbojpeg.h>

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

int vigil__decode_jpeg(const uint8_t *d, size_t n, uint64_t max_px, int min_side, vigil_image *o,
                       vigil_buf *msg) {
  if (n > 0xffffffffu) {
    vigil__image_msg(msg, "JPEG data over 4 GiB");
    return VIGIL_ETOOBIG;
  }
  tjhandle tj = tjInitDecompress();
  if (!tj) return VIGIL_ENOMEM;
  int w = 0, h = 0, subsamp = 0, cs = 0, rc = 0;
  if (tjDecompressHeader3(tj, d, (unsigned long)n, &w, &h, &subsamp, &cs) != 0) {
    vigil__image_msg(msg, "corrupt JPEG header: %s", tjGetErrorStr2(tj));
    rc = VIGIL_EDECODE;
    goto done;
  }
  if ((rc = vigil__image_check_dims((uint64_t)w, (uint64_t)h, max_px, msg))) goto done;
  tjscalingfactor sf = pick_scale(w, h, min_side);
  int sw = TJSCALED(w, sf), sh = TJSCALED(h, sf);
  int cmyk = cs == TJCS_CMYK || cs == TJCS_YCCK;
  int pf = cs == TJCS_GRAY ? TJPF_GRAY : cmyk ? TJPF_CMYK : TJPF_RGB;
  int ch = tjPixelSize[pf];
  if ((rc = vigil__image_alloc(o, sw, sh, ch))) goto done;
  if (tjDecompress2(tj, d, (unsigned long)n, o->pixels, sw, 0, sh, pf, 0) != 0) {
    const char *e = tjGetErrorStr2(tj);
    /* libjpeg reports damage it could paper over as warnings; a missing end
     * of data is the one we refuse, since the rest of the picture is grey
     * filler and would hash as a different image. */
    if (tjGetErrorCode(tj) != TJERR_WARNING || (e && strstr(e, "Premature end"))) {
      vigil__image_msg(msg, "cannot decode JPEG: %s", e ? e : "unknown error");
      rc = VIGIL_EDECODE;
      goto done;
    }
  }
  if (cmyk) {
    /* Adobe-style (inverted) CMYK, which is what libjpeg hands back. */
    size_t np = (size_t)sw * sh;
    uint8_t *rgb = malloc(np * 3);
    if (!rgb) {
      rc = VIGIL_ENOMEM;
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
  o->src_width = w;
  o->src_height = h;
done:
  tjDestroy(tj);
  return rc;
}
