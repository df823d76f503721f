#!/usr/bin/env bash
# API outage benchmark: what one sidecar costs an API server that keeps failing. Runs the real sidecar jar, as in the
# container (sidecar/Dockerfile's JAVA_TOOL_OPTIONS, default WH_INTERVAL 5s and WH_HEARTBEAT 60s), against a loopback
# app and io.workerhealth.sidecar.report.FaultyApiServer: the first status write lands, then every request gets the
# fault and the app's state changes (so a write is pending from the start of the outage). Counts the requests the
# API server receives, and how soon the latest status lands once the outage ends.
# Usage: sidecar/bench/api-outage.sh [minutes] [fault]   fault: 503 (default), 429 (Retry-After: 1), drop
# Builds the jar and the test classes first (Maven; BENCH_NO_BUILD=1 uses them as they are); BENCH_JAR=path runs
# another build of the sidecar (e.g. an older one, for comparison). Needs python3 for the health endpoint.
set -euo pipefail
cd "$(dirname "$0")/../.."
MINUTES=${1:-10}
FAULT=${2:-503}
JVM_FLAGS="${SIDECAR_JVM_FLAGS:-$(sed -n 's/^ENV JAVA_TOOL_OPTIONS="\(.*\)" \\$/\1/p' sidecar/Dockerfile)}"

jar=${BENCH_JAR:-sidecar/target/worker-health-sidecar.jar}
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
APP_PORT=$(free_port); API_PORT=$(free_port); METRICS_PORT=$(free_port)

mkdir -p "$work/app"
healthy='{"status":"healthy","workers":{"http-server":{"status":"healthy"},"deliverymq-consumer":{"status":"healthy"}}}'
failed='{"status":"failed","workers":{"http-server":{"status":"healthy"},"deliverymq-consumer":{"status":"failed"}}}'
echo "$healthy" > "$work/app/healthz"
(cd "$work/app" && exec python3 -c '
import http.server, sys
class Handler(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *args):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
' "$APP_PORT" >/dev/null 2>&1) &
pids+=($!)

if [ -z "${BENCH_NO_BUILD:-}" ]; then
  ./mvnw -q -B -pl sidecar -am package -DskipTests dependency:build-classpath -Dmdep.outputFile="$work/cp.txt" \
    -Dmdep.includeScope=test >/dev/null
else # BENCH_NO_BUILD=1: the jar and the test classes as they are
  ./mvnw -q -B -o -pl sidecar -am compile dependency:build-classpath -Dmdep.outputFile="$work/cp.txt" \
    -Dmdep.includeScope=test >/dev/null
fi
CP="sidecar/target/test-classes:sidecar/target/classes:crds/target/classes:$(cat "$work/cp.txt")"
java -cp "$CP" io.workerhealth.sidecar.report.FaultyApiServer "$API_PORT" "$work/requests" bench bench-pod "$FAULT" \
  > "$work/api.log" 2>&1 &
API=$!
pids+=($API)
for _ in $(seq 100); do [ -s "$work/requests" ] && break; sleep 0.2; done

printf 'app="bench"\n' > "$work/labels"
env -i PATH="$PATH" HOME="$work" \
  KUBERNETES_MASTER="http://127.0.0.1:$API_PORT" KUBERNETES_AUTH_TRYKUBECONFIG=false \
  KUBERNETES_AUTH_TRYSERVICEACCOUNT=false KUBERNETES_NAMESPACE=bench \
  WH_TARGET_URL="http://127.0.0.1:$APP_PORT/healthz" WH_METRICS_PORT="$METRICS_PORT" WH_LABELS_FILE="$work/labels" \
  POD_NAME=bench-pod POD_NAMESPACE=bench POD_UID=bench-pod-uid WH_LOG_LEVEL=WARN \
  JAVA_TOOL_OPTIONS="$JVM_FLAGS" MALLOC_ARENA_MAX=2 java -jar "$jar" run > "$work/sidecar.log" 2>&1 &
SIDECAR=$!
pids+=($SIDECAR)

# the outage begins once the first status write has landed
for _ in $(seq 300); do [ "$(cat "$work/requests")" != "-1" ] && break; sleep 0.2; done
start=$(date +%s.%N)
echo "$failed" > "$work/app/healthz"
per_minute=()
for m in $(seq "$MINUTES"); do
  sleep 60
  per_minute+=("$(cat "$work/requests")")
done
kill -0 "$SIDECAR" 2>/dev/null || { echo "sidecar died:"; cat "$work/sidecar.log"; exit 1; }
end=$(date +%s.%N)

python3 - "$FAULT" "$start" "$end" "${per_minute[@]}" <<'PY'
import sys
fault, start, end = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
counts = [int(c) for c in sys.argv[4:]]
minutes = (end - start) / 60
per = [b - a for a, b in zip([0] + counts, counts)]
print(f"fault               {fault}, heartbeat 60s, interval 5s")
print(f"outage              {minutes:.1f} min, {counts[-1]} requests: {counts[-1] / minutes:.2f} per minute   target <= 2")
print(f"per minute          {' '.join(map(str, per))}")
if len(counts) > 1:
    print(f"after the first     {(counts[-1] - counts[0]) / (len(counts) - 1):.2f} per minute")
PY
