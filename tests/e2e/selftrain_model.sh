#!/usr/bin/env bash
# The self-trained toy model (models/toy/selftrain/, made by tools/toymodel/selftrain.sh from the
# toy model's own audit) reproduces its card: audited in-process over the whole grid, its validity
# and exact match, over all points and over the held-out and training points of split.json, equal
# summary.json's "after" figures; `sceval compare --points split.json:heldout` against the base
# model's audit shows the gain on points the fine-tune never saw.
# Usage: selftrain_model.sh SCEVAL_BINARY WORK_DIR
set -euo pipefail
SCEVAL=$1
W=$2
HERE=$(cd "$(dirname "$0")" && pwd)
DIR="$HERE/../../models/toy/selftrain"
rm -rf "$W" && mkdir -p "$W"
(cd "$DIR" && sha256sum -c --quiet toy-selftrain.gguf.sha256)
"$SCEVAL" run --task toy_income --model "gguf:$DIR/toy-selftrain.gguf" --threads 1 --no-cache -o "$W/after" \
  > /dev/null 2> "$W/after.log"
/usr/bin/python3 - "$W/after/sces.csv" "$DIR/split.json" "$DIR/summary.json" <<'PY'
import csv, json, sys
rows = {int(r["index"]): r for r in csv.DictReader(open(sys.argv[1]))}
split = json.load(open(sys.argv[2]))
want = json.load(open(sys.argv[3]))["after"]
parts = {"all": sorted(rows), "train": split["train"], "heldout": split["heldout"]}
for name, points in parts.items():
    got = {"n": len(points),
           "validity": sum(rows[i]["valid"] == "1" for i in points) / len(points),
           "exact_match": sum(rows[i]["exact_match"] == "1" for i in points) / len(points)}
    for key, value in want[name].items():
        assert abs(got[key] - value) < 1e-12, (name, key, got[key], value)
    print(f"{name}: n={got['n']} validity={got['validity']:.4f} exact_match={got['exact_match']:.4f} (as summary.json)")
PY
# The base model on the held-out points only (it was audited on every point by the toy test).
"$SCEVAL" run --task toy_income --model "gguf:$DIR/../toy-income.gguf" --threads 1 --no-cache -o "$W/before" \
  > /dev/null 2> "$W/before.log"
"$SCEVAL" compare "$W/before" "$W/after" --points "$DIR/split.json:heldout" --bootstrap 200 > "$W/compare.txt"
cat "$W/compare.txt"
# The paired gain on the held-out points is the card's before/after difference there.
gain=$(/usr/bin/python3 -c 'import json, sys; s = json.load(open(sys.argv[1]))
a, b = s["after"]["heldout"]["validity"], s["before"]["heldout"]["validity"]
print("%+.2f pp" % (100 * (a - b)))' "$DIR/summary.json")
grep -Eq "^validity +\\$gain " "$W/compare.txt" || { echo "compare does not show the card's validity gain $gain"; exit 1; }
echo "selftrain_model: ok"
