/* PDQ hashing: the algorithm as published by Meta (ThreatExchange
 * hashing/pdq). Arithmetic is single-precision float in the same order as
 * the reference so that identical pixels give identical hashes. */
#include "vigil/pdq.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

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

/* Four lanes of independent box filters, one per row or per column. GCC
 * vector extensions compile to SSE on x86-64 (plain scalar code elsewhere);
 * each lane does exactly the scalar operations, so results are bit-equal. */
typedef float v4f __attribute__((vector_size(16)));

static inline v4f ld4(const float *p) {
  v4f v;
  memcpy(&v, p, sizeof v);
  return v;
}
static inline void st4(float *p, v4f v) { memcpy(p, &v, sizeof v); }

/* One running-sum box filter over n contiguous 4-lane vectors: the same
 * four phases as vigil_pdq_box1d. Writes out[o] only where want is NULL or
 * want[o] is set (the last passes only need the pixels decimation samples;
 * the running sums are still carried through every element, so the written
 * values are exactly those of the full filter). */
static void vbox(const v4f *in, v4f *out, int n, int window, const unsigned char *want) {
  int half = (window + 2) / 2;
  int p1 = half - 1, p2 = window - half + 1, p3 = n - window, p4 = half - 1;
  v4f sum = {0, 0, 0, 0};
  int cur = 0, ri = 0, li = 0, oi = 0;
  for (int i = 0; i < p1; i++) sum += in[ri++], cur++;
  for (int i = 0; i < p2; i++, oi++) {
    sum += in[ri++];
    cur++;
    if (!want || want[oi]) out[oi] = sum / (float)cur;
  }
  for (int i = 0; i < p3; i++, oi++) {
    sum += in[ri++];
    sum -= in[li++];
    if (!want || want[oi]) out[oi] = sum / (float)cur;
  }
  for (int i = 0; i < p4; i++, oi++) {
    sum -= in[li++];
    cur--;
    if (!want || want[oi]) out[oi] = sum / (float)cur;
  }
}

/* Row pass. Rows go four at a time through an interleaved copy so the
 * running sums of four rows advance together in one vector. With sel, only
 * columns sel[0..63] are written, compactly: out is rows x 64. tmp holds
 * 2 * cols vectors. */
static void box_rows(const float *in, float *out, int rows, int cols, int window,
                     const int *sel, const unsigned char *want, v4f *tmp) {
  size_t c = (size_t)cols;
  v4f *iv = tmp, *ov = tmp + c;
  int i = 0;
  for (; i + 4 <= rows; i += 4) {
    const float *r0 = in + (size_t)i * c;
    for (size_t x = 0; x < c; x++) iv[x] = (v4f){r0[x], r0[c + x], r0[2 * c + x], r0[3 * c + x]};
    vbox(iv, ov, cols, window, want);
    for (int l = 0; l < 4; l++) {
      if (sel) {
        float *o = out + (size_t)(i + l) * 64;
        for (int k = 0; k < 64; k++) o[k] = ov[sel[k]][l];
      } else {
        float *o = out + (size_t)(i + l) * c;
        for (size_t x = 0; x < c; x++) o[x] = ov[x][l];
      }
    }
  }
  float *row = (float *)iv; /* cols floats fit in 2*cols vectors */
  for (; i < rows; i++) {
    if (sel) {
      vigil_pdq_box1d(in + (size_t)i * c, row, cols, 1, window);
      for (int k = 0; k < 64; k++) out[(size_t)i * 64 + k] = row[sel[k]];
    } else {
      vigil_pdq_box1d(in + (size_t)i * c, out + (size_t)i * c, cols, 1, window);
    }
  }
}

/* Column pass: a row at a time, all columns in parallel (strips of 64
 * columns keep the running sums in registers). With want, only rows o with
 * want[o] are written. cols must be a multiple of 4 or the tail is done in
 * scalar lanes. */
static void box_cols(const float *in, float *out, int rows, int cols, int window,
                     const unsigned char *want) {
  int half = (window + 2) / 2;
  int p1 = half - 1, p2 = window - half + 1, p3 = rows - window, p4 = half - 1;
  size_t c = (size_t)cols;
  for (size_t j0 = 0; j0 < c; j0 += 64) {
    size_t nj = c - j0 < 64 ? c - j0 : 64, nv = nj / 4;
    v4f acc[16];
    float tail[4] = {0, 0, 0, 0};
    for (size_t v = 0; v < 16; v++) acc[v] = (v4f){0, 0, 0, 0};
    int cur = 0, ri = 0, li = 0, oi = 0;
    for (int ph = 0; ph < 4; ph++) {
      int reps = ph == 0 ? p1 : ph == 1 ? p2 : ph == 2 ? p3 : p4;
      int add = ph <= 2, sub = ph >= 2, wr = ph >= 1;
      for (int i = 0; i < reps; i++) {
        const float *r = in + (size_t)ri * c + j0, *l = in + (size_t)li * c + j0;
        float *o = out + (size_t)oi * c + j0;
        if (ph == 0 || ph == 1) cur++;
        if (ph == 3) cur--;
        int write = wr && (!want || want[oi]);
        v4f dv = {(float)cur, (float)cur, (float)cur, (float)cur};
        for (size_t v = 0; v < nv; v++) {
          if (add) acc[v] += ld4(r + 4 * v);
          if (sub) acc[v] -= ld4(l + 4 * v);
          if (write) st4(o + 4 * v, acc[v] / dv);
        }
        for (size_t j = 4 * nv; j < nj; j++) {
          if (add) tail[j - 4 * nv] += r[j];
          if (sub) tail[j - 4 * nv] -= l[j];
          if (write) o[j] = tail[j - 4 * nv] / cur;
        }
        if (add) ri++;
        if (sub) li++;
        if (wr) oi++;
      }
    }
  }
}

static int clamp_window(int w, int n) { return w < 1 ? 1 : w > n ? n : w; }

void vigil_pdq_jarosz(float *buf1, float *buf2, int rows, int cols, int win_rows, int win_cols) {
  if (rows <= 0 || cols <= 0) return;
  win_rows = clamp_window(win_rows, cols);
  win_cols = clamp_window(win_cols, rows);
  v4f *tmp = malloc(2 * (size_t)cols * sizeof *tmp);
  for (int rep = 0; rep < 2; rep++) {
    if (tmp) {
      box_rows(buf1, buf2, rows, cols, win_rows, NULL, NULL, tmp);
    } else {
      for (int i = 0; i < rows; i++)
        vigil_pdq_box1d(buf1 + (size_t)i * cols, buf2 + (size_t)i * cols, cols, 1, win_rows);
    }
    box_cols(buf2, buf1, rows, cols, win_cols, NULL);
  }
  free(tmp);
}

/* vigil_pdq_jarosz + vigil_pdq_decimate to 64x64, computing in the second
 * pass only what decimation reads. Same values, about 40% less work. */
static int jarosz_decimate(float *buf1, float *buf2, int rows, int cols, float out[64][64]) {
  if (cols < 64) { /* the compact rows x 64 buffers would not fit */
    vigil_pdq_jarosz(buf1, buf2, rows, cols, vigil_pdq_window_size(cols, 64),
                     vigil_pdq_window_size(rows, 64));
    vigil_pdq_decimate(buf1, rows, cols, &out[0][0], 64, 64);
    return 0;
  }
  int win_rows = clamp_window(vigil_pdq_window_size(cols, 64), cols);
  int win_cols = clamp_window(vigil_pdq_window_size(rows, 64), rows);
  size_t c = (size_t)cols;
  v4f *tmp = malloc(2 * c * sizeof *tmp);
  unsigned char *want_c = calloc(c, 1), *want_r = calloc((size_t)rows, 1);
  if (!tmp || !want_c || !want_r) {
    free(tmp), free(want_c), free(want_r);
    return VIGIL_ENOMEM;
  }
  int sel_c[64], sel_r[64];
  for (int k = 0; k < 64; k++) {
    sel_c[k] = (int)(((k + 0.5) * cols) / 64);
    sel_r[k] = (int)(((k + 0.5) * rows) / 64);
    want_c[sel_c[k]] = 1;
    want_r[sel_r[k]] = 1;
  }
  box_rows(buf1, buf2, rows, cols, win_rows, NULL, NULL, tmp);
  box_cols(buf2, buf1, rows, cols, win_cols, NULL);
  /* second pass: rows keep only the 64 sampled columns (rows x 64 in buf2),
   * then columns keep only the 64 sampled rows (in buf1, rows x 64) */
  box_rows(buf1, buf2, rows, cols, win_rows, sel_c, want_c, tmp);
  box_cols(buf2, buf1, rows, 64, win_cols, want_r);
  for (int i = 0; i < 64; i++) memcpy(out[i], buf1 + (size_t)sel_r[i] * 64, 64 * sizeof(float));
  free(tmp), free(want_c), free(want_r);
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
  *quality = vigil_pdq_quality((const float(*)[64])a);
  float d[16][16], x[16][16];
  vigil_pdq_dct64to16((const float(*)[64])a, d);
  vigil_pdq_bits((const float(*)[16])d, &out[0]);
  for (int v = 1; v < nout; v++) {
    vigil_pdq_dct_dihedral((const float(*)[16])d, v, x);
    vigil_pdq_bits((const float(*)[16])x, &out[v]);
  }
  return 0;
}

int vigil_pdq_hash_image(const vigil_image *img, int flags, vigil_pdq *out, int *quality) {
  if (!img || !img->pixels || img->width <= 0 || img->height <= 0 ||
      (img->channels != 1 && img->channels != 3))
    return VIGIL_EINVAL;
  int w = img->width, h = img->height, ch = img->channels;
  /* The reference shrinks (or, for the short side, stretches) to exactly
   * 512x512 when either side is over 512, picking source pixel
   * floor(x * W / 512) like CImg's nearest-neighbour resize. Sampling while
   * converting to luma gives the same values without a resized copy. */
  int rw = w, rh = h;
  if (!(flags & VIGIL_PDQ_FULL_RES) && (w > VIGIL_PDQ_RESIZE_DIM || h > VIGIL_PDQ_RESIZE_DIM))
    rw = rh = VIGIL_PDQ_RESIZE_DIM;
  size_t n = (size_t)rw * (size_t)rh;
  /* one block: luma, scratch, then the source column of each output column */
  float *luma = malloc(2 * n * sizeof(float) + (size_t)rw * sizeof(int));
  if (!luma) return VIGIL_ENOMEM;
  float *scratch = luma + n;
  int *xs = (int *)(scratch + n);
  /* per-channel products as tables: the same float products the formula
   * computes, without a conversion and a multiply per channel */
  float lut[3][256];
  for (int v = 0; v < 256; v++)
    lut[0][v] = luma_r * (float)v, lut[1][v] = luma_g * (float)v, lut[2][v] = luma_b * (float)v;
  for (int x = 0; x < rw; x++) xs[x] = (int)(((uint64_t)x * (uint64_t)w) / (uint64_t)rw) * ch;
  for (int y = 0; y < rh; y++) {
    int sy = (int)(((uint64_t)y * (uint64_t)h) / (uint64_t)rh);
    const uint8_t *row = img->pixels + (size_t)sy * (size_t)w * (size_t)ch;
    float *o = luma + (size_t)y * rw;
    if (ch == 3) {
      for (int x = 0; x < rw; x++) {
        const uint8_t *p = row + xs[x];
        o[x] = lut[0][p[0]] + lut[1][p[1]] + lut[2][p[2]];
      }
    } else {
      for (int x = 0; x < rw; x++) o[x] = (float)row[xs[x]];
    }
  }
  int rc = vigil_pdq_from_luma(luma, scratch, rh, rw, flags & VIGIL_PDQ_DIHEDRAL, out, quality);
  free(luma);
  return rc;
}
