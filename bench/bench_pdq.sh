#!/usr/bin/env bash
# PDQ end to end on ~200 1 MP JPEGs made from the shared benign and PDQ test
# images (skipped when the shared data is absent).
set -euo pipefail
data=${VIGIL_SHARED_DATA:?}
if [ ! -d "$data/benign-images" ] || [ ! -d "$data/pdq" ]; then
  echo "SKIP: shared images absent under $data"; exit 0
fi
out="$BENCH_OUT/pdq-images"
mkdir -p "$out"
if [ "$(ls "$out" | grep -c '\.jpg$' || true)" -lt 200 ]; then
  mapfile -t srcs < <(find "$data/benign-images" "$data/pdq" -type f \
    \( -name '*.jpg' -o -name '*.png' -o -name '*.webp' \) -size -4M | sort)
  "$VIGIL_BUILD/bench_pdq" prepare "$out" 200 "${srcs[@]}"
fi
"$VIGIL_BUILD/bench_pdq" run "$out" "${BENCH_SECONDS:-3}"
