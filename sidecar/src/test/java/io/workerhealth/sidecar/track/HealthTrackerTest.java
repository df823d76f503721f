package io.workerhealth.sidecar.track;

import static io.workerhealth.api.v1alpha1.WorkerStatus.Failed;
import static io.workerhealth.api.v1alpha1.WorkerStatus.Healthy;
import static io.workerhealth.api.v1alpha1.WorkerStatus.Unknown;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.workerhealth.api.v1alpha1.HealthPhase;
import io.workerhealth.api.v1alpha1.ScrapeError;
import io.workerhealth.api.v1alpha1.ScrapeErrorReason;
import io.workerhealth.api.v1alpha1.SourceFormat;
import io.workerhealth.api.v1alpha1.WorkerHealthStatus;
import io.workerhealth.api.v1alpha1.WorkerState;
import io.workerhealth.api.v1alpha1.WorkerStatus;
import io.workerhealth.sidecar.format.ParsedHealth;
import io.workerhealth.sidecar.format.WorkerReading;
import io.workerhealth.sidecar.scrape.ScrapeOutcome;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class HealthTrackerTest {

  static final Instant T0 = Instant.parse("2026-01-01T10:00:00Z");

  /** A clock the test moves by hand. */
  static final class ManualClock extends Clock {
    Instant now = T0;

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }

    void advance(Duration d) {
      now = now.plus(d);
    }
  }

  final ManualClock clock = new ManualClock();
  final HealthTracker tracker = new HealthTracker(clock);

  static ScrapeOutcome ok(String overall, WorkerReading... workers) {
    return new ScrapeOutcome.Success(new ParsedHealth(SourceFormat.OUTPOST, overall, List.of(workers), 0), 200,
        Duration.ofMillis(3));
  }

  static WorkerReading w(String name, WorkerStatus status) {
    return new WorkerReading(name, status, status.name().toLowerCase(), null);
  }

  static ScrapeOutcome refused() {
    return new ScrapeOutcome.Failure(new ScrapeError(ScrapeErrorReason.ConnectionRefused, "refused"), null,
        Duration.ofMillis(1));
  }

  @Test
  void transitionTimeMovesOnlyWhenAWorkersStateChanges() {
    WorkerHealthStatus s1 = tracker.next(null, ok("healthy", w("a", Healthy), w("b", Healthy)));
    clock.advance(Duration.ofSeconds(30));
    WorkerHealthStatus s2 = tracker.next(s1, ok("failed", w("a", Healthy), w("b", Failed)));
    assertThat(s2.worker("a").orElseThrow().getLastTransitionTime()).isEqualTo("2026-01-01T10:00:00Z");
    assertThat(s2.worker("b").orElseThrow().getLastTransitionTime()).isEqualTo("2026-01-01T10:00:30Z");
    clock.advance(Duration.ofSeconds(30));
    WorkerHealthStatus s3 = tracker.next(s2, ok("failed", w("a", Healthy), w("b", Failed)));
    assertThat(s3.worker("b").orElseThrow().getLastTransitionTime())
        .as("still failed: the failure started at 10:00:30").isEqualTo("2026-01-01T10:00:30Z");
    assertThat(s3.getLastScrapeTime()).isEqualTo("2026-01-01T10:01:00Z");
    assertThat(s3.getPhase()).isEqualTo(HealthPhase.Failed);
    assertThat(s3.getReady()).isEqualTo("1/2");
    assertThat(s3.getFailing()).isEqualTo("b");
  }

  @Test
  void transitionTimesKeepMillisecondsSoThatRulesNeverActEarly() {
    WorkerHealthStatus s1 = tracker.next(null, ok("healthy", w("a", Healthy)));
    clock.advance(Duration.ofMillis(2_750_400));
    WorkerHealthStatus s2 = tracker.next(s1, ok("failed", w("a", Failed)));
    assertThat(s2.worker("a").orElseThrow().getLastTransitionTime()).isEqualTo("2026-01-01T10:45:50.400Z");
    assertThat(Instant.parse(s2.getLastScrapeTime())).isEqualTo(clock.instant());
  }

  @Test
  void aWorkerThatDisappearsBecomesUnknownAndStaysListed() {
    WorkerHealthStatus s1 = tracker.next(null, ok("healthy", w("a", Healthy), w("b", Healthy)));
    clock.advance(Duration.ofSeconds(5));
    WorkerHealthStatus s2 = tracker.next(s1, ok("healthy", w("a", Healthy)));
    assertThat(s2.getWorkers()).extracting(WorkerState::getName, WorkerState::getStatus)
        .containsExactly(tuple("a", Healthy), tuple("b", Unknown));
    assertThat(s2.worker("b").orElseThrow().getMessage()).contains("no longer reported");
    assertThat(s2.getPhase()).isEqualTo(HealthPhase.Degraded);
  }

  @Test
  void anUnreachableEndpointKeepsLastKnownWorkersAsUnknown() {
    WorkerHealthStatus s1 = tracker.next(null, ok("failed", w("a", Healthy), w("b", Failed)));
    clock.advance(Duration.ofSeconds(5));
    WorkerHealthStatus s2 = tracker.next(s1, refused());
    clock.advance(Duration.ofSeconds(5));
    WorkerHealthStatus s3 = tracker.next(s2, refused());
    assertThat(s3.getPhase()).isEqualTo(HealthPhase.Unreachable);
    assertThat(s3.getConsecutiveFailures()).isEqualTo(2);
    assertThat(s3.getScrapeError().getReason()).isEqualTo(ScrapeErrorReason.ConnectionRefused);
    assertThat(s3.getWorkers()).extracting(WorkerState::getName, WorkerState::getStatus, WorkerState::getRawStatus)
        .containsExactly(tuple("a", Unknown, "healthy"), tuple("b", Unknown, "failed"));
    assertThat(s3.worker("b").orElseThrow().getMessage()).isEqualTo("last known Failed; health endpoint unreachable");
    assertThat(s3.worker("b").orElseThrow().getLastTransitionTime()).isEqualTo("2026-01-01T10:00:05Z");
    assertThat(s3.getLastSuccessfulScrapeTime()).isEqualTo("2026-01-01T10:00:00Z");
    assertThat(s3.getFormat()).isEqualTo(SourceFormat.OUTPOST);

    clock.advance(Duration.ofSeconds(5));
    WorkerHealthStatus s4 = tracker.next(s3, ok("healthy", w("a", Healthy), w("b", Healthy)));
    assertThat(s4.getScrapeError()).isNull();
    assertThat(s4.getConsecutiveFailures()).isZero();
    assertThat(s4.getPhase()).isEqualTo(HealthPhase.Healthy);
  }

  @Test
  void noWorkersDuringStartUpIsNotAFailure() {
    assertThat(tracker.next(null, ok("healthy")).getPhase()).isEqualTo(HealthPhase.Healthy);
    assertThat(tracker.next(null, ok(null)).getPhase()).isEqualTo(HealthPhase.Unknown);
    assertThat(tracker.next(null, ok("healthy")).getReady()).isEqualTo("0/0");
  }

  @Test
  void theOverallWorkerIsNotCarriedOverOnceTheAppListsItsWorkers() {
    WorkerHealthStatus starting = tracker.next(null, ok("healthy", w(ParsedHealth.OVERALL_WORKER, Healthy)));
    assertThat(starting.getReady()).isEqualTo("1/1");
    clock.advance(Duration.ofSeconds(5));
    WorkerHealthStatus running = tracker.next(starting, ok("healthy", w("a", Healthy), w("b", Healthy)));
    assertThat(running.getWorkers()).extracting(WorkerState::getName).containsExactly("a", "b");
    assertThat(running.getPhase()).isEqualTo(HealthPhase.Healthy);
  }

  @Test
  void failingColumnIsShortenedWithACount() {
    List<WorkerReading> many = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      many.add(w("consumer-number-" + i, Failed));
    }
    WorkerHealthStatus s = tracker.next(null, ok("failed", many.toArray(WorkerReading[]::new)));
    assertThat(s.getFailing()).hasSizeLessThanOrEqualTo(HealthTracker.MAX_FAILING_LENGTH)
        .startsWith("consumer-number-0,consumer-number-1,").matches(".*,\\+\\d+ more$");
  }

  @Test
  void changeDetectionIgnoresTimestampsAndErrorWording() {
    WorkerHealthStatus s1 = tracker.next(null, ok("healthy", w("a", Healthy)));
    clock.advance(Duration.ofSeconds(5));
    WorkerHealthStatus s2 = tracker.next(s1, ok("healthy", w("a", Healthy)));
    assertThat(HealthTracker.meaningfullyChanged(s1, s2)).isFalse();

    WorkerHealthStatus s3 = tracker.next(s2, ok("failed", w("a", Failed)));
    assertThat(HealthTracker.meaningfullyChanged(s2, s3)).isTrue();

    WorkerHealthStatus f1 = tracker.next(s3, refused());
    WorkerHealthStatus f2 = tracker.next(f1, new ScrapeOutcome.Failure(
        new ScrapeError(ScrapeErrorReason.ConnectionRefused, "refused after 3ms"), null, Duration.ZERO));
    assertThat(HealthTracker.meaningfullyChanged(f1, f2)).as("same reason, other wording, one more failure")
        .isFalse();
    WorkerHealthStatus f3 = tracker.next(f2, new ScrapeOutcome.Failure(
        new ScrapeError(ScrapeErrorReason.Timeout, "slow"), null, Duration.ZERO));
    assertThat(HealthTracker.meaningfullyChanged(f2, f3)).isTrue();
  }
}
