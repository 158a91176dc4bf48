#!/usr/bin/env bash
# `sceval run` on a text task through the OpenAI-compatible backend (a stub server whose replies
# are fixed): the run directory is written, an unusable re-ask reply is NA (not invalid), and the
# same command again is answered from the response cache alone.
# Usage: text_cli.sh SCEVAL_BINARY SOURCE_DIR WORK_DIR
set -euo pipefail
SCEVAL=$1
SRC=$2
W=$3
rm -rf "$W" && mkdir -p "$W"
# shellcheck source=stub_server.sh
. "$SRC/tests/e2e/stub_server.sh"
fail() { echo "FAIL: $*"; cat "$W/log"; exit 1; }

# Turn 1 (and every fresh re-ask): "positive"; the counterfactual and the re-ask in its chat both get
# a revision, so the history answer has no ANSWER: marker.
start_stub "ANSWER: positive" "REVISED SCENARIO: The plot was fine."
MODEL="openai:stub@$STUB_URL;concurrency=4"
run() { "$SCEVAL" run --task reviews --model "$MODEL" --cache "$W/cache.sqlite" --bootstrap 50 --limit 6 -o "$W/run" > "$W/out" 2> "$W/log"; }

run || fail "run exited $?"
for f in results.json decision_map.csv sces.csv samples.jsonl; do [ -s "$W/run/$f" ] || fail "$f missing"; done
grep -q '"protocol": "text"' "$W/run/results.json" || fail "results.json is not a text run's"
/usr/bin/python3 - "$W/run/sces.csv" <<'PY' || fail "sces.csv rows"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert len(rows) == 6, len(rows)
for r in rows:
    assert r["original_answer"] == "positive" and r["target"] == "negative", r
    assert r["generated"] == "true" and r["revised_text"] == "The plot was fine.", r
    assert r["valid"] == "false", r                 # asked afresh: "positive" again
    assert r["valid_with_history"] == "", r         # no ANSWER: in that reply: NA, not invalid
    assert r["answer_reason"] == "no_marker", r
    assert r["minimal_edit_hunks"] == "", r         # invalid SCEs are not searched
PY
cp "$W/run/sces.csv" "$W/first.csv"
run || fail "rerun exited $?"
grep -q "0 asked" "$W/log" || fail "the rerun asked the model: $(grep requests: "$W/log")"
cmp -s "$W/first.csv" "$W/run/sces.csv" || fail "the rerun's sces.csv differs"
echo "text run: $(grep requests: "$W/log")"
