package io.workerhealth.sidecar.format;

import static org.assertj.core.api.Assertions.assertThat;

import io.workerhealth.api.v1alpha1.SourceFormat;
import io.workerhealth.api.v1alpha1.WorkerHealthStatus;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** No body makes a format throw anything but a HealthParseException, and whatever is read stays within bounds. */
class HealthFormatsProperties {

  private static final List<String> SAMPLES = List.of("outpost-failed.json", "spring-down.json", "ietf-warn.json",
      "microprofile-down.json", "aspnet-unhealthy.json", "k8s-readyz.txt");
  private static final HealthFormats FORMATS = new HealthFormats(
      new CustomFormatConfig("$.workers", "/name", "/status", "/message", Map.of()));

  @Property(tries = 300)
  void randomBytesNeverCrashAnyFormat(@ForAll byte[] body, @ForAll SourceFormat format) {
    assertReadsOrRejects(new HealthResponse(503, null, body), format);
  }

  @Property(tries = 500)
  void mutatedRealBodiesNeverCrashAnyFormat(@ForAll("mutatedSamples") String body, @ForAll SourceFormat format) {
    assertReadsOrRejects(HealthResponse.of(200, "application/json", body), format);
  }

  @Property(tries = 300)
  void generatedJsonNeverCrashesAnyFormat(@ForAll("json") String body, @ForAll SourceFormat format) {
    assertReadsOrRejects(HealthResponse.of(200, "application/json", body), format);
  }

  @Property(tries = 500)
  void aServerErrorIsNeverReadAsAllHealthy(@ForAll("json") String body, @ForAll SourceFormat format) {
    try {
      ParsedHealth parsed = FORMATS.parse(HealthResponse.of(503, "application/json", body), format);
      assertThat(parsed.workers()).as(body).anyMatch(w -> w.status() != io.workerhealth.api.v1alpha1.WorkerStatus
          .Healthy);
    } catch (HealthParseException e) {
      assertThat(e.getMessage()).isNotBlank(); // not read at all: reported as a scrape error, never as Healthy
    }
  }

  private static void assertReadsOrRejects(HealthResponse response, SourceFormat format) {
    try {
      ParsedHealth parsed = FORMATS.parse(response, format);
      assertThat(parsed.workers()).hasSizeLessThanOrEqualTo(WorkerHealthStatus.MAX_WORKERS);
      assertThat(parsed.workers()).allSatisfy(w -> {
        assertThat(w.name()).isNotBlank().hasSizeLessThanOrEqualTo(HealthFormats.MAX_NAME_LENGTH);
        assertThat(w.status()).isNotNull();
        if (w.message() != null) {
          assertThat(w.message()).hasSizeLessThanOrEqualTo(HealthFormats.MAX_MESSAGE_LENGTH);
        }
        if (w.rawStatus() != null) {
          assertThat(w.rawStatus()).hasSizeLessThanOrEqualTo(HealthFormats.MAX_RAW_STATUS_LENGTH);
        }
      });
      assertThat(parsed.workers().stream().map(WorkerReading::name).distinct().count())
          .isEqualTo(parsed.workers().size());
    } catch (HealthParseException e) {
      assertThat(e.reason()).isNotNull();
      assertThat(e.getMessage()).isNotBlank();
    }
  }

  @Provide
  Arbitrary<String> mutatedSamples() {
    Arbitrary<String> sample = Arbitraries.of(SAMPLES)
        .map(name -> new String(Samples.bytes(name), StandardCharsets.UTF_8));
    Arbitrary<Integer> position = Arbitraries.integers().between(0, 2000);
    Arbitrary<String> insert = Arbitraries.oneOf(Arbitraries.strings().ofMaxLength(8),
        Arbitraries.of("{", "}", "[", "]", "\"", ",", ":", "null", "\\u0000", "{\"status\":", "[]", "{}", "1e999",
            "\"workers\":[", "\"components\":{"));
    Arbitrary<Integer> cut = Arbitraries.integers().between(0, 20);
    return Combinators.combine(sample, position, insert, cut).as((s, pos, ins, del) -> {
      int at = Math.min(pos, s.length());
      int end = Math.min(s.length(), at + del);
      return s.substring(0, at) + ins + s.substring(end);
    });
  }

  @Provide
  Arbitrary<String> json() {
    return jsonValue(4);
  }

  private Arbitrary<String> jsonValue(int depth) {
    Arbitrary<String> scalar = Arbitraries.oneOf(
        Arbitraries.strings().ofMaxLength(12).map(s -> "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\""),
        Arbitraries.of("\"UP\"", "\"DOWN\"", "\"healthy\"", "\"failed\"", "\"pass\"", "\"warn\"", "\"Unhealthy\"",
            "null", "true", "false", "0", "-1", "3.5"));
    if (depth == 0) {
      return scalar;
    }
    Arbitrary<String> key = Arbitraries.oneOf(Arbitraries.of("status", "workers", "components", "checks", "entries",
        "details", "name", "state", "outcome", "error", "output", "description", "componentId"),
        Arbitraries.strings().alpha().ofMaxLength(6));
    Arbitrary<String> object = Combinators.combine(key, Arbitraries.lazy(() -> jsonValue(depth - 1))).as(
        (k, v) -> "\"" + k + "\":" + v).list().ofMaxSize(5).map(l -> "{" + String.join(",", l) + "}");
    Arbitrary<String> array = Arbitraries.lazy(() -> jsonValue(depth - 1)).list().ofMaxSize(4)
        .map(l -> "[" + String.join(",", l) + "]");
    return Arbitraries.oneOf(scalar, object, object, array);
  }
}
