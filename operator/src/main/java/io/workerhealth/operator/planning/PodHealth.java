package io.workerhealth.operator.planning;

import io.workerhealth.api.v1alpha1.WorkerHealthStatus;
import java.time.Instant;

/**
 * One selected pod as the planner sees it: plain data gathered by the reconciler (or the plan command).
 *
 * @param pod             pod name (= WorkerHealth name)
 * @param podUid          the pod's uid (from the WorkerHealth's owner reference)
 * @param slot            the workload slot cooldowns are kept for (see {@link WorkloadSlots})
 * @param excluded        labelled {@code workerhealth.io/exclude: "true"}: never touched
 * @param intervalSeconds the sidecar's scrape interval (to date an endpoint that never answered), or null
 * @param status          what the sidecar last reported, or null when nothing was reported yet
 * @param created         when the pod (or its WorkerHealth) was created, or null when not known
 * @param controlled      whether the pod has a controller that replaces it; false for a bare pod, null when not
 *                        known (the plan command without the pods): treated as controlled
 * @param rollout         the workload (Deployment/name, StatefulSet/name) the pod belongs to, while it is in the
 *                        middle of a rollout; null otherwise
 */
public record PodHealth(String pod, String podUid, String slot, boolean excluded, Integer intervalSeconds,
                        WorkerHealthStatus status, Instant created, Boolean controlled, String rollout) {

  public PodHealth(String pod, String podUid, String slot, boolean excluded, Integer intervalSeconds,
                   WorkerHealthStatus status) {
    this(pod, podUid, slot, excluded, intervalSeconds, status, null, null, null);
  }

  /** Known to have no controller: an eviction would delete it for good. */
  public boolean bare() {
    return Boolean.FALSE.equals(controlled);
  }
}
