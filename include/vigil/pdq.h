/* vigil/pdq.h - PDQ perceptual hashes of images (Meta's PDQ algorithm).
 *
 * A port of the published algorithm (ThreatExchange hashing/pdq): luminance,
 * two-pass Jarosz box-filter downsampling to 64x64, the 16x16 corner of a
 * 64x64 DCT, one bit per coefficient above the median, plus the quality
 * metric and the eight dihedral variants. docs/pdq.md says what is matched.
 *
 * Ownership: vigil_pdq is a plain value. vigil_pdq_from_luma() works in
 * buffers the caller owns (and overwrites the luma it is given);
 * vigil_pdq_hash_image() and vigil_pdq_hash_data() allocate their own
 * scratch and free it before returning (vigil_pdq_hash_data() may also
 * reuse the caller's vigil_image pixel buffer). Nothing here keeps state
 * between calls; all functions are thread-safe.
 */
#ifndef VIGIL_PDQ_H
#define VIGIL_PDQ_H

#include <stddef.h>
#include <stdint.h>

#include "vigil/image.h"

#define VIGIL_PDQ_BYTES 32
#define VIGIL_PDQ_HEX_LEN 64
/* The reference tool shrinks images larger than this (either side) to
 * exactly this square, nearest neighbour, before hashing. */
#define VIGIL_PDQ_RESIZE_DIM 512
/* Below this many rows or columns the hash is all zeros, quality 0. */
#define VIGIL_PDQ_MIN_DIM 5

/* 256 bits. b[0] holds the first two hex digits of the canonical text form,
 * so memcmp order equals hex string order. Bit k (k = row*16 + col of the
 * 16x16 DCT) is in 16-bit word k/16, counted from the END of the hex. */
typedef struct vigil_pdq {
  uint8_t b[VIGIL_PDQ_BYTES];
} vigil_pdq;

/* The reference's variant order (pdq-photo-hasher --pdqdih). */
typedef enum vigil_pdq_variant {
  VIGIL_PDQ_ORIG = 0,
  VIGIL_PDQ_ROT90,
  VIGIL_PDQ_ROT180,
  VIGIL_PDQ_ROT270,
  VIGIL_PDQ_FLIPX,
  VIGIL_PDQ_FLIPY,
  VIGIL_PDQ_FLIP_PLUS1,  /* transpose */
  VIGIL_PDQ_FLIP_MINUS1, /* anti-transpose */
  VIGIL_PDQ_NVARIANTS
} vigil_pdq_variant;

/* "orig", "rot90", "rot180", "rot270", "flipx", "flipy", "flipp", "flipm". */
const char *vigil_pdq_variant_name(int variant);

/* Text form: 64 lowercase hex digits + NUL. */
void vigil_pdq_to_hex(const vigil_pdq *h, char out[VIGIL_PDQ_HEX_LEN + 1]);
/* Parses exactly 64 hex digits (either case); VIGIL_EPARSE otherwise. */
int vigil_pdq_from_hex(const char *s, size_t len, vigil_pdq *h);
int vigil_pdq_hamming(const vigil_pdq *a, const vigil_pdq *b); /* 0..256 */
int vigil_pdq_get_bit(const vigil_pdq *h, int k);                /* k 0..255 */
void vigil_pdq_set_bit(vigil_pdq *h, int k);

/* ---- the whole pipeline ---------------------------------------------- */

/* Hashes a luma image (rows x cols floats, row-major). `luma` is used as a
 * work buffer and overwritten; `scratch` must hold rows*cols floats.
 * out[0] gets the hash; with `dihedral`, out[0..7] get all eight variants in
 * vigil_pdq_variant order (out must then have 8 entries). As the reference,
 * the plain hash of an exactly 64x64 input skips the blur while the
 * dihedral path always blurs. Images under VIGIL_PDQ_MIN_DIM give zero
 * hashes and quality 0 (not an error). */
int vigil_pdq_from_luma(float *luma, float *scratch, int rows, int cols, int dihedral,
                        vigil_pdq *out, int *quality);

/* Flags for vigil_pdq_hash_image. */
#define VIGIL_PDQ_DIHEDRAL 0x1 /* out[0..7] get the eight variants */
/* Skip the 512x512 pre-resize and blur the full-resolution luma, as the C++
 * tool did before it added the resize (and as ports that never had it). */
#define VIGIL_PDQ_FULL_RES 0x2

/* From decoded pixels: the current reference tool's resize (either side
 * > 512 -> exactly 512x512, nearest neighbour), then luminance, then
 * vigil_pdq_from_luma. */
int vigil_pdq_hash_image(const vigil_image *img, int flags, vigil_pdq *out, int *quality);

/* Decodes image bytes and hashes them: the same hashes as
 * vigil_image_decode() + vigil_pdq_hash_image(), faster for JPEG. Unless
 * opts->min_side asks for DCT scaling, a JPEG is decoded row by row and each
 * row's luminance is taken at once at the sampled pixels, without a
 * full-size RGB buffer (docs/pdq.md). Errors and messages as
 * vigil_image_decode(). `img` is the caller's (start it as VIGIL_IMAGE_INIT,
 * reuse it across calls, free it with vigil_image_release()); on success
 * img->format, src_width and src_height describe the file, but the pixels
 * are only there when img->width > 0 (the row-by-row path sets width,
 * height and channels to 0). */
int vigil_pdq_hash_data(const void *data, size_t len, const vigil_image_opts *opts, int flags,
                        vigil_image *img, vigil_pdq *out, int *quality, vigil_buf *msg);

/* ---- the pieces (exposed for tests and benchmarks) ------------------ */

float vigil_pdq_luma(uint8_t r, uint8_t g, uint8_t b); /* reference coefficients */
/* Window of one Jarosz pass: ceil(old / (2 * new)). */
int vigil_pdq_window_size(int old_dim, int new_dim);
/* Box filter (mean over the window, shrinking at the edges) of n values at
 * in[0], in[stride], ...; in and out must not overlap. */
void vigil_pdq_box1d(const float *in, float *out, int n, int stride, int window);
/* Two X,Y passes over rows x cols; the result is back in buf1. */
void vigil_pdq_jarosz(float *buf1, float *buf2, int rows, int cols, int win_rows, int win_cols);
/* Samples out_rows x out_cols pixel centres from in. */
void vigil_pdq_decimate(const float *in, int rows, int cols, float *out, int out_rows, int out_cols);
int vigil_pdq_quality(const float a[64][64]); /* 0..100 */
/* Coefficients (1..16)x(1..16) of the 2-D DCT-II of a 64x64 block. */
void vigil_pdq_dct64to16(const float a[64][64], float out[16][16]);
/* DCT matrix entry (row i 0..15 = frequency i+1, column j 0..63). */
float vigil_pdq_dct_coeff(int i, int j);
/* The 128th smallest of 256 values (the lower median, as the reference). */
float vigil_pdq_median256(const float v[256]);
/* One bit per coefficient strictly above the median. */
void vigil_pdq_bits(const float dct[16][16], vigil_pdq *out);
/* DCT of the transformed image, from the DCT of the original. */
void vigil_pdq_dct_dihedral(const float in[16][16], int variant, float out[16][16]);

#endif
