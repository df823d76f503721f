package io.workerhealth.sidecar.report;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Exponential backoff with jitter, capped: the n-th retry waits between half and all of {@code min(max, base·2ⁿ)}, so
 * sidecars retrying against a struggling API server spread out instead of arriving together, and at the cap one
 * sidecar sends at most two requests per {@code max}. A server's Retry-After is honoured: waited at least, plus up to
 * a quarter more so that clients told the same do not return together; but never beyond {@code max}, the longest a
 * status may go unwritten (the sidecar's heartbeat).
 */
public record Backoff(Duration base, Duration max, RandomGenerator random) {

  public Duration delay(int attempt) {
    return delay(attempt, null);
  }

  public Duration delay(int attempt, Duration retryAfter) {
    long cap = max.toMillis();
    long ceiling = attempt >= 30 ? cap : Math.min(cap, base.toMillis() << Math.max(0, attempt));
    long wait = ceiling <= 0 ? 0 : ceiling / 2 + random.nextLong(ceiling - ceiling / 2 + 1);
    if (retryAfter != null && retryAfter.toMillis() > wait) {
      long asked = retryAfter.toMillis();
      wait = asked + random.nextLong(asked / 4 + 1);
    }
    return Duration.ofMillis(Math.max(0, Math.min(wait, cap)));
  }
}
