/* vigil match: match images, hash lists, texts, URLs or the store's posts
 * against banks. One CSV line per match on stdout:
 *   query,bank,entry,score,label
 * and every match is recorded in the store (a match run) for review. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cmd/cmd.h"
#include "vigil/walk.h"
#include "vigil/bank.h"
#include "vigil/hindex.h"
#include "vigil/store.h"
#include "vigil/store_match.h"

#define CMD "match"

static double mono(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}
#define MAX_DEPTH 32
#define MAX_BANK_ARGS 64

static void usage(FILE *out) {
  fprintf(out,
          "usage: vigil match [--bank NAME]... [--threshold T] [--max-hits N]\n"
          "                   (--store | --hashes FILE | --texts FILE | --urls FILE | FILE|DIR...)\n\n"
          "Matches against the enabled banks (or only the --bank ones, enabled or not):\n"
          "  FILE|DIR...   images (JPEG, PNG, WebP, GIF; directories walked): their PDQ\n"
          "                hash against pdq banks, MD5/SHA-256 of the bytes against md5/\n"
          "                sha256 banks. query = the path\n"
          "  --hashes F    one hash per line (first field): 64 hex digits against pdq and\n"
          "                sha256 banks, 32 against md5 banks. query = the hash\n"
          "  --texts F     one text per line against text banks. query = F:LINE\n"
          "  --urls F      one URL per line against url banks. query = F:LINE\n"
          "  --store       the store's posts: texts against text banks, URLs (expanded\n"
          "                when known) and media URLs against url banks. The store holds\n"
          "                media references, not image bytes, so media cannot be matched\n"
          "                by PDQ/MD5 here: fetch them and run vigil match on the files.\n"
          "                query = post:PLATFORM_ID\n\n"
          "Output: query,bank,entry,score,label (CSV). entry is the hash for hash banks,\n"
          "the entry id for text and url banks. score is the Hamming distance for pdq\n"
          "(match when <= threshold, default 31), 0 for md5/sha256 (exact), the\n"
          "similarity for text (match when >= threshold, default 0.6), 1 for url.\n\n"
          "  --bank NAME        match only these banks (repeatable)\n"
          "  --threshold T      an integer sets the PDQ distance (0..256), a value with\n"
          "                     a decimal point the text similarity (0..1)\n"
          "  --pdq-threshold N  PDQ distance threshold\n"
          "  --text-threshold X text similarity threshold\n"
          "  --max-hits N       at most N matches per query and bank (default: all)\n"
          "  --threads N        threads for PDQ hash batches (default 2)\n"
          "  --no-record        do not record the matches in the store\n\n"
          "Exit status: 0 ok (with or without matches), 1 error, 2 usage, 3 some inputs\n"
          "were bad (reported on stderr as FILE:LINE: field: reason or PATH: reason).\n");
}

typedef struct run {
  vigil_ctx *ctx;
  vigil_matcher *m;
  int record;
  int64_t run_id;
  uint64_t queries, matches, bad, skipped;
  vigil_buf line;
  const char *query; /* current query (NUL-terminated) */
  int reported;      /* a fatal error was already printed */
} run;

static int put_line(run *r, vigil_str query, const vigil_match_hit *h) {
  vigil_buf *b = &r->line;
  vigil_buf_clear(b);
  int rc = vigil_buf_append_csv_field(b, query);
  rc |= vigil_buf_putc(b, ',');
  rc |= vigil_buf_append_csv_field(b, vigil_str_c(h->bank->name));
  rc |= vigil_buf_putc(b, ',');
  vigil_bank_kind k = h->bank->kind;
  if (k == VIGIL_BANK_PDQ || k == VIGIL_BANK_MD5 || k == VIGIL_BANK_SHA256) {
    rc |= vigil_buf_append_str(b, h->value);
    rc |= vigil_buf_printf(b, ",%d,", (int)h->score);
  } else if (k == VIGIL_BANK_TEXT) {
    rc |= vigil_buf_printf(b, "%lld,%.3f,", (long long)h->entry, h->score);
  } else {
    rc |= vigil_buf_printf(b, "%lld,1,", (long long)h->entry);
  }
  vigil_str label = h->label.ptr ? h->label : vigil_str_c(h->bank->label);
  if (label.len) rc |= vigil_buf_append_csv_field(b, label);
  rc |= vigil_buf_putc(b, '\n');
  if (rc) return VIGIL_ENOMEM;
  if (fwrite(b->data, 1, b->len, stdout) != b->len) return VIGIL_EIO;
  r->matches++;
  if (r->record) {
    rc = vigil_store_match_put(r->ctx->store, r->run_id, query, h->bank->id, h->entry, h->score);
    if (rc) return rc;
  }
  return 0;
}

static int hit_cb(void *ctx, const vigil_match_hit *h) {
  run *r = ctx;
  return put_line(r, vigil_str_c(r->query), h);
}

static void bad_input(run *r, const char *file, uint64_t line, const char *field,
                      const char *reason) {
  r->bad++;
  if (r->bad <= 1000) {
    if (line) fprintf(stderr, "%s:%llu: %s: %s\n", file, (unsigned long long)line, field, reason);
    else fprintf(stderr, "%s: %s\n", file, reason);
  } else if (r->bad == 1001) {
    fprintf(stderr, "vigil match: more bad inputs not shown\n");
  }
}

/* ---- images ------------------------------------------------------------------ */

static int match_image(run *r, const char *path, int in_walk) {
  uint8_t pdq[32];
  int quality = 0;
  char md5[33], sha[65];
  vigil_buf msg = VIGIL_BUF_INIT;
  int rc = vigil_match_hash_file(path, pdq, &quality, md5, sha, &msg);
  if (rc == VIGIL_ENOMEM) {
    vigil_buf_release(&msg);
    return rc;
  }
  if (rc) {
    if (in_walk && rc == VIGIL_EUNSUPPORTED) r->skipped++;
    else bad_input(r, path, 0, "image", msg.len ? msg.data : vigil_strerror(rc));
    vigil_buf_release(&msg);
    return 0;
  }
  vigil_buf_release(&msg);
  r->queries++;
  r->query = path;
  rc = vigil_matcher_pdq(r->m, pdq, hit_cb, r);
  if (!rc) rc = vigil_matcher_digest(r->m, VIGIL_BANK_MD5, vigil_str_c(md5), hit_cb, r);
  if (!rc) rc = vigil_matcher_digest(r->m, VIGIL_BANK_SHA256, vigil_str_c(sha), hit_cb, r);
  return rc;
}

static int walk_file(void *ctx, const char *path) { return match_image(ctx, path, 1); }

static void walk_error(void *ctx, const char *path, const char *reason) {
  bad_input(ctx, path, 0, "dir", reason);
}

static int walk(run *r, const char *dir) {
  return vigil_walk_files(dir, MAX_DEPTH, walk_file, walk_error, r);
}

/* ---- line inputs --------------------------------------------------------------- */

typedef int (*line_fn)(run *r, const char *file, uint64_t line, vigil_str s);

static int each_line(run *r, const char *file, line_fn fn) {
  vigil_bank_file f = VIGIL_BANK_FILE_INIT;
  int rc = vigil_bank_file_open(file, &f);
  if (rc) {
    vigil_bank_file_close(&f);
    vigil_cmd_fail(CMD, rc, "%s", file);
    r->reported = 1;
    return rc;
  }
  if (f.len && memchr(f.data, '\0', f.len)) {
    vigil_bank_file_close(&f);
    fprintf(stderr, "vigil match: %s: binary data (NUL bytes), not a line list\n", file);
    r->reported = 1;
    return VIGIL_EFORMAT;
  }
  size_t pos = 0;
  uint64_t ln = 0;
  while (pos < f.len && !rc) {
    const char *nl = memchr(f.data + pos, '\n', f.len - pos);
    size_t end = nl ? (size_t)(nl - f.data) : f.len;
    vigil_str s = {f.data + pos, end - pos};
    pos = nl ? end + 1 : f.len;
    ln++;
    if (s.len && s.ptr[s.len - 1] == '\r') s.len--;
    size_t i = 0;
    while (i < s.len && (s.ptr[i] == ' ' || s.ptr[i] == '\t')) i++;
    if (i == s.len) continue;
    rc = fn(r, file, ln, s);
  }
  vigil_bank_file_close(&f);
  return rc;
}

typedef struct hash_batch {
  uint8_t *pdq;
  char (*hex)[65];
  size_t n, cap;
} hash_batch;

static hash_batch g_hb; /* the --hashes batch (one per process) */

static int hashes_line(run *r, const char *file, uint64_t line, vigil_str s) {
  size_t i = 0;
  while (i < s.len && (s.ptr[i] == ' ' || s.ptr[i] == '\t')) i++;
  if (i < s.len && s.ptr[i] == '#') return 0;
  size_t j = i;
  while (j < s.len && s.ptr[j] != ',' && s.ptr[j] != '\t' && s.ptr[j] != ' ' && s.ptr[j] != ';')
    j++;
  vigil_str h = {s.ptr + i, j - i};
  vigil_buf v = VIGIL_BUF_INIT;
  const char *reason = NULL;
  int rc;
  if (h.len == 32) {
    rc = vigil_bank_normalize(VIGIL_BANK_MD5, h, &v, &reason);
    if (!rc) {
      r->queries++;
      r->query = v.data;
      rc = vigil_matcher_digest(r->m, VIGIL_BANK_MD5, vigil_buf_view(&v), hit_cb, r);
    } else if (rc == VIGIL_EPARSE) {
      bad_input(r, file, line, "hash", reason);
      rc = 0;
    }
    vigil_buf_release(&v);
    return rc;
  }
  rc = vigil_bank_normalize(VIGIL_BANK_PDQ, h, &v, &reason);
  if (rc == VIGIL_EPARSE) {
    bad_input(r, file, line, "hash", h.len == 64 ? reason : "wrong length (want 32 or 64 hex digits)");
    vigil_buf_release(&v);
    return 0;
  }
  if (rc) {
    vigil_buf_release(&v);
    return rc;
  }
  hash_batch *b = &g_hb;
  if (b->n == b->cap) {
    size_t nc = b->cap ? b->cap * 2 : 4096;
    uint8_t *np = realloc(b->pdq, nc * 32);
    if (!np) return VIGIL_ENOMEM;
    b->pdq = np;
    char(*nh)[65] = realloc(b->hex, nc * sizeof *nh);
    if (!nh) return VIGIL_ENOMEM;
    b->hex = nh;
    b->cap = nc;
  }
  vigil_pdq_parse_hex(v.data, v.len, b->pdq + b->n * 32);
  memcpy(b->hex[b->n], v.data, 65);
  b->n++;
  vigil_buf_release(&v);
  return 0;
}

static int batch_cb(void *ctx, size_t q, const vigil_match_hit *h) {
  run *r = ctx;
  return put_line(r, (vigil_str){g_hb.hex[q], 64}, h);
}

static int match_hashes(run *r, const char *file) {
  int rc = each_line(r, file, hashes_line);
  if (!rc) rc = vigil_matcher_pdq_batch(r->m, g_hb.pdq, g_hb.n, batch_cb, r);
  for (size_t i = 0; !rc && i < g_hb.n; i++) {
    r->query = g_hb.hex[i];
    rc = vigil_matcher_digest(r->m, VIGIL_BANK_SHA256, (vigil_str){g_hb.hex[i], 64}, hit_cb, r);
  }
  r->queries += g_hb.n;
  free(g_hb.pdq);
  free(g_hb.hex);
  memset(&g_hb, 0, sizeof g_hb);
  return rc;
}

static int texts_line(run *r, const char *file, uint64_t line, vigil_str s) {
  char q[4200];
  snprintf(q, sizeof q, "%s:%llu", file, (unsigned long long)line);
  r->query = q;
  r->queries++;
  int rc = vigil_matcher_text(r->m, s, hit_cb, r);
  if (rc == VIGIL_EUTF8 || rc == VIGIL_ETOOBIG) {
    bad_input(r, file, line, "text", vigil_strerror(rc));
    rc = 0;
  }
  return rc;
}

static int urls_line(run *r, const char *file, uint64_t line, vigil_str s) {
  char q[4200];
  snprintf(q, sizeof q, "%s:%llu", file, (unsigned long long)line);
  r->query = q;
  r->queries++;
  while (s.len && (s.ptr[s.len - 1] == ' ' || s.ptr[s.len - 1] == '\t')) s.len--;
  while (s.len && (s.ptr[0] == ' ' || s.ptr[0] == '\t')) s.ptr++, s.len--;
  int rc = vigil_matcher_url(r->m, s, hit_cb, r);
  if (rc == VIGIL_EPARSE || rc == VIGIL_ETOOBIG) {
    bad_input(r, file, line, "url", "not a URL");
    rc = 0;
  }
  return rc;
}

/* ---- the store ---------------------------------------------------------- */

typedef struct store_run {
  run *r;
  vigil_buf q;
  uint64_t posts, urls, media, bad_urls;
} store_run;

static int set_query(store_run *s, vigil_str pid) {
  vigil_buf_clear(&s->q);
  int rc = vigil_buf_printf(&s->q, "post:%.*s", (int)pid.len, pid.ptr ? pid.ptr : "");
  s->r->query = s->q.data;
  return rc;
}

static int post_cb(void *ctx, const vigil_post_row *p) {
  store_run *s = ctx;
  int rc = set_query(s, p->platform_id);
  if (rc) return rc;
  s->posts++;
  s->r->queries++;
  if (p->text.ptr && p->text.len) {
    rc = vigil_matcher_text(s->r->m, p->text, hit_cb, s->r);
    if (rc == VIGIL_EUTF8 || rc == VIGIL_ETOOBIG) rc = 0; /* ingest validated; skip */
    if (rc) return rc;
  }
  for (size_t i = 0; i < p->n_urls; i++) {
    if (!p->urls[i].ptr || !p->urls[i].len) continue;
    s->urls++;
    rc = vigil_matcher_url(s->r->m, p->urls[i], hit_cb, s->r);
    if (rc == VIGIL_EPARSE || rc == VIGIL_ETOOBIG) s->bad_urls++, rc = 0;
    if (rc) return rc;
  }
  return 0;
}

static int media_cb(void *ctx, vigil_str pid, vigil_str type, vigil_str url) {
  store_run *s = ctx;
  s->media++;
  if (!url.ptr || !url.len) return 0;
  int rc = set_query(s, pid);
  if (!rc) rc = vigil_matcher_url(s->r->m, url, hit_cb, s->r);
  if (rc == VIGIL_EPARSE || rc == VIGIL_ETOOBIG) s->bad_urls++, rc = 0;
  return rc;
}

static int match_store(run *r) {
  store_run s = {r, VIGIL_BUF_INIT, 0, 0, 0, 0};
  int need_posts = vigil_matcher_count(r->m, VIGIL_BANK_TEXT) || vigil_matcher_count(r->m, VIGIL_BANK_URL);
  int rc = need_posts ? vigil_store_each_post(r->ctx->store, post_cb, &s) : 0;
  if (!rc && vigil_matcher_count(r->m, VIGIL_BANK_URL))
    rc = vigil_store_each_post_media(r->ctx->store, media_cb, &s);
  vigil_buf_release(&s.q);
  if (!r->ctx->quiet) {
    fprintf(stderr, "vigil match: %llu posts, %llu post URLs, %llu media URLs checked",
            (unsigned long long)s.posts, (unsigned long long)s.urls, (unsigned long long)s.media);
    if (s.bad_urls) fprintf(stderr, " (%llu unparsable URLs skipped)", (unsigned long long)s.bad_urls);
    fprintf(stderr, "\n");
    size_t nh = vigil_matcher_count(r->m, VIGIL_BANK_PDQ) + vigil_matcher_count(r->m, VIGIL_BANK_MD5) +
                vigil_matcher_count(r->m, VIGIL_BANK_SHA256);
    if (nh)
      fprintf(stderr, "vigil match: the store holds media references, not image bytes or hashes:"
                      " %zu hash bank%s not used with --store (hash the media files instead)\n",
              nh, nh == 1 ? "" : "s");
  }
  return rc;
}

/* ---- main ------------------------------------------------------------------ */

static int parse_threshold(const char *s, vigil_match_opts *o, int which) {
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (errno || end == s || *end) return -1;
  int is_text = which == 2 || (which == 0 && strpbrk(s, ".eE") != NULL);
  if (is_text) {
    if (!(v >= 0 && v <= 1)) return -1;
    o->text_threshold = v;
  } else {
    if (v < 0 || v > 256 || v != (double)(int)v) return -1;
    o->pdq_threshold = (int)v;
  }
  return 0;
}

int cmd_match(int argc, char **argv, vigil_ctx *ctx) {
  static const struct option lo[] = {{"bank", required_argument, 0, 'b'},
                                     {"threshold", required_argument, 0, 't'},
                                     {"pdq-threshold", required_argument, 0, 'P'},
                                     {"text-threshold", required_argument, 0, 'T'},
                                     {"max-hits", required_argument, 0, 'm'},
                                     {"threads", required_argument, 0, 'j'},
                                     {"store", no_argument, 0, 's'},
                                     {"hashes", required_argument, 0, 'H'},
                                     {"texts", required_argument, 0, 'x'},
                                     {"urls", required_argument, 0, 'u'},
                                     {"no-record", no_argument, 0, 'n'},
                                     {"help", no_argument, 0, 'h'},
                                     {0, 0, 0, 0}};
  const char *banks[MAX_BANK_ARGS];
  size_t nbanks = 0;
  vigil_match_opts o;
  vigil_match_opts_default(&o);
  const char *hashes = NULL, *texts = NULL, *urls = NULL;
  int use_store = 0, record = 1, c;
  while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
    switch (c) {
      case 'b':
        if (nbanks == MAX_BANK_ARGS) return vigil_cmd_usage_error(CMD, "at most %d --bank", MAX_BANK_ARGS);
        banks[nbanks++] = optarg;
        break;
      case 't':
      case 'P':
      case 'T':
        if (parse_threshold(optarg, &o, c == 't' ? 0 : c == 'P' ? 1 : 2))
          return vigil_cmd_usage_error(CMD, "bad threshold '%s' (PDQ: integer 0..256; text: 0..1)", optarg);
        break;
      case 'm': {
        char *end;
        long long v = strtoll(optarg, &end, 10);
        if (*end || v < 0 || v > 1000000) return vigil_cmd_usage_error(CMD, "--max-hits wants 0..1000000");
        o.max_hits = (size_t)v;
        break;
      }
      case 'j': {
        char *end;
        long v = strtol(optarg, &end, 10);
        if (*end || v < 1 || v > 256) return vigil_cmd_usage_error(CMD, "--threads wants 1..256");
        o.threads = (int)v;
        break;
      }
      case 's': use_store = 1; break;
      case 'H': hashes = optarg; break;
      case 'x': texts = optarg; break;
      case 'u': urls = optarg; break;
      case 'n': record = 0; break;
      case 'h': usage(stdout); return VIGIL_EXIT_OK;
      default: return vigil_cmd_usage_error(CMD, "unknown option");
    }
  }
  int nfiles = argc - optind;
  int modes = use_store + !!hashes + !!texts + !!urls + (nfiles > 0);
  if (modes == 0) return vigil_cmd_usage_error(CMD, "nothing to match: give --store, --hashes, --texts, --urls or files");
  if (modes > 1) return vigil_cmd_usage_error(CMD, "give one of --store, --hashes, --texts, --urls or files");

  vigil_buf dir = VIGIL_BUF_INIT;
  int rc = vigil_bank_index_dir(ctx->db_path, &dir);
  if (rc) return vigil_cmd_fail(CMD, rc, "index directory");
  run r = {ctx, NULL, record, 0, 0, 0, 0, 0, VIGIL_BUF_INIT, NULL, 0};
  const char *missing = NULL;
  double t_open = mono();
  rc = vigil_matcher_open(&r.m, ctx->store, dir.data, banks, nbanks, &o, &missing);
  vigil_buf_release(&dir);
  if (rc == VIGIL_ENOTFOUND && missing) {
    fprintf(stderr, "vigil match: no bank named '%s' (see vigil bank list)\n", missing);
    return VIGIL_EXIT_FATAL;
  }
  if (rc) return vigil_cmd_fail(CMD, rc, "loading banks: %s", vigil_store_errmsg(ctx->store));
  double t_match = mono();
  t_open = t_match - t_open;
  const vigil_bank *bl;
  size_t nb = vigil_matcher_banks(r.m, &bl);
  if (!nb && !ctx->quiet) fprintf(stderr, "vigil match: no enabled banks (see vigil bank list)\n");

  vigil_buf params = VIGIL_BUF_INIT;
  rc = vigil_buf_printf(&params, "{\"mode\":\"%s\",\"pdq_threshold\":%d,\"text_threshold\":%.3f,\"banks\":[",
                        use_store ? "store" : hashes ? "hashes" : texts ? "texts" : urls ? "urls" : "files",
                        o.pdq_threshold, o.text_threshold);
  for (size_t i = 0; !rc && i < nb; i++) rc = vigil_buf_printf(&params, "%s\"%s\"", i ? "," : "", bl[i].name);
  if (!rc) rc = vigil_buf_append_str(&params, VIGIL_STR_LIT("]}"));
  if (!rc && record) {
    rc = vigil_store_begin(ctx->store);
    if (!rc) rc = vigil_store_match_begin(ctx->store, ctx->actor ? ctx->actor : "unknown", params.data, &r.run_id);
  }
  vigil_buf_release(&params);
  if (!rc) {
    if (use_store) rc = match_store(&r);
    else if (hashes) rc = match_hashes(&r, hashes);
    else if (texts) rc = each_line(&r, texts, texts_line);
    else if (urls) rc = each_line(&r, urls, urls_line);
    else
      for (int i = optind; i < argc && !rc; i++) {
        struct stat st;
        if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) rc = walk(&r, argv[i]);
        else rc = match_image(&r, argv[i], 0);
      }
  }
  if (fflush(stdout) && !rc) rc = VIGIL_EIO;
  t_match = mono() - t_match;
  if (record) {
    if (!rc) {
      char summary[256];
      snprintf(summary, sizeof summary, "{\"queries\":%llu,\"matches\":%llu,\"bad\":%llu}",
               (unsigned long long)r.queries, (unsigned long long)r.matches,
               (unsigned long long)r.bad);
      rc = vigil_store_match_end(ctx->store, r.run_id, summary);
      if (!rc) rc = vigil_store_commit(ctx->store);
    }
    if (rc) vigil_store_rollback(ctx->store);
  }
  vigil_matcher_free(r.m);
  vigil_buf_release(&r.line);
  if (rc && r.reported) return VIGIL_EXIT_FATAL;
  if (rc) return vigil_cmd_fail(CMD, rc, "matching: %s", vigil_store_errmsg(ctx->store));
  if (!ctx->quiet)
    fprintf(stderr, "vigil match: %llu queries, %llu matches%s (banks loaded in %.2f s, matched in %.2f s)\n",
            (unsigned long long)r.queries, (unsigned long long)r.matches,
            r.bad ? ", some inputs bad (see above)" : "", t_open, t_match);
  if (r.skipped && !ctx->quiet)
    fprintf(stderr, "vigil match: skipped %llu non-image files in directories\n",
            (unsigned long long)r.skipped);
  return r.bad ? VIGIL_EXIT_PARTIAL : VIGIL_EXIT_OK;
}
