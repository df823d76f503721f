package io.workerhealth.sidecar.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.workerhealth.api.v1alpha1.HealthPhase;
import io.workerhealth.api.v1alpha1.ScrapeError;
import io.workerhealth.api.v1alpha1.ScrapeErrorReason;
import io.workerhealth.api.v1alpha1.WorkerHealth;
import io.workerhealth.api.v1alpha1.WorkerHealthSpec;
import io.workerhealth.api.v1alpha1.WorkerHealthStatus;
import io.workerhealth.api.v1alpha1.WorkerState;
import io.workerhealth.api.v1alpha1.WorkerStatus;
import io.workerhealth.sidecar.metrics.SidecarMetrics;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Reporting against the fabric8 mock API server in CRUD mode, with injected API errors, through a client built as
 * {@code run} builds it (no retries of its own).
 */
@EnableKubernetesMockClient(crud = true)
class LatestStatusPublisherIT {

  static final String NS = "shop";
  static final String POD = "checkout-7d9f8c-abcde";
  static final String PATH = "/apis/workerhealth.io/v1alpha1/namespaces/" + NS + "/workerhealths/" + POD;

  KubernetesMockServer server;
  KubernetesClient client;
  SidecarMetrics metrics = new SidecarMetrics();
  Map<String, String> labels = Map.of("app", "checkout");
  LatestStatusPublisher publisher;
  WorkerHealthReporter reporter;
  ReportingClient api;
  static Instant scrapedAt = Instant.parse("2026-01-01T00:00:00Z");

  @BeforeEach
  void setUp() {
    client.pods().inNamespace(NS).resource(new PodBuilder().withNewMetadata().withName(POD).withNamespace(NS)
        .endMetadata().build()).create();
    WorkerHealthSpec spec = new WorkerHealthSpec();
    spec.setPodName(POD);
    Config config = new ConfigBuilder(Config.empty()).withMasterUrl(client.getConfiguration().getMasterUrl())
        .withTrustCerts(true).withNamespace(NS).build();
    api = ReportingClient.build(config, Clock.systemUTC());
    reporter = new WorkerHealthReporter(api.client(), NS, POD, null, spec);
    publisher = new LatestStatusPublisher(reporter, () -> labels, metrics,
        new Backoff(Duration.ofMillis(5), Duration.ofMillis(50), new Random(1)), api.retryAfter(), Clock.systemUTC())
        .start();
  }

  @AfterEach
  void tearDown() {
    publisher.close(Duration.ofSeconds(2));
    api.client().close();
  }

  /** A status scraped a second after the previous one. */
  static WorkerHealthStatus status(HealthPhase phase, WorkerStatus worker) {
    WorkerHealthStatus s = new WorkerHealthStatus();
    scrapedAt = scrapedAt.plusSeconds(1);
    s.setLastScrapeTime(scrapedAt.toString());
    s.setPhase(phase);
    s.setWorkers(new ArrayList<>(List.of(new WorkerState("consumer", worker, worker.name(), null,
        "2026-01-01T00:00:00Z"))));
    s.setReady(worker == WorkerStatus.Healthy ? "1/1" : "0/1");
    return s;
  }

  WorkerHealth stored() {
    return client.resources(WorkerHealth.class).inNamespace(NS).withName(POD).get();
  }

  /** Whether a status has been written (an absent status reads as an empty one). */
  boolean written() {
    WorkerHealth wh = stored();
    return wh != null && wh.getStatus() != null && wh.getStatus().getLastScrapeTime() != null;
  }

  @Test
  void createsTheResourceOwnedByThePodWithItsLabelsThenWritesStatus() {
    publisher.offer(status(HealthPhase.Failed, WorkerStatus.Failed));
    await().atMost(10, TimeUnit.SECONDS).until(() -> written() && stored().getStatus().getPhase() == HealthPhase.Failed);
    WorkerHealth wh = stored();
    assertThat(wh.getMetadata().getLabels()).containsEntry("app", "checkout");
    assertThat(wh.getMetadata().getOwnerReferences()).singleElement().satisfies(o -> {
      assertThat(o.getKind()).isEqualTo("Pod");
      assertThat(o.getName()).isEqualTo(POD);
      assertThat(o.getUid()).as("looked up from the pod when POD_UID is not set")
          .isEqualTo(client.pods().inNamespace(NS).withName(POD).get().getMetadata().getUid());
    });
    assertThat(wh.getSpec().getPodName()).isEqualTo(POD);
    assertThat(wh.getStatus().getWorkers()).extracting(WorkerState::getStatus).containsExactly(WorkerStatus.Failed);
  }

  @Test
  void aClearedErrorDisappearsFromTheStoredStatus() {
    WorkerHealthStatus failing = status(HealthPhase.Unreachable, WorkerStatus.Unknown);
    failing.setScrapeError(new ScrapeError(ScrapeErrorReason.Timeout, "slow"));
    failing.setConsecutiveFailures(3);
    publisher.offer(failing);
    await().atMost(10, TimeUnit.SECONDS).until(() -> written() && stored().getStatus().getScrapeError() != null);
    publisher.offer(status(HealthPhase.Healthy, WorkerStatus.Healthy));
    await().atMost(10, TimeUnit.SECONDS).until(() -> stored().getStatus().getPhase() == HealthPhase.Healthy);
    assertThat(stored().getStatus().getScrapeError()).isNull();
    assertThat(stored().getStatus().getConsecutiveFailures()).isNull();
  }

  @Test
  void aDeletedWorkerHealthIsRecreated() {
    publisher.offer(status(HealthPhase.Healthy, WorkerStatus.Healthy));
    await().atMost(10, TimeUnit.SECONDS).until(this::written);
    client.resources(WorkerHealth.class).inNamespace(NS).withName(POD).delete();
    await().atMost(5, TimeUnit.SECONDS).until(() -> stored() == null);
    publisher.offer(status(HealthPhase.Failed, WorkerStatus.Failed));
    await().atMost(10, TimeUnit.SECONDS).until(() -> written() && stored().getStatus().getPhase() == HealthPhase.Failed);
  }

  @Test
  void conflictsThrottlingAndServerErrorsAreRetriedUntilTheLatestStateLands() throws Exception {
    publisher.offer(status(HealthPhase.Healthy, WorkerStatus.Healthy));
    await().atMost(10, TimeUnit.SECONDS).until(this::written);
    drainRequests();
    server.expect().patch().withPath(PATH + "/status").andReturn(409, "{}").once();
    server.expect().patch().withPath(PATH + "/status").andReturn(429, "{}").once();
    server.expect().patch().withPath(PATH + "/status").andReturn(500, "{}").once();
    server.expect().patch().withPath(PATH + "/status").andReturn(503, "{}").once();
    publisher.offer(status(HealthPhase.Failed, WorkerStatus.Failed));
    await().atMost(10, TimeUnit.SECONDS).until(() -> stored().getStatus().getPhase() == HealthPhase.Failed);
    // the publisher's backoff is the only retry: each failure costs one request, and the 409 one read
    assertThat(drainRequests()).filteredOn(w -> w.equals("PATCH " + PATH + "/status")).hasSize(5);
    assertThat(metrics.registry().get("workerhealth.sidecar.report.writes").tag("result", "failure").counter()
        .count()).isEqualTo(4);
  }

  /** The non-GET requests the server received since the last call, as "METHOD path". */
  List<String> drainRequests() throws InterruptedException {
    List<String> writes = new ArrayList<>();
    RecordedRequest r;
    while ((r = server.takeRequest(10, TimeUnit.MILLISECONDS)) != null) {
      if (!r.getMethod().equals("GET")) {
        writes.add(r.getMethod() + " " + r.getPath());
      }
    }
    return writes;
  }

  @Test
  void onlyTheLatestStateIsSentWhileTheApiServerIsDown() throws Exception {
    // the offers below arrive faster than any write: whatever is sent, the newest wins
    publisher.offer(status(HealthPhase.Healthy, WorkerStatus.Healthy));
    await().atMost(10, TimeUnit.SECONDS).until(this::written);
    for (int i = 0; i < 3; i++) {
      server.expect().patch().withPath(PATH + "/status").andReturn(503, "{}").once();
    }
    drainRequests();
    // many states while writes fail: the slot keeps the newest only
    for (int i = 0; i < 50; i++) {
      WorkerHealthStatus s = status(HealthPhase.Failed, WorkerStatus.Failed);
      s.setConsecutiveFailures(i);
      publisher.offer(s);
    }
    await().atMost(10, TimeUnit.SECONDS).until(() -> stored().getStatus().getConsecutiveFailures() != null
        && stored().getStatus().getConsecutiveFailures() == 49);
    assertThat(drainRequests()).filteredOn(w -> w.startsWith("PATCH"))
        .as("a few retries, not one write per offer").hasSizeLessThan(10);
  }

  @Test
  void aPodRecreatedUnderTheSameNameTakesOverTheOldResource() {
    publisher.offer(status(HealthPhase.Failed, WorkerStatus.Failed));
    await().atMost(10, TimeUnit.SECONDS).until(this::written);
    // the pod is replaced (a StatefulSet keeps the name); its sidecar starts with the new pod's uid
    WorkerHealthSpec spec = new WorkerHealthSpec();
    spec.setPodName(POD);
    WorkerHealthReporter replacement = new WorkerHealthReporter(client, NS, POD, "new-pod-uid", spec);
    assertThat(replacement.ensureExists(labels).previous()).as("the old pod's status is not continued").isNull();
    assertThat(stored().getMetadata().getOwnerReferences()).singleElement()
        .satisfies(o -> assertThat(o.getUid()).isEqualTo("new-pod-uid"));
  }

  @Test
  void labelsFollowThePod() {
    publisher.offer(status(HealthPhase.Healthy, WorkerStatus.Healthy));
    await().atMost(10, TimeUnit.SECONDS).until(this::written);
    labels = Map.of("app", "checkout", "track", "canary");
    publisher.labelsMayHaveChanged();
    publisher.offer(status(HealthPhase.Failed, WorkerStatus.Failed));
    await().atMost(10, TimeUnit.SECONDS).until(() -> "canary".equals(stored().getMetadata().getLabels().get("track")));
  }

  @Test
  void statusIsWrittenThroughTheStatusSubresource() throws Exception {
    publisher.offer(status(HealthPhase.Healthy, WorkerStatus.Healthy));
    await().atMost(10, TimeUnit.SECONDS).until(this::written);
    assertThat(drainRequests()).contains("POST /apis/workerhealth.io/v1alpha1/namespaces/" + NS + "/workerhealths",
        "PATCH " + PATH + "/status");
  }
}
