#!/usr/bin/env bash
# Differential test: sceval's parse module against the paper's own parsing code on generated
# model-like replies (bench/fuzz/gen_replies.py). Needs python3 and a git checkout of
# HarryMayne/SCEs (SCES_REPO, default /work/.mirror/HarryMayne+SCEs/repo); the paper's functions
# are read from it at run time (bench/fuzz/paper_oracle.py).
#   bench/fuzz/differential.sh [N=20000] [SEED=1] [heavy]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
N="${1:-20000}"
SEED="${2:-1}"
HEAVY="${3:-}"
CXX="${CXX:-g++}"
OUT="${OUT:-$ROOT/build/fuzz}"
SCES_REPO="${SCES_REPO:-/work/.mirror/HarryMayne+SCEs/repo}"
mkdir -p "$OUT"
if [ ! -x "$OUT/parse_driver" ] || [ -n "$(find "$ROOT/src/parse" "$ROOT/bench/fuzz/parse_driver.cpp" -newer "$OUT/parse_driver" -print -quit)" ]; then
  echo "== compiling $OUT/parse_driver"
  "$CXX" -std=c++20 -O1 -I"$ROOT/src" "$ROOT/bench/fuzz/parse_driver.cpp" "$ROOT"/src/parse/*.cpp \
    "$ROOT/src/task/feature.cpp" "$ROOT/src/task/task_file.cpp" "$ROOT/src/task/template.cpp" -lfmt -o "$OUT/parse_driver"
fi
python3 "$ROOT/bench/fuzz/gen_replies.py" "$N" "$SEED" $HEAVY >"$OUT/replies.jsonl"
"$OUT/parse_driver" "$ROOT/tasks/paper" <"$OUT/replies.jsonl" >"$OUT/sceval.jsonl"
python3 "$ROOT/bench/fuzz/paper_oracle.py" --repo "$SCES_REPO" "$OUT/replies.jsonl" "$OUT/sceval.jsonl"
