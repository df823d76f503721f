package io.workerhealth.sidecar.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.workerhealth.api.v1alpha1.HealthPhase;
import io.workerhealth.api.v1alpha1.WorkerHealthStatus;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** When a status is worth a write: the sidecar's heartbeat, the agent's change-only schedule. */
class ReportScheduleTest {

  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  static WorkerHealthStatus status(HealthPhase phase, Instant scraped) {
    WorkerHealthStatus s = new WorkerHealthStatus();
    s.setPhase(phase);
    s.setLastScrapeTime(scraped.toString());
    return s;
  }

  @Test
  void theSidecarsScheduleRewritesEveryHeartbeat() {
    ReportSchedule schedule = new ReportSchedule(Duration.ofSeconds(60));
    assertThat(schedule.shouldReport(status(HealthPhase.Healthy, T0), T0)).isTrue();
    assertThat(schedule.shouldReport(status(HealthPhase.Healthy, T0.plusSeconds(30)), T0.plusSeconds(30))).isFalse();
    assertThat(schedule.shouldReport(status(HealthPhase.Healthy, T0.plusSeconds(60)), T0.plusSeconds(60))).isTrue();
  }

  @Test
  void theAgentsScheduleWritesChangesOnlyHoweverLongItIsQuiet() {
    ReportSchedule schedule = ReportSchedule.onChangeOnly();
    assertThat(schedule.shouldReport(status(HealthPhase.Healthy, T0), T0)).as("the first").isTrue();
    Instant day = T0.plus(Duration.ofDays(1));
    assertThat(schedule.shouldReport(status(HealthPhase.Healthy, day), day)).isFalse();
    assertThat(schedule.shouldReport(status(HealthPhase.Failed, day.plusSeconds(5)), day.plusSeconds(5))).isTrue();
  }
}
