#!/usr/bin/env bash
# End-to-end ingest throughput (vigil ingest into a fresh store), each beside
# a baseline measured in the same run:
#  - twarc2 JSON lines: the real twarc2 files repeated with every id rewritten
#    per copy (so every tweet and user is new), ~200 MB; baseline: the bare
#    cJSON parse loop over the same file (bench_json), the floor.
#  - a 20M-edge synthetic edge list; baseline: `sqlite3 .import` of the same
#    file into a plain two-column table.
# JSON_MB and EDGES override the sizes.
set -euo pipefail
V=${VIGIL_BIN:-build/vigil}
OUT=${BENCH_OUT:-bench-out}
mkdir -p "$OUT"
now() { date +%s.%N; }
# timed OUTFILE cmd...: runs cmd, writes "wall user sys" into OUTFILE
timed() { local o=$1; shift; /usr/bin/time -f "%e %U %S" -o "$o" "$@"; }
cpu_of() { tail -n 1 "$1" | awk '{printf "%.2f", $2 + $3}'; }
wall_of() { tail -n 1 "$1" | awk '{printf "%.2f", $1}'; }
secs() { python3 -c "print('%.3f' % ($2 - $1))"; }
# a ratio, or "n/a" when the divisor rounds to 0 s (tiny EDGES)
ratio() { python3 -c "print('%.2f' % ($1 / $2) if $2 > 0 else 'n/a')"; }

src=${VIGIL_SHARED_DATA:-../shared/data}/twarc2
json_mb=${JSON_MB:-200}
jf="$OUT/ingest-twarc2-${json_mb}mb.jsonl"
if [ -d "$src" ]; then
  if [ ! -s "$jf" ]; then
    python3 - "$src" "$jf" "$json_mb" <<'PY'
import glob, os, re, sys
src, out, mb = sys.argv[1], sys.argv[2], int(sys.argv[3])
lines = []
for f in sorted(glob.glob(os.path.join(src, "*.jsonl"))):
    if "compliance" in f or "counts" in f or "lists" in f:
        continue
    for line in open(f, encoding="utf-8"):
        line = line.strip()
        if line.startswith("{"):
            lines.append(line)
idre = re.compile(r'"(\d{6,19})"')
target = mb * 1000 * 1000
written, k = 0, 0
with open(out + ".tmp", "w", encoding="utf-8") as o:
    while written < target:
        k += 1
        # every id of copy k becomes a distinct one
        sub = lambda m: '"%d"' % (int(m.group(1)) + k * 7919 * 10**12)
        for line in lines:
            s = idre.sub(sub, line) + "\n"
            o.write(s)
            written += len(s.encode("utf-8"))
os.rename(out + ".tmp", out)
PY
  fi
  bytes=$(stat -c %s "$jf")
  # best of JSON_RUNS (default 7): on a shared host the least disturbed run
  # is the closest to the program's own cost, since other tenants only ever
  # add time. The noise here comes in phases of seconds to minutes: the same
  # binary takes ~1.05-1.2 s of CPU in a quiet phase and ~1.55-1.8 s in a
  # busy one, every function slower alike (measured in sessions 6 and 7), so
  # a median of five is the host's phase more than the program. Seven runs
  # make a best drawn from a busy phase rarer; every run and the median are
  # printed too.
  runs=${JSON_RUNS:-7} best_cpu= best_wall= all_cpu=
  for i in $(seq "$runs"); do
    rm -f "$OUT/ingest-json.db"*
    timed "$OUT/t-json" "$V" --db "$OUT/ingest-json.db" --quiet ingest --format twarc2 "$jf" > "$OUT/ingest-json.out" 2> /dev/null || true
    c=$(cpu_of "$OUT/t-json"); w=$(wall_of "$OUT/t-json")
    all_cpu="$all_cpu $c"
    if [ -z "$best_cpu" ] || python3 -c "import sys; sys.exit(0 if $c < $best_cpu else 1)"; then best_cpu=$c; fi
    if [ -z "$best_wall" ] || python3 -c "import sys; sys.exit(0 if $w < $best_wall else 1)"; then best_wall=$w; fi
  done
  recs=$(awk '/records/ {print $3; exit}' "$OUT/ingest-json.out")
  el=$best_wall; cpu=$best_cpu
  echo "twarc2 JSON ingest, end to end, best of $runs: $(python3 -c "print('%.1f MB, %s records: wall %s s = %.1f MB/s, %.0f records/s; CPU %s s = %.1f MB/s per core' % ($bytes/1e6, '$recs', '$el', $bytes/1e6/$el, $recs/$el, '$cpu', $bytes/1e6/$cpu))")"
  echo "  CPU of each run (s):$all_cpu; median $(python3 -c "import statistics; m = statistics.median([float(x) for x in '$all_cpu'.split()]); print('%.2f s = %.1f MB/s per core' % (m, $bytes/1e6/m))")"
  if [ -x "${VIGIL_BUILD:-build}/bench_json" ]; then
    echo "baseline (same file): the parser alone and the bare cJSON parse loop:"
    "${VIGIL_BUILD:-build}/bench_json" "$jf" "$runs" | tee "$OUT/bench-json.out" | sed 's/^/  /'
    floor=$(awk '/floor/ {print $(NF-1); exit}' "$OUT/bench-json.out")
    if [ -n "$floor" ]; then
      python3 -c "
e2e = $bytes / 1e6 / $cpu
print('end to end per core / cJSON floor of this run: %.2f (target 150 MB/s per core: %s; the issue measured cJSON at 306 MB/s, so 150 MB/s is 0.49x of it; host speed varies, hence the ratio)' % (e2e / $floor, 'MET' if e2e >= 150 else 'NOT MET'))"
    fi
  fi
  rm -f "$OUT/ingest-json.db"*
else
  echo "SKIP: $src absent (twarc2 JSON ingest bench)"
fi

edges=${EDGES:-20000000}
ef="$OUT/edgelist-$edges.txt"
if [ ! -s "$ef" ]; then
  "${VIGIL_BUILD:-build}/bench_edgelist_parse" --gen "$edges" "$ef.tmp" > /dev/null && mv "$ef.tmp" "$ef"
fi
bytes=$(stat -c %s "$ef")
rm -f "$OUT/ingest-edges.db"* "$OUT/import.db"*
timed "$OUT/t-edges" "$V" --db "$OUT/ingest-edges.db" --quiet ingest --format edgelist "$ef" > "$OUT/ingest-edges.out"
ev=$(wall_of "$OUT/t-edges"); evc=$(cpu_of "$OUT/t-edges")
timed "$OUT/t-import" sqlite3 "$OUT/import.db" "CREATE TABLE e(src, dst);" ".separator ' '" ".import '$ef' e" 2> /dev/null
es=$(wall_of "$OUT/t-import"); esc=$(cpu_of "$OUT/t-import")
stored=$("$V" --db "$OUT/ingest-edges.db" stats --json --top 0 | python3 -c 'import json,sys; print(json.load(sys.stdin)["edges"]["follow"])')
echo "edge list ingest ($edges lines, $stored distinct edges stored): vigil wall $ev s = $(python3 -c "print('%.2f M edges/s, %.1f MB/s' % ($edges/1e6/$ev, $bytes/1e6/$ev) if $ev > 0 else 'too fast to time')"), CPU $evc s (2 threads)"
echo "baseline sqlite3 .import of the same file: wall $es s = $(python3 -c "print('%.2f M rows/s' % ($edges/1e6/$es) if $es > 0 else 'too fast to time')"), CPU $esc s"
echo "ratio sqlite3 .import / vigil: wall $(ratio "$es" "$ev")x, CPU $(ratio "$esc" "$evc")x (target >= 3x wall, and >= 2M edges/s)"
ls -la "$OUT/ingest-edges.db" "$OUT/import.db" | awk '{print "  " $5 " bytes  " $9}'
rm -f "$OUT/ingest-edges.db"* "$OUT/import.db"*
