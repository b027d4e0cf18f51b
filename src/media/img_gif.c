/* GIF via giflib: the first frame, composited at its offset on the logical
 * screen. Uncovered and transparent pixels take the background colour (black
 * when the file has no global colour map). */
#include <gif_lib.h>
#include <stdlib.h>
#include <string.h>

#include "media/image_internal.h"
#include "vigil/error.h"

typedef struct {
  const uint8_t *p;
  size_t n, off;
} mem_src;

static int mem_read(GifFileType *g, GifByteType *buf, int len) {
  mem_src *s = g->UserData;
  if (len <= 0) return 0;
  size_t k = s->n - s->off;
  if ((size_t)len < k) k = (size_t)len;
  memcpy(buf, s->p + s->off, k);
  s->off += k;
  return (int)k;
}

int vigil__decode_gif(const uint8_t *d, size_t n, uint64_t max_px, vigil_image *o,
                      vigil_buf *msg) {
  mem_src src = {d, n, 0};
  int err = 0, rc = 0, transparent = -1;
  GifFileType *g = DGifOpen(&src, mem_read, &err);
  if (!g) {
    vigil__image_msg(msg, "corrupt GIF header: %s", GifErrorString(err));
    return err == D_GIF_ERR_NOT_ENOUGH_MEM ? VIGIL_ENOMEM : VIGIL_EDECODE;
  }
  GifByteType *line = NULL;
  for (;;) {
    GifRecordType rt;
    if (DGifGetRecordType(g, &rt) == GIF_ERROR) goto corrupt;
    if (rt == TERMINATE_RECORD_TYPE) {
      vigil__image_msg(msg, "GIF has no image");
      rc = VIGIL_EDECODE;
      goto out;
    }
    if (rt == EXTENSION_RECORD_TYPE) {
      int code;
      GifByteType *ext;
      if (DGifGetExtension(g, &code, &ext) == GIF_ERROR) goto corrupt;
      while (ext) {
        /* Graphic Control Extension: flags, delay (2), transparent index */
        if (code == GRAPHICS_EXT_FUNC_CODE && ext[0] >= 4)
          transparent = (ext[1] & 1) ? ext[4] : -1;
        if (DGifGetExtensionNext(g, &ext) == GIF_ERROR) goto corrupt;
      }
      continue;
    }
    if (rt != IMAGE_DESC_RECORD_TYPE) continue;
    if (DGifGetImageDesc(g) == GIF_ERROR) goto corrupt;
    GifImageDesc *id = &g->Image;
    int fw = id->Width, fh = id->Height, fl = id->Left, ft = id->Top;
    int sw = g->SWidth > 0 ? g->SWidth : fl + fw, sh = g->SHeight > 0 ? g->SHeight : ft + fh;
    if ((rc = vigil__image_check_dims((uint64_t)(sw > 0 ? sw : 0), (uint64_t)(sh > 0 ? sh : 0),
                                      max_px, msg)) ||
        (rc = vigil__image_check_dims((uint64_t)(fw > 0 ? fw : 0), (uint64_t)(fh > 0 ? fh : 0),
                                      max_px, msg)))
      goto out;
    ColorMapObject *cm = id->ColorMap ? id->ColorMap : g->SColorMap;
    uint8_t bg[3] = {0, 0, 0};
    if (g->SColorMap && g->SBackGroundColor >= 0 && g->SBackGroundColor < g->SColorMap->ColorCount) {
      GifColorType c = g->SColorMap->Colors[g->SBackGroundColor];
      bg[0] = c.Red, bg[1] = c.Green, bg[2] = c.Blue;
    }
    if ((rc = vigil__image_alloc(o, sw, sh, 3))) goto out;
    size_t np = (size_t)sw * sh;
    for (size_t i = 0; i < np; i++) memcpy(o->pixels + 3 * i, bg, 3);
    line = malloc((size_t)fw);
    if (!line) {
      rc = VIGIL_ENOMEM;
      goto out;
    }
    static const int start[4] = {0, 4, 2, 1}, step[4] = {8, 8, 4, 2};
    int passes = id->Interlace ? 4 : 1;
    for (int p = 0; p < passes; p++) {
      int y0 = id->Interlace ? start[p] : 0, dy = id->Interlace ? step[p] : 1;
      for (int y = y0; y < fh; y += dy) {
        if (DGifGetLine(g, line, fw) == GIF_ERROR) goto corrupt;
        int cy = ft + y;
        if (cy < 0 || cy >= sh) continue;
        uint8_t *row = o->pixels + (size_t)cy * sw * 3;
        for (int x = 0; x < fw; x++) {
          int cx = fl + x, idx = line[x];
          if (cx < 0 || cx >= sw || idx == transparent) continue;
          uint8_t *px = row + (size_t)cx * 3;
          if (cm && idx < cm->ColorCount) {
            px[0] = cm->Colors[idx].Red, px[1] = cm->Colors[idx].Green, px[2] = cm->Colors[idx].Blue;
          } else {
            px[0] = px[1] = px[2] = 0;
          }
        }
      }
    }
    goto out;
  }
corrupt:
  vigil__image_msg(msg, "cannot decode GIF: %s", GifErrorString(g->Error));
  rc = g->Error == D_GIF_ERR_NOT_ENOUGH_MEM ? VIGIL_ENOMEM : VIGIL_EDECODE;
out:
  free(line);
  DGifCloseFile(g, &err);
  return rc;
}
