#!/usr/bin/env bash
# Builds the libFuzzer targets with CMake (-DSCEVAL_FUZZ=ON, clang, ASan + UBSan) and runs each for
# RUNS executions (default 10,000,000), one after the other, from its seed corpus in
# bench/fuzz/seeds/<target> and, when its corpus folder is empty, a committed campaign corpus
# (bench/fuzz/corpora/<target>.tar.xz). Prints, per target, the executions, seconds and crash artifacts.
#   bench/fuzz/run-fuzz.sh [RUNS] [TARGET...]          (default: every target)
# Environment: BUILD (default build-fuzz), CXX/CC (default clang++/clang), NICE (default 19),
# TIMEOUT (seconds per input, default 120: under nice 19 on a loaded machine a 0.2 s input took
# over 10 s of wall time), MAX_TOTAL_TIME (seconds per target, default none), EXTRA (more libFuzzer flags), NOBUILD=1 (use the
# targets as built).
# Results: BUILD/fuzz/<target>/{log,corpus,artifacts}; a summary line per target in BUILD/fuzz/summary.txt.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
RUNS="${1:-10000000}"
shift || true
ALL=(fuzz_parse fuzz_task fuzz_csv fuzz_run_dir fuzz_sweep fuzz_model_spec)
TARGETS=("$@")
[ ${#TARGETS[@]} -eq 0 ] && TARGETS=("${ALL[@]}")
BUILD="${BUILD:-$ROOT/build-fuzz}"
NICE="${NICE:-19}"

if [ ! -f "$BUILD/CMakeCache.txt" ]; then
  cmake -G Ninja -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSCEVAL_FUZZ=ON \
    -DCMAKE_CXX_COMPILER="${CXX:-clang++}" -DCMAKE_C_COMPILER="${CC:-clang}" -DSCEVAL_WITH_LLAMA=OFF \
    -DSCEVAL_BUILD_TESTS=OFF -DSCEVAL_BUILD_BENCH=OFF
fi
[ -z "${NOBUILD:-}" ] && nice -n "$NICE" cmake --build "$BUILD" -j2 --target "${TARGETS[@]}"

mkdir -p "$BUILD/fuzz"
for t in "${TARGETS[@]}"; do
  dir="$BUILD/fuzz/$t"
  mkdir -p "$dir/corpus" "$dir/artifacts"
  # A campaign's minimized corpus, committed so the next one resumes where it stopped (corpora/README.md).
  if [ -z "$(ls -A "$dir/corpus")" ] && [ -f "$ROOT/bench/fuzz/corpora/$t.tar.xz" ]; then
    tar -xJf "$ROOT/bench/fuzz/corpora/$t.tar.xz" -C "$dir/corpus"
  fi
  dict=()
  case "$t" in fuzz_task|fuzz_run_dir|fuzz_sweep|fuzz_parse) dict=(-dict="$ROOT/bench/fuzz/json.dict") ;; esac
  limit=()
  [ -n "${MAX_TOTAL_TIME:-}" ] && limit=(-max_total_time="$MAX_TOTAL_TIME")
  echo "== $t: $RUNS executions"
  start=$(date +%s)
  set +e
  SCEVAL_TASK_DIR="$ROOT/tasks/paper" nice -n "$NICE" "$BUILD/bench/fuzz/$t" "$dir/corpus" "$ROOT/bench/fuzz/seeds/$t" \
    -runs="$RUNS" -max_len=8192 -timeout="${TIMEOUT:-120}" -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$dir/artifacts/" "${dict[@]}" "${limit[@]}" ${EXTRA:-} >"$dir/log" 2>&1
  rc=$?
  set -e
  end=$(date +%s)
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$dir/log" | grep -o '[0-9]*$' || echo "?")
  crashes=$(find "$dir/artifacts" -type f | wc -l)
  line="$t executions=$execs seconds=$((end - start)) exit=$rc artifacts=$crashes ($(date -u +%FT%TZ))"
  echo "$line" | tee -a "$BUILD/fuzz/summary.txt"
  [ "$rc" -ne 0 ] && tail -n 30 "$dir/log"
done
