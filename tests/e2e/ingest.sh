#!/usr/bin/env bash
# End to end: vigil ingest on the real public data (skips when absent) and on
# bad input; idempotence; the JSON stats contract.
source "$(dirname "$0")/common.bash"
need_shared fifthtribe/tweets.csv
DB="$WORK/v.db"

# --- fifthtribe CSV: 17,410 posts by 112 accounts; mentioned accounts are stubs
$V --db "$DB" --quiet ingest "$SHARED/fifthtribe/tweets.csv" > "$WORK/out1"
s1=$($V --db "$DB" stats --json)
check "fifthtribe posts" "$(jget "$s1" 'd["posts"]')" 17410
check "fifthtribe accounts with a profile" "$(jget "$s1" 'd["accounts_with_profile"]')" 112
expected_rows=$(python3 -c "import csv,sys; print(sum(1 for _ in csv.DictReader(open(sys.argv[1], encoding='utf-8'))))" "$SHARED/fifthtribe/tweets.csv")
check "fifthtribe posts = rows counted independently" "$(jget "$s1" 'd["posts"]')" "$expected_rows"
mentioned=$(jget "$s1" 'd["edges"]["mention"] > 0 and d["accounts"] > 112')
check "mentioned-only accounts are stored" "$mentioned" True
$V --db "$DB" --quiet ingest "$SHARED/fifthtribe/tweets.csv" > "$WORK/out2"
s2=$($V --db "$DB" stats --json --top 0)
check "re-ingest changes no count" "$(jget "$s2" '(d["accounts"],d["posts"],d["edges"])')" "$(jget "$s1" '(d["accounts"],d["posts"],d["edges"])')"
check "re-ingest summary says unchanged" "$(grep -c '0 new, 0 updated' "$WORK/out2")" 3

# --- ego-twitter edge list (gzip): 81,306 accounts, 1,768,149 follow edges
if [ -e "$SHARED/ego-twitter/twitter_combined.reconstructed.txt.gz" ]; then
  EDB="$WORK/ego.db"
  $V --db "$EDB" --quiet ingest "$SHARED/ego-twitter/twitter_combined.reconstructed.txt.gz" > /dev/null
  e1=$($V --db "$EDB" stats --json --top 0)
  check "ego-twitter accounts" "$(jget "$e1" 'd["accounts"]')" 81306
  check "ego-twitter follow edges" "$(jget "$e1" 'd["edges"]["follow"]')" 1768149
  $V --db "$EDB" --quiet ingest "$SHARED/ego-twitter/twitter_combined.reconstructed.txt.gz" > "$WORK/out3"
  e2=$($V --db "$EDB" stats --json --top 0)
  check "ego-twitter re-ingest changes no count" "$(jget "$e2" '(d["accounts"],d["edges"])')" "$(jget "$e1" '(d["accounts"],d["edges"])')"
  check "ego-twitter re-ingest: edges unchanged" "$(grep -c 'edges     0 new, 0 updated, 1768149 unchanged' "$WORK/out3")" 1
else
  echo "SKIP: ego-twitter absent"
fi

# --- twarc2: every file gives the tweets and users it holds, counted here
# independently of vigil's parser
count_twarc2() {
  python3 - "$1" <<'PY'
import json, sys
tweets, users = set(), set()
def walk(o):
    if isinstance(o, dict):
        if isinstance(o.get("id"), str) and isinstance(o.get("text"), str) and "author_id" in o:
            tweets.add(o["id"])
        if isinstance(o.get("id"), str) and "username" in o and "name" in o:
            users.add(o["id"])
        for k, v in o.items():
            if k in ("__twarc", "errors", "meta", "matching_rules"):
                continue
            walk(v)
    elif isinstance(o, list):
        for v in o:
            walk(v)
for line in open(sys.argv[1], encoding="utf-8", errors="strict"):
    line = line.strip()
    if not line:
        continue
    try:
        d = json.loads(line)
    except ValueError:
        continue
    walk(d)
print(len(tweets), len(users))
PY
}
if [ -d "$SHARED/twarc2" ]; then
  for f in "$SHARED"/twarc2/*.jsonl; do
    name=$(basename "$f")
    TDB="$WORK/tw-$name.db"
    set +e
    $V --db "$TDB" --quiet ingest "$f" > /dev/null 2> "$WORK/tw-$name.err"
    rc=$?
    set -e
    read -r nt nu < <(count_twarc2 "$f")
    st=$($V --db "$TDB" stats --json --top 0)
    got="$(jget "$st" 'd["posts"]') $(jget "$st" 'd["accounts_with_profile"]')"
    check "twarc2 $name tweets/users (rc $rc)" "$got" "$nt $nu"
    $V --db "$TDB" --quiet ingest "$f" > /dev/null 2>&1 || true
    st2=$($V --db "$TDB" stats --json --top 0)
    check "twarc2 $name re-ingest" "$(jget "$st2" '(d["accounts"],d["posts"],d["edges"])')" "$(jget "$st" '(d["accounts"],d["posts"],d["edges"])')"
    # ingest writes with SQLite's foreign-key checks off (VIGIL_STORE_BULK):
    # every reference must still hold
    if command -v sqlite3 > /dev/null; then
      check "twarc2 $name foreign keys hold" "$(sqlite3 "$TDB" 'PRAGMA foreign_key_check' | wc -l)" 0
    fi
  done
  # the stream with a broken line: the error names FILE:LINE, exit 3
  f="$SHARED/twarc2/streaming_output_with_error.jsonl"
  if [ -e "$f" ]; then
    set +e; $V --db "$WORK/err.db" --quiet ingest "$f" > /dev/null 2> "$WORK/err.txt"; rc=$?; set -e
    check "broken stream exits 3" "$rc" 3
    check "broken stream error names the file and line" "$(grep -cE "streaming_output_with_error.jsonl:[0-9]+: " "$WORK/err.txt" | awk '{print ($1>0)}')" 1
  fi
fi
if command -v sqlite3 > /dev/null; then
  for db in "$DB" "${EDB:-}"; do
    [ -n "$db" ] && [ -e "$db" ] || continue
    check "$(basename "$db"): foreign keys hold" "$(sqlite3 "$db" 'PRAGMA foreign_key_check' | wc -l)" 0
  done
fi
finish
