package io.workerhealth.api.v1alpha1;

/** The overall state of a pod's workers. */
public enum HealthPhase {
  /** Every worker reported is healthy. */
  Healthy,
  /** No worker failed, but at least one is degraded or unknown. */
  Degraded,
  /** At least one worker failed. */
  Failed,
  /** The health endpoint could not be scraped or parsed; worker states are the last known ones, marked Unknown. */
  Unreachable,
  /** Nothing is known yet (no scrape finished), or the report is stale. */
  Unknown
}
