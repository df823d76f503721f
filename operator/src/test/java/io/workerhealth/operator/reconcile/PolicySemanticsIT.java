package io.workerhealth.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v1.Scale;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.workerhealth.api.v1alpha1.ActionEffectiveness;
import io.workerhealth.api.v1alpha1.EscalationStep;
import io.workerhealth.api.v1alpha1.HealthPhase;
import io.workerhealth.api.v1alpha1.OutageRecovery;
import io.workerhealth.api.v1alpha1.RecoveryPhase;
import io.workerhealth.api.v1alpha1.RemediationAction;
import io.workerhealth.api.v1alpha1.RemediationOutcome;
import io.workerhealth.api.v1alpha1.RemediationRecord;
import io.workerhealth.api.v1alpha1.RemediationRule;
import io.workerhealth.api.v1alpha1.ScaleSpec;
import io.workerhealth.api.v1alpha1.ScaleTargetRef;
import io.workerhealth.api.v1alpha1.ScaleTargetState;
import io.workerhealth.api.v1alpha1.WorkerHealth;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicy;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicySpec;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicyStatus;
import io.workerhealth.api.v1alpha1.WorkerHealthStatus;
import io.workerhealth.api.v1alpha1.WorkerState;
import io.workerhealth.api.v1alpha1.WorkerStatus;
import io.workerhealth.operator.OperatorSettings;
import io.workerhealth.operator.WorkerHealthOperator;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What the operator does and tells (conditions, Events, metrics) for the policy semantics beyond a plain restart,
 * against the mock API server in CRUD mode.
 */
@EnableKubernetesMockClient(crud = true)
class PolicySemanticsIT {

  static final String NS = "outpost";
  static final String SCALE_PATH = "/apis/apps/v1/namespaces/" + NS + "/deployments/outpost-delivery/scale";

  KubernetesMockServer server;
  KubernetesClient client;
  WorkerHealthOperator operator;
  final List<String> evictions = new CopyOnWriteArrayList<>();
  final AtomicInteger replicas = new AtomicInteger();
  final List<Integer> scaleWrites = new CopyOnWriteArrayList<>();

  @AfterEach
  void stop() {
    if (operator != null) {
      operator.close();
    }
  }

  void start(WorkerHealthPolicyReconciler.Timings timings) throws Exception {
    operator = new WorkerHealthOperator(client, new OperatorSettings(0, List.of(), false, "l", null),
        Clock.systemUTC(), timings).start();
  }

  void start() throws Exception {
    start(WorkerHealthPolicyReconcilerIT.FAST);
  }

  String pod(String name, Duration failingFor) {
    WorkerHealth wh = PodFixtures.podWithHealth(client, NS, name, "outpost-7d9f8c", Map.of("app", "outpost"));
    health(wh, failingFor);
    return PodFixtures.podUid(wh);
  }

  void health(WorkerHealth wh, Duration failingFor) {
    Instant now = Instant.now();
    boolean failed = failingFor != null;
    WorkerHealthStatus s = new WorkerHealthStatus();
    s.setPhase(failed ? HealthPhase.Failed : HealthPhase.Healthy);
    s.setLastScrapeTime(now.toString());
    s.setLastSuccessfulScrapeTime(now.toString());
    s.setWorkers(new ArrayList<>(List.of(new WorkerState("deliverymq-consumer",
        failed ? WorkerStatus.Failed : WorkerStatus.Healthy, failed ? "failed" : "healthy", null,
        now.minus(failed ? failingFor : Duration.ofHours(1)).toString()))));
    wh.setStatus(s);
    client.resource(wh).updateStatus();
  }

  /** Evictions of any pod are accepted and recorded. */
  void acceptEvictions(int code) {
    server.expect().post().withPath("/api/v1/namespaces/" + NS + "/pods/outpost-a/eviction")
        .andReply(code, r -> record(r)).always();
    for (String p : List.of("outpost-b", "outpost-c", "outpost-d", "lonely")) {
      server.expect().post().withPath("/api/v1/namespaces/" + NS + "/pods/" + p + "/eviction")
          .andReply(code, r -> record(r)).always();
    }
  }

  private String record(RecordedRequest r) {
    evictions.add(r.getPath());
    return "{}";
  }

  WorkerHealthPolicy policy(String name, Consumer<WorkerHealthPolicySpec> change) {
    WorkerHealthPolicySpec spec = new WorkerHealthPolicySpec();
    spec.setSelector(new LabelSelector(null, Map.of("app", "outpost")));
    RemediationRule rule = new RemediationRule();
    rule.setName("restart-consumer");
    rule.setWorkers(new ArrayList<>(List.of("*-consumer")));
    rule.setFor("30s");
    rule.setAction(RemediationAction.RestartPod);
    spec.setRules(new ArrayList<>(List.of(rule)));
    change.accept(spec);
    WorkerHealthPolicy p = new WorkerHealthPolicy();
    p.getMetadata().setName(name);
    p.getMetadata().setNamespace(NS);
    p.setSpec(spec);
    return client.resource(p).create();
  }

  WorkerHealthPolicyStatus status(String name) {
    WorkerHealthPolicy p = client.resources(WorkerHealthPolicy.class).inNamespace(NS).withName(name).get();
    return p == null ? null : p.getStatus();
  }

  io.fabric8.kubernetes.api.model.Condition condition(String policy, String type) {
    WorkerHealthPolicyStatus s = status(policy);
    return s == null ? null : Conditions.get(s.getConditions(), type);
  }

  List<Event> events(String reason) {
    return client.v1().events().inNamespace(NS).list().getItems().stream()
        .filter(e -> reason.equals(e.getReason())).toList();
  }

  RemediationRecord intent(String pod, String uid, RemediationAction action) {
    RemediationRecord r = new RemediationRecord();
    r.setPod(pod);
    r.setPodUID(uid);
    r.setSlot("ReplicaSet/outpost-7d9f8c");
    r.setWorker("deliverymq-consumer");
    r.setRule("restart-consumer");
    r.setAction(action);
    r.setTime(Instant.now().minusSeconds(5).toString());
    r.setFailingSince(Instant.now().minusSeconds(120).toString());
    r.setOutcome(RemediationOutcome.Pending);
    return r;
  }

  void writeStatus(WorkerHealthPolicy p, Consumer<WorkerHealthPolicyStatus> change) {
    WorkerHealthPolicyStatus s = new WorkerHealthPolicyStatus();
    change.accept(s);
    WorkerHealthPolicyReconciler.writeStatus(client, p, s);
  }

  // ---- intents, pauses, failures ---------------------------------------------------------------------------------

  @Test
  void aPausedPolicyCancelsTheIntentAnEarlierRunLeftAndSaysWhy() throws Exception {
    String uid = pod("outpost-b", Duration.ofMinutes(2));
    pod("outpost-a", null);
    pod("outpost-c", null);
    acceptEvictions(201);
    WorkerHealthPolicy p = policy("restart", s -> s.setPaused(true));
    writeStatus(p, s -> s.setHistory(new ArrayList<>(List.of(intent("outpost-b", uid, RemediationAction.RestartPod)))));
    start();

    await().atMost(20, TimeUnit.SECONDS).until(() -> status("restart").getHistory().get(0).getOutcome()
        == RemediationOutcome.Cancelled);
    assertThat(status("restart").getHistory().get(0).getMessage()).contains("the policy was paused");
    assertThat(events("IntentCancelled")).singleElement()
        .satisfies(e -> assertThat(e.getMessage()).contains("pod outpost-b"));
    var paused = condition("restart", "Paused");
    assertThat(paused.getStatus()).isEqualTo("True");
    assertThat(paused.getReason()).isEqualTo("Paused");
    assertThat(evictions).isEmpty();
  }

  @Test
  void aFailedEvictionIsToldAsRestartFailed() throws Exception {
    pod("outpost-a", null);
    pod("outpost-b", Duration.ofMinutes(2));
    pod("outpost-c", null);
    acceptEvictions(500);
    policy("restart", s -> { });
    start();
    await().atMost(20, TimeUnit.SECONDS).until(() -> !events("RestartFailed").isEmpty());
    assertThat(events("RestartFailed").get(0).getMessage()).contains("pod outpost-b").contains("eviction failed");
    // the Event is sent before the outcome is written
    await().atMost(10, TimeUnit.SECONDS).until(() -> status("restart").getHistory().stream()
        .anyMatch(r -> r.getOutcome() == RemediationOutcome.Failed));
  }

  @Test
  void aReportOnlyRuleIsToldAsWorkerUnhealthyAndTheStatusFollowsTheGeneration() throws Exception {
    pod("outpost-a", null);
    pod("outpost-b", Duration.ofMinutes(2));
    policy("tell", s -> s.getRules().get(0).setAction(RemediationAction.None));
    start();
    await().atMost(20, TimeUnit.SECONDS).until(() -> !events("WorkerUnhealthy").isEmpty());
    assertThat(events("WorkerUnhealthy").get(0).getMessage()).contains("pod outpost-b").contains("report only");
    // the Event is sent before the status is written
    await().atMost(10, TimeUnit.SECONDS).until(() -> status("tell") != null
        && Long.valueOf(1).equals(status("tell").getObservedGeneration()));

    client.resources(WorkerHealthPolicy.class).inNamespace(NS).withName("tell")
        .edit(p -> {
          p.getSpec().setCooldown("10m");
          return p;
        });
    await().atMost(20, TimeUnit.SECONDS).until(() -> Long.valueOf(2).equals(status("tell").getObservedGeneration()));
    assertThat(status("tell").getConditions()).allSatisfy(c -> assertThat(c.getObservedGeneration()).isEqualTo(2L));
    assertThat(evictions).isEmpty();
  }

  @Test
  void aBarePodIsNotEvictedAndTheSkipSaysWhy() throws Exception {
    client.pods().inNamespace(NS).resource(new PodBuilder().withNewMetadata().withName("lonely").withNamespace(NS)
        .withLabels(Map.of("app", "outpost")).endMetadata().build()).create();
    WorkerHealth wh = new WorkerHealth();
    wh.getMetadata().setName("lonely");
    wh.getMetadata().setNamespace(NS);
    wh.getMetadata().setLabels(Map.of("app", "outpost"));
    wh.getMetadata().setOwnerReferences(List.of(new OwnerReferenceBuilder().withApiVersion("v1").withKind("Pod")
        .withName("lonely").withUid(client.pods().inNamespace(NS).withName("lonely").get().getMetadata().getUid())
        .build()));
    health(client.resource(wh).create(), Duration.ofMinutes(2));
    pod("outpost-a", null);
    pod("outpost-c", null);
    acceptEvictions(201);
    policy("restart", s -> { });
    start();
    await().atMost(20, TimeUnit.SECONDS).until(() -> events("RemediationSkipped").stream()
        .anyMatch(e -> e.getMessage().contains("BarePod")));
    assertThat(evictions).isEmpty();
  }

  // ---- timing ----------------------------------------------------------------------------------------------------

  @Test
  void anActionHeldByItsCooldownIsRetriedWhenTheCooldownEndsNotAtTheNextResync() throws Exception {
    pod("outpost-a", null);
    String uid = pod("outpost-b", Duration.ofMinutes(2));
    pod("outpost-c", null);
    acceptEvictions(201);
    WorkerHealthPolicy p = policy("restart", s -> s.setCooldown("6s"));
    RemediationRecord earlier = intent("outpost-gone", "uid-gone", RemediationAction.RestartPod);
    earlier.setOutcome(RemediationOutcome.Succeeded);
    earlier.setTime(Instant.now().toString());
    earlier.setFailingSince(Instant.now().minus(Duration.ofHours(2)).toString()); // not a row: the base cooldown
    writeStatus(p, s -> s.setHistory(new ArrayList<>(List.of(earlier))));
    Instant cooldownEnds = Instant.parse(earlier.getTime()).plusSeconds(6);
    // resync and recheck far away: only the cooldown's end can bring the retry
    start(new WorkerHealthPolicyReconciler.Timings(Duration.ofSeconds(60), Duration.ofSeconds(60),
        Duration.ofSeconds(60)));
    await().atMost(30, TimeUnit.SECONDS).until(() -> !evictions.isEmpty());
    Instant evicted = Instant.now();
    assertThat(evicted).isAfterOrEqualTo(cooldownEnds.minusMillis(200));
    assertThat(Duration.between(cooldownEnds, evicted)).isLessThan(Duration.ofSeconds(10));
    assertThat(status("restart").getHistory().get(0).getPodUID()).isEqualTo(uid);
  }

  // ---- escalation, scaling, adoption -----------------------------------------------------------------------------

  void deployment(int initial) {
    replicas.set(initial);
    client.apps().deployments().inNamespace(NS).resource(new DeploymentBuilder().withNewMetadata()
        .withName("outpost-delivery").withNamespace(NS).endMetadata().withNewSpec().withReplicas(initial)
        .withNewSelector().withMatchLabels(Map.of("app", "outpost")).endSelector().endSpec().build()).create();
    server.expect().get().withPath(SCALE_PATH).andReply(200, r -> ScaleTargetIT.scale(replicas.get())).always();
    server.expect().put().withPath(SCALE_PATH).andReply(200, r -> {
      Scale asked = client.getKubernetesSerialization().unmarshal(r.getBody().readUtf8(), Scale.class);
      scaleWrites.add(asked.getSpec().getReplicas());
      replicas.set(asked.getSpec().getReplicas());
      return ScaleTargetIT.scale(replicas.get());
    }).always();
  }

  static ScaleSpec scale() {
    ScaleSpec scale = new ScaleSpec(new ScaleTargetRef("apps/v1", "Deployment", "outpost-delivery"), 3, 6);
    return scale;
  }

  @Test
  void anEscalationIsAnnouncedAndEndsWhenTheWorkerIsHealthyAgain() throws Exception {
    pod("outpost-a", null);
    pod("outpost-b", Duration.ofMinutes(2));
    pod("outpost-c", null);
    acceptEvictions(201);
    WorkerHealthPolicy p = policy("escalate", s -> {
      RemediationRule r = s.getRules().get(0);
      r.setAction(null);
      r.setEscalation(new ArrayList<>(List.of(new EscalationStep(RemediationAction.RestartPod, 1, "30m"),
          new EscalationStep(RemediationAction.None, null, null))));
    });
    // the restart step acted once already for this worker on this ReplicaSet: the next failure escalates
    RemediationRecord restarted = intent("outpost-gone", "uid-gone", RemediationAction.RestartPod);
    restarted.setOutcome(RemediationOutcome.Succeeded);
    restarted.setRule("restart-consumer");
    restarted.setStep(0);
    restarted.setTime(Instant.now().minus(Duration.ofMinutes(10)).toString());
    writeStatus(p, s -> s.setHistory(new ArrayList<>(List.of(restarted))));
    start();
    await().atMost(20, TimeUnit.SECONDS).until(() -> !events("Escalated").isEmpty()
        && !events("NeedsAttention").isEmpty());
    assertThat(events("Escalated").get(0).getMessage()).contains("next step: None");
    // Events are sent before the status is written
    await().atMost(10, TimeUnit.SECONDS).until(() -> "True".equals(condition("escalate", "NeedsAttention")
        .getStatus()));
    assertThat(condition("escalate", "NeedsAttention").getReason()).isEqualTo("Escalated");
    assertThat(evictions).isEmpty();

    health(client.resources(WorkerHealth.class).inNamespace(NS).withName("outpost-b").get(), null);
    await().atMost(20, TimeUnit.SECONDS).until(() -> !events("EscalationEnded").isEmpty());
    await().atMost(20, TimeUnit.SECONDS).until(() -> "False".equals(condition("escalate", "NeedsAttention")
        .getStatus()));
  }

  @Test
  void aScaleWriteThatFindsOtherReplicasIsToldAsScaleFailedAndAnAdoptedTargetAsScaleTargetAdopted()
      throws Exception {
    pod("outpost-a", null);
    pod("outpost-b", null);
    pod("outpost-c", null);
    deployment(5);
    WorkerHealthPolicy p = policy("scale", s -> {
      RemediationRule r = s.getRules().get(0);
      r.setAction(RemediationAction.ScaleTarget);
      r.setScale(scale());
      s.setMaxUnhealthy(new IntOrString("100%"));
    });
    RemediationRecord up = intent("outpost-b", "uid-b", RemediationAction.ScaleTarget);
    up.setRule("restart-consumer");
    up.setTarget("Deployment/outpost-delivery");
    up.setFromReplicas(3);
    up.setToReplicas(4);
    writeStatus(p, s -> {
      s.setHistory(new ArrayList<>(List.of(up)));
      s.setScaleTargets(new ArrayList<>(List.of(new ScaleTargetState("Deployment/outpost-delivery",
          "restart-consumer", 3, 4, Instant.now().minusSeconds(5).toString(), null))));
    });
    start();
    await().atMost(20, TimeUnit.SECONDS).until(() -> !events("ScaleFailed").isEmpty()
        && !events("ScaleTargetAdopted").isEmpty());
    assertThat(events("ScaleFailed").get(0).getMessage()).contains("replicas changed meanwhile");
    assertThat(events("ScaleTargetAdopted").get(0).getMessage()).contains("someone else changed it");
    assertThat(scaleWrites).isEmpty();
  }

  @Test
  void deletingAPolicyRestoresTheBaselineOfTheTargetsItScaledUnlessTheRuleOptsOut() throws Exception {
    pod("outpost-a", null);
    deployment(5);
    WorkerHealthPolicy p = policy("scale", s -> {
      RemediationRule r = s.getRules().get(0);
      r.setAction(RemediationAction.ScaleTarget);
      r.setScale(scale());
      s.setMaxUnhealthy(new IntOrString("100%"));
    });
    // the operator scaled it from 3 to 5 earlier (and the target still has what it set)
    writeStatus(p, s -> s.setScaleTargets(new ArrayList<>(List.of(new ScaleTargetState(
        "Deployment/outpost-delivery", "restart-consumer", 3, 5, Instant.now().toString(), null)))));
    start();
    await().atMost(20, TimeUnit.SECONDS).until(() -> client.resources(WorkerHealthPolicy.class).inNamespace(NS)
        .withName("scale").get().getMetadata().getFinalizers().size() == 1
        && status("scale").getSelectedPods() != null);
    assertThat(status("scale").getScaleTargets()).hasSize(1);
    client.resources(WorkerHealthPolicy.class).inNamespace(NS).withName("scale").delete();
    await().atMost(20, TimeUnit.SECONDS).until(() -> client.resources(WorkerHealthPolicy.class).inNamespace(NS)
        .withName("scale").get() == null);
    assertThat(scaleWrites).containsExactly(3);
    assertThat(events("ScaleTargetRestored")).singleElement()
        .satisfies(e -> assertThat(e.getMessage()).contains("from 5 to its baseline 3"));
  }

  @Test
  void aRuleThatOptsOutLeavesItsTargetAsItIsOnDeletion() throws Exception {
    pod("outpost-a", null);
    deployment(5);
    WorkerHealthPolicy p = policy("scale", s -> {
      RemediationRule r = s.getRules().get(0);
      r.setAction(RemediationAction.ScaleTarget);
      ScaleSpec scale = scale();
      scale.setRestoreOnDelete(false);
      r.setScale(scale);
      s.setMaxUnhealthy(new IntOrString("100%"));
    });
    writeStatus(p, s -> s.setScaleTargets(new ArrayList<>(List.of(new ScaleTargetState(
        "Deployment/outpost-delivery", "restart-consumer", 3, 5, Instant.now().toString(), null)))));
    start();
    await().atMost(20, TimeUnit.SECONDS).until(() -> client.resources(WorkerHealthPolicy.class).inNamespace(NS)
        .withName("scale").get().getMetadata().getFinalizers().size() == 1
        && status("scale").getSelectedPods() != null);
    assertThat(status("scale").getScaleTargets()).hasSize(1);
    client.resources(WorkerHealthPolicy.class).inNamespace(NS).withName("scale").delete();
    await().atMost(20, TimeUnit.SECONDS).until(() -> client.resources(WorkerHealthPolicy.class).inNamespace(NS)
        .withName("scale").get() == null);
    assertThat(scaleWrites).isEmpty();
    assertThat(replicas.get()).isEqualTo(5);
  }

  // ---- pods that never report, and outages -----------------------------------------------------------------------

  @Test
  void aPodThatNeverReportsIsCountedShownAndTold() throws Exception {
    pod("outpost-a", null);
    pod("outpost-b", null);
    client.pods().inNamespace(NS).resource(new PodBuilder().withNewMetadata().withName("outpost-silent")
        .withNamespace(NS).withLabels(Map.of("app", "outpost")).withOwnerReferences(new OwnerReferenceBuilder()
            .withApiVersion("apps/v1").withKind("ReplicaSet").withName("outpost-7d9f8c").withUid("rs")
            .withController(true).build()).endMetadata().build()).create();
    policy("restart", s -> s.setStartupGracePeriod("1s"));
    start();
    await().atMost(20, TimeUnit.SECONDS).until(() -> Integer.valueOf(1).equals(status("restart")
        .getNotReportingPods()));
    assertThat(status("restart").getNotReporting()).containsExactly("outpost-silent");
    assertThat(status("restart").getSelectedPods()).isEqualTo(3);
    var reporting = condition("restart", "PodsReporting");
    assertThat(reporting.getStatus()).isEqualTo("False");
    assertThat(reporting.getReason()).isEqualTo("NotReporting");
    assertThat(reporting.getMessage()).contains("outpost-silent");
    await().atMost(10, TimeUnit.SECONDS).until(() -> !events("PodNotReporting").isEmpty());
    assertThat(operator.metrics().registry().scrape())
        .contains("workerhealth_policy_pods{namespace=\"outpost\",policy=\"restart\",state=\"NotReporting\"} 1.0");
  }

  @Test
  void anOutageIsHeldThenOneCanaryIsRestartedAndThePhaseIsToldEverywhere() throws Exception {
    pod("outpost-a", Duration.ofMinutes(2));
    pod("outpost-b", Duration.ofMinutes(2));
    pod("outpost-c", Duration.ofMinutes(2));
    pod("outpost-d", Duration.ofMinutes(2));
    acceptEvictions(201);
    policy("restart", s -> {
      OutageRecovery recovery = new OutageRecovery();
      recovery.setAfter("3s");
      s.setRecovery(recovery);
    });
    start();
    await().atMost(20, TimeUnit.SECONDS).until(() -> status("restart") != null
        && status("restart").getRecovery() != null);
    assertThat(status("restart").getRecovery().getPhase()).isEqualTo(RecoveryPhase.Held);
    assertThat(status("restart").getRecovery().getNextTryTime()).isNotNull();
    assertThat(condition("restart", "OutageRecovery").getReason()).isEqualTo("OutageHeld");
    await().atMost(10, TimeUnit.SECONDS).until(() -> !events("OutageHeld").isEmpty());
    assertThat(operator.metrics().registry().scrape())
        .contains("workerhealth_recovery_phase{namespace=\"outpost\",phase=\"Held\",policy=\"restart\"} 1.0")
        .containsPattern("workerhealth_outage_held_seconds\\{namespace=\"outpost\",policy=\"restart\"} [0-9.]+");

    await().atMost(20, TimeUnit.SECONDS).until(() -> evictions.size() == 1);
    await().atMost(10, TimeUnit.SECONDS).until(() -> !events("RecoveryCanary").isEmpty());
    assertThat(status("restart").getRecovery().getPhase()).isEqualTo(RecoveryPhase.Canary);
    assertThat(status("restart").getHistory().get(0).getRecovery()).isEqualTo(RecoveryPhase.Canary);
    assertThat(condition("restart", "OutageRecovery").getReason()).isEqualTo("Canary");
    // one canary at a time: nothing else while it is in flight
    await().pollDelay(3, TimeUnit.SECONDS).atMost(5, TimeUnit.SECONDS).until(() -> true);
    assertThat(evictions).hasSize(1);
  }

  @Test
  void replicaSetsOfADeploymentMidRolloutHoldTheRestartAndTheStatusSaysSo() throws Exception {
    client.apps().deployments().inNamespace(NS).resource(new DeploymentBuilder().withNewMetadata()
        .withName("outpost").withNamespace(NS).endMetadata().withNewSpec().withReplicas(3)
        .withNewSelector().withMatchLabels(Map.of("app", "outpost")).endSelector().endSpec()
        .withNewStatus().withReplicas(4).withUpdatedReplicas(1).withObservedGeneration(1L).endStatus().build())
        .create();
    client.apps().replicaSets().inNamespace(NS).resource(new ReplicaSetBuilder().withNewMetadata()
        .withName("outpost-7d9f8c").withNamespace(NS).withOwnerReferences(new OwnerReferenceBuilder()
            .withApiVersion("apps/v1").withKind("Deployment").withName("outpost").withUid("d").withController(true)
            .build()).endMetadata().build()).create();
    pod("outpost-a", null);
    pod("outpost-b", Duration.ofMinutes(2));
    pod("outpost-c", null);
    acceptEvictions(201);
    policy("restart", s -> { });
    start();
    await().atMost(20, TimeUnit.SECONDS).until(() -> status("restart") != null
        && status("restart").getRolloutsInProgress().contains("Deployment/outpost"));
    await().atMost(10, TimeUnit.SECONDS).until(() -> events("RemediationSkipped").stream()
        .anyMatch(e -> e.getMessage().contains("RolloutInProgress")));
    assertThat(evictions).isEmpty();
  }
}
