/* Image decoding: each format, identical pixels -> identical hashes, and
 * hostile input (truncated, corrupt, oversized, empty, not an image). */
#include <gif_lib.h>
#include <spng.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <turbojpeg.h>
#include <webp/encode.h>
#include <zlib.h>

#include "testutil.h"
#include "vigil/error.h"
#include "vigil/image.h"
#include "vigil/pdq.h"

enum { W = 96, H = 72 };
static uint8_t rgb[W * H * 3];

static void make_pixels(void) {
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++) {
      uint8_t *p = rgb + 3 * (y * W + x);
      p[0] = (uint8_t)(x * 255 / W), p[1] = (uint8_t)(y * 255 / H);
      p[2] = (uint8_t)(((x / 8 + y / 8) & 1) ? 200 : 30);
    }
}

static uint8_t *enc_jpeg(size_t *n) {
  tjhandle tj = tjInitCompress();
  unsigned char *out = NULL;
  unsigned long len = 0;
  assert_int_equal(tjCompress2(tj, rgb, W, 0, H, TJPF_RGB, &out, &len, TJSAMP_420, 90, 0), 0);
  tjDestroy(tj);
  uint8_t *copy = malloc(len);
  memcpy(copy, out, len);
  tjFree(out);
  *n = len;
  return copy;
}

static uint8_t *enc_jpeg_flags(int w, int h, int pf, int samp, int quality, int flags, size_t *n);

static uint8_t *enc_png(const uint8_t *px, int w, int h, size_t *n) {
  spng_ctx *enc = spng_ctx_new(SPNG_CTX_ENCODER);
  spng_set_option(enc, SPNG_ENCODE_TO_BUFFER, 1);
  struct spng_ihdr ih = {(uint32_t)w, (uint32_t)h, 8, SPNG_COLOR_TYPE_TRUECOLOR, 0, 0, 0};
  spng_set_ihdr(enc, &ih);
  assert_int_equal(spng_encode_image(enc, px, (size_t)w * h * 3, SPNG_FMT_PNG, SPNG_ENCODE_FINALIZE), 0);
  int err = 0;
  uint8_t *png = spng_get_png_buffer(enc, n, &err);
  assert_non_null(png);
  spng_ctx_free(enc);
  return png;
}

static uint8_t *enc_webp(const uint8_t *px, int w, int h, int lossless, size_t *n) {
  uint8_t *out = NULL;
  *n = lossless ? WebPEncodeLosslessRGB(px, w, h, w * 3, &out) : WebPEncodeRGB(px, w, h, w * 3, 80, &out);
  assert_true(*n > 0);
  uint8_t *copy = malloc(*n);
  memcpy(copy, out, *n);
  WebPFree(out);
  return copy;
}

typedef struct { uint8_t *p; size_t n, cap; } membuf;
static int gif_write(GifFileType *g, const GifByteType *b, int len) {
  membuf *m = g->UserData;
  if (m->n + (size_t)len > m->cap) {
    m->cap = (m->n + (size_t)len) * 2;
    m->p = realloc(m->p, m->cap);
  }
  memcpy(m->p + m->n, b, (size_t)len);
  m->n += (size_t)len;
  return len;
}

/* 8x6 screen, background index 0 (blue); a 4x3 frame at (3,2), interlaced,
 * whose pixel (0,0) is the transparent index 3, the rest indices 1 (red) and
 * 2 (green) by row parity. */
static uint8_t *enc_gif(size_t *n) {
  membuf m = {NULL, 0, 0};
  int err = 0;
  GifFileType *g = EGifOpen(&m, gif_write, &err);
  assert_non_null(g);
  EGifSetGifVersion(g, true);
  GifColorType cols[4] = {{0, 0, 255}, {255, 0, 0}, {0, 255, 0}, {9, 9, 9}};
  ColorMapObject *cm = GifMakeMapObject(4, cols);
  assert_int_equal(EGifPutScreenDesc(g, 8, 6, 2, 0, cm), GIF_OK);
  unsigned char gce[4] = {1, 0, 0, 3};
  assert_int_equal(EGifPutExtension(g, GRAPHICS_EXT_FUNC_CODE, 4, gce), GIF_OK);
  assert_int_equal(EGifPutImageDesc(g, 3, 2, 4, 3, true, NULL), GIF_OK);
  /* interlaced order for 3 rows: pass 1 row 0, pass 3 row 2, pass 4 row 1 */
  const int order[3] = {0, 2, 1};
  for (int i = 0; i < 3; i++) {
    GifPixelType row[4];
    for (int x = 0; x < 4; x++) row[x] = (order[i] & 1) ? 2 : 1;
    if (order[i] == 0) row[0] = 3;
    assert_int_equal(EGifPutLine(g, row, 4), GIF_OK);
  }
  assert_int_equal(EGifCloseFile(g, &err), GIF_OK);
  GifFreeMapObject(cm);
  *n = m.n;
  return m.p;
}

static int decode(const uint8_t *d, size_t n, uint64_t max_px, vigil_image *img) {
  vigil_image_opts o = {max_px, 0};
  vigil_buf msg = VIGIL_BUF_INIT;
  int rc = vigil_image_decode(d, n, &o, img, &msg);
  if (rc) {
    assert_true(msg.len > 0); /* every error says what went wrong */
    fprintf(stderr, "  (decode: %s: %s)\n", vigil_errname(rc), msg.data);
  }
  vigil_buf_release(&msg);
  return rc;
}

static void test_sniff(void **st) {
  (void)st;
  assert_int_equal(vigil_image_sniff("\xff\xd8\xff\xe0", 4), VIGIL_IMG_JPEG);
  assert_int_equal(vigil_image_sniff("\x89PNG\r\n\x1a\n", 8), VIGIL_IMG_PNG);
  assert_int_equal(vigil_image_sniff("RIFF\0\0\0\0WEBP", 12), VIGIL_IMG_WEBP);
  assert_int_equal(vigil_image_sniff("GIF89a", 6), VIGIL_IMG_GIF);
  assert_int_equal(vigil_image_sniff("GIF89", 5), VIGIL_IMG_UNKNOWN);
  assert_int_equal(vigil_image_sniff("hello world", 11), VIGIL_IMG_UNKNOWN);
  assert_int_equal(vigil_image_sniff(NULL, 0), VIGIL_IMG_UNKNOWN);
}

static void test_formats_decode(void **st) {
  (void)st;
  size_t n;
  vigil_image img = VIGIL_IMAGE_INIT;
  uint8_t *d = enc_png(rgb, W, H, &n);
  assert_int_equal(decode(d, n, 0, &img), 0);
  assert_int_equal(img.format, VIGIL_IMG_PNG);
  assert_int_equal(img.width, W);
  assert_int_equal(img.channels, 3);
  assert_memory_equal(img.pixels, rgb, sizeof rgb);
  vigil_image_release(&img);
  free(d);

  d = enc_webp(rgb, W, H, 1, &n);
  assert_int_equal(decode(d, n, 0, &img), 0);
  assert_int_equal(img.format, VIGIL_IMG_WEBP);
  assert_memory_equal(img.pixels, rgb, sizeof rgb);
  vigil_image_release(&img);
  free(d);

  d = enc_jpeg(&n);
  assert_int_equal(decode(d, n, 0, &img), 0);
  assert_int_equal(img.format, VIGIL_IMG_JPEG);
  assert_int_equal(img.width, W);
  assert_int_equal(img.height, H);
  long err = 0;
  for (size_t i = 0; i < sizeof rgb; i++) err += abs((int)img.pixels[i] - rgb[i]);
  assert_true(err / (long)sizeof rgb < 8); /* lossy, but the same picture */
  vigil_image_release(&img);
  /* the pixel cap applies to header dimensions */
  assert_int_equal(decode(d, n, 100, &img), VIGIL_ETOOBIG);
  assert_null(img.pixels);
  /* DCT scaling keeps each side >= min(min_side, side) */
  vigil_image_opts o = {0, 40};
  assert_int_equal(vigil_image_decode(d, n, &o, &img, NULL), 0);
  assert_true(img.width >= 40 && img.height >= 40 && img.width < W);
  assert_int_equal(img.src_width, W);
  vigil_image_release(&img);
  free(d);
}

static void test_gif_offset_transparency_interlace(void **st) {
  (void)st;
  size_t n;
  uint8_t *d = enc_gif(&n);
  vigil_image img = VIGIL_IMAGE_INIT;
  assert_int_equal(decode(d, n, 0, &img), 0);
  assert_int_equal(img.format, VIGIL_IMG_GIF);
  assert_int_equal(img.width, 8);
  assert_int_equal(img.height, 6);
#define PX(x, y) (img.pixels + 3 * ((y) * 8 + (x)))
  assert_memory_equal(PX(0, 0), "\x00\x00\xff", 3); /* background outside */
  assert_memory_equal(PX(3, 2), "\x00\x00\xff", 3); /* transparent -> background */
  assert_memory_equal(PX(4, 2), "\xff\x00\x00", 3); /* frame row 0: red */
  assert_memory_equal(PX(3, 3), "\x00\xff\x00", 3); /* frame row 1: green */
  assert_memory_equal(PX(6, 4), "\xff\x00\x00", 3); /* frame row 2: red */
  assert_memory_equal(PX(7, 4), "\x00\x00\xff", 3); /* right of the frame */
  assert_memory_equal(PX(3, 5), "\x00\x00\xff", 3); /* below the frame */
#undef PX
  vigil_image_release(&img);
  free(d);
}

/* Identical pixels give identical hashes across lossless containers. */
static void test_identical_pixels_identical_hash(void **st) {
  (void)st;
  const uint8_t *src = rgb;
  int w = W, h = H;
  vigil_image shared = VIGIL_IMAGE_INIT;
  size_t n0;
  char *c = NULL;
  const char *path = vt_shared("pdq/misc-images/c.png");
  if (path && (c = vt_read_file(path, &n0)) && decode((uint8_t *)c, n0, 0, &shared) == 0 &&
      shared.channels == 3) {
    src = shared.pixels, w = shared.width, h = shared.height;
  }
  size_t np, nw;
  uint8_t *png = enc_png(src, w, h, &np), *webp = enc_webp(src, w, h, 1, &nw);
  vigil_image a = VIGIL_IMAGE_INIT, b = VIGIL_IMAGE_INIT;
  assert_int_equal(decode(png, np, 0, &a), 0);
  assert_int_equal(decode(webp, nw, 0, &b), 0);
  vigil_pdq ha[8], hb[8];
  int qa, qb;
  assert_int_equal(vigil_pdq_hash_image(&a, VIGIL_PDQ_DIHEDRAL, ha, &qa), 0);
  assert_int_equal(vigil_pdq_hash_image(&b, VIGIL_PDQ_DIHEDRAL, hb, &qb), 0);
  assert_memory_equal(ha, hb, sizeof ha);
  assert_int_equal(qa, qb);
  if (shared.pixels) { /* and the same as the original file */
    vigil_pdq hs[8];
    int qs;
    assert_int_equal(vigil_pdq_hash_image(&shared, VIGIL_PDQ_DIHEDRAL, hs, &qs), 0);
    assert_memory_equal(ha, hs, sizeof ha);
    fprintf(stderr, "  c.png re-encoded as PNG and lossless WebP: identical hashes\n");
  }
  vigil_image_release(&a), vigil_image_release(&b), vigil_image_release(&shared);
  free(png), free(webp), free(c);
}

static int acceptable(int rc) {
  return rc == 0 || rc == VIGIL_EDECODE || rc == VIGIL_EUNSUPPORTED || rc == VIGIL_ETOOBIG;
}

/* vigil_pdq_hash_data (JPEGs row by row) fails where the two-step path
 * fails, and otherwise gives its hash. */
static void same_both_paths(const uint8_t *d, size_t n, int want_rc, const vigil_pdq *want,
                            int want_q) {
  vigil_image img = VIGIL_IMAGE_INIT;
  vigil_buf msg = VIGIL_BUF_INIT;
  vigil_pdq h;
  int q = -1;
  int rc = vigil_pdq_hash_data(d, n, NULL, 0, &img, &h, &q, &msg);
  if (rc != want_rc)
    fprintf(stderr, "  one step %s, two steps %s (%s)\n", vigil_errname(rc), vigil_errname(want_rc),
            msg.len ? msg.data : "");
  assert_int_equal(rc, want_rc);
  if (rc) assert_true(msg.len > 0);
  else assert_memory_equal(&h, want, sizeof h), assert_int_equal(q, want_q);
  vigil_image_release(&img);
  vigil_buf_release(&msg);
}

/* Truncations at many lengths and byte flips: a clear code, never a crash. */
static void hostile(uint8_t *d, size_t n, const char *name) {
  vigil_image img = VIGIL_IMAGE_INIT;
  /* cut to half: must be an error */
  int rc = decode(d, n / 2, 0, &img);
  if (rc != VIGIL_EDECODE) fprintf(stderr, "%s truncated to half: %s\n", name, vigil_errname(rc));
  assert_int_equal(rc, VIGIL_EDECODE);
  vigil_pdq h;
  int q;
  assert_int_equal(vigil_pdq_hash_data(d, n / 2, NULL, 0, &img, &h, &q, NULL), VIGIL_EDECODE);
  for (size_t cut = 1; cut < n; cut += n / 23 + 1) {
    rc = vigil_image_decode(d, cut, NULL, &img, NULL);
    assert_true(acceptable(rc));
    if (!rc) assert_int_equal(vigil_pdq_hash_image(&img, 0, &h, &q), 0);
    same_both_paths(d, cut, rc, rc ? NULL : &h, q);
    vigil_image_release(&img);
  }
  uint8_t *m = malloc(n);
  for (int k = 0; k < 40; k++) {
    memcpy(m, d, n);
    for (int j = 0; j < 4; j++) m[(k * 7919u + j * 104729u) % n] ^= (uint8_t)(1u << ((k + j) & 7));
    rc = vigil_image_decode(m, n, NULL, &img, NULL);
    assert_true(acceptable(rc));
    if (!rc) assert_int_equal(vigil_pdq_hash_image(&img, 0, &h, &q), 0);
    same_both_paths(m, n, rc, rc ? NULL : &h, q);
    vigil_image_release(&img);
  }
  free(m);
}

static void test_hostile_inputs(void **st) {
  (void)st;
  size_t n;
  uint8_t *d = enc_jpeg(&n);
  hostile(d, n, "jpeg");
  free(d);
  /* big enough that the row-by-row path skips rows nobody samples */
  d = enc_jpeg_flags(700, 900, TJPF_RGB, TJSAMP_420, 80, 0, &n);
  hostile(d, n, "jpeg 700x900");
  free(d);
  d = enc_jpeg_flags(700, 900, TJPF_RGB, TJSAMP_422, 80, TJFLAG_PROGRESSIVE, &n);
  hostile(d, n, "progressive jpeg 700x900");
  free(d);
  d = enc_png(rgb, W, H, &n);
  hostile(d, n, "png");
  /* a broken IHDR CRC */
  d[29] ^= 0xff;
  vigil_image img = VIGIL_IMAGE_INIT;
  assert_int_equal(decode(d, n, 0, &img), VIGIL_EDECODE);
  free(d);
  d = enc_webp(rgb, W, H, 0, &n);
  hostile(d, n, "webp");
  free(d);
  d = enc_gif(&n);
  hostile(d, n, "gif");
  free(d);
}

static void put32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

/* A valid PNG header claiming 50,000 x 50,000: refused before allocating. */
static void test_huge_png_header(void **st) {
  (void)st;
  uint8_t png[8 + 25 + 12];
  memcpy(png, "\x89PNG\r\n\x1a\n", 8);
  put32(png + 8, 13);
  memcpy(png + 12, "IHDR", 4);
  put32(png + 16, 50000);
  put32(png + 20, 50000);
  png[24] = 8, png[25] = 2, png[26] = 0, png[27] = 0, png[28] = 0;
  put32(png + 29, (uint32_t)crc32(0, png + 12, 17));
  put32(png + 33, 0);
  memcpy(png + 37, "IEND", 4);
  put32(png + 41, (uint32_t)crc32(0, png + 37, 4));
  vigil_image img = VIGIL_IMAGE_INIT;
  assert_int_equal(decode(png, sizeof png, 0, &img), VIGIL_ETOOBIG);
  assert_null(img.pixels);
  assert_int_equal(decode(png, sizeof png, VIGIL_IMAGE_HARD_MAX_PIXELS, &img), VIGIL_ETOOBIG);
  /* a 2x2 header under the cap gets past the check and fails on missing data */
  put32(png + 16, 2);
  put32(png + 20, 2);
  put32(png + 29, (uint32_t)crc32(0, png + 12, 17));
  assert_int_equal(decode(png, sizeof png, 0, &img), VIGIL_EDECODE);
}

static void test_empty_text_and_files(void **st) {
  (void)st;
  vigil_image img = VIGIL_IMAGE_INIT;
  assert_int_equal(decode((const uint8_t *)"", 0, 0, &img), VIGIL_EUNSUPPORTED);
  const char *txt = "This is a text file, not a picture.\n";
  assert_int_equal(decode((const uint8_t *)txt, strlen(txt), 0, &img), VIGIL_EUNSUPPORTED);
  assert_int_equal(decode((const uint8_t *)"\xff\xd8\xff", 3, 0, &img), VIGIL_EDECODE);

  char *dir = vt_tmpdir("media-files");
  assert_non_null(dir);
  char path[4096];
  snprintf(path, sizeof path, "%s/empty.jpg", dir);
  assert_int_equal(vt_write_file(path, "", 0), 0);
  vigil_buf b = VIGIL_BUF_INIT, msg = VIGIL_BUF_INIT;
  assert_int_equal(vigil_image_read_file(path, 0, &b, &msg), 0);
  assert_int_equal(b.len, 0);
  assert_int_equal(vigil_image_decode(b.data, b.len, NULL, &img, &msg), VIGIL_EUNSUPPORTED);
  snprintf(path, sizeof path, "%s/big.bin", dir);
  static char blob[5000];
  assert_int_equal(vt_write_file(path, blob, sizeof blob), 0);
  vigil_buf_clear(&b);
  assert_int_equal(vigil_image_read_file(path, 1000, &b, &msg), VIGIL_ETOOBIG);
  vigil_buf_clear(&b);
  assert_int_equal(vigil_image_read_file(path, 5000, &b, &msg), 0);
  assert_int_equal(b.len, 5000);
  snprintf(path, sizeof path, "%s/missing", dir);
  assert_int_equal(vigil_image_read_file(path, 0, &b, &msg), VIGIL_ENOTFOUND);
  assert_int_equal(vigil_image_read_file(dir, 0, &b, &msg), VIGIL_EINVAL);
  vigil_buf_release(&b), vigil_buf_release(&msg);
  free(dir);
}

/* A w x h picture with fine detail (so hashes are sensitive to every
 * pixel) encoded as JPEG with the given pixel format and subsampling. */
static uint8_t *enc_jpeg_sized(int w, int h, int pf, int samp, int quality, size_t *n) {
  return enc_jpeg_flags(w, h, pf, samp, quality, 0, n);
}
static uint8_t *enc_jpeg_flags(int w, int h, int pf, int samp, int quality, int flags, size_t *n) {
  int ps = tjPixelSize[pf];
  uint8_t *px = malloc((size_t)w * h * (size_t)ps);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      for (int c = 0; c < ps; c++)
        px[((size_t)y * w + x) * ps + c] =
            (uint8_t)((x * (c + 3) + y * (7 - c) + ((x * y) >> (c + 2)) + ((x ^ y) & 31)) & 255);
  tjhandle tj = tjInitCompress();
  unsigned char *out = NULL;
  unsigned long len = 0;
  assert_int_equal(tjCompress2(tj, px, w, 0, h, pf, &out, &len, samp, quality, flags), 0);
  tjDestroy(tj);
  free(px);
  uint8_t *copy = malloc(len);
  memcpy(copy, out, len);
  tjFree(out);
  *n = len;
  return copy;
}

/* The row-by-row JPEG path equals decode + vigil_pdq_hash_image: every
 * subsampling, grey, CMYK (which takes the two-step path inside),
 * progressive, sizes
 * that shrink, stretch (short side < 512), stay, or are under 5 px, and
 * the three pipelines. */
static void test_hash_data_jpeg_variants(void **st) {
  (void)st;
  static const int sizes[][2] = {{1200, 850}, {700, 300}, {300, 700}, {513, 64}, {64, 64},
                                 {97, 131},   {1000, 4},  {37, 600},  {512, 512}, {520, 17}};
  static const int samps[] = {TJSAMP_444, TJSAMP_422, TJSAMP_420, TJSAMP_440, TJSAMP_411};
  static const int flags[] = {0, VIGIL_PDQ_FULL_RES, VIGIL_PDQ_DIHEDRAL};
  int checked = 0;
  vigil_image img = VIGIL_IMAGE_INIT, two = VIGIL_IMAGE_INIT;
  for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
    for (int k = 0; k < 8; k++) {
      int pf = k == 5 ? TJPF_GRAY : k == 6 ? TJPF_CMYK : TJPF_RGB;
      int samp = k == 5 ? TJSAMP_GRAY : k == 6 ? TJSAMP_420 : k == 7 ? TJSAMP_420 : samps[k];
      size_t n;
      uint8_t *d = enc_jpeg_flags(sizes[s][0], sizes[s][1], pf, samp, 75 + 3 * k,
                                  k == 7 ? TJFLAG_PROGRESSIVE : 0, &n);
      assert_int_equal(vigil_image_decode(d, n, NULL, &two, NULL), 0);
      for (size_t f = 0; f < sizeof flags / sizeof flags[0]; f++) {
        vigil_pdq a[VIGIL_PDQ_NVARIANTS], b[VIGIL_PDQ_NVARIANTS];
        int qa = -1, qb = -2;
        assert_int_equal(vigil_pdq_hash_data(d, n, NULL, flags[f], &img, a, &qa, NULL), 0);
        assert_int_equal(vigil_pdq_hash_image(&two, flags[f], b, &qb), 0);
        assert_memory_equal(a, b, sizeof a[0] * (flags[f] & VIGIL_PDQ_DIHEDRAL ? 8 : 1));
        assert_int_equal(qa, qb);
        assert_int_equal(img.format, VIGIL_IMG_JPEG);
        assert_int_equal(img.src_width, sizes[s][0]);
        assert_int_equal(img.src_height, sizes[s][1]);
        checked++;
      }
      free(d);
    }
  /* --fast (DCT scaling) still decodes whole images: pixels are there */
  size_t n;
  uint8_t *d = enc_jpeg_sized(1200, 850, TJPF_RGB, TJSAMP_420, 85, &n);
  vigil_image_opts o = {0, VIGIL_PDQ_RESIZE_DIM};
  vigil_pdq h;
  int q;
  assert_int_equal(vigil_pdq_hash_data(d, n, &o, 0, &img, &h, &q, NULL), 0);
  assert_true(img.width > 0 && img.width < 1200 && img.pixels != NULL);
  /* the pixel cap applies before decoding */
  vigil_image_opts cap = {1000, 0};
  assert_int_equal(vigil_pdq_hash_data(d, n, &cap, 0, &img, &h, &q, NULL), VIGIL_ETOOBIG);
  free(d);
  vigil_image_release(&img);
  vigil_image_release(&two);
  assert_int_equal(checked, 10 * 8 * 3);
}

int main(void) {
  make_pixels();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sniff),
      cmocka_unit_test(test_formats_decode),
      cmocka_unit_test(test_gif_offset_transparency_interlace),
      cmocka_unit_test(test_identical_pixels_identical_hash),
      cmocka_unit_test(test_hostile_inputs),
      cmocka_unit_test(test_hash_data_jpeg_variants),
      cmocka_unit_test(test_huge_png_header),
      cmocka_unit_test(test_empty_text_and_files),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
