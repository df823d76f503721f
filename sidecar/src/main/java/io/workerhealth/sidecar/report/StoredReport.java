package io.workerhealth.sidecar.report;

import io.workerhealth.api.v1alpha1.WorkerHealth;
import io.workerhealth.api.v1alpha1.WorkerHealthStatus;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Objects;

/**
 * What the sidecar knows to be stored in its WorkerHealth: the basis of its compare-and-swap status writes. Each write
 * carries a JSON Patch {@code test} of it, so the API server applies the write only over exactly that state. A write
 * the client had given up on (a slow or failing API server) that arrives after a newer one finds the newer one there
 * and is refused, so a stored status never goes back in time. Pure.
 *
 * <p>The stored {@code status.lastScrapeTime} is tested rather than the resource version: only the sidecar writes the
 * status, so labels or annotations others change never make a write fail, and in the common case a write is one
 * request with no read. A resource with no status yet is tested by its resource version.
 *
 * @param lastScrapeTime  {@code status.lastScrapeTime} as stored, or null when the status has none
 * @param resourceVersion the resource version the state was read at
 */
public record StoredReport(String lastScrapeTime, String resourceVersion) {

  public static StoredReport of(WorkerHealth stored) {
    WorkerHealthStatus status = stored.getStatus();
    return new StoredReport(status == null ? null : status.getLastScrapeTime(),
        stored.getMetadata().getResourceVersion());
  }

  /** The JSON Pointer the write tests, and the value it must hold; null when there is nothing to test. */
  public String testedPath() {
    if (lastScrapeTime != null) {
      return "/status/lastScrapeTime";
    }
    return resourceVersion == null ? null : "/metadata/resourceVersion";
  }

  public String testedValue() {
    return lastScrapeTime != null ? lastScrapeTime : resourceVersion;
  }

  /** Whether the two describe the same stored status (what a write tests). */
  public boolean sameStatusAs(StoredReport other) {
    return other != null && Objects.equals(testedPath(), other.testedPath())
        && Objects.equals(testedValue(), other.testedValue());
  }

  /**
   * Whether {@code ours} may replace {@code stored}, found by a read after a write of ours was refused: yes unless
   * the stored report is newer. A stored time in the future (a clock ahead, a value written by hand) or one that is
   * not a time does not count as newer: it must not stop the sidecar from reporting.
   */
  public static boolean supersedes(WorkerHealthStatus ours, WorkerHealthStatus stored, Instant now) {
    Instant storedAt = instant(stored == null ? null : stored.getLastScrapeTime());
    Instant oursAt = instant(ours.getLastScrapeTime());
    if (storedAt == null || oursAt == null || storedAt.isAfter(now)) {
      return true;
    }
    return !storedAt.isAfter(oursAt);
  }

  private static Instant instant(String time) {
    if (time == null) {
      return null;
    }
    try {
      return Instant.parse(time);
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
