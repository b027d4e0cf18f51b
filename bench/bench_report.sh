#!/usr/bin/env bash
# vigil recreated / report / export at scale: a synthetic store of 2M
# accounts (thousands suspended, thousands re-created).
# Target: recreated in seconds; report and export in well under a minute.
# Baseline (same run, same store): reading the same tables with the sqlite3
# shell (accounts, adjacency blobs, statuses, posts) - the floor of any
# command that has to look at every account and edge.
# BENCH_DB=path reuses an ingested store (skips synth + ingest).
set -euo pipefail
BIN=${VIGIL_BIN:-build/vigil}
OUT=${BENCH_OUT:-bench-out}
N=${REPORT_ACCOUNTS:-2000000}
mkdir -p "$OUT"
command -v sqlite3 >/dev/null || { echo "bench_report: sqlite3 missing"; exit 1; }
DB=${BENCH_DB:-}
if [ -z "$DB" ]; then
  dir="$OUT/report-net"; DB="$OUT/report.db"
  rm -rf "$dir" "$DB"*
  trap 'rm -rf "$dir" "$DB"*' EXIT
  "$BIN" --quiet synth --accounts "$N" --mean-following 5 --posts-per-account 0.5 --seed 3 --out "$dir"
  "$BIN" --db "$DB" --quiet ingest "$dir/users.jsonl" "$dir/tweets.jsonl" "$dir/follows.tsv" \
    "$dir/users_compliance.jsonl" > /dev/null
  truth="$dir/truth_recreated.csv"
fi
t() { local t0 t1; t0=$(date +%s.%N); "$@" > /dev/null; t1=$(date +%s.%N); echo "$t1 - $t0" | bc -l; }
rec=$(t "$BIN" --db "$DB" --quiet recreated)
"$BIN" --db "$DB" --quiet recreated > "$OUT/recreated.csv"
rep=$(t "$BIN" --db "$DB" --quiet report --out "$OUT/report.html")
exp=$(t "$BIN" --db "$DB" --quiet export --format gexf --out "$OUT/graph.gexf")
base=$(t sqlite3 "$DB" "SELECT count(*), sum(length(username)), sum(length(display_name)) FROM accounts;
  SELECT sum(length(data)) FROM adjacency; SELECT count(*) FROM account_status; SELECT count(*), sum(length(source)) FROM posts;")
accounts=$(sqlite3 "$DB" "SELECT count(*) FROM accounts")
pairs=$(($(wc -l < "$OUT/recreated.csv") - 1))
printf 'store: %s accounts; recreated found %s pairs\n' "$accounts" "$pairs"
if [ -n "${truth:-}" ]; then
  python3 - "$OUT/recreated.csv" "$truth" <<'PY'
import csv, sys
g = {(r["new_id"], r["old_id"]) for r in csv.DictReader(open(sys.argv[1]))}
t = {(r["new_id"], r["old_id"]) for r in csv.DictReader(open(sys.argv[2]))}
tp = len(g & t)
print(f"recreated vs truth: precision {tp/max(1,len(g)):.3f}, recall {tp/max(1,len(t)):.3f} ({len(t)} true)")
PY
fi
printf 'recreated %.2f s, report %.2f s, export gexf %.2f s\n' "$rec" "$rep" "$exp"
printf 'baseline (sqlite3 reads of accounts, adjacency, statuses, posts): %.2f s\n' "$base"
printf 'ratio recreated/baseline %.2fx, report/baseline %.2fx, export/baseline %.2fx\n' \
  "$(echo "$rec / $base" | bc -l)" "$(echo "$rep / $base" | bc -l)" "$(echo "$exp / $base" | bc -l)"
