package io.workerhealth.operator.reconcile;

import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.workerhealth.api.v1alpha1.WorkerHealth;
import java.util.List;
import java.util.Map;

/** Pods of a ReplicaSet and their WorkerHealths in the mock API server, as the sidecar would have created them. */
final class PodFixtures {

  private PodFixtures() {}

  /**
   * Creates pod {@code name} owned by ReplicaSet {@code rs}, and its WorkerHealth: named after it, owned by it, with its
   * labels, no status yet. Returns the WorkerHealth.
   */
  static WorkerHealth podWithHealth(KubernetesClient client, String ns, String name, String rs,
                                    Map<String, String> labels) {
    Pod pod = client.pods().inNamespace(ns).resource(new PodBuilder().withNewMetadata().withName(name)
        .withNamespace(ns).withLabels(labels).withOwnerReferences(new OwnerReferenceBuilder().withKind("ReplicaSet")
            .withApiVersion("apps/v1").withName(rs).withUid("rs-" + rs).withController(true).build()).endMetadata()
        .build()).create();
    WorkerHealth wh = new WorkerHealth();
    wh.getMetadata().setName(name);
    wh.getMetadata().setNamespace(ns);
    wh.getMetadata().setLabels(labels);
    wh.getMetadata().setOwnerReferences(List.of(new OwnerReferenceBuilder().withApiVersion("v1").withKind("Pod")
        .withName(name).withUid(pod.getMetadata().getUid()).build()));
    return client.resource(wh).create();
  }

  /** The uid of the pod that owns {@code wh}. */
  static String podUid(WorkerHealth wh) {
    return wh.getMetadata().getOwnerReferences().get(0).getUid();
  }
}
