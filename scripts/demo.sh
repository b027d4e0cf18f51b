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

if "$V" help census > /dev/null 2>&1 && [ -x scripts/demo-census.sh ]; then
  say "4. census: score every account from the analysts' labelled sample"
  scripts/demo-census.sh "$V" "$DB" "$OUT/net" "$OUT"
fi
printf '\nDone. Everything is in %s/.\n' "$OUT"
