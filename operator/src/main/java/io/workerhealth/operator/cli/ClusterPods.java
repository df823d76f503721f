package io.workerhealth.operator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.workerhealth.api.v1alpha1.ApiGroup;
import io.workerhealth.api.v1alpha1.HealthPhase;
import io.workerhealth.operator.planning.PodHealth;
import io.workerhealth.operator.planning.ReportTimes;
import io.workerhealth.operator.planning.Rollouts;
import io.workerhealth.operator.planning.UnreportedPod;
import io.workerhealth.operator.planning.WorkloadSlots;
import io.workerhealth.operator.reconcile.LabelSelectors;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The pods (and their ReplicaSets, Deployments, StatefulSets) of a {@code --pods} file: what the operator reads from
 * its pod informer and a few GETs, so that plan fills in a {@link PodHealth} the way the operator does.
 */
final class ClusterPods {

  private final Map<String, Pod> pods = new HashMap<>();
  private final Map<String, ReplicaSet> replicaSets = new HashMap<>();
  private final Map<String, Deployment> deployments = new HashMap<>();
  private final Map<String, StatefulSet> statefulSets = new HashMap<>();

  static ClusterPods of(KubernetesSerialization serialization, Path file, List<JsonNode> resources)
      throws PlanCommand.BadInput {
    ClusterPods c = new ClusterPods();
    for (int i = 0; i < resources.size(); i++) {
      JsonNode r = resources.get(i);
      String kind = r.path("kind").asText("");
      String where = file + ": resource " + (i + 1);
      if (r.path("metadata").path("name").asText("").isEmpty()) {
        throw new PlanCommand.BadInput(where + " has no metadata.name");
      }
      try {
        switch (kind) {
          case "Pod" -> put(c.pods, serialization.convertValue(r, Pod.class));
          case "ReplicaSet" -> put(c.replicaSets, serialization.convertValue(r, ReplicaSet.class));
          case "Deployment" -> put(c.deployments, serialization.convertValue(r, Deployment.class));
          case "StatefulSet" -> put(c.statefulSets, serialization.convertValue(r, StatefulSet.class));
          default -> throw new PlanCommand.BadInput(where + " is a " + (kind.isEmpty() ? "resource without a kind"
              : kind) + "; --pods takes Pods, ReplicaSets, Deployments and StatefulSets");
        }
      } catch (IllegalArgumentException e) {
        throw new PlanCommand.BadInput(where + ": not a " + kind + ": " + e.getMessage());
      }
    }
    return c;
  }

  private static <T extends io.fabric8.kubernetes.api.model.HasMetadata> void put(Map<String, T> map, T o) {
    map.put(key(o.getMetadata().getNamespace(), o.getMetadata().getName()), o);
  }

  private static String key(String namespace, String name) {
    return Objects.toString(namespace, "") + "/" + name;
  }

  /** The pod's slot, controller, creation time and rollout, as the operator finds them. */
  PodHealth complete(PodHealth h, String namespace) {
    Pod pod = pods.get(key(namespace, h.pod()));
    if (pod == null || !h.podUid().equals(h.pod()) && !Objects.equals(pod.getMetadata().getUid(), h.podUid())) {
      return h; // not in the file (or another pod of the same name): as the operator, which finds no pod
    }
    List<OwnerReference> owners = pod.getMetadata().getOwnerReferences();
    boolean controlled = owners != null && owners.stream().anyMatch(o -> Boolean.TRUE.equals(o.getController()));
    String slot = WorkloadSlots.of(h.pod(), owners);
    boolean mayAct = h.status() != null && h.status().getPhase() != HealthPhase.Healthy;
    String rollout = mayAct && controlled ? rollout(namespace, slot) : null;
    return new PodHealth(h.pod(), h.podUid(), slot, h.excluded(), h.intervalSeconds(), h.status(),
        ReportTimes.parse(pod.getMetadata().getCreationTimestamp()), controlled, rollout);
  }

  private String rollout(String namespace, String slot) {
    if (slot.startsWith("ReplicaSet/")) {
      ReplicaSet rs = replicaSets.get(key(namespace, slot.substring("ReplicaSet/".length())));
      String deployment = rs == null || rs.getMetadata().getOwnerReferences() == null ? null
          : rs.getMetadata().getOwnerReferences().stream().filter(o -> Boolean.TRUE.equals(o.getController())
              && "Deployment".equals(o.getKind())).map(OwnerReference::getName).findFirst().orElse(null);
      return deployment != null && Rollouts.inProgress(deployments.get(key(namespace, deployment)))
          ? "Deployment/" + deployment : null;
    }
    if (slot.startsWith("StatefulSet/")) {
      String name = slot.split("/")[1];
      return Rollouts.inProgress(statefulSets.get(key(namespace, name))) ? "StatefulSet/" + name : null;
    }
    return null;
  }

  /** Pods the selector matches, not being deleted nor excluded, without a WorkerHealth. */
  List<UnreportedPod> unreported(LabelSelector selector, String namespace, Set<String> reported) {
    List<UnreportedPod> out = new ArrayList<>();
    for (Pod p : pods.values()) {
      Map<String, String> labels = p.getMetadata().getLabels() == null ? Map.of() : p.getMetadata().getLabels();
      if ((namespace == null || Objects.equals(namespace, p.getMetadata().getNamespace()))
          && p.getMetadata().getDeletionTimestamp() == null && LabelSelectors.matches(selector, labels)
          && !"true".equals(labels.get(ApiGroup.EXCLUDE_LABEL)) && !reported.contains(p.getMetadata().getName())) {
        out.add(new UnreportedPod(p.getMetadata().getName(), p.getMetadata().getUid(),
            ReportTimes.parse(p.getMetadata().getCreationTimestamp())));
      }
    }
    return out;
  }
}
