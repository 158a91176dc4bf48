#!/usr/bin/env bash
# `closest --mode strict` (the exact arithmetic's name everywhere) and its older spelling `exact`
# write the same file. Usage: closest_modes.sh SCEVAL_BINARY SOURCE_DIR WORK_DIR
set -euo pipefail
SCEVAL=$1
DM=$2/examples/income-rule/decision_map.csv
W=$3
rm -rf "$W" && mkdir -p "$W"
"$SCEVAL" closest --task income -d "$DM" --mode strict -o "$W/strict.csv"
"$SCEVAL" closest --task income -d "$DM" --mode exact -o "$W/exact.csv"
"$SCEVAL" closest --task income -d "$DM" -o "$W/default.csv"
cmp "$W/strict.csv" "$W/exact.csv"
cmp "$W/strict.csv" "$W/default.csv"
echo "closest_modes: ok"
