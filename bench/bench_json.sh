#!/usr/bin/env bash
# Twarc2 JSON parser throughput vs. the bare cJSON parse loop (see
# bench/bench_json.c). Input: the real twarc2 files of shared data repeated
# verbatim (ids NOT rewritten, so the same tweets recur) up to ~200 MB.
set -euo pipefail
src=${VIGIL_SHARED_DATA:-../shared/data}/twarc2
if [ ! -d "$src" ]; then echo "SKIP: $src is absent"; exit 0; fi
out=${BENCH_OUT:-/tmp}/twarc2_200mb.jsonl
target=$((200 * 1000 * 1000))
if [ ! -s "$out" ] || [ "$(stat -c %s "$out")" -lt "$target" ]; then
  tmp="$out.tmp"
  awk 1 "$src"/*.jsonl > "$tmp.one"   # awk 1: every line newline-terminated
  : > "$tmp"
  while [ "$(stat -c %s "$tmp")" -lt "$target" ]; do cat "$tmp.one" >> "$tmp"; done
  rm -f "$tmp.one"
  mv "$tmp" "$out"
fi
"${VIGIL_BUILD:-build}/bench_json" "$out" "${BENCH_RUNS:-3}"
