#!/usr/bin/env bash
# PDQ Hamming index: 10M-hash clustered bank, threshold 31, 2 threads; the
# baseline is the blocked linear popcount scan (2 threads) on a subsample of
# the same queries, whose results are checked to be identical.
# HINDEX_N / HINDEX_Q / HINDEX_BRUTE override the sizes.
set -euo pipefail
bin="${VIGIL_BUILD:-build}/bench_hindex"
n=${HINDEX_N:-10000000}
q=${HINDEX_Q:-100000}
b=${HINDEX_BRUTE:-200}
out="${BENCH_OUT:-bench-out}/hindex.txt"
mkdir -p "$(dirname "$out")"
{
  echo "# clustered bank (realistic: near-duplicate clusters)"
  "$bin" -n "$n" -q "$q" -b "$b" -t 31 -j 2
  echo "# uniform random bank"
  "$bin" -n "$n" -q "$q" -b "$b" -t 31 -j 2 -u
} | tee "$out"
