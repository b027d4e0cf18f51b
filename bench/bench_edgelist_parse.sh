#!/usr/bin/env bash
# Edge-list parse throughput on a 20M-edge synthetic SNAP-style file vs a
# bare fgets+strtoull loop over the same file (same run). Target: the parser
# alone >= 20M lines/s on one core. EDGES=n overrides the size.
set -euo pipefail
bin="$VIGIL_BUILD/bench_edgelist_parse"
edges=${EDGES:-20000000}
file="$BENCH_OUT/edgelist-$edges.txt"
if [ ! -s "$file" ]; then
  echo "generating $edges edges into $file"
  "$bin" --gen "$edges" "$file.tmp" && mv "$file.tmp" "$file"
fi
"$bin" "$file"
