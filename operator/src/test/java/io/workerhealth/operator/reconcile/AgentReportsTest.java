package io.workerhealth.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.workerhealth.api.v1alpha1.HealthPhase;
import io.workerhealth.api.v1alpha1.Reporter;
import io.workerhealth.api.v1alpha1.WorkerHealthSpec;
import io.workerhealth.api.v1alpha1.WorkerHealthStatus;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** How the operator believes a node agent's report: vouched for by its Lease, and only for its own node's pods. */
class AgentReportsTest {

  static final Instant NOW = Instant.parse("2026-01-01T12:00:00Z");

  static WorkerHealthSpec spec(Reporter reporter) {
    WorkerHealthSpec spec = new WorkerHealthSpec();
    spec.setReporter(reporter);
    spec.setIntervalSeconds(5);
    return spec;
  }

  static WorkerHealthStatus status(HealthPhase phase, Instant written) {
    WorkerHealthStatus s = new WorkerHealthStatus();
    s.setPhase(phase);
    s.setLastScrapeTime(written.toString());
    s.setLastSuccessfulScrapeTime(written.minusSeconds(phase == HealthPhase.Unreachable ? 30 : 0).toString());
    return s;
  }

  static Lease lease(Instant renewed, int seconds) {
    return new LeaseBuilder().withNewSpec().withRenewTime(renewed.atZone(ZoneOffset.UTC))
        .withLeaseDurationSeconds(seconds).endSpec().build();
  }

  @Test
  void aValidLeaseVouchesForAReportWrittenLongAgoAsOfTwoIntervalsBeforeItsRenewal() {
    WorkerHealthStatus stored = status(HealthPhase.Failed, NOW.minusSeconds(3600));
    WorkerHealthStatus seen = AgentReports.believed(spec(Reporter.agent("node-a")), stored, "node-a",
        lease(NOW.minusSeconds(4), 40), NOW);
    assertThat(seen.getLastScrapeTime()).isEqualTo(NOW.minusSeconds(14).toString());
    assertThat(seen.getLastSuccessfulScrapeTime()).isEqualTo(NOW.minusSeconds(14).toString());
    assertThat(seen.getPhase()).isEqualTo(HealthPhase.Failed);
    assertThat(stored.getLastScrapeTime()).as("the stored status is not changed")
        .isEqualTo(NOW.minusSeconds(3600).toString());
  }

  @Test
  void anUnreachableEndpointStaysDatedFromItsLastSuccess() {
    WorkerHealthStatus stored = status(HealthPhase.Unreachable, NOW.minusSeconds(600));
    WorkerHealthStatus seen = AgentReports.believed(spec(Reporter.agent("node-a")), stored, "node-a",
        lease(NOW, 40), NOW);
    assertThat(seen.getLastScrapeTime()).isEqualTo(NOW.minusSeconds(10).toString());
    assertThat(seen.getLastSuccessfulScrapeTime()).isEqualTo(NOW.minusSeconds(630).toString());
  }

  @Test
  void anExpiredMissingOrFutureLeaseVouchesForNothing() {
    WorkerHealthStatus stored = status(HealthPhase.Failed, NOW.minusSeconds(3600));
    WorkerHealthSpec spec = spec(Reporter.agent("node-a"));
    assertThat(AgentReports.believed(spec, stored, "node-a", lease(NOW.minusSeconds(41), 40), NOW)).isSameAs(stored);
    assertThat(AgentReports.believed(spec, stored, "node-a", null, NOW)).isSameAs(stored);
    assertThat(AgentReports.believed(spec, stored, "node-a", lease(NOW.plusSeconds(3600), 40), NOW)).isSameAs(stored);
  }

  @Test
  void aFresherWriteIsKeptAsItIs() {
    WorkerHealthStatus stored = status(HealthPhase.Failed, NOW.minusSeconds(1));
    assertThat(AgentReports.believed(spec(Reporter.agent("node-a")), stored, "node-a", lease(NOW, 40), NOW))
        .isSameAs(stored);
  }

  @Test
  void anAgentsReportOfAPodOnAnotherNodeOrOfAGonePodIsNotBelieved() {
    WorkerHealthStatus stored = status(HealthPhase.Failed, NOW);
    assertThat(AgentReports.believed(spec(Reporter.agent("node-b")), stored, "node-a", lease(NOW, 40), NOW)).isNull();
    assertThat(AgentReports.believed(spec(Reporter.agent("node-a")), stored, null, lease(NOW, 40), NOW)).isNull();
  }

  @Test
  void aSidecarsReportIsAsItIs() {
    WorkerHealthStatus stored = status(HealthPhase.Failed, NOW.minusSeconds(3600));
    assertThat(AgentReports.believed(spec(Reporter.sidecar("node-b")), stored, "node-a", lease(NOW, 40), NOW))
        .isSameAs(stored);
    assertThat(AgentReports.believed(spec(null), stored, null, null, NOW)).isSameAs(stored);
    assertThat(AgentReports.believed(null, stored, null, null, NOW)).isSameAs(stored);
  }
}
