package io.workerhealth.operator.reconcile;

import io.javaoperatorsdk.operator.processing.event.rate.RateLimiter;
import java.time.Duration;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * Coalesces the reconciles of a policy: at most one starts per {@code spacing}. The first change after a quiet spell
 * is reconciled at once; the changes that follow within the spacing (a burst of WorkerHealth writes when a shared
 * dependency fails) wait for its end and are handled together by one reconcile. java-operator-sdk keeps one state
 * per policy and, when a reconcile is held back, schedules it for the delay this returns, so a held-back change is
 * never lost. (Its own LinearRateLimiter answers with the time elapsed rather than the time left.)
 */
public final class ReconcileSpacing implements RateLimiter<ReconcileSpacing.LastStart> {

  /** When the policy's last reconcile started (nanoTime), or none yet. */
  public static final class LastStart implements RateLimiter.RateLimitState {
    private boolean started;
    private long at;
  }

  private final long spacingNanos;
  private final LongSupplier nanoTime;

  ReconcileSpacing(Duration spacing) {
    this(spacing, System::nanoTime);
  }

  ReconcileSpacing(Duration spacing, LongSupplier nanoTime) {
    this.spacingNanos = spacing.toNanos();
    this.nanoTime = nanoTime;
  }

  @Override
  public Optional<Duration> isLimited(RateLimitState state) {
    if (spacingNanos <= 0 || !(state instanceof LastStart last)) {
      return Optional.empty();
    }
    synchronized (last) {
      long now = nanoTime.getAsLong();
      long since = now - last.at;
      if (last.started && since < spacingNanos) {
        return Optional.of(Duration.ofNanos(spacingNanos - since));
      }
      last.started = true;
      last.at = now;
      return Optional.empty();
    }
  }

  @Override
  public LastStart initState() {
    return new LastStart();
  }
}
