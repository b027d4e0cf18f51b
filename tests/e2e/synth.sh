#!/usr/bin/env bash
# vigil synth end to end: the real binary writes a small network twice
# (same seed -> same bytes), every file parses, entities and references are
# consistent, and the planted supporters look like the census figures.
set -euo pipefail
BIN=${VIGIL_BIN:-build/vigil}
[ -x "$BIN" ] || { echo "SKIP: $BIN not built"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: python3 missing"; exit 77; }
TMP=$(mktemp -d "${VIGIL_TMP:-/tmp}/e2e-synth-XXXXXX")
trap 'rm -rf "$TMP"' EXIT

"$BIN" synth --help | grep -q -- '--accounts' || { echo "FAIL: --help"; exit 1; }
set +e
"$BIN" synth --out "$TMP/x" 2>/dev/null; rc=$?
set -e
[ "$rc" = 2 ] || { echo "FAIL: missing --accounts should exit 2, got $rc"; exit 1; }

"$BIN" synth --accounts 3000 --seed 42 --out "$TMP/a" > "$TMP/a.out"
"$BIN" synth --accounts 3000 --seed 42 --threads 1 --out "$TMP/b" > "$TMP/b.out"
grep -q "3000 accounts (150 supporters" "$TMP/a.out" || { echo "FAIL: summary"; cat "$TMP/a.out"; exit 1; }
for f in users.jsonl tweets.jsonl users_compliance.jsonl follows.tsv truth.csv truth_recreated.csv labels.csv; do
  cmp -s "$TMP/a/$f" "$TMP/b/$f" || { echo "FAIL: $f differs between identical runs"; exit 1; }
done

python3 - "$TMP/a" <<'PY'
import collections, json, sys
d = sys.argv[1]
def fail(msg):
    print("FAIL:", msg); sys.exit(1)
truth = dict(l.strip().split(",") for l in list(open(f"{d}/truth.csv"))[1:])
sup = {a for a, b in truth.items() if b == "supporter"}
users = {}
for l in open(f"{d}/users.jsonl"):
    pg = json.loads(l)
    if not 1 <= len(pg["data"]) <= 100 or pg["meta"]["result_count"] != len(pg["data"]): fail("users page")
    for u in pg["data"]:
        for k in ("id", "username", "name", "description", "location", "created_at", "verified", "protected"):
            if k not in u: fail("user lacks " + k)
        if set(u["public_metrics"]) != {"followers_count", "following_count", "tweet_count", "listed_count"}: fail("metrics")
        if not u["created_at"].endswith(".000Z") or int(u["id"]) <= 2**53: fail("user id/time")
        users[u["id"]] = u
if set(users) != set(truth): fail("users.jsonl and truth.csv list different accounts")
names = collections.Counter(u["username"].lower() for u in users.values())
if names.most_common(1)[0][1] != 1: fail("duplicate username")
lang = collections.Counter(); alang = collections.defaultdict(collections.Counter); n = 0; rt = 0; rep = 0
for l in open(f"{d}/tweets.jsonl"):
    pg = json.loads(l)
    inc_u = {u["id"] for u in pg["includes"]["users"]}
    inc_t = {t["id"] for t in pg["includes"].get("tweets", [])}
    if pg["meta"]["result_count"] != len(pg["data"]): fail("tweets meta")
    for t in pg["data"] + pg["includes"].get("tweets", []):
        if t["author_id"] not in inc_u: fail("author not in includes.users")
        if not t["created_at"].endswith(".000Z"): fail("created_at")
        ent = t.get("entities", {})
        for m in ent.get("mentions", []):
            if t["text"][m["start"]:m["end"]] != "@" + m["username"] or m["id"] not in inc_u: fail("mention entity")
        for h in ent.get("hashtags", []):
            if t["text"][h["start"]:h["end"]] != "#" + h["tag"]: fail("hashtag entity")
        for u in ent.get("urls", []):
            if t["text"][u["start"]:u["end"]] != u["url"] or ".example/" not in u["expanded_url"]: fail("url entity")
    for t in pg["data"]:
        n += 1
        for r in t.get("referenced_tweets", []):
            if r["id"] not in inc_t: fail("referenced tweet not in includes.tweets")
            rt += r["type"] == "retweeted"; rep += r["type"] == "replied_to"
        own = all(r["type"] != "retweeted" for r in t.get("referenced_tweets", []))
        if t["author_id"] in sup and own: alang[t["author_id"]][t["lang"]] += 1
# per account, own posts (a retweet carries the original's language, and a
# few hyperactive accounts dominate post counts)
for c in alang.values(): lang[c.most_common(1)[0][0]] += 1
tot = sum(lang.values())
if not (n > 3000 and rt > 0 and rep > 0): fail(f"posts {n} rt {rt} replies {rep}")
if not 0.6 < lang["ar"] / tot < 0.86: fail("supporter language mix %r" % lang)
fs = sum(users[a]["public_metrics"]["followers_count"] for a in sup) / len(sup)
fo = sum(u["public_metrics"]["followers_count"] for a, u in users.items() if a not in sup) / (len(users) - len(sup))
if not 3 < fs / fo < 8: fail(f"followers means {fs} vs {fo}")
seen = set(); ins = tots = ino = toto = 0
for l in open(f"{d}/follows.tsv"):
    a, b = l.rstrip("\n").split("\t")
    if a not in truth or b not in truth or a == b or (a, b) in seen: fail("bad edge " + l)
    seen.add((a, b))
    if a in sup: tots += 1; ins += b in sup
    else: toto += 1; ino += b in sup
if not ins / tots > 10 * ino / toto: fail("no in-group bias")
for c in map(json.loads, open(f"{d}/users_compliance.jsonl")):
    if c["id"] not in sup or c["reason"] != "suspended" or c["action"] != "delete": fail("compliance")
for l in list(open(f"{d}/truth_recreated.csv"))[1:]:
    a, b = l.strip().split(",")
    if a not in sup or b not in sup: fail("recreated not supporters")
lab = [l.strip().split(",") for l in list(open(f"{d}/labels.csv"))[1:]]
if any(truth[a] != b for a, b in lab) or len(lab) != 40: fail("labels")
print(f"ok: {len(users)} users, {n} posts, {len(seen)} edges, supporter ar {lang['ar']/tot:.2f}, "
      f"followers {fs:.0f}/{fo:.0f}, in-group {ins/tots:.2f}/{ino/toto:.3f}")
PY
echo "PASS synth e2e"
