# shellcheck shell=bash
# Sourced by the e2e scripts that talk to tests/e2e/stub_openai.py (needs SRC and W set):
#   start_stub TURN1 FOLLOWUP   starts it (stopping one already running), waits for its port and sets
#                               STUB_URL, its OpenAI-compatible base URL (http://127.0.0.1:PORT/v1)
#   stop_stub                   stops it; the EXIT trap set here does so too
server=""
stop_stub() {
  if [ -n "$server" ]; then
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  server=""
}
trap stop_stub EXIT
start_stub() {
  stop_stub
  rm -f "$W/port"
  /usr/bin/python3 "$SRC/tests/e2e/stub_openai.py" "$W/port" "$1" "$2" &
  server=$!
  for _ in $(seq 100); do [ -s "$W/port" ] && break; sleep 0.1; done
  [ -s "$W/port" ] || { echo "FAIL: the stub server wrote no port"; exit 1; }
  STUB_URL="http://127.0.0.1:$(cat "$W/port")/v1"
}
