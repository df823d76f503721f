package io.workerhealth.operator.reconcile;

import io.workerhealth.operator.planning.PodHealth;
import io.workerhealth.operator.planning.ScaleTargetObservation;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one reconcile of a policy observed of the cluster, gathered at the edge before anything is decided: plain data.
 *
 * @param now     when it was observed (the reconcile's clock reading)
 * @param pods    the selected pods' health, with their workload slots where they matter
 * @param targets the scale targets the rules name, as they are now, by {@code Kind/name}
 */
public record PolicyObservation(Instant now, List<PodHealth> pods, Map<String, ScaleTargetObservation> targets) {

  public PolicyObservation {
    pods = List.copyOf(pods);
    targets = Collections.unmodifiableMap(new LinkedHashMap<>(targets)); // in the rules' order
  }
}
