package io.workerhealth.sidecar.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

class BackoffProperties {

  @Property
  void theWaitIsBetweenHalfAndAllOfTheGrowingCeilingAndNeverBeyondTheCap(
      @ForAll @IntRange(min = 0, max = 100) int attempt, @ForAll @LongRange(min = 1, max = 3_600_000) long capMs,
      @ForAll long seed) {
    Backoff backoff = new Backoff(Duration.ofMillis(500), Duration.ofMillis(capMs), new Random(seed));
    long ceiling = attempt >= 30 ? capMs : Math.min(capMs, 500L << attempt);
    assertThat(backoff.delay(attempt).toMillis()).isBetween(ceiling / 2, ceiling);
  }

  @Property
  void retryAfterIsWaitedOutUnlessItExceedsTheCap(@ForAll @IntRange(min = 0, max = 100) int attempt,
      @ForAll @LongRange(min = 1, max = 3_600_000) long capMs,
      @ForAll @LongRange(min = 0, max = 7_200_000) long retryAfterMs, @ForAll long seed) {
    Backoff backoff = new Backoff(Duration.ofMillis(500), Duration.ofMillis(capMs), new Random(seed));
    long wait = backoff.delay(attempt, Duration.ofMillis(retryAfterMs)).toMillis();
    assertThat(wait).isLessThanOrEqualTo(capMs).isGreaterThanOrEqualTo(Math.min(retryAfterMs, capMs));
  }
}
