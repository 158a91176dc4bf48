#!/usr/bin/env bash
# export-training end to end on a `sceval score` run of examples/income-rule: row counts from the
# run's own sces.csv, every exported target parsed back (here, independently of sceval's parser)
# equal to `sceval closest`'s closest counterfactual, and compare --points on the held-out part.
# Usage: export_training.sh SCEVAL_BINARY REPO WORK_DIR
set -euo pipefail
SCEVAL=$1
REPO=$2
W=$3
rm -rf "$W" && mkdir -p "$W"
EX="$REPO/examples/income-rule"
"$SCEVAL" score --task income --decision-map "$EX/decision_map.csv" --sces "$EX/sces.csv" -o "$W/run" > /dev/null
"$SCEVAL" closest --task income --decision-map "$EX/decision_map.csv" --mode exact -o "$W/closest.csv" 2> /dev/null
"$SCEVAL" export-training "$W/run" -o "$W/sft.jsonl" --format sft --split random:0.3:1 --split-out "$W/split.json" \
  --include-turn1 > "$W/sft-summary.json"
"$SCEVAL" export-training "$W/run" -o "$W/dpo.jsonl" --format dpo --split random:0.3:1 > "$W/dpo-summary.json"
# The same spec gives the same split.
"$SCEVAL" export-training "$W/run" -o "$W/sft2.jsonl" --format sft --split random:0.3:1 --split-out "$W/split2.json" > /dev/null
cmp "$W/split.json" "$W/split2.json"
"$SCEVAL" compare "$W/run" "$W/run" --points "$W/split.json:heldout" --json > "$W/compare.json"
"$SCEVAL" score --task income --decision-map "$EX/decision_map.csv" --sces "$EX/sces.csv" \
  --points "$W/split.json:heldout" -o "$W/heldout" > /dev/null
if "$SCEVAL" export-training "$W/run" -o "$W/x.jsonl" --split 'nosuch>=3' 2> "$W/err.txt"; then
  echo "a split on an unknown feature was accepted"; exit 1
fi
grep -q "nosuch" "$W/err.txt"

# The toy task's rule and SCE policy (tools/toymodel/toytask.py) written as a run: the DPO export keeps
# exactly the SCEs that are not exactly minimal. models/toy/README.md's brute force: 48.02 % of the 1,920
# policy SCEs (922) are exact matches, so 998 pairs.
python3 - "$W" "$REPO" <<'PY'
import csv, sys
w, repo = sys.argv[1:3]
sys.path.insert(0, f"{repo}/tools/toymodel")
import toytask as T
with open(f"{w}/toy_map.csv", "w", newline="") as m, open(f"{w}/toy_sces.csv", "w", newline="") as s:
    wm, ws = csv.writer(m), csv.writer(s)
    wm.writerow(["age", "education", "label"])
    ws.writerow(["orig_age", "orig_education", "target", "sce_age", "sce_education"])
    for a in T.AGES:
        for e in T.EDUS:
            wm.writerow([a, e, T.label(a, e)])
            sa, se, _ = T.sce_policy(a, e)
            ws.writerow([a, e, "below" if T.label(a, e) == "above" else "above", sa, se])
PY
"$SCEVAL" score --task toy_income --decision-map "$W/toy_map.csv" --sces "$W/toy_sces.csv" -o "$W/toy" > /dev/null
"$SCEVAL" export-training "$W/toy" -o "$W/toy_dpo.jsonl" --format dpo > "$W/toy_dpo.json"
test "$(wc -l < "$W/toy_dpo.jsonl")" -eq 998
grep -q '"already_minimal": 922' "$W/toy_dpo.json"

python3 - "$W" "$REPO" <<'PY'
import csv, json, sys
w, repo = sys.argv[1:3]
task = json.load(open(f"{repo}/tasks/paper/income.json"))
feats = task["features"]
rows = list(csv.DictReader(open(f"{w}/run/sces.csv", newline="")))
grid = {}  # (value texts...) -> index
for r in csv.DictReader(open(f"{w}/run/decision_map.csv", newline="")):
    grid[tuple(r[f["name"]] for f in feats)] = (int(r["index"]), r["label"])
closest = {int(r["index"]): int(r["closest_index"]) for r in csv.DictReader(open(f"{w}/closest.csv", newline=""))
           if r["closest_index"]}
split = json.load(open(f"{w}/split.json"))
held = set(split["heldout"])
assert len(held) + len(split["train"]) == len(grid) == split["grid_points"], "split covers the grid"
assert len(held) == round(0.3 * len(grid)), len(held)
train_rows = [r for r in rows if int(r["index"]) not in held]
labelled = [r for r in train_rows if r["label"] in task["options"]]

def target(text):  # the JSON answer -> grid index, by value texts (numbers for integer features)
    obj = json.loads(text)
    assert list(obj) == [f["key"] for f in feats], obj
    key = tuple(str(obj[f["key"]]) for f in feats)
    return grid[key][0]

sft = [json.loads(l) for l in open(f"{w}/sft.jsonl")]
summary = json.load(open(f"{w}/sft-summary.json"))
follow = [r for r in sft if len(r["messages"]) == 4]
turn1 = [r for r in sft if len(r["messages"]) == 2]
assert len(follow) == len(labelled), (len(follow), len(labelled))
assert summary["stats"]["heldout"] == len(rows) - len(train_rows)
assert len(turn1) == sum(1 for i in split["train"] if [v for v in grid.values() if v[0] == i][0][1] in task["options"])
for r, src in zip(follow, labelled):
    m = r["messages"]
    assert [x["role"] for x in m] == ["user", "assistant", "user", "assistant"], m
    assert target(m[3]["content"]) == closest[int(src["index"])], (src["index"], m[3]["content"])
    assert grid[tuple(src["orig_" + f["name"]] for f in feats)][0] == int(src["index"])
dpo = [json.loads(l) for l in open(f"{w}/dpo.jsonl")]
want = [r for r in labelled if r["exact_match"] != "1" and r["status"] == "ok"]
assert len(dpo) == len(want), (len(dpo), len(want))
for r, src in zip(dpo, want):
    assert sorted(r) == ["chosen", "prompt", "rejected"]
    assert target(r["chosen"][0]["content"]) == closest[int(src["index"])]
    assert target(r["rejected"][0]["content"]) != closest[int(src["index"])]
cmp = json.load(open(f"{w}/compare.json"))
assert cmp["pairs"] == len(rows) - len(train_rows), cmp["pairs"]
held_rows = [r for r in rows if int(r["index"]) in held]
strict = json.load(open(f"{w}/heldout/results.json"))["strict"]["metrics"]
assert strict["n"] == sum(r["label"] in task["options"] for r in held_rows), strict["n"]
print(f"ok: {len(follow)} sft follow-ups, {len(turn1)} turn-1 rows, {len(dpo)} dpo pairs, {len(held)} points held out")
PY
