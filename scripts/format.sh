#!/usr/bin/env bash
# Formats every C++ file of the project with clang-format (.clang-format at the root); with --check,
# changes nothing and exits 1 listing the files that are not formatted (CI runs this).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v clang-format >/dev/null || { echo "format.sh: clang-format is missing (apt-get install clang-format)"; exit 1; }
mapfile -t files < <(git ls-files '*.cpp' '*.h' '*.cc' | grep -v '\.inc$')
if [ "${1:-}" = "--check" ]; then
  bad=()
  for f in "${files[@]}"; do
    clang-format --style=file "$f" | cmp -s - "$f" || bad+=("$f")
  done
  if [ ${#bad[@]} -gt 0 ]; then
    printf 'format.sh: not formatted (run scripts/format.sh):\n'; printf '  %s\n' "${bad[@]}"
    exit 1
  fi
  echo "format.sh: ${#files[@]} files formatted"
  exit 0
fi
clang-format --style=file -i "${files[@]}"
