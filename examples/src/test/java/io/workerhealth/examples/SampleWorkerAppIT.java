package io.workerhealth.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The sample app over real HTTP on loopback. */
class SampleWorkerAppIT {

  private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
  private static final Duration QUICK = Duration.ofSeconds(5);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpClient client = HttpClient.newBuilder().connectTimeout(QUICK).build();
  private SampleWorkerApp app;

  @AfterEach
  void stopApp() {
    if (app != null) {
      app.close();
    }
  }

  private void start(Map<String, String> env) throws IOException {
    SampleAppConfig config = SampleAppConfig.fromEnvironment(env).withBindAddress("127.0.0.1").withPort(0);
    app = SampleWorkerApp.start(config, Clock.fixed(NOW, ZoneOffset.UTC));
  }

  @Test
  void answers200WithOutpostBodyWhenAllWorkersAreHealthy() throws Exception {
    start(Map.of());

    HttpResponse<String> response = get("/healthz", QUICK);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(JSON.readTree(response.body())).isEqualTo(JSON.readTree("""
        {"status":"healthy","timestamp":"2026-03-01T12:00:00Z","workers":{
          "http-server":{"status":"healthy"},
          "deliverymq-consumer":{"status":"healthy"},
          "retrymq-consumer":{"status":"healthy"},
          "logmq-consumer":{"status":"healthy"}}}"""));
  }

  @Test
  void failingAWorkerAnswers503NamingOnlyThatWorkerAndStopsItsWork() throws Exception {
    start(Map.of());

    assertThat(post("/faults/fail?worker=deliverymq-consumer").statusCode()).isEqualTo(200);

    HttpResponse<String> response = get("/healthz", QUICK);
    assertThat(response.statusCode()).isEqualTo(503);
    JsonNode body = JSON.readTree(response.body());
    // Exactly Outpost's shape: three top-level fields, each worker an object holding only its status.
    assertThat(body).isEqualTo(JSON.readTree("""
        {"status":"failed","timestamp":"2026-03-01T12:00:00Z","workers":{
          "http-server":{"status":"healthy"},
          "deliverymq-consumer":{"status":"failed"},
          "retrymq-consumer":{"status":"healthy"},
          "logmq-consumer":{"status":"healthy"}}}"""));

    // The failed worker's thread stops handling work while the others carry on.
    long stoppedAt = processed("deliverymq-consumer");
    long httpBefore = processed("http-server");
    await().atMost(QUICK).until(() -> processed("http-server") > httpBefore + 3);
    assertThat(processed("deliverymq-consumer")).isLessThanOrEqualTo(stoppedAt + 1);

    post("/faults/recover?worker=deliverymq-consumer");
    long resumedFrom = processed("deliverymq-consumer");
    await().atMost(QUICK).until(() -> processed("deliverymq-consumer") > resumedFrom + 1);
  }

  @Test
  void outageFailsEveryConsumerButNotTheHttpServer() throws Exception {
    start(Map.of());

    post("/faults/outage");

    HttpResponse<String> response = get("/healthz", QUICK);
    assertThat(response.statusCode()).isEqualTo(503);
    JsonNode workers = JSON.readTree(response.body()).path("workers");
    assertThat(workers.path("http-server").path("status").asText()).isEqualTo("healthy");
    assertThat(workers.path("deliverymq-consumer").path("status").asText()).isEqualTo("failed");
    assertThat(workers.path("retrymq-consumer").path("status").asText()).isEqualTo("failed");
    assertThat(workers.path("logmq-consumer").path("status").asText()).isEqualTo("failed");
  }

  @Test
  void recoverAndRecoverAllBringBack200() throws Exception {
    start(Map.of());
    post("/faults/fail?worker=http-server");
    post("/faults/fail?worker=logmq-consumer");

    post("/faults/recover?worker=http-server");
    HttpResponse<String> stillFailing = get("/healthz", QUICK);
    assertThat(stillFailing.statusCode()).isEqualTo(503);
    assertThat(JSON.readTree(stillFailing.body()).at("/workers/http-server/status").asText()).isEqualTo("healthy");

    post("/faults/outage");
    post("/faults/recover-all");
    assertThat(get("/healthz", QUICK).statusCode()).isEqualTo(200);
  }

  @Test
  void hangHoldsHealthzPastAScrapeTimeoutUntilCleared() throws Exception {
    start(Map.of());

    assertThat(post("/faults/hang?seconds=2").statusCode()).isEqualTo(200);

    // A scraper with a 1 s timeout gives up: the request takes longer than that.
    assertThatThrownBy(() -> get("/healthz", Duration.ofSeconds(1))).isInstanceOf(HttpTimeoutException.class);
    // A patient client gets the normal answer, after at least the hang.
    long started = System.nanoTime();
    HttpResponse<String> patient = get("/healthz", Duration.ofSeconds(10));
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofSeconds(2));
    assertThat(patient.statusCode()).isEqualTo(200);

    post("/faults/hang?seconds=0");
    assertThat(get("/healthz", Duration.ofSeconds(1)).statusCode()).isEqualTo(200);
  }

  @Test
  void environmentFaultsApplyFromStartUp() throws Exception {
    start(Map.of("FAIL_WORKERS", "deliverymq-consumer,logmq-consumer", "HANG_HEALTHZ", "1"));

    assertThatThrownBy(() -> get("/healthz", Duration.ofSeconds(1))).isInstanceOf(HttpTimeoutException.class);

    post("/faults/hang?seconds=0");
    HttpResponse<String> response = get("/healthz", QUICK);
    assertThat(response.statusCode()).isEqualTo(503);
    JsonNode workers = JSON.readTree(response.body()).path("workers");
    assertThat(workers.at("/deliverymq-consumer/status").asText()).isEqualTo("failed");
    assertThat(workers.at("/logmq-consumer/status").asText()).isEqualTo("failed");
    assertThat(workers.at("/http-server/status").asText()).isEqualTo("healthy");
    assertThat(workers.at("/retrymq-consumer/status").asText()).isEqualTo("healthy");
  }

  @Test
  void unknownWorkerInTheEnvironmentStopsStartUp() {
    SampleAppConfig config = SampleAppConfig.fromEnvironment(Map.of("FAIL_WORKERS", "billing-consumer"))
        .withBindAddress("127.0.0.1").withPort(0);

    assertThatThrownBy(() -> SampleWorkerApp.start(config, Clock.systemUTC()))
        .isInstanceOf(UnknownWorkerException.class)
        .hasMessageContaining("billing-consumer");
  }

  @Test
  void badFaultRequestsGetClearErrorsAndChangeNothing() throws Exception {
    start(Map.of());

    HttpResponse<String> unknownWorker = post("/faults/fail?worker=billing-consumer");
    assertThat(unknownWorker.statusCode()).isEqualTo(404);
    assertThat(JSON.readTree(unknownWorker.body()).path("error").asText()).contains("billing-consumer");

    assertThat(post("/faults/fail").statusCode()).isEqualTo(400);
    assertThat(post("/faults/hang?seconds=soon").statusCode()).isEqualTo(400);
    assertThat(post("/faults/hang?seconds=-1").statusCode()).isEqualTo(400);
    assertThat(post("/faults/explode").statusCode()).isEqualTo(404);
    assertThat(get("/faults/outage", QUICK).statusCode()).isEqualTo(405);
    assertThat(post("/healthz").statusCode()).isEqualTo(405);

    assertThat(get("/healthz", QUICK).statusCode()).isEqualTo(200);
  }

  @Test
  void closingReleasesHungRequestsAndStopsEveryWorker() throws Exception {
    start(Map.of("HANG_HEALTHZ", "1", "HANG_HEALTHZ_SECONDS", "60"));
    HttpRequest request = HttpRequest.newBuilder(uri("/healthz")).timeout(Duration.ofSeconds(60)).GET().build();
    CompletableFuture<HttpResponse<String>> hung = client.sendAsync(request, HttpResponse.BodyHandlers.ofString());
    await().atMost(QUICK).until(() -> app.workers().stream().allMatch(SimulatedWorker::isRunning));

    app.close();

    // Answered well before the 60 s hang would have ended.
    await().atMost(QUICK).until(hung::isDone);
    assertThat(hung.get().statusCode()).isEqualTo(200);
    assertThat(app.workers()).noneMatch(SimulatedWorker::isRunning);
  }

  private long processed(String worker) throws Exception {
    return JSON.readTree(get("/workers", QUICK).body()).path(worker).path("processed").asLong(-1);
  }

  private HttpResponse<String> get(String path, Duration timeout) throws IOException, InterruptedException {
    return client.send(HttpRequest.newBuilder(uri(path)).timeout(timeout).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> post(String path) throws IOException, InterruptedException {
    return client.send(HttpRequest.newBuilder(uri(path)).timeout(QUICK)
        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + app.port() + path);
  }
}
