package io.workerhealth.api.v1alpha1;

/** The worker states a rule can act on. */
public enum WorkerCondition {
  /** The worker reports failed. */
  Failed,
  /** The worker reports degraded. */
  Degraded,
  /** The worker's state is unknown (not reported any more, or its word is not understood). */
  Unknown,
  /** The pod's health endpoint cannot be scraped or parsed. */
  Unreachable
}
