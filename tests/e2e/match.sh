#!/usr/bin/env bash
# e2e: `vigil bank` and `vigil match` through the real binary: round trips for
# every bank kind, PDQ matching equal to an independent brute force
# (ThreatExchange needles/haystack), images (bridge-mods vs benign images),
# text recall on Fifth Tribe / IsisFanboy, URLs, --store, bad input.
source "$(dirname "$0")/common.bash"
export VIGIL_DB="$WORK/v.db" VIGIL_USER=e2e
q() { "$V" --quiet "$@"; }
rc_of() { set +e; "$@" >"$WORK/out" 2>"$WORK/err"; echo $?; set -e; }

# ---- usage ---------------------------------------------------------------
"$V" bank --help | grep -q -- '--kind' && ok "bank --help" || fail "bank --help"
"$V" match --help | grep -q -- '--hashes' && ok "match --help" || fail "match --help"
check "match without input" "$(rc_of "$V" match)" 2
check "bank create without kind" "$(rc_of "$V" bank create x)" 2
check "bank create bad kind" "$(rc_of "$V" bank create x --kind jpeg)" 2
check "bank create bad name" "$(rc_of "$V" bank create 'a/b' --kind pdq)" 2

# ---- round trip for every kind (tests/data/match fixtures) ----------------
D="$TESTDATA/match"
for kind in pdq md5 sha256 url text; do
  f=$(ls "$D"/bank-"$kind".*)
  q bank create "rt-$kind" --kind "$kind" --label "round trip"
  q bank import "rt-$kind" "$f"
  q bank export "rt-$kind" >"$WORK/exp1-$kind"
  q bank create "rt2-$kind" --kind "$kind"
  q bank import "rt2-$kind" "$WORK/exp1-$kind"
  q bank export "rt2-$kind" >"$WORK/exp2-$kind"
  # ids differ between banks: compare without them
  strip() { if [ "$kind" = text ]; then sed 's/,"id":[0-9]*}$/}/' "$1"; else sed 's/,[0-9]*$//' "$1"; fi; }
  if [ "$(strip "$WORK/exp1-$kind")" = "$(strip "$WORK/exp2-$kind")" ]; then ok "round trip $kind"; else
    fail "round trip $kind"; diff <(strip "$WORK/exp1-$kind") <(strip "$WORK/exp2-$kind") | head -5; fi
  n=$(grep -c . "$WORK/exp1-$kind")
  [ "$kind" = text ] || n=$((n - 1))
  check "entries $kind" "$n" "$(cat "$D/expected-$kind.count")"
  # idempotent: importing again changes nothing
  "$V" bank import "rt-$kind" "$f" 2>"$WORK/err" >/dev/null
  grep -q " 0 added, 0 relabelled" "$WORK/err" && ok "idempotent import $kind" || fail "idempotent $kind: $(cat "$WORK/err")"
done
# labels survive the round trip
grep -q 'al-Hayat' "$WORK/exp2-sha256" && ok "labels kept" || fail "labels lost"
# url domain entries and canonical form
grep -q '^domain:propaganda.example,' "$WORK/exp1-url" && ok "domain entry" || fail "domain entry"
grep -q '^https://justpaste.it/MESSAGE?a=1&b=2,' "$WORK/exp1-url" && ok "canonical url" || fail "canonical url: $(cat "$WORK/exp1-url")"

# ---- bad input ------------------------------------------------------------
check "import with bad lines exits 3" "$(rc_of "$V" bank import rt-pdq "$D/bad-pdq.txt")" 3
grep -q "bad-pdq.txt:2: hash: not hexadecimal" "$WORK/err" && ok "FILE:LINE: hash: reason" || fail "bad line msg: $(cat "$WORK/err")"
grep -q "bad-pdq.txt:3: hash: wrong length" "$WORK/err" && ok "wrong length msg" || fail "wrong length msg"
q bank export rt-pdq | grep -q '^1111111111111111111111111111111111111111111111111111111111111111,' \
  && ok "good lines of a bad file imported" || fail "good lines not imported"
printf 'abc\0\1\2' >"$WORK/bin.dat"
check "binary import exits 1" "$(rc_of "$V" bank import rt-pdq "$WORK/bin.dat")" 1
grep -q "binary data" "$WORK/err" && ok "binary message" || fail "binary message: $(cat "$WORK/err")"
check "missing file exits 1" "$(rc_of "$V" bank import rt-pdq "$WORK/nope.txt")" 1
check "unknown bank exits 1" "$(rc_of "$V" bank import nope "$D/bad-pdq.txt")" 1
check "duplicate bank exits 1" "$(rc_of "$V" bank create rt-pdq --kind pdq)" 1
check "match --hashes binary exits 1" "$(rc_of "$V" match --hashes "$WORK/bin.dat")" 1
check "match --hashes bad lines exits 3" "$(rc_of "$V" match --bank rt-pdq --hashes "$D/bad-pdq.txt")" 3
grep -q "bad-pdq.txt:2: hash:" "$WORK/err" && ok "match bad hash message" || fail "match bad hash msg"
grep -c '^1111111111111111111111111111111111111111111111111111111111111111,rt-pdq,' "$WORK/out" >/dev/null \
  && ok "good query of a bad file matched" || fail "good query not matched"
check "match unknown bank exits 1" "$(rc_of "$V" match --bank nope --hashes "$D/bad-pdq.txt")" 1
echo "not an image" >"$WORK/x.jpg"
check "match non-image exits 3" "$(rc_of "$V" match "$WORK/x.jpg")" 3

# add / remove / disable, audited
h=2222222222222222222222222222222222222222222222222222222222222222
q bank add rt-pdq "$h" --label added
"$V" match --bank rt-pdq --threshold 0 --hashes <(echo "$h") | grep -q "^$h,rt-pdq,$h,0,added$" \
  && ok "bank add + match" || fail "bank add + match"
q bank remove rt-pdq "$h"
check "removed entry no longer matches" "$("$V" --quiet match --bank rt-pdq --threshold 0 --hashes <(echo "$h") | wc -l)" 0
check "remove unknown entry exits 1" "$(rc_of "$V" bank remove rt-pdq "$h")" 1
q bank disable rt-md5
"$V" bank list | grep -q '^rt-md5,md5,[0-9]*,disabled' && ok "disable" || fail "disable: $("$V" bank list)"
q bank enable rt-md5
python3 - "$WORK/v.db" <<'EOF' && ok "audit entries" || fail "audit entries"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
acts = [r[0] for r in db.execute("select action from audit")]
need = ["bank.create", "bank.import", "bank.add", "bank.remove", "bank.disable", "bank.enable"]
sys.exit(0 if all(a in acts for a in need) else 1)
EOF

# ---- PDQ: needles vs haystack equals a brute force (python) ---------------
if [ -e "$SHARED/pdq/reg-test-input/haystack.txt" ]; then
  R="$SHARED/pdq/reg-test-input"
  q bank create hay --kind pdq
  q bank import hay "$R/haystack.txt"
  for t in 0 31 63; do
    "$V" --quiet match --bank hay --threshold "$t" --hashes "$R/needles.txt" | cut -d, -f1,3,4 | sort >"$WORK/got"
    python3 - "$R/needles.txt" "$R/haystack.txt" "$t" <<'EOF' | sort >"$WORK/want"
import sys
def load(p): return [l.split(",")[0].strip().lower() for l in open(p) if l.strip()]
nee, hay, t = load(sys.argv[1]), sorted(set(load(sys.argv[2]))), int(sys.argv[3])
for n in nee:
    for h in hay:
        d = bin(int(n, 16) ^ int(h, 16)).count("1")
        if d <= t: print(f"{n},{h},{d}")
EOF
    check "pdq needles/haystack at $t = brute force ($(wc -l <"$WORK/want") pairs)" \
      "$(md5sum <"$WORK/got")" "$(md5sum <"$WORK/want")"
  done
  # the recorded run holds the same number of matches as printed
  python3 - "$WORK/v.db" "$(wc -l <"$WORK/got")" <<'EOF' && ok "matches recorded" || fail "matches recorded"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
run = db.execute("select max(id) from match_runs").fetchone()[0]
n = db.execute("select count(*) from matches where run=?", (run,)).fetchone()[0]
sys.exit(0 if n == int(sys.argv[2]) else 1)
EOF
  # a corrupt persisted index is rebuilt from the store, same results
  bid=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(\"select id from banks where name='hay'\").fetchone()[0])" "$WORK/v.db")
  head -c 5000 /dev/urandom >"$WORK/v.db.banks/$bid.hidx"
  "$V" --quiet match --bank hay --threshold 63 --hashes "$R/needles.txt" --no-record | cut -d, -f1,3,4 | sort >"$WORK/got2"
  check "corrupt index rebuilt, same matches" "$(md5sum <"$WORK/got2")" "$(md5sum <"$WORK/want")"
else
  echo "SKIP: pdq reg-test data absent"
fi

# ---- images: bridge-mods bank, benign images do not match -----------------
if [ -d "$SHARED/pdq/bridge-mods" ] && [ -d "$SHARED/benign-images" ]; then
  q bank create bridge --kind pdq --label bridge
  "$V" hash "$SHARED"/pdq/bridge-mods/*.jpg >"$WORK/bridge.txt"
  q bank import bridge "$WORK/bridge.txt"
  "$V" --quiet match --bank bridge "$SHARED/pdq/bridge-mods" >"$WORK/img"
  nimg=$(ls "$SHARED"/pdq/bridge-mods/*.jpg | wc -l)
  found=0
  for f in "$SHARED"/pdq/bridge-mods/*.jpg; do
    own=$(grep -F ",$f" "$WORK/bridge.txt" | cut -d, -f1)
    # each image finds its own hash (distance 0) and only matches <= 31
    grep -q "^$f,bridge,$own,0," "$WORK/img" && found=$((found + 1))
  done
  check "every bridge-mods image finds itself" "$found" "$nimg"
  check "no match beyond 31" "$(awk -F, '$4 > 31' "$WORK/img" | wc -l)" 0
  set +e; "$V" --quiet match --bank bridge "$SHARED/benign-images" >"$WORK/benign"; rc=$?; set -e
  check "benign images exit" "$rc" 0
  check "benign images do not match the bridge bank" "$(wc -l <"$WORK/benign")" 0
  # exact digests of the bytes
  q bank create bridge-md5 --kind md5
  "$V" hash --json "$SHARED"/pdq/bridge-mods/*.jpg | python3 -c "import json,sys; [print(json.loads(l)['md5']) for l in sys.stdin]" >"$WORK/md5.txt"
  q bank import bridge-md5 "$WORK/md5.txt"
  check "md5 bank: each image once" "$("$V" --quiet match --bank bridge-md5 "$SHARED/pdq/bridge-mods" | wc -l)" "$nimg"
else
  echo "SKIP: bridge-mods or benign-images absent"
fi

# ---- text: IsisFanboy tweets find their Fifth Tribe twins -------------------
if [ -e "$SHARED/fifthtribe/tweets.csv" ] && [ -e "$SHARED/isisfanboy/IsisFanboy.csv" ]; then
  q bank create ft --kind text
  q bank import ft "$SHARED/fifthtribe/tweets.csv" --field tweets
  q bank export ft >"$WORK/ft.jsonl"
  python3 "$TESTDATA/match/match_texts.py" prepare "$SHARED/isisfanboy/IsisFanboy.csv" "$WORK/ft.jsonl" \
    "$SHARED/fifthtribe/tweets.csv" "$WORK"
  for kind in queries shuffled unrelated; do
    set +e
    "$V" --quiet match --bank ft --texts "$WORK/$kind.txt" --no-record >"$WORK/$kind.out"
    rc=$?
    set -e
    check "match --texts $kind exit" "$rc" 0
  done
  if python3 "$TESTDATA/match/match_texts.py" score "$WORK"; then ok "text recall and false matches"; else fail "text recall"; fi
else
  echo "SKIP: fifthtribe/isisfanboy absent"
fi

# ---- URLs -----------------------------------------------------------------------
cat >"$WORK/urls.txt" <<'EOF'
HTTPS://JustPaste.it:443/MESSAGE?b=2&utm_source=twitter&a=1#top
https://justpaste.it/message?a=1&b=2
http://cdn.www.propaganda.example/video.mp4
https://notpropaganda.example/
http://
EOF
set +e; "$V" --quiet match --bank rt-url --urls "$WORK/urls.txt" >"$WORK/u.out" 2>"$WORK/u.err"; rc=$?; set -e
check "urls exit (one bad)" "$rc" 3
check "url matches" "$(cut -d, -f1 "$WORK/u.out" | tr '\n' ' ')" "$WORK/urls.txt:1 $WORK/urls.txt:3 "
grep -q "urls.txt:5: url: not a URL" "$WORK/u.err" && ok "bad url message" || fail "bad url msg: $(cat "$WORK/u.err")"

# ---- --store: ingested posts against text and url banks ---------------------
# (tests/data/match/posts.csv: three made-up posts in the IsisFanboy CSV layout)
export VIGIL_DB="$WORK/s.db"
q ingest "$D/posts.csv" >/dev/null 2>&1
q bank create t --kind text
q bank import t "$D/bank-text.csv"
q bank create u --kind url
q bank import u "$D/bank-url.txt"
q bank create p --kind pdq
set +e; "$V" match --store >"$WORK/store.out" 2>"$WORK/store.err"; rc=$?; set -e
check "match --store exit" "$rc" 0
check "store matches" "$(cut -d, -f1,2 "$WORK/store.out" | sort | tr '\n' ' ')" "post:101,t post:101,u post:102,u "
grep -q "^post:102,u,[0-9]*,1,$" "$WORK/store.out" && ok "domain entry via expanded URL" || fail "domain: $(cat "$WORK/store.out")"
grep -q "not image bytes" "$WORK/store.err" && ok "says hash banks cannot match stored media" || fail "media note: $(cat "$WORK/store.err")"

finish
