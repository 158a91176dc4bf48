#!/usr/bin/env bash
# Configures and builds sceval into build/ (Release).
# Usage: scripts/build.sh [--target T]... [CMAKE_ARGS...]
#   --target T   build only T (and what it needs), e.g. `sceval` (the CLI), `sceval_python` (the
#                Python package in build/python/sceval; the demo builds these two) or
#                `sceval_llama_tools` (llama-server, llama-bench); repeatable. Default: everything,
#                tests and benchmarks included.
#   CMAKE_ARGS   go to CMake's configure step (e.g. -DSCEVAL_WITH_LLAMA=OFF).
set -euo pipefail
cd "$(dirname "$0")/.."
targets=()
cmake_args=()
while (($#)); do
  case "$1" in
    --target) targets+=(--target "${2:?--target needs a target name}"); shift 2 ;;
    --target=*) targets+=(--target "${1#--target=}"); shift ;;
    *) cmake_args+=("$1"); shift ;;
  esac
done
cmake -G Ninja -S . -B build -DCMAKE_BUILD_TYPE=Release "${cmake_args[@]}" >/dev/null
cmake --build build -j "$(nproc)" "${targets[@]}"
