package io.workerhealth.api.v1alpha1;

/** The normalized state of one worker, whatever word its app used. */
public enum WorkerStatus {
  Healthy,
  Degraded,
  Failed,
  Unknown
}
