#!/usr/bin/env bash
# The main job, end to end on a real model in-process: build the sceval CLI and the Python package
# (only they and llama.cpp's library, not the tests: the README's Python quick start comes right
# after this script and imports build/python/sceval), audit the toy model trained in this
# repository (models/toy/: a 0.6 MB llama that learned a known rule and SCE policy) on every point
# of its 1,920-point grid, and write the run directory and its HTML report.
# Usage: scripts/demo.sh [RUN_DIR]   (default out/demo; rerunning answers from the response cache)
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/build.sh --target sceval --target sceval_python --target sceval_python_files
S=./build/src/cli/sceval
OUT=${1:-out/demo}
$S run --task toy_income --model gguf:models/toy/toy-income.gguf -o "$OUT"   # --threads 1 (the default)
$S report "$OUT" -o "$OUT/report.html"
echo "run directory: $OUT (results.json, decision_map.csv, sces.csv, samples.jsonl)"
echo "report: $(cd "$OUT" && pwd)/report.html"
echo "Python: PYTHONPATH=$PWD/build/python /usr/bin/python3 -c 'import sceval'  (docs/python.md)"
