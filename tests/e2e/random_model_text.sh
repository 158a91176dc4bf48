#!/usr/bin/env bash
# A text audit (tasks/text/reviews) on a random-weight model, in-process (llama.cpp) and through a
# real llama-server (openai: backend): the run directory has the text protocol's structure, two runs
# without a cache write the same rows (greedy decoding), a second run on the cache asks nothing, and a
# run killed with SIGKILL at a random moment, then re-run, ends with the same files as an
# uninterrupted one. The model's replies are noise: the rows are NA, each with a reason, and the run
# says that nothing was measured (exit 3).
# Usage: random_model_text.sh SCEVAL_BINARY LLAMA_SERVER_BINARY WORK_DIR
set -euo pipefail
SCEVAL=$1
SERVER=$2
W=$3
rm -rf "$W" && mkdir -p "$W"
# shellcheck source=kill_resume.sh
. "$(dirname "$0")/kill_resume.sh"
"$SCEVAL" make-test-model --shape tiny --seed 11 -o "$W/model.gguf"
COMMON=(--task reviews --limit 40 --max-tokens 32 --chunk 4 --bootstrap 50)
# Exit 3: nothing could be scored (noise replies); the run still finished and wrote its files.
run() { "$SCEVAL" run "$@" > /dev/null || [ $? -eq 3 ]; }
structure() {  # $1: run directory
  /usr/bin/python3 - "$1" <<'PY'
import csv, json, sys
d = sys.argv[1]
res = json.load(open(f"{d}/results.json"))
assert res["protocol"] == "text", res.get("protocol")
rows = list(csv.DictReader(open(f"{d}/sces.csv")))
assert len(rows) == 40, len(rows)
need = ["id", "target", "original_answer", "revised_text", "generated", "valid", "valid_with_history",
        "levenshtein", "levenshtein_normalized", "sce_edit_hunks", "minimal_edit_hunks", "minimal_levenshtein",
        "censored"]
missing = [c for c in need if c not in rows[0]]
assert not missing, missing
for r in rows:
    assert r["target"] in ("positive", "negative"), r
    assert r["generated"] in ("true", "false"), r
    if r["generated"] == "false":
        assert r["generated_reason"], r   # an unusable reply says why
    assert r["valid"] in ("true", "false", ""), r
ids = [r["id"] for r in rows]
assert ids == sorted(ids), ids
PY
}
same_rows() { cmp "$1/sces.csv" "$2/sces.csv" && cmp "$1/decision_map.csv" "$2/decision_map.csv"; }

echo "== in-process"
INPROC=(--model "gguf:$W/model.gguf" --threads 1 "${COMMON[@]}")
rc=0
"$SCEVAL" run "${INPROC[@]}" --cache "$W/cache.sqlite" -o "$W/full" > /dev/null 2> "$W/full.log" || rc=$?
structure "$W/full"
# Noise never holds a revision marker: no validity was measured, which is exit 3 with the reason.
[ "$rc" -eq 3 ] || { echo "expected exit 3 (no metric), got $rc"; cat "$W/full.log"; exit 1; }
grep -q "no metric, nothing could be scored: text: 40 rows, 0 revisions generated" "$W/full.log" ||
  { echo "exit 3 without the reason:"; cat "$W/full.log"; exit 1; }
run "${INPROC[@]}" --no-cache -o "$W/nocache" 2> "$W/nocache.log"
same_rows "$W/full" "$W/nocache"
run "${INPROC[@]}" --cache "$W/cache.sqlite" -o "$W/again" 2> "$W/again.log"
grep -q "0 asked" "$W/again.log" || { echo "the rerun asked the model:"; cat "$W/again.log"; exit 1; }
same_rows "$W/full" "$W/again"
kill_and_resume 2 same_rows "${INPROC[@]}"

echo "== llama-server (openai: backend)"
port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# One slot, no prompt cache, F32 KV cache, no flash attention: equal requests get equal replies
# whatever was asked before (docs/cache.md, "Resuming").
"$SERVER" -m "$W/model.gguf" --host 127.0.0.1 --port "$port" -t 1 -c 1024 -np 1 --no-cache-prompt -fa off -ctk f32 -ctv f32 > "$W/server.log" 2>&1 &
server_pid=$!
trap 'kill $server_pid 2>/dev/null || true; wait $server_pid 2>/dev/null || true' EXIT
for _ in $(seq 300); do
  /usr/bin/python3 -c "import urllib.request as u; u.urlopen('http://127.0.0.1:$port/health', timeout=1)" 2> /dev/null && break
  kill -0 $server_pid 2>/dev/null || { cat "$W/server.log"; echo "llama-server exited"; exit 1; }
  sleep 0.2
done
SERVED=(--model "openai:random@http://127.0.0.1:$port/v1" "${COMMON[@]}")
run "${SERVED[@]}" --no-cache -o "$W/served1" > /dev/null 2> "$W/served1.log"
structure "$W/served1"
run "${SERVED[@]}" --no-cache -o "$W/served2" > /dev/null 2> "$W/served2.log"
same_rows "$W/served1" "$W/served2"
echo "random_model_text: ok"
