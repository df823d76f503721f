package io.workerhealth.operator.reconcile;

import static io.workerhealth.operator.reconcile.HealthFixtures.NOW;
import static io.workerhealth.operator.reconcile.HealthFixtures.copy;
import static io.workerhealth.operator.reconcile.HealthFixtures.health;
import static io.workerhealth.operator.reconcile.HealthFixtures.heartbeat;
import static io.workerhealth.operator.reconcile.HealthFixtures.unreachable;
import static org.assertj.core.api.Assertions.assertThat;

import io.workerhealth.api.v1alpha1.HealthPhase;
import io.workerhealth.api.v1alpha1.WorkerHealth;
import io.workerhealth.api.v1alpha1.WorkerStatus;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Which WorkerHealth updates reconcile a policy: everything a policy reads, and a heartbeat only when it revives. */
class WorkerHealthChangesTest {

  static final Duration STALE_AFTER = Duration.ofMinutes(2);

  /** The operator's view is the pruned copy, as in the informer's store. */
  static boolean matters(WorkerHealth before, WorkerHealth after) {
    return WorkerHealthChanges.matters(InformerPruning.workerHealth(copy(before)), after, NOW, STALE_AFTER);
  }

  @Test
  void aHeartbeatOfAFreshReportMattersToNoPolicy() {
    WorkerHealth before = health("a", Duration.ofSeconds(60), null);
    assertThat(matters(before, heartbeat(before, Duration.ofSeconds(60)))).isFalse();
    WorkerHealth failing = health("b", Duration.ofSeconds(90), Duration.ofMinutes(3));
    assertThat(matters(failing, heartbeat(failing, Duration.ofSeconds(60)))).isFalse();
  }

  @Test
  void whatTheSidecarWritesWithoutAPolicyReadingItDoesNotMatter() {
    WorkerHealth before = health("a", Duration.ofSeconds(10), Duration.ofMinutes(1));
    WorkerHealth after = heartbeat(before, Duration.ofSeconds(5));
    after.getStatus().setHttpStatus(500);
    after.getStatus().getWorkers().get(1).setMessage("another wording of the error");
    after.getStatus().getWorkers().get(1).setRawStatus("DOWN");
    after.getStatus().setConsecutiveFailures(7);
    after.getMetadata().getAnnotations().put("touched", "yes");
    assertThat(matters(before, after)).isFalse();
  }

  @Test
  void aHeartbeatThatMakesAStaleReportFreshAgainMatters() {
    WorkerHealth stale = health("a", Duration.ofMinutes(3), null);
    assertThat(matters(stale, heartbeat(stale, Duration.ofMinutes(3)))).isTrue();
    // fresh for a policy with a long staleAfter, stale for one with a short one: the shortest counts
    WorkerHealth before = health("b", Duration.ofSeconds(40), null);
    assertThat(WorkerHealthChanges.matters(InformerPruning.workerHealth(copy(before)), heartbeat(before,
        Duration.ofSeconds(40)), NOW, Duration.ofSeconds(30))).isTrue();
  }

  @Test
  void aHeartbeatFromTheFutureOrIntoItMatters() {
    WorkerHealth future = health("a", Duration.ofMinutes(-5), null);
    assertThat(matters(future, heartbeat(future, Duration.ofMinutes(-4)))).isTrue();
    WorkerHealth now = health("b", Duration.ZERO, null);
    assertThat(matters(now, heartbeat(now, Duration.ofMinutes(5)))).isTrue();
  }

  @Test
  void transitionsMatter() {
    WorkerHealth healthy = health("a", Duration.ofSeconds(5), null);
    WorkerHealth failed = copy(healthy);
    failed.getStatus().getWorkers().get(1).setStatus(WorkerStatus.Failed);
    failed.getStatus().getWorkers().get(1).setLastTransitionTime(NOW.toString());
    assertThat(matters(healthy, failed)).as("a worker fails").isTrue();

    WorkerHealth phase = copy(healthy);
    phase.getStatus().setPhase(HealthPhase.Degraded);
    assertThat(matters(healthy, phase)).as("the phase").isTrue();

    WorkerHealth since = copy(healthy);
    since.getStatus().getWorkers().get(0).setLastTransitionTime(NOW.minusSeconds(1).toString());
    assertThat(matters(healthy, since)).as("a transition time").isTrue();

    WorkerHealth more = copy(healthy);
    more.getStatus().getWorkers().add(new io.workerhealth.api.v1alpha1.WorkerState("logmq-consumer",
        WorkerStatus.Healthy, "ok", null, NOW.toString()));
    assertThat(matters(healthy, more)).as("a new worker").isTrue();

    assertThat(matters(healthy, unreachable(healthy, Duration.ofSeconds(30)))).as("unreachable").isTrue();
    WorkerHealth noStatus = copy(healthy);
    noStatus.setStatus(null);
    assertThat(matters(noStatus, healthy)).as("the first report").isTrue();
  }

  @Test
  void whatSelectsAndIdentifiesThePodMatters() {
    WorkerHealth before = health("a", Duration.ofSeconds(5), null);
    WorkerHealth relabelled = copy(before);
    relabelled.getMetadata().getLabels().put("workerhealth.io/exclude", "true");
    assertThat(matters(before, relabelled)).isTrue();
    assertThat(WorkerHealthChanges.matters(InformerPruning.workerHealth(copy(before)), relabelled, NOW, null))
        .as("labels that may join another policy, even if none selects the pod now").isTrue();

    WorkerHealth adopted = copy(before);
    adopted.getMetadata().getOwnerReferences().get(0).setUid("uid-of-a-new-pod");
    assertThat(matters(before, adopted)).isTrue();

    WorkerHealth interval = copy(before);
    interval.getSpec().setIntervalSeconds(30);
    assertThat(matters(before, interval)).isTrue();
  }

  @Test
  void anUnreachableEndpointMattersWhenItsLastSuccessMoves() {
    WorkerHealth down = unreachable(health("a", Duration.ofSeconds(5), null), Duration.ofSeconds(30));
    WorkerHealth stillDown = heartbeat(down, Duration.ofSeconds(5));
    stillDown.getStatus().setLastSuccessfulScrapeTime(down.getStatus().getLastSuccessfulScrapeTime());
    stillDown.getStatus().setConsecutiveFailures(9);
    assertThat(matters(down, stillDown)).isFalse();
    WorkerHealth succeededBetween = copy(stillDown);
    succeededBetween.getStatus().setLastSuccessfulScrapeTime(NOW.toString());
    assertThat(matters(down, succeededBetween)).isTrue();
  }

  @Test
  void aPodNoPolicySelectsMattersOnlyByItsLabels() {
    WorkerHealth before = health("a", Duration.ofSeconds(5), null);
    WorkerHealth failed = copy(before);
    failed.getStatus().setPhase(HealthPhase.Failed);
    assertThat(WorkerHealthChanges.matters(InformerPruning.workerHealth(copy(before)), failed, NOW, null)).isFalse();
  }
}
