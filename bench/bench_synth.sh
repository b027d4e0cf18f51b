#!/usr/bin/env bash
# vigil synth at scale: 2M accounts, ~100M follow edges, few posts.
# Target: < 10 minutes and < 8 GB max RSS on 2 cores / 24 GB.
# Baseline (same run, same disk): `head -c <same bytes> /dev/zero > file`,
# i.e. the time just to write that many bytes - the disk write floor.
# Optional second figure: the same generation into /dev/shm (tmpfs), which
# shows the CPU cost without the disk (skipped when /dev/shm lacks room).
set -euo pipefail
BIN=${VIGIL_BIN:-build/vigil}
OUT=${BENCH_OUT:-bench-out}
N=${SYNTH_ACCOUNTS:-2000000}
PPA=${SYNTH_POSTS:-0.2}
TIMEV=/usr/bin/time
[ -x "$TIMEV" ] || { echo "bench_synth: /usr/bin/time missing (apt-get install time)"; exit 1; }
mkdir -p "$OUT"
dir="$OUT/synth-net"
rm -rf "$dir"
trap 'rm -rf "$dir" "$OUT/synth-zero.bin" /dev/shm/vigil-bench-synth' EXIT

"$TIMEV" -v "$BIN" --quiet synth --accounts "$N" --posts-per-account "$PPA" --out "$dir" \
  > "$OUT/synth.stdout" 2> "$OUT/synth.time"
cat "$OUT/synth.stdout"
secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$OUT/synth.time")
rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$OUT/synth.time")
cpu=$(awk -F': ' '/Percent of CPU/ {print $2}' "$OUT/synth.time")
bytes=$(du -sb "$dir" | cut -f1)
edges=$(grep -o '[0-9]* follow edges' "$OUT/synth.stdout" | cut -d' ' -f1)
rm -rf "$dir"

t0=$(date +%s.%N)
head -c "$bytes" /dev/zero > "$OUT/synth-zero.bin"
t1=$(date +%s.%N)
rm -f "$OUT/synth-zero.bin"
base=$(echo "$t1 - $t0" | bc -l 2>/dev/null || python3 -c "print($t1 - $t0)")

awk -v n="$N" -v e="$edges" -v s="$secs" -v r="$rss" -v b="$bytes" -v base="$base" -v cpu="$cpu" 'BEGIN {
  printf "synth: %d accounts, %.0f edges, %.0f MB written in %.1f s (CPU %s), max RSS %.0f MB\n", n, e, b/1e6, s, cpu, r/1024;
  printf "synth: %.0f accounts/s, %.2f M edges/s, %.0f MB/s\n", n/s, e/s/1e6, b/1e6/s;
  printf "baseline (disk write floor: head -c %.0f /dev/zero > file): %.1f s, %.0f MB/s\n", b, base, b/1e6/base;
  printf "ratio synth/baseline: %.2fx\n", s/base;
  printf "targets: time < 600 s: %s; RSS < 8 GB: %s\n", (s < 600 ? "OK" : "MISSED"), (r < 8*1024*1024 ? "OK" : "MISSED");
}'

# CPU cost without the disk, if tmpfs has room for it
shm_free=$(df -B1 --output=avail /dev/shm 2>/dev/null | tail -1 || echo 0)
if [ "${shm_free:-0}" -gt $((bytes + bytes / 4)) ]; then
  t0=$(date +%s.%N)
  "$BIN" --quiet synth --accounts "$N" --posts-per-account "$PPA" --out /dev/shm/vigil-bench-synth >/dev/null
  t1=$(date +%s.%N)
  rm -rf /dev/shm/vigil-bench-synth
  awk -v a="$t0" -v b="$t1" -v s="$secs" 'BEGIN { printf "same generation into tmpfs (no disk): %.1f s (disk run %.2fx that)\n", b-a, s/(b-a) }'
else
  echo "tmpfs run skipped: /dev/shm has $((shm_free / 1000000)) MB free, needs $((bytes / 1000000)) MB"
fi
