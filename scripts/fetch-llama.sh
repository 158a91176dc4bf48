#!/usr/bin/env bash
# Obtain the pinned llama.cpp source for sceval.
#
# Debian 12 does not package llama.cpp. The npm package node-llama-cpp ships llama.cpp's full
# source as a git bundle (package/llama/gitRelease.bundle), so this script:
#   1. runs `npm pack node-llama-cpp@<version>` into the cache folder (or takes a tarball you
#      supply with SCEVAL_LLAMA_TARBALL),
#   2. checks the tarball's sha256 against the pinned one,
#   3. extracts package/llama/gitRelease.bundle, `git clone`s it and checks out the pinned commit.
# A checkout that is already in the cache at the pinned commit is reused (no npm, no network).
#
# The last line on stdout is the absolute path of the llama.cpp source directory; every other
# message goes to stderr. cmake/Llama.cmake runs this at configure time.
#
# Usage: scripts/fetch-llama.sh [--cache-dir DIR] [--print-commit] [--help]
#
# Environment:
#   SCEVAL_CACHE_DIR      root of sceval's cache (default: $HOME/.cache/sceval); the llama.cpp
#                         files go to $SCEVAL_CACHE_DIR/llama/. --cache-dir takes precedence.
#   SCEVAL_LLAMA_TARBALL  path of node-llama-cpp-3.22.1.tgz obtained by other means; used instead
#                         of `npm pack` (it is verified and copied into the cache).
#   NPM                   npm command to run (default: npm).
set -euo pipefail

# ---- the pin: change all four together ---------------------------------------------------
readonly NPM_PACKAGE="node-llama-cpp"
readonly NPM_VERSION="3.22.1"
readonly TARBALL_SHA256="a0d9dd80eacd2ab1cfe71aee57ac8a806487fd70b3d2a38fbec637752d9e5c5f"
readonly LLAMA_COMMIT="de3ff815ea7d559ee917f063901b8986f038abc6"
# -------------------------------------------------------------------------------------------

readonly TARBALL_NAME="${NPM_PACKAGE}-${NPM_VERSION}.tgz"
readonly TARBALL_URL="https://registry.npmjs.org/${NPM_PACKAGE}/-/${TARBALL_NAME}"
readonly BUNDLE_PATH="package/llama/gitRelease.bundle"

log() { printf 'fetch-llama: %s\n' "$*" >&2; }
die() { printf 'fetch-llama: error: %s\n' "$*" >&2; exit 1; }

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'
}

cache_root=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --cache-dir) [[ $# -ge 2 ]] || die "--cache-dir needs a directory"; cache_root="$2"; shift 2 ;;
    --cache-dir=*) cache_root="${1#--cache-dir=}"; shift ;;
    --print-commit) echo "$LLAMA_COMMIT"; exit 0 ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument '$1' (try --help)" ;;
  esac
done

if [[ -z "$cache_root" ]]; then
  if [[ -n "${SCEVAL_CACHE_DIR:-}" ]]; then
    cache_root="$SCEVAL_CACHE_DIR"
  elif [[ -n "${HOME:-}" ]]; then
    cache_root="$HOME/.cache/sceval"
  else
    die "HOME is not set; set SCEVAL_CACHE_DIR to a writable directory for the llama.cpp source"
  fi
fi

for tool in git tar sha256sum; do
  command -v "$tool" >/dev/null 2>&1 \
    || die "'$tool' is not installed; it is needed to unpack llama.cpp (apt-get install -y git tar coreutils)"
done

llama_dir="$cache_root/llama"
mkdir -p "$llama_dir" 2>/dev/null || die "cannot create the cache folder $llama_dir (set SCEVAL_CACHE_DIR to a writable directory)"
llama_dir="$(cd "$llama_dir" && pwd -P)"
src_dir="$llama_dir/llama.cpp-${LLAMA_COMMIT:0:12}"
cached_tarball="$llama_dir/$TARBALL_NAME"

# Several build directories may configure at the same time: take the cache lock.
if command -v flock >/dev/null 2>&1; then
  exec 9>"$llama_dir/.lock"
  if ! flock -n 9; then
    log "waiting for another fetch-llama.sh to finish with $llama_dir"
    flock 9
  fi
fi

git_q() { git -c advice.detachedHead=false "$@"; }

# ---- 1. reuse an existing checkout ----------------------------------------------------------
if [[ -e "$src_dir" ]]; then
  head="$(git -C "$src_dir" rev-parse --verify -q HEAD 2>/dev/null || true)"
  if [[ "$head" != "$LLAMA_COMMIT" ]]; then
    log "$src_dir is at '${head:-<no valid HEAD>}', expected $LLAMA_COMMIT; trying to check out the pin"
    git_q -C "$src_dir" checkout -q --detach "$LLAMA_COMMIT" 2>/dev/null \
      || die "$src_dir is not a clean checkout of llama.cpp $LLAMA_COMMIT. Remove that folder and run again."
  fi
  if [[ -n "$(git -C "$src_dir" status --porcelain --untracked-files=no 2>/dev/null)" ]]; then
    log "warning: $src_dir has local modifications (git -C '$src_dir' status); building them anyway"
  fi
  log "using cached llama.cpp $LLAMA_COMMIT"
  echo "$src_dir"
  exit 0
fi

# ---- 2. get and verify the npm tarball ----------------------------------------------------
tmp="$(mktemp -d "$llama_dir/.tmp.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

sha_of() { sha256sum "$1" | cut -d' ' -f1; }

how_to_supply() {
  cat >&2 <<EOF
fetch-llama: llama.cpp comes from the npm package ${NPM_PACKAGE}@${NPM_VERSION} (sha256 ${TARBALL_SHA256}).
fetch-llama: To provide it without npm or network access, do one of:
  - on a machine with npm:  npm pack ${NPM_PACKAGE}@${NPM_VERSION}
    (or download ${TARBALL_URL})
    then copy ${TARBALL_NAME} here:  ${cached_tarball}
  - or point to it:  SCEVAL_LLAMA_TARBALL=/path/to/${TARBALL_NAME}  (environment variable, or
    -DSCEVAL_LLAMA_TARBALL=... when configuring with CMake)
  - or configure with -DSCEVAL_WITH_LLAMA=OFF to build sceval without the in-process llama.cpp engine.
EOF
}

verify_or_die() { # file, origin description
  local got
  got="$(sha_of "$1")"
  if [[ "$got" != "$TARBALL_SHA256" ]]; then
    how_to_supply
    die "$2 ($1) has sha256 $got, expected $TARBALL_SHA256 for ${NPM_PACKAGE}@${NPM_VERSION}"
  fi
}

tarball=""
if [[ -n "${SCEVAL_LLAMA_TARBALL:-}" ]]; then
  [[ -f "$SCEVAL_LLAMA_TARBALL" ]] || { how_to_supply; die "SCEVAL_LLAMA_TARBALL=$SCEVAL_LLAMA_TARBALL does not exist"; }
  verify_or_die "$SCEVAL_LLAMA_TARBALL" "SCEVAL_LLAMA_TARBALL"
  log "using $SCEVAL_LLAMA_TARBALL (sha256 ok)"
  if [[ ! -f "$cached_tarball" ]]; then
    cp "$SCEVAL_LLAMA_TARBALL" "$tmp/$TARBALL_NAME" && mv -f "$tmp/$TARBALL_NAME" "$cached_tarball"
  fi
  tarball="$SCEVAL_LLAMA_TARBALL"
elif [[ -f "$cached_tarball" ]]; then
  if [[ "$(sha_of "$cached_tarball")" == "$TARBALL_SHA256" ]]; then
    log "using cached $cached_tarball (sha256 ok)"
    tarball="$cached_tarball"
  else
    log "cached $cached_tarball has the wrong sha256; moving it to $cached_tarball.bad and fetching again"
    mv -f "$cached_tarball" "$cached_tarball.bad"
  fi
fi

if [[ -z "$tarball" ]]; then
  npm_cmd="${NPM:-npm}"
  if ! command -v "$npm_cmd" >/dev/null 2>&1; then
    how_to_supply
    die "npm is not installed (apt-get install -y npm), and no tarball was supplied"
  fi
  log "npm pack ${NPM_PACKAGE}@${NPM_VERSION} -> $llama_dir"
  if ! (cd "$tmp" && "$npm_cmd" pack "${NPM_PACKAGE}@${NPM_VERSION}" --pack-destination "$tmp" \
          --loglevel=error --no-fund --no-audit --no-update-notifier 1>&2); then
    how_to_supply
    die "'npm pack ${NPM_PACKAGE}@${NPM_VERSION}' failed (is the npm registry reachable? see npm's message above)"
  fi
  [[ -f "$tmp/$TARBALL_NAME" ]] || { how_to_supply; die "npm pack did not produce $TARBALL_NAME"; }
  verify_or_die "$tmp/$TARBALL_NAME" "the tarball from npm"
  mv -f "$tmp/$TARBALL_NAME" "$cached_tarball"
  tarball="$cached_tarball"
  log "sha256 ok, saved $cached_tarball"
fi

# ---- 3. unpack the git bundle and check out the pinned commit --------------------------------
log "extracting $BUNDLE_PATH"
tar -xzf "$tarball" -C "$tmp" "$BUNDLE_PATH" \
  || die "$tarball has no $BUNDLE_PATH (is it really ${NPM_PACKAGE}@${NPM_VERSION}?)"

log "cloning llama.cpp from the bundle and checking out $LLAMA_COMMIT"
git_q clone -q --no-checkout "$tmp/$BUNDLE_PATH" "$tmp/llama.cpp" >&2 \
  || die "git clone of $tmp/$BUNDLE_PATH failed"
git -C "$tmp/llama.cpp" cat-file -e "${LLAMA_COMMIT}^{commit}" 2>/dev/null \
  || die "the bundle in $tarball does not contain llama.cpp commit $LLAMA_COMMIT"
git_q -C "$tmp/llama.cpp" checkout -q --detach "$LLAMA_COMMIT" >&2 \
  || die "git checkout $LLAMA_COMMIT failed"
# The bundle is deleted below; do not leave a remote that points at it.
git -C "$tmp/llama.cpp" remote remove origin >/dev/null 2>&1 || true
[[ "$(git -C "$tmp/llama.cpp" rev-parse HEAD)" == "$LLAMA_COMMIT" ]] || die "checkout ended at the wrong commit"

mv "$tmp/llama.cpp" "$src_dir"
log "llama.cpp $LLAMA_COMMIT is in $src_dir"
echo "$src_dir"
