package io.workerhealth.sidecar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.workerhealth.api.v1alpha1.HealthPhase;
import io.workerhealth.api.v1alpha1.WorkerHealth;
import io.workerhealth.api.v1alpha1.WorkerStatus;
import io.workerhealth.sidecar.config.SidecarConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole sidecar loop: a loopback app, the mock API server, metrics and liveness over HTTP. */
@EnableKubernetesMockClient(crud = true)
class SidecarRunIT {

  static final String HEALTHY = "{\"status\":\"healthy\",\"workers\":{\"http-server\":{\"status\":\"healthy\"},"
      + "\"deliverymq-consumer\":{\"status\":\"healthy\"}}}";
  static final String FAILED = "{\"status\":\"failed\",\"workers\":{\"http-server\":{\"status\":\"healthy\"},"
      + "\"deliverymq-consumer\":{\"status\":\"failed\"}}}";

  KubernetesMockServer server;
  KubernetesClient client;
  TestHealthEndpoint app;
  SidecarRunner runner;
  @TempDir
  Path dir;

  @BeforeEach
  void start() throws Exception {
    app = new TestHealthEndpoint().answer(200, "application/json", HEALTHY);
    client.pods().inNamespace("shop").resource(new PodBuilder().withNewMetadata().withName("outpost-0")
        .withNamespace("shop").endMetadata().build()).create();
    Path labels = Files.writeString(dir.resolve("labels"), "app=\"outpost\"\nservice=\"delivery\"\n");
    SidecarConfig config = SidecarConfig.fromEnv(Map.of("WH_TARGET_URL", app.url("/healthz"), "WH_INTERVAL", "250ms",
        "WH_TIMEOUT", "250ms", "WH_HEARTBEAT", "1h", "WH_METRICS_PORT", "0", "POD_NAME", "outpost-0",
        "POD_NAMESPACE", "shop", "WH_LABELS_FILE", labels.toString()));
    runner = new SidecarRunner(config, client, Clock.systemUTC()).start();
  }

  @AfterEach
  void stop() {
    runner.close();
    app.close();
  }

  WorkerHealth stored() {
    return client.resources(WorkerHealth.class).inNamespace("shop").withName("outpost-0").get();
  }

  @Test
  void aWorkerFailureShowsUpInTheWorkerHealthAndTheMetrics() throws Exception {
    await().atMost(10, TimeUnit.SECONDS).until(() -> stored() != null && stored().getStatus() != null
        && stored().getStatus().getPhase() == HealthPhase.Healthy);
    assertThat(stored().getMetadata().getLabels()).containsEntry("app", "outpost").containsEntry("service", "delivery");
    assertThat(stored().getSpec().getTargetURL()).isEqualTo(app.url("/healthz"));

    app.answer(503, "application/json", FAILED);
    await().atMost(10, TimeUnit.SECONDS).until(() -> stored().getStatus().getPhase() == HealthPhase.Failed);
    assertThat(stored().getStatus().worker("deliverymq-consumer").orElseThrow().getStatus())
        .isEqualTo(WorkerStatus.Failed);
    assertThat(stored().getStatus().getReady()).isEqualTo("1/2");
    assertThat(stored().getStatus().getFailing()).isEqualTo("deliverymq-consumer");

    String metrics = get("/metrics");
    assertThat(metrics)
        .contains("workerhealth_sidecar_worker_status{status=\"Failed\",worker=\"deliverymq-consumer\"} 1.0")
        .contains("workerhealth_sidecar_scrape_duration_seconds_bucket")
        .contains("workerhealth_sidecar_report_writes_total{result=\"success\"}")
        .contains("workerhealth_sidecar_last_successful_scrape_timestamp_seconds");
    assertThat(get("/healthz")).isEqualTo("ok\n");
  }

  @Test
  void nothingChangingMeansNoWritesUntilTheHeartbeat() throws Exception {
    await().atMost(10, TimeUnit.SECONDS).until(() -> stored() != null && stored().getStatus() != null);
    while (server.takeRequest(10, TimeUnit.MILLISECONDS) != null) {
      // drain what start-up sent
    }
    // ~14 scrapes of an unchanged app (the timeout leaves room for a busy machine: a timed-out scrape is a change)
    await().pollDelay(3500, TimeUnit.MILLISECONDS).atMost(5, TimeUnit.SECONDS).until(() -> true);
    int writes = 0;
    int reads = 0;
    RecordedRequest r;
    while ((r = server.takeRequest(10, TimeUnit.MILLISECONDS)) != null) {
      if (!r.getMethod().equals("GET")) {
        writes++;
      } else {
        reads++;
      }
    }
    assertThat(writes).isZero();
    assertThat(reads).as("no reads either: the API server sees nothing while nothing changes").isZero();
    assertThat(runner.metrics().registry().get("workerhealth.sidecar.scrape.duration").timer().count())
        .isGreaterThan(10);
  }

  @Test
  void aChangeCostsExactlyOneApiRequest() throws Exception {
    await().atMost(10, TimeUnit.SECONDS).until(() -> stored() != null && stored().getStatus() != null);
    while (server.takeRequest(10, TimeUnit.MILLISECONDS) != null) {
      // drain what start-up sent
    }
    app.answer(503, "application/json", FAILED);
    await().atMost(10, TimeUnit.SECONDS).until(() -> runner.metrics().registry()
        .get("workerhealth.sidecar.report.writes").tag("result", "success").counter().count() >= 2);
    java.util.List<String> requests = new java.util.ArrayList<>();
    RecordedRequest r;
    while ((r = server.takeRequest(10, TimeUnit.MILLISECONDS)) != null) {
      requests.add(r.getMethod() + " " + r.getPath());
    }
    assertThat(requests).containsExactly(
        "PATCH /apis/workerhealth.io/v1alpha1/namespaces/shop/workerhealths/outpost-0/status");
  }

  @Test
  void anUnreachableAppIsReportedAsSuch() {
    await().atMost(10, TimeUnit.SECONDS).until(() -> stored() != null && stored().getStatus() != null);
    app.hang();
    await().atMost(10, TimeUnit.SECONDS).until(() -> stored().getStatus().getPhase() == HealthPhase.Unreachable);
    assertThat(stored().getStatus().getScrapeError().getReason().name()).isEqualTo("Timeout");
    assertThat(stored().getStatus().getWorkers()).allSatisfy(w -> assertThat(w.getStatus()).isEqualTo(WorkerStatus.Unknown));
  }

  String get(String path) throws Exception {
    HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + runner.adminPort() + path)).build(), HttpResponse.BodyHandlers.ofString());
    return r.body();
  }

  @Test
  void aSidecarWithoutItsPodsLabelsWarnsAtStartUp() throws Exception {
    ch.qos.logback.classic.Logger log = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory
        .getLogger(SidecarRunner.class);
    ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> seen =
        new ch.qos.logback.core.read.ListAppender<>();
    seen.start();
    log.addAppender(seen);
    client.pods().inNamespace("shop").resource(new PodBuilder().withNewMetadata().withName("outpost-1")
        .withNamespace("shop").endMetadata().build()).create();
    SidecarConfig config = SidecarConfig.fromEnv(Map.of("WH_TARGET_URL", app.url("/healthz"), "WH_INTERVAL", "250ms",
        "WH_TIMEOUT", "250ms", "WH_HEARTBEAT", "1h", "WH_METRICS_PORT", "0", "POD_NAME", "outpost-1",
        "POD_NAMESPACE", "shop", "WH_LABELS_FILE", dir.resolve("no-such-labels").toString()));
    try (SidecarRunner unlabelled = new SidecarRunner(config, client, Clock.systemUTC()).start()) {
      assertThat(seen.list).anySatisfy(e -> {
        assertThat(e.getLevel()).isEqualTo(ch.qos.logback.classic.Level.WARN);
        assertThat(e.getFormattedMessage()).contains("no-such-labels does not exist")
            .contains("no WorkerHealthPolicy will select this pod");
      });
    } finally {
      log.detachAppender(seen);
    }
  }
}
