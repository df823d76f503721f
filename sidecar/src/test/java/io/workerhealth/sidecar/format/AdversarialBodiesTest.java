package io.workerhealth.sidecar.format;

import static io.workerhealth.api.v1alpha1.WorkerStatus.Failed;
import static io.workerhealth.api.v1alpha1.WorkerStatus.Healthy;
import static io.workerhealth.api.v1alpha1.WorkerStatus.Unknown;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.workerhealth.api.v1alpha1.ScrapeErrorReason;
import io.workerhealth.api.v1alpha1.SourceFormat;
import io.workerhealth.api.v1alpha1.WorkerHealthStatus;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What each hostile body at the default body limit (1 MiB) reads as: bounded, and never healthier than it says.
 * (That reading them fits the image's heap is {@code SidecarMemoryIT}'s part.)
 */
class AdversarialBodiesTest {

  static final int LIMIT = 1 << 20;
  private static final HealthFormats FORMATS = new HealthFormats(null);

  static Stream<AdversarialBodies.Body> bodies() {
    return AdversarialBodies.all(LIMIT).stream();
  }

  private static final Map<String, Consumer<ParsedHealth>> READS = Map.ofEntries(
      Map.entry("outpost-empty-worker-objects", p -> {
        assertThat(p.workers()).hasSize(WorkerHealthStatus.MAX_WORKERS).allMatch(w -> w.status() == Unknown);
        assertThat(p.droppedWorkers()).isGreaterThan(80_000);
      }),
      Map.entry("spring-details-of-empty-objects", p -> assertThat(statuses(p)).containsExactly(Healthy)),
      Map.entry("outpost-many-workers", p -> {
        assertThat(p.workers()).hasSize(WorkerHealthStatus.MAX_WORKERS);
        assertThat(p.workers()).filteredOn(w -> w.status() == Failed).extracting(WorkerReading::name)
            .containsExactly("mq-31000");
        assertThat(p.droppedWorkers()).isGreaterThan(32_000);
      }),
      Map.entry("spring-composites-16-deep", p -> {
        assertThat(p.workers()).hasSize(WorkerHealthStatus.MAX_WORKERS).allMatch(w -> w.status() == Healthy);
        assertThat(p.workers().get(0).name()).isEqualTo("c0/l0/l1/l2/l3/l4/l5/l6/l7/l8/l9/l10/l11/l12/l13/l14");
        assertThat(p.workers().get(0).message()).startsWith("1 nested components not listed");
      }),
      Map.entry("spring-long-error-message", p -> {
        assertThat(statuses(p)).containsExactly(Failed);
        assertThat(p.workers().get(0).message()).hasSize(HealthFormats.MAX_MESSAGE_LENGTH).endsWith("…");
      }),
      Map.entry("outpost-long-status-word-non-latin", p -> {
        assertThat(statuses(p)).containsExactly(Failed, Unknown); // (overall) from "failed" and HTTP 503
        assertThat(p.workers().get(1).rawStatus()).hasSize(HealthFormats.MAX_RAW_STATUS_LENGTH);
      }),
      Map.entry("unread-long-string", p -> assertThat(statuses(p)).containsExactly(Healthy)),
      Map.entry("many-distinct-keys", p -> assertThat(statuses(p)).containsExactly(Healthy)),
      Map.entry("many-1000-digit-numbers", p -> assertThat(statuses(p)).containsExactly(Healthy)),
      Map.entry("microprofile-many-checks", p -> {
        assertThat(p.workers()).hasSize(WorkerHealthStatus.MAX_WORKERS);
        assertThat(p.workers()).filteredOn(w -> w.status() == Failed).extracting(WorkerReading::name)
            .containsExactly("c20000");
      }),
      Map.entry("ietf-one-check-many-entries", p -> {
        assertThat(p.workers()).hasSize(WorkerHealthStatus.MAX_WORKERS);
        assertThat(p.workers().get(0).name()).isEqualTo("db/0");
      }),
      Map.entry("k8s-many-checks", p -> assertThat(p.workers()).filteredOn(w -> w.status() == Failed)
          .extracting(WorkerReading::name).containsExactly("check-30000")),
      Map.entry("white-space-then-outpost", p -> assertThat(p.workers()).extracting(WorkerReading::name)
          .containsExactly(ParsedHealth.OVERALL_WORKER)));

  private static final Map<String, String> REFUSED = Map.of(
      "array-of-empty-objects", "no known health format matched",
      "arrays-nested-to-the-json-limit", "no known health format matched",
      "nested-past-the-json-limit", "nesting depth",
      "outpost-long-worker-name", "Name length",
      "one-number-as-long-as-the-body", "Number value length");

  @ParameterizedTest(name = "{0}")
  @MethodSource("bodies")
  void everyBodyAtTheLimitReadsBoundedOrIsRefusedWithAReason(AdversarialBodies.Body body) {
    if (REFUSED.containsKey(body.name())) {
      assertThatThrownBy(() -> FORMATS.parse(body.response(), SourceFormat.AUTO))
          .isInstanceOfSatisfying(HealthParseException.class, e -> assertThat(e.reason())
              .isIn(ScrapeErrorReason.ParseError, ScrapeErrorReason.UnknownFormat))
          .hasMessageContaining(REFUSED.get(body.name()));
      return;
    }
    ParsedHealth parsed;
    try {
      parsed = FORMATS.parse(body.response(), SourceFormat.AUTO);
    } catch (HealthParseException e) {
      throw new AssertionError(body.name() + ": " + e.getMessage(), e);
    }
    assertThat(READS).as("expectation for %s", body.name()).containsKey(body.name());
    READS.get(body.name()).accept(parsed);
  }

  @Test
  void everyBodyIsCovered() {
    assertThat(bodies().map(AdversarialBodies.Body::name).collect(Collectors.toSet()))
        .containsExactlyInAnyOrderElementsOf(Stream.concat(READS.keySet().stream(), REFUSED.keySet().stream())
            .toList());
  }

  private static List<io.workerhealth.api.v1alpha1.WorkerStatus> statuses(ParsedHealth p) {
    return p.workers().stream().map(WorkerReading::status).toList();
  }
}
