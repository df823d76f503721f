package io.workerhealth.api.v1alpha1;

/** Where a policy is in recovering from a shared outage (too many pods unhealthy at once). */
public enum RecoveryPhase {
  /** Too many pods are unhealthy: nothing is restarted (yet). */
  Held,
  /** One pod (the canary) is restarted to find out whether the shared dependency is back. */
  Canary,
  /** The last canary did not recover: waiting (exponentially longer each time) before the next. */
  BackingOff,
  /** The canary recovered (or the dependency check answers): the other pods are restarted, maxConcurrent at a time. */
  Rolling
}
