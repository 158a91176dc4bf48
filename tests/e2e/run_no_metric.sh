#!/usr/bin/env bash
# `sceval run` on a model whose answers cannot be scored says why and, when no metric exists,
# exits 1 (the run directory is still written: nothing obtained is lost).
#  1. every reply is prose: no turn-1 answer parses -> exit 3 (finished, no metric), the reason names the 210 turn-1 answers;
#  2. turn-1 answers parse but no SCE does -> paper mode drops every row and says so, strict mode
#     scores them (invalid) -> exit 0.
# Usage: run_no_metric.sh SCEVAL_BINARY SOURCE_DIR WORK_DIR
set -euo pipefail
SCEVAL=$1
SRC=$2
W=$3
rm -rf "$W" && mkdir -p "$W"
# shellcheck source=stub_server.sh
. "$SRC/tests/e2e/stub_server.sh"
stub() {  # $1 turn-1 reply, $2 follow-up reply; sets MODEL
  start_stub "$1" "$2"
  MODEL="openai:stub@$STUB_URL;concurrency=4"
}
fail() { echo "FAIL: $*"; cat "$W/log"; exit 1; }

stub "I would rather not say." "Nor here."
rc=0
"$SCEVAL" run --task credit_risk_3way --model "$MODEL" --no-cache --bootstrap 0 -o "$W/prose" > "$W/out" 2> "$W/log" || rc=$?
[ "$rc" = 3 ] || fail "exit $rc, expected 3 when nothing could be scored"
grep -q "error: no metric, nothing could be scored: .*strict: all 210 turn-1 answers unusable (210 with no answer parsed, 0 not one of the options)" "$W/log" \
  || fail "no reason given"
[ -s "$W/prose/results.json" ] && [ -s "$W/prose/samples.jsonl" ] || fail "the run directory was not written"
echo "1: exit 3, $(grep 'error: ' "$W/log")"

stub '{"answer": "Low risk"}' "No counterfactual from me."
rc=0
"$SCEVAL" run --task credit_risk_3way --model "$MODEL" --no-cache --bootstrap 0 --limit 5 -o "$W/nosce" > "$W/out" 2> "$W/log" || rc=$?
[ "$rc" = 0 ] || fail "exit $rc, expected 0: strict mode has a metric"
grep -q "note: nothing scored in paper: all 5 rows dropped: 5 SCE reply without JSON" "$W/log" || fail "paper mode's N=0 not explained"
grep -q "^strict  N=5 " "$W/out" || { cat "$W/out"; fail "strict mode did not score the 5 rows"; }
echo "2: exit 0, $(grep 'note: nothing scored' "$W/log")"
echo "run_no_metric: ok"
