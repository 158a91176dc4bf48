#!/usr/bin/env bash
# Obtain the pinned Vega, Vega-Lite and vega-embed browser builds that `sceval report` inlines into
# its HTML page (so the page works offline from one file).
#
# For each package: `npm pack <name>@<version>` into the cache folder (or take the tarball found
# in SCEVAL_VEGA_TARBALLS=DIR), check the tarball's sha256 against the pin, extract its minified
# UMD build and its LICENSE. Files already extracted for the pin are reused (no npm, no network).
#
# The last line on stdout is the absolute path of the folder holding vega.min.js,
# vega-lite.min.js, vega-embed.min.js and <package>.LICENSE; messages go to stderr.
# cmake/Vega.cmake runs this at configure time.
#
# Usage: scripts/fetch-vega.sh [--cache-dir DIR] [--help]
#
# Environment:
#   SCEVAL_CACHE_DIR      root of sceval's cache (default: $HOME/.cache/sceval); files go to
#                         $SCEVAL_CACHE_DIR/vega/. --cache-dir takes precedence.
#   SCEVAL_VEGA_TARBALLS  folder holding vega-6.4.0.tgz, vega-lite-6.5.0.tgz, vega-embed-7.3.0.tgz
#                         obtained by other means (they are verified).
#   NPM                   npm command to run (default: npm).
set -euo pipefail

# ---- the pins: package version tarball-sha256 file-in-tarball -------------------------------
PINS=(
  "vega 6.4.0 3521fb6ff68a94a40323954f0ba4484ba4014b157bfd37f89a3b063082320c42 build/vega.min.js"
  "vega-lite 6.5.0 811230a6bfd2cdbfc359d0c38f624a90df86657b7f251b67be88bcc4eee32b7f build/vega-lite.min.js"
  "vega-embed 7.3.0 d9a958ced3240f0418df7d5e12e97dba6e63cecda15b8403e47a0db7eb6ea859 build/vega-embed.min.js"
)
# ---------------------------------------------------------------------------------------------

log() { printf 'fetch-vega: %s\n' "$*" >&2; }
die() { printf 'fetch-vega: error: %s\n' "$*" >&2; exit 1; }

cache_root=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --cache-dir) [[ $# -ge 2 ]] || die "--cache-dir needs a directory"; cache_root="$2"; shift 2 ;;
    --cache-dir=*) cache_root="${1#--cache-dir=}"; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$1' (try --help)" ;;
  esac
done
if [[ -z "$cache_root" ]]; then
  if [[ -n "${SCEVAL_CACHE_DIR:-}" ]]; then cache_root="$SCEVAL_CACHE_DIR"
  elif [[ -n "${HOME:-}" ]]; then cache_root="$HOME/.cache/sceval"
  else die "HOME is not set; set SCEVAL_CACHE_DIR to a writable directory"; fi
fi
for tool in tar sha256sum; do
  command -v "$tool" >/dev/null 2>&1 || die "'$tool' is not installed (apt-get install -y tar coreutils)"
done

# One folder per set of pins, so changing a pin never reuses stale files.
pin_id="$(printf '%s\n' "${PINS[@]}" | sha256sum | cut -c1-12)"
vega_dir="$cache_root/vega"
mkdir -p "$vega_dir" 2>/dev/null || die "cannot create $vega_dir (set SCEVAL_CACHE_DIR to a writable directory)"
vega_dir="$(cd "$vega_dir" && pwd -P)"
out_dir="$vega_dir/build-$pin_id"

if command -v flock >/dev/null 2>&1; then
  exec 9>"$vega_dir/.lock"
  flock 9
fi
if [[ -f "$out_dir/.complete" ]]; then
  log "using cached Vega builds in $out_dir"
  echo "$out_dir"
  exit 0
fi

tmp="$(mktemp -d "$vega_dir/.tmp.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/out"

fetch_one() {  # name version sha256 file
  local name=$1 version=$2 sha=$3 file=$4 tgz="$1-$2.tgz" got src=""
  if [[ -n "${SCEVAL_VEGA_TARBALLS:-}" && -f "$SCEVAL_VEGA_TARBALLS/$tgz" ]]; then
    src="$SCEVAL_VEGA_TARBALLS/$tgz"
  elif [[ -f "$vega_dir/$tgz" ]]; then
    src="$vega_dir/$tgz"
  else
    local npm_cmd="${NPM:-npm}"
    command -v "$npm_cmd" >/dev/null 2>&1 \
      || die "npm is not installed (apt-get install -y npm); or put $tgz in SCEVAL_VEGA_TARBALLS=DIR"
    log "npm pack $name@$version"
    (cd "$tmp" && "$npm_cmd" pack "$name@$version" --pack-destination "$tmp" \
        --loglevel=error --no-fund --no-audit --no-update-notifier 1>&2) \
      || die "'npm pack $name@$version' failed (is the npm registry reachable?); or put $tgz in SCEVAL_VEGA_TARBALLS=DIR"
    src="$tmp/$tgz"
  fi
  got="$(sha256sum "$src" | cut -d' ' -f1)"
  [[ "$got" == "$sha" ]] || die "$src has sha256 $got, expected $sha for $name@$version"
  [[ "$src" == "$vega_dir/$tgz" ]] || cp "$src" "$vega_dir/$tgz"
  tar -xzf "$src" -C "$tmp" "package/$file" package/LICENSE || die "$src lacks package/$file or package/LICENSE"
  mv "$tmp/package/$file" "$tmp/out/$(basename "$file")"
  mv "$tmp/package/LICENSE" "$tmp/out/$name.LICENSE"
  printf '%s@%s sha256:%s\n' "$name" "$version" "$sha" >> "$tmp/out/VERSIONS"
  log "$name@$version: sha256 ok"
}
for pin in "${PINS[@]}"; do
  # shellcheck disable=SC2086
  fetch_one $pin
done
touch "$tmp/out/.complete"
rm -rf "$out_dir"
mv "$tmp/out" "$out_dir"
echo "$out_dir"
