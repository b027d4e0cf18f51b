/* bench_json FILE [runs]: throughput of the twarc2 parser (reader + UTF-8
 * check + vigil's JSON tree parser + record extraction, no-op sink) on FILE
 * held in memory, and of vigil's JSON tree parser alone ("vjt parse only":
 * vjt_parse per line into a reset arena), beside two baselines measured in
 * the same run on the same bytes:
 *   floor  - the bare cJSON parse loop (ParseWithLengthOpts per line) with
 *            a bump-arena allocator (what the parsers used before json_tree);
 *   naive  - the same loop with cJSON's default malloc/free.
 * Prints MB/s (1 MB = 1e6 bytes), records/s and the ratios to the floor.
 * Best of `runs` (default 3) for each. Times are this thread's CPU time, not
 * wall time, so that other load on a shared machine does not skew them. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ingest/json_tree.h"
#include "vigil/parse.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* ---- baseline arena (same scheme as src/ingest/json_common.c) ---- */
static char *arena;
static size_t arena_cap, arena_used;
static void *a_malloc(size_t n) {
  n = (n + 15) & ~(size_t)15;
  if (arena_used + n > arena_cap) return NULL;
  void *p = arena + arena_used;
  arena_used += n;
  return p;
}
static void a_free(void *p) { (void)p; }

static size_t floor_loop(const char *buf, size_t len, int use_arena) {
  size_t values = 0;
  cJSON_Hooks h = {a_malloc, a_free};
  for (const char *p = buf, *e = buf + len; p < e;) {
    const char *nl = memchr(p, '\n', (size_t)(e - p));
    size_t n = nl ? (size_t)(nl - p) : (size_t)(e - p);
    if (n) {
      if (use_arena) cJSON_InitHooks(&h);
      cJSON *root = cJSON_ParseWithLengthOpts(p, n, NULL, 0);
      if (use_arena) cJSON_InitHooks(NULL);
      if (root) values++;
      if (!use_arena) cJSON_Delete(root);
      arena_used = 0;
    }
    p += n + 1;
  }
  return values;
}

static size_t vjt_loop(const char *buf, size_t len, vjt_arena *a) {
  size_t values = 0;
  for (const char *p = buf, *e = buf + len; p < e;) {
    const char *nl = memchr(p, '\n', (size_t)(e - p));
    size_t n = nl ? (size_t)(nl - p) : (size_t)(e - p);
    if (n) {
      vjt_node *root;
      if (vjt_parse(a, p, n, &root, NULL) == 0) values++;
      vjt_arena_reset(a);
    }
    p += n + 1;
  }
  return values;
}

typedef struct counts { size_t posts, accounts, other, rejects; } counts;
static int c_account(void *c, const vigil_srcpos *p, const vigil_account *a) { ((counts *)c)->accounts++; return 0; }
static int c_post(void *c, const vigil_srcpos *p, const vigil_post *x) { ((counts *)c)->posts++; return 0; }
static int c_status(void *c, const vigil_srcpos *p, const vigil_status_obs *s) { ((counts *)c)->other++; return 0; }
static int c_edge(void *c, const vigil_srcpos *p, const vigil_edge *e) { ((counts *)c)->other++; return 0; }
static int c_reject(void *c, const vigil_srcpos *p, const char *f, const char *r) { ((counts *)c)->rejects++; return 0; }

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: bench_json FILE [runs]\n");
    return 2;
  }
  int runs = argc > 2 ? atoi(argv[2]) : 3;
  if (runs < 1) runs = 1;
  FILE *f = fopen(argv[1], "rb");
  if (!f) { perror(argv[1]); return 1; }
  fseek(f, 0, SEEK_END);
  long sz = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = malloc((size_t)sz + 1);
  if (!buf || fread(buf, 1, (size_t)sz, f) != (size_t)sz) { fprintf(stderr, "read failed\n"); return 1; }
  fclose(f);
  size_t len = (size_t)sz, longest = 0;
  for (const char *p = buf, *e = buf + len; p < e;) {
    const char *nl = memchr(p, '\n', (size_t)(e - p));
    size_t n = nl ? (size_t)(nl - p) : (size_t)(e - p);
    if (n > longest) longest = n;
    p += n + 1;
  }
  arena_cap = longest * 16 + (1 << 20);
  arena = malloc(arena_cap);
  double mb = len / 1e6;

  double best_naive = 1e9, best_floor = 1e9, best_parse = 1e9, best_utf8 = 1e9, best_vjt = 1e9;
  counts cnt = {0};
  size_t values = 0, vjt_values = 0;
  vjt_arena va;
  vjt_arena_init(&va);
  /* BENCH_JSON_PARSER_ONLY=1: skip the baselines (for profiling) */
  int parser_only = getenv("BENCH_JSON_PARSER_ONLY") != NULL;
  for (int r = 0; r < runs; r++) {
    double t0, t1;
    if (parser_only) goto parser;
    t0 = now();
    int ok = vigil_utf8_valid(buf, len);
    t1 = now();
    if (!ok) fprintf(stderr, "note: input is not valid UTF-8\n");
    if (t1 - t0 < best_utf8) best_utf8 = t1 - t0;

    t0 = now();
    values = floor_loop(buf, len, 0);
    t1 = now();
    if (t1 - t0 < best_naive) best_naive = t1 - t0;

    t0 = now();
    values = floor_loop(buf, len, 1);
    t1 = now();
    if (t1 - t0 < best_floor) best_floor = t1 - t0;

    t0 = now();
    vjt_values = vjt_loop(buf, len, &va);
    t1 = now();
    if (t1 - t0 < best_vjt) best_vjt = t1 - t0;

  parser:;
    vigil_reader *rd;
    if (vigil_reader_open_mem(buf, len, "bench", &rd)) return 1;
    memset(&cnt, 0, sizeof cnt);
    vigil_sink s = {&cnt, c_account, c_post, c_status, c_edge, c_reject, NULL};
    t0 = now();
    int rc = vigil_parse_twarc2(rd, NULL, &s);
    t1 = now();
    vigil_reader_free(rd);
    if (rc) { fprintf(stderr, "parse failed: %d\n", rc); return 1; }
    if (t1 - t0 < best_parse) best_parse = t1 - t0;
  }
  size_t recs = cnt.posts + cnt.accounts + cnt.other;
  if (parser_only) {
    printf("vigil twarc2 parser   : %8.1f MB/s  %.2f M records/s (baselines skipped)\n",
           mb / best_parse, recs / best_parse / 1e6);
    vjt_arena_free(&va);
    free(arena);
    free(buf);
    return 0;
  }
  printf("input: %.1f MB, %zu JSON lines parsed by cJSON, %zu by vjt, longest line %zu bytes\n", mb,
         values, vjt_values, longest);
  printf("records: %zu posts, %zu accounts, %zu other, %zu rejects\n", cnt.posts, cnt.accounts,
         cnt.other, cnt.rejects);
  printf("utf8 validation       : %8.1f MB/s\n", mb / best_utf8);
  printf("baseline cJSON+malloc : %8.1f MB/s\n", mb / best_naive);
  printf("floor    cJSON+arena  : %8.1f MB/s\n", mb / best_floor);
  printf("vjt parse only        : %8.1f MB/s  (%.2fx floor; target >= 2.3x)\n", mb / best_vjt,
         best_floor / best_vjt);
  printf("vigil twarc2 parser   : %8.1f MB/s  %.2f M records/s  (%.2fx floor, %.2fx naive cJSON; target >= 1.6x floor)\n",
         mb / best_parse, recs / best_parse / 1e6, best_floor / best_parse, best_naive / best_parse);
  printf("targets: vjt %s, parser %s\n", best_floor / best_vjt >= 2.3 ? "MET" : "NOT MET",
         best_floor / best_parse >= 1.6 ? "MET" : "NOT MET");
  vjt_arena_free(&va);
  free(arena);
  free(buf);
  return 0;
}
