package io.workerhealth.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.micrometer.core.instrument.Counter;
import io.workerhealth.api.v1alpha1.HealthPhase;
import io.workerhealth.api.v1alpha1.RemediationAction;
import io.workerhealth.api.v1alpha1.RemediationOutcome;
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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Work proportional to changes, counted on the mock API server in CRUD mode: every request it receives is recorded,
 * and the operator's (anything on policies, pods, events, evictions) are told apart from the sidecars' (WorkerHealth
 * status patches). A heartbeat must cost no request and no reconcile; a settled policy must not write its status; a
 * worker failure that leads to a restart costs two status writes; a burst of changes a few reconciles.
 */
@EnableKubernetesMockClient(crud = true)
class RequestsPerChangeIT {

  static final String NS = "outpost";
  /** No periodic look for a minute: what happens is what the changes cause. */
  static final WorkerHealthPolicyReconciler.Timings QUIET = new WorkerHealthPolicyReconciler.Timings(
      Duration.ofSeconds(30), Duration.ofMillis(500), Duration.ofSeconds(60));

  KubernetesMockServer server;
  KubernetesClient client;
  WorkerHealthOperator operator;

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

  WorkerHealth pod(String name) {
    return PodFixtures.podWithHealth(client, NS, name, "outpost-rs", Map.of("app", "outpost"));
  }

  /** A sidecar's status write: the consumer failing for {@code failingFor} (null: healthy), scraped then. */
  static WorkerHealthStatus status(Duration failingFor, Instant scraped, Instant healthySince) {
    return status(failingFor == null ? null : scraped.minus(failingFor), scraped, healthySince);
  }

  /** A sidecar's status write: the consumer failing since {@code failingSince} (null: healthy). */
  static WorkerHealthStatus status(Instant failingSince, Instant scraped, Instant healthySince) {
    WorkerHealthStatus s = new WorkerHealthStatus();
    boolean failed = failingSince != null;
    s.setPhase(failed ? HealthPhase.Failed : HealthPhase.Healthy);
    s.setLastScrapeTime(scraped.toString());
    s.setLastSuccessfulScrapeTime(scraped.toString());
    s.setWorkers(new ArrayList<>(List.of(
        new WorkerState("http-server", WorkerStatus.Healthy, "healthy", null, healthySince.toString()),
        new WorkerState("deliverymq-consumer", failed ? WorkerStatus.Failed : WorkerStatus.Healthy,
            failed ? "failed" : "healthy", null, failed ? failingSince.toString() : healthySince.toString()))));
    return s;
  }

  void write(WorkerHealth wh, WorkerHealthStatus status) {
    WorkerHealth target = new WorkerHealth();
    target.getMetadata().setName(wh.getMetadata().getName());
    target.getMetadata().setNamespace(NS);
    target.setStatus(status);
    StatusPatches.replaceStatus(client, target);
  }

  void policy(String name) {
    WorkerHealthPolicySpec spec = new WorkerHealthPolicySpec();
    spec.setSelector(new LabelSelector(null, Map.of("app", "outpost")));
    RemediationRule rule = new RemediationRule();
    rule.setName("restart-consumer");
    rule.setWorkers(List.of("*-consumer"));
    rule.setFor("30s");
    rule.setAction(RemediationAction.RestartPod);
    spec.setRules(new ArrayList<>(List.of(rule)));
    spec.setMaxUnhealthy(new io.fabric8.kubernetes.api.model.IntOrString("100%"));
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

  /** Every request recorded since the last call, as "METHOD path", watches left out. */
  List<String> requests() throws InterruptedException {
    List<String> out = new ArrayList<>();
    RecordedRequest r;
    while ((r = server.takeRequest(1, TimeUnit.MILLISECONDS)) != null) {
      if (!r.getPath().contains("watch=true")) {
        out.add(r.getMethod() + " " + r.getPath());
      }
    }
    return out;
  }

  /** The requests only the operator makes: anything on policies, pods (reads), evictions, events. */
  static List<String> operatorRequests(List<String> requests) {
    return requests.stream().filter(r -> r.contains("/workerhealthpolicies") || r.startsWith("GET /api/v1/")
        && r.contains("/pods") || r.contains("/eviction") || r.contains("/events")).toList();
  }

  static List<String> statusWrites(List<String> requests) {
    return requests.stream().filter(r -> r.startsWith("PATCH ") && r.contains("/workerhealthpolicies/")
        && r.contains("/status")).toList();
  }

  double counter(String name, String... tags) {
    return operator.metrics().registry().find(name).tags(tags).counters().stream().mapToDouble(Counter::count).sum();
  }

  double reconciles() {
    return counter("operator.sdk.reconciliations.started");
  }

  @Test
  void heartbeatsCostNoRequestAndNoReconcile() throws Exception {
    Instant since = Instant.now().minus(Duration.ofHours(1));
    Instant failingSince = Instant.now().minusSeconds(5);
    List<WorkerHealth> pods = new ArrayList<>();
    for (String name : List.of("outpost-a", "outpost-b", "outpost-c")) {
      WorkerHealth wh = pod(name);
      write(wh, status(name.endsWith("c") ? failingSince : (Instant) null, Instant.now(), since));
      pods.add(wh);
    }
    policy("restart");
    start(QUIET);
    await().atMost(60, TimeUnit.SECONDS).until(() -> status("restart") != null
        && Integer.valueOf(3).equals(status("restart").getSelectedPods()));
    // settled: the young failure is rechecked until 'for' (30s) is reached, without writing anything
    await().atMost(60, TimeUnit.SECONDS).until(() -> counter("workerhealth.status.writes", "result", "Unchanged") > 0);
    requests();
    double reconcilesBefore = reconciles();
    double ignoredBefore = counter("workerhealth.health.updates", "result", "ignored");
    long beatsStart = System.nanoTime();

    for (int beat = 0; beat < 10; beat++) {
      for (WorkerHealth wh : pods) {
        boolean failing = wh.getMetadata().getName().endsWith("c");
        // what a sidecar writes when nothing changed: the same workers, a new scrape time
        write(wh, status(failing ? failingSince : (Instant) null, Instant.now(), since));
      }
    }
    await().atMost(60, TimeUnit.SECONDS).until(() ->
        counter("workerhealth.health.updates", "result", "ignored") - ignoredBefore >= 30);

    List<String> seen = requests();
    assertThat(seen).as("the heartbeats themselves were recorded").hasSizeGreaterThanOrEqualTo(30);
    assertThat(operatorRequests(seen)).as("requests by the operator during 30 heartbeats").isEmpty();
    assertThat(counter("workerhealth.health.updates", "result", "reconciled")).as("heartbeats reconciling")
        .isEqualTo(0);
    // rechecks of the young failure run meanwhile (every 500 ms at most: the spacing); heartbeats add none
    double rechecks = Math.ceil((System.nanoTime() - beatsStart) / 500e6);
    assertThat(reconciles() - reconcilesBefore).as("reconciles during 30 heartbeats").isLessThanOrEqualTo(rechecks + 1);
  }

  @Test
  void aSettledPolicyWritesNoStatusHoweverOftenItIsReconciled() throws Exception {
    Instant since = Instant.now().minus(Duration.ofHours(1));
    for (String name : List.of("outpost-a", "outpost-b", "outpost-c")) {
      write(pod(name), status(name.endsWith("c") ? Duration.ofSeconds(2) : null, Instant.now(), since));
    }
    policy("restart");
    // looked at every second at the latest, every 500 ms while a failure is younger than 'for'
    start(new WorkerHealthPolicyReconciler.Timings(Duration.ofSeconds(1), Duration.ofMillis(500),
        Duration.ofSeconds(1)));
    await().atMost(60, TimeUnit.SECONDS).until(() -> status("restart") != null
        && Integer.valueOf(1).equals(status("restart").getFailingPods()));
    requests();
    double before = reconciles();

    await().atMost(60, TimeUnit.SECONDS).until(() -> reconciles() - before >= 6);

    List<String> seen = requests();
    assertThat(statusWrites(seen)).as("status writes of a settled policy over 6 reconciles").isEmpty();
    assertThat(operatorRequests(seen)).isEmpty();
    assertThat(status("restart").getConditions()).allSatisfy(c -> assertThat(c.getLastTransitionTime())
        .isNotNull());
  }

  @Test
  void aFailureThatLeadsToARestartCostsTwoStatusWritesAndABriefOneOnePerTransition() throws Exception {
    Instant since = Instant.now().minus(Duration.ofHours(1));
    WorkerHealth a = pod("outpost-a");
    WorkerHealth b = pod("outpost-b");
    WorkerHealth c = pod("outpost-c");
    for (WorkerHealth wh : List.of(a, b, c)) {
      write(wh, status((Instant) null, Instant.now(), since));
    }
    server.expect().post().withPath("/api/v1/namespaces/" + NS + "/pods/outpost-b/eviction").andReturn(201, "{}")
        .once();
    policy("restart");
    start(QUIET);
    await().atMost(60, TimeUnit.SECONDS).until(() -> status("restart") != null
        && Integer.valueOf(3).equals(status("restart").getHealthyPods()));
    requests();

    // a brief failure, over before the rule's 'for': two transitions
    write(a, status(Duration.ZERO, Instant.now(), since));
    await().atMost(60, TimeUnit.SECONDS).until(() -> Integer.valueOf(1).equals(status("restart").getFailingPods()));
    write(a, status((Instant) null, Instant.now(), Instant.now()));
    await().atMost(60, TimeUnit.SECONDS).until(() -> Integer.valueOf(0).equals(status("restart").getFailingPods()));
    assertThat(statusWrites(requests())).as("status writes for a failure and its recovery").hasSize(2);

    // a failure past 'for': the intent, the eviction, the outcome
    write(b, status(Duration.ofMinutes(2), Instant.now(), since));
    // the outcome is the second write: once it shows, both are made
    await().atMost(60, TimeUnit.SECONDS).until(() -> status("restart").getHistory().stream()
        .anyMatch(r -> r.getOutcome() == RemediationOutcome.Succeeded));
    List<String> seen = requests();
    assertThat(statusWrites(seen)).as("status writes for a restart").hasSize(2);
    assertThat(seen).filteredOn(r -> r.contains("/eviction")).hasSize(1);
    assertThat(counter("workerhealth.status.writes", "result", "Conflict")).isZero();
  }

  @Test
  void aBurstOfChangesInOnePolicyIsHandledByAFewReconciles() throws Exception {
    Instant since = Instant.now().minus(Duration.ofHours(1));
    List<WorkerHealth> pods = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      WorkerHealth wh = pod("outpost-" + i);
      write(wh, status((Instant) null, Instant.now(), since));
      pods.add(wh);
    }
    policy("restart");
    start(QUIET);
    await().atMost(60, TimeUnit.SECONDS).until(() -> status("restart") != null
        && Integer.valueOf(300).equals(status("restart").getHealthyPods()));
    await().atMost(60, TimeUnit.SECONDS).until(() -> reconciles() > 0);
    double before = reconciles();

    // a shared dependency fails: every pod reports its consumer failed, from several sidecars at once
    ExecutorService sidecars = Executors.newFixedThreadPool(8);
    Instant failed = Instant.now();
    long burstStart = System.nanoTime();
    try {
      for (WorkerHealth wh : pods) {
        sidecars.submit(() -> write(wh, status(Duration.ZERO, failed, since)));
      }
    } finally {
      sidecars.shutdown();
      assertThat(sidecars.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
    }
    await().atMost(60, TimeUnit.SECONDS).until(() -> Integer.valueOf(300).equals(status("restart").getFailingPods()));
    // until the informer has delivered every change: the last reconcile started and no other follows for a spacing
    AtomicReference<Double> last = new AtomicReference<>(-1.0);
    await().during(Duration.ofSeconds(1)).atMost(60, TimeUnit.SECONDS)
        .until(() -> last.getAndSet(reconciles()).equals(last.get()));
    Duration handled = Duration.ofNanos(System.nanoTime() - burstStart).minusSeconds(1);

    double reconciled = reconciles() - before;
    // at most one start per spacing (500 ms) from the burst's first write until it was all handled, and the last;
    // unspaced it was 16 for a burst written in 2.5 s
    double spaced = Math.ceil(handled.toMillis() / 500.0);
    assertThat(reconciled).as("reconciles for 300 changes written and handled in %d ms", handled.toMillis())
        .isBetween(1.0, spaced + 1);
    assertThat(counter("workerhealth.health.updates", "result", "reconciled")).isGreaterThanOrEqualTo(300);
  }
}
