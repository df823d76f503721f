package io.workerhealth.operator.planning;

import java.time.Instant;

/**
 * A pod the policy's selector matches that has no WorkerHealth: its sidecar never reported (not injected, crashing,
 * or not allowed to write).
 *
 * @param created when the pod was created (null: not known, counted at once)
 */
public record UnreportedPod(String pod, String podUid, Instant created) {}
