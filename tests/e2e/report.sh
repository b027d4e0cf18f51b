#!/usr/bin/env bash
# vigil recreated, report and export end to end: a synthetic network (synth,
# ingest, labels, census), re-created accounts against the generator's
# truth, the report with and without a census rendered in headless Chromium
# (no console errors, expected elements in the DOM, a screenshot kept as
# $VIGIL_TMP/report.png), hostile names escaped, export validated as XML,
# and the Fifth Tribe tweets (skipped when absent).
source "$(dirname "$0")/common.bash"
command -v python3 >/dev/null || { echo "SKIP: python3 missing"; exit 77; }
CHROME=$(command -v chromium || command -v chromium-browser || true)
ART="${VIGIL_TMP:-/tmp}"
S="$WORK/s"
DB="$WORK/r.db"

render() { # render HTML PNG: dumps the DOM to $WORK/dom.html and the log to $WORK/chrome.log
  local prof; prof=$(mktemp -d "$WORK/chrome-XXXXXX")
  local flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
               --disable-background-networking --disable-component-update --disable-sync
               --user-data-dir="$prof" --enable-logging=stderr --v=0)
  timeout 120 "$CHROME" "${flags[@]}" --dump-dom "file://$1" > "$WORK/dom.html" 2> "$WORK/chrome.log" || true
  if [ -n "${2:-}" ]; then
    timeout 120 "$CHROME" "${flags[@]}" --screenshot="$2" --window-size=1280,4000 "file://$1" \
      >> "$WORK/chrome.log" 2>&1 || true
  fi
}
console_errors() { grep -E 'CONSOLE|Uncaught|Refused to|ERR_' "$WORK/chrome.log" | grep -v 'dbus' || true; }

# ---- build a store -----------------------------------------------------------
"$V" synth --accounts 3000 --seed 7 --out "$S" > /dev/null 2>&1
"$V" --db "$DB" --quiet ingest "$S/users.jsonl" "$S/tweets.jsonl" "$S/follows.tsv" \
  "$S/users_compliance.jsonl" > /dev/null
# hostile profiles: names are attacker-controlled. Many share the hostile
# location (so it is a top location) and the labelled supporters follow the
# first ones (so they rank among the top accounts whatever the model does).
python3 - "$WORK/hostile.jsonl" "$WORK/hostile_follows.tsv" "$S/labels.csv" <<'PY'
import csv, json, sys
users = []
for i in range(1, 301):
    users.append({"id": "9900000000000%05d" % i, "username": "hostile%d" % i,
                  "name": "<script>alert(1)</script>" if i % 2 else "\"><img src=x onerror=alert(1)>",
                  "description": "x", "location": "\"><img src=x onerror=alert(1)>",
                  "created_at": "2014-01-01T00:00:00.000Z",
                  "public_metrics": {"followers_count": 1, "following_count": 1, "tweet_count": 1}})
with open(sys.argv[1], "w") as f:
    for k in range(0, len(users), 100):
        f.write(json.dumps({"data": users[k:k + 100]}) + "\n")
sup = [r["account_id"] for r in csv.DictReader(open(sys.argv[3])) if r["label"] == "supporter"]
with open(sys.argv[2], "w") as f:
    for s in sup:
        for i in range(1, 5):
            f.write("%s\t9900000000000%05d\n" % (s, i))
PY
"$V" --db "$DB" --quiet ingest "$WORK/hostile_follows.tsv" > /dev/null
"$V" --db "$DB" --quiet ingest "$WORK/hostile.jsonl" > /dev/null

# ---- recreated against the truth ------------------------------------------------
t0=$(date +%s.%N)
"$V" --db "$DB" --quiet recreated > "$WORK/rec.csv"
t1=$(date +%s.%N)
head -1 "$WORK/rec.csv" | grep -q '^new_id,new_username,old_id,old_username,name_similarity,followee_overlap,follower_overlap,suspended_at,created_at,score$' \
  && ok "recreated header" || fail "recreated header: $(head -1 "$WORK/rec.csv")"
python3 - "$WORK/rec.csv" "$S/truth_recreated.csv" <<'PY' && ok "recreated precision/recall" || fail "recreated precision/recall"
import csv, sys
got = {(r["new_id"], r["old_id"]) for r in csv.DictReader(open(sys.argv[1]))}
truth = {(r["new_id"], r["old_id"]) for r in csv.DictReader(open(sys.argv[2]))}
tp = len(got & truth)
p, r = tp / max(1, len(got)), tp / max(1, len(truth))
print(f"recreated: {len(got)} pairs, {len(truth)} true; precision {p:.2f}, recall {r:.2f}")
assert len(truth) > 0 and p >= 0.8 and r >= 0.8
PY
"$V" --db "$DB" --quiet recreated --json > "$WORK/rec.jsonl"
check "recreated --json lines = csv rows" "$(wc -l < "$WORK/rec.jsonl")" "$(tail -n +2 "$WORK/rec.csv" | wc -l)"
python3 -c "import json,sys; [json.loads(l) for l in open(sys.argv[1])]" "$WORK/rec.jsonl" && ok "recreated json parses" || fail "recreated json"
set +e; "$V" --db "$DB" --quiet recreated --min-similarity 2 > /dev/null 2>&1; rc=$?; set -e
check "bad --min-similarity is a usage error" "$rc" 2

# ---- report without a census ----------------------------------------------------
"$V" --db "$DB" --quiet report --out "$WORK/nocensus.html" --csv-dir "$WORK/csv0"
grep -q 'No census has been run' "$WORK/nocensus.html" && ok "no-census report says so" || fail "no-census note"
grep -q 'id="languages"' "$WORK/nocensus.html" && ok "no-census report has descriptive parts" || fail "no-census parts"
set +e; "$V" --db "$DB" --quiet export --format gexf --min-score 0.5 --out "$WORK/x.gexf" 2> "$WORK/err"; rc=$?; set -e
check "export --min-score without census exits 1" "$rc" 1
grep -q 'needs a census run' "$WORK/err" && ok "export says census needed" || fail "export msg: $(cat "$WORK/err")"

# ---- census, report ------------------------------------------------------------------
"$V" --db "$DB" --quiet label import "$S/labels.csv" > /dev/null
if "$V" --db "$DB" --quiet census --json > "$WORK/sum.json" 2> "$WORK/census.err"; then
  HAVE_CENSUS=1; ok "census ran"
else
  HAVE_CENSUS=0; echo "NOTE: census failed ($(head -1 "$WORK/census.err")); report checked without it"
fi
t2=$(date +%s.%N)
"$V" --db "$DB" --quiet report --out "$WORK/report.html" --csv-dir "$WORK/csv" --top 40
t3=$(date +%s.%N)
R="$WORK/report.html"
grep -q '<script' "$R" && fail "raw <script in report" || ok "no <script element in report"
grep -q '<img' "$R" && fail "raw <img in report" || ok "no <img element in report"
grep -q '&lt;script&gt;alert(1)&lt;/script&gt;' "$R" && ok "hostile display name escaped" || fail "hostile name not shown escaped"
grep -q '&quot;&gt;&lt;img src=x onerror=alert(1)&gt;' "$R" && ok "hostile location escaped" || fail "hostile location"
grep -Eq 'https?://' <(grep -o '<link[^>]*>\|src="[^"]*"' "$R") && fail "external asset referenced" || ok "no external assets"
if [ "$HAVE_CENSUS" = 1 ]; then
  est=$(jget "$(cat "$WORK/sum.json")" "round(d['estimate'])")
  grep -q "<b>$est</b><span>estimated supporters" "$R" && ok "estimate shown ($est)" || fail "estimate $est not shown"
  grep -q 'id="top"' "$R" && ok "top accounts section" || fail "top accounts section"
  n=$(tail -n +2 "$WORK/csv/top_accounts.csv" | python3 -c "import csv,sys; print(sum(1 for _ in csv.reader(sys.stdin)))")
  check "top_accounts.csv rows" "$n" 40
fi
for f in summary languages locations devices creation_months activity_summary hyperactive hashtags domains suspensions_by_month recreated; do
  [ -s "$WORK/csv/$f.csv" ] && ok "csv $f" || fail "csv $f missing"
done
python3 - "$WORK/csv/recreated.csv" "$WORK/rec.csv" <<'PY' && ok "report re-created table = vigil recreated" || fail "recreated table differs"
import csv, sys
a = [(r["new_id"], r["old_id"]) for r in csv.DictReader(open(sys.argv[1]))]
b = [(r["new_id"], r["old_id"]) for r in csv.DictReader(open(sys.argv[2]))]
assert a == b and a, (a, b)
PY

# ---- export -----------------------------------------------------------------------------
t4=$(date +%s.%N)
"$V" --db "$DB" --quiet export --format gexf --out "$WORK/g.gexf"
t5=$(date +%s.%N)
"$V" --db "$DB" --quiet export --format graphml --kinds follow,mention --out "$WORK/g.graphml"
"$V" --db "$DB" --quiet export --format csv --out "$WORK/gcsv"
accounts=$("$V" --db "$DB" --quiet stats --json | python3 -c "import json,sys; print(json.load(sys.stdin)['accounts'])")
python3 - "$WORK/g.gexf" "$WORK/g.graphml" "$WORK/gcsv" "$accounts" <<'PY' && ok "export XML valid, counts agree" || fail "export validation"
import csv, sys, xml.dom.minidom as m
g, gm, d, n = m.parse(sys.argv[1]), m.parse(sys.argv[2]), sys.argv[3], int(sys.argv[4])
gn, ge = len(g.getElementsByTagName("node")), len(g.getElementsByTagName("edge"))
mn, me = len(gm.getElementsByTagName("node")), len(gm.getElementsByTagName("edge"))
cn = sum(1 for _ in csv.DictReader(open(d + "/nodes.csv")))
ce = list(csv.DictReader(open(d + "/edges.csv")))
print(f"gexf {gn} nodes {ge} edges; graphml {mn}/{me} (follow+mention); csv {cn}/{len(ce)}")
assert gn == n == mn == cn, (gn, n, mn, cn)
assert ge == len(ce) > 0 and 0 < me <= ge
kinds = {e["kind"] for e in ce}
assert me == sum(1 for e in ce if e["kind"] in ("follow", "mention"))
labels = [x.getAttribute("label") for x in g.getElementsByTagName("node")]
names = [a.getAttribute("value") for a in g.getElementsByTagName("attvalue") if a.getAttribute("for") == "display_name"]
assert "<script>alert(1)</script>" in names, "hostile name did not round-trip"
PY
if [ "$HAVE_CENSUS" = 1 ]; then
  "$V" --db "$DB" --quiet export --format gexf --min-score 0.5 --out "$WORK/hi.gexf"
  python3 - "$WORK/hi.gexf" "$WORK/csv/summary.csv" <<'PY' && ok "export --min-score keeps scored nodes only" || fail "min-score export"
import sys, xml.dom.minidom as m
g = m.parse(sys.argv[1])
sc = [float(a.getAttribute("value")) for a in g.getElementsByTagName("attvalue") if a.getAttribute("for") == "score"]
assert sc and min(sc) >= 0.5 and len(sc) == len(g.getElementsByTagName("node"))
ids = {x.getAttribute("id") for x in g.getElementsByTagName("node")}
assert all(e.getAttribute("source") in ids and e.getAttribute("target") in ids for e in g.getElementsByTagName("edge"))
PY
fi
printf 'timings (3000 accounts): recreated %.2fs, report %.2fs, export gexf %.2fs\n' \
  "$(echo "$t1 - $t0" | bc)" "$(echo "$t3 - $t2" | bc)" "$(echo "$t5 - $t4" | bc)"

# ---- headless Chromium ----------------------------------------------------------------
if [ -z "$CHROME" ]; then
  echo "SKIP: chromium is absent (apt-get install chromium): rendering not checked"
  finish; rc=$?; [ "$rc" -eq 0 ] && exit 77 || exit "$rc"
fi
render "$R" "$ART/report.png"
errs=$(console_errors)
[ -z "$errs" ] && ok "no console errors (report)" || fail "console errors: $errs"
[ -s "$ART/report.png" ] && ok "screenshot $ART/report.png" || fail "no screenshot"
python3 - "$WORK/dom.html" "$HAVE_CENSUS" <<'PY' && ok "DOM has the expected elements" || fail "DOM check"
import sys
from html.parser import HTMLParser
class P(HTMLParser):
    def __init__(s):
        super().__init__(); s.ids = set(); s.tags = {}
    def handle_starttag(s, t, a):
        s.tags[t] = s.tags.get(t, 0) + 1
        for k, v in a:
            if k == "id": s.ids.add(v)
p = P(); p.feed(open(sys.argv[1], encoding="utf-8").read())
want = {"summary", "languages", "locations", "devices", "created", "activity", "hyperactive",
        "hashtags", "domains", "suspensions", "recreated", "leads"}
if sys.argv[2] == "1": want |= {"scores", "top"}
missing = want - p.ids
print("svg", p.tags.get("svg", 0), "tables", p.tags.get("table", 0), "missing", missing)
assert not missing and p.tags.get("svg", 0) >= 8 and p.tags.get("table", 0) >= 10
assert p.tags.get("script", 0) == 0 and p.tags.get("img", 0) == 0
PY
render "$WORK/nocensus.html"
errs=$(console_errors)
[ -z "$errs" ] && ok "no console errors (no-census report)" || fail "console errors: $errs"
grep -q 'id="nocensus"' "$WORK/dom.html" && ok "no-census note in DOM" || fail "no-census DOM"

# ---- Fifth Tribe ------------------------------------------------------------------------------
if [ -e "$SHARED/fifthtribe/tweets.csv" ]; then
  F="$WORK/ft.db"
  "$V" --db "$F" --quiet ingest "$SHARED/fifthtribe/tweets.csv" > /dev/null || true
  "$V" --db "$F" --quiet report --out "$WORK/ft.html" --csv-dir "$WORK/ftcsv"
  render "$WORK/ft.html"
  errs=$(console_errors)
  [ -z "$errs" ] && ok "fifthtribe report renders without console errors" || fail "fifthtribe console: $errs"
  grep -q 'id="hashtags"' "$WORK/dom.html" && ok "fifthtribe DOM" || fail "fifthtribe DOM"
  n=$(tail -n +2 "$WORK/ftcsv/hashtags.csv" | wc -l)
  [ "$n" -gt 5 ] && ok "fifthtribe hashtags ($n)" || fail "fifthtribe hashtags $n"
else
  echo "SKIP: shared data $SHARED/fifthtribe is absent (Fifth Tribe part)"
fi
finish
