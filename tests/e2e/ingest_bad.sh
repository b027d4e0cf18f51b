#!/usr/bin/env bash
# End to end: bad input gets FILE:LINE errors, the good records of the same
# file are stored, and nothing stored before is lost.
source "$(dirname "$0")/common.bash"
DB="$WORK/v.db"
T="$WORK/in"
mkdir -p "$T"

# a good base that must survive everything below
printf 'src dst\n1 2\n2 3\n' | sed 1d > "$T/base.tsv"
$V --db "$DB" --quiet ingest --format edgelist "$T/base.tsv" > /dev/null
base=$($V --db "$DB" stats --json --top 0)

page() { # id author text
  printf '{"data":[{"id":"%s","author_id":"%s","text":"%s","created_at":"2015-01-06T21:07:00.000Z","edit_history_tweet_ids":["%s"]}],"includes":{"users":[{"id":"%s","username":"u%s","name":"U"}]},"__twarc":{"url":"x"}}\n' "$1" "$2" "$3" "$1" "$2" "$2"
}
run() { # file [args]: sets rc, err
  local f=$1; shift
  set +e
  $V --db "$DB" --quiet ingest "$@" "$f" > "$WORK/out" 2> "$WORK/err"
  rc=$?
  set -e
  err=$(cat "$WORK/err")
}
has_err() { # description file line
  if grep -qE "^$(basename "$2" | sed 's/\./\\./g')|$2:$3: " <<<"$err" && grep -q "$2:$3: " <<<"$err"; then
    ok "$1 names $2:$3"
  else
    fail "$1: expected an error at $(basename "$2"):$3, got: $(head -c 300 <<<"$err")"
  fi
}
posts() { $V --db "$DB" stats --json --top 0 | python3 -c 'import json,sys; print(json.load(sys.stdin)["posts"])'; }

# 1. truncated JSON between good lines
{ page 101 1001 one; printf '{"data":[{"id":"102","author_id":"1001","tex\n'; page 103 1001 three; } > "$T/trunc.jsonl"
run "$T/trunc.jsonl" --format twarc2
check "truncated JSON: exit 3" "$rc" 3
has_err "truncated JSON" "$T/trunc.jsonl" 2
check "truncated JSON: good records stored" "$(posts)" 2

# 2. invalid UTF-8
{ page 201 1002 ok; printf '{"data":[{"id":"202","author_id":"1002","text":"bad \xff\xfe bytes"}]}\n'; page 203 1002 ok2; } > "$T/utf8.jsonl"
run "$T/utf8.jsonl" --format twarc2
check "invalid UTF-8: exit 3" "$rc" 3
has_err "invalid UTF-8" "$T/utf8.jsonl" 2
check "invalid UTF-8: good records stored" "$(posts)" 4

# 3. wrong types
{ page 301 1003 ok; printf '{"data":[{"id":{"x":1},"author_id":"1003","text":"t"}]}\n'; page 303 1003 ok2; } > "$T/types.jsonl"
run "$T/types.jsonl" --format twarc2
check "wrong types: exit 3" "$rc" 3
has_err "wrong types" "$T/types.jsonl" 2
check "wrong types: good records stored" "$(posts)" 6

# 4. a 100 MB single field
python3 - "$T/huge.jsonl" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    page = lambda i, a, t: '{"data":[{"id":"%s","author_id":"%s","text":"%s","edit_history_tweet_ids":["%s"]}],"includes":{"users":[{"id":"%s","username":"u%s","name":"U"}]}}\n' % (i, a, t, i, a, a)
    f.write(page(401, 1004, "before"))
    f.write('{"data":[{"id":"402","author_id":"1004","text":"')
    chunk = "A" * (1 << 20)
    for _ in range(100):
        f.write(chunk)
    f.write('"}]}\n')
    f.write(page(403, 1004, "after"))
PY
run "$T/huge.jsonl" --format twarc2
check "100 MB field: exit 3" "$rc" 3
has_err "100 MB field" "$T/huge.jsonl" 2
check "100 MB field: good records stored" "$(posts)" 8
rm -f "$T/huge.jsonl"

# 5. a binary file
head -c 65536 /dev/urandom > "$T/random.bin"
run "$T/random.bin"
if [ "$rc" = 1 ] || [ "$rc" = 3 ]; then ok "binary file: exit $rc"; else fail "binary file: exit $rc"; fi
has_err "binary file" "$T/random.bin" 1

# 6. an empty file
: > "$T/empty.jsonl"
run "$T/empty.jsonl"
check "empty file: exit 3" "$rc" 3
has_err "empty file" "$T/empty.jsonl" 1

# 7. CSV with a missing column in a row, and a bad number
printf 'name,username,description,location,followers,numberstatuses,time,tweets\nA,alpha,d,l,10,5,1/6/2015 21:07,hello @beta\nB,beta,d,l,10,5,1/6/2015 21:08\nC,gamma,d,l,ten,5,1/6/2015 21:09,x\nD,delta,d,l,3,5,1/6/2015 21:10,RT @alpha: hi\n' > "$T/cols.csv"
run "$T/cols.csv"
check "CSV missing column: exit 3" "$rc" 3
has_err "CSV missing column" "$T/cols.csv" 3
has_err "CSV bad number" "$T/cols.csv" 4
check "CSV good rows stored" "$(posts)" 10

# 8. --strict stops at the first bad record and keeps what came before
{ page 501 1005 a; printf 'not json\n'; page 503 1005 c; } > "$T/strict.jsonl"
run "$T/strict.jsonl" --format twarc2 --strict
check "--strict exit 3" "$rc" 3
check "--strict kept the record before" "$(posts)" 11

# nothing stored before was lost
after=$($V --db "$DB" stats --json --top 0)
check "earlier edges intact" "$(jget "$after" 'd["edges"]["follow"]')" "$(jget "$base" 'd["edges"]["follow"]')"

# usage errors exit 2
set +e; $V --db "$DB" ingest --format nope x > /dev/null 2>&1; rc=$?; set -e
check "unknown format: exit 2" "$rc" 2
set +e; $V --db "$DB" ingest "$T/does-not-exist" > /dev/null 2>&1; rc=$?; set -e
check "missing file: exit 1" "$rc" 1
finish
