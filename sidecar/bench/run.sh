#!/usr/bin/env bash
# Sidecar benchmark: runs the real sidecar jar against a loopback health endpoint and a mock API server, and reports
#   - resident memory (VmRSS, and the peak VmHWM) with the container JVM flags below,
#   - CPU time per scrape in steady state (utime+stime from /proc, over the measured window),
#   - API requests per minute in steady state, while nothing changes (expected: at most one per heartbeat).
# Usage: sidecar/bench/run.sh [seconds-of-warmup] [seconds-measured]   (defaults 30 60)
# BENCH_SCRAPE_ONLY=1 runs the baseline instead: the same scrape loop, metrics and admin server with no Kubernetes
# client and no command-line parser (io.workerhealth.sidecar.bench.ScrapeOnly), i.e. what reporting costs on top.
# Builds the jar and the test classes first (Maven); needs python3 for the health endpoint.
set -euo pipefail
cd "$(dirname "$0")/../.."
WARMUP=${1:-30}
MEASURE=${2:-60}
INTERVAL_MS=${BENCH_INTERVAL_MS:-200}
HEARTBEAT=${BENCH_HEARTBEAT:-60s}
# The JVM flags of the container image (sidecar/Dockerfile), unless SIDECAR_JVM_FLAGS says otherwise.
JVM_FLAGS="${SIDECAR_JVM_FLAGS:-$(sed -n 's/^ENV JAVA_TOOL_OPTIONS="\(.*\)" \\$/\1/p' sidecar/Dockerfile)} ${BENCH_EXTRA_JVM_FLAGS:-}"

jar=sidecar/target/worker-health-sidecar.jar
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
[ -n "${BENCH_KEEP_LOGS:-}" ] && trap 'cp "$work"/*.log /tmp/ 2>/dev/null; cleanup' EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
APP_PORT=$(free_port); API_PORT=$(free_port); METRICS_PORT=$(free_port)

# 1. the app: a static Outpost /healthz on loopback
mkdir -p "$work/app"
echo '{"status":"healthy","timestamp":"2026-01-01T00:00:00Z","workers":{"http-server":{"status":"healthy"},"deliverymq-consumer":{"status":"healthy"},"retrymq-consumer":{"status":"healthy"},"logmq-consumer":{"status":"healthy"}}}' > "$work/app/healthz"
# HTTP/1.1 with keep-alive, as the web servers of real apps answer (BENCH_HTTP10=1: a new connection per scrape)
(cd "$work/app" && exec python3 -c '
import http.server, os, sys
class Handler(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.0" if os.environ.get("BENCH_HTTP10") else "HTTP/1.1"
    def log_message(self, *args):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
' "$APP_PORT" >/dev/null 2>&1) &
pids+=($!)

# 2. the API server
./mvnw -q -B -pl sidecar -am package -DskipTests dependency:build-classpath -Dmdep.outputFile="$work/cp.txt" \
  -Dmdep.includeScope=test >/dev/null
[ -f "$jar" ] || { echo "missing $jar after the build" >&2; exit 1; }
CP="sidecar/target/test-classes:sidecar/target/classes:crds/target/classes:$(cat "$work/cp.txt")"
java -cp "$CP" io.workerhealth.sidecar.bench.BenchApiServer "$API_PORT" "$work/api-requests" bench bench-pod \
  > "$work/api.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -s "$work/api-requests" ] && break; sleep 0.2; done

# 3. the sidecar, as in the container
main="-jar $jar run"
[ -n "${BENCH_SCRAPE_ONLY:-}" ] && main="-cp $jar:sidecar/target/test-classes io.workerhealth.sidecar.bench.ScrapeOnly"
printf 'app="bench"\n' > "$work/labels"
env -i PATH="$PATH" HOME="$work" \
  KUBERNETES_MASTER="http://127.0.0.1:$API_PORT" KUBERNETES_AUTH_TRYKUBECONFIG=false \
  KUBERNETES_AUTH_TRYSERVICEACCOUNT=false KUBERNETES_NAMESPACE=bench \
  WH_TARGET_URL="http://127.0.0.1:$APP_PORT/healthz" WH_INTERVAL="${INTERVAL_MS}ms" WH_TIMEOUT="${INTERVAL_MS}ms" \
  WH_HEARTBEAT="$HEARTBEAT" WH_METRICS_PORT="$METRICS_PORT" WH_LABELS_FILE="$work/labels" \
  POD_NAME=bench-pod POD_NAMESPACE=bench POD_UID=00000000-0000-0000-0000-000000000001 WH_LOG_LEVEL=WARN \
  MALLOC_ARENA_MAX=2 "${BENCH_JAVA:-java}" $JVM_FLAGS $main > "$work/sidecar.log" 2>&1 &
SIDECAR=$!
pids+=($SIDECAR)

clk=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$SIDECAR/stat"; }
scrapes() { curl -s "http://127.0.0.1:$METRICS_PORT/metrics" | awk '/^workerhealth_sidecar_scrape_duration_seconds_count/ {print int($2)}'; }
sleep "$WARMUP"
kill -0 "$SIDECAR" 2>/dev/null || { echo "sidecar died:"; cat "$work/sidecar.log"; exit 1; }
t0=$(cpu_ticks); s0=$(scrapes); a0=$(cat "$work/api-requests"); start=$(date +%s.%N)
sleep "$MEASURE"
t1=$(cpu_ticks); s1=$(scrapes); a1=$(cat "$work/api-requests"); end=$(date +%s.%N)
[ -n "${BENCH_NMT:-}" ] && jcmd "$SIDECAR" VM.native_memory summary > /tmp/nmt.txt 2>&1
rss=$(awk '/VmRSS/ {print $2}' "/proc/$SIDECAR/status")
hwm=$(awk '/VmHWM/ {print $2}' "/proc/$SIDECAR/status")

python3 - "$t0" "$t1" "$s0" "$s1" "$a0" "$a1" "$start" "$end" "$rss" "$hwm" "$clk" "$INTERVAL_MS" "$HEARTBEAT" <<'PY'
import sys
t0, t1, s0, s1, a0, a1 = map(int, sys.argv[1:7])
start, end = float(sys.argv[7]), float(sys.argv[8])
rss, hwm, clk = int(sys.argv[9]), int(sys.argv[10]), int(sys.argv[11])
minutes = (end - start) / 60
scr = s1 - s0
cpu_ms = (t1 - t0) * 1000 / clk
print(f"interval            {sys.argv[12]} ms, heartbeat {sys.argv[13]}")
print(f"window              {end - start:.0f} s, {scr} scrapes")
print(f"RSS                 {rss / 1024:.1f} MiB (peak {hwm / 1024:.1f} MiB)   target <= 64 MiB")
print(f"CPU per scrape      {cpu_ms / max(scr, 1):.2f} ms ({cpu_ms:.0f} ms CPU in total)   target <= 2 ms")
print(f"API requests/min    {(a1 - a0) / minutes:.2f} ({a1 - a0} in the window)   target <= 1 per heartbeat")
PY
