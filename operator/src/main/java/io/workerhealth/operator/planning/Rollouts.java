package io.workerhealth.operator.planning;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;

/**
 * Whether a workload is in the middle of a rollout, as {@code kubectl rollout status} sees it but without waiting
 * for availability: its controller has not seen the latest spec yet, not every replica runs the latest template, or
 * old replicas are still there (a StatefulSet also: its current and update revisions differ). A restart then would
 * fight the rollout. A workload without a status yet is not rolling out.
 */
public final class Rollouts {

  private Rollouts() {}

  public static boolean inProgress(Deployment d) {
    if (d == null || d.getStatus() == null) {
      return false;
    }
    return inProgress(d.getMetadata().getGeneration(), d.getStatus().getObservedGeneration(),
        d.getSpec() == null ? null : d.getSpec().getReplicas(), d.getStatus().getUpdatedReplicas(),
        d.getStatus().getReplicas());
  }

  public static boolean inProgress(StatefulSet s) {
    if (s == null || s.getStatus() == null) {
      return false;
    }
    boolean revisions = s.getStatus().getUpdateRevision() != null && s.getStatus().getCurrentRevision() != null
        && !s.getStatus().getUpdateRevision().equals(s.getStatus().getCurrentRevision());
    return revisions || inProgress(s.getMetadata().getGeneration(), s.getStatus().getObservedGeneration(),
        s.getSpec() == null ? null : s.getSpec().getReplicas(), s.getStatus().getUpdatedReplicas(),
        s.getStatus().getReplicas());
  }

  static boolean inProgress(Long generation, Long observedGeneration, Integer specReplicas, Integer updatedReplicas,
                            Integer replicas) {
    if (generation != null && observedGeneration != null && observedGeneration < generation) {
      return true;
    }
    if (updatedReplicas == null) {
      return false;
    }
    int wanted = specReplicas == null ? 1 : specReplicas;
    return updatedReplicas < wanted || replicas != null && replicas > updatedReplicas;
  }
}
