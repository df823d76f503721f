#!/usr/bin/env bash
# A one-node Kubernetes cluster on this machine, until Ctrl-C: etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler, and a node (containerd, kubelet, kube-proxy) running the project's images, built here from the
# committed Dockerfiles. Prints the admin kubeconfig to use with kubectl and helm (docs/e2e.md).
#   sudo bash scripts/node.sh [WORK_DIR]
# The first run builds the binaries and images (about 15 minutes); later runs start in about 15 seconds. Ctrl-C stops
# the cluster and undoes what it changed on the host (its bridge, cgroups, iptables chains, kernel settings).
set -euo pipefail
cd "$(dirname "$0")/.."
[[ "$(id -u)" == 0 ]] || { echo "node.sh: needs root (containerd, the kubelet and kube-proxy)" >&2; exit 2; }

echo "Building the jars (./mvnw package) ..." >&2
./mvnw -q -B -o -pl demo -am package -DskipTests >/dev/null 2>&1 || ./mvnw -q -B -pl demo -am package -DskipTests
echo "Providing the binaries and images (scripts/control-plane.sh --images) ..." >&2
bash scripts/control-plane.sh --images >/dev/null
exec java -cp demo/target/worker-health-demo.jar io.workerhealth.demo.LocalClusterMain "$@"
