package io.workerhealth.operator.planning;

import static io.workerhealth.operator.planning.Fixtures.NOW;
import static org.assertj.core.api.Assertions.assertThat;

import io.workerhealth.api.v1alpha1.DependencyCheck;
import io.workerhealth.api.v1alpha1.OutageRecovery;
import io.workerhealth.api.v1alpha1.RecoveryMode;
import io.workerhealth.api.v1alpha1.RecoveryPhase;
import io.workerhealth.api.v1alpha1.RecoveryStatus;
import io.workerhealth.api.v1alpha1.RemediationAction;
import io.workerhealth.api.v1alpha1.RemediationOutcome;
import io.workerhealth.api.v1alpha1.RemediationRecord;
import io.workerhealth.api.v1alpha1.WorkerStatus;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** Recovery after a shared outage, played round by round as the operator runs it (see {@link FleetSimulation}). */
class OutageRecoveryTest {

  static final Duration STEP = Duration.ofSeconds(5);

  static PolicySettings policy(Consumer<WorkerHealthPolicySpec> change) {
    WorkerHealthPolicySpec spec = Fixtures.spec(Fixtures.restartConsumers());
    change.accept(spec);
    return Fixtures.settings(spec);
  }

  static FleetSimulation outpost(PolicySettings policy) {
    FleetSimulation fleet = new FleetSimulation(policy, NOW, 4);
    fleet.round();
    fleet.brokerDown();
    return fleet;
  }

  /** The phases the recovery went through, in order, while running. */
  static List<RecoveryPhase> phases(FleetSimulation fleet, Duration total, List<RemediationRecord> evictions) {
    List<RecoveryPhase> seen = new ArrayList<>();
    for (Duration t = Duration.ZERO; t.compareTo(total) < 0; t = t.plus(STEP)) {
      fleet.advance(STEP);
      int before = fleet.evicted.size();
      fleet.round();
      evictions.addAll(fleet.evicted.subList(before, fleet.evicted.size()));
      RecoveryPhase phase = fleet.status.getRecovery() == null ? null : fleet.status.getRecovery().getPhase();
      if (seen.isEmpty() || seen.get(seen.size() - 1) != phase) {
        seen.add(phase);
      }
    }
    return seen;
  }

  @Test
  void anAppThatNeverRecoversByItselfIsRecoveredByACanaryThenARollingRestartAndOnlyTheCanaryPaysMeanwhile() {
    FleetSimulation fleet = outpost(policy(s -> { }));
    Set<String> originals = new LinkedHashSet<>(fleet.pods.keySet());

    // ten minutes of outage: held for recovery.after (2m), then canaries backing off 1m, 2m, 4m
    List<RemediationRecord> duringOutage = new ArrayList<>();
    List<RecoveryPhase> outagePhases = phases(fleet, Duration.ofMinutes(10), duringOutage);
    assertThat(outagePhases).startsWith(RecoveryPhase.Held, RecoveryPhase.Canary, RecoveryPhase.BackingOff,
        RecoveryPhase.Canary, RecoveryPhase.BackingOff);
    assertThat(duringOutage).isNotEmpty().allSatisfy(r -> {
      assertThat(r.getRecovery()).isEqualTo(RecoveryPhase.Canary);
      assertThat(r.getAction()).isEqualTo(RemediationAction.RestartPod);
    });
    Instant firstCanary = Instant.parse(duringOutage.get(0).getTime());
    assertThat(firstCanary).isAfterOrEqualTo(NOW.plus(Duration.ofMinutes(2)));
    // only the canary pays: one pod of the fleet, then each time the canary's own replacement
    assertThat(duringOutage.stream().filter(r -> originals.contains(r.getPod())).count()).isEqualTo(1);
    for (int i = 1; i < duringOutage.size(); i++) {
      assertThat(originals).doesNotContain(duringOutage.get(i).getPod());
      Duration gap = Duration.between(Instant.parse(duringOutage.get(i - 1).getTime()),
          Instant.parse(duringOutage.get(i).getTime()));
      // the verification window (2m), then the backoff: 1m, then 2m, ...
      assertThat(gap).isGreaterThanOrEqualTo(Duration.ofMinutes(2).plus(Duration.ofMinutes(1L << (i - 1))));
    }
    assertThat(fleet.healthy()).isZero();
    assertThat(fleet.status.getRecovery().getNextTryTime()).as("the next try is said").isNotNull();

    // the broker is back: the next canary recovers, then the others are restarted one at a time, each verified
    fleet.brokerBack();
    Instant back = fleet.now;
    List<RemediationRecord> afterwards = new ArrayList<>();
    List<RecoveryPhase> recoveryPhases = phases(fleet, Duration.ofMinutes(20), afterwards);
    assertThat(recoveryPhases).containsSubsequence(RecoveryPhase.Canary, RecoveryPhase.Rolling, null);
    assertThat(fleet.healthy()).isEqualTo(4);
    assertThat(fleet.status.getRecovery()).isNull();
    assertThat(afterwards.get(0).getRecovery()).isEqualTo(RecoveryPhase.Canary);
    List<RemediationRecord> rolling = afterwards.stream().filter(r -> r.getRecovery() == RecoveryPhase.Rolling)
        .toList();
    assertThat(rolling).hasSize(3).allSatisfy(r -> assertThat(originals).contains(r.getPod()));
    for (int i = 1; i < rolling.size(); i++) {
      RemediationRecord before = rolling.get(i - 1);
      assertThat(before.getVerification()).isEqualTo(io.workerhealth.api.v1alpha1.VerificationResult.Recovered);
      assertThat(Instant.parse(rolling.get(i).getTime())).as("one at a time, each verified before the next")
          .isAfterOrEqualTo(Instant.parse(before.getVerifiedTime()));
    }
    Instant allHealthy = Instant.parse(rolling.get(rolling.size() - 1).getTime());
    assertThat(Duration.between(back, allHealthy)).as("bounded by the longest backoff and the rolling restarts")
        .isLessThanOrEqualTo(Duration.ofMinutes(15).plus(Duration.ofMinutes(2)));
    // nothing more once recovered
    assertThat(fleet.run(Duration.ofMinutes(10), STEP)).isEmpty();
  }

  @Test
  void anAppThatRecoversByItselfIsNeverRestarted() {
    FleetSimulation fleet = new FleetSimulation(policy(s -> { }), NOW, 4);
    fleet.recoversByItself = true;
    fleet.round();
    fleet.brokerDown();
    assertThat(fleet.run(Duration.ofSeconds(90), STEP)).isEmpty();
    assertThat(fleet.status.getRecovery().getPhase()).isEqualTo(RecoveryPhase.Held);
    assertThat(fleet.status.getRecovery().getNextTryTime()).isEqualTo(NOW.plus(Duration.ofMinutes(2))
        .plus(STEP).toString());
    fleet.brokerBack();
    assertThat(fleet.run(Duration.ofMinutes(10), STEP)).isEmpty();
    assertThat(fleet.status.getRecovery()).isNull();
    assertThat(fleet.healthy()).isEqualTo(4);
  }

  @Test
  void withADependencyCheckNothingIsRestartedWhileItIsDownAndEverythingOnceItAnswers() {
    FleetSimulation fleet = outpost(policy(s -> {
      OutageRecovery recovery = new OutageRecovery();
      DependencyCheck check = new DependencyCheck();
      check.setName("rabbitmq");
      check.setTcp("rabbitmq:5672");
      recovery.setDependency(check);
      s.setRecovery(recovery);
    }));
    for (Duration t = Duration.ZERO; t.compareTo(Duration.ofMinutes(10)) < 0; t = t.plus(STEP)) {
      fleet.advance(STEP);
      fleet.round(new DependencyObservation(false, "tcp rabbitmq:5672: connection refused", fleet.now));
    }
    assertThat(fleet.evicted).isEmpty();
    assertThat(fleet.status.getRecovery().getPhase()).isEqualTo(RecoveryPhase.Held);
    assertThat(fleet.status.getRecovery().getMessage()).contains("waiting for rabbitmq to answer")
        .contains("connection refused");
    assertThat(fleet.status.getRecovery().getDependencyReachable()).isFalse();

    fleet.brokerBack();
    for (Duration t = Duration.ZERO; t.compareTo(Duration.ofMinutes(10)) < 0; t = t.plus(STEP)) {
      fleet.advance(STEP);
      fleet.round(new DependencyObservation(true, "tcp rabbitmq:5672 accepts connections", fleet.now));
    }
    assertThat(fleet.evicted).hasSize(4).allSatisfy(r -> assertThat(r.getRecovery())
        .isEqualTo(RecoveryPhase.Rolling));
    assertThat(fleet.healthy()).isEqualTo(4);
    assertThat(fleet.status.getRecovery()).isNull();
  }

  @Test
  void recoveryThatKeepsFailingAsksForAttentionAndKeepsTryingAtMaxBackoff() {
    FleetSimulation fleet = outpost(policy(s -> { }));
    fleet.run(Duration.ofMinutes(60), STEP);
    assertThat(fleet.status.getRecovery().getNotRecovered()).isGreaterThanOrEqualTo(3);
    assertThat(fleet.last.attention()).extracting(Plan.Attention::reason).contains(SkipReason.RecoveryFailing);
    List<Instant> times = fleet.evicted.stream().map(r -> Instant.parse(r.getTime())).toList();
    Duration lastGap = Duration.between(times.get(times.size() - 2), times.get(times.size() - 1));
    assertThat(lastGap).as("window 2m + backoff capped at 15m")
        .isLessThanOrEqualTo(Duration.ofMinutes(17).plus(STEP));
    assertThat(fleet.evicted.stream().map(RemediationRecord::getPod).distinct().count())
        .isEqualTo(fleet.evicted.size());
  }

  @Test
  void modeHoldNeverRestartsDuringAnOutage() {
    FleetSimulation fleet = outpost(policy(s -> {
      OutageRecovery recovery = new OutageRecovery();
      recovery.setMode(RecoveryMode.Hold);
      s.setRecovery(recovery);
    }));
    assertThat(fleet.run(Duration.ofMinutes(30), Duration.ofSeconds(30))).isEmpty();
    assertThat(fleet.status.getRecovery().getPhase()).isEqualTo(RecoveryPhase.Held);
    assertThat(fleet.status.getRecovery().getMessage()).contains("recovery.mode is Hold");
  }

  /**
   * The status says the Canary phase began at NOW (a replica whose clock runs a second ahead wrote it, or a hand
   * edit), the canary was acted a second earlier and is judged in this round: its verdict is this phase's, not an
   * earlier one's.
   */
  static Plan canaryJudgedNow(Duration canaryAgo, WorkerStatus replacementWorker) {
    return canaryJudgedNow(canaryAgo, replacementWorker, state -> { });
  }

  static Plan canaryJudgedNow(Duration canaryAgo, WorkerStatus replacementWorker, Consumer<RecoveryStatus> change) {
    String slot = "ReplicaSet/outpost-7d9f";
    PodHealth replacement = new PodHealth("outpost-7d9f-new", "uid-new", slot, false, 5,
        Fixtures.pod("outpost-7d9f-new", Duration.ZERO, "deliverymq-consumer", replacementWorker, Duration.ZERO,
            "logmq-consumer", WorkerStatus.Failed, Duration.ZERO).status(), NOW.minus(canaryAgo).plusSeconds(1), true, null);
    List<PodHealth> pods = List.of(replacement,
        Fixtures.inSlot(Fixtures.failing("outpost-5c4b-a", Duration.ofMinutes(10)), "ReplicaSet/outpost-5c4b"),
        Fixtures.inSlot(Fixtures.failing("outpost-5c4b-b", Duration.ofMinutes(10)), "ReplicaSet/outpost-5c4b"));
    RemediationRecord canary = Fixtures.record(new PodHealth("outpost-7d9f-old", "uid-old", slot, false, 5, null),
        RemediationOutcome.Succeeded, canaryAgo);
    canary.setRecovery(RecoveryPhase.Canary);
    RecoveryStatus state = new RecoveryStatus();
    state.setPhase(RecoveryPhase.Canary);
    state.setHeldSince(NOW.minus(Duration.ofMinutes(10)).toString());
    state.setPhaseSince(NOW.toString());
    state.setNotRecovered(0);
    state.setCanaryPod("outpost-7d9f-old");
    change.accept(state);
    return new RemediationPlanner().plan(policy(s -> { }), new PlanInputs(pods, List.of(canary), null, null, null,
        null).withRecovery(state), NOW);
  }

  @Test
  void aCanaryWhoseReplacementRecoveredInThisRoundStartsTheRollingRecoveryNotASecondCanary() {
    Plan plan = canaryJudgedNow(Duration.ofSeconds(1), WorkerStatus.Healthy);
    assertThat(plan.verifications()).singleElement().extracting(Plan.Verified::result)
        .isEqualTo(io.workerhealth.api.v1alpha1.VerificationResult.Recovered);
    assertThat(plan.recovery().getPhase()).isEqualTo(RecoveryPhase.Rolling);
    assertThat(plan.actions()).isNotEmpty()
        .allSatisfy(d -> assertThat(d.recovery()).isEqualTo(RecoveryPhase.Rolling));
  }

  @Test
  void aCanaryJudgedNotRecoveredInThisRoundBacksOffInsteadOfRestartingItsReplacementAtOnce() {
    Plan plan = canaryJudgedNow(Duration.ofMinutes(2).plusSeconds(1), WorkerStatus.Failed);
    assertThat(plan.verifications()).singleElement().extracting(Plan.Verified::result)
        .isEqualTo(io.workerhealth.api.v1alpha1.VerificationResult.NotRecovered);
    assertThat(plan.actions()).isEmpty();
    assertThat(plan.recovery().getPhase()).isEqualTo(RecoveryPhase.BackingOff);
    assertThat(plan.recovery().getNotRecovered()).isEqualTo(1);
    assertThat(Instant.parse(plan.recovery().getNextTryTime())).isEqualTo(NOW.plus(Duration.ofMinutes(1)));
  }

  @Test
  void aBackoffThatEndsInTheRoundItsCanaryIsJudgedNotRecoveredBacksOffAgainInsteadOfStartingACanary() {
    Plan plan = canaryJudgedNow(Duration.ofMinutes(2).plusSeconds(1), WorkerStatus.Failed, state -> {
      state.setPhase(RecoveryPhase.BackingOff);
      state.setPhaseSince(NOW.minus(Duration.ofMinutes(1)).toString());
      state.setNextTryTime(NOW.minusSeconds(1).toString());
      state.setNotRecovered(1);
    });
    assertThat(plan.actions()).isEmpty();
    assertThat(plan.recovery().getPhase()).isEqualTo(RecoveryPhase.BackingOff);
    assertThat(plan.recovery().getNotRecovered()).isEqualTo(2);
    assertThat(Instant.parse(plan.recovery().getNextTryTime())).isEqualTo(NOW.plus(Duration.ofMinutes(2)));
  }

  @Test
  void reportOnlyRulesKeepReportingDuringAnOutage() {
    PolicySettings tell = Fixtures.settings(Fixtures.spec(Fixtures.rule("tell", RemediationAction.None, "30s",
        "*-consumer")));
    List<PodHealth> pods = List.of(Fixtures.failing("app-a", Duration.ofMinutes(5)),
        Fixtures.failing("app-b", Duration.ofMinutes(5)), Fixtures.failing("app-c", Duration.ofMinutes(5)));
    Plan plan = new RemediationPlanner().plan(tell, pods, List.of(), NOW);
    assertThat(plan.suppressed()).isEqualTo(SkipReason.TooManyUnhealthy);
    assertThat(plan.actions()).hasSize(3).allSatisfy(d -> assertThat(d.action()).isEqualTo(RemediationAction.None));
  }
}
