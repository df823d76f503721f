package io.workerhealth.sidecar.agent;

import static io.workerhealth.sidecar.agent.AgentPods.pod;
import static io.workerhealth.sidecar.agent.AgentPods.scraped;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.workerhealth.api.v1alpha1.HealthPhase;
import io.workerhealth.api.v1alpha1.Reporter;
import io.workerhealth.api.v1alpha1.ScrapeErrorReason;
import io.workerhealth.api.v1alpha1.WorkerHealth;
import io.workerhealth.sidecar.TestHealthEndpoint;
import io.workerhealth.sidecar.report.ReportingClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The agent against the fabric8 mock API server in CRUD mode and apps on loopback, its pods told by the test as the
 * informer would tell them: what it reports, what it writes and when, how it shares its threads.
 */
@EnableKubernetesMockClient(crud = true)
class NodeAgentIT {

  static final String HEALTHY = "{\"status\":\"healthy\",\"workers\":{\"http-server\":{\"status\":\"healthy\"},"
      + "\"deliverymq-consumer\":{\"status\":\"healthy\"}}}";
  static final String FAILED = "{\"status\":\"failed\",\"workers\":{\"http-server\":{\"status\":\"healthy\"},"
      + "\"deliverymq-consumer\":{\"status\":\"failed\"}}}";
  static final String LEASES = "/apis/coordination.k8s.io/v1/namespaces/worker-health/leases";

  KubernetesMockServer server;
  KubernetesClient client;
  ReportingClient api;
  FedNodePods nodePods = new FedNodePods();
  NodeAgent agent;
  List<TestHealthEndpoint> apps = new ArrayList<>();

  @BeforeEach
  void setUp() {
    Config config = new ConfigBuilder(Config.empty()).withMasterUrl(client.getConfiguration().getMasterUrl())
        .withTrustCerts(true).build();
    api = ReportingClient.build(config, Clock.systemUTC());
  }

  @AfterEach
  void tearDown() {
    if (agent != null) {
      agent.close();
    }
    apps.forEach(TestHealthEndpoint::close);
    api.client().close();
  }

  NodeAgent start(String... env) throws Exception {
    Map<String, String> settings = new HashMap<>(Map.of("NODE_NAME", "node-a", "POD_NAME", "agent-x",
        "POD_NAMESPACE", "worker-health", "WH_METRICS_PORT", "0", "WH_INTERVAL", "200ms", "WH_TIMEOUT", "200ms",
        "WH_LEASE_DURATION", "4s", "WH_LEASE_RENEW_INTERVAL", "1s"));
    for (int i = 0; i < env.length; i += 2) {
      settings.put(env[i], env[i + 1]);
    }
    agent = new NodeAgent(AgentConfig.fromEnv(settings), api, nodePods, Clock.systemUTC(), new Random(7)).start();
    return agent;
  }

  TestHealthEndpoint app(String body) throws Exception {
    TestHealthEndpoint app = new TestHealthEndpoint().answer(200, "application/json", body);
    apps.add(app);
    return app;
  }

  /** The pod as the API server holds it, and as the informer would tell it. */
  Pod add(Pod pod) {
    Pod created = client.pods().inNamespace(pod.getMetadata().getNamespace()).resource(pod).create();
    nodePods.changed(created);
    return created;
  }

  WorkerHealth wh(String name) {
    return client.resources(WorkerHealth.class).inNamespace("shop").withName(name).get();
  }

  HealthPhase phase(String name) {
    WorkerHealth wh = wh(name);
    return wh == null || wh.getStatus() == null ? null : wh.getStatus().getPhase();
  }

  List<RecordedRequest> drain() throws InterruptedException {
    List<RecordedRequest> requests = new ArrayList<>();
    RecordedRequest r;
    while ((r = server.takeRequest(10, TimeUnit.MILLISECONDS)) != null) {
      requests.add(r);
    }
    return requests;
  }

  String get(String path) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + agent.adminPort()
        + path)).build(), HttpResponse.BodyHandlers.ofString()).body();
  }

  static void waitFor(Duration d) {
    await().pollDelay(d.toMillis(), TimeUnit.MILLISECONDS).atMost(d.plusSeconds(5)).until(() -> true);
  }

  @Test
  void onlyTheAnnotatedPodsOfItsNodeAreReportedAsTheSidecarWouldReportThem() throws Exception {
    TestHealthEndpoint app = app(FAILED);
    start();
    Pod outpost = add(scraped("outpost-1", app.port()));
    add(pod("shop", "elsewhere-1", "node-b", "127.0.0.1", "scrape", "true", "port", "" + app.port()));
    add(pod("shop", "plain-1", "node-a", "127.0.0.1", "port", "" + app.port()));
    add(new PodBuilder(scraped("injected-1", app.port())).editSpec().addNewContainer()
        .withName("worker-health-sidecar").withImage("sidecar:1").endContainer().endSpec().build());

    await().atMost(10, TimeUnit.SECONDS).until(() -> phase("outpost-1") == HealthPhase.Failed);
    WorkerHealth wh = wh("outpost-1");
    assertThat(wh.getSpec().getReporter()).isEqualTo(Reporter.agent("node-a"));
    assertThat(wh.getSpec().getTargetURL()).isEqualTo("http://127.0.0.1:" + app.port() + "/healthz");
    assertThat(wh.getSpec().getIntervalSeconds()).isEqualTo(1);
    assertThat(wh.getMetadata().getLabels()).isEqualTo(outpost.getMetadata().getLabels());
    assertThat(wh.getMetadata().getOwnerReferences()).singleElement().satisfies(o -> {
      assertThat(o.getKind()).isEqualTo("Pod");
      assertThat(o.getUid()).isEqualTo(outpost.getMetadata().getUid());
    });
    assertThat(wh.getStatus().getReady()).isEqualTo("1/2");
    assertThat(wh.getStatus().getFailing()).isEqualTo("deliverymq-consumer");
    assertThat(wh.getStatus().worker("deliverymq-consumer").orElseThrow().getLastTransitionTime()).isNotNull();
    waitFor(Duration.ofMillis(600));
    assertThat(wh("elsewhere-1")).as("another node's pod").isNull();
    assertThat(wh("plain-1")).as("a pod that does not ask").isNull();
    assertThat(wh("injected-1")).as("a pod with its own sidecar").isNull();
    assertThat(agent.pods()).containsExactly("shop/outpost-1");

    String metrics = get("/metrics");
    assertThat(metrics)
        .contains("workerhealth_agent_worker_status{namespace=\"shop\",pod=\"outpost-1\",status=\"Failed\","
            + "worker=\"deliverymq-consumer\"} 1")
        .contains("workerhealth_agent_pods{state=\"Scraping\"} 1")
        .contains("workerhealth_agent_scrape_duration_seconds_bucket")
        .contains("workerhealth_agent_report_writes_total{result=\"success\"}")
        .contains("workerhealth_agent_last_successful_scrape_timestamp_seconds{namespace=\"shop\",pod=\"outpost-1\"}");
    assertThat(get("/healthz")).isEqualTo("ok\n");
  }

  @Test
  void statusIsWrittenOnChangeOnlyAndTheNodesLeaseIsTheOnlySteadyWrite() throws Exception {
    TestHealthEndpoint[] endpoints = {app(HEALTHY), app(HEALTHY), app(HEALTHY)};
    // a timeout a loaded machine does not reach: a scrape timing out is a change, and rightly written
    start("WH_INTERVAL", "500ms", "WH_TIMEOUT", "500ms");
    for (int i = 0; i < endpoints.length; i++) {
      add(scraped("outpost-" + i, endpoints[i].port()));
    }
    await().atMost(10, TimeUnit.SECONDS).until(() -> phase("outpost-0") == HealthPhase.Healthy
        && phase("outpost-1") == HealthPhase.Healthy && phase("outpost-2") == HealthPhase.Healthy);
    await().atMost(10, TimeUnit.SECONDS).until(() -> client.leases().inNamespace("worker-health")
        .withName("workerhealth-agent-node-a").get() != null);
    drain();
    int before = endpoints[0].requests();
    waitFor(Duration.ofMillis(3500));
    List<String> writes = drain().stream().map(r -> r.getMethod() + " " + r.getPath()).toList();
    assertThat(endpoints[0].requests() - before).as("scrapes in the window").isGreaterThanOrEqualTo(4);
    assertThat(writes).as("three pods, 3.5 s: the Lease is renewed every second, nothing else is asked or written")
        .isNotEmpty().allMatch(w -> w.equals("PUT " + LEASES + "/workerhealth-agent-node-a"));
    assertThat(writes.size()).isBetween(2, 5);

    endpoints[1].answer(503, "application/json", FAILED);
    await().atMost(10, TimeUnit.SECONDS).until(() -> phase("outpost-1") == HealthPhase.Failed);
    waitFor(Duration.ofMillis(500));
    assertThat(drain().stream().filter(r -> r.getPath().contains("workerhealths") && !r.getMethod().equals("GET"))
        .map(r -> r.getMethod() + " " + r.getPath()).toList()).as("a change costs one request (the GETs are this test's)")
        .containsExactly("PATCH /apis/workerhealth.io/v1alpha1/namespaces/shop/workerhealths/outpost-1/status");
    Lease lease = client.leases().inNamespace("worker-health").withName("workerhealth-agent-node-a").get();
    assertThat(lease.getSpec().getHolderIdentity()).isEqualTo("agent-x");
    assertThat(lease.getSpec().getLeaseDurationSeconds()).isEqualTo(4);
    assertThat(lease.getMetadata().getLabels()).containsEntry("workerhealth.io/agent-lease", "true");
  }

  @Test
  void aSlowPodHoldsOneThreadAtMostAndTheOthersKeepTheirPace() throws Exception {
    TestHealthEndpoint slow = app(HEALTHY).hang();
    TestHealthEndpoint[] quick = {app(HEALTHY), app(HEALTHY), app(HEALTHY)};
    start("WH_SCRAPE_THREADS", "2");
    add(scraped("slow-1", slow.port(), "interval", "1s", "timeout", "1s"));
    for (int i = 0; i < quick.length; i++) {
      add(scraped("quick-" + i, quick[i].port()));
    }
    await().atMost(10, TimeUnit.SECONDS).until(() -> phase("slow-1") == HealthPhase.Unreachable);
    assertThat(wh("slow-1").getStatus().getScrapeError().getReason()).isEqualTo(ScrapeErrorReason.Timeout);
    int[] before = new int[quick.length];
    for (int i = 0; i < quick.length; i++) {
      before[i] = quick[i].requests();
    }
    waitFor(Duration.ofSeconds(3));
    for (int i = 0; i < quick.length; i++) {
      // every 200 ms: 15 in 3 s; the one thread the slow pod does not hold serves all three
      assertThat(quick[i].requests() - before[i]).as("scrapes of quick-%d in 3 s", i).isGreaterThanOrEqualTo(10);
    }
    quick[2].answer(503, "application/json", FAILED);
    await().atMost(3, TimeUnit.SECONDS).until(() -> phase("quick-2") == HealthPhase.Failed);
    assertThat(get("/metrics")).containsPattern("workerhealth_agent_scrapes_skipped_total \\d");
  }

  @Test
  void podsComeAndGoAndTheirLabelsFollow() throws Exception {
    TestHealthEndpoint app = app(HEALTHY);
    start();
    Pod pod = add(scraped("outpost-1", app.port()));
    await().atMost(10, TimeUnit.SECONDS).until(() -> phase("outpost-1") == HealthPhase.Healthy);

    Pod relabelled = new PodBuilder(pod).editMetadata().addToLabels("track", "canary").removeFromLabels("app")
        .endMetadata().build();
    nodePods.changed(relabelled);
    await().atMost(10, TimeUnit.SECONDS).until(() -> wh("outpost-1").getMetadata().getLabels()
        .equals(Map.of("track", "canary")));

    nodePods.gone(relabelled);
    assertThat(agent.pods()).isEmpty();
    waitFor(Duration.ofMillis(400)); // a scrape in flight when it went may still land
    int after = app.requests();
    waitFor(Duration.ofSeconds(1));
    assertThat(app.requests()).as("no scrape once the pod is gone").isEqualTo(after);
    assertThat(get("/metrics")).doesNotContain("pod=\"outpost-1\"").contains("workerhealth_agent_pods{state=\"Scraping\"} 0");

    Pod next = add(scraped("outpost-2", app.port()));
    await().atMost(10, TimeUnit.SECONDS).until(() -> phase("outpost-2") == HealthPhase.Healthy);
    assertThat(agent.pods()).containsExactly("shop/outpost-2");
    nodePods.changed(new PodBuilder(next).editStatus().withPhase("Succeeded").endStatus().build());
    assertThat(agent.pods()).as("a finished pod is not scraped").isEmpty();
  }

  @Test
  void settingsTheAgentCannotUseAreReportedNotScraped() throws Exception {
    TestHealthEndpoint app = app(HEALTHY);
    start();
    Pod pod = add(scraped("outpost-1", app.port(), "interval", "soon", "intervall", "5s"));
    await().atMost(10, TimeUnit.SECONDS).until(() -> phase("outpost-1") == HealthPhase.Unknown);
    WorkerHealth wh = wh("outpost-1");
    assertThat(wh.getStatus().getScrapeError().getReason()).isEqualTo(ScrapeErrorReason.InvalidConfiguration);
    assertThat(wh.getStatus().getScrapeError().getMessage())
        .contains("workerhealth.io/interval=soon: 'soon' is not a duration")
        .contains("unknown annotation workerhealth.io/intervall");
    assertThat(app.requests()).isZero();
    assertThat(get("/metrics")).contains("workerhealth_agent_pods{state=\"Invalid\"} 1");

    Map<String, String> fixed = new HashMap<>(pod.getMetadata().getAnnotations());
    fixed.remove("workerhealth.io/intervall");
    fixed.put("workerhealth.io/interval", "300ms");
    nodePods.changed(new PodBuilder(pod).editMetadata().withAnnotations(fixed).endMetadata().build());
    await().atMost(10, TimeUnit.SECONDS).until(() -> phase("outpost-1") == HealthPhase.Healthy);
    assertThat(wh("outpost-1").getStatus().getScrapeError()).isNull();
  }

  @Test
  void theLeaseIsWithheldWhileAStateWaitsToBeWrittenAndRenewedOnceItIs() throws Exception {
    TestHealthEndpoint app = app(HEALTHY);
    start();
    add(scraped("outpost-1", app.port()));
    await().atMost(10, TimeUnit.SECONDS).until(() -> phase("outpost-1") == HealthPhase.Healthy);
    await().atMost(10, TimeUnit.SECONDS).until(() -> get("/metrics")
        .contains("workerhealth_agent_lease_renewals_total{result=\"success\"} 2"));

    server.expect().patch().withPath("/apis/workerhealth.io/v1alpha1/namespaces/shop/workerhealths/outpost-1/status")
        .andReturn(500, "{}").times(3);
    app.answer(503, "application/json", FAILED);
    await().atMost(15, TimeUnit.SECONDS).until(() -> get("/metrics").contains(
        "workerhealth_agent_lease_renewals_total{result=\"withheld\"} 1"));
    // the API server takes writes again: the state lands, and the Lease is renewed again
    await().atMost(30, TimeUnit.SECONDS).until(() -> phase("outpost-1") == HealthPhase.Failed);
    String renewedBefore = renewals();
    await().atMost(10, TimeUnit.SECONDS).until(() -> !renewals().equals(renewedBefore));
  }

  String renewals() throws Exception {
    return get("/metrics").lines().filter(l -> l.startsWith("workerhealth_agent_lease_renewals_total{result=\"success\"}"))
        .findFirst().orElse("");
  }

  @Test
  void credentialsComeFromTheSecretThePodNames() throws Exception {
    TestHealthEndpoint app = app(HEALTHY);
    client.secrets().inNamespace("shop").resource(new SecretBuilder().withNewMetadata().withName("health-auth")
        .endMetadata().addToData("username", b64("reader")).addToData("password", b64("s3cret")).build()).create();
    start();
    add(scraped("outpost-1", app.port(), "auth-secret", "health-auth"));
    await().atMost(10, TimeUnit.SECONDS).until(() -> phase("outpost-1") == HealthPhase.Healthy);
    assertThat(app.lastAuthorization()).isEqualTo(okhttp3.Credentials.basic("reader", "s3cret"));
    assertThat(wh("outpost-1").getSpec().getTargetURL()).doesNotContain("s3cret");

    add(scraped("outpost-2", app.port(), "auth-secret", "missing"));
    await().atMost(10, TimeUnit.SECONDS).until(() -> phase("outpost-2") == HealthPhase.Unknown);
    assertThat(wh("outpost-2").getStatus().getScrapeError().getMessage()).contains("Secret shop/missing not found");
  }

  static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void threadsDoNotGrowWithPods() throws Exception {
    TestHealthEndpoint app = app(HEALTHY);
    start("WH_INTERVAL", "1s", "WH_TIMEOUT", "1s");
    add(scraped("outpost-0", app.port()));
    await().atMost(10, TimeUnit.SECONDS).until(() -> phase("outpost-0") == HealthPhase.Healthy);
    long agentThreads = agentThreads();
    for (int i = 1; i < 150; i++) {
      add(scraped("outpost-" + i, app.port()));
    }
    await().atMost(60, TimeUnit.SECONDS).until(() -> client.resources(WorkerHealth.class).inNamespace("shop").list()
        .getItems().stream().filter(w -> w.getStatus() != null && w.getStatus().getPhase() == HealthPhase.Healthy)
        .count() == 150);
    // a timer, the scrape threads (4 by default) and the writer threads (2): whatever the number of pods
    assertThat(agentThreads()).isLessThanOrEqualTo(7).isLessThanOrEqualTo(agentThreads + 6);
  }

  static long agentThreads() {
    return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("worker-health-agent"))
        .count();
  }
}
