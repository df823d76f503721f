package io.workerhealth.demo.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v1.Scale;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.workerhealth.api.v1alpha1.ScaleTargetRef;
import io.workerhealth.api.v1alpha1.WorkerHealth;
import io.workerhealth.operator.planning.ScaleTargetObservation;
import io.workerhealth.operator.reconcile.PodRestarter;
import io.workerhealth.operator.reconcile.TargetScaler;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The mock API server with evictions, and the stand-in controllers, as the operator and the demo use them. */
class MockClusterIT {

  static final String NS = "shop";
  MockCluster cluster;
  KubernetesClient client;

  @BeforeEach
  void start() {
    cluster = MockCluster.start(Clock.systemUTC());
    client = cluster.newClient();
  }

  @AfterEach
  void stop() {
    client.close();
    cluster.close();
  }

  Pod pod(String name) {
    return client.pods().inNamespace(NS).resource(new io.fabric8.kubernetes.api.model.PodBuilder().withNewMetadata()
        .withName(name).endMetadata().build()).create();
  }

  @Test
  void anEvictionDeletesThePodWhenItsUidMatches() {
    PodRestarter restarter = new PodRestarter(client); // the operator's eviction code
    Pod pod = pod("a");
    pod("b");

    assertThat(restarter.restart(NS, "a", "some-other-uid")).isEqualTo(PodRestarter.Result.GONE); // 409
    assertThat(client.pods().inNamespace(NS).withName("a").get()).isNotNull();

    assertThat(restarter.restart(NS, "a", pod.getMetadata().getUid())).isEqualTo(PodRestarter.Result.EVICTED);
    assertThat(client.pods().inNamespace(NS).withName("a").get()).isNull();
    assertThat(client.pods().inNamespace(NS).withName("b").get()).isNotNull();

    assertThat(restarter.restart(NS, "a", pod.getMetadata().getUid())).isEqualTo(PodRestarter.Result.GONE); // 404
    restarter.close();
  }

  @Test
  void theControllersKeepTheDeploymentsReplicasAndCollectOrphanedWorkerHealths() {
    client.apps().deployments().inNamespace(NS).resource(new DeploymentBuilder().withNewMetadata().withName("shop")
        .endMetadata().withNewSpec().withReplicas(3).withNewSelector().addToMatchLabels("app", "shop").endSelector()
        .withNewTemplate().withNewMetadata().addToLabels("app", "shop").endMetadata().withNewSpec().addNewContainer()
        .withName("app").withImage("app").endContainer().endSpec().endTemplate().endSpec().build()).create();
    cluster.startControllers(NS, "shop");
    await().atMost(Duration.ofSeconds(10)).until(() -> pods().size() == 3);
    Pod first = client.pods().inNamespace(NS).withName(pods().get(0)).get();
    assertThat(first.getMetadata().getLabels()).containsEntry("app", "shop").containsKey("pod-template-hash");
    assertThat(first.getMetadata().getOwnerReferences()).singleElement()
        .satisfies(o -> assertThat(o.getKind()).isEqualTo("ReplicaSet"));

    WorkerHealth wh = new WorkerHealth();
    wh.getMetadata().setName(first.getMetadata().getName());
    wh.getMetadata().setNamespace(NS);
    wh.getMetadata().setOwnerReferences(List.of(new OwnerReferenceBuilder().withApiVersion("v1").withKind("Pod")
        .withName(first.getMetadata().getName()).withUid(first.getMetadata().getUid()).build()));
    client.resource(wh).create();

    // an evicted pod is replaced by one with a new name; its WorkerHealth goes with it
    new PodRestarter(client).restart(NS, first.getMetadata().getName(), first.getMetadata().getUid());
    await().atMost(Duration.ofSeconds(10)).until(() -> pods().size() == 3
        && !pods().contains(first.getMetadata().getName()));
    await().atMost(Duration.ofSeconds(10)).until(() -> client.resources(WorkerHealth.class).inNamespace(NS)
        .withName(first.getMetadata().getName()).get() == null);
    assertThat(client.v1().events().inNamespace(NS).list().getItems())
        .extracting(e -> e.getReason()).contains("ScalingReplicaSet", "SuccessfulCreate");

    // replicas follow the Deployment, also when it is scaled through its scale subresource
    client.apps().deployments().inNamespace(NS).withName("shop")
        .edit(d -> new DeploymentBuilder(d).editSpec().withReplicas(2).endSpec().build());
    await().atMost(Duration.ofSeconds(10)).until(() -> pods().size() == 2);
    client.apps().deployments().inNamespace(NS).withName("shop").scale(4);
    await().atMost(Duration.ofSeconds(10)).until(() -> pods().size() == 4);
  }

  @Test
  void theOperatorScalesTheDeploymentThroughItsScaleSubresource() {
    client.apps().deployments().inNamespace(NS).resource(deployment(3)).create();
    cluster.startControllers(NS, "shop");
    await().atMost(Duration.ofSeconds(10)).until(() -> pods().size() == 3);
    TargetScaler scaler = new TargetScaler(client); // the operator's scale code: GET and PUT .../deployments/shop/scale
    ScaleTargetRef shop = new ScaleTargetRef("apps/v1", "Deployment", "shop");

    ScaleTargetObservation seen = scaler.observe(NS, shop);
    assertThat(seen.problem()).isNull();
    assertThat(seen.replicas()).isEqualTo(3);
    assertThat(seen.drivenBy()).isNull();
    Scale scale = client.apps().deployments().inNamespace(NS).withName("shop").scale();
    assertThat(scale.getStatus().getSelector()).isEqualTo("app=shop");

    // a watcher of the Deployment (the operator's informers, the stand-in ReplicaSet controller) sees the change
    List<Integer> watched = new CopyOnWriteArrayList<>();
    try (Watch watch = client.apps().deployments().inNamespace(NS).withName("shop").watch(new Watcher<>() {
      @Override
      public void eventReceived(Action action, Deployment d) {
        watched.add(d.getSpec().getReplicas());
      }

      @Override
      public void onClose(WatcherException cause) {
      }
    })) {
      assertThat(scaler.scale(NS, shop, 3, 4)).isEqualTo(TargetScaler.Result.SCALED);
      Deployment scaled = client.apps().deployments().inNamespace(NS).withName("shop").get();
      assertThat(scaled).as("the Deployment, intact after a PUT of its Scale").isNotNull();
      assertThat(scaled.getSpec().getReplicas()).isEqualTo(4);
      assertThat(scaled.getSpec().getTemplate().getMetadata().getLabels()).containsEntry("app", "shop");
      await().atMost(Duration.ofSeconds(10)).until(() -> pods().size() == 4);
      await().atMost(Duration.ofSeconds(5)).until(() -> watched.contains(4));
    }
    assertThat(scaler.scale(NS, shop, 3, 4)).isEqualTo(TargetScaler.Result.ALREADY);
    assertThat(scaler.scale(NS, shop, 3, 5)).isEqualTo(TargetScaler.Result.CHANGED);
    assertThat(scaler.scale(NS, shop, 4, 3)).isEqualTo(TargetScaler.Result.SCALED);
    await().atMost(Duration.ofSeconds(10)).until(() -> pods().size() == 3);

    // a write carrying a resourceVersion read before someone else's change is refused, not applied
    client.apps().deployments().inNamespace(NS).withName("shop")
        .edit(d -> new DeploymentBuilder(d).editMetadata().addToAnnotations("changed", "by someone").endMetadata()
            .build());
    scale.getSpec().setReplicas(5);
    assertThatThrownBy(() -> client.apps().deployments().inNamespace(NS).withName("shop").scale(scale))
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(409));
    assertThat(client.apps().deployments().inNamespace(NS).withName("shop").get().getSpec().getReplicas())
        .isEqualTo(3);

    ScaleTargetObservation missing = scaler.observe(NS, new ScaleTargetRef("apps/v1", "Deployment", "nope"));
    assertThat(missing.replicas()).isNull();
    assertThat(missing.problem()).contains("not found");
  }

  static Deployment deployment(int replicas) {
    return new DeploymentBuilder().withNewMetadata().withName("shop").endMetadata().withNewSpec()
        .withReplicas(replicas).withNewSelector().addToMatchLabels("app", "shop").endSelector().withNewTemplate()
        .withNewMetadata().addToLabels("app", "shop").endMetadata().withNewSpec().addNewContainer().withName("app")
        .withImage("app").endContainer().endSpec().endTemplate().endSpec().build();
  }

  List<String> pods() {
    return client.pods().inNamespace(NS).withLabel("app", "shop").list().getItems().stream()
        .map(p -> p.getMetadata().getName()).sorted().toList();
  }
}
