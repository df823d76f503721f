package io.workerhealth.operator.planning;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one reconcile of a policy observed of the cluster, gathered at the edge before anything is decided: plain data.
 *
 * @param now        when it was observed (the reconcile's clock reading)
 * @param pods       the selected pods' health, with their workload slots where they matter
 * @param targets    the scale targets the rules name, as they are now, by {@code Kind/name}
 * @param unreported pods the selector matches that have no WorkerHealth
 * @param dependency the check of recovery.dependency, or null (none configured, or not checked this round)
 */
public record PolicyObservation(Instant now, List<PodHealth> pods, Map<String, ScaleTargetObservation> targets,
                                List<UnreportedPod> unreported, DependencyObservation dependency) {

  public PolicyObservation(Instant now, List<PodHealth> pods, Map<String, ScaleTargetObservation> targets) {
    this(now, pods, targets, List.of(), null);
  }

  public PolicyObservation {
    pods = List.copyOf(pods);
    targets = Collections.unmodifiableMap(new LinkedHashMap<>(targets)); // in the rules' order
    unreported = List.copyOf(unreported);
  }
}
