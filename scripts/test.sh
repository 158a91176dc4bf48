#!/usr/bin/env bash
# Builds and runs every test: once optimised, once under AddressSanitizer + UBSan.
# Inference tests and benchmarks never run in parallel (2 cores): ctest runs serially.
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS=$(nproc)
cmake -G Ninja -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$JOBS"
ctest --test-dir build --output-on-failure
cmake -G Ninja -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSCEVAL_SANITIZE=ON \
  -DSCEVAL_BUILD_BENCH=OFF >/dev/null
cmake --build build-asan -j "$JOBS"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --test-dir build-asan --output-on-failure
