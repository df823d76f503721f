package io.workerhealth.sidecar.format;

import static io.workerhealth.api.v1alpha1.WorkerStatus.Degraded;
import static io.workerhealth.api.v1alpha1.WorkerStatus.Failed;
import static io.workerhealth.api.v1alpha1.WorkerStatus.Healthy;
import static io.workerhealth.api.v1alpha1.WorkerStatus.Unknown;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.workerhealth.api.v1alpha1.ScrapeErrorReason;
import io.workerhealth.api.v1alpha1.SourceFormat;
import io.workerhealth.api.v1alpha1.WorkerStatus;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class HealthFormatsTest {

  private final HealthFormats formats = new HealthFormats(null);

  private ParsedHealth auto(HealthResponse r) throws HealthParseException {
    return formats.parse(r, SourceFormat.AUTO);
  }

  static Stream<Arguments> samples() {
    return Stream.of(
        Arguments.of("outpost-failed.json", "application/json", SourceFormat.OUTPOST),
        Arguments.of("outpost-healthy.json", "application/json", SourceFormat.OUTPOST),
        Arguments.of("outpost-starting.json", "application/json", SourceFormat.OUTPOST),
        Arguments.of("spring-down.json", "application/vnd.spring-boot.actuator.v3+json", SourceFormat.SPRING),
        Arguments.of("spring-bare.json", "application/json", SourceFormat.SPRING),
        Arguments.of("ietf-warn.json", "application/health+json", SourceFormat.IETF),
        Arguments.of("ietf-warn.json", "application/json", SourceFormat.IETF),
        Arguments.of("microprofile-down.json", "application/json", SourceFormat.MICROPROFILE),
        Arguments.of("microprofile-1.0.json", "application/json", SourceFormat.MICROPROFILE),
        Arguments.of("aspnet-unhealthy.json", "application/json", SourceFormat.ASPNET),
        Arguments.of("k8s-readyz.txt", "text/plain; charset=utf-8", SourceFormat.K8S));
  }

  @ParameterizedTest(name = "{0} ({1}) is detected as {2}")
  @MethodSource("samples")
  void everySampleIsDetectedAsItsOwnFormat(String sample, String contentType, SourceFormat expected)
      throws Exception {
    ParsedHealth parsed = auto(Samples.response(sample, 200, contentType));
    assertThat(parsed.format()).isEqualTo(expected);
    // and forcing the format reads it the same way
    assertThat(formats.parse(Samples.response(sample, 200, contentType), expected)).isEqualTo(parsed);
  }

  @Test
  void outpostReadsWorkersWhateverTheHttpStatus() throws Exception {
    ParsedHealth parsed = auto(Samples.json("outpost-failed.json", 503));
    assertThat(parsed.overallRawStatus()).isEqualTo("failed");
    assertThat(parsed.workers()).extracting(WorkerReading::name, WorkerReading::status, WorkerReading::rawStatus)
        .containsExactly(tuple("http-server", Healthy, "healthy"), tuple("deliverymq-consumer", Failed, "failed"),
            tuple("retrymq-consumer", Healthy, "healthy"));
  }

  @Test
  void outpostStatusWordsCompareCaseInsensitively() throws Exception {
    ParsedHealth parsed = auto(HealthResponse.of(503, null,
        "{\"status\":\"FAILED\",\"workers\":{\"a\":{\"status\":\"Healthy\"},\"b\":{\"status\":\"FAILED\"},"
            + "\"c\":{\"status\":\"sleeping\"},\"d\":{}}}"));
    assertThat(parsed.workers()).extracting(WorkerReading::status).containsExactly(Healthy, Failed, Unknown, Unknown);
  }

  @Test
  void outpostStartingUpReportsItsOverallStatusRatherThanAFailure() throws Exception {
    ParsedHealth parsed = auto(Samples.json("outpost-starting.json", 200));
    assertThat(parsed.overallRawStatus()).isEqualTo("healthy");
    assertThat(parsed.workers()).extracting(WorkerReading::name, WorkerReading::status, WorkerReading::rawStatus)
        .containsExactly(tuple(ParsedHealth.OVERALL_WORKER, Healthy, "healthy"));
    assertThat(parsed.workers().get(0).message()).isEqualTo("the app lists no workers, only its overall status");
  }

  @Test
  void springFlattensNestedComponentsAndMapsItsWords() throws Exception {
    ParsedHealth parsed = auto(Samples.json("spring-down.json", 503));
    // diskSpace and ping are Spring's own indicators, left out by default
    assertThat(parsed.workers()).extracting(WorkerReading::name, WorkerReading::status)
        .containsExactly(tuple("db", Healthy), tuple("kafka/orders-consumer", Failed),
            tuple("kafka/billing-consumer", Healthy), tuple("mail", Failed), tuple("legacy", Unknown));
    assertThat(parsed.workers().get(1).message()).contains("TimeoutException");
    assertThat(parsed.overallRawStatus()).isEqualTo("DOWN");
    ParsedHealth everything = new HealthFormats(null, new WorkerFilter(List.of(), List.of()))
        .parse(Samples.json("spring-down.json", 503), SourceFormat.AUTO);
    assertThat(everything.workers()).extracting(WorkerReading::name).containsExactly("db", "diskSpace",
        "kafka/orders-consumer", "kafka/billing-consumer", "mail", "ping", "legacy");
  }

  @Test
  void springBareStatusIsTheReportAndSaysComponentsAreHidden() throws Exception {
    ParsedHealth parsed = auto(Samples.json("spring-bare.json", 200));
    assertThat(parsed.overallRawStatus()).isEqualTo("UP");
    assertThat(parsed.workers()).singleElement().satisfies(w -> {
      assertThat(w.name()).isEqualTo(ParsedHealth.OVERALL_WORKER);
      assertThat(w.status()).isEqualTo(Healthy);
      assertThat(w.message()).contains("lists no workers").contains("show-components / show-details");
    });
  }

  @Test
  void ietfNamesEachCheckEntryAndMapsPassWarnFail() throws Exception {
    ParsedHealth parsed = auto(Samples.response("ietf-warn.json", 200, "application/health+json"));
    assertThat(parsed.workers()).extracting(WorkerReading::name, WorkerReading::status, WorkerReading::message)
        .containsExactly(
            tuple("cassandra:responseTime/dfd6cf2b-1b6e-4412-a0b8-f6f7797a60d2", Healthy, null),
            tuple("cassandra:responseTime/6fd416e0-8920-410f-9c7b-c479000f7227", Degraded, "response time above 800ms"),
            tuple("uptime", Healthy, null),
            tuple("queue:consumer", Failed, "consumer disconnected"));
  }

  @Test
  void microProfileReadsCurrentAndOneDotZeroShapes() throws Exception {
    ParsedHealth current = auto(Samples.json("microprofile-down.json", 503));
    assertThat(current.workers()).extracting(WorkerReading::name, WorkerReading::status, WorkerReading::message)
        .containsExactly(tuple("ping", Healthy, null), tuple("orders-consumer", Failed, "broker unreachable"),
            tuple("scheduler", Healthy, null));
    ParsedHealth old = auto(Samples.json("microprofile-1.0.json", 503));
    assertThat(old.workers()).extracting(WorkerReading::name, WorkerReading::status)
        .containsExactly(tuple("db", Healthy), tuple("queue", Failed));
    assertThat(old.overallRawStatus()).isEqualTo("DOWN");
  }

  @Test
  void aspNetMapsHealthyDegradedUnhealthyWithDescriptionAsMessage() throws Exception {
    ParsedHealth parsed = auto(Samples.json("aspnet-unhealthy.json", 503));
    assertThat(parsed.workers()).extracting(WorkerReading::name, WorkerReading::status, WorkerReading::message)
        .containsExactly(tuple("sqlserver", Healthy, null),
            tuple("redis", Failed, "It's not possible to connect to the redis server."),
            tuple("outbox-worker", Degraded, "backlog growing"));
  }

  @Test
  void kubernetesVerboseTextReadsChecksAndVerdict() throws Exception {
    ParsedHealth parsed = auto(Samples.response("k8s-readyz.txt", 500, "text/plain"));
    assertThat(parsed.workers()).extracting(WorkerReading::name, WorkerReading::status, WorkerReading::message)
        .contains(tuple("ping", Healthy, null), tuple("etcd", Failed, "reason withheld"),
            tuple("poststarthook/rbac/bootstrap-roles", Failed, "not finished"));
    assertThat(parsed.overallRawStatus()).isEqualTo("failed");
  }

  @Test
  void customFormatWithJsonPointerOverAnArray() throws Exception {
    HealthFormats custom = new HealthFormats(new CustomFormatConfig("/service/jobs", "/id", "/state/value",
        "/state/why", Map.of("running", Healthy, "stalled", Failed, "slow", Degraded)));
    String body = "{\"service\":{\"jobs\":[{\"id\":\"mailer\",\"state\":{\"value\":\"RUNNING\"}},"
        + "{\"id\":\"indexer\",\"state\":{\"value\":\"stalled\",\"why\":\"no progress for 10m\"}},"
        + "{\"id\":\"thumbnailer\",\"state\":{\"value\":\"slow\"}},{\"id\":\"reaper\",\"state\":{\"value\":\"ok\"}}]}}";
    ParsedHealth parsed = custom.parse(HealthResponse.of(200, "application/json", body), SourceFormat.AUTO);
    assertThat(parsed.format()).isEqualTo(SourceFormat.CUSTOM);
    assertThat(parsed.workers()).extracting(WorkerReading::name, WorkerReading::status, WorkerReading::message)
        .containsExactly(tuple("mailer", Healthy, null), tuple("indexer", Failed, "no progress for 10m"),
            tuple("thumbnailer", Degraded, null), tuple("reaper", Healthy, null));
  }

  @Test
  void customFormatWithJsonPathOverAnObject() throws Exception {
    HealthFormats custom = new HealthFormats(new CustomFormatConfig("$.health.workers", null, "$.ok", null,
        Map.of("true", Healthy, "false", Failed)));
    String body = "{\"health\":{\"workers\":{\"a\":{\"ok\":true},\"b\":{\"ok\":false}}}}";
    ParsedHealth parsed = custom.parse(HealthResponse.of(200, null, body), SourceFormat.CUSTOM);
    assertThat(parsed.workers()).extracting(WorkerReading::name, WorkerReading::status)
        .containsExactly(tuple("a", Healthy), tuple("b", Failed));
  }

  @Test
  void customFormatPointingNowhereIsAClearParseError() {
    HealthFormats custom = new HealthFormats(new CustomFormatConfig("/nope", null, "/s", null, null));
    assertThatThrownBy(() -> custom.parse(HealthResponse.of(200, null, "{\"a\":1}"), SourceFormat.CUSTOM))
        .isInstanceOf(HealthParseException.class)
        .hasMessageContaining("'/nope' does not point at an object or array");
  }

  @Test
  void customRequestedWithoutConfigurationSaysSo() {
    assertThatThrownBy(() -> formats.parse(HealthResponse.of(200, null, "{}"), SourceFormat.CUSTOM))
        .isInstanceOf(HealthParseException.class).hasMessageContaining("custom");
  }

  @Test
  void garbageAndHtmlAreUnknownFormatsWithAPreview() {
    for (String body : new String[] {"<html><body>502 Bad Gateway</body></html>", "", "{\"hello\":\"world\"}",
        "\u0000\u0001binary", "[1,2,3]"}) {
      assertThatThrownBy(() -> auto(HealthResponse.of(502, "text/html", body)))
          .isInstanceOfSatisfying(HealthParseException.class,
              e -> assertThat(e.reason()).isEqualTo(ScrapeErrorReason.UnknownFormat))
          .hasMessageContaining("no known health format");
    }
  }

  @Test
  void forcedFormatOnTheWrongBodyIsAParseError() {
    assertThatThrownBy(() -> formats.parse(HealthResponse.of(200, null, "not json"), SourceFormat.OUTPOST))
        .isInstanceOfSatisfying(HealthParseException.class,
            e -> assertThat(e.reason()).isEqualTo(ScrapeErrorReason.ParseError))
        .hasMessageContaining("not valid JSON");
    assertThatThrownBy(() -> formats.parse(Samples.json("spring-down.json", 200), SourceFormat.OUTPOST))
        .isInstanceOf(HealthParseException.class).hasMessageContaining("workers");
  }

  @Test
  void boundsKeepAtMost256WorkersAndCountTheRest() throws Exception {
    StringBuilder body = new StringBuilder("{\"status\":\"healthy\",\"workers\":{");
    for (int i = 0; i < 300; i++) {
      body.append(i == 0 ? "" : ",").append("\"w").append(i).append("\":{\"status\":\"healthy\"}");
    }
    ParsedHealth parsed = auto(HealthResponse.of(200, null, body.append("}}").toString()));
    assertThat(parsed.workers()).hasSize(256);
    assertThat(parsed.droppedWorkers()).isEqualTo(44);
    assertThat(parsed.workers().get(0).name()).isEqualTo("w0");
  }

  @Test
  void beyondTheLimitAFailedWorkerTakesTheSlotOfAHealthyOne() throws Exception {
    StringBuilder body = new StringBuilder("{\"status\":\"failed\",\"workers\":{");
    for (int i = 0; i < 1000; i++) {
      body.append(i == 0 ? "" : ",").append("\"w").append(i).append("\":{\"status\":\"")
          .append(i == 700 ? "failed" : "healthy").append("\"}");
    }
    ParsedHealth parsed = auto(HealthResponse.of(503, null, body.append("}}").toString()));
    assertThat(parsed.workers()).hasSize(256).extracting(WorkerReading::name).contains("w700").contains("w0")
        .doesNotContain(ParsedHealth.OVERALL_WORKER); // the failure is explained by w700
    assertThat(parsed.droppedWorkers()).isEqualTo(744);
  }

  @Test
  void boundsTruncateLongNamesAndMessagesAndKeepNamesUnique() throws Exception {
    String longName = "x".repeat(400);
    String body = "{\"status\":\"DOWN\",\"components\":{\"" + longName + "\":{\"status\":\"DOWN\",\"details\":{\"error\":\""
        + "e".repeat(5000) + "\"}},\"" + longName + "y\":{\"status\":\"UP\"}}}";
    ParsedHealth parsed = auto(HealthResponse.of(503, null, body));
    assertThat(parsed.workers()).hasSize(1).first().satisfies(w -> {
      assertThat(w.name()).hasSize(HealthFormats.MAX_NAME_LENGTH).endsWith("…");
      assertThat(w.message()).hasSize(HealthFormats.MAX_MESSAGE_LENGTH);
      assertThat(w.status()).isEqualTo(WorkerStatus.Failed);
    });
  }

  @Test
  void truncationNeverSplitsASurrogatePair() {
    String s = "a".repeat(8) + "😀".repeat(10);
    for (int max = 3; max < 20; max++) {
      String t = HealthFormats.truncate(s, max);
      assertThat(t.length()).isLessThanOrEqualTo(max);
      assertThat(Character.isHighSurrogate(t.charAt(t.length() - 2))).isFalse();
    }
  }
}
