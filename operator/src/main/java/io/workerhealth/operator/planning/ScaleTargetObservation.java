package io.workerhealth.operator.planning;

/**
 * A scale target as the reconciler (or the plan command) found it.
 *
 * @param target   {@code Kind/name}
 * @param replicas the replicas its scale subresource reports (null when it could not be read)
 * @param drivenBy the autoscaler that drives it ({@code HorizontalPodAutoscaler/name}, {@code ScaledObject/name}), or
 *                 null
 * @param problem  why it cannot be read or scaled (not found, a kind without a scale subresource, ...), or null
 */
public record ScaleTargetObservation(String target, Integer replicas, String drivenBy, String problem) {

  public static ScaleTargetObservation of(String target, int replicas) {
    return new ScaleTargetObservation(target, replicas, null, null);
  }
}
