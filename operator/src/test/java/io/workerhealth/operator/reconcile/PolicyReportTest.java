package io.workerhealth.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.workerhealth.api.v1alpha1.HealthPhase;
import io.workerhealth.api.v1alpha1.RemediationAction;
import io.workerhealth.api.v1alpha1.RemediationRule;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicySpec;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicyStatus;
import io.workerhealth.api.v1alpha1.WorkerHealthStatus;
import io.workerhealth.api.v1alpha1.WorkerState;
import io.workerhealth.api.v1alpha1.WorkerStatus;
import io.workerhealth.operator.planning.InvalidPolicyException;
import io.workerhealth.operator.planning.Plan;
import io.workerhealth.operator.planning.PodHealth;
import io.workerhealth.operator.planning.PolicyDecision;
import io.workerhealth.operator.planning.PolicyObservation;
import io.workerhealth.operator.planning.PolicySettings;
import io.workerhealth.operator.planning.RemediationPlanner;
import io.workerhealth.operator.planning.SkipReason;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The report step without a cluster: conditions, counts, and what is told once. */
class PolicyReportTest {

  static final Instant NOW = Instant.parse("2026-01-01T12:00:00Z");

  static PolicySettings settings() throws InvalidPolicyException {
    WorkerHealthPolicySpec spec = new WorkerHealthPolicySpec();
    spec.setSelector(new LabelSelector(null, Map.of("app", "outpost")));
    RemediationRule rule = new RemediationRule();
    rule.setName("restart-consumer");
    rule.setWorkers(List.of("*-consumer"));
    rule.setAction(RemediationAction.RestartPod);
    spec.setRules(new ArrayList<>(List.of(rule)));
    return PolicySettings.from(spec);
  }

  static PodHealth pod(String name, boolean failing) {
    WorkerHealthStatus s = new WorkerHealthStatus();
    s.setPhase(failing ? HealthPhase.Failed : HealthPhase.Healthy);
    s.setLastScrapeTime(NOW.minusSeconds(2).toString());
    s.setLastSuccessfulScrapeTime(NOW.minusSeconds(2).toString());
    s.setWorkers(new ArrayList<>(List.of(new WorkerState("deliverymq-consumer", failing ? WorkerStatus.Failed
        : WorkerStatus.Healthy, null, null, NOW.minus(Duration.ofMinutes(5)).toString()))));
    return new PodHealth(name, "uid-" + name, "ReplicaSet/rs", false, 5, s);
  }

  @Test
  void anOutageIsToldOnceAndCountedOncePerHeldBackPod() throws Exception {
    PolicySettings settings = settings();
    PolicyObservation observed = new PolicyObservation(NOW, List.of(pod("a", true), pod("b", true), pod("c", true),
        pod("d", false)), Map.of());
    WorkerHealthPolicyStatus status = new WorkerHealthPolicyStatus();
    Plan plan = PolicyDecision.decide(new RemediationPlanner(), settings, status, observed.pods(), Map.of(), NOW)
        .plan();
    PolicyReport.Told told = new PolicyReport.Told();

    PolicyReport first = PolicyReport.build(status, settings, plan, observed, null, null, List.of(), 0, 3L, told);

    assertThat(first.notices()).extracting(PolicyReport.Notice::reason)
        .containsExactly("OutageHeld", "RemediationSuppressed");
    assertThat(first.entered()).containsExactly(io.workerhealth.api.v1alpha1.RecoveryPhase.Held);
    assertThat(Conditions.get(status.getConditions(), "OutageRecovery").getReason()).isEqualTo("OutageHeld");
    assertThat(first.suppressed()).containsExactly(SkipReason.TooManyUnhealthy, SkipReason.TooManyUnhealthy,
        SkipReason.TooManyUnhealthy);
    var allowed = Conditions.get(status.getConditions(), "RemediationAllowed");
    assertThat(allowed.getStatus()).isEqualTo("False");
    assertThat(allowed.getReason()).isEqualTo("TooManyUnhealthy");
    assertThat(allowed.getObservedGeneration()).isEqualTo(3L);
    assertThat(Conditions.get(status.getConditions(), "Ready").getMessage()).contains("4 pods selected");
    assertThat(status.getSelectedPods()).isEqualTo(4);
    assertThat(status.getFailingPods()).isEqualTo(3);
    assertThat(status.getTotalSuppressed()).isEqualTo(3);
    assertThat(status.getObservedGeneration()).isEqualTo(3L);

    // the next round finds the condition it wrote: nothing new to tell or count
    var before = Conditions.get(status.getConditions(), "RemediationAllowed");
    PolicyReport second = PolicyReport.build(status, settings, plan, observed, before, plan.recovery(), List.of(), 0, 3L,
        told);
    assertThat(second.notices()).isEmpty();
    assertThat(second.suppressed()).isEmpty();
    assertThat(status.getTotalSuppressed()).isEqualTo(3);
  }

  @Test
  void aConditionNotHeldLongEnoughAsksForARecheckAndCountsNothing() throws Exception {
    PolicySettings settings = settings();
    PodHealth young = pod("a", true);
    young.status().getWorkers().get(0).setLastTransitionTime(NOW.minusSeconds(10).toString());
    PolicyObservation observed = new PolicyObservation(NOW, List.of(young, pod("b", false), pod("c", false)),
        Map.of());
    WorkerHealthPolicyStatus status = new WorkerHealthPolicyStatus();
    Plan plan = PolicyDecision.decide(new RemediationPlanner(), settings, status, observed.pods(), Map.of(), NOW)
        .plan();

    PolicyReport report = PolicyReport.build(status, settings, plan, observed, null, null, List.of(), 0, 1L,
        new PolicyReport.Told());

    assertThat(report.recheckSoon()).isTrue();
    assertThat(report.suppressed()).isEmpty();
    assertThat(Conditions.get(status.getConditions(), "RemediationAllowed").getStatus()).isEqualTo("True");
    assertThat(Conditions.get(status.getConditions(), "NeedsAttention").getReason()).isEqualTo("NothingHeld");
  }
}
