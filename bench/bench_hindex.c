/* bench_hindex: builds a PDQ bank (clustered or uniform), times the
 * multi-index query path against the linear popcount scan (the baseline, 2
 * threads too) on a subsample, checks both return identical results and
 * reports build time, RSS, queries/s and the ratio.
 *
 * The machine it runs on may be shared: the query batch is repeated -r times
 * and the best wall time and the best CPU time (all threads) are reported;
 * CPU time per query is the figure that load on other cores does not skew.
 *
 * usage: bench_hindex [-n bank] [-q queries] [-b brute_queries] [-t threshold]
 *                     [-m tables] [-d dir_bits] [-u] [-j threads] [-s seed]
 *                     [-r repeats]
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vigil/error.h"
#include "vigil/hindex.h"

static uint64_t rng_state;
static uint64_t rnd(void) { /* splitmix64 */
  uint64_t z = (rng_state += UINT64_C(0x9e3779b97f4a7c15));
  z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
  return z ^ (z >> 31);
}
static void rnd_hash(uint8_t *h) {
  for (int k = 0; k < 4; k++) {
    uint64_t v = rnd();
    memcpy(h + 8 * k, &v, 8);
  }
}
/* flips exactly k distinct bits */
static void flip_bits(uint8_t *h, int k) {
  uint8_t used[256] = {0};
  while (k > 0) {
    int b = (int)(rnd() % 256);
    if (used[b]) continue;
    used[b] = 1;
    h[b / 8] ^= (uint8_t)(1u << (b % 8));
    k--;
  }
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double cpu_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static long status_kb_in(const char *file, const char *key) {
  FILE *f = fopen(file, "r");
  if (!f) return -1;
  char line[256];
  long v = -1;
  size_t kl = strlen(key);
  while (fgets(line, sizeof line, f))
    if (!strncmp(line, key, kl)) v = strtol(line + kl + 1, NULL, 10);
  fclose(f);
  return v;
}
static long status_kb(const char *key) { return status_kb_in("/proc/self/status", key); }

int main(int argc, char **argv) {
  size_t n = 10000000, nq = 200000, nbrute = 1000;
  int thr = 31, uniform = 0, threads = 2, reps = 3;
  vigil_hindex_opts opts = {0};
  rng_state = 42;
  int c;
  while ((c = getopt(argc, argv, "n:q:b:t:m:d:uj:s:r:h")) != -1) {
    switch (c) {
      case 'n': n = strtoull(optarg, NULL, 10); break;
      case 'q': nq = strtoull(optarg, NULL, 10); break;
      case 'b': nbrute = strtoull(optarg, NULL, 10); break;
      case 't': thr = atoi(optarg); break;
      case 'm': opts.tables = atoi(optarg); break;
      case 'd': opts.dir_bits_max = atoi(optarg); break;
      case 'u': uniform = 1; break;
      case 'j': threads = atoi(optarg); break;
      case 's': rng_state = strtoull(optarg, NULL, 10); break;
      case 'r': reps = atoi(optarg) > 0 ? atoi(optarg) : 1; break;
      default:
        fprintf(stderr, "usage: bench_hindex [-n bank] [-q queries] [-b brute] [-t thr] "
                        "[-m tables] [-d dirbits] [-u] [-j threads] [-s seed] [-r repeats]\n");
        return c == 'h' ? 0 : 2;
    }
  }
  if (nbrute > nq) nbrute = nq;
  vigil_hindex *ix;
  int rc = vigil_hindex_create(&ix, &opts);
  if (rc) return fprintf(stderr, "create: %s\n", vigil_strerror(rc)), 1;

  /* Clustered bank: half singletons, half in clusters of 2..32 variants of a
   * random centre (each variant 0..24 bits away), like re-encodes and crops
   * of the same picture. Streamed in chunks (vigil_hindex_append) so the
   * bench holds no second copy of the bank. */
  double t0 = now();
  const size_t chunk = 65536;
  uint64_t *ids = malloc(chunk * sizeof *ids);
  uint8_t *hs = malloc(chunk * 32), centre[32];
  int left_in_cluster = 0;
  size_t done = 0;
  while (done < n && !rc) {
    size_t k = n - done < chunk ? n - done : chunk;
    for (size_t j = 0; j < k; j++) {
      ids[j] = done + j;
      uint8_t *h = hs + 32 * j;
      if (uniform) {
        rnd_hash(h);
        continue;
      }
      if (left_in_cluster == 0) {
        if (rnd() % 2) {
          rnd_hash(h);
          continue;
        }
        rnd_hash(centre);
        left_in_cluster = 2 + (int)(rnd() % 31);
      }
      memcpy(h, centre, 32);
      flip_bits(h, (int)(rnd() % 25));
      left_in_cluster--;
    }
    rc = vigil_hindex_append(ix, ids, hs, k);
    done += k;
  }
  double t_gen = now() - t0;
  if (!rc) rc = vigil_hindex_build(ix);
  double t_build = now() - t0;
  free(ids);
  free(hs);
  if (rc) return fprintf(stderr, "build: %s\n", vigil_strerror(rc)), 1;
  long rss = status_kb("VmRSS:"), hwm = status_kb("VmHWM:");
  if (opts.tables)
    printf("bank: %zu hashes (%s), classic layout, %d tables\n", n,
           uniform ? "uniform" : "clustered", opts.tables);
  else
    printf("bank: %zu hashes (%s), paired layout (8 chunks x 2 tables)\n", n,
           uniform ? "uniform" : "clustered");
  printf("build: %.2f s total (%.2f s generate+append, %.2f s index build)\n", t_build, t_gen,
         t_build - t_gen);
  long thp = status_kb_in("/proc/self/smaps_rollup", "AnonHugePages:");
  printf("memory: RSS %.0f MB, peak RSS %.0f MB, index heap %.0f MB (%.0f MB on huge pages)\n",
         rss / 1024.0, hwm / 1024.0, vigil_hindex_memory(ix) / 1048576.0, thp / 1024.0);

  /* queries: half near-duplicates of bank entries (10..30 bits flipped),
   * half uniform random */
  uint8_t *q = malloc(nq * 32);
  for (size_t j = 0; j < nq; j++) {
    if (j % 2 == 0 && n) {
      vigil_hindex_get(ix, rnd() % n, q + 32 * j);
      flip_bits(q + 32 * j, 10 + (int)(rnd() % 21));
    } else {
      rnd_hash(q + 32 * j);
    }
  }
  vigil_hindex_hits *res = calloc(nq, sizeof *res);
  vigil_hindex_hits *bres = calloc(nbrute ? nbrute : 1, sizeof *bres);
  double t1, c1, t_idx = 1e300, c_idx = 1e300;
  for (int rep = 0; rep < reps && !rc; rep++) {
    t1 = now();
    c1 = cpu_now();
    rc = vigil_hindex_query_batch(ix, q, nq, thr, 0, threads, res);
    double tw = now() - t1, tc = cpu_now() - c1;
    if (tw < t_idx) t_idx = tw;
    if (tc < c_idx) c_idx = tc;
  }
  /* the same batch on one thread: per-core figures without the second
   * thread competing for memory bandwidth and shared cache */
  double t_one = 1e300, c_one = 1e300;
  if (!rc && threads > 1) {
    t1 = now();
    c1 = cpu_now();
    rc = vigil_hindex_query_batch(ix, q, nq, thr, 0, 1, res);
    t_one = now() - t1;
    c_one = cpu_now() - c1;
  }
#ifdef HX_STATS
  extern _Atomic unsigned long hx_stat_probes, hx_stat_scanned, hx_stat_cands, hx_stat_linear;
  printf("per query: %.0f bucket probes, %.0f entries scanned, %.0f candidates verified, "
         "%.0f linear\n", (double)hx_stat_probes / nq, (double)hx_stat_scanned / nq,
         (double)hx_stat_cands / nq, (double)hx_stat_linear / nq);
#endif
  if (rc) return fprintf(stderr, "query: %s\n", vigil_strerror(rc)), 1;
  t1 = now();
  c1 = cpu_now();
  rc = vigil_hindex_query_batch(ix, q, nbrute, thr, VIGIL_HINDEX_LINEAR, threads, bres);
  double t_lin = now() - t1, c_lin = cpu_now() - c1;
  if (rc) return fprintf(stderr, "linear: %s\n", vigil_strerror(rc)), 1;
  size_t mismatch = 0, hits = 0, hits_sub = 0, with_hit = 0;
  for (size_t j = 0; j < nq; j++) {
    hits += res[j].n;
    with_hit += res[j].n > 0;
  }
  for (size_t j = 0; j < nbrute; j++) {
    hits_sub += bres[j].n;
    int same = bres[j].n == res[j].n;
    for (size_t k = 0; same && k < res[j].n; k++)
      same = bres[j].v[k].id == res[j].v[k].id && bres[j].v[k].distance == res[j].v[k].distance;
    mismatch += !same;
  }
  double qps = nq / t_idx, lqps = nbrute / t_lin;
  printf("index:    %zu queries at threshold %d on %d threads (best of %d): %.3f s, "
         "%.0f queries/s wall; %.1f us CPU/query = %.0f queries/s per %d fully available "
         "cores (%zu hits, %zu queries with a hit)\n",
         nq, thr, threads, reps, t_idx, qps, 1e6 * c_idx / nq, threads * nq / c_idx, threads,
         hits, with_hit);
  if (threads > 1)
    printf("index 1 thread: %.3f s, %.0f queries/s wall; %.1f us CPU/query = %.0f queries/s "
           "per fully available core\n",
           t_one, nq / t_one, 1e6 * c_one / nq, nq / c_one);
  printf("baseline: linear popcount scan, %zu queries on %d threads: %.3f s, %.1f queries/s "
         "(%.0f us CPU/query)\n",
         nbrute, threads, t_lin, lqps, 1e6 * c_lin / (nbrute ? nbrute : 1));
  printf("ratio: index is %.0fx the linear scan (wall), %.0fx (CPU per query)\n", qps / lqps,
         (c_lin / (nbrute ? nbrute : 1)) / (c_idx / nq));
  printf("verify: %zu/%zu subsample queries identical to the linear scan (%zu hits)%s\n",
         nbrute - mismatch, nbrute, hits_sub, mismatch ? "  MISMATCH" : "");
  for (size_t j = 0; j < nq; j++) vigil_hindex_hits_release(&res[j]);
  for (size_t j = 0; j < nbrute; j++) vigil_hindex_hits_release(&bres[j]);
  free(res);
  free(bres);
  free(q);
  vigil_hindex_free(ix);
  return mismatch ? 1 : 0;
}
