#!/usr/bin/env bash
# `sceval sweep` over a text task (docs/text.md): two models of a stub OpenAI-compatible server, one
# with the items file given as a sweep setting (`items_file`, the run option --items-file); the
# summary has the text metrics, the same sweep again runs no cell, and two shards (each with its
# own cache) write the same cells and summary.
# Usage: text_sweep.sh SCEVAL_BINARY SOURCE_DIR WORK_DIR
set -euo pipefail
SCEVAL=$1
SRC=$2
W=$3
rm -rf "$W" && mkdir -p "$W"
# shellcheck source=stub_server.sh
. "$SRC/tests/e2e/stub_server.sh"
fail() { echo "FAIL: $*"; cat "$W/log"; exit 1; }

# Every prediction and fresh re-ask: "positive"; every revision "The plot was fine." (generated,
# asked afresh: still positive, so invalid).
start_stub "ANSWER: positive" "REVISED SCENARIO: The plot was fine."
cat > "$W/sweep.json" <<JSON
{"models": [{"alias": "a", "spec": "openai:a@$STUB_URL"},
            {"alias": "b", "spec": "openai:b@$STUB_URL",
             "settings": {"items_file": "$SRC/tests/data/text/items_small.jsonl"}}],
 "tasks": ["reviews"],
 "settings": {"limit": 4, "bootstrap": 20}}
JSON
sweep() { "$SCEVAL" sweep "$W/sweep.json" -o "$W/sweep" --cache "$W/cache.sqlite" > "$W/out" 2> "$W/log"; }
sweep || fail "sweep exited $?"
grep -Eq "^text +N=4 +generation +100.00% +validity +0.00%" "$W/out" || fail "cell line: $(cat "$W/out")"
/usr/bin/python3 - "$W/sweep" <<'PY' || fail "summary"
import csv, json, sys
d = sys.argv[1]
rows = {r["model"]: r for r in csv.DictReader(open(d + "/summary.csv"))}
assert sorted(rows) == ["a", "b"], rows
for m, n in (("a", 4), ("b", 3)):          # --limit 4; b's items file has 3 items
    r = rows[m]
    assert r["task"] == "reviews" and r["text_rows"] == str(n), r
    assert float(r["text_generation_rate"]) == 1 and float(r["text_validity"]) == 0, r
    assert r["strict_n"] == "" and r["grid_points"] == "", r   # no grid columns for a text cell
b = json.load(open(d + "/b__reviews/results.json"))
assert b["settings"]["items_file"].endswith("items_small.jsonl"), b["settings"]
assert b["task"]["items"] == 3 and b["task"]["items_path"].endswith("items_small.jsonl"), b["task"]
ids = [r["id"] for r in csv.DictReader(open(d + "/b__reviews/sces.csv"))]
assert ids == ["s1", "s2", "s3"], ids
md = open(d + "/summary.md").read()
assert "| model | task (text) |" in md and "| a | reviews | 4 | 100.0% | 0.0% |" in md, md
PY
sweep || fail "second sweep exited $?"
grep -q "2 cells, 0 run, 2 already finished" "$W/log" || fail "the second sweep ran cells"

# Shards 0/2 and 1/2 (as on a cluster array), each with its own cache: the same cells and summary.
for i in 0 1; do
  "$SCEVAL" sweep "$W/sweep.json" -o "$W/sharded" --shard "$i/2" --cache "$W/s$i.sqlite" > /dev/null 2> "$W/log" ||
    fail "shard $i/2 exited $?"
done
for cell in a__reviews b__reviews; do
  cmp -s "$W/sweep/$cell/sces.csv" "$W/sharded/$cell/sces.csv" || fail "shard cell $cell differs"
done
cmp -s "$W/sweep/summary.csv" "$W/sharded/summary.csv" || fail "the sharded summary differs"

# `sceval run --items-file` directly, and on a grid task: refused before anything is asked.
"$SCEVAL" run --task reviews --model "openai:a@$STUB_URL" --cache "$W/cache.sqlite" --bootstrap 10 \
  --items-file "$SRC/tests/data/text/items_small.jsonl" -o "$W/run" > /dev/null 2> "$W/log" || fail "run --items-file"
[ "$(tail -n +2 "$W/run/decision_map.csv" | wc -l)" = 3 ] || fail "run --items-file: not 3 items"
echo "text sweep: ok"
