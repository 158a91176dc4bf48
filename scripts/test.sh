#!/usr/bin/env bash
# Builds and runs every test: the full build (with the in-process llama.cpp engine and
# llama-server, which the backend tests start), then the engine-free parts again under
# AddressSanitizer + UBSan. ctest runs tests one at a time: inference tests must not share the
# 2 cores with each other or with a build.
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS=$(nproc)
cmake -G Ninja -S . -B build -DCMAKE_BUILD_TYPE=Release -DSCEVAL_WITH_LLAMA=ON >/dev/null
cmake --build build -j "$JOBS"
cmake --build build -j "$JOBS" --target sceval_llama_tools
ctest --test-dir build --output-on-failure
cmake -G Ninja -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSCEVAL_SANITIZE=ON \
  -DSCEVAL_WITH_LLAMA=OFF -DSCEVAL_BUILD_BENCH=OFF >/dev/null
cmake --build build-asan -j "$JOBS"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --test-dir build-asan --output-on-failure
