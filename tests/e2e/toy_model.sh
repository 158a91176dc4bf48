#!/usr/bin/env bash
# End to end on a trained model whose truth is known: `sceval run` on models/toy/toy-income.gguf
#  1. in-process, over the whole grid (1,920 decision-map points and 1,920 follow-ups);
#  2. through a real llama-server (openai: backend, the model's own chat template), on a sample;
# each checked by toy_check.py against the rule, the follow-up policy and a brute-force Gower.
# Usage: toy_model.sh SCEVAL_BINARY LLAMA_SERVER_BINARY WORK_DIR
set -euo pipefail
SCEVAL=$1
SERVER=$2
W=$3
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
MODEL="$REPO/models/toy/toy-income.gguf"
EVAL="$REPO/models/toy/eval.json"
rm -rf "$W" && mkdir -p "$W"
(cd "$REPO/models/toy" && sha256sum -c --quiet toy-income.gguf.sha256)

echo "== in-process, whole grid"
"$SCEVAL" run --task toy_income --model "gguf:$MODEL" --threads 1 --no-cache -o "$W/inproc" 2> "$W/inproc.log"
python3 "$HERE/toy_check.py" "$W/inproc" "$EVAL" --max-extra-map-errors 2

echo "== the check catches a wrong score and a wrong decision map"
tamper() {  # copy of the in-process run with one file edited by the python snippet $2
  rm -rf "$W/$1" && cp -r "$W/inproc" "$W/$1"
  python3 - "$W/$1" <<PY
import csv, sys
d = sys.argv[1]
def edit(name, change):
    with open(f"{d}/{name}", newline="") as f:
        rows = list(csv.DictReader(f))
    change(rows)
    with open(f"{d}/{name}", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
$2
PY
  if python3 "$HERE/toy_check.py" "$W/$1" "$EVAL" --max-extra-map-errors 2 > "$W/$1.log"; then
    echo "toy_check accepted a tampered run ($1)"; exit 1
  fi
}
tamper bad-dmin 'edit("sces.csv", lambda rows: [r.update(d_min=str(float(r["d_min"]) * 1.001)) for r in rows])'
tamper bad-map 'edit("decision_map.csv", lambda rows: [r.update(label="above") for r in rows[:3]])'

echo "== llama-server (openai: backend), 240 sampled points"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$SERVER" -m "$MODEL" --host 127.0.0.1 --port "$port" -t 1 -c 512 -np 1 > "$W/server.log" 2>&1 &
server_pid=$!
trap 'kill $server_pid 2>/dev/null || true; wait $server_pid 2>/dev/null || true' EXIT
for _ in $(seq 300); do
  python3 -c "import urllib.request as u; u.urlopen('http://127.0.0.1:$port/health', timeout=1)" 2> /dev/null && break
  kill -0 $server_pid 2>/dev/null || { cat "$W/server.log"; echo "llama-server exited"; exit 1; }
  sleep 0.2
done
"$SCEVAL" run --task toy_income --model "openai:toy@http://127.0.0.1:$port/v1" --sample 240 --seed 7 --no-cache \
  -o "$W/server" 2> "$W/server-run.log"
python3 "$HERE/toy_check.py" "$W/server" "$EVAL" --max-extra-map-errors 2
echo "toy_model: ok"
