#!/usr/bin/env bash
# Builds and runs every test: the full build (with the in-process llama.cpp engine and
# llama-server, which the backend tests start), then the engine-free parts again under
# AddressSanitizer + UBSan (clang) with a smoke run of each fuzz target. ctest runs tests one at a time:
# inference tests must not share the 2 cores with each other or with a build.
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS=$(nproc)
./scripts/format.sh --check  # the code is formatted by .clang-format (seconds; before any build)
cmake -G Ninja -S . -B build -DCMAKE_BUILD_TYPE=Release -DSCEVAL_WITH_LLAMA=ON >/dev/null
cmake --build build -j "$JOBS"
cmake --build build -j "$JOBS" --target sceval_llama_tools
LOG=$(mktemp)
trap 'rm -f "$LOG"' EXIT
ctest --test-dir build --output-on-failure | tee "$LOG"
# The engine-free parts again, built once by clang with ASan + UBSan and libFuzzer's instrumentation:
# every test except the browser ones (the page is checked above; its readers have unit tests here),
# then a smoke run of each libFuzzer target (3,000 executions from its seeds). The long fuzz campaign
# is bench/fuzz/run-fuzz.sh.
cmake -G Ninja -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSCEVAL_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_C_COMPILER=clang -DSCEVAL_WITH_LLAMA=OFF -DSCEVAL_BUILD_BENCH=OFF >/dev/null
cmake --build build-asan -j "$JOBS"
cmake --build build-asan -j "$JOBS" --target sceval_fuzz_targets
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --test-dir build-asan -LE browser --output-on-failure \
  | tee -a "$LOG"
# One closing line for the two runs (ctest exits non-zero above on any failure).
total=$(grep -oE "tests passed, 0 tests failed out of [0-9]+" "$LOG" | awk '{s += $NF} END {print s}')
skipped=$(grep -cE "^\s+[0-9]+ - .*\(Skipped\)$" "$LOG" || true)
echo "all: $((total - skipped)) passed, 0 failed, $skipped skipped"
