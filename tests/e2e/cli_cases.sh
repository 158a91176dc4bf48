#!/usr/bin/env bash
# Command-line cases that need more than one sceval call (tests/cli/CMakeLists.txt runs each through
# tests/cli/cli_expect.cmake, which checks the exit code and output of the LAST command here):
#   cli_cases.sh SCEVAL SOURCE_DIR OUT_DIR CASE [ARG...]
# Set-up steps exit 9 when they fail, so a broken set-up never passes for the refusal under test.
set -u
S=$1 SRC=$2 OUT=$3 CASE=$4
shift 4
FIX=$SRC/tests/data/cli
MAP=$SRC/examples/income-rule/decision_map.csv
SCES=$SRC/examples/income-rule/sces.csv
DEMO=(--task income --decision-map "$MAP" --sces "$SCES")
d=$OUT/$CASE
rm -rf "$d" "$d.keep" "$d.link.json"
mkdir -p "$OUT"

demo_run() { "$S" score "${DEMO[@]}" --bootstrap 10 -o "$1" > /dev/null || exit 9; }

# keeps_input KEEP CMD...: CMD is refused and the input KEEP keeps its bytes (else exit 7).
keeps_input() {
  local keep=$1 rc
  shift
  cp "$keep" "$d.keep" || exit 9
  "$@"
  rc=$?
  cmp -s "$keep" "$d.keep" || exit 7
  return $rc
}

case $CASE in
  compare_unreadable_results)  # a results.json that is a symlink to itself
    demo_run "$d"
    rm "$d/results.json" && ln -s results.json "$d/results.json" || exit 9
    exec "$S" compare "$d" "$d" --bootstrap 10 ;;
  compare_other_grid)  # a run of another task
    demo_run "$d/A"
    "$S" score --task "$FIX/tiny_income.json" --decision-map "$FIX/tiny_income_map.csv" \
      --sces "$FIX/tiny_income_sces.csv" --bootstrap 10 -o "$d/T" > /dev/null || exit 9
    exec "$S" compare "$d/A" "$d/T" --bootstrap 10 ;;
  compare_points_checked_against_b)  # the same grid under another task name
    mkdir -p "$d" && sed 's/"name": "income"/"name": "income_copy"/' "$SRC/tasks/paper/income.json" > "$d/income_copy.json"
    demo_run "$d/A"
    "$S" score --task "$d/income_copy.json" --decision-map "$MAP" --sces "$SCES" --bootstrap 10 -o "$d/C" > /dev/null || exit 9
    "$S" export-training "$d/A" -o "$d/a.jsonl" --split random:0.3:0 --split-out "$d/split.json" > /dev/null || exit 9
    exec "$S" compare "$d/A" "$d/C" --points "$d/split.json:heldout" --bootstrap 10 ;;
  compare_other_distance)  # the same grid scored with another distance
    mkdir -p "$d" && sed 's/"distance": "gower"/"distance": "l1_mad"/' "$SRC/tasks/paper/income.json" > "$d/income_l1_mad.json"
    grep -q l1_mad "$d/income_l1_mad.json" || exit 9
    demo_run "$d/a"
    "$S" score --task "$d/income_l1_mad.json" --decision-map "$MAP" --sces "$SCES" --bootstrap 10 -o "$d/b" > /dev/null || exit 9
    exec "$S" compare "$d/a" "$d/b" ;;
  compare_table) demo_run "$d/A" && exec "$S" compare "$d/A" "$d/A" --bootstrap 10 ;;
  compare_json) demo_run "$d/A" && exec "$S" compare "$d/A" "$d/A" --bootstrap 10 --json ;;
  split_empty) exec "$S" export-training "$OUT/no-run" --split '' -o "$d.jsonl" ;;
  points_empty) exec "$S" score "${DEMO[@]}" --points '' -o "$d" ;;
  split_not_finite)  # ARG: the --split predicate
    demo_run "$d"
    exec "$S" export-training "$d" -o "$d.jsonl" --split "$1" ;;
  out_of_memory)  # ulimit -v below what a 2e7-point full map needs (about 740 MB)
    ulimit -v 400000
    exec "$S" closest --task "$FIX/mid.json" --decision-map "$FIX/header_only.csv" -o "$d.csv" ;;
  llm_limit)  # ARG: an engine flag with its value
    m=$OUT/limits-tiny.gguf
    test -f "$m" || "$S" make-test-model --shape tiny -o "$m" > /dev/null || exit 9
    # shellcheck disable=SC2086  # "$1" is a flag and its value
    exec "$S" llm generate -m "$m" $1 --max-tokens 2 -p Hi ;;
  # An output that is one of the command's own inputs (the same file, another spelling, a symlink).
  export_training_output_is_input) demo_run "$d"; keeps_input "$d/sces.csv" "$S" export-training "$d" -o "$d/sces.csv" ;;
  export_training_split_out_is_input)
    demo_run "$d"
    keeps_input "$d/results.json" "$S" export-training "$d" -o "$d.jsonl" --split random:0.2:1 --split-out "$d/results.json" ;;
  report_output_is_input) demo_run "$d"; keeps_input "$d/results.json" "$S" report "$d" -o "$d/results.json" ;;
  report_output_is_input_spelled)
    demo_run "$d"
    keeps_input "$d/decision_map.csv" "$S" report "$d" -o "$d/../$CASE/./decision_map.csv" ;;
  report_output_is_input_symlink)
    demo_run "$d"
    ln -sf "$d/results.json" "$d.link.json" || exit 9
    keeps_input "$d/results.json" "$S" report "$d" -o "$d.link.json" ;;
  closest_output_is_input)
    demo_run "$d"
    keeps_input "$d/decision_map.csv" "$S" closest --task income --decision-map "$d/decision_map.csv" -o "$d/decision_map.csv" ;;
  score_output_is_input)
    demo_run "$d"
    keeps_input "$d/sces.csv" "$S" score --task income --decision-map "$MAP" --sces "$d/sces.csv" -o "$d" ;;
  tasks_broken_file_on_path)  # one broken task file on $SCEVAL_TASK_PATH: the others are still listed
    SCEVAL_TASK_PATH=$FIX/task_path exec "$S" tasks -l ;;
  *) echo "cli_cases.sh: no case $CASE" >&2; exit 2 ;;
esac
