package io.workerhealth.api.v1alpha1;

/** What writes a WorkerHealth. */
public enum ReporterKind {
  /** The sidecar in the pod: one reporter per pod, its status rewritten every heartbeat. */
  Sidecar,
  /**
   * The node agent of the pod's node: one reporter per node, status written on change only; the agent's Lease says
   * whether what it wrote still holds.
   */
  Agent
}
