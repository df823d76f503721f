package io.workerhealth.operator.planning;

import io.workerhealth.api.v1alpha1.WorkerHealthStatus;

/**
 * One selected pod as the planner sees it: plain data gathered by the reconciler.
 *
 * @param pod             pod name (= WorkerHealth name)
 * @param podUid          the pod's uid (from the WorkerHealth's owner reference)
 * @param slot            the workload slot cooldowns are kept for (see {@link WorkloadSlots})
 * @param excluded        labelled {@code workerhealth.io/exclude: "true"}: never touched
 * @param intervalSeconds the sidecar's scrape interval (to date an endpoint that never answered), or null
 * @param status          what the sidecar last reported, or null when nothing was reported yet
 */
public record PodHealth(String pod, String podUid, String slot, boolean excluded, Integer intervalSeconds,
                        WorkerHealthStatus status) {}
