package io.workerhealth.sidecar.bench;

import io.workerhealth.api.v1alpha1.WorkerHealthStatus;
import io.workerhealth.sidecar.AdminServer;
import io.workerhealth.sidecar.config.SidecarConfig;
import io.workerhealth.sidecar.format.HealthFormats;
import io.workerhealth.sidecar.metrics.SidecarMetrics;
import io.workerhealth.sidecar.scrape.HealthScraper;
import io.workerhealth.sidecar.scrape.ScrapeOutcome;
import io.workerhealth.sidecar.track.HealthTracker;
import java.time.Clock;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The benchmark's baseline ({@code BENCH_SCRAPE_ONLY=1}): the sidecar's scrape → track → metrics loop and its admin
 * server, configured by the same environment variables, with no Kubernetes client and no command-line parser. What it
 * uses is the least any build of the sidecar on these libraries and this JVM can use; the difference to the real
 * sidecar is the cost of reporting.
 */
public final class ScrapeOnly {

  public static void main(String[] args) throws Exception {
    SidecarConfig config = SidecarConfig.fromEnv(System.getenv());
    HealthScraper scraper = new HealthScraper(config.target(), config.timeout(),
        config.bodyLimit(), new HealthFormats(config.customFormat(), config.workerFilter()));
    HealthTracker tracker = new HealthTracker(Clock.systemUTC());
    SidecarMetrics metrics = new SidecarMetrics();
    new AdminServer(config.metricsPort(), metrics::scrape, () -> true);
    WorkerHealthStatus[] current = {null};
    ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor();
    loop.scheduleWithFixedDelay(() -> {
      ScrapeOutcome outcome = scraper.scrape(config.format());
      WorkerHealthStatus next = tracker.next(current[0], outcome);
      metrics.recordScrape(outcome, next);
      current[0] = next;
    }, 0, config.interval().toMillis(), TimeUnit.MILLISECONDS);
    loop.awaitTermination(Long.MAX_VALUE, TimeUnit.DAYS);
  }
}
