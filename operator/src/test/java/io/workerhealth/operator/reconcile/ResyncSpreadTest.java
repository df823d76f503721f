package io.workerhealth.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Policies listed together are not all looked at again in the same second of every minute. */
class ResyncSpreadTest {

  @Test
  void eachPolicyHasItsOwnResyncBetweenThreeQuartersOfTheIntervalAndAllOfIt() {
    Duration resync = Duration.ofSeconds(60);
    Set<Long> seconds = new HashSet<>();
    for (int i = 0; i < 500; i++) {
      String uid = UUID.nameUUIDFromBytes(("policy-" + i).getBytes()).toString();
      Duration d = WorkerHealthPolicyReconciler.resyncOf(resync, uid);
      assertThat(d).isBetween(Duration.ofSeconds(45), resync);
      assertThat(WorkerHealthPolicyReconciler.resyncOf(resync, uid)).as("fixed per policy").isEqualTo(d);
      seconds.add(d.toSeconds());
    }
    assertThat(seconds).as("500 policies spread over the 15 seconds").hasSizeGreaterThanOrEqualTo(15);
    assertThat(WorkerHealthPolicyReconciler.resyncOf(resync, null)).isEqualTo(resync);
  }
}
