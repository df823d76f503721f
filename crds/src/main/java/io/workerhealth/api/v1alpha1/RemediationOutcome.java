package io.workerhealth.api.v1alpha1;

/** What became of a remediation. */
public enum RemediationOutcome {
  /** Decided and recorded; the action has not been confirmed yet (an operator restarted here resolves it). */
  Pending,
  /** The action was carried out (for RestartPod: the eviction was accepted). */
  Succeeded,
  /** Refused for now, e.g. an eviction a PodDisruptionBudget does not allow (HTTP 429); retried later. */
  Blocked,
  /** The action failed. */
  Failed,
  /** Decided while the policy is in dry-run: nothing was done. */
  DryRun,
  /** Report only (action None): nothing was done. */
  Reported,
  /** Recorded by an earlier run but not carried out: the policy was paused (or the rule changed) meanwhile. */
  Cancelled
}
