# shellcheck shell=bash
# Sourced by the e2e scripts that kill a run and resume it (needs SCEVAL and W set, a function `run`
# that runs `sceval run "$@"` and accepts its exit codes, and a folder $W/full of the uninterrupted run):
#   kill_and_resume N SAME ARGS...   N times: starts `sceval run ARGS` on an empty cache, SIGKILLs it
#                                    after 0.1 to 0.9 s, runs the same command again, and checks the
#                                    result with `SAME $W/full $W/killed`
kill_and_resume() {
  local attempts=$1 same=$2 attempt pid
  shift 2
  for attempt in $(seq "$attempts"); do
    rm -rf "$W/killed" "$W/killed.sqlite"*
    "$SCEVAL" run "$@" --cache "$W/killed.sqlite" -o "$W/killed" > /dev/null 2> "$W/killed.log" &
    pid=$!
    sleep "0.$((RANDOM % 9 + 1))"
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    run "$@" --cache "$W/killed.sqlite" -o "$W/killed" 2> "$W/resumed.log"
    "$same" "$W/full" "$W/killed"
    echo "attempt $attempt: resumed run equals the uninterrupted one ($(grep requests: "$W/resumed.log"))"
  done
}
