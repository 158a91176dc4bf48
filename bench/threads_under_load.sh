#!/usr/bin/env bash
# The in-process engine's thread count when the machine is busy: `sceval run` on a GGUF model at
# `--threads 0` (all cores, the old default), at `--threads 1`, and at all cores with OpenMP's
# passive wait (OMP_WAIT_POLICY=passive: ggml's worker threads are OpenMP threads here; llama.cpp's
# own `poll` setting belongs to its non-OpenMP thread pool and is not exposed by sceval's engine),
# each on an idle machine and beside CPU-bound processes (one busy loop per core by default).
# With all cores, every decode ends at a barrier where threads spin waiting for each other: when a
# busy neighbour holds a core, the spinning thread waits for the scheduler, and a request that
# took milliseconds can take a time slice. One thread has no barrier.
#
# Usage: bench/threads_under_load.sh [SCEVAL] [--model gguf:PATH] [--task T] [--sample N] [--hogs K]
#   defaults: build/src/cli/sceval, the toy model on toy_income, 40 sampled points (a lazy audit:
#   their turn-1 answers, follow-ups and the map points those need), K = nproc busy loops.
# Prints one line per configuration: wall seconds, requests, requests/s, load average before it.
# Run it on a machine that is otherwise idle (other builds make the "idle" rows noisy too).
set -euo pipefail
cd "$(dirname "$0")/.."
SCEVAL=./build/src/cli/sceval
MODEL=gguf:models/toy/toy-income.gguf
TASK=toy_income
SAMPLE=40
HOGS=$(nproc)
while (($#)); do
  case "$1" in
    --model) MODEL=$2; shift 2 ;;
    --task) TASK=$2; shift 2 ;;
    --sample) SAMPLE=$2; shift 2 ;;
    --hogs) HOGS=$2; shift 2 ;;
    *) SCEVAL=$1; shift ;;
  esac
done
W=$(mktemp -d)
hogs=()
stop_hogs() { for p in "${hogs[@]}"; do kill "$p" 2>/dev/null || true; done; hogs=(); }
trap 'stop_hogs; rm -rf "$W"' EXIT

one() {  # one() LABEL ENV... -- SCEVAL_ARGS...: times one uncached audit
  local label=$1; shift
  local envs=()
  while [ "$1" != "--" ]; do envs+=("$1"); shift; done
  shift
  local load; load=$(cut -d' ' -f1 /proc/loadavg)
  local t0; t0=$(date +%s.%N)
  env "${envs[@]}" "$SCEVAL" run --task "$TASK" --model "$MODEL" --decision-map lazy --sample "$SAMPLE" --seed 1 \
    --bootstrap 0 --no-cache -q --overwrite -o "$W/run" "$@" > /dev/null
  local t1; t1=$(date +%s.%N)
  local n; n=$(/usr/bin/python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['requests']['total'])" "$W/run/results.json")
  awk -v l="$label" -v a="$t0" -v b="$t1" -v n="$n" -v load="$load" \
    'BEGIN { printf "%-44s %8.2f s %6d requests %8.1f req/s  (load before %s)\n", l, b - a, n, n / (b - a), load }'
}

configs() {  # configs WHEN
  one "$1, --threads 0 (all $(nproc) cores)" -u OMP_WAIT_POLICY -- --threads 0
  one "$1, --threads 1" -u OMP_WAIT_POLICY -- --threads 1
  one "$1, --threads 0, OMP_WAIT_POLICY=passive" OMP_WAIT_POLICY=passive -- --threads 0
}

echo "sceval run --task $TASK --model $MODEL --decision-map lazy --sample $SAMPLE, uncached; $(nproc) cores"
configs "idle"
for _ in $(seq "$HOGS"); do (while :; do :; done) & hogs+=($!); done
sleep 2
configs "$HOGS busy loop(s) beside"
stop_hogs
