/* Persistence of vigil_hindex and PDQ hex helpers.
 *
 * File format v1 (all integers little-endian, see docs/hindex.md):
 *   header, 64 bytes:
 *     0  magic "VIGILHIX"        8  u32 version (1)   12 u32 header size (64)
 *     16 u32 record size (40)    20 u32 flags (0)     24 u64 record count
 *     32 u64 XXH3-64 of all record bytes              40 16 reserved zero bytes
 *     56 u64 XXH3-64 of header bytes 0..55
 *   records: count x { u64 id, 32 bytes hash }
 * Only the live entries are stored; tables are rebuilt on load, so nothing in
 * the file is trusted beyond ids and hashes, and the size must match exactly.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "match/hindex_int.h"
#include "vigil/error.h"

#define HX_MAGIC "VIGILHIX"
#define HX_VERSION 1u
#define HX_HDR 64u
#define HX_REC 40u
#define HX_IO_CHUNK 4096u

static void put_u32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static void put_u64(uint8_t *p, uint64_t v) {
  for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static uint32_t get_u32(const uint8_t *p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; i--) v = (v << 8) | p[i];
  return v;
}
static uint64_t get_u64(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
  return v;
}

/* ---- save ------------------------------------------------------------------ */

static void hx_record(uint8_t *rec, uint64_t id, const uint64_t *w) {
  put_u64(rec, id);
  for (int k = 0; k < 4; k++) put_u64(rec + 8 + 8 * k, w[k]);
}

int vigil_hindex_save(const vigil_hindex *ix, const char *path) {
  if (!ix || !path) return VIGIL_EINVAL;
  size_t plen = strlen(path);
  char *tmp = malloc(plen + 8);
  uint8_t *buf = malloc(HX_IO_CHUNK * HX_REC);
  XXH3_state_t *st = XXH3_createState();
  int rc = 0;
  FILE *f = NULL;
  if (!tmp || !buf || !st) {
    rc = VIGIL_ENOMEM;
    goto out;
  }
  memcpy(tmp, path, plen);
  memcpy(tmp + plen, ".tmp", 5);
  f = fopen(tmp, "wb");
  if (!f) {
    rc = VIGIL_EIO;
    goto out;
  }
  /* placeholder header; rewritten once the checksum is known */
  uint8_t hdr[HX_HDR];
  memset(hdr, 0, sizeof hdr);
  if (fwrite(hdr, 1, HX_HDR, f) != HX_HDR) rc = VIGIL_EIO;
  XXH3_64bits_reset(st);
  uint64_t count = 0;
  size_t fill = 0;
  for (size_t s = 0; s < ix->n && !rc; s++) {
    if (ix->dead[s]) continue;
    hx_record(buf + fill * HX_REC, ix->ids[s], ix->h + 4 * s);
    count++;
    if (++fill == HX_IO_CHUNK) {
      XXH3_64bits_update(st, buf, fill * HX_REC);
      if (fwrite(buf, HX_REC, fill, f) != fill) rc = VIGIL_EIO;
      fill = 0;
    }
  }
  if (!rc && fill) {
    XXH3_64bits_update(st, buf, fill * HX_REC);
    if (fwrite(buf, HX_REC, fill, f) != fill) rc = VIGIL_EIO;
  }
  if (!rc) {
    memcpy(hdr, HX_MAGIC, 8);
    put_u32(hdr + 8, HX_VERSION);
    put_u32(hdr + 12, HX_HDR);
    put_u32(hdr + 16, HX_REC);
    put_u32(hdr + 20, 0);
    put_u64(hdr + 24, count);
    put_u64(hdr + 32, XXH3_64bits_digest(st));
    put_u64(hdr + 56, XXH3_64bits(hdr, 56));
    if (fseek(f, 0, SEEK_SET) || fwrite(hdr, 1, HX_HDR, f) != HX_HDR) rc = VIGIL_EIO;
  }
  if (!rc && (fflush(f) || fsync(fileno(f)))) rc = VIGIL_EIO;
  if (fclose(f) && !rc) rc = VIGIL_EIO;
  f = NULL;
  if (!rc && rename(tmp, path)) rc = VIGIL_EIO;
  if (rc) unlink(tmp);
out:
  free(tmp);
  free(buf);
  if (st) XXH3_freeState(st);
  return rc;
}

/* ---- load ------------------------------------------------------------------- */

/* A byte source: a FILE or a memory block. Returns bytes read (short = end). */
typedef struct hx_src {
  FILE *f;
  const uint8_t *mem;
  size_t len, pos;
} hx_src;

static size_t hx_read(hx_src *src, void *dst, size_t n) {
  if (src->f) return fread(dst, 1, n, src->f);
  size_t left = src->len - src->pos, k = n < left ? n : left;
  memcpy(dst, src->mem + src->pos, k);
  src->pos += k;
  return k;
}

static int hx_load_src(vigil_hindex **out, hx_src *src, uint64_t total,
                       const vigil_hindex_opts *opts) {
  *out = NULL;
  uint8_t hdr[HX_HDR];
  if (total < HX_HDR || hx_read(src, hdr, HX_HDR) != HX_HDR) return VIGIL_ECORRUPT;
  if (memcmp(hdr, HX_MAGIC, 8) != 0) return VIGIL_ECORRUPT;
  if (get_u64(hdr + 56) != XXH3_64bits(hdr, 56)) return VIGIL_ECORRUPT;
  if (get_u32(hdr + 8) != HX_VERSION || get_u32(hdr + 12) != HX_HDR ||
      get_u32(hdr + 16) != HX_REC || get_u32(hdr + 20) != 0)
    return VIGIL_ECORRUPT;
  for (int i = 40; i < 56; i++)
    if (hdr[i]) return VIGIL_ECORRUPT;
  uint64_t count = get_u64(hdr + 24);
  /* the size must match before anything is allocated from count */
  if (count > VIGIL_HINDEX_MAX_ENTRIES || total - HX_HDR != count * HX_REC)
    return VIGIL_ECORRUPT;

  vigil_hindex *ix = NULL;
  int rc = vigil_hindex_create(&ix, opts);
  if (rc) return rc;
  uint8_t *buf = malloc(HX_IO_CHUNK * HX_REC);
  uint64_t *ids = malloc(HX_IO_CHUNK * sizeof *ids);
  uint8_t *hs = malloc(HX_IO_CHUNK * 32);
  XXH3_state_t *st = XXH3_createState();
  if (!buf || !ids || !hs || !st) rc = VIGIL_ENOMEM;
  if (st) XXH3_64bits_reset(st);
  uint64_t left = count;
  while (!rc && left) {
    size_t k = left < HX_IO_CHUNK ? (size_t)left : HX_IO_CHUNK;
    if (hx_read(src, buf, k * HX_REC) != k * HX_REC) {
      rc = VIGIL_ECORRUPT;
      break;
    }
    XXH3_64bits_update(st, buf, k * HX_REC);
    for (size_t j = 0; j < k; j++) {
      ids[j] = get_u64(buf + j * HX_REC);
      memcpy(hs + 32 * j, buf + j * HX_REC + 8, 32);
    }
    rc = hx_append(ix, ids, hs, k, 0);
    left -= k;
  }
  if (!rc) {
    uint8_t extra;
    if (hx_read(src, &extra, 1) != 0) rc = VIGIL_ECORRUPT; /* grew while reading */
  }
  if (!rc && XXH3_64bits_digest(st) != get_u64(hdr + 32)) rc = VIGIL_ECORRUPT;
  free(buf);
  free(ids);
  free(hs);
  if (st) XXH3_freeState(st);
  if (!rc) rc = hx_full_rebuild(ix); /* ECORRUPT on duplicate ids */
  if (rc) {
    vigil_hindex_free(ix);
    return rc;
  }
  *out = ix;
  return 0;
}

int vigil_hindex_load(vigil_hindex **out, const char *path, const vigil_hindex_opts *opts) {
  if (!out || !path) return VIGIL_EINVAL;
  *out = NULL;
  FILE *f = fopen(path, "rb");
  if (!f) return errno == ENOENT ? VIGIL_ENOTFOUND : VIGIL_EIO;
  struct stat sb;
  int rc;
  if (fstat(fileno(f), &sb) || !S_ISREG(sb.st_mode)) {
    rc = VIGIL_EIO;
  } else {
    hx_src src = {.f = f};
    rc = hx_load_src(out, &src, (uint64_t)sb.st_size, opts);
  }
  fclose(f);
  return rc;
}

int vigil_hindex_load_mem(vigil_hindex **out, const void *data, size_t len,
                          const vigil_hindex_opts *opts) {
  if (!out || (!data && len)) return VIGIL_EINVAL;
  *out = NULL;
  hx_src src = {.mem = data, .len = len};
  return hx_load_src(out, &src, len, opts);
}

/* ---- hex ---------------------------------------------------------------------- */

static int hx_nib(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int vigil_pdq_parse_hex(const char *s, size_t len, uint8_t hash[VIGIL_PDQ_BYTES]) {
  if (!hash || (!s && len)) return VIGIL_EINVAL;
  if (len != VIGIL_PDQ_HEX_LEN) return VIGIL_EPARSE;
  uint8_t tmp[VIGIL_PDQ_BYTES];
  for (size_t i = 0; i < VIGIL_PDQ_BYTES; i++) {
    int hi = hx_nib(s[2 * i]), lo = hx_nib(s[2 * i + 1]);
    if (hi < 0 || lo < 0) return VIGIL_EPARSE;
    tmp[i] = (uint8_t)(hi << 4 | lo);
  }
  memcpy(hash, tmp, sizeof tmp);
  return 0;
}

void vigil_pdq_format_hex(const uint8_t hash[VIGIL_PDQ_BYTES], char out[VIGIL_PDQ_HEX_LEN + 1]) {
  static const char digits[] = "0123456789abcdef";
  for (size_t i = 0; i < VIGIL_PDQ_BYTES; i++) {
    out[2 * i] = digits[hash[i] >> 4];
    out[2 * i + 1] = digits[hash[i] & 15];
  }
  out[VIGIL_PDQ_HEX_LEN] = '\0';
}
