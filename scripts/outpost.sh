#!/usr/bin/env bash
# Real hookdeck/outpost on loopback: builds outpost-server from its Go module (github.com/hookdeck/outpost, v1.1.0 by
# default) and runs it with its dependencies from Debian's packages (redis-server, postgresql, rabbitmq-server), each
# on a free loopback port, with its data in one state directory. Used to capture Outpost's real /healthz bodies
# (conformance/src/test/resources/captured/) and to prove outage recovery: stop RabbitMQ and Outpost's consumers fail
# (and stay failed until Outpost is restarted, which is what a WorkerHealthPolicy's RestartPod is for).
#
# Usage (state directory: $WH_OUTPOST_DIR, default /tmp/worker-health-outpost):
#   scripts/outpost.sh build             build (cached in ~/.cache/worker-health/outpost/VERSION); prints the binary
#   scripts/outpost.sh start             start Redis, PostgreSQL, RabbitMQ and Outpost; prints the /healthz URL
#   scripts/outpost.sh stop-rabbitmq     the broker outage
#   scripts/outpost.sh start-rabbitmq    the broker is back
#   scripts/outpost.sh restart-outpost   what a RestartPod does
#   scripts/outpost.sh healthz           prints the HTTP status and the body of /healthz
#   scripts/outpost.sh stop              stops everything this script started (by the pids it recorded)
#   scripts/outpost.sh capture OUT_DIR   all of the above in order; writes each /healthz body to OUT_DIR
# Needs Go and the Go module proxy for the build, and root for `apt-get install -y redis-server postgresql
# rabbitmq-server` (done here when a server is missing).
set -euo pipefail

VERSION="${WH_OUTPOST_VERSION:-v1.1.0}"
CACHE_DIR="${WH_CACHE_DIR:-$HOME/.cache/worker-health}/outpost/$VERSION"
STATE="${WH_OUTPOST_DIR:-/tmp/worker-health-outpost}"
BIN="$CACHE_DIR/outpost-server"
CLI="$CACHE_DIR/outpost"
PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)"

log() { printf 'outpost: %s\n' "$*" >&2; }
fail() { log "ERROR: $*"; exit 1; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

wait_for() { # wait_for SECONDS DESCRIPTION COMMAND...
  local seconds=$1 what=$2; shift 2
  for _ in $(seq $((seconds * 5))); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.2
  done
  fail "$what did not come up within ${seconds}s (logs in $STATE)"
}

build() {
  if [[ -x "$BIN" && -x "$CLI" ]]; then echo "$BIN"; return; fi
  command -v go >/dev/null || fail "Go is needed to build Outpost"
  mkdir -p "$CACHE_DIR"
  # The module's own directory, from the module proxy: `go install module@version` would also ask the proxy for the
  # module's version list, which it does not serve for this module.
  local src
  src="$(go mod download -json "github.com/hookdeck/outpost@$VERSION" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')"
  log "building outpost-server $VERSION from $src (a few minutes the first time)"
  (cd "$src" && go build -trimpath -ldflags="-s -w" -o "$BIN" ./cmd/outpost-server \
    && go build -trimpath -ldflags="-s -w" -o "$CLI" ./cmd/outpost)
  echo "$BIN"
}

need_servers() {
  local missing=()
  command -v redis-server >/dev/null || missing+=(redis-server)
  [[ -n "$PG_BIN" ]] || missing+=(postgresql)
  [[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ]] || missing+=(rabbitmq-server)
  if ((${#missing[@]})); then
    log "installing ${missing[*]} from Debian"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
    PG_BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
  fi
}

env_file() { echo "$STATE/ports.env"; }
load() { [[ -f "$(env_file)" ]] || fail "nothing started in $STATE"; . "$(env_file)"; }
pid_alive() { [[ -f "$STATE/$1.pid" ]] && kill -0 "$(cat "$STATE/$1.pid")" 2>/dev/null; }

start_rabbitmq() {
  load
  mkdir -p "$STATE/rabbitmq/home"
  echo "[]." > "$STATE/rabbitmq/enabled_plugins"
  HOME="$STATE/rabbitmq/home" RABBITMQ_NODENAME="outpost-$RABBIT_PORT@localhost" RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 \
    RABBITMQ_NODE_PORT="$RABBIT_PORT" RABBITMQ_DIST_PORT="$RABBIT_DIST_PORT" \
    RABBITMQ_MNESIA_BASE="$STATE/rabbitmq/mnesia" RABBITMQ_LOG_BASE="$STATE/rabbitmq/log" \
    RABBITMQ_ENABLED_PLUGINS_FILE="$STATE/rabbitmq/enabled_plugins" RABBITMQ_CONFIG_FILE="$STATE/rabbitmq/none" \
    setsid /usr/lib/rabbitmq/bin/rabbitmq-server > "$STATE/rabbitmq.log" 2>&1 &
  echo $! > "$STATE/rabbitmq.pid"
  wait_for 60 "RabbitMQ" bash -c "exec 3<>/dev/tcp/127.0.0.1/$RABBIT_PORT"
  log "RabbitMQ on 127.0.0.1:$RABBIT_PORT"
}

stop_rabbitmq() {
  load
  if pid_alive rabbitmq; then
    # the whole process group: the start script, Erlang's beam and its helpers
    kill -TERM -- "-$(cat "$STATE/rabbitmq.pid")" 2>/dev/null || true
    for _ in $(seq 100); do pid_alive rabbitmq || break; sleep 0.2; done
  fi
  rm -f "$STATE/rabbitmq.pid"
  log "RabbitMQ stopped"
}

outpost_env() {
  export API_PORT API_KEY=apikey API_JWT_SECRET=jwtsecret AES_ENCRYPTION_SECRET=0123456789abcdef0123456789abcdef \
    REDIS_HOST=127.0.0.1 REDIS_PORT REDIS_PASSWORD=outpost REDIS_DATABASE=0 \
    POSTGRES_URL="postgres://outpost:outpost@127.0.0.1:$PG_PORT/outpost?sslmode=disable" \
    RABBITMQ_SERVER_URL="amqp://guest:guest@127.0.0.1:$RABBIT_PORT" \
    DISABLE_TELEMETRY=true GIN_MODE=release LOG_LEVEL=info
}

start_outpost() {
  load
  outpost_env
  # the server refuses to start with pending SQL and Redis migrations
  "$CLI" migrate apply --yes > "$STATE/outpost-migrate.log" 2>&1 || fail "migrations failed: $STATE/outpost-migrate.log"
  setsid "$BIN" > "$STATE/outpost.log" 2>&1 &
  echo $! > "$STATE/outpost.pid"
  wait_for 60 "Outpost" curl -sf -o /dev/null "http://127.0.0.1:$API_PORT/healthz"
  log "Outpost on 127.0.0.1:$API_PORT"
}

stop_outpost() {
  load
  if pid_alive outpost; then
    kill -TERM "$(cat "$STATE/outpost.pid")" 2>/dev/null || true
    for _ in $(seq 100); do pid_alive outpost || break; sleep 0.2; done
  fi
  rm -f "$STATE/outpost.pid"
}

start() {
  build >/dev/null
  need_servers
  [[ -f "$(env_file)" ]] && fail "$STATE is in use: run '$0 stop' first"
  mkdir -p "$STATE"
  cat > "$(env_file)" <<PORTS
REDIS_PORT=$(free_port)
PG_PORT=$(free_port)
RABBIT_PORT=$(free_port)
RABBIT_DIST_PORT=$(free_port)
API_PORT=$(free_port)
PORTS
  load
  setsid redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --requirepass outpost --save '' --appendonly no \
    --dir "$STATE" > "$STATE/redis.log" 2>&1 &
  echo $! > "$STATE/redis.pid"
  wait_for 20 "Redis" bash -c "exec 3<>/dev/tcp/127.0.0.1/$REDIS_PORT"

  # PostgreSQL refuses to run as root: its data belongs to the postgres user
  install -d -o postgres -g postgres "$STATE/postgres"
  runuser -u postgres -- "$PG_BIN/initdb" -D "$STATE/postgres/data" -U postgres --auth=trust > "$STATE/postgres-init.log"
  runuser -u postgres -- setsid "$PG_BIN/postgres" -D "$STATE/postgres/data" -p "$PG_PORT" -k "$STATE/postgres" \
    -c listen_addresses=127.0.0.1 > "$STATE/postgres.log" 2>&1 &
  echo $! > "$STATE/postgres.pid"
  wait_for 30 "PostgreSQL" "$PG_BIN/pg_isready" -h 127.0.0.1 -p "$PG_PORT"
  "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "CREATE USER outpost PASSWORD 'outpost'" \
    -c "CREATE DATABASE outpost OWNER outpost" > /dev/null

  start_rabbitmq
  start_outpost
  echo "http://127.0.0.1:$API_PORT/healthz"
}

stop() {
  [[ -f "$(env_file)" ]] || { log "nothing to stop in $STATE"; return; }
  stop_outpost
  stop_rabbitmq
  for p in postgres redis; do
    if pid_alive "$p"; then
      kill -TERM "$(cat "$STATE/$p.pid")" 2>/dev/null || true
      for _ in $(seq 100); do pid_alive "$p" || break; sleep 0.2; done
    fi
    rm -f "$STATE/$p.pid"
  done
  rm -f "$(env_file)"
  # Erlang started its port mapper daemon for RabbitMQ: stop it too unless another Erlang node still uses it
  if command -v epmd >/dev/null && ! epmd -names 2>/dev/null | grep -q '^name '; then epmd -kill >/dev/null 2>&1 || true; fi
  log "stopped; logs stay in $STATE"
}

healthz() {
  load
  curl -s -w '\n%{http_code}\n' "http://127.0.0.1:$API_PORT/healthz"
}

# Waits until /healthz answers HTTP $1, then writes the body to $2.
capture_when() {
  load
  local want=$1 out=$2 code
  for _ in $(seq 300); do
    code=$(curl -s -o "$out.tmp" -w '%{http_code}' "http://127.0.0.1:$API_PORT/healthz" || true)
    if [[ "$code" == "$want" ]]; then mv "$out.tmp" "$out"; log "captured HTTP $code: $(cat "$out")"; return; fi
    sleep 0.2
  done
  fail "/healthz did not answer $want within 60s (last: $code)"
}

capture() {
  local out=${1:?capture needs an output directory}
  mkdir -p "$out"
  trap stop EXIT
  start >/dev/null
  capture_when 200 "$out/outpost-v1.1.0-healthy.json"
  stop_rabbitmq
  capture_when 503 "$out/outpost-v1.1.0-rabbitmq-down.json"
  start_rabbitmq
  sleep 5 # the consumers stay failed: Outpost does not restart a failed worker by itself
  capture_when 503 "$out/outpost-v1.1.0-rabbitmq-back-consumers-still-failed.json"
  stop_outpost
  start_outpost
  capture_when 200 "$out/outpost-v1.1.0-after-restart.json"
}

case "${1:-}" in
  build) build ;;
  start) start ;;
  stop) stop ;;
  stop-rabbitmq) stop_rabbitmq ;;
  start-rabbitmq) start_rabbitmq ;;
  restart-outpost) stop_outpost; start_outpost ;;
  healthz) healthz ;;
  capture) capture "${2:-}" ;;
  *) sed -n '2,20p' "$0"; exit 2 ;;
esac
