package io.workerhealth.operator.planning;

import static io.workerhealth.operator.planning.Fixtures.NOW;
import static io.workerhealth.operator.planning.Fixtures.failing;
import static io.workerhealth.operator.planning.Fixtures.healthy;
import static io.workerhealth.operator.planning.Fixtures.pod;
import static io.workerhealth.operator.planning.Fixtures.rule;
import static io.workerhealth.operator.planning.Fixtures.settings;
import static io.workerhealth.operator.planning.Fixtures.spec;
import static io.workerhealth.operator.planning.Fixtures.unhealthy;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.workerhealth.api.v1alpha1.ActionEffectiveness;
import io.workerhealth.api.v1alpha1.EscalationStep;
import io.workerhealth.api.v1alpha1.RemediationAction;
import io.workerhealth.api.v1alpha1.RemediationOutcome;
import io.workerhealth.api.v1alpha1.RemediationRecord;
import io.workerhealth.api.v1alpha1.RemediationRule;
import io.workerhealth.api.v1alpha1.ScaleSpec;
import io.workerhealth.api.v1alpha1.ScaleTargetRef;
import io.workerhealth.api.v1alpha1.ScaleTargetState;
import io.workerhealth.api.v1alpha1.Verification;
import io.workerhealth.api.v1alpha1.VerificationResult;
import io.workerhealth.api.v1alpha1.WorkerStatus;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicySpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** ScaleTarget, escalation steps and verification of actions, all decided by the pure planner. */
class ScaleEscalationVerificationTest {

  static final String TARGET = "Deployment/outpost-delivery";
  static final String WORKER = "deliverymq-consumer";
  static final String SLOT = "ReplicaSet/app";

  final RemediationPlanner planner = new RemediationPlanner();

  static ScaleSpec scale(int minHealthy, int maxReplicas) {
    ScaleSpec s = new ScaleSpec(new ScaleTargetRef("apps/v1", "Deployment", "outpost-delivery"), minHealthy,
        maxReplicas);
    s.setStabilizationWindow("5m");
    return s;
  }

  static PolicySettings scalePolicy(int minHealthy, int maxReplicas) {
    RemediationRule r = rule("keep-consumers", RemediationAction.ScaleTarget, "30s", "*-consumer");
    r.setScale(scale(minHealthy, maxReplicas));
    return settings(unhealthy(spec(r), "100%"));
  }

  static PolicySettings escalating(Verification verification) {
    RemediationRule r = rule("escalate", null, "30s", "*-consumer");
    r.setAction(null);
    EscalationStep restart = new EscalationStep(RemediationAction.RestartPod, 2, "15m");
    EscalationStep scaleStep = new EscalationStep(RemediationAction.ScaleTarget, 1, "30m");
    scaleStep.setScale(scale(3, 6));
    r.setEscalation(List.of(restart, scaleStep, new EscalationStep(RemediationAction.None, null, null)));
    r.setVerification(verification);
    WorkerHealthPolicySpec spec = unhealthy(spec(r), "100%");
    spec.setCooldown("1m");
    return settings(spec);
  }

  Plan plan(PolicySettings p, List<PodHealth> pods, List<RemediationRecord> history, List<ActionEffectiveness> eff,
            List<ScaleTargetState> states, Integer replicas) {
    return planner.plan(p, new PlanInputs(pods, history, null, eff, states,
        replicas == null ? Map.of() : Map.of(TARGET, ScaleTargetObservation.of(TARGET, replicas))), NOW);
  }

  static List<PodHealth> oneOfThreeFailing() {
    return List.of(healthy("app-a"), failing("app-b", Duration.ofMinutes(2)), healthy("app-c"));
  }

  static RemediationRecord record(String rule, RemediationAction action, Integer step, Duration ago,
                                  RemediationOutcome outcome) {
    RemediationRecord r = new RemediationRecord();
    r.setPod("app-x");
    r.setPodUID("uid-app-x");
    r.setSlot(SLOT);
    r.setWorker(WORKER);
    r.setRule(rule);
    r.setAction(action);
    r.setStep(step);
    r.setTime(NOW.minus(ago).toString());
    r.setOutcome(outcome);
    return r;
  }

  static ActionEffectiveness notRecovered(String rule, RemediationAction action, int times) {
    ActionEffectiveness e = new ActionEffectiveness(rule, WORKER, action);
    e.setNotRecovered((long) times);
    e.setConsecutiveNotRecovered(times);
    return e;
  }

  // ---- ScaleTarget ------------------------------------------------------------------------------------------------

  @Test
  void tooFewHealthyInstancesScaleTheTargetUpByStepAndRecordTheBaseline() {
    Plan plan = plan(scalePolicy(3, 5), oneOfThreeFailing(), List.of(), List.of(), List.of(), 3);
    assertThat(plan.actions()).singleElement().satisfies(d -> {
      assertThat(d.action()).isEqualTo(RemediationAction.ScaleTarget);
      assertThat(d.target()).isEqualTo(TARGET);
      assertThat(d.fromReplicas()).isEqualTo(3);
      assertThat(d.toReplicas()).isEqualTo(4);
      assertThat(d.pod()).isEqualTo("app-b");
      assertThat(d.worker()).isEqualTo(WORKER);
      assertThat(d.scaleUp()).isTrue();
    });
    assertThat(plan.scaleTargets()).singleElement().satisfies(s -> {
      assertThat(s.getBaselineReplicas()).isEqualTo(3);
      assertThat(s.getLastSetReplicas()).isEqualTo(4);
      assertThat(s.getLastScaleTime()).isEqualTo(NOW.toString());
    });
  }

  @Test
  void enoughHealthyInstancesNeedNoScaling() {
    Plan plan = plan(scalePolicy(2, 5), oneOfThreeFailing(), List.of(), List.of(), List.of(), 3);
    assertThat(plan.actions()).isEmpty();
    assertThat(plan.scaleTargets()).isEmpty();
  }

  @Test
  void neverAboveMaxReplicas() {
    Plan atMax = plan(scalePolicy(3, 5), oneOfThreeFailing(), List.of(), List.of(), List.of(), 5);
    assertThat(atMax.actions()).isEmpty();
    assertThat(atMax.skipped()).extracting(Plan.Skip::reason).containsExactly(SkipReason.AtMaxReplicas);
    RemediationRule r = rule("keep-consumers", RemediationAction.ScaleTarget, "30s", "*-consumer");
    r.setScale(scale(3, 5));
    r.getScale().setStep(4);
    Plan capped = plan(settings(unhealthy(spec(r), "100%")), oneOfThreeFailing(), List.of(), List.of(), List.of(), 3);
    assertThat(capped.actions()).extracting(Plan.Decision::toReplicas).containsExactly(5);
  }

  @Test
  void stepsBackDownTowardsTheBaselineOnlyAfterTheStabilizationWindow() {
    List<PodHealth> allHealthy = List.of(healthy("app-a"), healthy("app-b"), healthy("app-c"), healthy("app-d"));
    ScaleTargetState scaled = new ScaleTargetState(TARGET, "keep-consumers", 3, 5, NOW.minusSeconds(900).toString(),
        null);
    // first healthy round: the window starts
    Plan first = plan(scalePolicy(3, 6), allHealthy, List.of(), List.of(), List.of(scaled), 5);
    assertThat(first.actions()).isEmpty();
    assertThat(first.scaleTargets()).singleElement()
        .satisfies(s -> assertThat(s.getEnoughHealthySince()).isEqualTo(NOW.toString()));
    // within the window: nothing
    scaled.setEnoughHealthySince(NOW.minusSeconds(120).toString());
    assertThat(plan(scalePolicy(3, 6), allHealthy, List.of(), List.of(), List.of(scaled), 5).actions()).isEmpty();
    // after it: one step down, and the window starts again
    scaled.setEnoughHealthySince(NOW.minusSeconds(301).toString());
    Plan down = plan(scalePolicy(3, 6), allHealthy, List.of(), List.of(), List.of(scaled), 5);
    assertThat(down.actions()).singleElement().satisfies(d -> {
      assertThat(d.fromReplicas()).isEqualTo(5);
      assertThat(d.toReplicas()).isEqualTo(4);
      assertThat(d.scaleUp()).isFalse();
      assertThat(d.pod()).isNull();
    });
    assertThat(down.scaleTargets()).singleElement().satisfies(s -> {
      assertThat(s.getLastSetReplicas()).isEqualTo(4);
      assertThat(s.getBaselineReplicas()).isEqualTo(3);
      assertThat(s.getEnoughHealthySince()).isEqualTo(NOW.toString());
    });
    // the last step reaches the baseline and the operator forgets the target
    ScaleTargetState almost = new ScaleTargetState(TARGET, "keep-consumers", 3, 4, NOW.minusSeconds(900).toString(),
        NOW.minusSeconds(400).toString());
    Plan last = plan(scalePolicy(3, 6), allHealthy, List.of(), List.of(), List.of(almost), 4);
    assertThat(last.actions()).extracting(Plan.Decision::toReplicas).containsExactly(3);
    assertThat(last.scaleTargets()).isEmpty();
  }

  @Test
  void theBaselineComesFromTheStatusSoARestartedOperatorKeepsIt() {
    // a fresh planner (as after an operator restart) with only what the status holds
    ScaleTargetState fromStatus = new ScaleTargetState(TARGET, "keep-consumers", 2, 4,
        NOW.minusSeconds(600).toString(), null);
    Plan plan = new RemediationPlanner().plan(scalePolicy(4, 8), new PlanInputs(oneOfThreeFailing(), List.of(), null,
        List.of(), List.of(fromStatus), Map.of(TARGET, ScaleTargetObservation.of(TARGET, 4))), NOW);
    assertThat(plan.actions()).extracting(Plan.Decision::fromReplicas, Plan.Decision::toReplicas)
        .containsExactly(tuple(4, 5));
    assertThat(plan.scaleTargets()).singleElement().satisfies(s -> {
      assertThat(s.getBaselineReplicas()).as("baseline from before the first scale-up").isEqualTo(2);
      assertThat(s.getLastSetReplicas()).isEqualTo(5);
    });
  }

  @Test
  void replicasSomeoneElseSetAreAdoptedNotFought() {
    ScaleTargetState scaled = new ScaleTargetState(TARGET, "keep-consumers", 3, 5, NOW.minusSeconds(900).toString(),
        NOW.minusSeconds(900).toString());
    List<PodHealth> allHealthy = List.of(healthy("app-a"), healthy("app-b"), healthy("app-c"));
    Plan plan = plan(scalePolicy(3, 6), allHealthy, List.of(), List.of(), List.of(scaled), 8);
    assertThat(plan.actions()).as("no step down from the user's 8").isEmpty();
    assertThat(plan.scaleTargets()).isEmpty();
    assertThat(plan.notes()).singleElement().satisfies(n -> assertThat(n).contains("adopting 8"));
  }

  @Test
  void aTargetAnAutoscalerDrivesIsNotScaled() {
    for (String driver : List.of("HorizontalPodAutoscaler/outpost", "ScaledObject/outpost")) {
      Plan plan = planner.plan(scalePolicy(3, 5), new PlanInputs(oneOfThreeFailing(), List.of(), null, List.of(),
          List.of(), Map.of(TARGET, new ScaleTargetObservation(TARGET, 3, driver, null))), NOW);
      assertThat(plan.actions()).isEmpty();
      assertThat(plan.skipped()).extracting(Plan.Skip::reason).containsExactly(SkipReason.AutoscalerManaged);
      assertThat(plan.targetProblems()).singleElement().satisfies(p -> {
        assertThat(p.reason()).isEqualTo(SkipReason.AutoscalerManaged);
        assertThat(p.message()).contains(driver);
      });
    }
  }

  @Test
  void anUnreadableTargetIsReportedNotScaled() {
    Plan plan = planner.plan(scalePolicy(3, 5), new PlanInputs(oneOfThreeFailing(), List.of(), null, List.of(),
        List.of(), Map.of(TARGET, new ScaleTargetObservation(TARGET, null, null, "Deployment x not found"))), NOW);
    assertThat(plan.actions()).isEmpty();
    assertThat(plan.targetProblems()).extracting(Plan.TargetProblem::reason)
        .containsExactly(SkipReason.TargetUnavailable);
  }

  @Test
  void whenEveryPodFailsTheSameWorkerItHoldsInsteadOfScalingIntoTheOutage() {
    List<PodHealth> outage = List.of(failing("app-a", Duration.ofMinutes(2)), failing("app-b", Duration.ofMinutes(2)),
        failing("app-c", Duration.ofMinutes(3)));
    Plan plan = plan(scalePolicy(3, 6), outage, List.of(), List.of(), List.of(), 3);
    assertThat(plan.actions()).isEmpty();
    assertThat(plan.skipped()).singleElement().satisfies(s -> {
      assertThat(s.reason()).isEqualTo(SkipReason.OutageHold);
      assertThat(s.message()).contains("every selected pod (3) fails worker deliverymq-consumer");
    });
  }

  @Test
  void afterAnOutageRecoveringPodsGetTheRulesForBeforeAScaleUp() {
    // the outage ended a moment ago; one pod still reports the worker failed (since before the outage ended)
    PolicySettings p = scalePolicy(3, 6);
    Map<String, ScaleTargetObservation> target = Map.of(TARGET, ScaleTargetObservation.of(TARGET, 3));
    Plan settling = planner.plan(p, new PlanInputs(oneOfThreeFailing(), List.of(), null, List.of(), List.of(), target,
        NOW.minusSeconds(5)), NOW);
    assertThat(settling.actions()).isEmpty();
    assertThat(settling.skipped()).singleElement().satisfies(s -> {
      assertThat(s.reason()).isEqualTo(SkipReason.OutageHold);
      assertThat(s.message()).contains("until " + NOW.minusSeconds(5)).contains("30s");
    });
    // once the rule's 'for' has passed since, the pod that still fails is a real shortfall
    Plan after = planner.plan(p, new PlanInputs(oneOfThreeFailing(), List.of(), null, List.of(), List.of(), target,
        NOW.minusSeconds(31)), NOW);
    assertThat(after.actions()).singleElement().satisfies(d -> assertThat(d.toReplicas()).isEqualTo(4));
    assertThat(RemediationPlanner.outage(p, oneOfThreeFailing(), NOW)).isFalse();
    assertThat(RemediationPlanner.outage(p, List.of(failing("app-a", Duration.ofMinutes(2)),
        failing("app-b", Duration.ofMinutes(1))), NOW)).isTrue();
  }

  @Test
  void aScaleUpWaitsForTheCooldownAfterTheLastChange() {
    ScaleTargetState justScaled = new ScaleTargetState(TARGET, "keep-consumers", 3, 4, NOW.minusSeconds(60).toString(),
        null);
    Plan plan = plan(scalePolicy(4, 6), oneOfThreeFailing(), List.of(), List.of(), List.of(justScaled), 4);
    assertThat(plan.actions()).isEmpty();
    assertThat(plan.skipped()).extracting(Plan.Skip::reason).containsExactly(SkipReason.Cooldown);
  }

  @Test
  void scaleSettingsAreChecked() {
    RemediationRule noScale = rule("a", RemediationAction.ScaleTarget, "30s", "*");
    RemediationRule scaleOnRestart = rule("b", RemediationAction.RestartPod, "30s", "*");
    scaleOnRestart.setScale(scale(1, 2));
    RemediationRule inverted = rule("c", RemediationAction.ScaleTarget, "30s", "*");
    inverted.setScale(scale(5, 2));
    RemediationRule sameTarget = rule("d", RemediationAction.ScaleTarget, "30s", "*");
    sameTarget.setScale(scale(1, 2));
    RemediationRule noneFirst = rule("e", null, "30s", "*");
    noneFirst.setAction(null);
    noneFirst.setEscalation(List.of(new EscalationStep(RemediationAction.None, null, null),
        new EscalationStep(RemediationAction.RestartPod, null, null)));
    assertThatThrownBy(() -> PolicySettings.from(spec(noScale, scaleOnRestart, inverted, sameTarget, noneFirst)))
        .isInstanceOfSatisfying(InvalidPolicyException.class, e -> assertThat(e.problems()).containsExactlyInAnyOrder(
            "spec.rules[0].scale is required for action ScaleTarget",
            "spec.rules[1].scale is only for action ScaleTarget",
            "spec.rules[2].scale.maxReplicas must be at least minHealthy",
            "spec.rules[3].scale.targetRef: Deployment/outpost-delivery is already scaled by rule c; a target belongs "
                + "to one rule",
            "spec.rules[4].escalation[0]: only the last step may be None"));
  }

  // ---- escalation -------------------------------------------------------------------------------------------------

  @Test
  void escalationStartsWithTheFirstStep() {
    Plan plan = plan(escalating(null), oneOfThreeFailing(), List.of(), List.of(), List.of(), 3);
    assertThat(plan.actions()).extracting(Plan.Decision::action, Plan.Decision::step)
        .containsExactly(tuple(RemediationAction.RestartPod, 0));
    assertThat(plan.escalations()).isEmpty();
  }

  @Test
  void afterMaxAttemptsWithinTheWindowTheNextStepActs() {
    List<RemediationRecord> twoRestarts = List.of(
        record("escalate", RemediationAction.RestartPod, 0, Duration.ofMinutes(4), RemediationOutcome.Succeeded),
        record("escalate", RemediationAction.RestartPod, 0, Duration.ofMinutes(10), RemediationOutcome.Succeeded));
    Plan plan = plan(escalating(null), oneOfThreeFailing(), twoRestarts, List.of(), List.of(), 3);
    assertThat(plan.actions()).singleElement().satisfies(d -> {
      assertThat(d.action()).isEqualTo(RemediationAction.ScaleTarget);
      assertThat(d.step()).isEqualTo(1);
      assertThat(d.toReplicas()).isEqualTo(4);
      assertThat(d.slot()).as("escalation is kept per workload slot").isEqualTo(SLOT);
    });
    assertThat(plan.escalations()).singleElement().satisfies(e -> {
      assertThat(e.from()).isEqualTo(RemediationAction.RestartPod);
      assertThat(e.to()).isEqualTo(RemediationAction.ScaleTarget);
      assertThat(e.toStep()).isEqualTo(1);
      assertThat(e.reason()).contains("acted 2 times within 900s");
    });
  }

  @Test
  void attemptsOutsideTheStepsWindowDoNotCount() {
    List<RemediationRecord> spreadOut = List.of(
        record("escalate", RemediationAction.RestartPod, 0, Duration.ofMinutes(4), RemediationOutcome.Succeeded),
        record("escalate", RemediationAction.RestartPod, 0, Duration.ofMinutes(20), RemediationOutcome.Succeeded));
    Plan plan = plan(escalating(null), oneOfThreeFailing(), spreadOut, List.of(), List.of(), 3);
    assertThat(plan.actions()).extracting(Plan.Decision::action, Plan.Decision::step)
        .containsExactly(tuple(RemediationAction.RestartPod, 0));
  }

  @Test
  void theFinalNoneStepReportsOnceThenHoldsAndAsksForAHuman() {
    List<RemediationRecord> afterScaling = new ArrayList<>(List.of(
        record("escalate", RemediationAction.ScaleTarget, 1, Duration.ofMinutes(3), RemediationOutcome.Succeeded),
        record("escalate", RemediationAction.RestartPod, 0, Duration.ofMinutes(8), RemediationOutcome.Succeeded),
        record("escalate", RemediationAction.RestartPod, 0, Duration.ofMinutes(12), RemediationOutcome.Succeeded)));
    Plan plan = plan(escalating(null), oneOfThreeFailing(), afterScaling, List.of(), List.of(), 4);
    assertThat(plan.actions()).extracting(Plan.Decision::action, Plan.Decision::step)
        .containsExactly(tuple(RemediationAction.None, 2));
    assertThat(plan.escalations()).extracting(Plan.Escalation::to).containsExactly(RemediationAction.None);
    assertThat(plan.attention()).extracting(Plan.Attention::reason).containsExactly(SkipReason.Escalated);

    afterScaling.add(0, record("escalate", RemediationAction.None, 2, Duration.ofMinutes(1),
        RemediationOutcome.Reported));
    Plan held = plan(escalating(null), oneOfThreeFailing(), afterScaling, List.of(), List.of(), 4);
    assertThat(held.actions()).isEmpty();
    assertThat(held.skipped()).extracting(Plan.Skip::reason).containsExactly(SkipReason.Escalated);
    assertThat(held.attention()).singleElement().satisfies(a -> assertThat(a.message()).contains("a human is needed"));
  }

  @Test
  void aScaleUpForTheSameFailureStillLetsTheFinalNoneStepAskForAHuman() {
    // scaling leaves the failing pod and its failure as they were: the scale record is for this very failure
    PodHealth b = failing("app-b", Duration.ofMinutes(2));
    RemediationRecord scaled = record("escalate", RemediationAction.ScaleTarget, 1, Duration.ofMinutes(1),
        RemediationOutcome.Succeeded);
    scaled.setPod(b.pod());
    scaled.setPodUID(b.podUid());
    scaled.setFailingSince(NOW.minus(Duration.ofMinutes(2)).toString());
    List<RemediationRecord> history = new ArrayList<>(List.of(scaled,
        record("escalate", RemediationAction.RestartPod, 0, Duration.ofMinutes(8), RemediationOutcome.Succeeded),
        record("escalate", RemediationAction.RestartPod, 0, Duration.ofMinutes(12), RemediationOutcome.Succeeded)));
    List<PodHealth> pods = List.of(healthy("app-a"), b, healthy("app-c"));
    Plan plan = plan(escalating(null), pods, history, List.of(), List.of(), 4);
    assertThat(plan.actions()).extracting(Plan.Decision::action, Plan.Decision::step)
        .containsExactly(tuple(RemediationAction.None, 2));
    assertThat(plan.attention()).extracting(Plan.Attention::reason).containsExactly(SkipReason.Escalated);
  }

  @Test
  void anActionThatHelpedEndsTheEscalation() {
    RemediationRecord helped = record("escalate", RemediationAction.ScaleTarget, 1, Duration.ofMinutes(3),
        RemediationOutcome.Succeeded);
    helped.setVerification(VerificationResult.Recovered);
    List<RemediationRecord> history = List.of(helped,
        record("escalate", RemediationAction.RestartPod, 0, Duration.ofMinutes(8), RemediationOutcome.Succeeded),
        record("escalate", RemediationAction.RestartPod, 0, Duration.ofMinutes(12), RemediationOutcome.Succeeded));
    Plan plan = plan(escalating(null), oneOfThreeFailing(), history, List.of(), List.of(), 4);
    assertThat(plan.actions()).extracting(Plan.Decision::action, Plan.Decision::step)
        .containsExactly(tuple(RemediationAction.RestartPod, 0));
  }

  @Test
  void aStepThatDoesNotHelpHandsOverBeforeItsAttemptsAreUsedUp() {
    Plan plan = plan(escalating(new Verification("2m", 2)), oneOfThreeFailing(), List.of(),
        List.of(notRecovered("escalate", RemediationAction.RestartPod, 2)), List.of(), 3);
    assertThat(plan.actions()).extracting(Plan.Decision::action).containsExactly(RemediationAction.ScaleTarget);
    assertThat(plan.escalations()).singleElement()
        .satisfies(e -> assertThat(e.reason()).contains("did not help worker deliverymq-consumer 2 times in a row"));
  }

  // ---- verification and the not-helping cut-off -------------------------------------------------------------------

  @Test
  void anActionThatDidNotHelpMaxNotRecoveredTimesInARowIsNotRepeated() {
    PolicySettings restart = Fixtures.defaults();
    Plan twice = plan(restart, oneOfThreeFailing(), List.of(),
        List.of(notRecovered("restart-consumer", RemediationAction.RestartPod, 2)), List.of(), null);
    assertThat(twice.actions()).extracting(Plan.Decision::action).containsExactly(RemediationAction.RestartPod);
    Plan thrice = plan(restart, oneOfThreeFailing(), List.of(),
        List.of(notRecovered("restart-consumer", RemediationAction.RestartPod, 3)), List.of(), null);
    assertThat(thrice.actions()).isEmpty();
    assertThat(thrice.skipped()).singleElement().satisfies(s -> {
      assertThat(s.reason()).isEqualTo(SkipReason.NotHelping);
      assertThat(s.message()).contains("did not help worker deliverymq-consumer 3 times in a row");
    });
    assertThat(thrice.attention()).extracting(Plan.Attention::reason).containsExactly(SkipReason.NotHelping);
  }

  @Test
  void aRestartIsRecoveredWhenTheReplacementReportsTheWorkerHealthy() {
    RemediationRecord restarted = record("restart-consumer", RemediationAction.RestartPod, null,
        Duration.ofSeconds(60), RemediationOutcome.Succeeded);
    restarted.setPod("app-b");
    restarted.setPodUID("uid-app-b");
    PodHealth replacement = pod("app-d", Duration.ofSeconds(2), "http-server", WorkerStatus.Healthy,
        Duration.ofSeconds(30), WORKER, WorkerStatus.Healthy, Duration.ofSeconds(30));
    Plan plan = plan(Fixtures.defaults(), List.of(healthy("app-a"), replacement), List.of(restarted),
        List.of(notRecovered("restart-consumer", RemediationAction.RestartPod, 2)), List.of(), null);
    assertThat(plan.verifications()).singleElement().satisfies(v -> {
      assertThat(v.record()).isSameAs(restarted);
      assertThat(v.result()).isEqualTo(VerificationResult.Recovered);
    });
    assertThat(plan.effectiveness()).singleElement().satisfies(e -> {
      assertThat(e.getRecovered()).isEqualTo(1);
      assertThat(e.getNotRecovered()).isEqualTo(2);
      assertThat(e.getConsecutiveNotRecovered()).as("reset by a Recovered").isZero();
    });
  }

  @Test
  void aRestartIsNotRecoveredWhenTheWindowEndsWithoutAHealthyReplacement() {
    RemediationRecord restarted = record("restart-consumer", RemediationAction.RestartPod, null,
        Duration.ofSeconds(60), RemediationOutcome.Succeeded);
    restarted.setPodUID("uid-app-b");
    // the other pods of the slot were healthy before the restart: they are not its replacement
    List<PodHealth> pods = List.of(healthy("app-a"), failing("app-d", Duration.ofSeconds(40)));
    Plan within = plan(Fixtures.defaults(), pods, List.of(restarted), List.of(), List.of(), null);
    assertThat(within.verifications()).as("the 2m window is still open").isEmpty();
    restarted.setTime(NOW.minusSeconds(121).toString());
    Plan after = plan(Fixtures.defaults(), pods, List.of(restarted), List.of(), List.of(), null);
    assertThat(after.verifications()).extracting(Plan.Verified::result)
        .containsExactly(VerificationResult.NotRecovered);
    assertThat(after.effectiveness()).singleElement().satisfies(e -> {
      assertThat(e.getAction()).isEqualTo(RemediationAction.RestartPod);
      assertThat(e.getWorker()).isEqualTo(WORKER);
      assertThat(e.getConsecutiveNotRecovered()).isEqualTo(1);
    });
  }

  @Test
  void aScaleUpIsRecoveredWhenMinHealthyIsReached() {
    RemediationRecord scaled = record("keep-consumers", RemediationAction.ScaleTarget, null, Duration.ofSeconds(90),
        RemediationOutcome.Succeeded);
    scaled.setTarget(TARGET);
    scaled.setFromReplicas(3);
    scaled.setToReplicas(4);
    List<PodHealth> pods = List.of(healthy("app-a"), failing("app-b", Duration.ofMinutes(4)), healthy("app-c"),
        healthy("app-d"));
    Plan plan = plan(scalePolicy(3, 6), pods, List.of(scaled), List.of(), List.of(), 4);
    assertThat(plan.verifications()).extracting(Plan.Verified::result).containsExactly(VerificationResult.Recovered);
    assertThat(plan.effectiveness()).extracting(ActionEffectiveness::getAction, ActionEffectiveness::getRecovered)
        .containsExactly(tuple(RemediationAction.ScaleTarget, 1L));
  }

  @Test
  void verifiedRecordsAreNotVerifiedAgain() {
    RemediationRecord done = record("restart-consumer", RemediationAction.RestartPod, null, Duration.ofMinutes(10),
        RemediationOutcome.Succeeded);
    done.setVerification(VerificationResult.NotRecovered);
    Plan plan = plan(Fixtures.defaults(), List.of(healthy("app-a")), List.of(done), List.of(), List.of(), null);
    assertThat(plan.verifications()).isEmpty();
  }
}
