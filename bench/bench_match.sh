#!/usr/bin/env bash
# Matching through the product path (the vigil binary and its store):
#  1. a bank of MATCH_N (10M) generated PDQ hashes (clustered: near-duplicate
#     groups) imported with `vigil bank import` (store + persisted index):
#     time and peak RSS; then `vigil match --hashes` of MATCH_Q (100k) queries
#     (half near copies of bank entries, half random) at threshold 31:
#     queries/s and RSS. Baseline in the same run: a linear popcount scan
#     (bench_match brute-pdq, 1 thread) over the first MATCH_BRUTE queries,
#     whose pairs must equal vigil's for those queries.
#  2. `vigil match --texts` of MATCH_POSTS (1M) generated posts against a
#     MATCH_BANK (100k) text bank (texts made of Fifth Tribe tweet words, 10%
#     of posts near copies of bank texts), target < 60 s; beside the same
#     matching through the library alone (vigil_neardup) in the same run.
# Generated files go to $BENCH_OUT/match-work (removed at the end unless
# MATCH_KEEP=1).
set -euo pipefail
build="${VIGIL_BUILD:-build}"
bin="$build/vigil"
gen="$build/bench_match"
n=${MATCH_N:-10000000}
q=${MATCH_Q:-100000}
b=${MATCH_BRUTE:-200}
np=${MATCH_POSTS:-1000000}
nb=${MATCH_BANK:-100000}
out_dir="${BENCH_OUT:-bench-out}"
work="$out_dir/match-work"
out="$out_dir/match.txt"
rm -rf "$work"; mkdir -p "$work"
[ "${MATCH_KEEP:-0}" = 1 ] || trap 'rm -rf "$work"' EXIT
export VIGIL_DB="$work/bench.db" VIGIL_USER=bench
tm() { /usr/bin/time -f "%e s wall, %U s user, %S s sys, peak RSS %M KB" "$@"; }

{
echo "# PDQ: $n-hash bank, $q queries, threshold 31 (machine: $(nproc) cores)"
"$gen" gen-pdq "$n" "$q" "$work/bank.txt" "$work/queries.txt"
echo "bank file: $(du -m "$work/bank.txt" | cut -f1) MB"
"$bin" --quiet bank create big --kind pdq
echo -n "vigil bank import (store + index build + save): "
tm "$bin" bank import big "$work/bank.txt" 2>&1 | tail -1
"$bin" bank list | grep '^big,' | awk -F, '{ print "  bank entries (distinct hashes): " $3 }'

echo "store: $(du -m "$work/bench.db" | cut -f1) MB; index: $(du -m "$work/bench.db.banks" | cut -f1) MB"
echo -n "vigil match --hashes ($q queries, loads the saved index): "
start=$(date +%s.%N)
tm "$bin" match --bank big --threshold 31 --hashes "$work/queries.txt" >"$work/match.out" 2>"$work/match.err" || true
end=$(date +%s.%N)
tail -1 "$work/match.err"
grep '^vigil match:' "$work/match.err" | sed 's/^/  /' 
awk -v s="$start" -v e="$end" -v q="$q" -v m="$(wc -l <"$work/match.out")" \
  'BEGIN { printf "  -> %.0f queries/s end to end (parse, index load, query, store lookups, output, recording), %d matches\n", q / (e - s), m }'
echo -n "vigil match again with --no-record: "
start=$(date +%s.%N)
tm "$bin" match --bank big --threshold 31 --hashes "$work/queries.txt" --no-record >/dev/null 2>"$work/match2.err" || true
end=$(date +%s.%N)
tail -1 "$work/match2.err"
grep '^vigil match:' "$work/match2.err" | sed 's/^/  /' 
awk -v s="$start" -v e="$end" -v q="$q" 'BEGIN { printf "  -> %.0f queries/s\n", q / (e - s) }'
# baseline: linear scan over the first $b queries (same bank, same run)
head -n "$b" "$work/queries.txt" >"$work/sub.txt"
start=$(date +%s.%N)
"$gen" brute-pdq "$work/bank.txt" "$work/sub.txt" "$b" 31 2>"$work/brute.err" | sort -u >"$work/brute.pairs"
end=$(date +%s.%N)
cat "$work/brute.err"
awk -F, 'NR == FNR { want[$1] = 1; next } ($1 in want) { print $1 "," $3 "," $4 }' \
  "$work/sub.txt" "$work/match.out" | sort -u >"$work/vigil.pairs"
if cmp -s "$work/brute.pairs" "$work/vigil.pairs"; then
  echo "check: vigil's pairs for those $b queries equal the brute force ($(wc -l <"$work/brute.pairs") pairs)"
else
  echo "CHECK FAILED: vigil pairs differ from the brute force"; exit 1
fi
awk -v s="$start" -v e="$end" -v b="$b" -v q="$q" \
  'BEGIN { bq = b / (e - s); printf "baseline: brute force %.1f queries/s (incl. loading the bank file) -> a full %d-query run would take %.0f s\n", bq, q, q / bq }'
rm -f "$work/bank.txt" "$work/bench.db"* 2>/dev/null || true
rm -rf "$work/bench.db.banks"

echo
echo "# text: $np posts against a $nb-text bank (threshold 0.6)"
tweets="${VIGIL_SHARED_DATA:-../shared/data}/fifthtribe/tweets.csv"
if [ ! -e "$tweets" ]; then echo "SKIP: $tweets absent"; exit 0; fi
"$gen" gen-text "$tweets" "$nb" "$np" "$work/tbank.txt" "$work/posts.txt"
"$bin" --quiet bank create tb --kind text
echo -n "vigil bank import: "
tm "$bin" --quiet bank import tb "$work/tbank.txt" 2>&1 | tail -1
echo -n "vigil match --texts (bank load from the store + matching + recording): "
start=$(date +%s.%N)
tm "$bin" match --bank tb --texts "$work/posts.txt" >"$work/tmatch.out" 2>"$work/tmatch.err" || true
end=$(date +%s.%N)
tail -1 "$work/tmatch.err"
grep '^vigil match:' "$work/tmatch.err" | sed 's/^/  /' 
awk -v s="$start" -v e="$end" -v p="$np" -v m="$(wc -l <"$work/tmatch.out")" \
    -v u="$(cut -d, -f1 "$work/tmatch.out" | sort -u | wc -l)" \
  'BEGIN { printf "  -> %.1f s for %d posts (%.0f posts/s; target < 60 s: %s); %d posts with a match, %d matches\n", e - s, p, p / (e - s), (e - s) < 60 ? "met" : "MISSED", u, m }'
"$gen" lib-text "$work/tbank.txt" "$work/posts.txt" 0.6
} 2>&1 | tee "$out"
