#!/usr/bin/env bash
# The census part of `make demo`: import the analysts' labels, score every
# account, and print the estimate and its interval beside the generator's
# true count. usage: scripts/demo-census.sh VIGIL DB SYNTH_DIR [OUT_DIR]
set -euo pipefail
V=${1:?vigil binary}
DB=${2:?store}
NET=${3:?synth output directory}
OUT=${4:-$(dirname "$DB")}
"$V" --db "$DB" label import "$NET/labels.csv"
"$V" --db "$DB" census --scores "$OUT/scores.csv" --json > "$OUT/census.json"
truth=$(awk -F, 'NR > 1 && $2 == "supporter" { n++ } END { print n + 0 }' "$NET/truth.csv")
python3 - "$OUT/census.json" "$truth" "$OUT/scores.csv" "$NET/truth.csv" <<'PY'
import csv, json, sys
s = json.load(open(sys.argv[1])); k = int(sys.argv[2])
truth = {r["account_id"]: r["label"] == "supporter" for r in csv.DictReader(open(sys.argv[4]))}
tp = fp = fn = 0
for r in csv.DictReader(open(sys.argv[3])):
    t, p = truth.get(r["account_id"], False), r["predicted"] == "1"
    tp += t and p; fp += p and not t; fn += t and not p
f1 = 2 * tp / max(1, 2 * tp + fp + fn)
lo, hi = s["ci95"]
print(f"accounts scored       {s['accounts_scored']}")
print(f"labelled              {s['labelled']} ({s['labelled_positive']} supporter)")
print(f"predicted supporters  {s['predicted_supporters']}")
print(f"estimated supporters  {s['estimate']:.0f}  (95% interval {lo:.0f} to {hi:.0f}; sum of probabilities {s['prob_sum']:.0f})")
print(f"true supporters       {k}  (generator's truth; {'inside' if lo <= k <= hi else 'OUTSIDE'} the interval, estimate off by {100 * (s['estimate'] - k) / max(1, k):+.1f}%)")
print(f"F1 against the truth  {f1:.3f}")
print("top of the review queue (scores are leads for human review, not decisions):")
with open(sys.argv[3]) as f:
    rows = csv.DictReader(f)
    for i, r in zip(range(5), rows):
        print(f"  @{r['username']:<16} {float(r['score']):.3f}  {r['why']}")
PY
