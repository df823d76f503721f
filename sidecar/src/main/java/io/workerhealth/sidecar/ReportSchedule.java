package io.workerhealth.sidecar;

import io.workerhealth.api.v1alpha1.WorkerHealthStatus;
import io.workerhealth.sidecar.track.HealthTracker;
import java.time.Duration;
import java.time.Instant;

/**
 * When a status is worth an API write: when it says something new, or when the heartbeat is due so that readers can
 * tell a quiet sidecar from a dead one. Pure.
 */
public final class ReportSchedule {

  private final Duration heartbeat;
  private WorkerHealthStatus lastOffered;
  private Instant lastOfferedAt;

  public ReportSchedule(Duration heartbeat) {
    this.heartbeat = heartbeat;
  }

  /** Whether {@code next}, observed at {@code now}, should be sent; if so, it is remembered as sent. */
  public boolean shouldReport(WorkerHealthStatus next, Instant now) {
    boolean due = lastOffered == null
        || HealthTracker.meaningfullyChanged(lastOffered, next)
        || !now.isBefore(lastOfferedAt.plus(heartbeat));
    if (due) {
      lastOffered = next;
      lastOfferedAt = now;
    }
    return due;
  }
}
