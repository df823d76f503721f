package io.workerhealth.sidecar.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.workerhealth.api.v1alpha1.WorkerHealthStatus;
import io.workerhealth.api.v1alpha1.WorkerState;
import io.workerhealth.api.v1alpha1.WorkerStatus;
import io.workerhealth.sidecar.scrape.ScrapeOutcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The sidecar's Prometheus metrics. Names are part of the project's interface: the chart's dashboards and alerts
 * use them. Series are per worker, never per pod (Prometheus adds the pod from the scrape target).
 */
public final class SidecarMetrics {

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Timer scrapeDuration;
  private final Counter writesOk;
  private final Counter writesFailed;
  private final MultiGauge workerStatus;
  private final AtomicLong lastSuccessEpochSeconds = new AtomicLong();

  public SidecarMetrics() {
    scrapeDuration = Timer.builder("workerhealth.sidecar.scrape.duration")
        .description("Time to scrape and parse the app's health endpoint")
        .serviceLevelObjectives(ms(5), ms(10), ms(25), ms(50), ms(100), ms(250), ms(500), ms(1000), ms(2500),
            ms(5000), ms(10000))
        .register(registry);
    writesOk = Counter.builder("workerhealth.sidecar.report.writes").tag("result", "success")
        .description("WorkerHealth status writes to the API server").register(registry);
    writesFailed = Counter.builder("workerhealth.sidecar.report.writes").tag("result", "failure")
        .description("WorkerHealth status writes to the API server").register(registry);
    workerStatus = MultiGauge.builder("workerhealth.sidecar.worker.status")
        .description("1 for each worker's current status, 0 for the others")
        .register(registry);
    Gauge.builder("workerhealth.sidecar.last.successful.scrape.timestamp", lastSuccessEpochSeconds, AtomicLong::get)
        .baseUnit("seconds")
        .description("Unix time of the last scrape that produced worker states")
        .register(registry);
  }

  private static Duration ms(long n) {
    return Duration.ofMillis(n);
  }

  public void recordScrape(ScrapeOutcome outcome, WorkerHealthStatus status) {
    scrapeDuration.record(outcome.took());
    if (outcome instanceof ScrapeOutcome.Failure f) {
      registry.counter("workerhealth.sidecar.scrape.errors", "reason", f.error().getReason().name()).increment();
    } else if (status.getLastSuccessfulScrapeTime() != null) {
      lastSuccessEpochSeconds.set(java.time.Instant.parse(status.getLastSuccessfulScrapeTime()).getEpochSecond());
    }
    List<MultiGauge.Row<?>> rows = new ArrayList<>();
    for (WorkerState w : status.getWorkers()) {
      for (WorkerStatus s : WorkerStatus.values()) {
        rows.add(MultiGauge.Row.of(Tags.of("worker", w.getName(), "status", s.name()), w.getStatus() == s ? 1 : 0));
      }
    }
    workerStatus.register(rows, true); // workers no longer reported lose their series
  }

  public void reportWrite(boolean success) {
    (success ? writesOk : writesFailed).increment();
  }

  public String scrape() {
    return registry.scrape();
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }
}
