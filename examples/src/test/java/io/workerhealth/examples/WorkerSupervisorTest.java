package io.workerhealth.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class WorkerSupervisorTest {

  private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
  private final WorkerSupervisor supervisor =
      new WorkerSupervisor(WorkerSupervisor.SAMPLE_WORKERS, Clock.fixed(NOW, ZoneOffset.UTC));

  @Test
  void startsWithEveryWorkerHealthyInDeclaredOrder() {
    HealthReport report = supervisor.report();

    assertThat(report.healthy()).isTrue();
    assertThat(report.timestamp()).isEqualTo(NOW);
    assertThat(report.workers()).containsExactly(
        entry("http-server", true), entry("deliverymq-consumer", true),
        entry("retrymq-consumer", true), entry("logmq-consumer", true));
  }

  @Test
  void failingOneWorkerFailsOnlyThatWorkerAndTheReport() {
    supervisor.fail("deliverymq-consumer");

    HealthReport report = supervisor.report();
    assertThat(report.healthy()).isFalse();
    assertThat(report.workers()).containsExactly(
        entry("http-server", true), entry("deliverymq-consumer", false),
        entry("retrymq-consumer", true), entry("logmq-consumer", true));
  }

  @Test
  void recoverBringsBackOnlyTheNamedWorker() {
    supervisor.fail("deliverymq-consumer");
    supervisor.fail("logmq-consumer");

    supervisor.recover("deliverymq-consumer");

    assertThat(supervisor.isHealthy("deliverymq-consumer")).isTrue();
    assertThat(supervisor.isHealthy("logmq-consumer")).isFalse();
    assertThat(supervisor.report().healthy()).isFalse();
  }

  @Test
  void failAndRecoverAreIdempotent() {
    supervisor.fail("retrymq-consumer");
    supervisor.fail("retrymq-consumer");
    supervisor.recover("retrymq-consumer");
    supervisor.recover("retrymq-consumer");

    assertThat(supervisor.report().healthy()).isTrue();
  }

  @Test
  void outageFailsEveryConsumerButNotTheHttpServer() {
    List<String> failed = supervisor.outage();

    assertThat(failed).containsExactly("deliverymq-consumer", "retrymq-consumer", "logmq-consumer");
    assertThat(supervisor.report().workers()).containsExactly(
        entry("http-server", true), entry("deliverymq-consumer", false),
        entry("retrymq-consumer", false), entry("logmq-consumer", false));
  }

  @Test
  void recoverAllEndsAnOutageAndAHang() {
    supervisor.outage();
    supervisor.fail("http-server");
    supervisor.hangHealthz(Duration.ofSeconds(10));

    supervisor.recoverAll();

    assertThat(supervisor.report().healthy()).isTrue();
    assertThat(supervisor.healthzHang()).isZero();
  }

  @Test
  void hangIsSetAndClearedWithZero() {
    supervisor.hangHealthz(Duration.ofSeconds(5));
    assertThat(supervisor.healthzHang()).isEqualTo(Duration.ofSeconds(5));

    supervisor.hangHealthz(Duration.ZERO);
    assertThat(supervisor.healthzHang()).isZero();
  }

  @Test
  void hangDoesNotChangeWorkerHealth() {
    supervisor.hangHealthz(Duration.ofSeconds(5));

    assertThat(supervisor.report().healthy()).isTrue();
  }

  @Test
  void rejectsANegativeHang() {
    assertThatThrownBy(() -> supervisor.hangHealthz(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(supervisor.healthzHang()).isZero();
  }

  @Test
  void unknownWorkerIsRejectedNamingTheKnownOnesAndChangesNothing() {
    assertThatThrownBy(() -> supervisor.fail("billing-consumer"))
        .isInstanceOf(UnknownWorkerException.class)
        .hasMessageContaining("billing-consumer")
        .hasMessageContaining("deliverymq-consumer");
    assertThatThrownBy(() -> supervisor.recover(null)).isInstanceOf(UnknownWorkerException.class);

    assertThat(supervisor.report().healthy()).isTrue();
  }

  @Test
  void timestampFollowsTheInjectedClock() {
    MutableClock clock = new MutableClock(NOW);
    WorkerSupervisor ticking = new WorkerSupervisor(List.of("a-consumer"), clock);

    clock.now = NOW.plusSeconds(90);

    assertThat(ticking.report().timestamp()).isEqualTo(NOW.plusSeconds(90));
  }

  @Test
  void aReportIsASnapshotNotAView() {
    HealthReport before = supervisor.report();

    supervisor.fail("http-server");

    assertThat(before.healthy()).isTrue();
  }

  @Test
  void rejectsDuplicateOrBlankWorkerNames() {
    Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    assertThatThrownBy(() -> new WorkerSupervisor(List.of("a", "a"), clock)).hasMessageContaining("twice");
    assertThatThrownBy(() -> new WorkerSupervisor(List.of(" "), clock)).hasMessageContaining("blank");
    assertThatThrownBy(() -> new WorkerSupervisor(List.of(), clock)).hasMessageContaining("at least one");
  }

  @Test
  void aFailedWorkerDoesNoWorkUntilRecovered() {
    SimulatedWorker worker = new SimulatedWorker("logmq-consumer", supervisor, Duration.ofMillis(100));
    assertThat(worker.step()).isTrue();

    supervisor.fail("logmq-consumer");
    assertThat(worker.step()).isFalse();
    assertThat(worker.step()).isFalse();
    assertThat(worker.processed()).isEqualTo(1);

    supervisor.recover("logmq-consumer");
    assertThat(worker.step()).isTrue();
    assertThat(worker.processed()).isEqualTo(2);
  }

  @Test
  void anOutageStopsConsumersButTheHttpServerKeepsWorking() {
    SimulatedWorker consumer = new SimulatedWorker("retrymq-consumer", supervisor, Duration.ofMillis(100));
    SimulatedWorker http = new SimulatedWorker("http-server", supervisor, Duration.ofMillis(100));

    supervisor.outage();

    assertThat(consumer.step()).isFalse();
    assertThat(http.step()).isTrue();
  }

  @Test
  void aWorkerMustBeKnownToTheSupervisor() {
    assertThatThrownBy(() -> new SimulatedWorker("nope", supervisor, Duration.ofMillis(100)))
        .isInstanceOf(UnknownWorkerException.class);
  }

  /** A clock a test moves by hand. */
  private static final class MutableClock extends Clock {
    private Instant now;

    MutableClock(Instant now) {
      this.now = now;
    }

    @Override
    public java.time.ZoneId getZone() {
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
  }
}
