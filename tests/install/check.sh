#!/usr/bin/env bash
# cmake --install of the build tree into a scratch prefix, then a separate CMake project that does
# find_package(sceval CONFIG REQUIRED) builds and runs against it.
set -euo pipefail
BUILD=$1 SRC=$2 WORK=$3
rm -rf "$WORK" && mkdir -p "$WORK"
cmake --install "$BUILD" --prefix "$WORK/prefix" --component sceval >/dev/null
test -f "$WORK/prefix/include/sceval/sceval.h"
# Only the public headers are installed: no module internals.
if find "$WORK/prefix/include" -name '*.h' | grep -v '/include/sceval/' | grep -q .; then
  echo "check: internal headers were installed" >&2; exit 1
fi
cmake -G Ninja -S "$SRC/tests/install/consumer" -B "$WORK/consumer" -DCMAKE_PREFIX_PATH="$WORK/prefix" >/dev/null
cmake --build "$WORK/consumer" >/dev/null
"$WORK/consumer/consumer" "$SRC/tasks/paper/income.json"
