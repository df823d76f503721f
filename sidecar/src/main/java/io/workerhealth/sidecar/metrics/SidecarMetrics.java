package io.workerhealth.sidecar.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
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
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The sidecar's Prometheus metrics. Names are part of the project's interface: the chart's dashboards and alerts
 * use them. Series are per worker, never per pod (Prometheus adds the pod from the scrape target).
 */
public final class SidecarMetrics implements ReportMetrics {

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Timer scrapeDuration;
  private final Counter writesOk;
  private final Counter writesFailed;
  /** Per worker, one gauge per status; registered when a worker appears, removed when it is gone. */
  private final Map<String, Map<WorkerStatus, AtomicInteger>> workerStatus = new HashMap<>();
  private final Map<String, List<Meter>> workerMeters = new HashMap<>();
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
    Gauge.builder("workerhealth.sidecar.last.successful.scrape.timestamp", lastSuccessEpochSeconds, AtomicLong::get)
        .baseUnit("seconds")
        .description("Unix time of the last scrape that produced worker states")
        .register(registry);
  }

  private static Duration ms(long n) {
    return Duration.ofMillis(n);
  }

  @Override
  public void recordScrape(ScrapeOutcome outcome, WorkerHealthStatus status) {
    scrapeDuration.record(outcome.took());
    if (outcome instanceof ScrapeOutcome.Failure f) {
      registry.counter("workerhealth.sidecar.scrape.errors", "reason", f.error().getReason().name()).increment();
    } else if (status.getLastSuccessfulScrapeTime() != null) {
      lastSuccessEpochSeconds.set(java.time.Instant.parse(status.getLastSuccessfulScrapeTime()).getEpochSecond());
    }
    updateWorkers(status.getWorkers());
  }

  private synchronized void updateWorkers(List<WorkerState> workers) {
    Set<String> seen = new HashSet<>();
    for (WorkerState w : workers) {
      seen.add(w.getName());
      Map<WorkerStatus, AtomicInteger> values = workerStatus.computeIfAbsent(w.getName(), this::registerWorker);
      for (WorkerStatus s : WorkerStatus.values()) {
        values.get(s).set(w.getStatus() == s ? 1 : 0);
      }
    }
    // workers no longer listed lose their series
    for (String gone : workerStatus.keySet().stream().filter(n -> !seen.contains(n)).toList()) {
      workerStatus.remove(gone);
      workerMeters.remove(gone).forEach(registry::remove);
    }
  }

  private Map<WorkerStatus, AtomicInteger> registerWorker(String worker) {
    Map<WorkerStatus, AtomicInteger> values = new EnumMap<>(WorkerStatus.class);
    List<Meter> meters = new ArrayList<>();
    for (WorkerStatus s : WorkerStatus.values()) {
      AtomicInteger value = new AtomicInteger();
      values.put(s, value);
      meters.add(Gauge.builder("workerhealth.sidecar.worker.status", value, AtomicInteger::get)
          .description("1 for each worker's current status, 0 for the others")
          .tags(Tags.of("worker", worker, "status", s.name()))
          .strongReference(true)
          .register(registry));
    }
    workerMeters.put(worker, meters);
    return values;
  }

  @Override
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
