#!/usr/bin/env bash
# End to end: a command that writes a run directory never replaces a finished run of other
# settings (nor files it did not write) unless told to, and leaves the old files byte for byte.
# Usage: run_dir_guard.sh SCEVAL_BINARY SOURCE_DIR WORK_DIR
set -euo pipefail
SCEVAL=$1
SRC=$2
W=$3
rm -rf "$W" && mkdir -p "$W"
DEMO=(--task income --decision-map "$SRC/examples/income-rule/decision_map.csv" --sces "$SRC/examples/income-rule/sces.csv")
fail() { echo "run_dir_guard: $*"; exit 1; }

"$SCEVAL" score "${DEMO[@]}" --bootstrap 50 -o "$W/run" > /dev/null
cp -r "$W/run" "$W/before"
# The same command again: the same settings, so the run is replaced by its equal.
"$SCEVAL" score "${DEMO[@]}" --bootstrap 50 -o "$W/run" > /dev/null || fail "a rerun with the same settings was refused"
# Other settings: refused, exit 1, naming what differs; nothing changed.
if "$SCEVAL" score "${DEMO[@]}" --bootstrap 60 -o "$W/run" > /dev/null 2> "$W/err"; then fail "other settings were accepted"; fi
grep -q "holds a finished run with other settings" "$W/err" || fail "message: $(cat "$W/err")"
grep -q "resamples" "$W/err" || fail "the message does not say what differs: $(cat "$W/err")"
for f in results.json decision_map.csv sces.csv; do cmp "$W/before/$f" "$W/run/$f" || fail "$f changed"; done
# --overwrite replaces it.
"$SCEVAL" score "${DEMO[@]}" --bootstrap 60 --overwrite -o "$W/run" > /dev/null || fail "--overwrite was refused"
grep -q '"resamples": 60' "$W/run/results.json" || fail "--overwrite did not replace results.json"
# A folder with a file of a run file's name but no results.json: not ours, refused.
mkdir -p "$W/mine" && echo "my notes" > "$W/mine/sces.csv"
if "$SCEVAL" score "${DEMO[@]}" -o "$W/mine" > /dev/null 2> "$W/err"; then fail "a foreign sces.csv was replaced"; fi
grep -q "holds sces.csv but no results.json" "$W/err" || fail "message: $(cat "$W/err")"
[ "$(cat "$W/mine/sces.csv")" = "my notes" ] || fail "the foreign file changed"
echo "run_dir_guard: ok"
