package io.workerhealth.sidecar.report;

import io.workerhealth.api.v1alpha1.WorkerHealthStatus;
import io.workerhealth.sidecar.track.HealthTracker;
import java.time.Duration;
import java.time.Instant;

/**
 * When a status is worth an API write: when it says something new, or when the heartbeat is due so that readers can
 * tell a quiet sidecar from a dead one. A node agent writes on change only ({@link #onChangeOnly()}): its node's Lease
 * tells readers it is alive, whatever the number of pods. Pure.
 */
public final class ReportSchedule {

  private final Duration heartbeat;
  private WorkerHealthStatus lastOffered;
  private Instant lastOfferedAt;

  public ReportSchedule(Duration heartbeat) {
    this.heartbeat = heartbeat;
  }

  /** Reports only what says something new: no heartbeat. */
  public static ReportSchedule onChangeOnly() {
    return new ReportSchedule(null);
  }

  /** Whether {@code next}, observed at {@code now}, should be sent; if so, it is remembered as sent. */
  public boolean shouldReport(WorkerHealthStatus next, Instant now) {
    boolean due = lastOffered == null
        || HealthTracker.meaningfullyChanged(lastOffered, next)
        || heartbeat != null && !now.isBefore(lastOfferedAt.plus(heartbeat));
    if (due) {
      lastOffered = next;
      lastOfferedAt = now;
    }
    return due;
  }
}
