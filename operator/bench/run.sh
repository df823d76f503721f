#!/usr/bin/env bash
# Operator benchmark: 5,000 WorkerHealths under 50 policies in the mock API server (same JVM), 100 trials of
# "a worker fails -> the eviction request arrives"; prints p50/p99 and the heap after GC.
# Usage: operator/bench/run.sh [policies] [podsPerPolicy] [trials]
# Builds the operator and its test classes first (Maven).
set -euo pipefail
cd "$(dirname "$0")/../.."
cp_file=$(mktemp)
trap 'rm -f "$cp_file"' EXIT
./mvnw -q -B -pl operator -am package -DskipTests dependency:build-classpath -Dmdep.outputFile="$cp_file" \
  -Dmdep.includeScope=test >/dev/null
CP="operator/target/test-classes:operator/target/classes:crds/target/classes:$(cat "$cp_file")"
# The heap limit is the target: the run fails with OutOfMemoryError if 256 MiB are not enough.
exec java -Xmx256m -XX:+UseSerialGC -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -DWH_LOG_LEVEL=WARN \
  -cp "$CP" io.workerhealth.operator.bench.OperatorBench "${1:-50}" "${2:-100}" "${3:-100}"
