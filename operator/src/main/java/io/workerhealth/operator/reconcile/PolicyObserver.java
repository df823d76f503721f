package io.workerhealth.operator.reconcile;

import io.fabric8.kubernetes.api.model.Pod;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.workerhealth.api.v1alpha1.ApiGroup;
import io.workerhealth.api.v1alpha1.WorkerHealth;
import io.workerhealth.operator.planning.PodHealth;
import io.workerhealth.operator.planning.PolicySettings;
import io.workerhealth.operator.planning.ScaleTargetObservation;
import io.workerhealth.operator.planning.WorkloadSlots;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Gathers a policy's {@link PolicyObservation}: the selected WorkerHealths (from the informer's cache) as
 * {@link PodHealth}, each with the workload slot of its pod (from the pods' informer cache: no request), and the scale
 * targets. Linear in the selected pods.
 */
final class PolicyObserver {

  private final Function<ResourceID, Optional<Pod>> pods;
  private final TargetScaler scaler;

  /**
   * @param pods the pods' cache by namespace and name
   */
  PolicyObserver(Function<ResourceID, Optional<Pod>> pods, TargetScaler scaler) {
    this.pods = pods;
    this.scaler = scaler;
  }

  /**
   * @param selected the WorkerHealths the policy's selector matches
   */
  PolicyObservation observe(String namespace, PolicySettings settings, List<WorkerHealth> selected, Instant now) {
    List<PodHealth> observed = new ArrayList<>(selected.size());
    for (WorkerHealth wh : selected) {
      observed.add(podHealth(wh));
    }
    // the scale targets the rules name, as they are now (never throws: problems are part of the observation)
    Map<String, ScaleTargetObservation> targets = new LinkedHashMap<>();
    for (PolicySettings.Rule rule : settings.rules()) {
      if (rule.scale() != null && !settings.paused()) {
        targets.put(rule.scale().target(), scaler.observe(namespace, rule.scale().targetRef()));
      }
    }
    return new PolicyObservation(now, observed, targets);
  }

  private PodHealth podHealth(WorkerHealth wh) {
    String pod = wh.getMetadata().getName();
    String uid = WorkerHealthChanges.podUid(wh);
    if (uid == null) {
      uid = "wh:" + wh.getMetadata().getUid();
    }
    Map<String, String> labels = wh.getMetadata().getLabels() == null ? Map.of() : wh.getMetadata().getLabels();
    boolean excluded = "true".equals(labels.get(ApiGroup.EXCLUDE_LABEL));
    Integer interval = wh.getSpec() == null ? null : wh.getSpec().getIntervalSeconds();
    return new PodHealth(pod, uid, slot(wh.getMetadata().getNamespace(), pod, uid), excluded, interval,
        wh.getStatus());
  }

  /**
   * The workload slot of the pod: its controller, from the pods' cache. A pod the cache does not hold (gone, or
   * replaced under the same name by a pod with another uid) is its own slot; a new pod is in the cache before its
   * sidecar can have reported, let alone failed for a rule's 'for'.
   */
  private String slot(String namespace, String pod, String uid) {
    Pod p = pods.apply(new ResourceID(pod, namespace)).orElse(null);
    if (p == null || !uid.equals(p.getMetadata().getUid())) {
      return "Pod/" + pod;
    }
    return WorkloadSlots.of(pod, p.getMetadata().getOwnerReferences());
  }
}
