package io.workerhealth.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ReconcileSpacingTest {

  final AtomicLong nanos = new AtomicLong(1_000_000_000L);
  final ReconcileSpacing spacing = new ReconcileSpacing(Duration.ofMillis(500), nanos::get);

  void advance(long millis) {
    nanos.addAndGet(Duration.ofMillis(millis).toNanos());
  }

  @Test
  void theFirstChangeIsReconciledAtOnceAndTheNextWaitForTheRestOfTheSpacing() {
    ReconcileSpacing.LastStart policy = spacing.initState();
    assertThat(spacing.isLimited(policy)).isEmpty();
    advance(100);
    assertThat(spacing.isLimited(policy)).contains(Duration.ofMillis(400));
    advance(300);
    assertThat(spacing.isLimited(policy)).as("the time left, not the time elapsed").contains(Duration.ofMillis(100));
    advance(100);
    assertThat(spacing.isLimited(policy)).isEmpty();
    advance(2000);
    assertThat(spacing.isLimited(policy)).as("after a quiet spell, at once again").isEmpty();
  }

  @Test
  void eachPolicyIsSpacedOnItsOwn() {
    ReconcileSpacing.LastStart a = spacing.initState();
    ReconcileSpacing.LastStart b = spacing.initState();
    assertThat(spacing.isLimited(a)).isEmpty();
    assertThat(spacing.isLimited(b)).isEmpty();
    assertThat(spacing.isLimited(a)).isPresent();
  }

  @Test
  void aSpacingOfZeroLimitsNothing() {
    ReconcileSpacing none = new ReconcileSpacing(Duration.ZERO, nanos::get);
    ReconcileSpacing.LastStart p = none.initState();
    assertThat(none.isLimited(p)).isEmpty();
    assertThat(none.isLimited(p)).isEqualTo(Optional.empty());
  }
}
