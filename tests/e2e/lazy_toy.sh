#!/usr/bin/env bash
# End to end, lazy decision maps on the trained toy model, in-process, one thread:
#  1. the full-map run on a 200-point sample (its own cache);
#  2. the lazy run on the same sample (a fresh cache, a budget above the grid size so that no row is
#     censored): every strict column of sces.csv equals the full-map run's on those rows; the
#     request counts of both are printed (on this small grid, whose boundary is far from most
#     points, 200 rows' searches reach most of the grid: lazy may ask as much as the full map);
#  3. a lazy run killed with SIGKILL during the search and re-run ends with the same files as 2.
# Usage: lazy_toy.sh SCEVAL_BINARY WORK_DIR
set -euo pipefail
SCEVAL=$1
W=$2
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
MODEL="$REPO/models/toy/toy-income.gguf"
rm -rf "$W" && mkdir -p "$W"
(cd "$REPO/models/toy" && sha256sum -c --quiet toy-income.gguf.sha256)
ARGS=(--task toy_income --model "gguf:$MODEL" --threads 1 --sample 200 --max-queries-per-point 2000)

asked() { sed -n 's/^requests: .* \([0-9][0-9]*\) asked.*/\1/p' "$1"; }

"$SCEVAL" run "${ARGS[@]}" --cache "$W/full.sqlite" -o "$W/full" 2> "$W/full.log"
"$SCEVAL" run "${ARGS[@]}" --decision-map lazy --cache "$W/lazy.sqlite" -o "$W/lazy" 2> "$W/lazy.log"
python3 - "$W/full/sces.csv" "$W/lazy/sces.csv" <<'PY'
import csv, sys
full, lazy = (list(csv.DictReader(open(p, newline=""))) for p in sys.argv[1:3])
assert len(full) == len(lazy) == 200, (len(full), len(lazy))
for i, (a, b) in enumerate(zip(full, lazy)):
    for k, v in a.items():
        if not k.startswith("paper_"):
            assert b[k] == v, f"row {i} column {k}: full {v!r}, lazy {b[k]!r}"
    assert b["censored"] == "0", f"row {i} censored"
print("lazy == full map on all 200 rows (every strict column)")
PY
full_asked=$(asked "$W/full.log")
lazy_asked=$(asked "$W/lazy.log")
echo "model requests: full map $full_asked, lazy $lazy_asked"
[ "$lazy_asked" -le "$full_asked" ] || { echo "lazy asked more requests than the full map"; exit 1; }

same_results() {
  cmp "$1/sces.csv" "$2/sces.csv"
  cmp "$1/decision_map.csv" "$2/decision_map.csv"
  python3 - "$1/results.json" "$2/results.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
for r in (a, b):
    r.pop("timing", None); r["settings"].pop("output", None)
assert a == b, "results.json differ"
PY
}
rm -f "$W/killed.sqlite"*
"$SCEVAL" run "${ARGS[@]}" --decision-map lazy --cache "$W/killed.sqlite" -o "$W/killed" 2> "$W/killed.log" &
pid=$!
# Kill once the search rounds have started (samples.jsonl has a lazy_search line).
for _ in $(seq 1 600); do
  grep -q '"stage":"lazy_search"' "$W/killed/samples.jsonl" 2>/dev/null && break
  sleep 0.5
done
kill -9 "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
"$SCEVAL" run "${ARGS[@]}" --decision-map lazy --cache "$W/killed.sqlite" -o "$W/killed" 2> "$W/resumed.log"
same_results "$W/lazy" "$W/killed"
echo "resumed lazy run equals the uninterrupted one ($(grep requests: "$W/resumed.log"))"
echo "lazy_toy: ok"
