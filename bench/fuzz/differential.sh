#!/usr/bin/env bash
# Differential test: sceval's parse module against the paper's own parsing code on generated
# model-like replies (bench/fuzz/gen_replies.py). Needs python3 and a git checkout of
# github.com/HarryMayne/SCEs in $SCES_REPO (with commit ac7f47e); the paper's functions
# are read from it at run time (bench/fuzz/paper_oracle.py).
#   bench/fuzz/differential.sh [N=20000] [SEED=1] [heavy]
# REPLIES=FILE.jsonl ({"text", "task"} lines) compares those instead of generated ones; BUILD is the
# CMake build folder (default build/).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
N="${1:-20000}"
SEED="${2:-1}"
HEAVY="${3:-}"
BUILD="${BUILD:-$ROOT/build}"
OUT="${OUT:-$BUILD/fuzz}"
SCES_REPO="${SCES_REPO:?set SCES_REPO to a git checkout of github.com/HarryMayne/SCEs (commit ac7f47e)}"
mkdir -p "$OUT"
# The driver is a CMake target of the main build (bench/CMakeLists.txt), so it links what the library links.
cmake --build "$BUILD" --target sceval_parse_driver >/dev/null
DRIVER="$BUILD/bench/sceval_parse_driver"
if [ -n "${REPLIES:-}" ]; then  # replies given (e.g. a fuzz corpus turned into JSONL): no generation
  cp "$REPLIES" "$OUT/replies.jsonl"
else
  python3 "$ROOT/bench/fuzz/gen_replies.py" "$N" "$SEED" $HEAVY >"$OUT/replies.jsonl"
fi
"$DRIVER" "$ROOT/tasks/paper" <"$OUT/replies.jsonl" >"$OUT/sceval.jsonl"
python3 "$ROOT/bench/fuzz/paper_oracle.py" --repo "$SCES_REPO" "$OUT/replies.jsonl" "$OUT/sceval.jsonl"
