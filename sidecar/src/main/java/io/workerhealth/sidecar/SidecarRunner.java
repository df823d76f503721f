package io.workerhealth.sidecar;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.workerhealth.api.v1alpha1.WorkerHealthSpec;
import io.workerhealth.api.v1alpha1.WorkerHealthStatus;
import io.workerhealth.sidecar.config.SidecarConfig;
import io.workerhealth.sidecar.format.HealthFormats;
import io.workerhealth.sidecar.metrics.SidecarMetrics;
import io.workerhealth.sidecar.report.Backoff;
import io.workerhealth.sidecar.report.LatestStatusPublisher;
import io.workerhealth.sidecar.report.PodLabels;
import io.workerhealth.sidecar.report.WorkerHealthReporter;
import io.workerhealth.sidecar.scrape.HealthScraper;
import io.workerhealth.sidecar.scrape.ScrapeOutcome;
import io.workerhealth.sidecar.track.HealthTracker;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The sidecar's loop: scrape → track → (when changed or the heartbeat is due) hand over to the publisher. */
public final class SidecarRunner implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(SidecarRunner.class);

  private final SidecarConfig config;
  private final Clock clock;
  private final HealthScraper scraper;
  private final HealthTracker tracker;
  private final ReportSchedule schedule;
  private final SidecarMetrics metrics = new SidecarMetrics();
  private final WorkerHealthReporter reporter;
  private final LatestStatusPublisher publisher;
  private final ScheduledExecutorService loop;
  private AdminServer admin;
  private volatile Instant lastCycle;
  private WorkerHealthStatus current;

  public SidecarRunner(SidecarConfig config, KubernetesClient client, Clock clock) {
    this.config = config;
    this.clock = clock;
    this.scraper = new HealthScraper(HealthScraper.clientFor(config.targetUrl()), config.timeout(), config.bodyLimit(),
        new HealthFormats(config.customFormat()));
    this.tracker = new HealthTracker(clock);
    this.schedule = new ReportSchedule(config.heartbeat());
    WorkerHealthSpec spec = new WorkerHealthSpec();
    spec.setPodName(config.podName());
    spec.setTargetURL(config.targetUrl().toString());
    spec.setFormat(config.format());
    spec.setIntervalSeconds((int) Math.max(1, config.interval().toSeconds()));
    spec.setHeartbeatSeconds((int) Math.max(1, config.heartbeat().toSeconds()));
    this.reporter = new WorkerHealthReporter(client, config.podNamespace(), config.podName(), config.podUid(), spec);
    this.publisher = new LatestStatusPublisher(reporter, this::labels, metrics,
        new Backoff(Duration.ofMillis(500), Duration.ofSeconds(30), ThreadLocalRandom.current()));
    this.loop = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "worker-health-scrape");
      t.setDaemon(true);
      return t;
    });
  }

  /** Starts the admin server, picks up the status a previous run wrote, and starts scraping. */
  public SidecarRunner start() throws IOException {
    admin = new AdminServer(config.metricsPort(), metrics::scrape, this::alive);
    try {
      Map<String, String> podLabels = labels();
      String unselectable = PodLabels.startupWarning(config.labelsFile(), podLabels);
      if (unselectable != null) {
        LOG.warn(unselectable);
      }
      current = reporter.ensureExists(podLabels); // continue the transition times a previous run wrote
      publisher.resourceEnsured(podLabels);
    } catch (RuntimeException e) {
      LOG.warn("could not read the existing WorkerHealth yet ({}); the publisher will create it", e.toString());
    }
    publisher.start();
    lastCycle = clock.instant();
    loop.scheduleWithFixedDelay(this::cycle, 0, config.interval().toMillis(), TimeUnit.MILLISECONDS);
    LOG.info("scraping {} every {} for pod {}/{}", config.targetUrl(), config.interval(), config.podNamespace(),
        config.podName());
    return this;
  }

  void cycle() {
    try {
      ScrapeOutcome outcome = scraper.scrape(config.targetUrl(), config.format());
      WorkerHealthStatus next = tracker.next(current, outcome);
      metrics.recordScrape(outcome, next);
      if (outcome instanceof ScrapeOutcome.Failure f && (current == null
          || current.getScrapeError() == null || current.getScrapeError().getReason() != f.error().getReason())) {
        LOG.warn("scrape failed: {}", f.error());
      }
      if (current != null && current.getPhase() != next.getPhase()) {
        LOG.info("phase {} -> {} ({} healthy)", current.getPhase(), next.getPhase(), next.getReady());
      }
      current = next;
      if (schedule.shouldReport(next, clock.instant())) {
        publisher.labelsMayHaveChanged();
        publisher.offer(next);
      }
    } catch (RuntimeException e) {
      LOG.error("scrape cycle failed", e); // never let the scheduled loop die
    } finally {
      lastCycle = clock.instant();
    }
  }

  /** Alive while the loop keeps completing cycles. */
  boolean alive() {
    Duration allowed = config.interval().multipliedBy(3).plus(config.timeout());
    return lastCycle != null && Duration.between(lastCycle, clock.instant()).compareTo(allowed) <= 0;
  }

  private Map<String, String> labels() {
    try {
      return PodLabels.read(config.labelsFile());
    } catch (IOException e) {
      LOG.warn("cannot read labels file {}: {}", config.labelsFile(), e.toString());
      return Map.of();
    }
  }

  public int adminPort() {
    return admin.port();
  }

  public SidecarMetrics metrics() {
    return metrics;
  }

  /** Stops scraping, sends the latest state once more, then stops serving. */
  @Override
  public void close() {
    loop.shutdown();
    try {
      loop.awaitTermination(config.timeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    publisher.close(Duration.ofSeconds(5));
    scraper.close();
    if (admin != null) {
      admin.close();
    }
  }
}
