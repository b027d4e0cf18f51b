/* PDQ hashing: the algorithm as published by Meta (ThreatExchange
 * hashing/pdq). Arithmetic is single-precision float in the same order as
 * the reference so that identical pixels give identical hashes. */
#include "vigil/pdq.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE__
#include <xmmintrin.h>
#endif

#include "media/image_internal.h"
#include "vigil/error.h"

#pragma GCC diagnostic ignored "-Wunknown-pragmas"
#pragma STDC FP_CONTRACT OFF

/* The reference stores these as float constants. */
static const float luma_r = 0.299f, luma_g = 0.587f, luma_b = 0.114f;

float vigil_pdq_luma(uint8_t r, uint8_t g, uint8_t b) {
  return luma_r * r + luma_g * g + luma_b * b;
}

static const char *const variant_names[VIGIL_PDQ_NVARIANTS] = {
    "orig", "rot90", "rot180", "rot270", "flipx", "flipy", "flipp", "flipm"};

const char *vigil_pdq_variant_name(int v) {
  return (v >= 0 && v < VIGIL_PDQ_NVARIANTS) ? variant_names[v] : "?";
}

/* ---- bits and text ------------------------------------------------------- */

/* Word w (0..15) is printed at hex position (15 - w) * 4, high byte first. */
static inline int bit_byte(int k) {
  int w = k >> 4, in = k & 15;
  return 2 * (15 - w) + (in < 8 ? 1 : 0);
}

int vigil_pdq_get_bit(const vigil_pdq *h, int k) {
  return (h->b[bit_byte(k)] >> (k & 7)) & 1;
}

void vigil_pdq_set_bit(vigil_pdq *h, int k) { h->b[bit_byte(k)] |= (uint8_t)(1u << (k & 7)); }

void vigil_pdq_to_hex(const vigil_pdq *h, char out[VIGIL_PDQ_HEX_LEN + 1]) {
  static const char hx[] = "0123456789abcdef";
  for (int i = 0; i < VIGIL_PDQ_BYTES; i++) {
    out[2 * i] = hx[h->b[i] >> 4];
    out[2 * i + 1] = hx[h->b[i] & 15];
  }
  out[VIGIL_PDQ_HEX_LEN] = '\0';
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int vigil_pdq_from_hex(const char *s, size_t len, vigil_pdq *h) {
  if (!s || len != VIGIL_PDQ_HEX_LEN) return VIGIL_EPARSE;
  for (int i = 0; i < VIGIL_PDQ_BYTES; i++) {
    int a = hexval(s[2 * i]), b = hexval(s[2 * i + 1]);
    if (a < 0 || b < 0) return VIGIL_EPARSE;
    h->b[i] = (uint8_t)(a << 4 | b);
  }
  return 0;
}

int vigil_pdq_hamming(const vigil_pdq *a, const vigil_pdq *b) {
  int d = 0;
  for (int i = 0; i < VIGIL_PDQ_BYTES; i += 8) {
    uint64_t x, y;
    memcpy(&x, a->b + i, 8);
    memcpy(&y, b->b + i, 8);
    d += __builtin_popcountll(x ^ y);
  }
  return d;
}

/* ---- downsampling -------------------------------------------------------- */

int vigil_pdq_window_size(int old_dim, int new_dim) {
  return (old_dim + 2 * new_dim - 1) / (2 * new_dim);
}

/* A running sum in four phases (growing window, full window, shrinking
 * window), exactly the reference's order of additions and subtractions:
 * a different order changes float rounding and so, rarely, hash bits. */
void vigil_pdq_box1d(const float *in, float *out, int n, int stride, int window) {
  if (n <= 0) return;
  if (window < 1) window = 1;
  if (window > n) window = n;
  int half = (window + 2) / 2;
  int p1 = half - 1, p2 = window - half + 1, p3 = n - window, p4 = half - 1;
  size_t li = 0, ri = 0, oi = 0, st = (size_t)stride;
  float sum = 0.0f;
  int cur = 0;
  for (int i = 0; i < p1; i++) {
    sum += in[ri];
    cur++;
    ri += st;
  }
  for (int i = 0; i < p2; i++) {
    sum += in[ri];
    cur++;
    out[oi] = sum / cur;
    ri += st;
    oi += st;
  }
  for (int i = 0; i < p3; i++) {
    sum += in[ri];
    sum -= in[li];
    out[oi] = sum / cur;
    li += st;
    ri += st;
    oi += st;
  }
  for (int i = 0; i < p4; i++) {
    sum -= in[li];
    cur--;
    out[oi] = sum / cur;
    li += st;
    oi += st;
  }
}

/* Vectorised box filters. GCC vector extensions compile to SSE on x86-64
 * (plain scalar code elsewhere); every lane does exactly the scalar
 * operations of vigil_pdq_box1d, in the same order, so results are
 * bit-equal (unit-tested). One exception that is still exact: dividing by a
 * power of two is done as a multiplication by its reciprocal, which is
 * exactly representable, so both give the correctly rounded x / 2^k. The
 * 512x512 pipeline's window is 4. */
typedef float v4f __attribute__((vector_size(16)));

static inline v4f ld4(const float *p) {
  v4f v;
  memcpy(&v, p, sizeof v);
  return v;
}
static inline void st4(float *p, v4f v) { memcpy(p, &v, sizeof v); }
static inline v4f splat(float f) { return (v4f){f, f, f, f}; }
typedef int32_t v4i __attribute__((vector_size(16)));
#define LITTLE_ENDIAN_ (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__)
/* bytes p[0..3] as p[0] | p[1] << 8 | ... on little-endian machines */
static inline int32_t ld32(const uint8_t *p) {
  int32_t v;
  memcpy(&v, p, sizeof v);
  return v;
}
static inline int is_pow2(int n) { return n > 0 && !(n & (n - 1)); }

/* s / cur, exactly */
static inline v4f vdiv(v4f s, int cur) {
  return is_pow2(cur) ? s * splat(1.0f / (float)cur) : s / splat((float)cur);
}

static inline void transpose4(v4f *a, v4f *b, v4f *c, v4f *d) {
#ifdef __SSE__
  __m128 r0 = (__m128)*a, r1 = (__m128)*b, r2 = (__m128)*c, r3 = (__m128)*d;
  _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
  *a = (v4f)r0, *b = (v4f)r1, *c = (v4f)r2, *d = (v4f)r3;
#else
  v4f x = *a, y = *b, z = *c, w = *d;
  *a = (v4f){x[0], y[0], z[0], w[0]};
  *b = (v4f){x[1], y[1], z[1], w[1]};
  *c = (v4f){x[2], y[2], z[2], w[2]};
  *d = (v4f){x[3], y[3], z[3], w[3]};
#endif
}

/* Row pass in blocks of RB rows, stored column-interleaved: blk[x * RB + r]
 * is row r of the block, column x. The running sum along a row is a chain
 * of dependent additions; four independent 4-row sums per block keep the
 * adder busy instead of waiting on one chain. */
#define RB 16

#define BLK_ADD(p) s0 += ld4((p)), s1 += ld4((p) + 4), s2 += ld4((p) + 8), s3 += ld4((p) + 12)
#define BLK_SUB(p) s0 -= ld4((p)), s1 -= ld4((p) + 4), s2 -= ld4((p) + 8), s3 -= ld4((p) + 12)
#define BLK_OUT(p, d)                                                                   \
  st4((p), vdiv(s0, d)), st4((p) + 4, vdiv(s1, d)), st4((p) + 8, vdiv(s2, d)),           \
      st4((p) + 12, vdiv(s3, d))

/* The four phases of vigil_pdq_box1d (growing window, full window,
 * shrinking window) over n columns of a block. Writes column o only where
 * want is NULL or want[o] is set (the running sums still pass through every
 * column, so written values are those of the full filter). */
static void box_block(const float *in, float *out, int n, int window, const unsigned char *want) {
  int half = (window + 2) / 2;
  int p1 = half - 1, p2 = window - half + 1, p3 = n - window, p4 = half - 1;
  v4f s0 = splat(0), s1 = s0, s2 = s0, s3 = s0;
  const float *r = in, *l = in;
  int cur = 0, oi = 0;
  for (int i = 0; i < p1; i++, r += RB) BLK_ADD(r), cur++;
  for (int i = 0; i < p2; i++, r += RB, oi++) {
    BLK_ADD(r), cur++;
    if (!want || want[oi]) BLK_OUT(out + (size_t)oi * RB, cur);
  }
  if (is_pow2(cur)) {
    const v4f inv = splat(1.0f / (float)cur);
    for (int i = 0; i < p3; i++, r += RB, l += RB, oi++) {
      BLK_ADD(r), BLK_SUB(l);
      if (!want || want[oi]) {
        float *o = out + (size_t)oi * RB;
        st4(o, s0 * inv), st4(o + 4, s1 * inv), st4(o + 8, s2 * inv), st4(o + 12, s3 * inv);
      }
    }
  } else {
    const v4f dv = splat((float)cur);
    for (int i = 0; i < p3; i++, r += RB, l += RB, oi++) {
      BLK_ADD(r), BLK_SUB(l);
      if (!want || want[oi]) {
        float *o = out + (size_t)oi * RB;
        st4(o, s0 / dv), st4(o + 4, s1 / dv), st4(o + 8, s2 / dv), st4(o + 12, s3 / dv);
      }
    }
  }
  for (int i = 0; i < p4; i++, l += RB, oi++) {
    BLK_SUB(l), cur--;
    if (!want || want[oi]) BLK_OUT(out + (size_t)oi * RB, cur);
  }
}

/* Rows row0 .. row0+nvalid-1 of a rows x cols image into a block; missing
 * rows of a last, partial block are zeros (their lanes are never read). */
static void block_gather(const float *src, float *blk, int row0, int nvalid, int cols) {
  size_t c = (size_t)cols;
  if (nvalid == RB) { /* the common case, without the per-row checks */
    const float *b = src + (size_t)row0 * c;
    size_t x = 0;
    for (; x + 4 <= c; x += 4)
      for (int g = 0; g < RB / 4; g++) {
        const float *q = b + (size_t)(4 * g) * c + x;
        v4f v0 = ld4(q), v1 = ld4(q + c), v2 = ld4(q + 2 * c), v3 = ld4(q + 3 * c);
        transpose4(&v0, &v1, &v2, &v3);
        float *o = blk + x * RB + 4 * g;
        st4(o, v0), st4(o + RB, v1), st4(o + 2 * RB, v2), st4(o + 3 * RB, v3);
      }
    for (; x < c; x++)
      for (int r = 0; r < RB; r++) blk[x * RB + r] = b[(size_t)r * c + x];
    return;
  }
  for (int g = 0; g < RB / 4; g++) {
    const float *rp[4];
    for (int k = 0; k < 4; k++)
      rp[k] = 4 * g + k < nvalid ? src + (size_t)(row0 + 4 * g + k) * c : NULL;
    size_t x = 0;
    for (; x + 4 <= c; x += 4) {
      v4f v[4];
      for (int k = 0; k < 4; k++) v[k] = rp[k] ? ld4(rp[k] + x) : splat(0);
      transpose4(&v[0], &v[1], &v[2], &v[3]);
      for (int k = 0; k < 4; k++) st4(blk + (x + k) * RB + 4 * g, v[k]);
    }
    for (; x < c; x++)
      for (int k = 0; k < 4; k++) blk[x * RB + 4 * g + k] = rp[k] ? rp[k][x] : 0.0f;
  }
}

/* The block's valid rows back into a rows x cols image (all columns), or,
 * with sel, only columns sel[0..63] into a rows x 64 image. */
static void block_scatter(const float *blk, float *dst, int row0, int nvalid, int cols,
                          const int *sel) {
  if (sel) {
    for (int r = 0; r < nvalid; r++) {
      float *o = dst + (size_t)(row0 + r) * 64;
      for (int k = 0; k < 64; k++) o[k] = blk[(size_t)sel[k] * RB + r];
    }
    return;
  }
  size_t c = (size_t)cols;
  if (nvalid == RB) {
    float *b = dst + (size_t)row0 * c;
    size_t x = 0;
    for (; x + 4 <= c; x += 4)
      for (int g = 0; g < RB / 4; g++) {
        const float *q = blk + x * RB + 4 * g;
        v4f v0 = ld4(q), v1 = ld4(q + RB), v2 = ld4(q + 2 * RB), v3 = ld4(q + 3 * RB);
        transpose4(&v0, &v1, &v2, &v3);
        float *o = b + (size_t)(4 * g) * c + x;
        st4(o, v0), st4(o + c, v1), st4(o + 2 * c, v2), st4(o + 3 * c, v3);
      }
    for (; x < c; x++)
      for (int r = 0; r < RB; r++) b[(size_t)r * c + x] = blk[x * RB + r];
    return;
  }
  for (int g = 0; g < RB / 4 && 4 * g < nvalid; g++) {
    float *rp[4];
    for (int k = 0; k < 4; k++)
      rp[k] = 4 * g + k < nvalid ? dst + (size_t)(row0 + 4 * g + k) * c : NULL;
    size_t x = 0;
    for (; x + 4 <= c; x += 4) {
      v4f v[4];
      for (int k = 0; k < 4; k++) v[k] = ld4(blk + (x + k) * RB + 4 * g);
      transpose4(&v[0], &v[1], &v[2], &v[3]);
      for (int k = 0; k < 4; k++)
        if (rp[k]) st4(rp[k] + x, v[k]);
    }
    for (; x < c; x++)
      for (int k = 0; k < 4; k++)
        if (rp[k]) rp[k][x] = blk[x * RB + 4 * g + k];
  }
}

/* Work space of the filters for one image: two blocks, the column sums,
 * the sampled rows/columns. One allocation, freed with free(w->blk). */
typedef struct {
  float *blk, *oblk, *acc;
  float *ring; /* RB rows of luma, for the streaming path */
  unsigned char *want_c, *want_r;
  int sel_c[64], sel_r[64];
} jz_work;

static int jz_alloc(jz_work *w, int rows, int cols) {
  size_t c = (size_t)cols, r = (size_t)rows;
  w->blk = malloc((3 * RB * c + c) * sizeof(float) + c + r);
  if (!w->blk) return VIGIL_ENOMEM;
  w->oblk = w->blk + RB * c;
  w->ring = w->oblk + RB * c;
  w->acc = w->ring + RB * c;
  w->want_c = (unsigned char *)(w->acc + c);
  w->want_r = w->want_c + c;
  memset(w->want_c, 0, c + r);
  if (cols >= 64) {
    for (int k = 0; k < 64; k++) {
      w->sel_c[k] = (int)(((k + 0.5) * cols) / 64);
      w->sel_r[k] = (int)(((k + 0.5) * rows) / 64);
      w->want_c[w->sel_c[k]] = 1;
      w->want_r[w->sel_r[k]] = 1;
    }
  }
  return 0;
}

/* Row pass of a whole image: in -> out (all columns), or with sel only the
 * 64 sampled columns into a rows x 64 out. */
static void rows_pass(const float *in, float *out, int rows, int cols, int window, const int *sel,
                      const unsigned char *want, jz_work *w) {
  for (int r0 = 0; r0 < rows; r0 += RB) {
    int nv = rows - r0 < RB ? rows - r0 : RB;
    block_gather(in, w->blk, r0, nv, cols);
    box_block(w->blk, w->oblk, cols, window, want);
    block_scatter(w->oblk, out, r0, nv, cols, sel);
  }
}

/* One step of the column pass over a whole row: acc += r; acc -= l;
 * o = acc / cur (each part only when its pointer is set). */
static void col_step(float *acc, const float *r, const float *l, float *o, size_t c, int cur) {
  size_t j = 0;
  if (r && l && o && is_pow2(cur)) { /* the bulk of the 512x512 pipeline */
    const v4f inv = splat(1.0f / (float)cur);
    for (; j + 4 <= c; j += 4) {
      v4f a = ld4(acc + j) + ld4(r + j);
      a -= ld4(l + j);
      st4(acc + j, a);
      st4(o + j, a * inv);
    }
  }
  for (; j + 4 <= c; j += 4) {
    v4f a = ld4(acc + j);
    if (r) a += ld4(r + j);
    if (l) a -= ld4(l + j);
    st4(acc + j, a);
    if (o) st4(o + j, vdiv(a, cur));
  }
  for (; j < c; j++) {
    float a = acc[j];
    if (r) a += r[j];
    if (l) a -= l[j];
    acc[j] = a;
    if (o) o[j] = is_pow2(cur) ? a * (1.0f / (float)cur) : a / (float)cur;
  }
}

/* Column pass: all columns of a row at once, running sums in acc. With
 * want, only rows o with want[o] are written. */
static void cols_pass(const float *in, float *out, int rows, int cols, int window,
                      const unsigned char *want, float *acc) {
  int half = (window + 2) / 2;
  int p1 = half - 1, p2 = window - half + 1, p3 = rows - window, p4 = half - 1;
  size_t c = (size_t)cols;
  memset(acc, 0, c * sizeof *acc);
  int cur = 0, ri = 0, li = 0, oi = 0;
#define ROW(i) (in + (size_t)(i) * c)
#define OUT(i) ((!want || want[i]) ? out + (size_t)(i) * c : NULL)
  for (int i = 0; i < p1; i++) col_step(acc, ROW(ri++), NULL, NULL, c, ++cur);
  for (int i = 0; i < p2; i++, oi++) {
    ++cur;
    col_step(acc, ROW(ri++), NULL, OUT(oi), c, cur);
  }
  for (int i = 0; i < p3; i++, oi++) col_step(acc, ROW(ri++), ROW(li++), OUT(oi), c, cur);
  for (int i = 0; i < p4; i++, oi++) {
    --cur;
    col_step(acc, NULL, ROW(li++), OUT(oi), c, cur);
  }
#undef ROW
#undef OUT
}

static int clamp_window(int w, int n) { return w < 1 ? 1 : w > n ? n : w; }

void vigil_pdq_jarosz(float *buf1, float *buf2, int rows, int cols, int win_rows, int win_cols) {
  if (rows <= 0 || cols <= 0) return;
  win_rows = clamp_window(win_rows, cols);
  win_cols = clamp_window(win_cols, rows);
  jz_work w;
  if (jz_alloc(&w, rows, cols)) { /* no memory: the plain filter needs none */
    for (int rep = 0; rep < 2; rep++) {
      for (int i = 0; i < rows; i++)
        vigil_pdq_box1d(buf1 + (size_t)i * cols, buf2 + (size_t)i * cols, cols, 1, win_rows);
      for (int j = 0; j < cols; j++) vigil_pdq_box1d(buf2 + j, buf1 + j, rows, cols, win_cols);
    }
    return;
  }
  for (int rep = 0; rep < 2; rep++) {
    rows_pass(buf1, buf2, rows, cols, win_rows, NULL, NULL, &w);
    cols_pass(buf2, buf1, rows, cols, win_cols, NULL, w.acc);
  }
  free(w.blk);
}

/* vigil_pdq_jarosz + vigil_pdq_decimate to 64x64, computing in the second
 * pass only what decimation reads. Same values, about 40% less work.
 * With first_done, buf2 already holds the first row pass (the streaming
 * path does it while decoding). cols >= 64. */
static void jarosz_decimate_w(float *buf1, float *buf2, int rows, int cols, int first_done,
                              jz_work *w, float out[64][64]) {
  int win_rows = clamp_window(vigil_pdq_window_size(cols, 64), cols);
  int win_cols = clamp_window(vigil_pdq_window_size(rows, 64), rows);
  if (!first_done) rows_pass(buf1, buf2, rows, cols, win_rows, NULL, NULL, w);
  cols_pass(buf2, buf1, rows, cols, win_cols, NULL, w->acc);
  /* second pass: rows keep only the 64 sampled columns (rows x 64 in buf2),
   * then columns keep only the 64 sampled rows (in buf1, rows x 64) */
  rows_pass(buf1, buf2, rows, cols, win_rows, w->sel_c, w->want_c, w);
  cols_pass(buf2, buf1, rows, 64, win_cols, w->want_r, w->acc);
  for (int i = 0; i < 64; i++)
    memcpy(out[i], buf1 + (size_t)w->sel_r[i] * 64, 64 * sizeof(float));
}

static int jarosz_decimate(float *buf1, float *buf2, int rows, int cols, float out[64][64]) {
  if (cols < 64) { /* the compact rows x 64 buffers would not fit */
    vigil_pdq_jarosz(buf1, buf2, rows, cols, vigil_pdq_window_size(cols, 64),
                     vigil_pdq_window_size(rows, 64));
    vigil_pdq_decimate(buf1, rows, cols, &out[0][0], 64, 64);
    return 0;
  }
  jz_work w;
  if (jz_alloc(&w, rows, cols)) return VIGIL_ENOMEM;
  jarosz_decimate_w(buf1, buf2, rows, cols, 0, &w, out);
  free(w.blk);
  return 0;
}

void vigil_pdq_decimate(const float *in, int rows, int cols, float *out, int out_rows,
                        int out_cols) {
  for (int i = 0; i < out_rows; i++) {
    int ini = (int)(((i + 0.5) * rows) / out_rows);
    for (int j = 0; j < out_cols; j++) {
      int inj = (int)(((j + 0.5) * cols) / out_cols);
      out[i * out_cols + j] = in[(size_t)ini * cols + inj];
    }
  }
}

/* ---- quality, DCT, median --------------------------------------------- */

int vigil_pdq_quality(const float a[64][64]) {
  int sum = 0;
  for (int i = 0; i < 63; i++)
    for (int j = 0; j < 64; j++) {
      int d = (int)(((a[i][j] - a[i + 1][j]) * 100) / 255);
      sum += abs(d);
    }
  for (int i = 0; i < 64; i++)
    for (int j = 0; j < 63; j++) {
      int d = (int)(((a[i][j] - a[i][j + 1]) * 100) / 255);
      sum += abs(d);
    }
  int q = sum / 90;
  return q > 100 ? 100 : q;
}

/* Built once; the table is a pure function of its indices, so a benign race
 * between threads initialising it writes identical values. */
static float dct_matrix[16][64];
static int dct_ready;

static void dct_init(void) {
  if (__atomic_load_n(&dct_ready, __ATOMIC_ACQUIRE)) return;
  const double pi = 3.14159265358979323846;
  const float scale = (float)sqrt(2.0 / 64.0);
  for (int i = 0; i < 16; i++)
    for (int j = 0; j < 64; j++)
      dct_matrix[i][j] = (float)(scale * cos((pi / 2.0 / 64.0) * (double)(i + 1) * (double)(2 * j + 1)));
  __atomic_store_n(&dct_ready, 1, __ATOMIC_RELEASE);
}

float vigil_pdq_dct_coeff(int i, int j) {
  dct_init();
  return (i >= 0 && i < 16 && j >= 0 && j < 64) ? dct_matrix[i][j] : 0.0f;
}

/* B = D A D^T with T = D A first; each sum runs k = 0..63 in order. */
void vigil_pdq_dct64to16(const float a[64][64], float out[16][16]) {
  dct_init();
  float t[16][64];
  for (int i = 0; i < 16; i++) {
    v4f acc[16];
    for (int v = 0; v < 16; v++) acc[v] = (v4f){0, 0, 0, 0};
    for (int k = 0; k < 64; k++) {
      const float d = dct_matrix[i][k];
      const v4f dv = {d, d, d, d};
      for (int v = 0; v < 16; v++) acc[v] += dv * ld4(&a[k][4 * v]);
    }
    for (int v = 0; v < 16; v++) st4(&t[i][4 * v], acc[v]);
  }
  for (int i = 0; i < 16; i++)
    for (int j = 0; j < 16; j++) {
      float s = 0.0f;
      for (int k = 0; k < 64; k++) s += t[i][k] * dct_matrix[j][k];
      out[i][j] = s;
    }
}

/* Quickselect on a copy: same element as the reference's Torben median
 * (the ((n+1)/2)-th smallest, i.e. the lower median for n = 256). */
float vigil_pdq_median256(const float v[256]) {
  float a[256];
  memcpy(a, v, sizeof a);
  int lo = 0, hi = 255, k = 127;
  while (lo < hi) {
    float pivot = a[(lo + hi) / 2];
    int i = lo, j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        float tmp = a[i];
        a[i] = a[j];
        a[j] = tmp;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return a[k];
}

void vigil_pdq_bits(const float dct[16][16], vigil_pdq *out) {
  float med = vigil_pdq_median256(&dct[0][0]);
  memset(out, 0, sizeof *out);
  for (int i = 0; i < 16; i++)
    for (int j = 0; j < 16; j++)
      if (dct[i][j] > med) vigil_pdq_set_bit(out, i * 16 + j);
}

/* A rotation or flip of the image permutes (transposes) the DCT and flips
 * the sign of odd-frequency coefficients along the reversed axis. */
void vigil_pdq_dct_dihedral(const float in[16][16], int variant, float out[16][16]) {
  for (int i = 0; i < 16; i++)
    for (int j = 0; j < 16; j++) {
      float v = in[i][j];
      switch (variant) {
        case VIGIL_PDQ_ROT90: out[j][i] = (j & 1) ? v : -v; break;
        case VIGIL_PDQ_ROT180: out[i][j] = ((i + j) & 1) ? -v : v; break;
        case VIGIL_PDQ_ROT270: out[j][i] = (i & 1) ? v : -v; break;
        case VIGIL_PDQ_FLIPX: out[i][j] = (i & 1) ? v : -v; break;
        case VIGIL_PDQ_FLIPY: out[i][j] = (j & 1) ? v : -v; break;
        case VIGIL_PDQ_FLIP_PLUS1: out[j][i] = v; break;
        case VIGIL_PDQ_FLIP_MINUS1: out[j][i] = ((i + j) & 1) ? -v : v; break;
        default: out[i][j] = v; break;
      }
    }
}

/* ---- pipeline ----------------------------------------------------------- */

/* From the 64x64 decimated image: quality, DCT, bits of nout variants. */
static void hash_64(float a[64][64], int nout, vigil_pdq *out, int *quality) {
  *quality = vigil_pdq_quality((const float(*)[64])a);
  float d[16][16], x[16][16];
  vigil_pdq_dct64to16((const float(*)[64])a, d);
  vigil_pdq_bits((const float(*)[16])d, &out[0]);
  for (int v = 1; v < nout; v++) {
    vigil_pdq_dct_dihedral((const float(*)[16])d, v, x);
    vigil_pdq_bits((const float(*)[16])x, &out[v]);
  }
}

int vigil_pdq_from_luma(float *luma, float *scratch, int rows, int cols, int dihedral,
                        vigil_pdq *out, int *quality) {
  if (!luma || !scratch || !out || !quality || rows < 0 || cols < 0) return VIGIL_EINVAL;
  int nout = dihedral ? VIGIL_PDQ_NVARIANTS : 1;
  if (rows < VIGIL_PDQ_MIN_DIM || cols < VIGIL_PDQ_MIN_DIM) {
    memset(out, 0, sizeof *out * (size_t)nout);
    *quality = 0;
    return 0;
  }
  float a[64][64];
  if (rows == 64 && cols == 64 && !dihedral) {
    memcpy(a, luma, sizeof a);
  } else {
    int rc = jarosz_decimate(luma, scratch, rows, cols, a);
    if (rc) return rc;
  }
  hash_64(a, nout, out, quality);
  return 0;
}

/* Luminance at the pixels the pre-resize keeps: the reference shrinks (or,
 * for the short side, stretches) to exactly 512x512 when either side is
 * over 512, picking source pixel floor(x * W / 512) like CImg's
 * nearest-neighbour resize. Sampling while converting gives the same values
 * without a resized copy. Rows arrive one at a time (from a decoded image
 * or straight from the JPEG decoder); when the filters take the blocked
 * path ("fused"), every RB rows of luma get their first row-pass filter at
 * once, while they are still in cache. */
typedef struct {
  int flags;
  int w, h, ch, rw, rh;
  int next;            /* next output row to fill */
  int fused, win_rows;
  float *luma, *scratch;
  int *xs;             /* byte offset in a source row of each output column */
  int nvec;            /* columns [0, nvec) take the 4-pixel path */
  jz_work wk;          /* wk.blk is NULL unless fused */
  float lut[3][256];   /* per-channel products */
} luma_plan;

static void plan_init(luma_plan *p, int flags) {
  memset(p, 0, offsetof(luma_plan, lut));
  p->flags = flags;
}

static void plan_free(luma_plan *p) {
  free(p->luma);
  free(p->wk.blk);
  p->luma = NULL, p->wk.blk = NULL;
}

static int plan_begin(void *ctx, int w, int h, int ch) {
  luma_plan *p = ctx;
  if (w <= 0 || h <= 0 || (ch != 1 && ch != 3)) return VIGIL_EINVAL;
  plan_free(p);
  int rw = w, rh = h;
  if (!(p->flags & VIGIL_PDQ_FULL_RES) && (w > VIGIL_PDQ_RESIZE_DIM || h > VIGIL_PDQ_RESIZE_DIM))
    rw = rh = VIGIL_PDQ_RESIZE_DIM;
  p->w = w, p->h = h, p->ch = ch, p->rw = rw, p->rh = rh, p->next = 0;
  size_t n = (size_t)rw * (size_t)rh;
  /* one block: luma, scratch, then the source column of each output column */
  p->luma = malloc(2 * n * sizeof(float) + (size_t)rw * sizeof(int));
  if (!p->luma) return VIGIL_ENOMEM;
  p->scratch = p->luma + n;
  p->xs = (int *)(p->scratch + n);
  /* the cases vigil_pdq_from_luma sends to jarosz_decimate's blocked path */
  p->fused = rw >= 64 && rh >= VIGIL_PDQ_MIN_DIM &&
             !(rw == 64 && rh == 64 && !(p->flags & VIGIL_PDQ_DIHEDRAL));
  if (p->fused) {
    if (jz_alloc(&p->wk, rh, rw)) return VIGIL_ENOMEM;
    p->win_rows = clamp_window(vigil_pdq_window_size(rw, 64), rw);
  }
  /* the same float products the formula computes, without a conversion
   * and a multiply per channel */
  for (int v = 0; v < 256; v++)
    p->lut[0][v] = luma_r * (float)v, p->lut[1][v] = luma_g * (float)v,
    p->lut[2][v] = luma_b * (float)v;
  for (int x = 0; x < rw; x++) p->xs[x] = (int)(((uint64_t)x * (uint64_t)w) / (uint64_t)rw) * ch;
  /* the 4-pixel path loads 4 bytes per pixel: never past the row's end */
  int n4 = 0;
  while (n4 < rw && (size_t)p->xs[n4] + 4 <= (size_t)w * 3) n4++;
  p->nvec = ch == 3 && LITTLE_ENDIAN_ ? n4 & ~3 : 0;
  return 0;
}

static int src_row(const luma_plan *p, int y) {
  return (int)(((uint64_t)y * (uint64_t)p->h) / (uint64_t)p->rh);
}

/* Source row y has arrived: fill every output row that samples it. */
static int plan_row(void *ctx, int y, const uint8_t *row) {
  luma_plan *p = ctx;
  const int *xs = p->xs;
  const int rw = p->rw;
  const float *l0 = p->lut[0], *l1 = p->lut[1], *l2 = p->lut[2];
  for (; p->next < p->rh && src_row(p, p->next) == y; p->next++) {
    int lane = p->next % RB;
    /* the blocked path needs a row only until its block is filtered: a
     * small ring stays in cache where the full-size buffer would not */
    float *o = p->fused ? p->wk.ring + (size_t)lane * rw : p->luma + (size_t)p->next * rw;
    if (p->ch == 3) {
      /* four pixels at a time: the same float products and sums as the
       * scalar formula (int -> float is exact), without eight loads per
       * pixel */
      const v4f cr = splat(luma_r), cg = splat(luma_g), cb = splat(luma_b);
      int x = 0;
      for (; x < p->nvec; x += 4) {
        v4i v = {ld32(row + xs[x]), ld32(row + xs[x + 1]), ld32(row + xs[x + 2]),
                 ld32(row + xs[x + 3])};
        v4f r = __builtin_convertvector(v & 255, v4f);
        v4f g = __builtin_convertvector((v >> 8) & 255, v4f);
        v4f b = __builtin_convertvector((v >> 16) & 255, v4f);
        v4f y4 = r * cr + g * cg;
        st4(o + x, y4 + b * cb);
      }
      for (; x < rw; x++) {
        const uint8_t *px = row + xs[x];
        o[x] = l0[px[0]] + l1[px[1]] + l2[px[2]];
      }
    } else {
      for (int x = 0; x < rw; x++) o[x] = (float)row[xs[x]];
    }
    if (p->fused && (lane == RB - 1 || p->next == p->rh - 1)) {
      block_gather(p->wk.ring, p->wk.blk, 0, lane + 1, rw);
      box_block(p->wk.blk, p->wk.oblk, rw, p->win_rows, NULL);
      block_scatter(p->wk.oblk, p->scratch, p->next - lane, lane + 1, rw, NULL);
    }
  }
  return 0;
}

static int plan_next(void *ctx) {
  luma_plan *p = ctx;
  return p->next < p->rh ? src_row(p, p->next) : p->h;
}

/* All rows are in: the rest of the pipeline. */
static int plan_hash(luma_plan *p, vigil_pdq *out, int *quality) {
  if (p->next < p->rh) return VIGIL_EDECODE; /* cannot happen: every row arrived */
  int dihedral = p->flags & VIGIL_PDQ_DIHEDRAL;
  if (!p->fused)
    return vigil_pdq_from_luma(p->luma, p->scratch, p->rh, p->rw, dihedral, out, quality);
  float a[64][64];
  jarosz_decimate_w(p->luma, p->scratch, p->rh, p->rw, 1, &p->wk, a);
  hash_64(a, dihedral ? VIGIL_PDQ_NVARIANTS : 1, out, quality);
  return 0;
}

int vigil_pdq_hash_image(const vigil_image *img, int flags, vigil_pdq *out, int *quality) {
  if (!img || !img->pixels || img->width <= 0 || img->height <= 0 ||
      (img->channels != 1 && img->channels != 3) || !out || !quality)
    return VIGIL_EINVAL;
  luma_plan p;
  plan_init(&p, flags);
  int rc = plan_begin(&p, img->width, img->height, img->channels);
  size_t stride = (size_t)img->width * (size_t)img->channels;
  for (int y = 0; !rc && y < img->height && p.next < p.rh; y++)
    rc = plan_row(&p, y, img->pixels + (size_t)y * stride);
  if (!rc) rc = plan_hash(&p, out, quality);
  plan_free(&p);
  return rc;
}

int vigil_pdq_hash_data(const void *data, size_t len, const vigil_image_opts *opts, int flags,
                        vigil_image *img, vigil_pdq *out, int *quality, vigil_buf *msg) {
  if (!img || !out || !quality || (!data && len)) return VIGIL_EINVAL;
  /* DCT-scaled decoding (--fast) needs the whole scaled image */
  if (!(opts && opts->min_side > 0) && vigil_image_sniff(data, len) == VIGIL_IMG_JPEG) {
    uint64_t max_px = opts && opts->max_pixels ? opts->max_pixels : VIGIL_IMAGE_DEFAULT_MAX_PIXELS;
    if (max_px > VIGIL_IMAGE_HARD_MAX_PIXELS) max_px = VIGIL_IMAGE_HARD_MAX_PIXELS;
    luma_plan p;
    plan_init(&p, flags);
    vigil__row_sink sink = {plan_begin, plan_row, plan_next, &p};
    int handled = 0;
    int rc = vigil__jpeg_rows(data, len, max_px, &sink, &handled, msg);
    if (handled) {
      if (!rc) rc = plan_hash(&p, out, quality);
      plan_free(&p);
      if (rc) {
        vigil_image_release(img);
        return rc;
      }
      uint8_t *keep = img->pixels;
      size_t cap = img->cap;
      *img = (vigil_image)VIGIL_IMAGE_INIT;
      img->pixels = keep, img->cap = cap;
      img->format = VIGIL_IMG_JPEG;
      img->src_width = p.w, img->src_height = p.h;
      return 0;
    }
    if (rc) {
      vigil_image_release(img);
      return rc;
    }
  }
  int rc = vigil_image_decode(data, len, opts, img, msg);
  if (!rc) rc = vigil_pdq_hash_image(img, flags, out, quality);
  return rc;
}
