#!/usr/bin/env bash
# The README's first command leaves a working Python package, and a package that is not built says
# how to build it:
#  1. scripts/demo.sh asks the build for the Python package too (a stand-in `cmake` on PATH records
#     what it is asked to build; a stand-in CLI answers the audit);
#  2. a freshly configured, unbuilt build/python/sceval raises an ImportError naming the command
#     (not the AttributeError of an empty namespace package).
# Usage: first_command.sh SOURCE_DIR WORK_DIR
set -euo pipefail
SRC=$1
W=$2
rm -rf "$W" && mkdir -p "$W/bin" "$W/repo/scripts" "$W/repo/build/src/cli"
cp "$SRC/scripts/demo.sh" "$SRC/scripts/build.sh" "$W/repo/scripts/"
printf '#!/bin/sh\necho "$*" >> "%s/cmake.log"\n' "$W" > "$W/bin/cmake"
printf '#!/bin/sh\nexit 0\n' > "$W/repo/build/src/cli/sceval"
chmod +x "$W/bin/cmake" "$W/repo/build/src/cli/sceval"
mkdir -p "$W/out"
PATH="$W/bin:$PATH" bash "$W/repo/scripts/demo.sh" "$W/out" > "$W/demo.log"
grep -q -- "--build build .*--target sceval_python" "$W/cmake.log" || {
  echo "FAIL: scripts/demo.sh does not build the Python package; it ran:"; cat "$W/cmake.log"; exit 1; }
echo "1: demo.sh builds: $(grep -- --build "$W/cmake.log")"

cmake -G Ninja -S "$SRC" -B "$W/build" -DCMAKE_BUILD_TYPE=Release -DSCEVAL_WITH_LLAMA=OFF \
  -DSCEVAL_BUILD_TESTS=OFF -DSCEVAL_BUILD_BENCH=OFF -DSCEVAL_BUILD_PYTHON=ON > "$W/configure.log"
if PYTHONPATH="$W/build/python" /usr/bin/python3 -c "import sceval; sceval.load_task('income')" 2> "$W/import.log"; then
  echo "FAIL: an unbuilt package imported"; exit 1
fi
grep -q "ImportError: sceval: the extension module _sceval is not built .*scripts/build.sh --target sceval_python" \
  "$W/import.log" || { echo "FAIL: unclear error from an unbuilt package:"; cat "$W/import.log"; exit 1; }
echo "2: $(tail -1 "$W/import.log")"
echo "first_command: ok"
