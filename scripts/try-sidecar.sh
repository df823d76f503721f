#!/usr/bin/env bash
# Shows the sidecar reading a multi-worker app, with no cluster: starts the sample app on loopback, scrapes it as the
# sidecar would, fails one consumer, scrapes again, then simulates a broker outage. Exit code 0 when every step looked
# as expected. Build first: ./mvnw -q -B package -DskipTests
set -euo pipefail
cd "$(dirname "$0")/.."
app_jar=examples/target/worker-health-example-app.jar
sidecar_jar=sidecar/target/worker-health-sidecar.jar
for j in "$app_jar" "$sidecar_jar"; do
  [ -f "$j" ] || { echo "missing $j: run ./mvnw -q -B package -DskipTests first" >&2; exit 1; }
done
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()' 2>/dev/null || echo 18080)
BIND_ADDRESS=127.0.0.1 PORT="$port" java -jar "$app_jar" >/dev/null 2>&1 &
app=$!
trap 'kill $app 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/healthz" && break; sleep 0.2; done

step() {
  local title=$1 expected=$2; shift 2
  echo "== $title"
  set +e
  java -jar "$sidecar_jar" scrape --url "http://127.0.0.1:$port/healthz" "$@"
  local code=$?
  set -e
  echo "-> exit code $code (expected $expected)"
  [ "$code" = "$expected" ] || { echo "unexpected exit code" >&2; exit 1; }
}

step "all workers healthy" 0
curl -s -X POST "http://127.0.0.1:$port/faults/fail?worker=deliverymq-consumer" >/dev/null
step "deliverymq-consumer failed (the app still answers, with 503)" 1
curl -s -X POST "http://127.0.0.1:$port/faults/outage" >/dev/null
step "broker outage: every consumer failed" 1
curl -s -X POST "http://127.0.0.1:$port/faults/hang?seconds=5" >/dev/null
step "endpoint hangs: unreachable after the 1s timeout" 2 --timeout 1s
echo "all steps as expected"
