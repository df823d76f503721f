package io.workerhealth.sidecar.agent;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.workerhealth.api.v1alpha1.WorkerHealthStatus;
import io.workerhealth.api.v1alpha1.WorkerState;
import io.workerhealth.api.v1alpha1.WorkerStatus;
import io.workerhealth.sidecar.metrics.ReportMetrics;
import io.workerhealth.sidecar.scrape.ScrapeOutcome;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The agent's Prometheus metrics: about the agent itself ({@code workerhealth_agent_*}: pods, scrape latency, errors,
 * writes, Lease renewals), and, like each sidecar's, the workers' states, here per pod: the series carry the pod's
 * {@code namespace} and {@code pod} (the chart's PodMonitor keeps them with {@code honorLabels}). The per-pod series
 * are made when scraped, from what the agent holds anyway: no meter per pod or worker is kept.
 */
final class AgentMetrics {

  /** One pod as its series show it. */
  record PodView(String namespace, String pod, PodState state, WorkerHealthStatus status) {}

  /** Where a pod is, for {@code workerhealth_agent_pods}. */
  enum PodState { Scraping, Invalid, Waiting }

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Timer scrapeDuration;
  private final Counter writesOk;
  private final Counter writesFailed;
  private final Counter skipped;
  private final Counter renewed;
  private final Counter renewFailed;
  private final Counter renewWithheld;
  private volatile double lastRenewal;

  AgentMetrics(Supplier<Collection<PodView>> pods, Supplier<Integer> queued) {
    scrapeDuration = Timer.builder("workerhealth.agent.scrape.duration")
        .description("Time to scrape and parse a pod's health endpoint")
        .serviceLevelObjectives(ms(5), ms(10), ms(25), ms(50), ms(100), ms(250), ms(500), ms(1000), ms(2500),
            ms(5000), ms(10000))
        .register(registry);
    writesOk = Counter.builder("workerhealth.agent.report.writes").tag("result", "success")
        .description("WorkerHealth writes to the API server").register(registry);
    writesFailed = Counter.builder("workerhealth.agent.report.writes").tag("result", "failure")
        .description("WorkerHealth writes to the API server").register(registry);
    skipped = Counter.builder("workerhealth.agent.scrapes.skipped")
        .description("Scrapes not started because the pod's previous one had not finished (or not found a thread)")
        .register(registry);
    renewed = Counter.builder("workerhealth.agent.lease.renewals").tag("result", "success")
        .description("Renewals of the node's Lease").register(registry);
    renewFailed = Counter.builder("workerhealth.agent.lease.renewals").tag("result", "failure")
        .description("Renewals of the node's Lease").register(registry);
    renewWithheld = Counter.builder("workerhealth.agent.lease.renewals").tag("result", "withheld")
        .description("Renewals of the node's Lease").register(registry);
    Gauge.builder("workerhealth.agent.lease.last.renewal.timestamp", () -> lastRenewal).baseUnit("seconds")
        .description("Unix time of the last renewal of the node's Lease (before the first: of the agent's start)")
        .register(registry);
    Gauge.builder("workerhealth.agent.scrape.queue", queued::get)
        .description("Scrapes due and waiting for a thread").register(registry);
    registry.getPrometheusRegistry().register(new PerPod(pods));
  }

  private static Duration ms(long n) {
    return Duration.ofMillis(n);
  }

  /** What a pod's loop records into the agent's metrics. */
  ReportMetrics forPod() {
    return new ReportMetrics() {
      @Override
      public void recordScrape(ScrapeOutcome outcome, WorkerHealthStatus status) {
        scrapeDuration.record(outcome.took());
        if (outcome instanceof ScrapeOutcome.Failure f) {
          registry.counter("workerhealth.agent.scrape.errors", "reason", f.error().getReason().name()).increment();
        }
      }

      @Override
      public void reportWrite(boolean success) {
        (success ? writesOk : writesFailed).increment();
      }
    };
  }

  void skipped() {
    skipped.increment();
  }

  /** Until the first renewal, the last one counts as the agent's start: no renewal two minutes on is noticed. */
  void started(Instant at) {
    lastRenewal = at.toEpochMilli() / 1000.0;
  }

  void leaseRenewed(Instant at) {
    renewed.increment();
    lastRenewal = at.toEpochMilli() / 1000.0;
  }

  void leaseRenewalFailed() {
    renewFailed.increment();
  }

  void leaseRenewalWithheld() {
    renewWithheld.increment();
  }

  String scrape() {
    return registry.scrape();
  }

  PrometheusMeterRegistry registry() {
    return registry;
  }

  /** The per-pod series, made from the pods the agent holds whenever Prometheus asks. */
  private static final class PerPod implements MultiCollector {
    private final Supplier<Collection<PodView>> pods;

    PerPod(Supplier<Collection<PodView>> pods) {
      this.pods = pods;
    }

    @Override
    public MetricSnapshots collect() {
      GaugeSnapshot.Builder workers = GaugeSnapshot.builder().name("workerhealth_agent_worker_status")
          .help("1 for each worker's current status, 0 for the other three, per pod");
      GaugeSnapshot.Builder lastSuccess = GaugeSnapshot.builder()
          .name("workerhealth_agent_last_successful_scrape_timestamp_seconds")
          .help("Unix time of the pod's last scrape that produced worker states");
      GaugeSnapshot.Builder counts = GaugeSnapshot.builder().name("workerhealth_agent_pods")
          .help("Pods of the node that ask to be scraped, by state");
      Map<PodState, int[]> byState = new java.util.EnumMap<>(PodState.class);
      for (PodState s : PodState.values()) {
        byState.put(s, new int[1]);
      }
      for (PodView p : pods.get()) {
        byState.get(p.state())[0]++;
        WorkerHealthStatus s = p.status();
        if (s == null) {
          continue;
        }
        for (WorkerState w : s.getWorkers()) {
          for (WorkerStatus status : WorkerStatus.values()) {
            workers.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder()
                .labels(Labels.of("namespace", p.namespace(), "pod", p.pod(), "worker", w.getName(), "status",
                    status.name()))
                .value(w.getStatus() == status ? 1 : 0).build());
          }
        }
        if (s.getLastSuccessfulScrapeTime() != null) {
          lastSuccess.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder()
              .labels(Labels.of("namespace", p.namespace(), "pod", p.pod()))
              .value(Instant.parse(s.getLastSuccessfulScrapeTime()).getEpochSecond()).build());
        }
      }
      byState.forEach((state, n) -> counts.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder()
          .labels(Labels.of("state", state.name())).value(n[0]).build()));
      return new MetricSnapshots(List.of(workers.build(), lastSuccess.build(), counts.build()));
    }

    @Override
    public List<String> getPrometheusNames() {
      return List.of("workerhealth_agent_worker_status", "workerhealth_agent_last_successful_scrape_timestamp_seconds",
          "workerhealth_agent_pods");
    }
  }
}
