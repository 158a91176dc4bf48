#!/usr/bin/env bash
# End to end on an in-process GGUF model (random weights: the answers are noise, the machinery is real):
#  1. `sceval stability` over two prompt variants (label scoring): stability.json agrees with the
#     per-variant decision maps, and its majority/agreement/unanimous fraction are recomputed here;
#  2. `sceval gower-quiz`: gower_quiz.json is consistent (answers = argmin, counts add up), and a
#     second run asks the model nothing (cache) and writes the same file.
# Usage: stability_quiz.sh SCEVAL_BINARY SOURCE_DIR WORK_DIR
set -euo pipefail
SCEVAL=$1
SRC=$2
W=$3
rm -rf "$W" && mkdir -p "$W/tasks"
"$SCEVAL" make-test-model --shape tiny --seed 7 -o "$W/model.gguf"
python3 - "$SRC/tasks/examples/credit_risk_3way.json" "$W/tasks" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))
t["features"][0]["stop"] = 50  # 4 x 5 x 3 = 60 points
for name, tail, options in (("mini_a", "", None), ("mini_b", "Think twice.\n", ["High risk", "Medium risk", "Low risk"])):
    t["name"], t["prompt"] = name, t["prompt"] + tail
    if options: t["options"] = options  # same options, another order
    json.dump(t, open(f"{sys.argv[2]}/{name}.json", "w"), indent=1)
PY
export SCEVAL_TASK_PATH="$W/tasks"
M=(--model "gguf:$W/model.gguf" --threads 2 --cache "$W/cache.sqlite")

"$SCEVAL" stability --tasks 'mini_*' --decision-map score "${M[@]}" -o "$W/stab" > "$W/stab.out" 2> "$W/stab.log"
python3 - "$W/stab" <<'PY'
import csv, json, sys
d = sys.argv[1]
s = json.load(open(f"{d}/stability.json"))
assert s["kind"] == "stability" and s["variants"] == ["mini_a", "mini_b"], s["variants"]
opts = s["options"]
n = 60
for v, labels in zip(s["variants"], s["labels"]):
    rows = list(csv.DictReader(open(f"{d}/decision_maps/{v}.csv")))
    assert len(rows) == n == len(labels)
    assert [opts.index(r["label"]) if r["label"] in opts else -1 for r in rows] == labels, v
unanimous = 0
for i in range(n):
    votes = [l[i] for l in s["labels"] if l[i] >= 0]
    counts = [votes.count(o) for o in range(len(opts))]
    best = max(counts)
    maj = counts.index(best) if best else -1
    assert s["majority"][i] == maj, i
    assert abs(s["agreement"][i] - best / len(s["labels"])) < 1e-12, i
    unanimous += best == len(s["labels"])
assert abs(s["unanimous_fraction"] - unanimous / n) < 1e-12
assert s["band_points"] == n - unanimous and "band_definition" in s
print(f"stability: unanimous {unanimous}/{n}, band width {s['boundary_band_width']}")
PY

Q=(--task house_prices --items 8 --max-tokens 24 "${M[@]}")
"$SCEVAL" gower-quiz "${Q[@]}" -o "$W/quiz" > "$W/quiz.out" 2> "$W/quiz.log"
"$SCEVAL" gower-quiz "${Q[@]}" -o "$W/quiz2" > "$W/quiz2.out" 2> "$W/quiz2.log"
cmp "$W/quiz/gower_quiz.json" "$W/quiz2/gower_quiz.json" || diff <(python3 -m json.tool "$W/quiz/gower_quiz.json") \
  <(python3 -m json.tool "$W/quiz2/gower_quiz.json")
python3 - "$W/quiz/gower_quiz.json" <<'PY'
import json, sys
q = json.load(open(sys.argv[1]))
assert q["kind"] == "gower_quiz" and q["task"] == "house_prices" and q["n_drawn"] == 8
assert q["n_items"] == len(q["items"]) <= 8
assert sum(q["by_status"].values()) == q["n_items"]
assert q["correct"] == sum(it["correct"] for it in q["items"])
for it in q["items"]:
    d = it["distances"]
    assert len(set(d)) == 4 and d.index(min(d)) == it["answer"]
    assert it["correct"] == (it["choice"] == it["answer"])
PY
echo "stability_quiz: ok"
