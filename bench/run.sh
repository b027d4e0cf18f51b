#!/usr/bin/env bash
# make bench: builds the benchmark programs and runs every bench/bench_*.sh.
# Each script prints its figures beside the baseline it measures in the same
# run. BENCH_ONLY=name runs only bench/bench_name.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
targets=()
for f in bench/bench_*.c; do [ -e "$f" ] && targets+=("$(basename "$f" .c)"); done
[ ${#targets[@]} -gt 0 ] && ninja -C "$build" "${targets[@]}"
export VIGIL_BUILD="$PWD/$build" VIGIL_BIN="$PWD/$build/vigil"
export VIGIL_SHARED_DATA=${VIGIL_SHARED_DATA:-$PWD/../shared/data}
export BENCH_OUT=${BENCH_OUT:-$PWD/bench-out}
mkdir -p "$BENCH_OUT"
for s in bench/bench_*.sh; do
  n=$(basename "$s" .sh); n=${n#bench_}
  [ -n "${BENCH_ONLY:-}" ] && [ "$BENCH_ONLY" != "$n" ] && continue
  echo "==================== bench: $n"
  bash "$s"
done
