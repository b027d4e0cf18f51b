#!/usr/bin/env bash
# Seeded ranking quality on ego-Twitter circles: median AUC of plain PPR
# (baseline) vs vigil_graph_rank_seeded(). Skipped when the shared data is absent.
set -euo pipefail
data=${VIGIL_SHARED_DATA:?}
d="$data/ego-twitter"
if [ ! -r "$d/twitter_combined.reconstructed.txt.gz" ] || [ ! -r "$d/twitter-ego-circles.tar.gz" ]; then
  echo "SKIP: ego-Twitter data absent under $d"; exit 0
fi
out="$BENCH_OUT/ego-circles"
mkdir -p "$out"
[ -d "$out/twitter/circles" ] || tar -xzf "$d/twitter-ego-circles.tar.gz" -C "$out"
"$VIGIL_BUILD/bench_circles" "$d/twitter_combined.reconstructed.txt.gz" "$out/twitter/circles"
