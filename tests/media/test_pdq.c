/* Unit tests of the PDQ pieces on hand-checkable inputs. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "vigil/error.h"
#include "vigil/pdq.h"

static void test_window_size(void **st) {
  (void)st;
  assert_int_equal(vigil_pdq_window_size(1600, 64), 13); /* ceil(1600/128) */
  assert_int_equal(vigil_pdq_window_size(512, 64), 4);
  assert_int_equal(vigil_pdq_window_size(513, 64), 5);
  assert_int_equal(vigil_pdq_window_size(64, 64), 1);
  assert_int_equal(vigil_pdq_window_size(5, 64), 1);
}

/* The reference's worked example: 0..15 with window 7 gives the window
 * sums 6,10,15,21,28,...,84,75,65,54 over window sizes 4,5,6,7,...,7,6,5,4. */
static void test_box1d_example(void **st) {
  (void)st;
  float in[16], out[16];
  for (int i = 0; i < 16; i++) in[i] = (float)i;
  vigil_pdq_box1d(in, out, 16, 1, 7);
  const float want[16] = {1.5f, 2.0f, 2.5f, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 12.5f, 13, 13.5f};
  for (int i = 0; i < 16; i++) assert_true(out[i] == want[i]);
  /* window 8: half window 5, so out[0] averages 0..4 */
  vigil_pdq_box1d(in, out, 16, 1, 8);
  assert_true(out[0] == 2.0f);      /* 10/5 */
  assert_true(out[4] == 4.5f);      /* 36/8 */
  assert_true(out[15] == 13.5f);    /* 54/4 */
  /* strided: every other element of a 32-array */
  float in2[32] = {0}, out2[32] = {0};
  for (int i = 0; i < 16; i++) in2[2 * i] = (float)i, in2[2 * i + 1] = 1000;
  vigil_pdq_box1d(in2, out2, 16, 2, 7);
  for (int i = 0; i < 16; i++) assert_true(out2[2 * i] == want[i]);
  assert_true(out2[1] == 0.0f); /* odd slots untouched */
}

/* The vectorised 2-D filter must equal the plain 1-D reference passes. */
static void test_jarosz_matches_box1d(void **st) {
  (void)st;
  const int rows = 37, cols = 53;
  float *a = malloc(sizeof(float) * rows * cols), *b = malloc(sizeof(float) * rows * cols);
  float *r1 = malloc(sizeof(float) * rows * cols), *r2 = malloc(sizeof(float) * rows * cols);
  for (int i = 0; i < rows * cols; i++) a[i] = r1[i] = (float)((i * 7919u) % 256) * 0.37f;
  vigil_pdq_jarosz(a, b, rows, cols, 3, 4);
  for (int rep = 0; rep < 2; rep++) {
    for (int i = 0; i < rows; i++) vigil_pdq_box1d(r1 + i * cols, r2 + i * cols, cols, 1, 3);
    for (int j = 0; j < cols; j++) vigil_pdq_box1d(r2 + j, r1 + j, rows, cols, 4);
  }
  assert_memory_equal(a, r1, sizeof(float) * rows * cols);
  free(a), free(b), free(r1), free(r2);
}

/* The hashing pipeline (whose last pass computes only what decimation
 * reads) equals the plain composition of the reference steps. */
static void test_pipeline_matches_plain_steps(void **st) {
  (void)st;
  static const int sizes[][2] = {{5, 5}, {64, 64}, {97, 131}, {512, 512}, {333, 70}, {6, 300}};
  for (size_t t = 0; t < sizeof sizes / sizeof sizes[0]; t++) {
    int rows = sizes[t][0], cols = sizes[t][1];
    size_t n = (size_t)rows * cols;
    float *a = malloc(n * sizeof(float)), *b = malloc(n * sizeof(float));
    float *r1 = malloc(n * sizeof(float)), *r2 = malloc(n * sizeof(float));
    for (size_t i = 0; i < n; i++)
      a[i] = r1[i] = (float)((i * 2654435761u) >> 24) * 0.5f + (float)(i % (size_t)cols);
    vigil_pdq got[8];
    int q;
    assert_int_equal(vigil_pdq_from_luma(a, b, rows, cols, 1, got, &q), 0);
    /* plain: 1-D filters as the reference applies them */
    int wr = vigil_pdq_window_size(cols, 64), wc = vigil_pdq_window_size(rows, 64);
    for (int rep = 0; rep < 2; rep++) {
      for (int i = 0; i < rows; i++) vigil_pdq_box1d(r1 + (size_t)i * cols, r2 + (size_t)i * cols, cols, 1, wr);
      for (int j = 0; j < cols; j++) vigil_pdq_box1d(r2 + j, r1 + j, rows, cols, wc);
    }
    static float a64[64][64];
    float d[16][16], x[16][16];
    vigil_pdq_decimate(r1, rows, cols, &a64[0][0], 64, 64);
    assert_int_equal(q, vigil_pdq_quality((const float(*)[64])a64));
    vigil_pdq_dct64to16((const float(*)[64])a64, d);
    for (int v = 0; v < 8; v++) {
      vigil_pdq want;
      vigil_pdq_dct_dihedral((const float(*)[16])d, v, x);
      vigil_pdq_bits((const float(*)[16])x, &want);
      assert_memory_equal(&want, &got[v], sizeof want);
    }
    free(a), free(b), free(r1), free(r2);
  }
}

static void test_decimate(void **st) {
  (void)st;
  float in[128 * 2];
  for (int i = 0; i < 256; i++) in[i] = (float)i;
  float out[4];
  /* 2 rows x 128 cols -> 1 x 4: centres at columns 16, 48, 80, 112 of row 1 */
  vigil_pdq_decimate(in, 2, 128, out, 1, 4);
  assert_true(out[0] == 128 + 16 && out[1] == 128 + 48 && out[3] == 128 + 112);
}

static void test_median(void **st) {
  (void)st;
  float v[256];
  for (int i = 0; i < 256; i++) v[i] = (float)((i * 37) % 256); /* a permutation */
  assert_true(vigil_pdq_median256(v) == 127.0f);                 /* 128th smallest */
  for (int i = 0; i < 256; i++) v[i] = i < 200 ? 1.0f : 5.0f;
  assert_true(vigil_pdq_median256(v) == 1.0f);
  for (int i = 0; i < 256; i++) v[i] = i < 128 ? -2.0f : 3.0f;
  assert_true(vigil_pdq_median256(v) == -2.0f);
}

static void test_bits_and_hex(void **st) {
  (void)st;
  float d[16][16];
  for (int k = 0; k < 256; k++) d[k / 16][k % 16] = (float)k;
  vigil_pdq h;
  vigil_pdq_bits((const float(*)[16])d, &h);
  char hex[65];
  vigil_pdq_to_hex(&h, hex);
  /* bits 128..255 (words 8..15) are printed first */
  assert_string_equal(hex, "ffffffffffffffffffffffffffffffff00000000000000000000000000000000");
  /* bit 0 is the lowest bit of the last word */
  vigil_pdq one = {{0}};
  vigil_pdq_set_bit(&one, 0);
  vigil_pdq_to_hex(&one, hex);
  assert_string_equal(hex + 60, "0001");
  vigil_pdq_set_bit(&one, 255);
  vigil_pdq_to_hex(&one, hex);
  assert_int_equal(hex[0], '8');
  assert_int_equal(vigil_pdq_get_bit(&one, 255), 1);
  assert_int_equal(vigil_pdq_get_bit(&one, 254), 0);

  vigil_pdq p, q;
  const char *s = "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22";
  assert_int_equal(vigil_pdq_from_hex(s, 64, &p), 0);
  vigil_pdq_to_hex(&p, hex);
  assert_string_equal(hex, s);
  assert_int_equal(vigil_pdq_from_hex("D8F8F0CEE0F4A84F0637022A078F67F0B36E2ED596621E1D33E6339C4E9C9B23", 64, &q), 0);
  assert_int_equal(vigil_pdq_hamming(&p, &q), 1);
  assert_int_equal(vigil_pdq_hamming(&p, &p), 0);
  assert_int_equal(vigil_pdq_from_hex(s, 63, &q), VIGIL_EPARSE);
  assert_int_equal(vigil_pdq_from_hex("g8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22", 64, &q),
                   VIGIL_EPARSE);
}

static void test_quality(void **st) {
  (void)st;
  static float a[64][64];
  for (int i = 0; i < 64; i++)
    for (int j = 0; j < 64; j++) a[i][j] = 77.0f;
  assert_int_equal(vigil_pdq_quality((const float(*)[64])a), 0);
  /* one vertical edge 0 | 255: 64 gradients of 100 -> 6400 / 90 = 71 */
  for (int i = 0; i < 64; i++)
    for (int j = 0; j < 64; j++) a[i][j] = j < 32 ? 0.0f : 255.0f;
  assert_int_equal(vigil_pdq_quality((const float(*)[64])a), 71);
  /* gradients under 255/100 per pixel truncate to zero */
  for (int i = 0; i < 64; i++)
    for (int j = 0; j < 64; j++) a[i][j] = (float)(i + j);
  assert_int_equal(vigil_pdq_quality((const float(*)[64])a), 0);
  /* checkerboard saturates at 100 */
  for (int i = 0; i < 64; i++)
    for (int j = 0; j < 64; j++) a[i][j] = ((i + j) & 1) ? 255.0f : 0.0f;
  assert_int_equal(vigil_pdq_quality((const float(*)[64])a), 100);
}

static void test_dct(void **st) {
  (void)st;
  /* matrix row 0 is frequency 1: sqrt(2/64) cos(pi/128 (2j+1)) */
  assert_true(fabsf(vigil_pdq_dct_coeff(0, 0) - (float)(sqrt(2.0 / 64) * cos(M_PI / 128))) < 1e-7f);
  assert_true(fabsf(vigil_pdq_dct_coeff(15, 63) - (float)(sqrt(2.0 / 64) * cos(M_PI / 128 * 16 * 127))) < 1e-7f);
  static float a[64][64];
  float out[16][16];
  /* A constant block has only DC, which PDQ drops: all zero. */
  for (int i = 0; i < 64; i++)
    for (int j = 0; j < 64; j++) a[i][j] = 100.0f;
  vigil_pdq_dct64to16((const float(*)[64])a, out);
  for (int i = 0; i < 16; i++)
    for (int j = 0; j < 16; j++) assert_true(fabsf(out[i][j]) < 1e-3f);
  /* An outer product of basis rows 2 and 5 maps to the single coefficient
   * (2,5) = 1 (the basis is orthonormal). */
  for (int i = 0; i < 64; i++)
    for (int j = 0; j < 64; j++) a[i][j] = vigil_pdq_dct_coeff(2, i) * vigil_pdq_dct_coeff(5, j);
  vigil_pdq_dct64to16((const float(*)[64])a, out);
  for (int i = 0; i < 16; i++)
    for (int j = 0; j < 16; j++)
      assert_true(fabsf(out[i][j] - ((i == 2 && j == 5) ? 1.0f : 0.0f)) < 1e-4f);
}

/* Rotating or flipping the pixels must give (nearly) the dihedral variant
 * computed from the DCT of the original. Not exactly: the decimation samples
 * pixel centres 2i+1, which a flip maps to even positions. A wrong sign or
 * transposition rule gives ~128 bits. */
static void test_dihedral_vs_pixels(void **st) {
  (void)st;
  enum { N = 128 };
  static float img[N][N], t[N][N], luma[N * N], scratch[N * N];
  for (int y = 0; y < N; y++)
    for (int x = 0; x < N; x++)
      img[y][x] = 128 + 60 * sinf(x * 0.11f + y * 0.03f) + 50 * cosf(y * 0.17f - x * 0.05f);
  vigil_pdq var[8];
  int q;
  memcpy(luma, img, sizeof img);
  assert_int_equal(vigil_pdq_from_luma(luma, scratch, N, N, 1, var, &q), 0);
  assert_true(q > 0);
  for (int v = 1; v < 8; v++) {
    for (int y = 0; y < N; y++)
      for (int x = 0; x < N; x++) {
        int sy = y, sx = x; /* t[y][x] = img[sy][sx] */
        switch (v) {
          /* the reference's rot90 turns the picture counter-clockwise */
          case VIGIL_PDQ_ROT90: sy = x, sx = N - 1 - y; break;
          case VIGIL_PDQ_ROT180: sy = N - 1 - y, sx = N - 1 - x; break;
          case VIGIL_PDQ_ROT270: sy = N - 1 - x, sx = y; break;
          case VIGIL_PDQ_FLIPX: sy = N - 1 - y; break;
          case VIGIL_PDQ_FLIPY: sx = N - 1 - x; break;
          case VIGIL_PDQ_FLIP_PLUS1: sy = x, sx = y; break;
          case VIGIL_PDQ_FLIP_MINUS1: sy = N - 1 - x, sx = N - 1 - y; break;
        }
        t[y][x] = img[sy][sx];
      }
    vigil_pdq h;
    memcpy(luma, t, sizeof t);
    vigil_pdq_from_luma(luma, scratch, N, N, 0, &h, &q);
    int d = vigil_pdq_hamming(&h, &var[v]);
    fprintf(stderr, "variant %s: %d bits from the hash of the transformed pixels\n", vigil_pdq_variant_name(v), d);
    if (d > 16) fprintf(stderr, "variant %s: %d bits\n", vigil_pdq_variant_name(v), d);
    assert_true(d <= 16);
  }
  /* and the original is the plain hash */
  vigil_pdq h0;
  memcpy(luma, img, sizeof img);
  vigil_pdq_from_luma(luma, scratch, N, N, 0, &h0, &q);
  assert_int_equal(vigil_pdq_hamming(&h0, &var[0]), 0);
}

static void test_tiny_and_invalid(void **st) {
  (void)st;
  float l[16], s[16];
  vigil_pdq h[8];
  int q = 5;
  memset(h, 0xAA, sizeof h);
  for (int i = 0; i < 16; i++) l[i] = (float)i;
  assert_int_equal(vigil_pdq_from_luma(l, s, 4, 4, 1, h, &q), 0);
  assert_int_equal(q, 0);
  vigil_pdq zero = {{0}};
  for (int v = 0; v < 8; v++) assert_int_equal(vigil_pdq_hamming(&h[v], &zero), 0);
  assert_int_equal(vigil_pdq_from_luma(NULL, s, 4, 4, 0, h, &q), VIGIL_EINVAL);
  vigil_image bad = VIGIL_IMAGE_INIT;
  assert_int_equal(vigil_pdq_hash_image(&bad, 0, h, &q), VIGIL_EINVAL);
}

/* The pre-resize samples floor(x * W / 512): a 1024-wide image whose even
 * and odd columns differ must hash like its even columns alone. */
static void test_resize_nearest(void **st) {
  (void)st;
  enum { W = 1024, H = 1024 };
  vigil_image big = VIGIL_IMAGE_INIT, half = VIGIL_IMAGE_INIT;
  big.width = W, big.height = H, big.channels = 1, big.pixels = malloc((size_t)W * H);
  half.width = 512, half.height = 512, half.channels = 1, half.pixels = malloc(512 * 512);
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      big.pixels[(size_t)y * W + x] =
          (x | y) & 1 ? 255 : (uint8_t)((x * 3 + y * 5 + (x * y) / 97) & 255);
  for (int y = 0; y < 512; y++)
    for (int x = 0; x < 512; x++) half.pixels[y * 512 + x] = big.pixels[(size_t)2 * y * W + 2 * x];
  vigil_pdq a, b, c;
  int qa, qb, qc;
  assert_int_equal(vigil_pdq_hash_image(&big, 0, &a, &qa), 0);
  assert_int_equal(vigil_pdq_hash_image(&half, 0, &b, &qb), 0);
  assert_int_equal(vigil_pdq_hamming(&a, &b), 0);
  assert_int_equal(qa, qb);
  /* without the pre-resize the odd (white) columns count: a different hash */
  assert_int_equal(vigil_pdq_hash_image(&big, VIGIL_PDQ_FULL_RES, &c, &qc), 0);
  assert_true(vigil_pdq_hamming(&a, &c) > 0);
  free(big.pixels), free(half.pixels);
}

/* vigil_pdq_hash_image (luminance taken 4 pixels at a time at the sampled
 * pixels, first filter pass done per block of rows) against a naive
 * composition: resized copy, vigil_pdq_luma per pixel, vigil_pdq_from_luma.
 * The pictures are near-flat, so that their hashes come from rounding
 * noise: a luminance rounded differently changes bits (checked by hand:
 * summing the three products in another order fails this test). */
static void test_hash_image_matches_naive(void **st) {
  (void)st;
  static const int sizes[][2] = {{1200, 850}, {700, 300}, {300, 700}, {513, 513}, {64, 64},
                                 {97, 131},   {1000, 4},  {37, 600},  {512, 512}, {5, 9}};
  /* colours whose float luma depends on the order of the additions */
  static const uint8_t pal[2][3] = {{1, 5, 7}, {1, 15, 63}};
  int differ = 0;
  for (size_t t = 0; t < sizeof sizes / sizeof sizes[0]; t++)
    for (int ch = 1; ch <= 3; ch += 2)
      for (int fl = 0; fl < 3; fl++) {
        int flags = fl == 0 ? 0 : fl == 1 ? VIGIL_PDQ_FULL_RES : VIGIL_PDQ_DIHEDRAL;
        int w = sizes[t][0], h = sizes[t][1];
        vigil_image img = VIGIL_IMAGE_INIT;
        img.width = w, img.height = h, img.channels = ch;
        img.pixels = malloc((size_t)w * h * ch);
        uint32_t seed = 12345u + (uint32_t)t;
        for (size_t i = 0; i < (size_t)w * h; i++) {
          seed = seed * 1103515245u + 12345u;
          int k = ((seed >> 16) & 127) == 0; /* sparse dots on a flat field */
          if (ch == 3) memcpy(img.pixels + 3 * i, pal[k], 3);
          else img.pixels[i] = (uint8_t)(100 + k);
        }
        int rw = w, rh = h;
        if (!(flags & VIGIL_PDQ_FULL_RES) && (w > 512 || h > 512)) rw = rh = 512;
        float *l = malloc((size_t)rw * rh * sizeof(float)), *s2 = malloc((size_t)rw * rh * sizeof(float));
        for (int y = 0; y < rh; y++)
          for (int x = 0; x < rw; x++) {
            const uint8_t *p =
                img.pixels + ((size_t)(y * (long)h / rh) * w + (size_t)(x * (long)w / rw)) * ch;
            l[(size_t)y * rw + x] = ch == 3 ? vigil_pdq_luma(p[0], p[1], p[2]) : (float)p[0];
          }
        vigil_pdq a[8], b[8];
        int qa, qb;
        assert_int_equal(vigil_pdq_hash_image(&img, flags, a, &qa), 0);
        assert_int_equal(vigil_pdq_from_luma(l, s2, rh, rw, flags & VIGIL_PDQ_DIHEDRAL, b, &qb), 0);
        assert_memory_equal(a, b, sizeof a[0] * (flags & VIGIL_PDQ_DIHEDRAL ? 8 : 1));
        assert_int_equal(qa, qb);
        differ += vigil_pdq_hamming(&a[0], &(vigil_pdq){{0}}) > 0;
        free(l), free(s2), free(img.pixels);
      }
  assert_true(differ > 0); /* not all trivially zero */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_window_size),       cmocka_unit_test(test_box1d_example),
      cmocka_unit_test(test_jarosz_matches_box1d), cmocka_unit_test(test_decimate),
      cmocka_unit_test(test_pipeline_matches_plain_steps),
      cmocka_unit_test(test_median),            cmocka_unit_test(test_bits_and_hex),
      cmocka_unit_test(test_quality),           cmocka_unit_test(test_dct),
      cmocka_unit_test(test_dihedral_vs_pixels), cmocka_unit_test(test_tiny_and_invalid),
      cmocka_unit_test(test_resize_nearest),
      cmocka_unit_test(test_hash_image_matches_naive),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
