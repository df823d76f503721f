package io.workerhealth.operator.reconcile;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.Objects;

/**
 * What the operator keeps of a pod in its informer's cache (name, uid, labels, controller, creation and deletion
 * times, and its node, against which a node agent's report is checked: a few hundred bytes instead of a full pod),
 * and which updates concern it.
 */
final class PodSummaries {

  private PodSummaries() {}

  static Pod summary(Pod pod) {
    var m = pod.getMetadata();
    Pod summary = new Pod();
    summary.setApiVersion(pod.getApiVersion());
    summary.setKind(pod.getKind());
    summary.setMetadata(new ObjectMetaBuilder().withName(m.getName()).withNamespace(m.getNamespace())
        .withUid(m.getUid()).withResourceVersion(m.getResourceVersion()).withLabels(m.getLabels())
        .withOwnerReferences(m.getOwnerReferences()).withCreationTimestamp(m.getCreationTimestamp())
        .withDeletionTimestamp(m.getDeletionTimestamp()).build());
    if (pod.getSpec() != null && pod.getSpec().getNodeName() != null) {
      summary.setSpec(new io.fabric8.kubernetes.api.model.PodSpecBuilder().withNodeName(pod.getSpec().getNodeName())
          .build());
    }
    return summary;
  }

  /** An update that changes what the operator reads (not the pod's status, which changes often). */
  static boolean changed(Pod now, Pod before) {
    return before == null || !Objects.equals(now.getMetadata().getLabels(), before.getMetadata().getLabels())
        || !Objects.equals(now.getMetadata().getOwnerReferences(), before.getMetadata().getOwnerReferences())
        || !Objects.equals(now.getMetadata().getDeletionTimestamp(), before.getMetadata().getDeletionTimestamp());
  }
}
