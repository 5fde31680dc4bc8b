#!/usr/bin/env bash
# `make ui` / `make ui-stop`: a local Prefect server on loopback with its own PREFECT_HOME, the
# process work pool, every deployment of prefect.yaml, and a worker; stop kills what start started
# (by the pids it wrote). Settings (environment): NEWSFLOW_UI_PORT (4200), NEWSFLOW_UI_STATE
# (.prefect-ui: PREFECT_HOME, pids, logs), PREFECT_WORKER_QUERY_SECONDS (how often the worker polls).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="$PWD/.venv/bin"
STATE="${NEWSFLOW_UI_STATE:-$PWD/.prefect-ui}"
PORT="${NEWSFLOW_UI_PORT:-4200}"
export PREFECT_HOME="$STATE/home"
export PREFECT_API_URL="http://127.0.0.1:$PORT/api"
export PREFECT_SERVER_ANALYTICS_ENABLED=false
# leases on disk: a server restarted while a run held the writer slot frees it (memory: never)
export PREFECT_SERVER_CONCURRENCY_LEASE_STORAGE=prefect.server.concurrency.lease_storage.filesystem
mkdir -p "$PREFECT_HOME"

healthy() { "$BIN/python" -c "import urllib.request as u; u.urlopen('$PREFECT_API_URL/health', timeout=2)" 2>/dev/null; }

running() { [ -f "$STATE/$1.pid" ] && kill -0 "$(cat "$STATE/$1.pid")" 2>/dev/null; }

start() {
  if running server; then
    echo "already running: http://127.0.0.1:$PORT (make ui-stop to stop)"; return 0
  fi
  SECONDS=0
  setsid "$BIN/prefect" server start --host 127.0.0.1 --port "$PORT" > "$STATE/server.log" 2>&1 < /dev/null &
  echo $! > "$STATE/server.pid"
  for _ in $(seq 1 240); do healthy && break; sleep 0.5; done
  if ! healthy; then echo "the Prefect server did not start: see $STATE/server.log" >&2; stop; exit 1; fi
  echo "server up in ${SECONDS} s"
  "$BIN/prefect" work-pool create newsflow-process --type process --overwrite > "$STATE/pool.log" 2>&1
  "$BIN/prefect" --no-prompt deploy --all > "$STATE/deploy.log" 2>&1 || { cat "$STATE/deploy.log" >&2; stop; exit 1; }
  setsid "$BIN/prefect" worker start --pool newsflow-process --name newsflow-local > "$STATE/worker.log" 2>&1 < /dev/null &
  echo $! > "$STATE/worker.pid"
  echo "Prefect UI: http://127.0.0.1:$PORT  (deployments: ingest-folder, ingest-folder-dask, poll-sources, maintenance, story-alert, enrich)"
  echo "Run one: PREFECT_API_URL=$PREFECT_API_URL $BIN/prefect deployment run 'ingest-files/ingest-folder'"
}

stop() {
  for name in worker server; do
    if [ -f "$STATE/$name.pid" ]; then
      pid=$(cat "$STATE/$name.pid")
      # the whole session (setsid): uvicorn, started by `prefect server start`, has its own process group
      pkill -TERM -s "$pid" 2>/dev/null || true
      for _ in $(seq 1 40); do pgrep -s "$pid" > /dev/null || break; sleep 0.25; done
      pkill -KILL -s "$pid" 2>/dev/null || true
      for _ in $(seq 1 40); do pgrep -s "$pid" > /dev/null || break; sleep 0.25; done
      rm -f "$STATE/$name.pid"
      echo "stopped $name ($pid)"
    fi
  done
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
