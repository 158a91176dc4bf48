#!/usr/bin/env bash
# End to end: `sceval sweep` over 1 model x 2 tasks (a glob) on an in-process GGUF model.
#  1. an unsharded sweep; 2. shards 0/2 and 1/2 into another directory, each with its own cache:
#     the cells and summary equal the unsharded sweep's; 3. the sweep again skips finished cells;
#  4. --summary-only rewrites the same summary.
# The decision map is label scoring, so every point has a label and the metrics are defined.
# Usage: sweep_shards.sh SCEVAL_BINARY SOURCE_DIR WORK_DIR
set -euo pipefail
SCEVAL=$1
SRC=$2
W=$3
rm -rf "$W" && mkdir -p "$W/tasks"
"$SCEVAL" make-test-model --shape tiny --seed 7 -o "$W/model.gguf"
# Two small tasks (4 x 5 x 3 = 60 points each) made from the bundled 3-way example.
python3 - "$SRC/tasks/examples/credit_risk_3way.json" "$W/tasks" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))
t["features"][0]["stop"] = 50
for name, prompt_tail in (("mini_a", ""), ("mini_b", "Be careful.\n")):
    t["name"] = name
    t["prompt"] = t["prompt"] + prompt_tail
    json.dump(t, open(f"{sys.argv[2]}/{name}.json", "w"), indent=1)
PY
export SCEVAL_TASK_PATH="$W/tasks"
cat > "$W/sweep.json" <<JSON
{"models": [{"alias": "tiny", "spec": "gguf:$W/model.gguf", "settings": {"threads": 2}}],
 "tasks": ["mini_*"],
 "settings": {"decision_map": "score", "limit": 4, "max_tokens": 16, "chunk": 16, "bootstrap": 200}}
JSON
"$SCEVAL" sweep "$W/sweep.json" -o "$W/full" --cache "$W/full.sqlite" > "$W/full.out" 2> "$W/full.log"
"$SCEVAL" sweep "$W/sweep.json" -o "$W/sharded" --shard 0/2 --cache "$W/s0.sqlite" > "$W/s0.out" 2> "$W/s0.log"
test "$(wc -l < "$W/sharded/summary.csv")" -eq 2 || { echo "shard 0/2 should summarise 1 cell"; cat "$W/sharded/summary.csv"; exit 1; }
"$SCEVAL" sweep "$W/sweep.json" -o "$W/sharded" --shard 1/2 --cache "$W/s1.sqlite" > "$W/s1.out" 2> "$W/s1.log"
grep -q "1 cells, 1 run" "$W/s0.log" && grep -q "1 cells, 1 run" "$W/s1.log" || { cat "$W/s0.log" "$W/s1.log"; exit 1; }

for cell in tiny__mini_a tiny__mini_b; do
  cmp "$W/full/$cell/decision_map.csv" "$W/sharded/$cell/decision_map.csv"
  cmp "$W/full/$cell/sces.csv" "$W/sharded/$cell/sces.csv"
done
test "$(wc -l < "$W/full/summary.csv")" -eq 3 || { echo "the summary should have 2 rows"; cat "$W/full/summary.csv"; exit 1; }
cmp "$W/full/summary.csv" "$W/sharded/summary.csv"
cmp "$W/full/summary.md" "$W/sharded/summary.md"
python3 - "$W/full/summary.csv" <<'PY'
import csv, json, sys, os
rows = list(csv.DictReader(open(sys.argv[1])))
assert [r["cell"] for r in rows] == ["tiny__mini_a", "tiny__mini_b"], rows
for r in rows:
    res = json.load(open(os.path.join(os.path.dirname(sys.argv[1]), r["cell"], "results.json")))
    assert r["task"] == res["task"]["name"] and r["model"] == "tiny", r
    assert int(r["strict_n"]) == res["strict"]["metrics"]["n"] == 4, r
    assert float(r["strict_validity"]) == res["strict"]["metrics"]["validity"], r
    assert set(res["baselines"]) == {"oracle", "random_valid", "one_step"}
PY

# Finished cells are skipped (the model is not even loaded), and the summary is the same.
"$SCEVAL" sweep "$W/sweep.json" -o "$W/full" --cache "$W/full.sqlite" > "$W/again.out" 2> "$W/again.log"
grep -q "2 cells, 0 run, 2 already finished" "$W/again.log" || { cat "$W/again.log"; exit 1; }
cp "$W/full/summary.csv" "$W/summary.before"
rm "$W/full/summary.csv" "$W/full/summary.md"
"$SCEVAL" sweep "$W/sweep.json" -o "$W/full" --summary-only > "$W/summary.out"
cmp "$W/summary.before" "$W/full/summary.csv"
# A changed setting makes the cells run again.
sed -i 's/"limit": 4/"limit": 3/' "$W/sweep.json"
"$SCEVAL" sweep "$W/sweep.json" -o "$W/full" --cache "$W/full.sqlite" > "$W/changed.out" 2> "$W/changed.log"
grep -q "2 cells, 2 run" "$W/changed.log" || { cat "$W/changed.log"; exit 1; }
echo "sweep_shards: ok"
