#!/usr/bin/env bash
# Installs sceval's build and test dependencies from Debian 12's archive (idempotent).
# Libraries are checked as Debian packages; tools by their command, so a machine whose Node.js
# came from elsewhere (with npm bundled) is left alone.
set -euo pipefail
PACKAGES=(cmake ninja-build g++ clang clang-format ccache git python3
          nlohmann-json3-dev libcli11-dev libfmt-dev libgtest-dev libgmock-dev libbenchmark-dev
          libsqlite3-dev libcurl4-openssl-dev libssl-dev libedlib-dev libdtl-dev chromium
          python3-dev pybind11-dev python3-numpy python3-pandas python3-pytest python3-tqdm)
declare -A TOOLS=([node]=nodejs [npm]=npm)  # command -> package (npm fetches llama.cpp's source)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
for cmd in "${!TOOLS[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${TOOLS[$cmd]}")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all dependencies present"
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
echo "install-deps: done"
