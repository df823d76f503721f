#!/usr/bin/env bash
# Node agent benchmark against a real kube-apiserver (docs/agent.md): one agent (the runnable jar under the chart's
# agent.javaOpts) reporting N annotated pods of one node, each a keep-alive HTTP endpoint on a loopback address of
# its own. Per N: RSS and peak, threads, CPU per scrape and per second, RSS per pod, the API server's write requests
# per minute to Leases and WorkerHealths in steady state, and the load average before and after the window.
#   bash e2e/bench/agent.sh [targets]     (default 10,30,100,300; needs scripts/control-plane.sh)
# BENCH_WARMUP / BENCH_MEASURE (seconds, default 60 / 120), BENCH_INTERVAL (default 5s), BENCH_JVM_FLAGS.
set -euo pipefail
cd "$(dirname "$0")/../.."
cp_file=$(mktemp)
trap 'rm -f "$cp_file"' EXIT
./mvnw -q -B -ntp -pl e2e -am package -DskipTests dependency:build-classpath -Dmdep.outputFile="$cp_file" \
  -Dmdep.includeScope=test >/dev/null
[ -f sidecar/target/worker-health-sidecar.jar ] || { echo "missing sidecar/target/worker-health-sidecar.jar" >&2; exit 1; }
CP="e2e/target/test-classes:$(cat "$cp_file")"
# the harness's own JSON log lines are left out: the table is what the run prints
java -Xmx512m -Dbench.root="$PWD" -cp "$CP" io.workerhealth.e2e.bench.AgentBench "${1:-10,30,100,300}" 2>&1 \
  | grep -v -E '^(SLF4J|\{)'
exit "${PIPESTATUS[0]}"
