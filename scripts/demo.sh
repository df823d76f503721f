#!/usr/bin/env bash
# The whole Worker Health loop on this machine, no cluster needed: a Kubernetes API, the sample app as 3 pods with a
# sidecar each, and the operator. Plays the scenarios and exits 0 when every expectation held (docs/demo.md).
# The pods run in containers on a one-node cluster when one can start here (root, after
# `bash scripts/control-plane.sh --node`); else on the local control plane (scripts/control-plane.sh) with their
# containers in this JVM; else against the fabric8 mock API server.
#   bash scripts/demo.sh [--mock | --control-plane] [--keep-running] [--help]
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

# Where a node was prepared, the images of the jars just built (cached by the jars' hashes).
cache="${WH_CACHE_DIR:-$HOME/.cache/worker-health}"
node_wanted=true
for arg in "$@"; do
  case "$arg" in --mock|--control-plane|-h|--help) node_wanted=false ;; esac
done
if $node_wanted && [[ "$(id -u)" == 0 && -x "$cache/k8s/${WH_K8S_VERSION:-v1.36.3}/kubelet" ]]; then
  echo "Building the node's images (scripts/control-plane.sh --images) ..." >&2
  images_log="$(mktemp)"
  if ! bash scripts/control-plane.sh --images >"$images_log" 2>&1; then
    tail -n 20 "$images_log" >&2
    echo "Could not build the images (above): the demo runs without a node." >&2
  fi
  rm -f "$images_log"
fi

exec java -jar "$jar" "$@"
