package io.workerhealth.operator.reconcile;

import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.workerhealth.api.v1alpha1.ApiGroup;
import io.workerhealth.api.v1alpha1.HealthPhase;
import io.workerhealth.api.v1alpha1.RemediationAction;
import io.workerhealth.api.v1alpha1.RemediationOutcome;
import io.workerhealth.api.v1alpha1.RemediationRecord;
import io.workerhealth.api.v1alpha1.WorkerHealth;
import io.workerhealth.operator.planning.PodHealth;
import io.workerhealth.operator.planning.PolicySettings;
import io.workerhealth.operator.planning.ReportTimes;
import io.workerhealth.operator.planning.ScaleTargetObservation;
import io.workerhealth.operator.planning.WorkloadSlots;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Gathers a policy's {@link PolicyObservation}: the selected WorkerHealths (from the informer's cache) as
 * {@link PodHealth}, the workload slot of the pods that need one (a pod GET, once per pod), and the scale targets.
 */
final class PolicyObserver {

  private final KubernetesClient client;
  private final TargetScaler scaler;
  /** Pod uid → workload slot; a pod's controller does not change, so it is looked up once. */
  private final Map<String, String> slots = Collections.synchronizedMap(new LinkedHashMap<>(256, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
      return size() > 20_000;
    }
  });

  PolicyObserver(KubernetesClient client, TargetScaler scaler) {
    this.client = client;
    this.scaler = scaler;
  }

  /**
   * @param selected the WorkerHealths the policy's selector matches
   * @param history  the policy's remediation history (restarts awaiting verification need their replacements' slots)
   */
  PolicyObservation observe(String namespace, PolicySettings settings, List<WorkerHealth> selected,
                            List<RemediationRecord> history, Instant now) {
    // verifying a restart needs the workload slot of the pods that came after it (the replacement's)
    Instant verifySince = history.stream().filter(r -> r.getVerification() == null
        && r.getOutcome() == RemediationOutcome.Succeeded && r.getAction() == RemediationAction.RestartPod
        || r.getAction() == RemediationAction.None && r.getStep() != null && r.getVerification() == null)
        .map(r -> ReportTimes.parse(r.getTime())).filter(Objects::nonNull).min(Instant::compareTo).orElse(null);
    List<PodHealth> pods = new ArrayList<>(selected.size());
    for (WorkerHealth wh : selected) {
      pods.add(podHealth(wh, verifySince));
    }
    // the scale targets the rules name, as they are now (never throws: problems are part of the observation)
    Map<String, ScaleTargetObservation> targets = new LinkedHashMap<>();
    for (PolicySettings.Rule rule : settings.rules()) {
      if (rule.scale() != null && !settings.paused()) {
        targets.put(rule.scale().target(), scaler.observe(namespace, rule.scale().targetRef()));
      }
    }
    return new PolicyObservation(now, pods, targets);
  }

  private PodHealth podHealth(WorkerHealth wh, Instant verifySince) {
    String pod = wh.getMetadata().getName();
    String uid = wh.getMetadata().getOwnerReferences() == null ? null : wh.getMetadata().getOwnerReferences().stream()
        .filter(o -> "Pod".equals(o.getKind())).map(OwnerReference::getUid).findFirst().orElse(null);
    if (uid == null) {
      uid = "wh:" + wh.getMetadata().getUid();
    }
    Map<String, String> labels = wh.getMetadata().getLabels() == null ? Map.of() : wh.getMetadata().getLabels();
    boolean excluded = "true".equals(labels.get(ApiGroup.EXCLUDE_LABEL));
    String slot = slots.getOrDefault(uid, "Pod/" + pod);
    if (wh.getStatus() != null && wh.getStatus().getPhase() != HealthPhase.Healthy
        || verifySince != null && createdSince(wh, verifySince)) {
      // only pods that may be acted on, or that may be the replacement of a restarted one, need their controller;
      // looked up once per pod (a lookup for every selected pod would delay the action behind a burst of GETs)
      slot = slots.computeIfAbsent(uid, u -> {
        Pod p = client.pods().inNamespace(wh.getMetadata().getNamespace()).withName(pod).get();
        return p == null ? "Pod/" + pod : WorkloadSlots.of(pod, p.getMetadata().getOwnerReferences());
      });
    }
    Integer interval = wh.getSpec() == null ? null : wh.getSpec().getIntervalSeconds();
    return new PodHealth(pod, uid, slot, excluded, interval, wh.getStatus());
  }

  /** Whether the WorkerHealth was created at or after {@code since} (creation times have whole seconds). */
  private static boolean createdSince(WorkerHealth wh, Instant since) {
    Instant created = ReportTimes.parse(wh.getMetadata().getCreationTimestamp());
    return created == null || !created.isBefore(since.truncatedTo(ChronoUnit.SECONDS));
  }
}
