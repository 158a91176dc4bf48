#!/usr/bin/env bash
# The llama.cpp benchmark programs run end to end on the tiny random-weight model and print the JSON
# bench/README.md documents (a few points, short answers: this checks the programs, not timings):
#  1. sceval-bench-llm with --check-reference: every pass answered, the comparison block present,
#     option probabilities summing to 1;
#  2. sceval-bench-decision-map: all four phases ran (llama-server and llama-bench included) without
#     errors, and model_parameters equals the tiny shape's parameter count (src/llm/README.md).
# Usage: bench_programs.sh SCEVAL_BINARY BENCH_LLM BENCH_DECISION_MAP WORK_DIR
set -euo pipefail
SCEVAL=$1
BENCH_LLM=$2
BENCH_DM=$3
W=$4
rm -rf "$W" && mkdir -p "$W"
"$SCEVAL" make-test-model --shape tiny -o "$W/tiny.gguf"

"$BENCH_LLM" -m "$W/tiny.gguf" --task income --points 6 --max-tokens 4 --threads 1 --check-reference \
  > "$W/llm.json" 2> "$W/llm.log"
python3 - "$W/llm.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
assert j["points"] == 6 and j["task"] == "income", j
for part in (j["generate"], j["reference"]["generate"]):
    assert part["errors"] == 0 and 0 < part["tokens_generated"] <= 6 * 4, part
for part in (j["score"], j["reference"]["score"]):
    assert abs(sum(part["example_probabilities"]) - 1) < 1e-9, part
cmp = j["reference"]["batched_vs_reference"]
assert {"generate_sequences_diverged", "score_max_abs_logprob_diff", "score_top_option_changes"} <= set(cmp), cmp
assert 0 <= cmp["generate_sequences_diverged"] <= 6, cmp
print("sceval-bench-llm: ok")
PY

"$BENCH_DM" --model "$W/tiny.gguf" --task income --points 6 --max-tokens 4 --threads 1 --slots 2 \
  > "$W/dm.json" 2> "$W/dm.log"
python3 - "$W/dm.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
assert j["points"] == 6 and j["generation_errors"] == 0 and j["llama_server_errors"] == 0, j
assert 0 < j["generation_tokens"] <= 24 and 0 < j["llama_server_tokens"] <= 24, j
assert j["llama_bench_pp_tok_s"] > 0 and j["limit_points_per_s"] > 0, j
assert 0 < j["prefix_tokens"] < j["mean_prompt_tokens"], j
assert j["model_parameters"] == 4170048, j["model_parameters"]
print("sceval-bench-decision-map: ok")
PY
echo "bench_programs: ok"
