package io.workerhealth.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import io.workerhealth.api.v1alpha1.ScrapeError;
import io.workerhealth.api.v1alpha1.ScrapeErrorReason;
import io.workerhealth.api.v1alpha1.WorkerHealthStatus;
import io.workerhealth.api.v1alpha1.WorkerState;
import io.workerhealth.api.v1alpha1.WorkerStatus;
import io.workerhealth.sidecar.metrics.SidecarMetrics;
import io.workerhealth.sidecar.scrape.ScrapeOutcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SidecarMetricsTest {

  final SidecarMetrics metrics = new SidecarMetrics();

  static WorkerHealthStatus status(WorkerState... workers) {
    WorkerHealthStatus s = new WorkerHealthStatus();
    s.setWorkers(new ArrayList<>(List.of(workers)));
    s.setLastSuccessfulScrapeTime("2026-01-01T00:00:10Z");
    return s;
  }

  static WorkerState w(String name, WorkerStatus status) {
    return new WorkerState(name, status, null, null, "2026-01-01T00:00:00Z");
  }

  @Test
  void eachWorkerHasOneSeriesPerStatusWithTheCurrentOneSet() {
    ScrapeOutcome ok = new ScrapeOutcome.Success(null, 200, Duration.ofMillis(4));
    metrics.recordScrape(ok, status(w("a", WorkerStatus.Healthy), w("b", WorkerStatus.Failed)));
    String text = metrics.scrape();
    assertThat(text)
        .contains("workerhealth_sidecar_worker_status{status=\"Healthy\",worker=\"a\"} 1.0")
        .contains("workerhealth_sidecar_worker_status{status=\"Failed\",worker=\"a\"} 0.0")
        .contains("workerhealth_sidecar_worker_status{status=\"Failed\",worker=\"b\"} 1.0")
        .contains("workerhealth_sidecar_last_successful_scrape_timestamp_seconds 1.76722561E9");

    metrics.recordScrape(ok, status(w("a", WorkerStatus.Failed)));
    text = metrics.scrape();
    assertThat(text).contains("workerhealth_sidecar_worker_status{status=\"Failed\",worker=\"a\"} 1.0")
        .doesNotContain("worker=\"b\"");
  }

  @Test
  void scrapeErrorsAreCountedByReason() {
    metrics.recordScrape(new ScrapeOutcome.Failure(new ScrapeError(ScrapeErrorReason.Timeout, "slow"), null,
        Duration.ofSeconds(2)), status());
    assertThat(metrics.scrape()).contains("workerhealth_sidecar_scrape_errors_total{reason=\"Timeout\"} 1.0")
        .contains("workerhealth_sidecar_scrape_duration_seconds_count 1");
  }
}
