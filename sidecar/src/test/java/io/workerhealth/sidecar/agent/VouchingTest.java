package io.workerhealth.sidecar.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** When the agent may renew its Lease, and so vouch for every report it wrote. */
class VouchingTest {

  static final Instant NOW = Instant.parse("2026-01-01T00:10:00Z");
  static final Duration FIVE = Duration.ofSeconds(5);
  static final Duration RENEW = Duration.ofSeconds(10);

  static Vouching.Pod pod(String name, boolean owed, Instant lastScraped, Instant unsentSince) {
    return new Vouching.Pod("shop/" + name, owed, true, lastScraped, FIVE, unsentSince);
  }

  @Test
  void podsScrapedWithinTwoIntervalsWithNothingWaitingAreVouchedFor() {
    assertThat(Vouching.withheldBecause(List.of(pod("a", false, NOW.minusSeconds(10), null),
        pod("b", false, NOW.minusSeconds(1), NOW.minusSeconds(9)), pod("new", false, null, null)), NOW, RENEW))
        .isNull();
    assertThat(Vouching.withheldBecause(List.of(), NOW, RENEW)).isNull();
  }

  @Test
  void aPodBehindItsScheduleWithholdsTheRenewal() {
    assertThat(Vouching.withheldBecause(List.of(pod("a", false, NOW.minusSeconds(1), null),
        pod("late", false, NOW.minusMillis(10_001), null)), NOW, RENEW))
        .startsWith("pod shop/late was last scraped 10001 ms ago, more than twice its interval");
  }

  @Test
  void aStateWaitingLongerThanARenewalIntervalWithholdsIt() {
    assertThat(Vouching.withheldBecause(List.of(pod("a", false, NOW.minusSeconds(1), NOW.minusMillis(10_001))), NOW,
        RENEW)).startsWith("the WorkerHealth of pod shop/a has waited 10001 ms");
  }

  @Test
  void aReportFromBeforeTheAgentStartedIsNotVouchedForUntilThePodIsScraped() {
    assertThat(Vouching.withheldBecause(List.of(pod("old", true, null, null)), NOW, RENEW))
        .contains("pod shop/old has not been scraped since the agent started");
  }

  @Test
  void podsTheAgentDoesNotReportDoNotCount() {
    assertThat(Vouching.withheldBecause(List.of(new Vouching.Pod("shop/elsewhere", true, false, null, FIVE,
        NOW.minusSeconds(60))), NOW, RENEW)).isNull();
  }
}
