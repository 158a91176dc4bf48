#!/usr/bin/env bash
# `sceval simulate` end to end on the command line: a run directory made by `sceval score` (the
# income rule example), an OpenAI-compatible stub server as the observer (it always answers
# "Below $50,000"), `sce` explanations.
#  1. the audit writes simulate.json and simulate.csv (10 references x 8 points) and prints the table;
#  2. the same command with the server gone finishes from the response cache, with the same files;
#  3. bad input exits 1 naming the flag, or the missing target of free explanations; nothing written.
#  4. written into the run directory, the audit is in the run's report (its simulate section);
#  5. an audit of other settings into the same folder is refused and the first stays whole; with
#     --overwrite it replaces every file; audit files without a simulate.json are refused;
#  6. shards 0/2 and 1/2 (from the cache): the second merges both into the same simulate.json and
#     simulate.csv as the unsharded audit of step 1; a bad --shard is refused;
#  7. `sceval compare` of two audits: the merged audit against its simulate.json path (the same
#     points) prints zero differences; against the audit of 5 references it is refused.
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
cp "$W/sim/simulate.csv" "$W/first.csv"
"$SCEVAL" "${ARGS[@]}" -o "$W/sim" > "$W/out" 2> "$W/log" || fail "the rerun without a server did not finish from the cache"
cmp -s "$W/first.json" "$W/sim/simulate.json" || fail "the rerun's simulate.json differs"
grep -Eq "^requests: ([0-9]+) \(\1 from the cache, 0 asked\)" "$W/log" || fail "the rerun does not say it asked nothing"
echo "2: the rerun finished from the cache ($(grep requests: "$W/log"))"

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

# 6. Shards: each writes OUT/shard-I-of-2/, the last to finish merges into OUT = the unsharded audit.
"$SCEVAL" "${ARGS[@]}" --shard 0/2 -o "$W/sharded" > "$W/out0" 2> "$W/log" || fail "shard 0/2: exit $?"
grep -q "^5 reference points of shard 0/2: wrote $W/sharded/shard-0-of-2/" "$W/out0" || { cat "$W/out0"; fail "shard 0/2 output"; }
[ ! -e "$W/sharded/simulate.json" ] && [ -s "$W/sharded/shard-0-of-2/simulate.json" ] || fail "shard 0/2 files"
"$SCEVAL" "${ARGS[@]}" --shard 1/2 -o "$W/sharded" > "$W/out1" 2> "$W/log" || fail "shard 1/2: exit $?"
grep -q "^merged every shard into $W/sharded/simulate.json" "$W/out1" || { cat "$W/out1"; fail "no merge"; }
cmp "$W/first.json" "$W/sharded/simulate.json" || fail "the merged simulate.json differs from the unsharded one"
cmp "$W/first.csv" "$W/sharded/simulate.csv" || fail "the merged simulate.csv differs from the unsharded one"
rc=0
"$SCEVAL" "${ARGS[@]}" --shard 2/2 -o "$W/bad" > /dev/null 2> "$W/log" || rc=$?
[ "$rc" = 1 ] && grep -q -- "--shard: expected I/N with 0 <= I < N" "$W/log" && [ ! -e "$W/bad" ] || fail "--shard 2/2: exit $rc"
echo "6: two shards merge to the unsharded audit"

# 7. compare of two audits: the same points give differences of 0; other points are refused.
"$SCEVAL" compare "$W/sharded" "$W/sharded/simulate.json" --bootstrap 50 > "$W/cmp" 2> "$W/log" || fail "compare: exit $?"
grep -q "^10 reference points, 80 counterfactual points in both audits" "$W/cmp" || { cat "$W/cmp"; fail "compare header"; }
grep -q "^sce  *NSG  *0.0000  *0.0000  *+0.0000  \[+0.0000, +0.0000\]" "$W/cmp" || { cat "$W/cmp"; fail "compare NSG row"; }
"$SCEVAL" "${ARGS5[@]}" --overwrite -o "$W/sim" > /dev/null 2> "$W/log" || fail "the audit of 5 references again"
rc=0
"$SCEVAL" compare "$W/sharded" "$W/sim" > /dev/null 2> "$W/log" || rc=$?
[ "$rc" = 1 ] && grep -q "audit different points (80 and 40" "$W/log" || fail "compare of other points: exit $rc"
echo "7: compare of two audits"
