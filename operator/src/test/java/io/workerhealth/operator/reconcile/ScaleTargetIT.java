package io.workerhealth.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v1.Scale;
import io.fabric8.kubernetes.api.model.autoscaling.v1.ScaleBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.workerhealth.api.v1alpha1.HealthPhase;
import io.workerhealth.api.v1alpha1.RemediationAction;
import io.workerhealth.api.v1alpha1.RemediationOutcome;
import io.workerhealth.api.v1alpha1.RemediationRecord;
import io.workerhealth.api.v1alpha1.RemediationRule;
import io.workerhealth.api.v1alpha1.ScaleSpec;
import io.workerhealth.api.v1alpha1.ScaleTargetRef;
import io.workerhealth.api.v1alpha1.Verification;
import io.workerhealth.api.v1alpha1.VerificationResult;
import io.workerhealth.api.v1alpha1.WorkerHealth;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicy;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicySpec;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicyStatus;
import io.workerhealth.api.v1alpha1.WorkerHealthStatus;
import io.workerhealth.api.v1alpha1.WorkerState;
import io.workerhealth.api.v1alpha1.WorkerStatus;
import io.workerhealth.operator.WorkerHealthOperator;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** ScaleTarget through the scale subresource, autoscaler refusal and verification, against the mock API server. */
@EnableKubernetesMockClient(crud = true)
class ScaleTargetIT {

  static final String NS = "outpost";
  static final String SCALE_PATH = "/apis/apps/v1/namespaces/" + NS + "/deployments/outpost-delivery/scale";

  KubernetesMockServer server;
  KubernetesClient client;
  WorkerHealthOperator operator;
  final List<String> scaleWrites = new CopyOnWriteArrayList<>();

  @AfterEach
  void stop() {
    if (operator != null) {
      operator.close();
    }
  }

  void startOperator() throws Exception {
    operator = WorkerHealthPolicyReconcilerIT.startedOperator(client);
  }

  /** The Deployment's replicas as its scale subresource holds them (the CRUD mock serves no scale subresource). */
  final AtomicInteger replicas = new AtomicInteger();

  /**
   * The Deployment, and its scale subresource: GET answers the replicas, PUT sets them. The answers are computed in
   * memory: the mock server's event loop must not call back into itself.
   */
  void deployment(int initial) {
    replicas.set(initial);
    client.apps().deployments().inNamespace(NS).resource(new DeploymentBuilder().withNewMetadata()
        .withName("outpost-delivery").withNamespace(NS).endMetadata().withNewSpec().withReplicas(initial)
        .withNewSelector().withMatchLabels(Map.of("app", "outpost")).endSelector().endSpec().build()).create();
    server.expect().get().withPath(SCALE_PATH).andReply(200, r -> scale(replicas.get())).always();
    server.expect().put().withPath(SCALE_PATH).andReply(200, r -> {
      Scale asked = client.getKubernetesSerialization().unmarshal(r.getBody().readUtf8(), Scale.class);
      scaleWrites.add("PUT " + r.getPath() + " replicas=" + asked.getSpec().getReplicas());
      replicas.set(asked.getSpec().getReplicas());
      return scale(replicas.get());
    }).always();
  }

  static Scale scale(int replicas) {
    return new ScaleBuilder().withNewMetadata().withName("outpost-delivery").withNamespace(NS)
        .withResourceVersion("1").endMetadata().withNewSpec().withReplicas(replicas).endSpec().build();
  }

  /** A pod of ReplicaSet {@code rs} with its WorkerHealth: the consumer failing since {@code failingFor} ago, or
   *  healthy since {@code healthyFor} ago. */
  String pod(String name, String rs, Duration failingFor, Duration healthyFor) {
    WorkerHealth wh = PodFixtures.podWithHealth(client, NS, name, rs, Map.of("app", "outpost"));
    Instant now = Instant.now();
    boolean failed = failingFor != null;
    WorkerHealthStatus s = new WorkerHealthStatus();
    s.setPhase(failed ? HealthPhase.Failed : HealthPhase.Healthy);
    s.setLastScrapeTime(now.toString());
    s.setLastSuccessfulScrapeTime(now.toString());
    s.setWorkers(new ArrayList<>(List.of(new WorkerState("deliverymq-consumer",
        failed ? WorkerStatus.Failed : WorkerStatus.Healthy, failed ? "failed" : "healthy", null,
        now.minus(failed ? failingFor : healthyFor).toString()))));
    wh.setStatus(s);
    client.resource(wh).updateStatus();
    return PodFixtures.podUid(wh);
  }

  void scalePolicy(String verificationWindow) {
    RemediationRule rule = new RemediationRule();
    rule.setName("keep-consumers");
    rule.setWorkers(List.of("*-consumer"));
    rule.setFor("30s");
    rule.setAction(RemediationAction.ScaleTarget);
    rule.setScale(new ScaleSpec(new ScaleTargetRef("apps/v1", "Deployment", "outpost-delivery"), 3, 5));
    rule.setVerification(new Verification(verificationWindow, 3));
    WorkerHealthPolicySpec spec = new WorkerHealthPolicySpec();
    spec.setSelector(new LabelSelector(null, Map.of("app", "outpost")));
    spec.setRules(new ArrayList<>(List.of(rule)));
    spec.setMaxUnhealthy(new io.fabric8.kubernetes.api.model.IntOrString("100%"));
    create("scale", spec);
  }

  void create(String name, WorkerHealthPolicySpec spec) {
    WorkerHealthPolicy p = new WorkerHealthPolicy();
    p.getMetadata().setName(name);
    p.getMetadata().setNamespace(NS);
    p.setSpec(spec);
    client.resource(p).create();
  }

  WorkerHealthPolicyStatus status(String name) {
    WorkerHealthPolicy p = client.resources(WorkerHealthPolicy.class).inNamespace(NS).withName(name).get();
    return p == null ? null : p.getStatus();
  }

  List<Event> events(String reason) {
    return client.v1().events().inNamespace(NS).list().getItems().stream()
        .filter(e -> reason.equals(e.getReason())).toList();
  }

  @Test
  void tooFewHealthyConsumersScaleTheDeploymentThroughItsScaleSubresource() throws Exception {
    deployment(3);
    pod("outpost-a", "rs-1", null, Duration.ofHours(1));
    pod("outpost-b", "rs-1", Duration.ofMinutes(2), null);
    pod("outpost-c", "rs-1", null, Duration.ofHours(1));
    scalePolicy("1s");
    startOperator();

    await().atMost(20, TimeUnit.SECONDS).until(() -> status("scale") != null && status("scale").getHistory().stream()
        .anyMatch(r -> r.getAction() == RemediationAction.ScaleTarget && r.getOutcome() == RemediationOutcome.Succeeded));
    assertThat(scaleWrites).first().isEqualTo("PUT " + SCALE_PATH + " replicas=4");
    assertThat(replicas.get()).isEqualTo(4);
    RemediationRecord r = status("scale").getHistory().stream()
        .filter(h -> h.getOutcome() == RemediationOutcome.Succeeded).findFirst().orElseThrow();
    assertThat(r.getTarget()).isEqualTo("Deployment/outpost-delivery");
    assertThat(r.getFromReplicas()).isEqualTo(3);
    assertThat(r.getToReplicas()).isEqualTo(4);
    assertThat(status("scale").getScaleTargets()).singleElement().satisfies(s -> {
      assertThat(s.getBaselineReplicas()).isEqualTo(3);
      assertThat(s.getLastSetReplicas()).isEqualTo(4);
    });
    assertThat(events("ScaledUp")).extracting(e -> e.getInvolvedObject().getKind())
        .contains("WorkerHealthPolicy", "Deployment");
    var allowed = Conditions.get(status("scale").getConditions(), "ScalingAllowed");
    assertThat(allowed.getStatus()).isEqualTo("True");
    // scaling leaves the failing pod in place: nothing is in flight (only an evicted pod counts until it is gone)
    await().atMost(10, TimeUnit.SECONDS)
        .until(() -> Integer.valueOf(0).equals(status("scale").getRemediationsInFlight()));

    // nobody became healthy within the 1s verification window: NotRecovered, in status and metric
    await().atMost(20, TimeUnit.SECONDS).until(() -> status("scale").getHistory().stream()
        .anyMatch(h -> h.getVerification() == VerificationResult.NotRecovered));
    assertThat(status("scale").getEffectiveness()).singleElement().satisfies(e -> {
      assertThat(e.getRule()).isEqualTo("keep-consumers");
      assertThat(e.getAction()).isEqualTo(RemediationAction.ScaleTarget);
      assertThat(e.getNotRecovered()).isGreaterThanOrEqualTo(1);
    });
    await().atMost(10, TimeUnit.SECONDS).until(() -> operator.metrics().registry().scrape().contains(
        "workerhealth_remediation_verifications_total{action=\"ScaleTarget\",namespace=\"outpost\",policy=\"scale\","
            + "result=\"NotRecovered\",rule=\"keep-consumers\"}"));
    assertThat(events("RemediationNotRecovered")).isNotEmpty();
  }

  @Test
  void aHorizontalPodAutoscalerOnTheTargetBlocksScalingWithAConditionAndAnEvent() throws Exception {
    deployment(3);
    client.autoscaling().v2().horizontalPodAutoscalers().inNamespace(NS).resource(new HorizontalPodAutoscalerBuilder()
        .withNewMetadata().withName("outpost-hpa").withNamespace(NS).endMetadata()
        .withNewSpec().withMinReplicas(2).withMaxReplicas(8).withNewScaleTargetRef().withApiVersion("apps/v1")
        .withKind("Deployment").withName("outpost-delivery").endScaleTargetRef().endSpec().build()).create();
    pod("outpost-a", "rs-1", null, Duration.ofHours(1));
    pod("outpost-b", "rs-1", Duration.ofMinutes(2), null);
    pod("outpost-c", "rs-1", null, Duration.ofHours(1));
    scalePolicy("2m");
    startOperator();

    await().atMost(20, TimeUnit.SECONDS).until(() -> status("scale") != null
        && Conditions.get(status("scale").getConditions(), "ScalingAllowed") != null);
    var allowed = Conditions.get(status("scale").getConditions(), "ScalingAllowed");
    assertThat(allowed.getStatus()).isEqualTo("False");
    assertThat(allowed.getReason()).isEqualTo("AutoscalerManaged");
    assertThat(allowed.getMessage()).contains("HorizontalPodAutoscaler/outpost-hpa");
    await().atMost(10, TimeUnit.SECONDS).until(() -> !events("ScalingRefused").isEmpty());
    await().pollDelay(2, TimeUnit.SECONDS).atMost(4, TimeUnit.SECONDS).until(() -> true);
    assertThat(scaleWrites).isEmpty();
    assertThat(replicas.get()).isEqualTo(3);
    assertThat(status("scale").getHistory()).isEmpty();
  }

  @Test
  void aRestartWhoseReplacementReportsTheWorkerHealthyIsVerifiedRecovered() throws Exception {
    pod("outpost-a", "rs-a", null, Duration.ofHours(1));
    pod("outpost-b", "rs-b", Duration.ofMinutes(2), null);
    pod("outpost-c", "rs-c", null, Duration.ofHours(1));
    server.expect().post().withPath("/api/v1/namespaces/" + NS + "/pods/outpost-b/eviction").andReturn(201, "{}")
        .once();
    RemediationRule rule = new RemediationRule();
    rule.setName("restart-consumer");
    rule.setWorkers(List.of("*-consumer"));
    rule.setFor("30s");
    rule.setAction(RemediationAction.RestartPod);
    rule.setVerification(new Verification("5m", 3));
    WorkerHealthPolicySpec spec = new WorkerHealthPolicySpec();
    spec.setSelector(new LabelSelector(null, Map.of("app", "outpost")));
    spec.setRules(new ArrayList<>(List.of(rule)));
    create("restart", spec);
    startOperator();

    await().atMost(20, TimeUnit.SECONDS).until(() -> status("restart") != null && status("restart").getHistory()
        .stream().anyMatch(r -> r.getOutcome() == RemediationOutcome.Succeeded));
    assertThat(status("restart").getHistory().get(0).getVerification()).as("window still open").isNull();
    // the ReplicaSet's replacement comes up with a healthy consumer
    client.pods().inNamespace(NS).withName("outpost-b").delete();
    client.resources(WorkerHealth.class).inNamespace(NS).withName("outpost-b").delete();
    pod("outpost-b2", "rs-b", null, Duration.ZERO);

    await().atMost(20, TimeUnit.SECONDS).until(() -> status("restart").getHistory().get(0).getVerification()
        == VerificationResult.Recovered);
    assertThat(status("restart").getEffectiveness()).singleElement().satisfies(e -> {
      assertThat(e.getWorker()).isEqualTo("deliverymq-consumer");
      assertThat(e.getRecovered()).isEqualTo(1);
      assertThat(e.getConsecutiveNotRecovered()).isZero();
    });
    await().atMost(10, TimeUnit.SECONDS).until(() -> operator.metrics().registry().scrape().contains(
        "workerhealth_remediation_verifications_total{action=\"RestartPod\",namespace=\"outpost\",policy=\"restart\","
            + "result=\"Recovered\",rule=\"restart-consumer\"} 1.0"));
    assertThat(events("RemediationRecovered")).hasSize(1);
    var attention = Conditions.get(status("restart").getConditions(), "NeedsAttention");
    assertThat(attention.getStatus()).isEqualTo("False");
  }
}
