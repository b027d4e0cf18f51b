#!/usr/bin/env bash
# PDQ Hamming index: 10M-hash bank, threshold 31, 2 threads, paired layout
# (the default). Each run prints build time, RSS, queries/s (best of 3 wall,
# and CPU time per query, which load from other processes does not inflate;
# then the same batch on one thread: the per-core figure), and the baseline
# measured in the same run: the blocked linear popcount scan (2 threads) on a
# subsample of the same queries, whose results are checked to be identical.
# The last run is the previous default (classic MIH, 11 tables) for
# comparison. HINDEX_N / HINDEX_Q / HINDEX_BRUTE override sizes.
set -euo pipefail
bin="${VIGIL_BUILD:-build}/bench_hindex"
n=${HINDEX_N:-10000000}
q=${HINDEX_Q:-100000}
b=${HINDEX_BRUTE:-200}
out="${BENCH_OUT:-bench-out}/hindex.txt"
mkdir -p "$(dirname "$out")"
{
  echo "# paired layout, clustered bank (realistic: near-duplicate clusters)"
  "$bin" -n "$n" -q "$q" -b "$b" -t 31 -j 2 -r 3
  echo "# paired layout, uniform random bank"
  "$bin" -n "$n" -q "$q" -b "$b" -t 31 -j 2 -r 3 -u
  echo "# previous default for comparison: classic MIH, 11 tables, clustered bank"
  "$bin" -n "$n" -q "$((q / 4))" -b "$b" -t 31 -j 2 -r 1 -m 11
} | tee "$out"
