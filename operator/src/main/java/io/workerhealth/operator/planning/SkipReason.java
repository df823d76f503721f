package io.workerhealth.operator.planning;

/** Why a remediation that a rule asks for is not carried out now. */
public enum SkipReason {
  /** The policy is paused. */
  Paused,
  /** More pods are failing than maxUnhealthy allows: most likely a shared dependency is down. */
  TooManyUnhealthy,
  /** The pod's WorkerHealth was not updated within staleAfter: its state is unknown. */
  StaleData,
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
  AlreadyDecided
}
