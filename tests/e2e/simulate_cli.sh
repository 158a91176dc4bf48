#!/usr/bin/env bash
# `sceval simulate` end to end on the command line: a run directory made by `sceval score` (the
# income rule example), an OpenAI-compatible stub server as the observer (it always answers
# "Below $50,000"), `sce` explanations.
#  1. the audit writes simulate.json and simulate.csv (10 references x 8 points) and prints the table;
#  2. the same command with the server gone finishes from the response cache, with the same files;
#  3. bad input exits 1 naming the flag, or the missing target of free explanations; nothing written.
#  4. written into the run directory, the audit is in the run's report (its simulate section);
#  5. an audit of other settings into the same folder is refused and the first stays whole; with
#     --overwrite it replaces every file; audit files without a simulate.json are refused.
# Usage: simulate_cli.sh SCEVAL_BINARY SOURCE_DIR WORK_DIR
set -euo pipefail
SCEVAL=$1
SRC=$2
W=$3
rm -rf "$W" && mkdir -p "$W"
# shellcheck source=stub_server.sh
. "$SRC/tests/e2e/stub_server.sh"
fail() { echo "FAIL: $*"; cat "$W/log" 2>/dev/null; exit 1; }

"$SCEVAL" score --task income --decision-map "$SRC/examples/income-rule/decision_map.csv" \
  --sces "$SRC/examples/income-rule/sces.csv" --bootstrap 0 -o "$W/run" > /dev/null
start_stub '{"answer": "Below $50,000"}' 'unused'
OBS="stub=openai:stub@$STUB_URL"
ARGS=(simulate "$W/run" --observer "$OBS" --explanation sce --sample 10 --bootstrap 50 --cache "$W/cache.sqlite")

"$SCEVAL" "${ARGS[@]}" -o "$W/sim" > "$W/out" 2> "$W/log" || fail "exit $?"
grep -q "^10 reference points, 80 counterfactual points" "$W/out" || { cat "$W/out"; fail "no summary"; }
grep -q "^sce  *stub  *80 " "$W/out" || { cat "$W/out"; fail "no row for the observer"; }
[ "$(wc -l < "$W/sim/simulate.csv")" = 81 ] || fail "simulate.csv: expected 80 rows"
head -1 "$W/sim/simulate.csv" | grep -q "^reference_index,counterfactual_index,hamming,reference_answer,target_answer,observer,explanation,prediction_without,prediction_with" \
  || fail "simulate.csv header"
[ ! -e "$W/sim/.partial-simulate" ] || fail "the staging folder was left behind"
echo "1: $(grep '^sce' "$W/out" | head -1)"

stop_stub
cp "$W/sim/simulate.json" "$W/first.json"
"$SCEVAL" "${ARGS[@]}" -o "$W/sim" > "$W/out" 2> "$W/log" || fail "the rerun without a server did not finish from the cache"
cmp -s "$W/first.json" "$W/sim/simulate.json" || fail "the rerun's simulate.json differs"
echo "2: the rerun finished from the cache"

rc=0
"$SCEVAL" simulate "$W/run" --observer "$OBS" --hamming 0 -o "$W/bad" 2> "$W/log" || rc=$?
[ "$rc" = 1 ] && grep -q -- "--hamming: 0 is out of range" "$W/log" && [ ! -e "$W/bad" ] || fail "--hamming 0: exit $rc"
rc=0
"$SCEVAL" simulate "$W/run" --observer "$OBS" --explanation free --no-cache -o "$W/bad" 2> "$W/log" || rc=$?
[ "$rc" = 1 ] && grep -q "records no model .*give --target SPEC" "$W/log" && [ ! -e "$W/bad" ] \
  || fail "free explanations without a target: exit $rc"
echo "3: bad input refused"

# 4. Written into the run directory itself (from the cache), the audit is part of the run's report.
"$SCEVAL" "${ARGS[@]}" -o "$W/run" > /dev/null 2> "$W/log" || fail "the audit into the run directory"
[ -s "$W/run/simulate.json" ] && [ -s "$W/run/results.json" ] || fail "the run directory's files"
"$SCEVAL" report "$W/run" -o "$W/report.html" > /dev/null 2> "$W/log" || fail "report"
grep -q '"kind":"simulate"' "$W/report.html" || fail "the report holds no simulate data"
echo "4: the report holds the audit"

# 5. One folder, one audit: other settings are refused (the first audit stays whole) unless --overwrite.
ARGS5=(simulate "$W/run" --observer "$OBS" --explanation sce --sample 5 --bootstrap 50 --cache "$W/cache.sqlite")
rc=0
"$SCEVAL" "${ARGS5[@]}" -o "$W/sim" > /dev/null 2> "$W/log" || rc=$?
[ "$rc" = 1 ] && grep -q "holds a simulatability audit with other settings (sample 10 -> 5)" "$W/log" \
  || fail "another audit into the same folder: exit $rc"
cmp -s "$W/first.json" "$W/sim/simulate.json" && [ "$(wc -l < "$W/sim/simulate.csv")" = 81 ] \
  || fail "the refused audit touched the first one's files"
"$SCEVAL" "${ARGS5[@]}" --overwrite -o "$W/sim" > /dev/null 2> "$W/log" || fail "--overwrite: exit $?"
[ "$(wc -l < "$W/sim/simulate.csv")" = 41 ] && grep -q '"sample": 5' "$W/sim/simulate.json" \
  || fail "--overwrite did not replace the audit's files"
rm "$W/sim/simulate.json"
rc=0
"$SCEVAL" "${ARGS5[@]}" -o "$W/sim" > /dev/null 2> "$W/log" || rc=$?
[ "$rc" = 1 ] && grep -q "holds simulate.csv, simulate_samples.jsonl but no simulate.json" "$W/log" \
  || fail "audit files without simulate.json: exit $rc"
echo "5: one folder, one audit"
