#!/usr/bin/env bash
# The whole Worker Health loop on this machine, no cluster needed: a Kubernetes API (the local control plane when
# scripts/control-plane.sh has built it, else the fabric8 mock API server), the sample app as 3 pods with a sidecar
# each, and the operator. Plays the scenarios and exits 0 when every expectation held (docs/demo.md).
#   bash scripts/demo.sh [--mock] [--keep-running] [--help]
# Needs a JDK 17+; the Maven wrapper fetches Maven and the dependencies on the first run.
set -euo pipefail
cd "$(dirname "$0")/.."

jar=demo/target/worker-health-demo.jar
build() {
  ./mvnw -q -B "$@" -pl demo -am package -DskipTests
}
echo "Building the demo (${jar}) ..." >&2
# Offline first (fast, nothing to download once ~/.m2 is filled); online on a fresh machine.
build -o >/dev/null 2>&1 || build

exec java -jar "$jar" "$@"
