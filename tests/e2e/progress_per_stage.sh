#!/usr/bin/env bash
# `sceval run`'s progress without a terminal (a log file): plain lines, no carriage returns, and each
# stage counts its own cache hits (a second run answers everything from the cache: the follow-ups'
# line says 5 hits, not 215, the run's total so far). A stub OpenAI-compatible server answers.
# Usage: progress_per_stage.sh SCEVAL_BINARY SOURCE_DIR WORK_DIR
set -euo pipefail
SCEVAL=$1
SRC=$2
W=$3
rm -rf "$W" && mkdir -p "$W"
# shellcheck source=stub_server.sh
. "$SRC/tests/e2e/stub_server.sh"
start_stub '{"answer": "Low risk"}' "No counterfactual."
ARGS=(--task credit_risk_3way --model "openai:stub@$STUB_URL;concurrency=4" --limit 5
      --bootstrap 0 --cache "$W/cache.sqlite")
"$SCEVAL" run "${ARGS[@]}" -o "$W/first" > /dev/null 2> "$W/first.log"
"$SCEVAL" run "${ARGS[@]}" -o "$W/again" > /dev/null 2> "$W/again.log"
fail() { echo "FAIL: $*"; cat -A "$W/again.log"; exit 1; }
! grep -q $'\r' "$W/again.log" || fail "carriage returns in a log"
grep -Eq '^decision_map 210/210 \(100%\) .*\| cache hits 210 \| failed 0$' "$W/again.log" || fail "decision_map line"
grep -Eq '^followup 5/5 \(100%\) .*\| cache hits 5 \| failed 0$' "$W/again.log" || fail "followup's own cache hits"
grep "^followup" "$W/again.log"
echo "progress_per_stage: ok"
