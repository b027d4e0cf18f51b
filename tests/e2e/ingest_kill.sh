#!/usr/bin/env bash
# End to end: SIGKILL an ingest midway, re-run it, and get exactly the
# counts of a clean run (edge list and twarc2 JSON lines).
source "$(dirname "$0")/common.bash"
command -v sqlite3 > /dev/null || { echo "SKIP: sqlite3 CLI absent"; exit 77; }

python3 - "$WORK/big.tsv" "$WORK/big.jsonl" <<'PY'
import random, sys
r = random.Random(7)
with open(sys.argv[1], "w") as f:
    for i in range(600000):
        f.write("%d %d\n" % (r.randrange(200000), r.randrange(200000)))
with open(sys.argv[2], "w") as f:
    for i in range(60000):
        a = 10**17 + r.randrange(20000)
        m = 10**17 + r.randrange(20000)
        f.write('{"data":[{"id":"%d","author_id":"%d","text":"post %d #tag%d @u%d","created_at":"2015-03-01T10:00:00.000Z","entities":{"hashtags":[{"tag":"tag%d"}],"mentions":[{"id":"%d","username":"u%d"}]},"edit_history_tweet_ids":["%d"]}],"includes":{"users":[{"id":"%d","username":"u%d","name":"User %d","public_metrics":{"followers_count":%d,"following_count":1,"tweet_count":2,"listed_count":0}}]}}\n'
                % (10**18 + i, a, i, i % 50, m, i % 50, m, m, 10**18 + i, a, a, a, a % 1000))
PY

kill_and_resume() { # name file [args]
  local name=$1 file=$2; shift 2
  local clean="$WORK/$name-clean.db" killed="$WORK/$name-killed.db"
  $V --db "$clean" --quiet ingest --batch 5000 --edge-batch 20000 "$@" "$file" > /dev/null
  $V --db "$killed" --quiet ingest --batch 5000 --edge-batch 20000 "$@" "$file" > /dev/null 2>&1 &
  local pid=$! progressed=0
  for _ in $(seq 1 400); do
    sleep 0.02
    n=$(sqlite3 "$killed" "SELECT coalesce(max(next_line),0) FROM ingest_runs" 2>/dev/null || echo 0)
    if [ "${n:-0}" -gt 0 ]; then progressed=1; break; fi
  done
  # soon after the first commit: the twarc2 run takes about a second in
  # all, and a later kill (0.3 s) sometimes came after it had finished
  sleep 0.05
  kill -9 "$pid" 2> /dev/null || true
  wait "$pid" 2> /dev/null || true
  state=$(sqlite3 "$killed" "SELECT state FROM ingest_runs ORDER BY id DESC LIMIT 1" 2>/dev/null || echo none)
  check "$name: killed midway (run left '$state')" "$progressed$state" "1running"
  $V --db "$killed" --quiet ingest --batch 5000 --edge-batch 20000 "$@" "$file" > "$WORK/$name-resume.out"
  grep -q "resumed an interrupted run" "$WORK/$name-resume.out" && ok "$name: resumed" || fail "$name: did not resume"
  a=$($V --db "$clean" stats --json --top 5)
  b=$($V --db "$killed" stats --json --top 5)
  check "$name: counts equal a clean run" \
    "$(jget "$b" '(d["accounts"],d["posts"],d["edges"],d["top_hashtag"])')" \
    "$(jget "$a" '(d["accounts"],d["posts"],d["edges"],d["top_hashtag"])')"
  check "$name: store integrity" "$(sqlite3 "$killed" 'PRAGMA integrity_check')" ok
}
kill_and_resume edgelist "$WORK/big.tsv" --format edgelist
kill_and_resume twarc2 "$WORK/big.jsonl" --format twarc2
finish
