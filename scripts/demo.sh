#!/usr/bin/env bash
# make demo: the main job on the embedded store, end to end, on a synthetic
# network with a planted supporter group (no real people involved).
set -euo pipefail
cd "$(dirname "$0")/.."
V=${1:-build/vigil}
OUT=${DEMO_OUT:-demo-out}
ACCOUNTS=${DEMO_ACCOUNTS:-50000}
rm -rf "$OUT"
mkdir -p "$OUT"
DB="$OUT/vigil.db"
say() { printf '\n== %s\n' "$*"; }

say "1. synthesise a network of $ACCOUNTS accounts with a planted supporter group"
"$V" synth --accounts "$ACCOUNTS" --seed 1 --out "$OUT/net"

say "2. ingest it into the embedded store ($DB)"
inputs=("$OUT/net/users.jsonl" "$OUT/net/tweets.jsonl" "$OUT/net/follows.tsv")
[ -e "$OUT/net/users_compliance.jsonl" ] && inputs+=("$OUT/net/users_compliance.jsonl")
"$V" --db "$DB" ingest "${inputs[@]}"

say "3. what the store holds"
"$V" --db "$DB" stats --top 5

say "4. census: score every account from the analysts' labelled sample"
scripts/demo-census.sh "$V" "$DB" "$OUT/net" "$OUT"

say "5. accounts likely re-created after a suspension (first 5)"
"$V" --db "$DB" recreated > "$OUT/recreated.csv"
head -n 6 "$OUT/recreated.csv"

say "6. the report: one self-contained HTML file, every table also as CSV"
"$V" --db "$DB" report --out "$OUT/report.html" --csv-dir "$OUT/report-csv"
echo "open $OUT/report.html in a browser (it works offline)"
printf '\nDone. Everything is in %s/.\n' "$OUT"
