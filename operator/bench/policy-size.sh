#!/usr/bin/env bash
# One reconcile's work (select, observe with cached workload slots, decide, report) for a policy of 1,000 to 20,000
# pods, in one JVM without I/O: the time per pod stays flat when evaluation is linear in the pods.
# Usage: operator/bench/policy-size.sh [sizes...]
set -euo pipefail
cd "$(dirname "$0")/../.."
cp_file=$(mktemp)
trap 'rm -f "$cp_file"' EXIT
./mvnw -q -B -ntp -pl operator -am package -DskipTests dependency:build-classpath -Dmdep.outputFile="$cp_file" \
  -Dmdep.includeScope=test >/dev/null
CP="operator/target/test-classes:operator/target/classes:crds/target/classes:$(cat "$cp_file")"
exec java -Xmx512m -XX:+UseSerialGC -cp "$CP" io.workerhealth.operator.reconcile.PolicySizeBench "$@"
