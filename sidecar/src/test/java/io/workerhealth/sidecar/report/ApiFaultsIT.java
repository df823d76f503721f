package io.workerhealth.sidecar.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.workerhealth.api.v1alpha1.HealthPhase;
import io.workerhealth.api.v1alpha1.WorkerHealth;
import io.workerhealth.api.v1alpha1.WorkerHealthSpec;
import io.workerhealth.api.v1alpha1.WorkerHealthStatus;
import io.workerhealth.sidecar.SidecarRunner;
import io.workerhealth.sidecar.TestHealthEndpoint;
import io.workerhealth.sidecar.config.SidecarConfig;
import io.workerhealth.sidecar.metrics.SidecarMetrics;
import io.workerhealth.sidecar.report.FaultyApiServer.Answer;
import io.workerhealth.sidecar.report.FaultyApiServer.Applied;
import io.workerhealth.sidecar.report.FaultyApiServer.Delay;
import io.workerhealth.sidecar.report.FaultyApiServer.Drop;
import io.workerhealth.sidecar.report.FaultyApiServer.Exchange;
import io.workerhealth.sidecar.report.FaultyApiServer.Fault;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sidecar (scrape loop, publisher, and the API client {@code run} builds) against an API server that fails on
 * demand: server errors, throttling with Retry-After, conflicts, slow answers, dropped connections and a deleted
 * WorkerHealth. Asserts what each costs the API server, how soon the latest status lands once the fault is gone, and
 * that the stored status never goes back in time.
 */
class ApiFaultsIT {

  static final String NS = "shop";
  static final String POD = "outpost-0";
  static final String HEALTHY = "{\"status\":\"healthy\",\"workers\":{\"http-server\":{\"status\":\"healthy\"},"
      + "\"deliverymq-consumer\":{\"status\":\"healthy\"}}}";
  static final String FAILED = "{\"status\":\"failed\",\"workers\":{\"http-server\":{\"status\":\"healthy\"},"
      + "\"deliverymq-consumer\":{\"status\":\"failed\"}}}";
  /** The publisher's shortest wait before a retry (half its 500 ms base). */
  static final Duration SHORTEST_BACKOFF = Duration.ofMillis(250);

  FaultyApiServer api;
  TestHealthEndpoint app;
  ReportingClient reporting;
  SidecarRunner runner;
  LatestStatusPublisher publisher;
  @TempDir
  Path dir;

  @AfterEach
  void stop() {
    if (runner != null) {
      runner.close();
    }
    if (publisher != null) {
      publisher.close(Duration.ofSeconds(1));
    }
    if (reporting != null) {
      reporting.client().close();
    }
    if (app != null) {
      app.close();
    }
    if (api != null) {
      api.close();
    }
  }

  /** A sidecar scraping every 200 ms with this heartbeat, reporting through the faulty API server. */
  void startSidecar(String heartbeat) throws Exception {
    api = new FaultyApiServer().withPod(NS, POD);
    app = new TestHealthEndpoint().answer(200, "application/json", HEALTHY);
    Path labels = Files.writeString(dir.resolve("labels"), "app=\"outpost\"\n");
    SidecarConfig config = SidecarConfig.fromEnv(Map.of("WH_TARGET_URL", app.url("/healthz"), "WH_INTERVAL", "200ms",
        "WH_TIMEOUT", "200ms", "WH_HEARTBEAT", heartbeat, "WH_METRICS_PORT", "0", "POD_NAME", POD,
        "POD_NAMESPACE", NS, "POD_UID", POD + "-uid", "WH_LABELS_FILE", labels.toString()));
    reporting = ReportingClient.build(apiConfig(), Clock.systemUTC());
    runner = new SidecarRunner(config, reporting, Clock.systemUTC()).start();
    await().atMost(Duration.ofSeconds(10)).until(() -> phase() == HealthPhase.Healthy);
  }

  /** The client's settings: 1 s for a request, so a slow answer is given up on. */
  Config apiConfig() {
    return new ConfigBuilder(Config.empty()).withMasterUrl(api.url()).withNamespace(NS).withRequestTimeout(1000)
        .withConnectionTimeout(1000).build();
  }

  WorkerHealth stored() {
    return api.direct().resources(WorkerHealth.class).inNamespace(NS).withName(POD).get();
  }

  HealthPhase phase() {
    WorkerHealth wh = stored();
    return wh == null || wh.getStatus() == null ? null : wh.getStatus().getPhase();
  }

  List<Exchange> since(Instant from) {
    return api.log().stream().filter(e -> !e.at().isBefore(from)).toList();
  }

  /** Lets {@code d} pass (the length of an outage). */
  static void during(Duration d) {
    await().pollDelay(d).atMost(d.plusSeconds(1)).until(() -> true);
  }

  /** A fault for the first request that {@code applies} to, and none after. */
  static java.util.function.Function<FaultyApiServer.Call, Fault> once(
      java.util.function.Predicate<FaultyApiServer.Call> applies, Fault fault) {
    AtomicBoolean done = new AtomicBoolean();
    return c -> applies.test(c) && done.compareAndSet(false, true) ? fault : FaultyApiServer.PASS;
  }

  /** Every status the store applied was scraped no earlier than the one before it. */
  void assertStoredStatusNeverWentBackInTime() {
    List<Applied> applied = new ArrayList<>(api.applied());
    applied.sort(Comparator.comparingLong(Applied::resourceVersion));
    assertThat(applied).isNotEmpty();
    for (int i = 1; i < applied.size(); i++) {
      assertThat(Instant.parse(applied.get(i).lastScrapeTime()))
          .as("status write %s applied after %s", applied.get(i), applied.get(i - 1))
          .isAfterOrEqualTo(Instant.parse(applied.get(i - 1).lastScrapeTime()));
    }
  }

  /**
   * During a sustained outage each attempt is one request (fabric8's own retries came 0.1 s apart), and the waits grow
   * to between half and all of the heartbeat: at most two requests per heartbeat.
   */
  void assertBackedOff(List<Exchange> during, Instant from, Duration heartbeat, Duration outage) {
    assertThat(during).isNotEmpty();
    for (int i = 1; i < during.size(); i++) {
      assertThat(Duration.between(during.get(i - 1).at(), during.get(i).at()))
          .as("gap before request %d of %s", i, during).isGreaterThanOrEqualTo(SHORTEST_BACKOFF.minusMillis(30));
    }
    Instant steady = from.plus(heartbeat.multipliedBy(2)); // the waits have grown to the heartbeat by then
    long inSteadyState = during.stream().filter(e -> e.at().isAfter(steady)).count();
    long allowed = outage.minus(heartbeat.multipliedBy(2)).toMillis() / heartbeat.dividedBy(2).toMillis() + 1;
    assertThat(inSteadyState).as("requests in the last %s of the outage: %s", outage.minus(heartbeat.multipliedBy(2)),
        during).isLessThanOrEqualTo(allowed);
  }

  @Test
  void serverErrorsCostAtMostTwoRequestsPerHeartbeatAndTheLatestStatusLandsWithinOneOnceTheyStop() throws Exception {
    startSidecar("2s");
    Instant from = Instant.now();
    api.inject(c -> Answer.status(503, "ServiceUnavailable"));
    app.answer(503, "application/json", FAILED);
    during(Duration.ofSeconds(12));
    assertBackedOff(since(from), from, Duration.ofSeconds(2), Duration.ofSeconds(12));

    api.heal();
    await().atMost(Duration.ofSeconds(2).plusSeconds(2)).until(() -> phase() == HealthPhase.Failed);
    assertStoredStatusNeverWentBackInTime();
  }

  @Test
  void droppedConnectionsCostOneRequestPerAttempt() throws Exception {
    startSidecar("2s");
    Instant from = Instant.now();
    api.inject(c -> new Drop());
    app.answer(503, "application/json", FAILED);
    during(Duration.ofSeconds(8));
    List<Exchange> during = since(from);
    assertThat(during).allSatisfy(e -> assertThat(e.outcome()).isEqualTo("dropped"));
    assertBackedOff(during, from, Duration.ofSeconds(2), Duration.ofSeconds(8));

    api.heal();
    await().atMost(Duration.ofSeconds(4)).until(() -> phase() == HealthPhase.Failed);
    assertStoredStatusNeverWentBackInTime();
  }

  @Test
  void throttlingIsWaitedOutAsLongAsRetryAfterSays() throws Exception {
    startSidecar("10s");
    api.inject(once(FaultyApiServer.Call::isStatusWrite,
        new Answer(429, Map.of("Retry-After", "3"), "Too many requests, please try again later.")));
    app.answer(503, "application/json", FAILED);
    await().atMost(Duration.ofSeconds(10)).until(() -> phase() == HealthPhase.Failed);

    List<Exchange> log = api.log();
    int refused = indexOf(log, "429");
    Duration waited = Duration.between(log.get(refused).at(), log.get(refused + 1).at());
    assertThat(waited).as("wait after 429 with Retry-After: 3").isGreaterThanOrEqualTo(Duration.ofMillis(2950))
        .isLessThan(Duration.ofSeconds(5));
    assertStoredStatusNeverWentBackInTime();
  }

  @Test
  void aRetryAfterLongerThanTheHeartbeatIsCutToTheHeartbeat() throws Exception {
    startSidecar("2s");
    api.inject(once(FaultyApiServer.Call::isStatusWrite,
        new Answer(429, Map.of("Retry-After", "3600"), "Too many requests, please try again later.")));
    app.answer(503, "application/json", FAILED);
    await().atMost(Duration.ofSeconds(6)).until(() -> phase() == HealthPhase.Failed);

    List<Exchange> log = api.log();
    int refused = indexOf(log, "429");
    assertThat(Duration.between(log.get(refused).at(), log.get(refused + 1).at()))
        .isLessThanOrEqualTo(Duration.ofSeconds(2).plusMillis(500));
  }

  @Test
  void aConflictIsReadAndTheLatestStatusWrittenAfterIt() throws Exception {
    startSidecar("10s");
    api.inject(once(FaultyApiServer.Call::isStatusWrite, Answer.status(409, "Conflict")));
    app.answer(503, "application/json", FAILED);
    await().atMost(Duration.ofSeconds(5)).until(() -> phase() == HealthPhase.Failed);

    List<Exchange> log = api.log();
    List<String> after = log.subList(indexOf(log, "409"), log.size()).stream()
        .map(e -> e.call().method() + " " + e.outcome()).toList();
    assertThat(after).containsExactly("PATCH 409", "GET 200", "PATCH 202");
    assertStoredStatusNeverWentBackInTime();
  }

  @Test
  void aWriteThatLandsAfterANewerOneIsRefused() throws Exception {
    startSidecar("10s");
    AtomicBoolean held = new AtomicBoolean();
    // the write of the Failed status reaches the store 3 s late; the client gives up on it after 1 s
    api.inject(c -> c.isStatusWrite() && held.compareAndSet(false, true) ? new Delay(Duration.ofSeconds(3))
        : FaultyApiServer.PASS);
    app.answer(503, "application/json", FAILED);
    await().atMost(Duration.ofSeconds(5)).until(held::get);
    app.answer(200, "application/json", HEALTHY); // a newer status, written while the old write is still on its way
    // the first write, the newer one, and the held one once it reached the store
    await().atMost(Duration.ofSeconds(10)).until(() -> api.log().stream()
        .filter(e -> e.call().isStatusWrite()).count() >= 3);

    assertStoredStatusNeverWentBackInTime();
    assertThat(phase()).isEqualTo(HealthPhase.Healthy);
    assertThat(api.log().stream().filter(e -> e.call().isStatusWrite()).map(Exchange::outcome).toList())
        .as("the held write was refused by the store").containsExactly("202", "202", "422");
  }

  @Test
  void slowAnswersAreGivenUpOnAndRetriedAfterABackoffUntilTheyAreFastAgain() throws Exception {
    startSidecar("2s");
    Instant from = Instant.now();
    api.inject(c -> new Delay(Duration.ofSeconds(2)));
    app.answer(503, "application/json", FAILED);
    during(Duration.ofSeconds(6));
    api.heal();
    await().atMost(Duration.ofSeconds(2).plusSeconds(3)).until(() -> phase() == HealthPhase.Failed);
    // each attempt waited for its answer (1 s) and then backed off: never more than one request in flight
    List<Instant> writes = since(from).stream().filter(e -> e.call().isStatusWrite()).map(Exchange::at).toList();
    assertThat(writes.size()).isLessThanOrEqualTo(6);
    assertStoredStatusNeverWentBackInTime();
  }

  @Test
  void aDeletedWorkerHealthIsRecreatedWithTheLatestStatus() throws Exception {
    startSidecar("10s");
    api.direct().resources(WorkerHealth.class).inNamespace(NS).withName(POD).delete();
    await().atMost(Duration.ofSeconds(5)).until(() -> stored() == null);
    app.answer(503, "application/json", FAILED);
    await().atMost(Duration.ofSeconds(5)).until(() -> phase() == HealthPhase.Failed);
    assertThat(stored().getMetadata().getOwnerReferences()).singleElement()
        .satisfies(o -> assertThat(o.getUid()).isEqualTo(POD + "-uid"));
    assertThat(stored().getMetadata().getLabels()).containsEntry("app", "outpost");
  }

  // ---- the compare-and-swap, with the scrape times under the test's control ---------------------------------------

  void startPublisher() throws Exception {
    api = new FaultyApiServer().withPod(NS, POD);
    reporting = ReportingClient.build(apiConfig(), Clock.systemUTC());
    WorkerHealthSpec spec = new WorkerHealthSpec();
    spec.setPodName(POD);
    publisher = new LatestStatusPublisher(new WorkerHealthReporter(reporting.client(), NS, POD, POD + "-uid", spec),
        Map::of, new SidecarMetrics(), new Backoff(Duration.ofMillis(50), Duration.ofMillis(200), new Random(1)),
        reporting.retryAfter(), Clock.systemUTC()).start();
  }

  static WorkerHealthStatus scrapedAt(Instant at, HealthPhase phase) {
    WorkerHealthStatus s = new WorkerHealthStatus();
    s.setPhase(phase);
    s.setLastScrapeTime(at.toString());
    return s;
  }

  /** Writes a status as another writer would, past the sidecar. */
  void writeDirectly(WorkerHealthStatus status) {
    WorkerHealth wh = new WorkerHealth();
    wh.getMetadata().setName(POD);
    wh.getMetadata().setNamespace(NS);
    wh.setStatus(status);
    api.direct().resources(WorkerHealth.class).inNamespace(NS).resource(wh).subresource("status")
        .patch(PatchContext.of(PatchType.JSON_MERGE), api.direct().getKubernetesSerialization().asJson(
            Map.of("status", status)));
  }

  @Test
  void aStatusOlderThanTheStoredOneIsNotWritten() throws Exception {
    startPublisher();
    Instant now = Instant.now();
    publisher.offer(scrapedAt(now.minusSeconds(30), HealthPhase.Healthy));
    await().atMost(Duration.ofSeconds(5)).until(() -> phase() == HealthPhase.Healthy);
    writeDirectly(scrapedAt(now.minusSeconds(10), HealthPhase.Degraded));

    publisher.offer(scrapedAt(now.minusSeconds(20), HealthPhase.Failed));
    // refused (its test no longer holds), then a read shows a newer status: the older one is not written over it
    await().atMost(Duration.ofSeconds(5)).until(() -> outcomes().endsWith("PATCH 422, GET 200"));
    during(Duration.ofMillis(500));
    assertThat(outcomes()).endsWith("PATCH 422, GET 200");
    assertThat(phase()).isEqualTo(HealthPhase.Degraded);
  }

  String outcomes() {
    return String.join(", ", api.log().stream().map(e -> e.call().method() + " " + e.outcome()).toList());
  }

  @Test
  void aStoredStatusFromTheFutureDoesNotStopReporting() throws Exception {
    startPublisher();
    Instant now = Instant.now();
    publisher.offer(scrapedAt(now.minusSeconds(30), HealthPhase.Healthy));
    await().atMost(Duration.ofSeconds(5)).until(() -> phase() == HealthPhase.Healthy);
    writeDirectly(scrapedAt(Instant.parse("+1000000000-12-31T23:59:59Z"), HealthPhase.Healthy));

    publisher.offer(scrapedAt(now, HealthPhase.Failed));
    await().atMost(Duration.ofSeconds(5)).until(() -> phase() == HealthPhase.Failed);
  }

  static int indexOf(List<Exchange> log, String outcome) {
    for (int i = 0; i < log.size(); i++) {
      if (log.get(i).outcome().equals(outcome)) {
        return i;
      }
    }
    return -1;
  }
}
