package io.workerhealth.operator.planning;

/** Why a remediation that a rule asks for is not carried out now. */
public enum SkipReason {
  /** The policy is paused. */
  Paused,
  /** More pods are failing than maxUnhealthy allows: most likely a shared dependency is down. */
  TooManyUnhealthy,
  /** The pod's WorkerHealth was not updated within staleAfter: its state is unknown. */
  StaleData,
  /**
   * The report's lastScrapeTime, or a worker's lastTransitionTime, is not an RFC 3339 time or lies in the future
   * (beyond the clock skew allowed): that state is unknown.
   */
  InvalidTimestamp,
  /** The pod is labelled workerhealth.io/exclude. */
  Excluded,
  /** The state has not held for the rule's 'for' yet. */
  NotLongEnough,
  /** A remediation of this pod is already under way. */
  InFlight,
  /** The workload slot was remediated less than 'cooldown' ago. */
  Cooldown,
  /** rateLimit.max remediations already happened within rateLimit.per. */
  RateLimited,
  /** maxConcurrent remediations are already in flight. */
  MaxConcurrent,
  /** Already decided in dry-run for this failure. */
  AlreadyDecided,
  /** ScaleTarget: every selected pod fails the same worker (a shared dependency): more pods would fail too. */
  OutageHold,
  /** ScaleTarget: the target already has maxReplicas. */
  AtMaxReplicas,
  /** ScaleTarget: a HorizontalPodAutoscaler or KEDA ScaledObject drives the target; the operator does not fight it. */
  AutoscalerManaged,
  /** ScaleTarget: the target cannot be read or scaled (not found, no scale subresource, no permission). */
  TargetUnavailable,
  /** The action did not help verification.maxNotRecovered times in a row for this worker, and no step is left. */
  NotHelping,
  /** The rule's escalation reached its final None step for this worker on this workload: a human is needed. */
  Escalated,
  /** The pod has no controller: evicting it would delete it for good (spec.evictBarePods allows it). */
  BarePod,
  /** The pod's Deployment or StatefulSet is in the middle of a rollout: a restart would fight it. */
  RolloutInProgress,
  /**
   * An outage is being recovered from: only the canary (or, rolling, maxConcurrent pods at a time, verified one by
   * one) is restarted.
   */
  RecoveryInProgress,
  /** Outage recovery keeps failing: recovery.attentionAfter canaries in a row did not recover (it keeps trying). */
  RecoveryFailing
}
