package io.workerhealth.operator.reconcile;

import io.workerhealth.operator.planning.PodHealth;
import io.workerhealth.operator.planning.ReportTimes;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * When a policy's view changes by itself: a report that nobody rewrites goes stale at its scrape time plus
 * staleAfter. Heartbeats do not reconcile a policy (they change nothing until then), so the reconciler looks again at
 * that moment instead. Pure.
 */
final class Freshness {

  private Freshness() {}

  /** The first instant after {@code now} at which a fresh report of {@code pods} goes stale, or null if none will. */
  static Instant nextStale(List<PodHealth> pods, Duration staleAfter, Instant now) {
    Instant next = null;
    for (PodHealth p : pods) {
      if (p.status() == null || ReportTimes.reportProblem(p.status(), now) != null) {
        continue; // never fresh until it is written again
      }
      Instant last = ReportTimes.scrapeTime(p.status(), now);
      if (last == null) {
        continue;
      }
      // stale once strictly older than staleAfter (see RemediationPlanner.isFresh)
      Instant stale = last.plus(staleAfter).plusMillis(1);
      if (stale.isAfter(now) && (next == null || stale.isBefore(next))) {
        next = stale;
      }
    }
    return next;
  }
}
