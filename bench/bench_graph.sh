#!/usr/bin/env bash
# PPR: vigil vs igraph PRPACK (same graph, seeds, alpha, same run), CSR
# build time and memory; on ego-Twitter (shared data, skipped when absent)
# and on an in-process synthetic power-law graph (2M nodes, 100M edges by
# default: BENCH_GRAPH_NODES / BENCH_GRAPH_EDGES override, e.g. when igraph
# cannot fit 100M edges in this machine's memory). Each run prints the
# default (cache-blocked) kernel, the unblocked kernel and igraph.
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
# 20M edges on the same 2M nodes first (same rank-vector size, so the same
# cache behaviour, in a fifth of the time); BENCH_GRAPH_SMALL_EDGES=0 skips it
if [ "${BENCH_GRAPH_SMALL_EDGES:-20000000}" != 0 ]; then
  "$bin" synth "${BENCH_GRAPH_NODES:-2000000}" "${BENCH_GRAPH_SMALL_EDGES:-20000000}"
fi
"$bin" synth "${BENCH_GRAPH_NODES:-2000000}" "${BENCH_GRAPH_EDGES:-100000000}"
