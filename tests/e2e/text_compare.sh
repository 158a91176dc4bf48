#!/usr/bin/env bash
# `sceval compare` on text runs (docs/text.md "Comparing two runs"): the hand-worked fixtures of
# tests/data/text/compare as JSON, a grid run against a text run refused naming both kinds, and the
# grid-only --mode paper refused; --points takes a split of items.
# Usage: text_compare.sh SCEVAL_BINARY SOURCE_DIR WORK_DIR
set -euo pipefail
SCEVAL=$1
SRC=$2
W=$3
rm -rf "$W" && mkdir -p "$W"
FIX="$SRC/tests/data/text/compare"
fail() { echo "FAIL: $*"; cat "$W/log" 2>/dev/null; exit 1; }

"$SCEVAL" compare "$FIX/a" "$FIX/b" --json --bootstrap 200 > "$W/c.json" 2> "$W/log" || fail "compare exited $?"
/usr/bin/python3 - "$W/c.json" <<'PY' || fail "compare JSON"
import json, sys
c = json.load(open(sys.argv[1]))
assert c["protocol"] == "text" and c["pairs"] == 4 and c["only_in_a"] == 1 and c["only_in_b"] == 1, c
# Worked by hand in tests/text/compare_test.cpp: B - A per metric.
want = {"generation_rate": 0.25, "validity": 0.5, "validity_with_history": -0.5,
        "mean_levenshtein_normalized": 0.1 / 3, "mean_excess": -0.5}
for k, v in want.items():
    assert abs(c["difference"][k] - v) < 1e-12, (k, c["difference"][k])
    lo, hi = c["ci"][k]
    assert lo <= c["difference"][k] <= hi, (k, lo, hi)
PY

# A grid run (the demo, scored) against a text run.
"$SCEVAL" score --task income --decision-map "$SRC/examples/income-rule/decision_map.csv" \
  --sces "$SRC/examples/income-rule/sces.csv" --bootstrap 10 -o "$W/grid" > /dev/null 2> "$W/log" || fail "score exited $?"
if "$SCEVAL" compare "$W/grid" "$FIX/a" 2> "$W/log"; then fail "grid vs text accepted"; fi
grep -q "is a grid run and .*compare/a a text run; both must be grid runs or both text runs" "$W/log" ||
  fail "grid vs text message: $(cat "$W/log")"
if "$SCEVAL" compare "$FIX/a" "$FIX/b" --mode paper 2> "$W/log"; then fail "--mode paper accepted"; fi
grep -q "text runs have no scoring modes" "$W/log" || fail "--mode message"
# --points: a split of the task's items (export-training --split-out on a text run); a grid split refused.
echo '{"kind": "split", "task": "reviews", "items": 200, "train": ["r3"], "heldout": ["r1", "r2"]}' > "$W/split.json"
"$SCEVAL" compare "$FIX/a" "$FIX/b" --points "$W/split.json:heldout" > "$W/out" 2> "$W/log" || fail "--points exited $?"
grep -q "2 rows (item, target) in both runs over 2 items; only in A: 0, only in B: 0, points" "$W/out" ||
  fail "--points table: $(cat "$W/out")"
echo '{"kind": "split", "task": "reviews", "grid_points": 9, "train": [], "heldout": [0]}' > "$W/grid_split.json"
if "$SCEVAL" compare "$FIX/a" "$FIX/b" --points "$W/grid_split.json:heldout" 2> "$W/log"; then fail "grid split accepted"; fi
grep -q "a split of grid points, not of a text task's items" "$W/log" || fail "grid split message: $(cat "$W/log")"
echo "text compare: ok"
