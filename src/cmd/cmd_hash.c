/* vigil hash: PDQ perceptual hashes (+ MD5, SHA-256) of image files. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd/cmd.h"
#include "vigil/buf.h"
#include "vigil/walk.h"
#include "vigil/digest.h"
#include "vigil/image.h"
#include "vigil/pdq.h"

#define CMD "hash"
#define MAX_DEPTH 64

typedef struct {
  int dihedral, json, fast, full_res;
  vigil_image_opts opts;
  size_t max_bytes;
  int bad, skipped, quiet;
  vigil_buf data, msg, line;
  vigil_image img; /* reused across files */
} hash_run;

static void usage(FILE *out) {
  fprintf(out,
          "usage: vigil hash [--dihedral] [--json] [--max-pixels N] [--max-bytes N]\n"
          "                  [--fast] [--full-res] FILE...|DIR...|-\n\n"
          "Prints one line per image: PDQHEX,QUALITY,PATH (the format of Meta's\n"
          "pdq-photo-hasher). Directories are walked recursively in sorted order;\n"
          "files in them that are not images (by magic bytes) are skipped. '-' reads\n"
          "one image from standard input. JPEG, PNG, WebP and GIF (first frame).\n\n"
          "  --dihedral       eight lines per image: orig, rot90, rot180, rot270,\n"
          "                   flipx, flipy, flipp, flipm (the reference's order)\n"
          "  --json           one JSON object per image: pdq, quality, path, md5,\n"
          "                   sha256, format, width, height (+ dihedral variants)\n"
          "  --max-pixels N   refuse images over N pixels (default 50000000)\n"
          "  --max-bytes N    refuse files over N bytes (default 268435456)\n"
          "  --fast           decode large JPEGs with DCT-domain scaling (saves time\n"
          "                   only on big photos; usually within 4 bits of the exact\n"
          "                   hash but up to ~20 on fine textures: see docs/pdq.md)\n"
          "  --full-res       no 512x512 pre-resize: blur the full-size image, as the\n"
          "                   older C++ tool and other ports do\n\n"
          "Bad files are reported on stderr as 'PATH: reason' and skipped.\n"
          "Exit status: 0 all hashed, 1 fatal error, 2 usage, 3 some files bad.\n"
          "In the CSV lines, control characters in paths are shown as '?'; use\n"
          "--json for exact paths.\n");
}

static int parse_u64(const char *s, unsigned long long *out) {
  char *end;
  errno = 0;
  if (!s || !*s || *s == '-') return -1;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno || *end || v == 0) return -1;
  *out = v;
  return 0;
}

static void report_bad(hash_run *r, const char *path, int rc) {
  r->bad++;
  fprintf(stderr, "%s: %s (%s)\n", path, r->msg.len ? r->msg.data : vigil_strerror(rc),
          vigil_errname(rc));
}

static int emit(hash_run *r, const char *path, const vigil_image *img, const vigil_pdq *h,
                int quality) {
  char hex[VIGIL_PDQ_HEX_LEN + 1];
  vigil_buf *b = &r->line;
  vigil_buf_clear(b);
  int rc = 0;
  if (r->json) {
    uint8_t md5[VIGIL_MD5_BYTES], sha[VIGIL_SHA256_BYTES];
    char md5h[2 * VIGIL_MD5_BYTES + 1], shah[2 * VIGIL_SHA256_BYTES + 1];
    vigil_md5(r->data.data, r->data.len, md5);
    if ((rc = vigil_sha256(r->data.data, r->data.len, sha))) return rc;
    vigil_hex_encode(md5, sizeof md5, md5h);
    vigil_hex_encode(sha, sizeof sha, shah);
    vigil_pdq_to_hex(&h[0], hex);
    rc |= vigil_buf_printf(b, "{\"pdq\":\"%s\",\"quality\":%d,\"path\":", hex, quality);
    rc |= vigil_buf_append_json_str(b, vigil_str_c(path));
    rc |= vigil_buf_printf(b, ",\"md5\":\"%s\",\"sha256\":\"%s\",\"format\":\"%s\","
                              "\"width\":%d,\"height\":%d",
                           md5h, shah, vigil_image_format_name(img->format), img->src_width,
                           img->src_height);
    if (r->dihedral) {
      rc |= vigil_buf_printf(b, ",\"dihedral\":{");
      for (int v = 0; v < VIGIL_PDQ_NVARIANTS; v++) {
        vigil_pdq_to_hex(&h[v], hex);
        rc |= vigil_buf_printf(b, "%s\"%s\":\"%s\"", v ? "," : "", vigil_pdq_variant_name(v), hex);
      }
      rc |= vigil_buf_putc(b, '}');
    }
    rc |= vigil_buf_append(b, "}\n", 2);
  } else {
    vigil_buf shown = VIGIL_BUF_INIT;
    rc |= vigil_buf_append_str(&shown, vigil_str_c(path));
    for (size_t i = 0; i < shown.len; i++)
      if ((unsigned char)shown.data[i] < 0x20 || shown.data[i] == 0x7f) shown.data[i] = '?';
    int n = r->dihedral ? VIGIL_PDQ_NVARIANTS : 1;
    for (int v = 0; v < n; v++) {
      vigil_pdq_to_hex(&h[v], hex);
      rc |= vigil_buf_printf(b, "%s,%d,%s\n", hex, quality, shown.data ? shown.data : "");
    }
    vigil_buf_release(&shown);
  }
  if (rc) return VIGIL_ENOMEM;
  if (fwrite(b->data, 1, b->len, stdout) != b->len) return VIGIL_EIO;
  return 0;
}

/* Returns 0 (hashed, or skipped as a non-image in a walk), a negative code
 * only for fatal errors; bad files are counted and reported. */
static int hash_one(hash_run *r, const char *path, int in_walk) {
  vigil_buf_clear(&r->data);
  vigil_buf_clear(&r->msg);
  int rc = vigil_image_read_file(path, r->max_bytes, &r->data, &r->msg);
  if (rc == VIGIL_ENOMEM) return rc;
  if (rc) {
    report_bad(r, path, rc);
    return 0;
  }
  if (in_walk && vigil_image_sniff(r->data.data, r->data.len) == VIGIL_IMG_UNKNOWN) {
    r->skipped++;
    return 0;
  }
  vigil_image *img = &r->img;
  vigil_pdq h[VIGIL_PDQ_NVARIANTS];
  int quality = 0;
  int flags = (r->dihedral ? VIGIL_PDQ_DIHEDRAL : 0) | (r->full_res ? VIGIL_PDQ_FULL_RES : 0);
  /* decode + hash in one step: JPEGs stream row by row (docs/pdq.md) */
  rc = vigil_pdq_hash_data(r->data.data, r->data.len, &r->opts, flags, img, h, &quality, &r->msg);
  if (rc == VIGIL_ENOMEM) return rc;
  if (rc) {
    report_bad(r, path, rc);
    return 0;
  }
  return emit(r, path, img, h, quality);
}

static int walk_file(void *ctx, const char *path) { return hash_one(ctx, path, 1); }

static void walk_error(void *ctx, const char *path, const char *reason) {
  hash_run *r = ctx;
  fprintf(stderr, "%s: %s\n", path, reason);
  r->bad++;
}

static int walk(hash_run *r, const char *dir) {
  return vigil_walk_files(dir, MAX_DEPTH, walk_file, walk_error, r);
}

int cmd_hash(int argc, char **argv, vigil_ctx *ctx) {
  static const struct option longopts[] = {
      {"dihedral", no_argument, NULL, 'd'},      {"json", no_argument, NULL, 'j'},
      {"max-pixels", required_argument, NULL, 'p'}, {"max-bytes", required_argument, NULL, 'b'},
      {"fast", no_argument, NULL, 'F'},        {"full-res", no_argument, NULL, 'f'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  hash_run r = {0};
  r.img = (vigil_image)VIGIL_IMAGE_INIT;
  r.quiet = ctx ? ctx->quiet : 0;
  int c;
  unsigned long long v;
  while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
    switch (c) {
      case 'd': r.dihedral = 1; break;
      case 'j': r.json = 1; break;
      case 'F': r.fast = 1; break;
      case 'f': r.full_res = 1; break;
      case 'p':
        if (parse_u64(optarg, &v) || v > VIGIL_IMAGE_HARD_MAX_PIXELS)
          return vigil_cmd_usage_error(CMD, "--max-pixels wants 1..%llu",
                                       (unsigned long long)VIGIL_IMAGE_HARD_MAX_PIXELS);
        r.opts.max_pixels = v;
        break;
      case 'b':
        if (parse_u64(optarg, &v) || v > ((unsigned long long)1 << 34))
          return vigil_cmd_usage_error(CMD, "--max-bytes wants 1..%llu", 1ULL << 34);
        r.max_bytes = (size_t)v;
        break;
      case 'h': usage(stdout); return VIGIL_EXIT_OK;
      default: return vigil_cmd_usage_error(CMD, "unknown option");
    }
  }
  /* DCT scaling only makes sense ahead of the 512x512 resize */
  if (r.fast && !r.full_res) r.opts.min_side = VIGIL_PDQ_RESIZE_DIM;
  if (optind >= argc) return vigil_cmd_usage_error(CMD, "no FILE, DIR or '-' given");
  int rc = 0, stdin_used = 0;
  for (int i = optind; i < argc && !rc; i++) {
    const char *a = argv[i];
    struct stat st;
    if (!strcmp(a, "-")) {
      if (stdin_used++) {
        fprintf(stderr, "-: standard input given twice\n");
        r.bad++;
        continue;
      }
      rc = hash_one(&r, a, 0);
    } else if (stat(a, &st) == 0 && S_ISDIR(st.st_mode)) {
      rc = walk(&r, a);
    } else {
      rc = hash_one(&r, a, 0);
    }
  }
  if (fflush(stdout) != 0 && !rc) rc = VIGIL_EIO;
  vigil_buf_release(&r.data);
  vigil_buf_release(&r.msg);
  vigil_buf_release(&r.line);
  vigil_image_release(&r.img);
  if (rc) return vigil_cmd_fail(CMD, rc, "stopped");
  if (r.skipped && !r.quiet)
    fprintf(stderr, "vigil hash: skipped %d non-image file%s in directories\n", r.skipped,
            r.skipped == 1 ? "" : "s");
  return r.bad ? VIGIL_EXIT_PARTIAL : VIGIL_EXIT_OK;
}
