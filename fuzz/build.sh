#!/usr/bin/env bash
# Builds every libFuzzer harness fuzz/fuzz_NAME.c with clang (ASan+UBSan) and
# runs each for FUZZ_SECONDS (default 20) on its seed corpus fuzz/corpus/NAME.
# A crash stops with the reproducer's path. FUZZ_SECONDS=0 only builds.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-build-fuzz}
secs=${FUZZ_SECONDS:-20}
CC=clang cmake -S . -B "$out" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DVIGIL_FUZZ=ON -DVIGIL_WERROR=OFF >/dev/null
targets=()
for f in fuzz/fuzz_*.c; do targets+=("$(basename "$f" .c)"); done
ninja -C "$out" "${targets[@]}"
[ "$secs" = 0 ] && exit 0
mkdir -p "$out/findings"
for t in "${targets[@]}"; do
  name=${t#fuzz_}
  corpus="$out/corpus/$name"
  mkdir -p "$corpus"
  [ -d "fuzz/corpus/$name" ] && cp -n fuzz/corpus/"$name"/* "$corpus"/ 2>/dev/null || true
  echo "== $t: ${secs}s"
  "$out/$t" -max_total_time="$secs" -max_len=65536 -rss_limit_mb=2048 \
    -artifact_prefix="$out/findings/$name-" "$corpus" 2>&1 | tail -n 3
done
echo "fuzz: all harnesses ran without a finding"
