package io.workerhealth.operator.planning;

import static io.workerhealth.operator.planning.Fixtures.NOW;
import static io.workerhealth.operator.planning.Fixtures.defaults;
import static io.workerhealth.operator.planning.Fixtures.failing;
import static io.workerhealth.operator.planning.Fixtures.healthy;
import static io.workerhealth.operator.planning.Fixtures.rule;
import static io.workerhealth.operator.planning.Fixtures.spec;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.workerhealth.api.v1alpha1.RemediationAction;
import io.workerhealth.api.v1alpha1.RemediationOutcome;
import io.workerhealth.api.v1alpha1.RemediationRecord;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicyStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The decide step: the planner's inputs derived from the status, what it teaches the status, the intents. */
class PolicyDecisionTest {

  final RemediationPlanner planner = new RemediationPlanner();

  static WorkerHealthPolicyStatus suppressedStatus() {
    WorkerHealthPolicyStatus status = new WorkerHealthPolicyStatus();
    status.setConditions(new ArrayList<>(List.of(new ConditionBuilder().withType("RemediationAllowed")
        .withStatus("False").withReason("TooManyUnhealthy").build())));
    return status;
  }

  @Test
  void rightAfterTooManyUnhealthyAConditionMustHoldForAgainAndTheEndIsRemembered() {
    List<PodHealth> pods = List.of(failing("app-a", Duration.ofMinutes(5)), healthy("app-b"), healthy("app-c"));
    WorkerHealthPolicyStatus status = suppressedStatus();

    PolicyDecision decision = PolicyDecision.decide(planner, defaults(), status, pods, Map.of(), NOW);

    assertThat(decision.inputs().settleSince()).isEqualTo(NOW);
    assertThat(decision.plan().actions()).isEmpty();
    assertThat(decision.plan().skipped()).singleElement()
        .satisfies(s -> assertThat(s.reason()).isEqualTo(SkipReason.NotLongEnough));
    assertThat(decision.suppressionEnd()).isTrue();
    decision.remember(status, NOW);
    assertThat(status.getSuppressionEndedTime()).isEqualTo(NOW.toString());

    // the next round (the report having said RemediationAllowed=True) reads the remembered end
    status.setConditions(new ArrayList<>(List.of(new ConditionBuilder().withType("RemediationAllowed")
        .withStatus("True").withReason("WithinLimits").build())));
    PolicyDecision later = PolicyDecision.decide(planner, defaults(), status, pods, Map.of(), NOW.plusSeconds(30));
    assertThat(later.inputs().settleSince()).isEqualTo(NOW);
    assertThat(later.suppressionEnd()).isFalse();
    assertThat(later.plan().actions()).extracting(Plan.Decision::pod).containsExactly("app-a");
  }

  @Test
  void intentsArePendingForActionsDryRunInDryRunAndReportedForReportOnlyRules() {
    List<PodHealth> pods = List.of(failing("app-a", Duration.ofMinutes(5)), healthy("app-b"), healthy("app-c"));
    Plan.Decision restart = PolicyDecision.decide(planner, defaults(), null, pods, Map.of(), NOW).plan().actions()
        .get(0);
    List<RemediationRecord> intents = PolicyDecision.decide(planner, defaults(), null, pods, Map.of(), NOW)
        .intents(NOW);
    assertThat(intents).singleElement().satisfies(r -> {
      assertThat(r.getOutcome()).isEqualTo(RemediationOutcome.Pending);
      assertThat(r.getAction()).isEqualTo(RemediationAction.RestartPod);
      assertThat(r.getPod()).isEqualTo("app-a");
      assertThat(r.getPodUID()).isEqualTo("uid-app-a");
      assertThat(r.getSlot()).isEqualTo(restart.slot());
      assertThat(r.getTime()).isEqualTo(NOW.toString());
      assertThat(r.getFailingSince()).isEqualTo(NOW.minus(Duration.ofMinutes(5)).toString());
      assertThat(r.getMessage()).isEqualTo(restart.reason());
    });

    PolicySettings dryRun = Fixtures.with(s -> s.setDryRun(true));
    assertThat(PolicyDecision.decide(planner, dryRun, null, pods, Map.of(), NOW).intents(NOW))
        .extracting(RemediationRecord::getOutcome).containsExactly(RemediationOutcome.DryRun);

    PolicySettings reportOnly = Fixtures.settings(spec(rule("tell", RemediationAction.None, "30s", "*-consumer")));
    assertThat(PolicyDecision.decide(planner, reportOnly, null, pods, Map.of(), NOW).intents(NOW))
        .extracting(RemediationRecord::getOutcome).containsExactly(RemediationOutcome.Reported);
  }

  @Test
  void anOutageIsWrittenWhenItBeginsAndWhenItEndsNotWhileItLasts() {
    PolicySettings scaling = ScaleEscalationVerificationTest.scalePolicy(3, 6);
    Map<String, ScaleTargetObservation> target = Map.of(ScaleEscalationVerificationTest.TARGET,
        ScaleTargetObservation.of(ScaleEscalationVerificationTest.TARGET, 3));
    List<PodHealth> outage = List.of(failing("app-a", Duration.ofMinutes(2)), failing("app-b", Duration.ofMinutes(2)),
        failing("app-c", Duration.ofMinutes(3)));
    WorkerHealthPolicyStatus status = new WorkerHealthPolicyStatus();

    PolicyDecision.decide(planner, scaling, status, outage, target, NOW).remember(status, NOW);
    assertThat(status.getOutageSince()).isEqualTo(NOW.toString());
    assertThat(status.getLastOutageTime()).isEqualTo(NOW.toString());

    // later rounds in the same outage change nothing: the status is not rewritten while it lasts
    for (int s = 5; s <= 60; s += 5) {
      PolicyDecision later = PolicyDecision.decide(planner, scaling, status, outage, target, NOW.plusSeconds(s));
      assertThat(later.inputs().outageSeen()).isEqualTo(NOW.plusSeconds(s));
      later.remember(status, NOW.plusSeconds(s));
      assertThat(status.getOutageSince()).isEqualTo(NOW.toString());
      assertThat(status.getLastOutageTime()).isEqualTo(NOW.toString());
    }

    // the first round without it: seen until now, remembered as over
    List<PodHealth> recovering = ScaleEscalationVerificationTest.oneOfThreeFailing();
    PolicyDecision over = PolicyDecision.decide(planner, scaling, status, recovering, target, NOW.plusSeconds(65));
    assertThat(over.inputs().outageSeen()).isEqualTo(NOW.plusSeconds(65));
    over.remember(status, NOW.plusSeconds(65));
    assertThat(status.getOutageSince()).isNull();
    assertThat(status.getLastOutageTime()).isEqualTo(NOW.plusSeconds(65).toString());
    assertThat(PolicyDecision.decide(planner, scaling, status, recovering, target, NOW.plusSeconds(70)).inputs()
        .outageSeen()).as("the end, remembered").isEqualTo(NOW.plusSeconds(65));
  }
}
