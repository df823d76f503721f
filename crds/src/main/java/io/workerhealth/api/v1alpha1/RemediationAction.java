package io.workerhealth.api.v1alpha1;

/** What a rule does when its condition holds. */
public enum RemediationAction {
  /** Evict the pod (the Eviction API honours PodDisruptionBudgets); its controller replaces it. */
  RestartPod,
  /** Add replicas to the rule's scale target (through its scale subresource), and step back down later. */
  ScaleTarget,
  /** Report only: record the decision and an Event, touch nothing. */
  None
}
