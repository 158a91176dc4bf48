#!/bin/bash
# The loop audit -> training data -> fine-tune -> re-audit on the toy model, one command:
#
#   tools/toymodel/selftrain.sh [--install]
#
# 1. audits models/toy/toy-income.gguf on its full grid (1,920 points, one follow-up each) through
#    llama-server (the toolchain's, greedy) with `sceval run`;
# 2. `sceval export-training`: SFT rows for the train split ($SPLIT, default 30 % held out, seed 0),
#    the ideal SCE as target, plus one turn-1 row per train point (the model's own answer) so the
#    decision map does not drift; rendered as training text with the model's chat template;
# 3. fine-tunes toy-income.gguf (as F32) with the same pinned, patched llama-finetune as make.sh
#    (trainer.sh, same build folder), 1 thread, deterministic; finalize_gguf.py; F16;
# 4. re-audits the fine-tuned model; `sceval compare` before/after on the held-out and the train
#    points (paired CIs); selftrain_summary.py prints the table and the map drift; `sceval report`.
# --install copies the model, its sha256, summary.json and split.json into models/toy/selftrain/.
#
# Needs what make.sh needs, plus a built sceval ($SCEVAL, default build/src/cli/sceval) and the llama-server
# that sceval's build makes ($SERVER, default build/bin/llama-server: `cmake --build build --target
# sceval_llama_tools`). The audits use that server: the training patch changes nothing at inference
# (each of its changes is switched on by an environment variable that only step 3 sets), so the
# toolchain builds just llama-finetune and llama-quantize.
# Work folder: $WORK/selftrain (default build-toymodel/selftrain). Knobs: SPLIT, EPOCHS, LR, LR_MIN.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
WORK=${WORK:-"$REPO/build-toymodel"}
OUT="$WORK/selftrain"
PY=${PY:-/usr/bin/python3}
SCEVAL=${SCEVAL:-"$REPO/build/src/cli/sceval"}
SERVER=${SERVER:-"$REPO/build/bin/llama-server"}
MODEL="$REPO/models/toy/toy-income.gguf"
SPLIT=${SPLIT:-random:0.3:0}
EPOCHS=${EPOCHS:-3}
LR=${LR:-1e-3}
LR_MIN=${LR_MIN:-1e-4}
THREADS=1  # the thread count changes the model's last bits (make.sh); 1 is also fastest on busy cores
INSTALL=0
[ "${1:-}" = "--install" ] && INSTALL=1
die() { echo "selftrain.sh: $*" >&2; exit 1; }
[ -x "$SCEVAL" ] || die "no sceval at $SCEVAL (build it, or set SCEVAL=)"
[ -x "$SERVER" ] || die "no llama-server at $SERVER (cmake --build build --target sceval_llama_tools, or set SERVER=)"
"$PY" -c "import numpy" 2>/dev/null || die "$PY has no numpy: apt-get install -y python3-numpy"
mkdir -p "$OUT"
t0=$(date +%s)

# shellcheck source=trainer.sh
. "$HERE/trainer.sh"
build_trainer llama-finetune llama-quantize

# audit MODEL RUN_DIR NAME: the whole grid through llama-server (greedy; the task's stop string).
audit() {
  local port pid
  port=$("$PY" -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
  "$SERVER" -m "$1" -t 1 -np 1 --port "$port" --host 127.0.0.1 > "$OUT/server-$3.log" 2>&1 &
  pid=$!
  for _ in $(seq 600); do
    curl -sf "http://127.0.0.1:$port/health" > /dev/null 2>&1 && break
    kill -0 $pid 2>/dev/null || die "llama-server exited (see $OUT/server-$3.log)"
    sleep 0.5
  done
  # --no-cache: the two models share the server's name, so cached answers must not be reused
  "$SCEVAL" run --task toy_income --model "openai:$3@http://127.0.0.1:$port/v1;concurrency=1" --no-cache -q -o "$2" \
    || { kill $pid; die "sceval run failed for $3"; }
  kill $pid
  wait $pid 2>/dev/null || true
}

# --- 1. audit the model ----------------------------------------------------------------------------
echo "== 1. auditing $MODEL on the full grid"
audit "$MODEL" "$OUT/before" toy-income

# --- 2. training data -------------------------------------------------------------------------------
echo "== 2. export-training (sft, split $SPLIT, turn-1 rows of the train points)"
"$SCEVAL" export-training "$OUT/before" -o "$OUT/sft.jsonl" --format sft --split "$SPLIT" \
  --split-out "$OUT/split.json" --include-turn1 | tee "$OUT/export.json"
"$PY" "$HERE/sft_text.py" "$OUT/sft.jsonl" "$OUT/train.txt" --seed 0

# --- 3. fine-tune -----------------------------------------------------------------------------------
echo "== 3. fine-tuning ($EPOCHS epochs, lr $LR -> $LR_MIN, $THREADS thread)"
"$BIN/llama-quantize" --allow-requantize "$MODEL" "$OUT/start-f32.gguf" F32 > "$OUT/quantize-start.log" 2>&1 \
  || { tail -20 "$OUT/quantize-start.log"; die "F16 -> F32 failed"; }
start=$(date +%s)
GGML_OPT_RESET_GRADS=1 LLAMA_TRAIN_KV_BYPASS=1 LLAMA_TRAIN_TOK_EMBD=1 \
  "$BIN/llama-finetune" -m "$OUT/start-f32.gguf" -f "$OUT/train.txt" -c 512 -b 512 -ub 512 -t "$THREADS" \
  -lr "$LR" -lr-min "$LR_MIN" -epochs "$EPOCHS" -val-split 0.02 -o "$OUT/model-f32.gguf" \
  > "$OUT/finetune.log" 2> "$OUT/finetune.err" || { tail -20 "$OUT/finetune.err"; die "llama-finetune failed"; }
echo "train_seconds=$(( $(date +%s) - start ))" | tee "$OUT/time.txt"
# finalize_gguf.py takes the short metadata of the original base model
BASE_META=${BASE:-"$REPO/models/stories260K/stories260K.gguf"}
[ -f "$BASE_META" ] || die "base model stories260K.gguf not found (set BASE=)"
LLAMA_CPP_SRC="$LSRC" "$PY" "$HERE/finalize_gguf.py" "$OUT/model-f32.gguf" "$OUT/toy-selftrain-f32.gguf" \
  --base "$BASE_META" --name toy-income-selftrain-stories260K
"$BIN/llama-quantize" "$OUT/toy-selftrain-f32.gguf" "$OUT/toy-selftrain.gguf" F16 2 > "$OUT/quantize.log" 2>&1 \
  || { tail -20 "$OUT/quantize.log"; die "llama-quantize failed"; }
(cd "$OUT" && sha256sum toy-selftrain.gguf | tee toy-selftrain.gguf.sha256)

# --- 4. re-audit and compare ------------------------------------------------------------------------
echo "== 4. re-auditing the fine-tuned model, comparing before/after"
audit "$OUT/toy-selftrain.gguf" "$OUT/after" toy-selftrain
"$SCEVAL" compare "$OUT/before" "$OUT/after" --points "$OUT/split.json:heldout" --json > "$OUT/compare-heldout.json"
"$SCEVAL" compare "$OUT/before" "$OUT/after" --points "$OUT/split.json:train" --json > "$OUT/compare-train.json"
"$PY" "$HERE/selftrain_summary.py" "$OUT/before" "$OUT/after" "$OUT/split.json" "$OUT/compare-heldout.json" \
  "$OUT/compare-train.json" "$OUT/summary.json" | tee "$OUT/summary.md"
"$SCEVAL" report "$OUT/before" "$OUT/after" -o "$OUT/report.html" > "$OUT/report.log" 2>&1 \
  || echo "(sceval report failed; see $OUT/report.log)"
echo "loop_seconds=$(( $(date +%s) - t0 ))" | tee -a "$OUT/time.txt"

if [ -f "$REPO/models/toy/selftrain/toy-selftrain.gguf.sha256" ]; then
  if (cd "$OUT" && diff -q toy-selftrain.gguf.sha256 "$REPO/models/toy/selftrain/toy-selftrain.gguf.sha256" > /dev/null); then
    echo "== the model is bit-identical to models/toy/selftrain/toy-selftrain.gguf"
  else
    echo "== the model differs from models/toy/selftrain/toy-selftrain.gguf"
  fi
fi
if [ $INSTALL = 1 ]; then
  mkdir -p "$REPO/models/toy/selftrain"
  cp "$OUT/toy-selftrain.gguf" "$OUT/toy-selftrain.gguf.sha256" "$OUT/summary.json" "$OUT/split.json" "$REPO/models/toy/selftrain/"
  echo "== installed into models/toy/selftrain/"
fi
