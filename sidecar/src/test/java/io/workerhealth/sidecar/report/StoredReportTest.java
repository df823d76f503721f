package io.workerhealth.sidecar.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.workerhealth.api.v1alpha1.WorkerHealth;
import io.workerhealth.api.v1alpha1.WorkerHealthStatus;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class StoredReportTest {

  static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");

  static WorkerHealthStatus scrapedAt(String time) {
    WorkerHealthStatus s = new WorkerHealthStatus();
    s.setLastScrapeTime(time);
    return s;
  }

  @Test
  void aWriteIsTestedAgainstTheStoredScrapeTimeOrWithoutOneTheResourceVersion() {
    WorkerHealth wh = new WorkerHealth();
    wh.getMetadata().setResourceVersion("41");
    wh.setStatus(scrapedAt("2026-03-01T11:59:55.123Z"));
    assertThat(StoredReport.of(wh).testedPath()).isEqualTo("/status/lastScrapeTime");
    assertThat(StoredReport.of(wh).testedValue()).isEqualTo("2026-03-01T11:59:55.123Z");

    wh.setStatus(new WorkerHealthStatus()); // as read when the resource has no status yet
    assertThat(StoredReport.of(wh).testedPath()).isEqualTo("/metadata/resourceVersion");
    assertThat(StoredReport.of(wh).testedValue()).isEqualTo("41");
  }

  @Test
  void theSameStatusIsTheSameScrapeTimeWhateverTheResourceVersion() {
    // labels changed by someone else move the resource version, not the status
    assertThat(new StoredReport("t1", "1").sameStatusAs(new StoredReport("t1", "2"))).isTrue();
    assertThat(new StoredReport("t1", "1").sameStatusAs(new StoredReport("t2", "1"))).isFalse();
    assertThat(new StoredReport(null, "1").sameStatusAs(new StoredReport(null, "2"))).isFalse();
    assertThat(new StoredReport(null, "1").sameStatusAs(new StoredReport("t1", "1"))).isFalse();
  }

  @Test
  void aNewerStoredReportIsNeverReplacedByAnOlderOne() {
    WorkerHealthStatus ours = scrapedAt("2026-03-01T11:59:50Z");
    assertThat(StoredReport.supersedes(ours, scrapedAt("2026-03-01T11:59:55Z"), NOW)).isFalse();
    assertThat(StoredReport.supersedes(ours, scrapedAt("2026-03-01T11:59:40Z"), NOW)).isTrue();
    assertThat(StoredReport.supersedes(ours, scrapedAt("2026-03-01T11:59:50Z"), NOW)).isTrue();
    assertThat(StoredReport.supersedes(ours, null, NOW)).isTrue();
  }

  @Test
  void aStoredReportFromTheFutureOrNotATimeDoesNotBlockReporting() {
    WorkerHealthStatus ours = scrapedAt("2026-03-01T11:59:50Z");
    assertThat(StoredReport.supersedes(ours, scrapedAt("+1000000000-12-31T23:59:59Z"), NOW)).isTrue();
    assertThat(StoredReport.supersedes(ours, scrapedAt("2026-03-01T12:00:01Z"), NOW)).isTrue();
    assertThat(StoredReport.supersedes(ours, scrapedAt("yesterday"), NOW)).isTrue();
  }
}
