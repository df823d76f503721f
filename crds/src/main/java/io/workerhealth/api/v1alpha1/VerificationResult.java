package io.workerhealth.api.v1alpha1;

/** Whether an action helped, judged over the rule's verification window. */
public enum VerificationResult {
  /** The worker recovered within the window. */
  Recovered,
  /** It did not. */
  NotRecovered
}
