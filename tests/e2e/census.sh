#!/usr/bin/env bash
# vigil label + vigil census end to end: a 20k-account synthetic network
# (labels from the generator), quality against the generator's truth, label
# import errors, and the census on the Fifth Tribe mention graph (skipped
# when the shared data is absent).
source "$(dirname "$0")/common.bash"
command -v python3 >/dev/null || { echo "SKIP: python3 missing"; exit 77; }
DB="$WORK/c.db"
S="$WORK/s"

"$V" synth --accounts 20000 --seed 1 --out "$S" > /dev/null 2>&1
"$V" --db "$DB" --quiet ingest "$S/users.jsonl" "$S/tweets.jsonl" "$S/follows.tsv" \
  "$S/users_compliance.jsonl" > /dev/null

# no labels yet: a clear error
set +e
out=$("$V" --db "$DB" --quiet census --json 2>&1); rc=$?
set -e
check "census without labels exits 1" "$rc" 1
case "$out" in *"no labelled accounts"*"vigil label import"*) ok "no-label message";; *) fail "no-label message: $out";; esac

# label import: bad rows and unknown accounts are reported, the rest stored
first=$(sed -n 2p "$S/labels.csv" | cut -d, -f1)
{ echo "account_id,label,note"; echo "$first,supporter,ok"; echo ",supporter,"; echo "999,other,"; echo "$first,bad label,"; } > "$WORK/bad.csv"
set +e
err=$("$V" --db "$DB" --quiet label import "$WORK/bad.csv" 2>&1 >/dev/null); rc=$?
set -e
check "label import with bad rows exits 3" "$rc" 3
case "$err" in *"bad.csv:3: account_id: empty"*) ok "bad row reported with line";; *) fail "bad row: $err";; esac
case "$err" in *"bad.csv:4: account_id: no such account"*) ok "unknown account reported";; *) fail "unknown: $err";; esac
case "$err" in *"bad.csv:5: label:"*) ok "bad label reported";; *) fail "bad label: $err";; esac

"$V" --db "$DB" --quiet label import "$S/labels.csv" > "$WORK/imp.out"
grep -q "^40 labels imported" "$WORK/imp.out" && ok "40 labels imported" || fail "import: $(cat "$WORK/imp.out")"
n=$("$V" --db "$DB" --quiet label list --csv | tail -n +2 | wc -l)
check "label list" "$n" 40
h=$("$V" --db "$DB" --quiet label list --history --csv | tail -n +2 | wc -l)
check "label history keeps every decision" "$h" 41
if command -v sqlite3 >/dev/null; then
  a=$(sqlite3 "$DB" "select count(*) from audit where action='label.import' and detail like '40 labels from %'")
  check "import audited" "$a" 1
fi

# label add by @username, then back (history grows, effective label returns)
u=$(python3 -c "import json,sys; print(json.loads(open(sys.argv[1]).readline())['data'][0]['username'])" "$S/users.jsonl")
"$V" --db "$DB" --quiet label add "@$u" journalist --note "test" > /dev/null
"$V" --db "$DB" --quiet label list | grep -q "@$u  journalist" && ok "label add by username" || fail "label add"
set +e
"$V" --db "$DB" --quiet label add "@no_such_user_zz" other > /dev/null 2>&1; rc=$?
set -e
check "label add unknown account exits 1" "$rc" 1

# the census
"$V" --db "$DB" --quiet census --json --scores "$WORK/scores.csv" > "$WORK/sum.json"
js=$(cat "$WORK/sum.json")
for k in accounts_scored labelled predicted_supporters estimate ci95 cv prob_sum levels run; do
  [ "$(jget "$js" "'$k' in d")" = True ] && ok "summary has $k" || fail "summary lacks $k"
done
check "accounts scored" "$(jget "$js" "d['accounts_scored']")" 20000
check "labelled" "$(jget "$js" "d['labelled']")" 41
head -1 "$WORK/scores.csv" | grep -q '^account_id,username,score,predicted,why' && ok "scores header" || fail "scores header"
check "scores rows" "$(tail -n +2 "$WORK/scores.csv" | wc -l)" 20000
python3 - "$WORK/scores.csv" "$S/truth.csv" "$WORK/sum.json" <<'PY' && ok "quality vs truth" || fail "quality vs truth"
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1])))
truth = {r["account_id"]: r["label"] == "supporter" for r in csv.DictReader(open(sys.argv[2]))}
s = json.load(open(sys.argv[3]))
scores = [float(r["score"]) for r in rows]
assert scores == sorted(scores, reverse=True), "not sorted by score"
assert all(r["why"] for r in rows[:100]), "top scores lack reasons"
tp = sum(1 for r in rows if r["predicted"] == "1" and truth[r["account_id"]])
fp = sum(1 for r in rows if r["predicted"] == "1" and not truth[r["account_id"]])
fn = sum(1 for r in rows if r["predicted"] == "0" and truth[r["account_id"]])
k = sum(truth.values())
p, rc = tp / max(1, tp + fp), tp / max(1, tp + fn)
f1 = 2 * p * rc / max(1e-9, p + rc)
lo, hi = s["ci95"]
print(f"F1 {f1:.3f} (precision {p:.3f}, recall {rc:.3f}); true {k}, estimate {s['estimate']} [{lo}, {hi}], predicted {s['predicted_supporters']}, prob_sum {s['prob_sum']}")
assert s["predicted_supporters"] == tp + fp
assert f1 >= 0.90, "F1 below 0.90"
assert lo <= k <= hi, "interval misses the true count"
assert abs(s["estimate"] - k) <= 0.15 * k, "estimate off by more than 15%"
PY
"$V" --db "$DB" --quiet census > "$WORK/plain.out"
grep -q "No score is a decision" "$WORK/plain.out" && ok "plain summary says no decision" || fail "plain summary"
if command -v sqlite3 >/dev/null; then
  check "census runs audited" "$(sqlite3 "$DB" "select count(*) from audit where action='census.run'")" 2
  check "scores stored" "$(sqlite3 "$DB" "select count(*) from scores where run=(select max(id) from census_runs)")" 20000
fi

# Fifth Tribe: the mention graph of 112 accounts' tweets plus mentioned accounts
if [ -e "$SHARED/fifthtribe/tweets.csv" ]; then
  F="$WORK/ft.db"
  "$V" --db "$F" --quiet ingest "$SHARED/fifthtribe/tweets.csv" > /dev/null || true
  python3 - "$SHARED/fifthtribe/tweets.csv" "$WORK/ft_labels.csv" <<'PY'
import csv, re, sys
authors, mentioned = set(), set()
for r in csv.DictReader(open(sys.argv[1], encoding="utf-8", errors="replace")):
    if re.fullmatch(r"\w{1,15}", r["username"]): authors.add(r["username"].lower())
    mentioned.update(m.lower() for m in re.findall(r"@(\w{1,15})", r["tweets"]))
only = sorted(mentioned - authors)
with open(sys.argv[2], "w") as f:
    f.write("username,label\n")
    for a in sorted(authors)[:20]: f.write(f"{a},supporter\n")
    for a in only[:20]: f.write(f"{a},other\n")
PY
  set +e
  "$V" --db "$F" --quiet label import "$WORK/ft_labels.csv" > "$WORK/ft_imp.out" 2>&1; rc=$?
  set -e
  [ "$rc" = 0 ] && ok "fifthtribe labels imported ($(cat "$WORK/ft_imp.out" | head -1))" || fail "fifthtribe import rc $rc"
  if "$V" --db "$F" --quiet census --json --scores "$WORK/ft_scores.csv" > "$WORK/ft.json"; then
    ft=$(cat "$WORK/ft.json")
    echo "fifthtribe: $(jget "$ft" "{k: d[k] for k in ('accounts_scored','labelled','predicted_supporters','estimate','ci95','cv')}")"
    [ "$(jget "$ft" "d['accounts_scored'] > 112 and d['labelled'] >= 30")" = True ] && ok "fifthtribe census summary" || fail "fifthtribe summary"
  else
    fail "fifthtribe census failed"
  fi
else
  echo "SKIP: shared data $SHARED/fifthtribe is absent (Fifth Tribe part)"
fi
finish
