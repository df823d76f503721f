package io.workerhealth.sidecar.format;

import static io.workerhealth.api.v1alpha1.WorkerStatus.Failed;
import static io.workerhealth.api.v1alpha1.WorkerStatus.Healthy;
import static io.workerhealth.api.v1alpha1.WorkerStatus.Unknown;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.workerhealth.api.v1alpha1.ScrapeErrorReason;
import io.workerhealth.api.v1alpha1.SourceFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * When the app says it is unhealthy, the report never says Healthy; when a body is ambiguous, the worse reading wins
 * and the report says why.
 */
class FailuresNeverMaskedTest {

  private final HealthFormats formats = new HealthFormats(null);

  private ParsedHealth auto(int http, String body) throws HealthParseException {
    return formats.parse(HealthResponse.of(http, "application/json", body), SourceFormat.AUTO);
  }

  @Test
  void springDetailsHoldingAStatusAreNotChildWorkers() throws Exception {
    ParsedHealth parsed = auto(503, "{\"status\":\"DOWN\",\"components\":{\"scheduler\":{\"status\":\"DOWN\","
        + "\"details\":{\"error\":\"x\",\"lastRun\":{\"status\":\"SUCCESS\"}}}}}");
    assertThat(parsed.workers()).extracting(WorkerReading::name, WorkerReading::status, WorkerReading::message)
        .containsExactly(tuple("scheduler", Failed, "x"));
    // and the reverse: an UP component whose details hold a failed status is one healthy worker
    ParsedHealth reverse = auto(200, "{\"status\":\"UP\",\"components\":{\"scheduler\":{\"status\":\"UP\","
        + "\"details\":{\"lastRun\":{\"status\":\"FAILED\"}}}}}");
    assertThat(reverse.workers()).extracting(WorkerReading::name, WorkerReading::status)
        .containsExactly(tuple("scheduler", Healthy));
  }

  @Test
  void springBoot20DetailsAreChildrenOnlyInABoot20Body() throws Exception {
    ParsedHealth parsed = auto(503, "{\"status\":\"DOWN\",\"details\":{"
        + "\"db\":{\"status\":\"UP\",\"details\":{\"primary\":{\"status\":\"UP\",\"details\":{\"database\":\"H2\"}},"
        + "\"secondary\":{\"status\":\"DOWN\",\"details\":{\"error\":\"timeout\"}}}},"
        + "\"scheduler\":{\"status\":\"UP\",\"details\":{\"error\":null,\"lastRun\":{\"status\":\"FAILED\"}}}}}");
    assertThat(parsed.format()).isEqualTo(SourceFormat.SPRING);
    assertThat(parsed.workers()).extracting(WorkerReading::name, WorkerReading::status, WorkerReading::message)
        .containsExactly(tuple("db/primary", Healthy, null), tuple("db/secondary", Failed, "timeout"),
            tuple("scheduler", Healthy, null));
  }

  @ParameterizedTest
  @ValueSource(strings = {"DOWN", "OUT_OF_SERVICE"})
  void anExplicitUnhealthyStatusWithoutComponentsIsTheReport(String word) throws Exception {
    ParsedHealth parsed = auto(503, "{\"status\":\"" + word + "\"}");
    assertThat(parsed.workers()).extracting(WorkerReading::name, WorkerReading::status, WorkerReading::rawStatus)
        .containsExactly(tuple(ParsedHealth.OVERALL_WORKER, Failed, word));
  }

  @Test
  void springsDefaultBodyOnKubernetesIsRecognizedAndNamesItsGroups() throws Exception {
    ParsedHealth parsed = auto(200, "{\"status\":\"UP\",\"groups\":[\"liveness\",\"readiness\"]}");
    assertThat(parsed.format()).isEqualTo(SourceFormat.SPRING);
    assertThat(parsed.workers()).singleElement().satisfies(w -> {
      assertThat(w.name()).isEqualTo(ParsedHealth.OVERALL_WORKER);
      assertThat(w.status()).isEqualTo(Healthy);
      assertThat(w.message()).contains("health groups: liveness, readiness").contains("/actuator/health/liveness");
    });
  }

  @Test
  void springComponentsNestedDeeperThanTheLimitAreOneWorkerWithTheirAggregatedStatus() throws Exception {
    // 20 levels of composites with a DOWN leaf at the bottom: the composite at level 16 carries the DOWN
    StringBuilder body = new StringBuilder("{\"status\":\"DOWN\",\"components\":{\"ok\":{\"status\":\"UP\"}");
    for (int i = 1; i <= 20; i++) {
      body.append(",\"c").append(i).append("\":{\"status\":\"DOWN\",\"components\":{");
      body.append("\"fine").append(i).append("\":{\"status\":\"UP\"}");
    }
    body.append(",\"leaf\":{\"status\":\"DOWN\"}");
    body.append("}}".repeat(20)).append("}}");
    ParsedHealth parsed = auto(503, body.toString());
    assertThat(parsed.workers()).filteredOn(w -> w.status() == Failed).singleElement().satisfies(w -> {
      assertThat(w.name()).startsWith("c1/c2/c3/").endsWith("/c16");
      assertThat(w.message()).startsWith("2 nested components not listed (nested deeper than 16 levels)");
    });
    assertThat(parsed.workers()).extracting(WorkerReading::name).doesNotContain(ParsedHealth.OVERALL_WORKER);
  }

  @Test
  void aCompositeWorseThanAllItsChildrenIsListedItself() throws Exception {
    ParsedHealth parsed = auto(503, "{\"status\":\"DOWN\",\"components\":{\"kafka\":{\"status\":\"DOWN\","
        + "\"components\":{\"a\":{\"status\":\"UP\"}}}}}");
    assertThat(parsed.workers()).extracting(WorkerReading::name, WorkerReading::status)
        .containsExactly(tuple("kafka/a", Healthy), tuple("kafka", Failed));
  }

  @Test
  void duplicateKeysKeepTheWorseStatusWhateverTheirOrder() throws Exception {
    for (String body : List.of(
        "{\"status\":\"failed\",\"workers\":{\"a\":{\"status\":\"failed\"},\"a\":{\"status\":\"healthy\"}}}",
        "{\"status\":\"failed\",\"workers\":{\"a\":{\"status\":\"healthy\"},\"a\":{\"status\":\"failed\"}}}",
        "{\"status\":\"failed\",\"workers\":{\"a\":{\"status\":\"healthy\",\"status\":\"failed\"}}}")) {
      ParsedHealth parsed = auto(503, body);
      assertThat(parsed.workers()).as(body).singleElement().satisfies(w -> {
        assertThat(w.name()).isEqualTo("a");
        assertThat(w.status()).isEqualTo(Failed);
      });
    }
    ParsedHealth parsed = auto(503,
        "{\"status\":\"failed\",\"workers\":{\"a\":{\"status\":\"healthy\"},\"a\":{\"status\":\"failed\"}}}");
    assertThat(parsed.workers().get(0).message()).contains("reported 2 times under this name");
  }

  @Test
  void namesDifferingOnlyInWhiteSpaceAreOneWorkerWithTheWorseStatus() throws Exception {
    ParsedHealth parsed = auto(503, "{\"status\":\"failed\",\"workers\":{\"consumer\":{\"status\":\"healthy\"},"
        + "\" consumer \":{\"status\":\"failed\"}}}");
    assertThat(parsed.workers()).extracting(WorkerReading::name, WorkerReading::status)
        .containsExactly(tuple("consumer", Failed));
    assertThat(parsed.workers().get(0).message()).contains("white-space-differing");
  }

  @Test
  void anEmptyNameAndUnnamedAreOneWorkerWithTheWorseStatus() throws Exception {
    ParsedHealth parsed = auto(503, "{\"status\":\"failed\",\"workers\":{\"unnamed\":{\"status\":\"healthy\"},"
        + "\"\":{\"status\":\"failed\"}}}");
    assertThat(parsed.workers()).extracting(WorkerReading::name, WorkerReading::status)
        .containsExactly(tuple("unnamed", Failed));
  }

  @Test
  void anUnhealthyAppWhoseListedWorkersAreAllHealthyGetsTheOverallWorker() throws Exception {
    ParsedHealth parsed = auto(503, "{\"status\":\"failed\",\"workers\":{\"a\":{\"status\":\"healthy\"},"
        + "\"b\":{\"status\":\"healthy\"}}}");
    assertThat(parsed.workers()).extracting(WorkerReading::name, WorkerReading::status)
        .containsExactly(tuple(ParsedHealth.OVERALL_WORKER, Failed), tuple("a", Healthy), tuple("b", Healthy));
    assertThat(parsed.workers().get(0).rawStatus()).isEqualTo("failed");
    assertThat(parsed.workers().get(0).message())
        .isEqualTo("the app reports failed (HTTP 503), which none of its listed workers explains (none is Failed)");
  }

  @Test
  void aServerErrorIsAFailureEvenWhenTheBodyHasNoOverallWord() throws Exception {
    HealthFormats custom = new HealthFormats(new CustomFormatConfig("/jobs", null, "/s", null, null));
    ParsedHealth parsed = custom.parse(HealthResponse.of(500, null, "{\"jobs\":{\"a\":{\"s\":\"ok\"}}}"),
        SourceFormat.CUSTOM);
    assertThat(parsed.workers()).extracting(WorkerReading::name, WorkerReading::status, WorkerReading::rawStatus)
        .containsExactly(tuple(ParsedHealth.OVERALL_WORKER, Failed, "HTTP 500"), tuple("a", Healthy, "ok"));
  }

  @Test
  void anOverallFailureExplainedByAnExcludedWorkerIsNotAddedAgain() throws Exception {
    // readinessState is OUT_OF_SERVICE during a normal warm-up; Spring's own indicators are excluded by default
    ParsedHealth parsed = auto(503, "{\"status\":\"OUT_OF_SERVICE\",\"components\":{"
        + "\"orders\":{\"status\":\"UP\"},\"readinessState\":{\"status\":\"OUT_OF_SERVICE\"}}}");
    assertThat(parsed.workers()).extracting(WorkerReading::name, WorkerReading::status)
        .containsExactly(tuple("orders", Healthy));
    ParsedHealth onlyFramework = auto(503, "{\"status\":\"OUT_OF_SERVICE\",\"components\":{"
        + "\"ping\":{\"status\":\"UP\"},\"readinessState\":{\"status\":\"OUT_OF_SERVICE\"}}}");
    assertThat(onlyFramework.workers()).singleElement().satisfies(w -> {
      assertThat(w.name()).isEqualTo(ParsedHealth.OVERALL_WORKER);
      assertThat(w.status()).isEqualTo(Healthy);
      assertThat(w.message()).contains("left out by the worker filter").contains("readinessState");
    });
  }

  @Test
  void trailingContentAfterTheJsonIsAParseError() {
    for (String body : List.of("{\"status\":\"healthy\",\"workers\":{}}garbage",
        "{\"status\":\"healthy\",\"workers\":{}} {\"status\":\"failed\",\"workers\":{}}")) {
      for (SourceFormat f : List.of(SourceFormat.AUTO, SourceFormat.OUTPOST)) {
        assertThatThrownBy(() -> formats.parse(HealthResponse.of(200, null, body), f))
            .isInstanceOfSatisfying(HealthParseException.class,
                e -> assertThat(e.reason()).isEqualTo(ScrapeErrorReason.ParseError))
            .hasMessageMatching(".*(content after its JSON value|Unrecognized token 'garbage').*");
      }
    }
  }

  @Test
  void forcingSpringOnAnOutpostBodyIsAParseErrorNotHealthy() {
    assertThatThrownBy(() -> formats.parse(Samples.json("outpost-failed.json", 503), SourceFormat.SPRING))
        .isInstanceOfSatisfying(HealthParseException.class,
            e -> assertThat(e.reason()).isEqualTo(ScrapeErrorReason.ParseError))
        .hasMessageContaining("not a spring body").hasMessageContaining("looks like outpost");
  }

  @Test
  void jsonTooDeepIsAParseErrorThatSaysSoNotAnUnknownFormat() {
    String body = "{\"status\":\"UP\",\"components\":" + "{\"a\":".repeat(70) + "{}" + "}".repeat(71);
    assertThatThrownBy(() -> formats.parse(HealthResponse.of(200, null, body), SourceFormat.AUTO))
        .isInstanceOfSatisfying(HealthParseException.class,
            e -> assertThat(e.reason()).isEqualTo(ScrapeErrorReason.ParseError))
        .hasMessageContaining("nesting depth");
  }

  @Test
  void anUnknownOverallWordWithHealthyWorkersIsNotHealthy() throws Exception {
    ParsedHealth parsed = auto(200, "{\"status\":\"BROKEN\",\"components\":{\"a\":{\"status\":\"UP\"}}}");
    assertThat(parsed.workers()).extracting(WorkerReading::name, WorkerReading::status)
        .containsExactly(tuple(ParsedHealth.OVERALL_WORKER, Unknown), tuple("a", Healthy));
  }
}
