package io.workerhealth.operator.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.workerhealth.api.v1alpha1.RemediationAction;
import io.workerhealth.api.v1alpha1.RemediationOutcome;
import io.workerhealth.operator.planning.Plan;
import io.workerhealth.operator.planning.SkipReason;
import org.junit.jupiter.api.Test;

class OperatorMetricsTest {

  @Test
  void aReconciledPolicysCountersStartAtZeroSoThatTheFirstIncreaseIsSeen() {
    OperatorMetrics metrics = new OperatorMetrics();
    metrics.pods("outpost", "restart", new Plan.Counts(3, 3, 0, 0));
    assertThat(metrics.registry().scrape())
        .contains("workerhealth_remediations_total{action=\"RestartPod\",namespace=\"outpost\",outcome=\"Succeeded\",policy=\"restart\"} 0.0")
        .contains("workerhealth_remediations_suppressed_total{namespace=\"outpost\",policy=\"restart\",reason=\"TooManyUnhealthy\"} 0.0")
        .contains("workerhealth_failure_to_action_seconds_count{action=\"RestartPod\",namespace=\"outpost\",policy=\"restart\"} 0")
        .contains("workerhealth_reconcile_errors_total{namespace=\"outpost\",policy=\"restart\"} 0.0");

    metrics.suppressed("outpost", "restart", SkipReason.TooManyUnhealthy);
    metrics.remediation("outpost", "restart", RemediationAction.RestartPod, RemediationOutcome.Succeeded);
    metrics.pods("outpost", "restart", new Plan.Counts(3, 3, 0, 0));
    assertThat(metrics.registry().scrape())
        .contains("workerhealth_remediations_total{action=\"RestartPod\",namespace=\"outpost\",outcome=\"Succeeded\",policy=\"restart\"} 1.0")
        .contains("workerhealth_remediations_suppressed_total{namespace=\"outpost\",policy=\"restart\",reason=\"TooManyUnhealthy\"} 1.0");
  }

  @Test
  void aDeletedPolicysSeriesAllGo() {
    OperatorMetrics metrics = new OperatorMetrics();
    metrics.pods("outpost", "restart", new Plan.Counts(3, 3, 0, 0));
    metrics.pods("outpost", "other", new Plan.Counts(1, 1, 0, 0));
    metrics.forget("outpost", "restart");
    assertThat(metrics.registry().scrape()).doesNotContain("policy=\"restart\"").contains("policy=\"other\"");
    metrics.pods("outpost", "restart", new Plan.Counts(3, 3, 0, 0));
    assertThat(metrics.registry().scrape()).contains("workerhealth_reconcile_errors_total{namespace=\"outpost\",policy=\"restart\"} 0.0");
  }

  @Test
  void eachRulesVerificationsStartAtZero() {
    OperatorMetrics metrics = new OperatorMetrics();
    metrics.rules("outpost", "restart", java.util.Map.of("keep", java.util.Set.of(RemediationAction.ScaleTarget,
        RemediationAction.None)));
    assertThat(metrics.registry().scrape())
        .contains("workerhealth_remediation_verifications_total{action=\"ScaleTarget\",namespace=\"outpost\",policy=\"restart\",result=\"Recovered\",rule=\"keep\"} 0.0")
        .contains("workerhealth_remediation_verifications_total{action=\"ScaleTarget\",namespace=\"outpost\",policy=\"restart\",result=\"NotRecovered\",rule=\"keep\"} 0.0")
        .doesNotContain("action=\"None\"");
    metrics.verification("outpost", "restart", "keep", RemediationAction.ScaleTarget,
        io.workerhealth.api.v1alpha1.VerificationResult.Recovered);
    assertThat(metrics.registry().scrape())
        .contains("workerhealth_remediation_verifications_total{action=\"ScaleTarget\",namespace=\"outpost\",policy=\"restart\",result=\"Recovered\",rule=\"keep\"} 1.0");
    metrics.forget("outpost", "restart");
    assertThat(metrics.registry().scrape()).doesNotContain("policy=\"restart\"");
  }

  @Test
  void eachEscalatingRulesLaterStepsStartAtZero() {
    OperatorMetrics metrics = new OperatorMetrics();
    metrics.escalationSteps("outpost", "reports", java.util.Map.of("scale-then-ask",
        java.util.Set.of(RemediationAction.None)));
    assertThat(metrics.registry().scrape()).contains("workerhealth_escalations_total{action=\"None\","
        + "namespace=\"outpost\",policy=\"reports\",rule=\"scale-then-ask\"} 0.0");
    metrics.escalation("outpost", "reports", "scale-then-ask", RemediationAction.None);
    assertThat(metrics.registry().scrape()).contains("workerhealth_escalations_total{action=\"None\","
        + "namespace=\"outpost\",policy=\"reports\",rule=\"scale-then-ask\"} 1.0");
    metrics.forget("outpost", "reports");
    assertThat(metrics.registry().scrape()).doesNotContain("policy=\"reports\"");
  }
}
