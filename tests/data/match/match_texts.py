#!/usr/bin/env python3
"""Helper of tests/e2e/match.sh: query files for the text-bank test and the
scoring of `vigil match --texts` output (recall and false-match rates).

prepare ISIS_CSV FT_EXPORT_JSONL FT_CSV WORK
    queries.txt   one IsisFanboy tweet per line (newlines -> spaces)
    shuffled.txt  the same tweets with their words shuffled (blank when the
                  shuffle does not change the order of the words that count)
    unrelated.txt random Fifth Tribe vocabulary, as many words as the tweet
    meta.json     twins: query line -> bank entry ids with the same
                  (username, time) in Fifth Tribe
score WORK        prints the figures; exit 1 if recall < 0.99 or a
                  false-match rate > 0.01
"""
import csv
import json
import random
import re
import sys

csv.field_size_limit(1 << 24)


def norm(t):
    t = t.strip(" \t\r\n\v\f")
    return t.replace("\r", " ").replace("\n", " ").replace("\t", " ")


def words_that_count(ws):
    return [w for w in ws if not re.match(r"^(https?://|@)", w)]


def prepare(isis, ft_export, ft_csv, work):
    by_text = {}
    for line in open(ft_export, encoding="utf-8"):
        o = json.loads(line)
        by_text[o["text"]] = o["id"]
    key_ids = {}
    vocab = []
    with open(ft_csv, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            t = norm(row.get("tweets") or "")
            if t in by_text:
                key_ids.setdefault((row["username"], row["time"]), set()).add(by_text[t])
            vocab.extend(w for w in t.split() if w.isalpha())
    rng = random.Random(1)
    twins, shuffled_ok = {}, []
    q = open(f"{work}/queries.txt", "w", encoding="utf-8")
    s = open(f"{work}/shuffled.txt", "w", encoding="utf-8")
    u = open(f"{work}/unrelated.txt", "w", encoding="utf-8")
    line = 0
    with open(isis, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if not row.get("tweets") or not row.get("username"):
                continue
            t = norm(row["tweets"])
            line += 1
            q.write(t + "\n")
            ids = key_ids.get((row["username"], row["time"]))
            if ids:
                twins[line] = sorted(ids)
            ws = t.split()
            sh = ws[:]
            rng.shuffle(sh)
            if words_that_count(sh) != words_that_count(ws):
                s.write(" ".join(sh) + "\n")
                shuffled_ok.append(line)
            else:
                s.write("\n")
            u.write(" ".join(rng.choice(vocab) for _ in ws) + "\n")
    json.dump({"twins": twins, "queries": line, "shuffled": shuffled_ok}, open(f"{work}/meta.json", "w"))


def hits(path):
    out = {}
    for r in csv.reader(open(path, encoding="utf-8")):
        line = int(r[0].rsplit(":", 1)[1])
        out.setdefault(line, set()).add(int(r[2]))
    return out


def score(work):
    meta = json.load(open(f"{work}/meta.json"))
    twins = {int(k): set(v) for k, v in meta["twins"].items()}
    got = hits(f"{work}/queries.out")
    found = sum(1 for l, ids in twins.items() if got.get(l, set()) & ids)
    recall = found / len(twins)
    sh = hits(f"{work}/shuffled.out")
    shuffled_rate = sum(1 for l in meta["shuffled"] if l in sh) / max(1, len(meta["shuffled"]))
    un = hits(f"{work}/unrelated.out")
    unrelated_rate = len(un) / meta["queries"]
    print(f"text: {meta['queries']} queries, {len(twins)} with a Fifth Tribe twin, "
          f"recall {recall:.4f} ({found}); shuffled-word false matches {shuffled_rate:.4f} "
          f"of {len(meta['shuffled'])}; unrelated-text false matches {unrelated_rate:.4f}")
    return 0 if recall >= 0.99 and shuffled_rate <= 0.01 and unrelated_rate <= 0.01 else 1


if __name__ == "__main__":
    if sys.argv[1] == "prepare":
        prepare(*sys.argv[2:6])
    else:
        sys.exit(score(sys.argv[2]))
