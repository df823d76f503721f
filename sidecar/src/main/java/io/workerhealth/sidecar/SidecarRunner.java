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
import io.workerhealth.sidecar.report.ReportingClient;
import io.workerhealth.sidecar.report.WorkerHealthReporter;
import io.workerhealth.sidecar.scrape.EndpointCredentials;
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
  /** After SIGTERM, how long the last state may take to be sent: the whole stop stays within the 5 s documented. */
  static final Duration LAST_SEND_GRACE = Duration.ofSeconds(4);
  /** The longest wait between attempts to write the status while the API server fails (if the heartbeat is longer). */
  static final Duration MAX_BACKOFF = Duration.ofSeconds(60);

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
  private volatile boolean stopping;
  private WorkerHealthStatus current;

  /**
   * A sidecar reporting through {@code client} as it is. Its own retry settings stay: a client from
   * {@link ReportingClient#build} leaves every retry to the publisher's backoff, as {@code run} does.
   */
  public SidecarRunner(SidecarConfig config, KubernetesClient client, Clock clock) {
    this(config, ReportingClient.of(client, clock), clock);
  }

  public SidecarRunner(SidecarConfig config, ReportingClient api, Clock clock) {
    this.config = config;
    this.clock = clock;
    this.scraper = new HealthScraper(config.target(), config.timeout(), config.bodyLimit(),
        new HealthFormats(config.customFormat(), config.workerFilter()));
    this.tracker = new HealthTracker(clock);
    this.schedule = new ReportSchedule(config.heartbeat());
    WorkerHealthSpec spec = new WorkerHealthSpec();
    spec.setPodName(config.podName());
    spec.setTargetURL(config.target().display()); // credentials never leave the pod's environment
    spec.setFormat(config.format());
    spec.setIntervalSeconds(SidecarConfig.specSeconds(config.interval()));
    spec.setHeartbeatSeconds(SidecarConfig.specSeconds(config.heartbeat()));
    this.reporter = new WorkerHealthReporter(api.client(), config.podNamespace(), config.podName(), config.podUid(),
        spec);
    Duration maxBackoff = config.heartbeat().compareTo(MAX_BACKOFF) < 0 ? config.heartbeat() : MAX_BACKOFF;
    this.publisher = new LatestStatusPublisher(reporter, this::labels, metrics,
        new Backoff(Duration.ofMillis(500), maxBackoff, ThreadLocalRandom.current()), api.retryAfter(), clock);
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
      WorkerHealthReporter.Existing existing = reporter.ensureExists(podLabels);
      current = existing.previous(); // continue the transition times a previous run wrote
      publisher.resourceEnsured(podLabels, existing.stored());
    } catch (RuntimeException e) {
      LOG.warn("could not read the existing WorkerHealth yet ({}); the publisher will create it", e.toString());
    }
    publisher.start();
    lastCycle = clock.instant();
    loop.scheduleWithFixedDelay(this::cycle, 0, config.interval().toMillis(), TimeUnit.MILLISECONDS);
    LOG.info("scraping {} every {} for pod {}/{}{}", config.target().display(), config.interval(),
        config.podNamespace(), config.podName(), config.target().credentials() == EndpointCredentials.NONE ? ""
            : " with " + config.target().credentials().describe());
    return this;
  }

  void cycle() {
    try {
      ScrapeOutcome outcome = scraper.scrape(config.format());
      if (stopping) {
        return; // cut short by the stop: not the app's state
      }
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

  /**
   * Stops scraping, sends the latest state once more, then stops serving; within {@link #LAST_SEND_GRACE} and a
   * moment, however slow the app or the API server. A scrape in flight is abandoned rather than waited for.
   */
  @Override
  public void close() {
    stopping = true;
    loop.shutdownNow();
    publisher.close(LAST_SEND_GRACE);
    scraper.close();
    if (admin != null) {
      admin.close();
    }
  }
}
