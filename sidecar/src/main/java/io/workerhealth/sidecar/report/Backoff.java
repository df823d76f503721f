package io.workerhealth.sidecar.report;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Exponential backoff with full jitter: the n-th retry waits a random time up to {@code min(max, base·2ⁿ)}, so many
 * sidecars retrying against a struggling API server spread out instead of arriving together.
 */
public record Backoff(Duration base, Duration max, RandomGenerator random) {

  public Duration delay(int attempt) {
    long cap = max.toMillis();
    long ceiling = attempt >= 30 ? cap : Math.min(cap, base.toMillis() << Math.max(0, attempt));
    return Duration.ofMillis(ceiling <= 0 ? 0 : random.nextLong(ceiling + 1));
  }
}
