#!/usr/bin/env bash
# Admission latency of the sidecar injection webhook against a real kube-apiserver (docs/injection.md).
# Starts the local control plane, installs the chart, and creates pods one at a time: N without the label (no webhook
# call) and N labelled (the API server calls the webhook over TLS). Prints p50/p99 of the pod create calls both ways
# and of the webhook's own answer time (its workerhealth_webhook_admission_seconds quantiles).
#   bash e2e/bench/injection-latency.sh [pods]      (default 500; needs scripts/control-plane.sh and helm)
set -euo pipefail
cd "$(dirname "$0")/../.."
PODS="${1:-500}"
./mvnw -B -ntp -q -pl e2e -am verify -Pe2e -Dsurefire.failIfNoSpecifiedTests=false \
  -Dtest='SidecarInjectionE2E#admissionLatencyAgainstTheRealApiServer' -Dwh.e2e.latencyPods="$PODS" \
  | grep -E '^E2E injection latency' || {
    echo "the benchmark did not run to the end: see e2e/target/surefire-reports" >&2
    exit 1
  }
