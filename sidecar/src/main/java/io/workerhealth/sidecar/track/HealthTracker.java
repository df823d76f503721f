package io.workerhealth.sidecar.track;

import io.workerhealth.api.v1alpha1.HealthPhase;
import io.workerhealth.api.v1alpha1.ScrapeError;
import io.workerhealth.api.v1alpha1.WorkerHealthStatus;
import io.workerhealth.api.v1alpha1.WorkerState;
import io.workerhealth.api.v1alpha1.WorkerStatus;
import io.workerhealth.sidecar.format.ParsedHealth;
import io.workerhealth.sidecar.format.WorkerReading;
import io.workerhealth.sidecar.scrape.ScrapeOutcome;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Turns scrape outcomes into the next WorkerHealth status. Pure: the only input besides the arguments is the clock.
 * It computes what no format supplies: when each worker's state last changed, which workers disappeared, and what
 * is still known when the endpoint cannot be reached.
 */
public final class HealthTracker {

  /** Longest {@code failing} column value; longer lists end with "+N more". */
  static final int MAX_FAILING_LENGTH = 120;

  private static final Set<String> HEALTHY_OVERALL = Set.of("healthy", "up", "ok", "pass", "passed");

  private final Clock clock;

  public HealthTracker(Clock clock) {
    this.clock = clock;
  }

  /** The status after {@code outcome}, given the previous one (null before the first report). */
  public WorkerHealthStatus next(WorkerHealthStatus previous, ScrapeOutcome outcome) {
    // milliseconds, not whole seconds: rules measure 'for' from lastTransitionTime, and a time truncated to the
    // second would let them act up to a second early
    String now = clock.instant().truncatedTo(ChronoUnit.MILLIS).toString();
    Map<String, WorkerState> before = new LinkedHashMap<>();
    if (previous != null) {
      previous.getWorkers().forEach(w -> before.put(w.getName(), w));
    }
    WorkerHealthStatus next = new WorkerHealthStatus();
    next.setLastScrapeTime(now);
    next.setHttpStatus(outcome.httpStatus());
    if (outcome instanceof ScrapeOutcome.Success success) {
      ParsedHealth health = success.health();
      List<WorkerState> workers = new ArrayList<>();
      Set<String> reported = new java.util.HashSet<>();
      for (WorkerReading r : health.workers()) {
        reported.add(r.name());
        workers.add(transition(before.get(r.name()), r.name(), r.status(), r.rawStatus(), r.message(), now));
      }
      // A worker the app stopped reporting is not healthy any more, but it is not known to have failed either. The
      // app's overall status stands in for workers only while it is reported: once gone, it is simply gone.
      for (WorkerState old : before.values()) {
        if (!reported.contains(old.getName()) && !old.getName().equals(ParsedHealth.OVERALL_WORKER)
            && workers.size() < WorkerHealthStatus.MAX_WORKERS) {
          workers.add(transition(old, old.getName(), WorkerStatus.Unknown, old.getRawStatus(),
              "no longer reported by the app", now));
        }
      }
      next.setWorkers(workers);
      next.setFormat(health.format());
      next.setLastSuccessfulScrapeTime(now);
      next.setConsecutiveFailures(0);
      next.setDroppedWorkers(health.droppedWorkers() > 0 ? health.droppedWorkers() : null);
      next.setPhase(phase(workers, health.overallRawStatus()));
    } else {
      ScrapeOutcome.Failure failure = (ScrapeOutcome.Failure) outcome;
      List<WorkerState> workers = new ArrayList<>();
      for (WorkerState old : before.values()) {
        String lastKnown = old.getStatus() == WorkerStatus.Unknown && old.getMessage() != null
            && old.getMessage().startsWith("last known") ? old.getMessage()
            : "last known " + old.getStatus() + "; health endpoint unreachable";
        workers.add(transition(old, old.getName(), WorkerStatus.Unknown, old.getRawStatus(), lastKnown, now));
      }
      next.setWorkers(workers);
      next.setScrapeError(failure.error());
      next.setFormat(previous == null ? null : previous.getFormat());
      next.setLastSuccessfulScrapeTime(previous == null ? null : previous.getLastSuccessfulScrapeTime());
      next.setDroppedWorkers(previous == null ? null : previous.getDroppedWorkers());
      int failures = previous == null || previous.getConsecutiveFailures() == null ? 0
          : previous.getConsecutiveFailures();
      next.setConsecutiveFailures(failures + 1);
      next.setPhase(HealthPhase.Unreachable);
    }
    long healthy = next.getWorkers().stream().filter(w -> w.getStatus() == WorkerStatus.Healthy).count();
    next.setReady(healthy + "/" + next.getWorkers().size());
    next.setFailing(failing(next.getWorkers()));
    return next;
  }

  private static WorkerState transition(WorkerState old, String name, WorkerStatus status, String raw,
                                        String message, String now) {
    String since = old != null && old.getStatus() == status && old.getLastTransitionTime() != null
        ? old.getLastTransitionTime() : now;
    return new WorkerState(name, status, raw, message, since);
  }

  static HealthPhase phase(List<WorkerState> workers, String overallRawStatus) {
    if (workers.isEmpty()) {
      // Apps report no workers while starting; that is not a failure. Trust an explicit healthy verdict.
      return overallRawStatus != null && HEALTHY_OVERALL.contains(overallRawStatus.strip().toLowerCase(Locale.ROOT))
          ? HealthPhase.Healthy : HealthPhase.Unknown;
    }
    boolean degraded = false;
    for (WorkerState w : workers) {
      if (w.getStatus() == WorkerStatus.Failed) {
        return HealthPhase.Failed;
      }
      degraded |= w.getStatus() != WorkerStatus.Healthy;
    }
    return degraded ? HealthPhase.Degraded : HealthPhase.Healthy;
  }

  static String failing(List<WorkerState> workers) {
    List<String> names = workers.stream().filter(w -> w.getStatus() != WorkerStatus.Healthy)
        .map(WorkerState::getName).toList();
    if (names.isEmpty()) {
      return null;
    }
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < names.size(); i++) {
      String more = "+" + (names.size() - i) + " more";
      String piece = (i == 0 ? "" : ",") + names.get(i);
      boolean last = i == names.size() - 1;
      if (sb.length() + piece.length() + (last ? 0 : more.length() + 1) > MAX_FAILING_LENGTH) {
        return sb.append(sb.length() == 0 ? "" : ",").append(more).toString();
      }
      sb.append(piece);
    }
    return sb.toString();
  }

  /**
   * Whether {@code next} says something {@code previous} did not. Scrape timestamps and the running failure count
   * are left out (the heartbeat refreshes them), and so is the wording of a scrape error (it may carry timings):
   * only its reason counts. This is what keeps API writes at one per heartbeat while nothing changes.
   */
  public static boolean meaningfullyChanged(WorkerHealthStatus previous, WorkerHealthStatus next) {
    if (previous == null || next == null) {
      return previous != next;
    }
    return previous.getPhase() != next.getPhase()
        || previous.getFormat() != next.getFormat()
        || !Objects.equals(previous.getHttpStatus(), next.getHttpStatus())
        || reason(previous.getScrapeError()) != reason(next.getScrapeError())
        || !Objects.equals(previous.getDroppedWorkers(), next.getDroppedWorkers())
        || !Objects.equals(previous.getWorkers(), next.getWorkers());
  }

  private static Object reason(ScrapeError e) {
    return e == null ? null : e.getReason();
  }

  /** When the status was last written (its scrape time), or null. */
  public static Instant scrapedAt(WorkerHealthStatus status) {
    return status == null || status.getLastScrapeTime() == null ? null : Instant.parse(status.getLastScrapeTime());
  }
}
