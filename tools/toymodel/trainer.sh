# shellcheck shell=bash disable=SC2034  # LSRC and BIN are for the sourcing script
# Sourced by make.sh and selftrain.sh: builds the patched llama.cpp training toolchain once.
#   build_trainer TARGET...   needs $REPO, $HERE, $WORK; sets $BIN (the folder of the built tools)
# The pinned llama.cpp source (scripts/fetch-llama.sh) is copied to $WORK/llama.cpp and
# llama-train-fixes.patch applied there (never to the source sceval's engine is built from).
build_trainer() {
  local src commit patch_sum lsrc stamp
  src=$("$REPO/scripts/fetch-llama.sh" | tail -n 1)
  commit=$(git -C "$src" rev-parse HEAD)
  patch_sum=$(sha256sum "$HERE/llama-train-fixes.patch" | cut -c1-16)
  lsrc="$WORK/llama.cpp"
  stamp="$lsrc/.toymodel-$commit-$patch_sum"
  if [ ! -f "$stamp" ]; then
    echo "== copying llama.cpp $commit to $lsrc and applying llama-train-fixes.patch"
    rm -rf "$lsrc" "$WORK/llama-build"
    mkdir -p "$lsrc"
    git -C "$src" archive --format=tar HEAD | tar -x -C "$lsrc"
    patch -d "$lsrc" -p1 --quiet < "$HERE/llama-train-fixes.patch"
    touch "$stamp"
  fi
  LSRC="$lsrc"
  echo "== building $* in $WORK/llama-build"
  # ccache (when installed) makes a rebuild of the toolchain take seconds; GGML_CCACHE finds it itself
  cmake -S "$lsrc" -B "$WORK/llama-build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF \
    -DGGML_NATIVE=OFF -DGGML_CCACHE=ON -DLLAMA_BUILD_EXAMPLES=ON -DLLAMA_BUILD_TOOLS=ON -DLLAMA_BUILD_SERVER=ON \
    -DLLAMA_BUILD_TESTS=OFF -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF \
    -DLLAMA_LLGUIDANCE=OFF > "$WORK/cmake.log" 2>&1 || { tail -30 "$WORK/cmake.log"; die "cmake failed"; }
  : > "$WORK/build.log"
  build "$@"
  BIN="$WORK/llama-build/bin"
}
build() { cmake --build "$WORK/llama-build" -j "$(nproc)" --target "$@" >> "$WORK/build.log" 2>&1 \
  || { tail -30 "$WORK/build.log"; die "build failed"; }; }
