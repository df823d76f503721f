package io.workerhealth.demo.cluster;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.workerhealth.api.v1alpha1.WorkerHealth;
import io.workerhealth.demo.RepeatingTask;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What kube-controller-manager does for the demo's Deployment, for the mock API server: a ReplicaSet controller that
 * keeps {@code spec.replicas} pods (a pod that was evicted is replaced by a new one with a new name; a Deployment
 * scaled up or down gets pods added or removed) and a garbage collector that deletes WorkerHealths whose pod is gone.
 */
final class MockControllers implements AutoCloseable {

  private final java.util.function.UnaryOperator<io.fabric8.kubernetes.api.model.Pod> admission;

  /** The characters Kubernetes uses in generated name suffixes. */
  private static final String NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

  private final KubernetesClient client;
  private final String namespace;
  private final String deploymentName;
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();
  private RepeatingTask loop;
  private ReplicaSet replicaSet;

  MockControllers(KubernetesClient client, String namespace, String deploymentName, Clock clock,
                  java.util.function.UnaryOperator<io.fabric8.kubernetes.api.model.Pod> admission) {
    this.admission = admission;
    this.client = client;
    this.namespace = namespace;
    this.deploymentName = deploymentName;
    this.clock = clock;
  }

  MockControllers start() {
    loop = RepeatingTask.start("mock-controllers", Duration.ofMillis(200), this::reconcile);
    return this;
  }

  void reconcile() {
    Deployment deployment = client.apps().deployments().inNamespace(namespace).withName(deploymentName).get();
    if (deployment == null) {
      return;
    }
    ReplicaSet rs = replicaSet(deployment);
    int desired = Objects.requireNonNullElse(deployment.getSpec().getReplicas(), 1);
    int had = Objects.requireNonNullElse(rs.getSpec().getReplicas(), 1);
    if (had != desired) {
      // the Deployment was scaled: its controller scales the ReplicaSet, and says so
      replicaSet = client.apps().replicaSets().inNamespace(namespace).withName(rs.getMetadata().getName())
          .edit(r -> new ReplicaSetBuilder(r).editSpec().withReplicas(desired).endSpec().build());
      event(deployment, "ScalingReplicaSet", "Scaled " + (desired > had ? "up" : "down") + " replica set "
          + rs.getMetadata().getName() + " from " + had + " to " + desired);
    }
    List<Pod> pods = client.pods().inNamespace(namespace).list().getItems().stream()
        .filter(p -> ownedBy(p, rs))
        .sorted(Comparator.comparing((Pod p) -> Objects.toString(p.getMetadata().getCreationTimestamp(), "")))
        .toList();
    for (int i = pods.size(); i < desired; i++) {
      createPod(deployment, rs);
    }
    for (Pod extra : pods.subList(Math.min(desired, pods.size()), pods.size())) {
      client.pods().inNamespace(namespace).withName(extra.getMetadata().getName()).delete();
      event(rs, "SuccessfulDelete", "Deleted pod: " + extra.getMetadata().getName());
    }
    collectGarbage();
  }

  private ReplicaSet replicaSet(Deployment deployment) {
    if (replicaSet == null) {
      String hash = suffix(10);
      Map<String, String> labels = new HashMap<>(deployment.getSpec().getTemplate().getMetadata().getLabels());
      labels.put("pod-template-hash", hash);
      replicaSet = client.apps().replicaSets().inNamespace(namespace).resource(new ReplicaSetBuilder()
          .withNewMetadata().withName(deploymentName + "-" + hash).withNamespace(namespace).withLabels(labels)
          .withOwnerReferences(controllerReference(deployment)).endMetadata()
          .withNewSpec().withReplicas(deployment.getSpec().getReplicas()).withNewSelector()
          .withMatchLabels(labels).endSelector().withTemplate(deployment.getSpec().getTemplate()).endSpec()
          .build()).create();
      event(deployment, "ScalingReplicaSet", "Scaled up replica set " + replicaSet.getMetadata().getName() + " to "
          + deployment.getSpec().getReplicas());
    }
    return replicaSet;
  }

  private void createPod(Deployment deployment, ReplicaSet rs) {
    String name = rs.getMetadata().getName() + "-" + suffix(5);
    // the mock API server calls no webhooks: pods pass through the admission a real one would call
    client.pods().inNamespace(namespace).resource(admission.apply(new PodBuilder()
        .withNewMetadata().withName(name).withNamespace(namespace).withLabels(rs.getSpec().getSelector()
            .getMatchLabels()).withAnnotations(deployment.getSpec().getTemplate().getMetadata().getAnnotations())
        .withOwnerReferences(controllerReference(rs)).endMetadata()
        .withSpec(deployment.getSpec().getTemplate().getSpec())
        .build())).create();
    event(rs, "SuccessfulCreate", "Created pod: " + name);
  }

  /** Deletes WorkerHealths owned by a pod that no longer exists, as the garbage collector does. */
  private void collectGarbage() {
    Set<String> podUids = client.pods().inNamespace(namespace).list().getItems().stream()
        .map(p -> p.getMetadata().getUid()).collect(Collectors.toSet());
    for (WorkerHealth wh : client.resources(WorkerHealth.class).inNamespace(namespace).list().getItems()) {
      List<OwnerReference> owners = wh.getMetadata().getOwnerReferences();
      boolean orphaned = owners != null && owners.stream()
          .anyMatch(o -> "Pod".equals(o.getKind()) && !podUids.contains(o.getUid()));
      if (orphaned) {
        client.resources(WorkerHealth.class).inNamespace(namespace).withName(wh.getMetadata().getName()).delete();
      }
    }
  }

  private boolean ownedBy(Pod pod, ReplicaSet rs) {
    return pod.getMetadata().getOwnerReferences() != null && pod.getMetadata().getOwnerReferences().stream()
        .anyMatch(o -> rs.getMetadata().getUid().equals(o.getUid()));
  }

  private static OwnerReference controllerReference(HasMetadata owner) {
    return new OwnerReferenceBuilder().withApiVersion(owner.getApiVersion()).withKind(owner.getKind())
        .withName(owner.getMetadata().getName()).withUid(owner.getMetadata().getUid()).withController(true)
        .withBlockOwnerDeletion(true).build();
  }

  private void event(HasMetadata on, String reason, String message) {
    String now = clock.instant().toString();
    String component = on.getKind().equals("Deployment") ? "deployment-controller" : "replicaset-controller";
    client.v1().events().inNamespace(namespace).resource(new EventBuilder()
        .withNewMetadata().withName(on.getMetadata().getName() + "." + suffix(8)).withNamespace(namespace)
        .endMetadata()
        .withNewInvolvedObject().withApiVersion(on.getApiVersion()).withKind(on.getKind())
        .withName(on.getMetadata().getName()).withNamespace(namespace).withUid(on.getMetadata().getUid())
        .endInvolvedObject()
        .withType("Normal").withReason(reason).withMessage(message).withFirstTimestamp(now).withLastTimestamp(now)
        .withCount(1).withNewSource().withComponent(component).endSource().build()).create();
  }

  private String suffix(int length) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < length; i++) {
      s.append(NAME_ALPHABET.charAt(random.nextInt(NAME_ALPHABET.length())));
    }
    return s.toString();
  }

  @Override
  public void close() {
    if (loop != null) {
      loop.close();
    }
    client.close();
  }
}
