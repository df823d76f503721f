package io.workerhealth.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.workerhealth.api.v1alpha1.HealthPhase;
import io.workerhealth.api.v1alpha1.RemediationAction;
import io.workerhealth.api.v1alpha1.RemediationOutcome;
import io.workerhealth.api.v1alpha1.RemediationRecord;
import io.workerhealth.api.v1alpha1.RemediationRule;
import io.workerhealth.api.v1alpha1.WorkerHealth;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicy;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicySpec;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicyStatus;
import io.workerhealth.api.v1alpha1.WorkerHealthStatus;
import io.workerhealth.api.v1alpha1.WorkerState;
import io.workerhealth.api.v1alpha1.WorkerStatus;
import io.workerhealth.operator.OperatorSettings;
import io.workerhealth.operator.WorkerHealthOperator;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The operator (java-operator-sdk, informers, status writes, evictions) against the mock API server in CRUD mode. */
@EnableKubernetesMockClient(crud = true)
class WorkerHealthPolicyReconcilerIT {

  static final String NS = "outpost";
  static final WorkerHealthPolicyReconciler.Timings FAST = new WorkerHealthPolicyReconciler.Timings(
      Duration.ofMillis(500), Duration.ofMillis(500), Duration.ofSeconds(2));

  KubernetesMockServer server;
  KubernetesClient client;
  WorkerHealthOperator operator;
  final List<String> requests = new CopyOnWriteArrayList<>();

  @AfterEach
  void stop() {
    if (operator != null) {
      operator.close();
    }
  }

  void startOperator() throws Exception {
    operator = startedOperator(client);
  }

  /** The operator on the system clock with {@link #FAST} timings, every namespace, no leader election. */
  static WorkerHealthOperator startedOperator(KubernetesClient client) throws Exception {
    return new WorkerHealthOperator(client, new OperatorSettings(0, List.of(), false, "l", null),
        Clock.systemUTC(), FAST).start();
  }

  /** A pod of a ReplicaSet with its WorkerHealth, the consumer failing for {@code failingFor} (null: healthy). */
  String pod(String name, Duration failingFor, Map<String, String> extraLabels) {
    Map<String, String> labels = new java.util.HashMap<>(Map.of("app", "outpost"));
    labels.putAll(extraLabels);
    WorkerHealth wh = PodFixtures.podWithHealth(client, NS, name, "outpost-" + name.charAt(name.length() - 1), labels);
    writeHealth(wh, failingFor);
    return PodFixtures.podUid(wh);
  }

  void writeHealth(WorkerHealth wh, Duration failingFor) {
    Instant now = Instant.now();
    WorkerHealthStatus s = new WorkerHealthStatus();
    boolean failed = failingFor != null;
    s.setPhase(failed ? HealthPhase.Failed : HealthPhase.Healthy);
    s.setLastScrapeTime(now.toString());
    s.setLastSuccessfulScrapeTime(now.toString());
    s.setWorkers(new ArrayList<>(List.of(
        new WorkerState("http-server", WorkerStatus.Healthy, "healthy", null, now.minusSeconds(3600).toString()),
        new WorkerState("deliverymq-consumer", failed ? WorkerStatus.Failed : WorkerStatus.Healthy,
            failed ? "failed" : "healthy", null, now.minus(failed ? failingFor : Duration.ofHours(1)).toString()))));
    wh.setStatus(s);
    client.resource(wh).updateStatus();
  }

  WorkerHealthPolicy policy(String name, java.util.function.Consumer<WorkerHealthPolicySpec> change) {
    WorkerHealthPolicySpec spec = new WorkerHealthPolicySpec();
    spec.setSelector(new LabelSelector(null, Map.of("app", "outpost")));
    RemediationRule rule = new RemediationRule();
    rule.setName("restart-consumer");
    rule.setWorkers(List.of("*-consumer"));
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
    return p.getStatus();
  }

  void evictionsAnswer(int code) {
    server.expect().post().withPath("/api/v1/namespaces/" + NS + "/pods/outpost-b/eviction")
        .andReply(code, r -> {
          requests.add(r.getMethod() + " " + r.getPath() + " " + r.getBody().readUtf8());
          return "{}";
        }).once();
  }

  List<String> evictions() throws InterruptedException {
    List<String> out = new ArrayList<>();
    RecordedRequest r;
    while ((r = server.takeRequest(1, TimeUnit.MILLISECONDS)) != null) {
      if (r.getPath().endsWith("/eviction")) {
        out.add(r.getPath());
      }
    }
    return out;
  }

  List<Event> events(String reason) {
    return client.v1().events().inNamespace(NS).list().getItems().stream()
        .filter(e -> reason.equals(e.getReason())).toList();
  }

  @Test
  void aFailingWorkerLeadsToEvictingThatPodAndNothingElse() throws Exception {
    pod("outpost-a", null, Map.of());
    String uid = pod("outpost-b", Duration.ofMinutes(2), Map.of());
    pod("outpost-c", null, Map.of());
    evictionsAnswer(201);
    policy("restart", s -> { });
    startOperator();

    await().atMost(20, TimeUnit.SECONDS).until(() -> status("restart") != null && !status("restart").getHistory()
        .isEmpty() && status("restart").getHistory().get(0).getOutcome() == RemediationOutcome.Succeeded);
    RemediationRecord r = status("restart").getHistory().get(0);
    assertThat(r.getPod()).isEqualTo("outpost-b");
    assertThat(r.getPodUID()).isEqualTo(uid);
    assertThat(r.getWorker()).isEqualTo("deliverymq-consumer");
    assertThat(r.getSlot()).isEqualTo("ReplicaSet/outpost-b");
    assertThat(requests).singleElement().satisfies(body -> assertThat(body).contains("\"uid\":\"" + uid + "\""));
    assertThat(evictions()).containsExactly("/api/v1/namespaces/" + NS + "/pods/outpost-b/eviction");
    assertThat(status("restart").getSelectedPods()).isEqualTo(3);
    assertThat(status("restart").getTotalRemediations()).isEqualTo(1);
    assertThat(events("Restarted")).extracting(e -> e.getInvolvedObject().getKind())
        .containsExactlyInAnyOrder("WorkerHealthPolicy", "Pod");
    assertThat(operator.metrics().registry().scrape())
        .contains("workerhealth_remediations_total{action=\"RestartPod\",namespace=\"outpost\",outcome=\"Succeeded\",policy=\"restart\"} 1.0")
        .contains("workerhealth_failure_to_action_seconds_count{action=\"RestartPod\",namespace=\"outpost\",policy=\"restart\"} 1")
        .contains("workerhealth_policy_pods{namespace=\"outpost\",policy=\"restart\",state=\"Healthy\"} 2.0")
        .doesNotContain("pod=\"");
    // the admin endpoints the chart's probes and ServiceMonitor use
    assertThat(get("/readyz")).isEqualTo("200 ok\n");
    assertThat(get("/healthz")).isEqualTo("200 ok\n");
    assertThat(get("/metrics")).startsWith("200 ").contains("workerhealth_remediations_total")
        .containsPattern("operator_sdk_\\w+");
  }

  String get(String path) throws Exception {
    var response = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
        java.net.URI.create("http://127.0.0.1:" + operator.adminPort() + path)).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString());
    return response.statusCode() + " " + response.body();
  }

  @Test
  void anEvictionAPodDisruptionBudgetRefusesIsRetriedLater() throws Exception {
    pod("outpost-a", null, Map.of());
    pod("outpost-b", Duration.ofMinutes(2), Map.of());
    pod("outpost-c", null, Map.of());
    evictionsAnswer(429);
    evictionsAnswer(201);
    policy("restart", s -> { });
    startOperator();

    await().atMost(20, TimeUnit.SECONDS).until(() -> status("restart") != null && status("restart").getHistory()
        .stream().anyMatch(r -> r.getOutcome() == RemediationOutcome.Succeeded));
    assertThat(status("restart").getHistory()).extracting(RemediationRecord::getOutcome)
        .containsExactly(RemediationOutcome.Succeeded, RemediationOutcome.Blocked);
    assertThat(events("EvictionBlocked")).isNotEmpty();
    assertThat(requests).hasSize(2);
  }

  @Test
  void anOutageSuppressesEveryRemediation() throws Exception {
    pod("outpost-a", Duration.ofMinutes(2), Map.of());
    pod("outpost-b", Duration.ofMinutes(2), Map.of());
    pod("outpost-c", Duration.ofMinutes(2), Map.of());
    pod("outpost-d", null, Map.of());
    policy("restart", s -> { });
    startOperator();

    await().atMost(20, TimeUnit.SECONDS).until(() -> status("restart") != null
        && Conditions.get(status("restart").getConditions(), "RemediationAllowed") != null);
    var allowed = Conditions.get(status("restart").getConditions(), "RemediationAllowed");
    assertThat(allowed.getStatus()).isEqualTo("False");
    assertThat(allowed.getReason()).isEqualTo("TooManyUnhealthy");
    assertThat(allowed.getMessage()).contains("3 of 4 selected pods are failing");
    assertThat(status("restart").getFailingPods()).isEqualTo(3);
    assertThat(status("restart").getHistory()).isEmpty();
    assertThat(evictions()).isEmpty();
    await().atMost(10, TimeUnit.SECONDS).until(() -> !events("RemediationSuppressed").isEmpty());
    assertThat(operator.metrics().registry().scrape()).contains(
        "workerhealth_remediations_suppressed_total{namespace=\"outpost\",policy=\"restart\",reason=\"TooManyUnhealthy\"} 3.0");
  }

  @Test
  void dryRunDecidesAndRecordsButActsOnNothing() throws Exception {
    pod("outpost-a", null, Map.of());
    pod("outpost-b", Duration.ofMinutes(2), Map.of());
    pod("outpost-c", null, Map.of());
    policy("restart", s -> s.setDryRun(true));
    startOperator();

    await().atMost(20, TimeUnit.SECONDS).until(() -> status("restart") != null && !status("restart").getHistory()
        .isEmpty());
    assertThat(status("restart").getHistory()).singleElement().satisfies(r -> {
      assertThat(r.getOutcome()).isEqualTo(RemediationOutcome.DryRun);
      assertThat(r.getPod()).isEqualTo("outpost-b");
    });
    // a few more reconciles: still one record, no eviction
    await().pollDelay(3, TimeUnit.SECONDS).atMost(5, TimeUnit.SECONDS).until(() -> true);
    assertThat(status("restart").getHistory()).hasSize(1);
    assertThat(evictions()).isEmpty();
    assertThat(events("DryRun")).hasSize(1);
  }

  @Test
  void anOperatorRestartedBetweenDecidingAndActingDoesNotActTwice() throws Exception {
    pod("outpost-a", null, Map.of());
    String uid = pod("outpost-b", Duration.ofMinutes(2), Map.of());
    pod("outpost-c", null, Map.of());
    evictionsAnswer(201);
    WorkerHealthPolicy p = policy("restart", s -> { });
    // what a previous operator run wrote before it died: the intent, not the outcome
    RemediationRecord intent = new RemediationRecord();
    intent.setPod("outpost-b");
    intent.setPodUID(uid);
    intent.setSlot("ReplicaSet/outpost-b");
    intent.setWorker("deliverymq-consumer");
    intent.setRule("restart-consumer");
    intent.setAction(RemediationAction.RestartPod);
    intent.setTime(Instant.now().minusSeconds(5).toString());
    intent.setFailingSince(Instant.now().minusSeconds(120).toString());
    intent.setOutcome(RemediationOutcome.Pending);
    WorkerHealthPolicyStatus s = new WorkerHealthPolicyStatus();
    s.setHistory(new ArrayList<>(List.of(intent)));
    WorkerHealthPolicyReconciler.writeStatus(client, p, s);
    startOperator();

    await().atMost(20, TimeUnit.SECONDS).until(() -> status("restart").getHistory().get(0).getOutcome()
        == RemediationOutcome.Succeeded);
    await().pollDelay(3, TimeUnit.SECONDS).atMost(5, TimeUnit.SECONDS).until(() -> true);
    assertThat(status("restart").getHistory()).as("the intent was finished, nothing new decided").hasSize(1);
    assertThat(evictions()).hasSize(1);
  }

  @Test
  void anInvalidPolicyIsReportedAndDoesNotAffectOthers() throws Exception {
    pod("outpost-a", null, Map.of());
    pod("outpost-b", Duration.ofMinutes(2), Map.of());
    pod("outpost-c", null, Map.of());
    evictionsAnswer(201);
    policy("broken", s -> {
      s.setCooldown("five minutes");
      s.setMaxUnhealthy(new IntOrString("150%"));
    });
    policy("restart", s -> { });
    startOperator();

    await().atMost(20, TimeUnit.SECONDS).until(() -> status("broken") != null
        && Conditions.get(status("broken").getConditions(), "Ready") != null);
    var ready = Conditions.get(status("broken").getConditions(), "Ready");
    assertThat(ready.getStatus()).isEqualTo("False");
    assertThat(ready.getReason()).isEqualTo("InvalidSpec");
    assertThat(ready.getMessage()).contains("spec.cooldown: 'five minutes' is not a duration")
        .contains("spec.maxUnhealthy");
    await().atMost(20, TimeUnit.SECONDS).until(() -> status("restart") != null && status("restart").getHistory()
        .stream().anyMatch(r -> r.getOutcome() == RemediationOutcome.Succeeded));
  }

  @Test
  void excludedPodsAreNeverTouched() throws Exception {
    pod("outpost-a", null, Map.of());
    pod("outpost-b", Duration.ofMinutes(2), Map.of("workerhealth.io/exclude", "true"));
    pod("outpost-c", null, Map.of());
    policy("restart", s -> { });
    startOperator();
    await().atMost(20, TimeUnit.SECONDS).until(() -> status("restart") != null && status("restart").getSelectedPods() != null);
    await().pollDelay(2, TimeUnit.SECONDS).atMost(4, TimeUnit.SECONDS).until(() -> true);
    assertThat(evictions()).isEmpty();
    assertThat(status("restart").getTotalSuppressed()).isEqualTo(1);
    assertThat(events("RemediationSkipped")).singleElement()
        .satisfies(e -> assertThat(e.getMessage()).contains("Excluded"));
  }

  @Test
  void withWatchNamespacesOnlyPoliciesInThoseNamespacesAreReconciled() throws Exception {
    pod("outpost-a", null, Map.of());
    policy("restart", s -> { });
    WorkerHealthPolicy elsewhere = new WorkerHealthPolicy();
    elsewhere.getMetadata().setName("restart");
    elsewhere.getMetadata().setNamespace("other");
    elsewhere.setSpec(client.resources(WorkerHealthPolicy.class).inNamespace(NS).withName("restart").get().getSpec());
    client.resource(elsewhere).create();
    operator = new WorkerHealthOperator(client, new OperatorSettings(0, List.of(NS), false, "l", null),
        Clock.systemUTC(), FAST).start();

    await().atMost(20, TimeUnit.SECONDS).until(() -> status("restart") != null
        && Integer.valueOf(1).equals(status("restart").getSelectedPods()));
    await().pollDelay(2, TimeUnit.SECONDS).atMost(4, TimeUnit.SECONDS).until(() -> true);
    WorkerHealthPolicyStatus untouched = client.resources(WorkerHealthPolicy.class).inNamespace("other")
        .withName("restart").get().getStatus();
    assertThat(untouched == null ? null : untouched.getSelectedPods()).isNull();
    assertThat(untouched == null ? List.of() : untouched.getConditions()).isEmpty();
  }
}
