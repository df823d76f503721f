package io.workerhealth.operator.reconcile;

import static io.workerhealth.operator.reconcile.HealthFixtures.NOW;
import static io.workerhealth.operator.reconcile.HealthFixtures.health;
import static org.assertj.core.api.Assertions.assertThat;

import io.workerhealth.api.v1alpha1.WorkerHealth;
import io.workerhealth.operator.planning.PodHealth;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class FreshnessTest {

  static PodHealth pod(String name, Duration scrapedAgo) {
    WorkerHealth wh = health(name, scrapedAgo, null);
    return new PodHealth(name, "uid-" + name, "Pod/" + name, false, 5, wh.getStatus());
  }

  @Test
  void thePolicyLooksAgainWhenTheOldestFreshReportGoesStale() {
    List<PodHealth> pods = List.of(pod("a", Duration.ofSeconds(10)), pod("b", Duration.ofSeconds(70)),
        pod("c", Duration.ofSeconds(30)));
    assertThat(Freshness.nextStale(pods, Duration.ofMinutes(2), NOW))
        .isEqualTo(NOW.plusSeconds(50).plusMillis(1));
  }

  @Test
  void reportsAlreadyStaleInTheFutureOrMissingAreNotWaitedFor() {
    PodHealth never = new PodHealth("n", "uid-n", "Pod/n", false, 5, null);
    List<PodHealth> pods = List.of(pod("stale", Duration.ofMinutes(5)), pod("future", Duration.ofMinutes(-10)),
        never);
    assertThat(Freshness.nextStale(pods, Duration.ofMinutes(2), NOW)).isNull();
    assertThat(Freshness.nextStale(List.of(), Duration.ofMinutes(2), NOW)).isNull();
  }
}
