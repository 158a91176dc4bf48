#!/usr/bin/env bash
# The main job on a built-in example: score the synthetic income run in examples/income-rule/
# (a rule-following "model" with known SCE habits) and write a run directory.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/build.sh
OUT=${1:-out/demo}
./build/src/cli/sceval score --task income \
  --decision-map examples/income-rule/decision_map.csv \
  --sces examples/income-rule/sces.csv -o "$OUT"
echo "run directory: $OUT"
