#!/usr/bin/env bash
# Builds bench/fuzz/fuzz_parse.cpp with libFuzzer + AddressSanitizer + UBSan (clang++, outside the
# CMake build) and runs it for RUNS executions (default 1,000,000) from the seed replies in
# bench/fuzz/seeds. Prints the execution count, the time taken and any crash.
#   bench/fuzz/run-fuzz.sh [RUNS] [extra libFuzzer flags...]
# Environment: CXX (default clang++), OUT (default build/fuzz), JOBS is not used: one process.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
RUNS="${1:-1000000}"
shift || true
CXX="${CXX:-clang++}"
OUT="${OUT:-$ROOT/build/fuzz}"
mkdir -p "$OUT/corpus" "$OUT/artifacts"

SOURCES=("$ROOT"/src/parse/*.cpp "$ROOT/src/task/feature.cpp" "$ROOT/src/task/task_file.cpp" "$ROOT/src/task/template.cpp")
echo "== compiling $OUT/fuzz_parse with $CXX"
"$CXX" -std=c++20 -g -O1 -fno-omit-frame-pointer \
  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
  -I"$ROOT/src" "$ROOT/bench/fuzz/fuzz_parse.cpp" "${SOURCES[@]}" -lfmt -o "$OUT/fuzz_parse"

echo "== fuzzing: $RUNS executions, seeds from bench/fuzz/seeds"
LOG="$OUT/fuzz.log"
START=$(date +%s)
set +e
SCEVAL_TASK_DIR="$ROOT/tasks/paper" "$OUT/fuzz_parse" "$OUT/corpus" "$ROOT/bench/fuzz/seeds" \
  -runs="$RUNS" -max_len=4096 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$OUT/artifacts/" "$@" >"$LOG" 2>&1
RC=$?
set -e
END=$(date +%s)
tail -n 25 "$LOG"
EXECS=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$LOG" | grep -o '[0-9]*$' || echo "?")
CRASHES=$(ls "$OUT/artifacts" | grep -c . || true)
echo "== executions: $EXECS, seconds: $((END - START)), exit code: $RC, crash/leak/timeout artifacts: $CRASHES ($OUT/artifacts)"
exit $RC
