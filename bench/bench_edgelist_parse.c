/* Edge-list parse throughput vs a bare fgets + strtoull loop over the same
 * file, in the same run.
 *
 *   bench_edgelist_parse --gen N FILE   writes N deterministic SNAP-style lines
 *   bench_edgelist_parse FILE           measures (best of 3 runs each)
 *
 * Rates are per CPU second of this (single-threaded) process, so they mean
 * "one core" even when other work shares the machine; the total wall time of
 * the measuring runs is printed too.
 *
 * Generated ids are power-law-ish (a few hubs, a long tail, up to 9 digits,
 * like Twitter user ids in SNAP); one line in ten carries a weight, one in
 * 10,000 is a comment.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ingest/edgelist.h"
#include "vigil/error.h"
#include "vigil/parse.h"

/* CPU time of this process: the figure that means "one core" on a shared
 * machine; wall time is printed beside it */
static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}
static double wall(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static volatile uint64_t g_sink; /* keeps measured work observable */
static uint64_t rng = 0x853C49E6748FEA9BULL;
static uint64_t next_rand(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

/* u in (0,1]; id ~ u^-1.2 scaled: heavy head, long tail */
static uint64_t pl_id(void) {
  double u = ((double)(next_rand() >> 11) + 1.0) / 9007199254740992.0;
  double v = pow(u, -1.2);
  uint64_t id = (uint64_t)(v * 1000.0) % 900000000ULL;
  return id + 12;
}

static int generate(uint64_t n, const char *path) {
  FILE *f = fopen(path, "w");
  if (!f) return 1;
  setvbuf(f, NULL, _IOFBF, 1 << 20);
  fprintf(f, "# Directed graph: synthetic power-law-ish edge list\n# Nodes: ? Edges: %llu\n",
          (unsigned long long)n);
  for (uint64_t i = 0; i < n; i++) {
    uint64_t s = pl_id(), d = pl_id();
    uint64_t r = next_rand();
    if (r % 10000 == 0) fprintf(f, "# checkpoint comment %llu\n", (unsigned long long)i);
    if (r % 10 == 1)
      fprintf(f, "%llu\t%llu\t%llu\n", (unsigned long long)s, (unsigned long long)d,
              (unsigned long long)(1 + (r >> 20) % 50));
    else
      fprintf(f, "%llu %llu\n", (unsigned long long)s, (unsigned long long)d);
  }
  return fclose(f) != 0;
}

typedef struct tally {
  uint64_t edges, rejects, ckpts, sum;
} tally;

static int t_edge(void *ctx, const vigil_srcpos *pos, const vigil_edge *e) {
  tally *t = ctx;
  t->edges++;
  t->sum += e->src.platform_id.len + e->dst.platform_id.len + (uint64_t)e->weight;
  return 0;
}
static int t_batch(void *ctx, const vigil_edge *e, size_t n) {
  for (size_t i = 0; i < n; i++) t_edge(ctx, NULL, &e[i]);
  return 0;
}
static int t_reject(void *ctx, const vigil_srcpos *pos, const char *f, const char *r) {
  ((tally *)ctx)->rejects++;
  return 0;
}
static int t_ckpt(void *ctx, const vigil_srcpos *next) {
  ((tally *)ctx)->ckpts++;
  return 0;
}

/* baseline: the loop anyone would write first */
static double run_baseline(const char *path, uint64_t *edges) {
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  char line[4096];
  uint64_t n = 0, sum = 0;
  double t0 = now();
  while (fgets(line, sizeof line, f)) {
    if (line[0] == '#' || line[0] == '%' || line[0] == '\n') continue;
    char *end;
    unsigned long long s = strtoull(line, &end, 10);
    unsigned long long d = strtoull(end, &end, 10);
    unsigned long long w = strtoull(end, &end, 10);
    sum += s ^ d ^ w;
    n++;
  }
  double dt = now() - t0;
  fclose(f);
  g_sink = sum;
  *edges = n;
  return dt;
}

static double run_reader_only(const char *path, uint64_t *lines) {
  vigil_reader *r;
  if (vigil_reader_open(path, &r)) return -1;
  vigil_str l;
  uint64_t n = 0, bytes = 0;
  double t0 = now();
  while (vigil_reader_getline(r, &l) == 1) n++, bytes += l.len;
  double dt = now() - t0;
  vigil_reader_free(r);
  g_sink = bytes;
  *lines = n;
  return dt;
}

static double run_vigil(const char *path, int batch, tally *t) {
  vigil_reader *r;
  if (vigil_reader_open(path, &r)) return -1;
  vigil_parse_opts o;
  vigil_parse_opts_init(&o);
  memset(t, 0, sizeof *t);
  vigil_sink s = {t, NULL, NULL, NULL, t_edge, t_reject, t_ckpt};
  double t0 = now();
  int rc = batch ? vigil_parse_edgelist_batch(r, &o, &s, t_batch, t) : vigil_parse_edgelist(r, &o, &s);
  double dt = now() - t0;
  vigil_reader_free(r);
  if (rc) {
    fprintf(stderr, "parse failed: %s\n", vigil_strerror(rc));
    return -1;
  }
  return dt;
}

int main(int argc, char **argv) {
  if (argc == 4 && strcmp(argv[1], "--gen") == 0) {
    uint64_t n = strtoull(argv[2], NULL, 10);
    if (generate(n, argv[3])) {
      perror(argv[3]);
      return 1;
    }
    return 0;
  }
  if (argc != 2) {
    fprintf(stderr, "usage: %s FILE | --gen N FILE\n", argv[0]);
    return 2;
  }
  const char *path = argv[1];
  FILE *f = fopen(path, "rb");
  if (!f) {
    perror(path);
    return 1;
  }
  fseek(f, 0, SEEK_END);
  double mb = (double)ftell(f) / 1e6;
  fclose(f);

  double best_base = 1e9, best_read = 1e9, best_v = 1e9, best_b = 1e9;
  uint64_t base_edges = 0, lines = 0;
  tally tv = {0}, tb = {0};
  double w0 = wall();
  for (int rep = 0; rep < 3; rep++) {
    double d = run_baseline(path, &base_edges);
    if (d < 0) return 1;
    if (d < best_base) best_base = d;
    d = run_reader_only(path, &lines);
    if (d < 0) return 1;
    if (d < best_read) best_read = d;
    d = run_vigil(path, 0, &tv);
    if (d < 0) return 1;
    if (d < best_v) best_v = d;
    d = run_vigil(path, 1, &tb);
    if (d < 0) return 1;
    if (d < best_b) best_b = d;
  }
  if (tv.edges != base_edges || tb.edges != base_edges || tv.rejects || tb.rejects) {
    fprintf(stderr, "mismatch: baseline %llu edges, vigil %llu (%llu rejects), batch %llu\n",
            (unsigned long long)base_edges, (unsigned long long)tv.edges,
            (unsigned long long)tv.rejects, (unsigned long long)tb.edges);
    return 1;
  }
  double e = (double)base_edges;
  printf("file: %.1f MB, %llu lines, %llu edges (best of 3 runs, page cache warm, CPU time; "
         "all runs took %.1f s wall)\n",
         mb, (unsigned long long)lines, (unsigned long long)base_edges, wall() - w0);
  printf("%-40s %8.3f s %8.2f M lines/s %8.1f MB/s\n", "baseline fgets+strtoull", best_base,
         e / best_base / 1e6, mb / best_base);
  printf("%-40s %8.3f s %8.2f M lines/s %8.1f MB/s\n", "vigil_reader_getline only", best_read,
         (double)lines / best_read / 1e6, mb / best_read);
  printf("%-40s %8.3f s %8.2f M lines/s %8.1f MB/s  ratio %.2fx baseline\n",
         "vigil_parse_edgelist (edge+ckpt/line)", best_v, e / best_v / 1e6, mb / best_v,
         best_base / best_v);
  printf("%-40s %8.3f s %8.2f M lines/s %8.1f MB/s  ratio %.2fx baseline\n",
         "vigil_parse_edgelist_batch", best_b, e / best_b / 1e6, mb / best_b, best_base / best_b);
  printf("target: parser >= 20 M lines/s: %s\n", e / best_v / 1e6 >= 20.0 ? "met" : "NOT met");
  return 0;
}
