package io.workerhealth.api.v1alpha1;

/** What a policy does once too many pods have been unhealthy for {@code recovery.after}. */
public enum RecoveryMode {
  /** Restart one pod (the canary); if it recovers, roll through the rest, verifying each; if not, back off. */
  Canary,
  /** Keep holding: nothing is restarted until enough pods are healthy again (by themselves, or by a human). */
  Hold
}
