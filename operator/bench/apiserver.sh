#!/usr/bin/env bash
# Operator benchmark against a real kube-apiserver (the local control plane, scripts/control-plane.sh): N pods in
# ReplicaSets, a simulated sidecar per pod writing its WorkerHealth (heartbeats + transitions), one policy per
# ReplicaSet, and the operator's jar in a JVM of its own (-Xmx512m: the heap target). Prints the operator's requests
# (counted by the API server's audit log), its CPU, heap after GC and RSS, the API server's CPU, p50/p99 from a
# WorkerHealth change to the policy's status write and from a worker's failure to the eviction request. See
# docs/operator.md.
# Usage: operator/bench/apiserver.sh [healths] [policies] [heartbeatSeconds] [trials] [steadySeconds]
# e.g.   operator/bench/apiserver.sh 50000 500 60 100 120
# BENCH_JAVA_OPTS=-Dbench.jfr=true records a CPU profile of the operator (operator.jfr in the work directory).
set -euo pipefail
cd "$(dirname "$0")/../.."
cp_file=$(mktemp)
trap 'rm -f "$cp_file"' EXIT
./mvnw -q -B -ntp -pl e2e -am package -DskipTests dependency:build-classpath -Dmdep.outputFile="$cp_file" \
  -Dmdep.includeScope=test >/dev/null
CP="e2e/target/test-classes:$(cat "$cp_file")"
healths=${1:-5000}
exec java -Xmx3g -XX:+UseParallelGC ${BENCH_JAVA_OPTS:-} -cp "$CP" io.workerhealth.e2e.bench.ApiServerBench \
  --healths "$healths" --policies "${2:-50}" --heartbeat "${3:-60}" --trials "${4:-100}" --steady "${5:-120}" \
  --work "e2e/target/apiserver-bench-$healths"
