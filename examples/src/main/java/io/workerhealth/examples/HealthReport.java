package io.workerhealth.examples;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One answer of {@code /healthz}: when it was taken and whether each worker is healthy, in the app's worker order.
 *
 * @param timestamp when the report was taken
 * @param workers worker name to healthy (true) or failed (false)
 */
public record HealthReport(Instant timestamp, Map<String, Boolean> workers) {

  public HealthReport {
    // A copy that keeps the order, so the JSON lists workers as the app declared them.
    workers = Collections.unmodifiableMap(new LinkedHashMap<>(workers));
  }

  /** Healthy only when every worker is; Outpost answers 503 otherwise. */
  public boolean healthy() {
    return workers.values().stream().allMatch(Boolean::booleanValue);
  }
}
