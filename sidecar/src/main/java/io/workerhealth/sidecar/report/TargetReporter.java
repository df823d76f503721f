package io.workerhealth.sidecar.report;

import io.workerhealth.api.v1alpha1.SourceFormat;
import io.workerhealth.api.v1alpha1.WorkerHealthStatus;
import io.workerhealth.sidecar.metrics.ReportMetrics;
import io.workerhealth.sidecar.scrape.HealthScraper;
import io.workerhealth.sidecar.scrape.ScrapeOutcome;
import io.workerhealth.sidecar.track.HealthTracker;
import java.time.Clock;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One scrape target's loop body, the same for the sidecar (its one target) and the node agent (each pod of its node):
 * scrape → track → record → (when the schedule says so) hand over to the publisher. The caller decides when it runs;
 * one cycle at a time per target.
 */
public final class TargetReporter {

  private static final Logger LOG = LoggerFactory.getLogger(TargetReporter.class);

  private final String name;
  private final HealthScraper scraper;
  private final SourceFormat format;
  private final HealthTracker tracker;
  private final ReportSchedule schedule;
  private final LatestStatusPublisher publisher;
  private final ReportMetrics metrics;
  private final Clock clock;
  private volatile WorkerHealthStatus current;

  /**
   * @param name      how logs name the target ({@code namespace/pod})
   * @param publisher where statuses worth writing go
   */
  public TargetReporter(String name, HealthScraper scraper, SourceFormat format, HealthTracker tracker,
                        ReportSchedule schedule, LatestStatusPublisher publisher, ReportMetrics metrics, Clock clock) {
    this.name = name;
    this.scraper = scraper;
    this.format = format;
    this.tracker = tracker;
    this.schedule = schedule;
    this.publisher = publisher;
    this.metrics = metrics;
    this.clock = clock;
  }

  /** Continues from the status a previous run wrote (its transition times), or from nothing (null). */
  public void resume(WorkerHealthStatus previous) {
    current = previous;
  }

  /** The status of the last cycle (or the one resumed from), or null. */
  public WorkerHealthStatus current() {
    return current;
  }

  public LatestStatusPublisher publisher() {
    return publisher;
  }

  public HealthScraper scraper() {
    return scraper;
  }

  /**
   * Scrapes once and hands the result on; never throws. A scrape cut short because the caller is stopping (say
   * {@code stopping}) is not the app's state and is dropped.
   *
   * @return the outcome of the scrape, or null when it was dropped or failed unexpectedly
   */
  public ScrapeOutcome cycle(BooleanSupplier stopping) {
    try {
      ScrapeOutcome outcome = scraper.scrape(format);
      if (stopping.getAsBoolean()) {
        return null;
      }
      handle(outcome);
      return outcome;
    } catch (RuntimeException e) {
      LOG.error("scrape cycle of {} failed", name, e); // never let the caller's loop die
      return null;
    }
  }

  /**
   * Tracks, records and (when the schedule says so) publishes an outcome: a scrape's, or one the caller made (the
   * node agent reports a pod whose settings it cannot use as a failure with reason InvalidConfiguration).
   */
  public void handle(ScrapeOutcome outcome) {
    WorkerHealthStatus before = current;
    WorkerHealthStatus next = tracker.next(before, outcome);
    metrics.recordScrape(outcome, next);
    if (outcome instanceof ScrapeOutcome.Failure f && (before == null
        || before.getScrapeError() == null || before.getScrapeError().getReason() != f.error().getReason())) {
      LOG.warn("scrape of {} failed: {}", name, f.error());
    }
    if (before != null && before.getPhase() != next.getPhase()) {
      LOG.info("{}: phase {} -> {} ({} healthy)", name, before.getPhase(), next.getPhase(), next.getReady());
    }
    current = next;
    if (schedule.shouldReport(next, clock.instant())) {
      publisher.labelsMayHaveChanged();
      publisher.offer(next);
    }
  }
}
