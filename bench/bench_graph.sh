#!/usr/bin/env bash
# PPR: vigil vs igraph PRPACK (same graph, seeds, alpha, same run), CSR
# build time and memory; on ego-Twitter (shared data, skipped when absent)
# and on an in-process synthetic power-law graph (2M nodes, 100M edges by
# default: BENCH_GRAPH_NODES / BENCH_GRAPH_EDGES override, e.g. when igraph
# cannot fit 100M edges in this machine's memory).
set -euo pipefail
bin="$VIGIL_BUILD/bench_graph"
data=${VIGIL_SHARED_DATA:?}
ego="$data/ego-twitter/twitter_combined.reconstructed.txt.gz"
if [ -r "$ego" ]; then
  "$bin" ego "$ego"
  # the census path: the same edges written to a store once, loaded back
  "$bin" store "$ego" "$BENCH_OUT/graph-ego-store.db"
else
  echo "SKIP: $ego absent"
fi
"$bin" synth "${BENCH_GRAPH_NODES:-2000000}" "${BENCH_GRAPH_EDGES:-100000000}"
