package io.workerhealth.operator.planning;

import static io.workerhealth.operator.planning.Fixtures.NOW;
import static io.workerhealth.operator.planning.Fixtures.defaults;
import static io.workerhealth.operator.planning.Fixtures.failing;
import static io.workerhealth.operator.planning.Fixtures.healthy;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.workerhealth.api.v1alpha1.ActionEffectiveness;
import io.workerhealth.api.v1alpha1.RemediationAction;
import io.workerhealth.api.v1alpha1.RemediationOutcome;
import io.workerhealth.api.v1alpha1.RemediationRecord;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicyStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Holds that end, cooldowns that back off per slot and are retried when they end, pods that must not be restarted
 * (bare, mid-rollout), and pods that never report.
 */
class HoldsAndLimitsTest {

  final RemediationPlanner planner = new RemediationPlanner();

  static ActionEffectiveness notHelping(Instant lastVerified) {
    ActionEffectiveness e = new ActionEffectiveness("restart-consumer", "deliverymq-consumer",
        RemediationAction.RestartPod);
    e.setNotRecovered(3L);
    e.setConsecutiveNotRecovered(3);
    e.setLastVerifiedTime(lastVerified.toString());
    return e;
  }

  static List<PodHealth> oneOfThreeFailing() {
    return List.of(healthy("app-a"), failing("app-b", Duration.ofMinutes(2)), healthy("app-c"));
  }

  Plan plan(PolicySettings policy, List<PodHealth> pods, List<RemediationRecord> history,
            List<ActionEffectiveness> effectiveness, Instant now) {
    return planner.plan(policy, new PlanInputs(pods, history, null, effectiveness, List.of(), Map.of()), now);
  }

  // ---- holds on actions that did not help end --------------------------------------------------------------------

  @Test
  void aNotHelpingHoldSaysUntilWhenAndEndsAfterHoldFor() {
    List<ActionEffectiveness> held = List.of(notHelping(NOW.minus(Duration.ofMinutes(10))));
    Plan during = plan(defaults(), oneOfThreeFailing(), List.of(), held, NOW);
    Instant until = NOW.plus(Duration.ofMinutes(50));
    assertThat(during.actions()).isEmpty();
    assertThat(during.skipped()).singleElement().satisfies(s -> {
      assertThat(s.reason()).isEqualTo(SkipReason.NotHelping);
      assertThat(s.message()).contains("until " + until).contains("verification.holdFor");
    });
    assertThat(during.effectiveness()).singleElement()
        .satisfies(e -> assertThat(e.getHeldUntil()).isEqualTo(until.toString()));
    assertThat(during.nextTry()).isEqualTo(until);

    // when the recorded end has come (the pods reporting as before)
    ActionEffectiveness due = during.effectiveness().get(0);
    due.setHeldUntil(NOW.toString());
    Plan after = plan(defaults(), oneOfThreeFailing(), List.of(), List.of(due), NOW);
    assertThat(after.actions()).extracting(Plan.Decision::pod).containsExactly("app-b");
    assertThat(after.holdsEnded()).singleElement()
        .satisfies(h -> assertThat(h.message()).contains("held for verification.holdFor (3600s)"));
    assertThat(after.effectiveness()).singleElement().satisfies(e -> {
      assertThat(e.getConsecutiveNotRecovered()).isZero();
      assertThat(e.getHeldUntil()).isNull();
    });
  }

  @Test
  void aNotHelpingHoldEndsWhenTheSpecChanges() {
    WorkerHealthPolicyStatus status = new WorkerHealthPolicyStatus();
    status.setObservedGeneration(1L);
    status.setEffectiveness(new ArrayList<>(List.of(notHelping(NOW.minus(Duration.ofMinutes(10))))));
    PolicyObservation observed = new PolicyObservation(NOW, oneOfThreeFailing(), Map.of());
    assertThat(PolicyDecision.decide(planner, defaults(), status, observed, 1L).plan().actions()).isEmpty();
    Plan changed = PolicyDecision.decide(planner, defaults(), status, observed, 2L).plan();
    assertThat(changed.actions()).extracting(Plan.Decision::pod).containsExactly("app-b");
    assertThat(changed.holdsEnded()).singleElement()
        .satisfies(h -> assertThat(h.message()).contains("the spec changed"));
  }

  @Test
  void aNotHelpingHoldEndsWhenTheWorkerIsHealthyEverywhereForTheVerificationWindow() {
    List<ActionEffectiveness> held = List.of(notHelping(NOW.minus(Duration.ofMinutes(10))));
    List<PodHealth> recentlyHealthy = List.of(healthy("app-a"), Fixtures.pod("app-b", Duration.ofSeconds(3),
        "deliverymq-consumer", io.workerhealth.api.v1alpha1.WorkerStatus.Healthy, Duration.ofSeconds(30)));
    assertThat(plan(defaults(), recentlyHealthy, List.of(), held, NOW).holdsEnded()).isEmpty();
    Plan healthyLongEnough = plan(defaults(), List.of(healthy("app-a"), healthy("app-b")), List.of(), held, NOW);
    assertThat(healthyLongEnough.holdsEnded()).singleElement()
        .satisfies(h -> assertThat(h.message()).contains("healthy on every selected pod for 120s"));
  }

  // ---- cooldowns back off per slot, and are retried when they end ------------------------------------------------

  static RemediationRecord restarted(String slot, Instant at, Instant failingSince) {
    RemediationRecord r = new RemediationRecord();
    r.setPod("gone-" + at.getEpochSecond());
    r.setPodUID("uid-gone-" + at.getEpochSecond());
    r.setSlot(slot);
    r.setWorker("deliverymq-consumer");
    r.setRule("restart-consumer");
    r.setAction(RemediationAction.RestartPod);
    r.setTime(at.toString());
    r.setFailingSince(failingSince.toString());
    r.setOutcome(RemediationOutcome.Succeeded);
    return r;
  }

  @Test
  void repeatedRemediationsOfASlotDoubleItsCooldownAndTheRetryIsAtItsEnd() {
    PodHealth failingPod = failing("app-b", Duration.ofMinutes(2));
    String slot = failingPod.slot();
    // restarted 14 and 7 minutes ago, each time failing again a minute after: two in a row
    List<RemediationRecord> history = List.of(
        restarted(slot, NOW.minus(Duration.ofMinutes(7)), NOW.minus(Duration.ofMinutes(13))),
        restarted(slot, NOW.minus(Duration.ofMinutes(14)), NOW.minus(Duration.ofMinutes(20))));
    Plan plan = plan(defaults(), List.of(healthy("app-a"), failingPod, healthy("app-c")), history, List.of(), NOW);
    assertThat(plan.actions()).isEmpty();
    assertThat(plan.skipped()).singleElement().satisfies(s -> {
      assertThat(s.reason()).isEqualTo(SkipReason.Cooldown);
      assertThat(s.message()).contains("cooldown is 600s").contains("doubled for 2 remediations in a row");
    });
    assertThat(plan.nextTry()).as("retried when the cooldown ends").isEqualTo(NOW.plus(Duration.ofMinutes(3)));
    // the base cooldown (5m) alone would have let it act already
    assertThat(plan(defaults(), List.of(failingPod, healthy("app-a"), healthy("app-c")), history.subList(0, 1),
        List.of(), NOW).actions()).extracting(Plan.Decision::pod).containsExactly("app-b");
  }

  @Test
  void theCooldownStopsGrowingAtMaxCooldownAndResetsAfterTheSlotStayedHealthy() {
    PolicySettings policy = Fixtures.with(s -> {
      s.setCooldown("1m");
      s.setMaxCooldown("4m");
      s.setCooldownResetAfter("30m");
    });
    assertThat(policy.cooldownAfter(1)).isEqualTo(Duration.ofMinutes(1));
    assertThat(policy.cooldownAfter(3)).isEqualTo(Duration.ofMinutes(4));
    assertThat(policy.cooldownAfter(10)).isEqualTo(Duration.ofMinutes(4));
    PodHealth failingPod = failing("app-b", Duration.ofMinutes(2));
    List<RemediationRecord> inARow = new ArrayList<>();
    for (int i = 1; i <= 5; i++) {
      inARow.add(restarted(failingPod.slot(), NOW.minus(Duration.ofMinutes(3L * i)),
          NOW.minus(Duration.ofMinutes(3L * i + 1))));
    }
    assertThat(RemediationPlanner.inARow(inARow, failingPod.status() == null ? null
        : NOW.minus(Duration.ofMinutes(2)), policy.cooldownResetAfter())).isEqualTo(5);
    // the failure now began 40 minutes after the last remediation: the slot stayed healthy, the row is over
    assertThat(RemediationPlanner.inARow(List.of(restarted(failingPod.slot(), NOW.minus(Duration.ofMinutes(45)),
        NOW.minus(Duration.ofMinutes(46)))), NOW.minus(Duration.ofMinutes(5)), policy.cooldownResetAfter()))
        .isZero();
  }

  // ---- pods that must not be restarted ---------------------------------------------------------------------------

  static PodHealth with(PodHealth p, Boolean controlled, String rollout) {
    return new PodHealth(p.pod(), p.podUid(), controlled ? p.slot() : "Pod/" + p.pod(), p.excluded(),
        p.intervalSeconds(), p.status(), null, controlled, rollout);
  }

  @Test
  void aBarePodIsNeverEvictedUnlessThePolicyOptsIn() {
    List<PodHealth> pods = List.of(healthy("app-a"), with(failing("app-b", Duration.ofMinutes(2)), false, null),
        healthy("app-c"));
    Plan plan = plan(defaults(), pods, List.of(), List.of(), NOW);
    assertThat(plan.actions()).isEmpty();
    assertThat(plan.skipped()).singleElement().satisfies(s -> {
      assertThat(s.reason()).isEqualTo(SkipReason.BarePod);
      assertThat(s.message()).contains("has no controller").contains("spec.evictBarePods");
    });
    Plan optedIn = plan(Fixtures.with(s -> s.setEvictBarePods(true)), pods, List.of(), List.of(), NOW);
    assertThat(optedIn.actions()).extracting(Plan.Decision::pod).containsExactly("app-b");
  }

  @Test
  void noRestartWhileThePodsWorkloadIsMidRollout() {
    List<PodHealth> pods = List.of(healthy("app-a"),
        with(failing("app-b", Duration.ofMinutes(2)), true, "Deployment/app"), healthy("app-c"));
    Plan plan = plan(defaults(), pods, List.of(), List.of(), NOW);
    assertThat(plan.actions()).isEmpty();
    assertThat(plan.skipped()).singleElement().satisfies(s -> {
      assertThat(s.reason()).isEqualTo(SkipReason.RolloutInProgress);
      assertThat(s.message()).contains("Deployment/app is in the middle of a rollout");
    });
    assertThat(plan.rollouts()).containsExactly("Deployment/app");
  }

  // ---- pods that never report ------------------------------------------------------------------------------------

  @Test
  void podsThatNeverReportAreCountedAfterTheGracePeriodAndAreUnhealthyForMaxUnhealthy() {
    List<PodHealth> pods = List.of(healthy("app-a"), failing("app-b", Duration.ofMinutes(2)));
    List<UnreportedPod> silent = List.of(new UnreportedPod("app-c", "uid-c", NOW.minus(Duration.ofMinutes(10))),
        new UnreportedPod("app-d", "uid-d", NOW.minus(Duration.ofMinutes(1))));
    PlanInputs in = new PlanInputs(pods, List.of(), null, List.of(), List.of(), Map.of()).withUnreported(silent);
    Plan plan = planner.plan(defaults(), in, NOW);
    assertThat(plan.notReporting()).containsExactly("app-c");
    assertThat(plan.counts().selected()).isEqualTo(3);
    assertThat(plan.counts().notReporting()).isEqualTo(1);
    assertThat(plan.nextTry()).as("app-d's grace period ends").isEqualTo(NOW.plus(Duration.ofMinutes(4)));
    // 50% of 3 rounds up to 2: one failing plus one silent is within it
    assertThat(plan.actions()).extracting(Plan.Decision::pod).containsExactly("app-b");
    // with two more silent pods, 3 of 4 are unhealthy: held
    Plan more = planner.plan(defaults(), in.withUnreported(List.of(silent.get(0),
        new UnreportedPod("app-e", "uid-e", NOW.minus(Duration.ofMinutes(6))))), NOW);
    assertThat(more.suppressed()).isEqualTo(SkipReason.TooManyUnhealthy);
    assertThat(more.suppressedMessage()).contains("3 of 4 selected pods are failing or not reporting");
  }

  @Test
  void thePlannerSettlesAfterAnOutageThatEndedByItself() {
    WorkerHealthPolicyStatus status = new WorkerHealthPolicyStatus();
    status.setConditions(new ArrayList<>(List.of(new ConditionBuilder().withType("RemediationAllowed")
        .withStatus("False").withReason("RecoveryInProgress").build())));
    PolicyDecision d = PolicyDecision.decide(planner, defaults(), status,
        new PolicyObservation(NOW, oneOfThreeFailing(), Map.of()), null);
    assertThat(d.suppressionEnd()).isTrue();
    assertThat(d.plan().actions()).isEmpty();
  }
}
