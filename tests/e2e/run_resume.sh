#!/usr/bin/env bash
# End to end: `sceval run` on an in-process GGUF model is cached and resumable.
#  1. a full run; 2. the same command again asks the model nothing and writes identical files;
#  3. a run killed with SIGKILL at a random moment, then re-run, ends with the same files as 1.
# Usage: run_resume.sh SCEVAL_BINARY WORK_DIR
set -euo pipefail
SCEVAL=$1
W=$2
rm -rf "$W" && mkdir -p "$W"
# shellcheck source=kill_resume.sh
. "$(dirname "$0")/kill_resume.sh"
"$SCEVAL" make-test-model --shape tiny --seed 7 -o "$W/model.gguf"
ARGS=(--task credit_risk_3way --model "gguf:$W/model.gguf" --limit 12 --max-tokens 24 --chunk 16 --threads 2)
# The model has random weights: a run ends with exit 0, or 3 when nothing could be scored
# (docs/errors.md); both mean it finished and wrote its files.
run() { "$SCEVAL" run "$@" || [ $? -eq 3 ]; }
same_results() {  # run directories $1 and $2 hold the same results (timing aside)
  cmp "$1/decision_map.csv" "$2/decision_map.csv"
  cmp "$1/sces.csv" "$2/sces.csv"
  python3 - "$1/results.json" "$2/results.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
for r in (a, b):
    r.pop("timing", None); r["settings"].pop("output", None)
assert a == b, "results.json differ"
PY
}
run "${ARGS[@]}" --cache "$W/cache.sqlite" -o "$W/full" 2> "$W/full.log"
run "${ARGS[@]}" --cache "$W/cache.sqlite" -o "$W/again" 2> "$W/again.log"
grep -q "0 asked" "$W/again.log" || { echo "second run asked the model:"; cat "$W/again.log"; exit 1; }
same_results "$W/full" "$W/again"

kill_and_resume 3 same_results "${ARGS[@]}"
echo "run_resume: ok"
