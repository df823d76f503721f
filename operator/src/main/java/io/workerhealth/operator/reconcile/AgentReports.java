package io.workerhealth.operator.reconcile;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.workerhealth.api.v1alpha1.HealthPhase;
import io.workerhealth.api.v1alpha1.Reporter;
import io.workerhealth.api.v1alpha1.ReporterKind;
import io.workerhealth.api.v1alpha1.WorkerHealthSpec;
import io.workerhealth.api.v1alpha1.WorkerHealthStatus;
import io.workerhealth.operator.planning.ReportTimes;
import java.time.Duration;
import java.time.Instant;

/**
 * How a report written by a node agent is believed, decided where the operator gathers the pods' health, so the
 * planner sees plain data as for a sidecar's report. Pure.
 *
 * <ul>
 *   <li>An agent writes a WorkerHealth's status on change only; its node's Lease, renewed every few seconds, says the
 *   report still holds: at renewal time R each of its reports holds what a scrape at most two of the pod's intervals
 *   before R found. So while the Lease is valid the report counts as scraped at R − 2 × interval; once it has expired
 *   the report is as old as its own times say, and goes stale like a sidecar's that stopped writing.</li>
 *   <li>Like the NodeRestriction admission plugin for kubelets, an agent may speak only of the pods of its own node:
 *   admission lets it write only WorkerHealths recorded with its node, and here a report whose recorded node is not the
 *   pod's is ignored (no report: Unknown, never acted on).</li>
 *   <li>A sidecar's report is as it is: its heartbeat keeps it fresh.</li>
 * </ul>
 */
public final class AgentReports {

  private AgentReports() {}

  /** What a WorkerHealth says of who wrote it: an agent of which node. */
  static boolean byAgent(WorkerHealthSpec spec) {
    Reporter r = spec == null ? null : spec.getReporter();
    return r != null && r.getKind() == ReporterKind.Agent;
  }

  /**
   * The status the planner is to see.
   *
   * @param spec     the WorkerHealth's spec (who reports it, the interval)
   * @param status   its status as stored
   * @param podNode  the node the pod runs on, or null when not known (the pod is gone, or could not be read)
   * @param lease    the Lease of the recorded node's agent, or null when there is none
   * @return the status as stored, the same with its scrape times moved to what the Lease vouches for, or null when
   *         the report is not to be believed at all
   */
  public static WorkerHealthStatus believed(WorkerHealthSpec spec, WorkerHealthStatus status, String podNode,
                                            Lease lease, Instant now) {
    if (!byAgent(spec) || status == null) {
      return status;
    }
    String recorded = spec.getReporter().getNodeName();
    if (recorded == null || !recorded.equals(podNode)) {
      return null; // another node's agent speaking of this pod, or a pod that is gone
    }
    Instant vouched = vouchedAt(lease, spec.getIntervalSeconds(), now);
    Instant scraped = ReportTimes.parse(status.getLastScrapeTime());
    if (vouched == null || scraped != null && !scraped.isBefore(vouched)) {
      return status;
    }
    WorkerHealthStatus seen = copy(status);
    seen.setLastScrapeTime(vouched.toString());
    Instant succeeded = ReportTimes.parse(status.getLastSuccessfulScrapeTime());
    if (status.getPhase() != HealthPhase.Unreachable && succeeded != null && succeeded.isBefore(vouched)) {
      // the scrapes it vouches for succeeded as the stored one did; an unreachable endpoint stays dated from its
      // last success
      seen.setLastSuccessfulScrapeTime(vouched.toString());
    }
    return seen;
  }

  /**
   * Up to when the Lease vouches for its agent's reports: R − 2 × interval while it is valid; null when it is not
   * (missing, expired, renewed further in the future than clock skew allows, or the report has no interval).
   */
  static Instant vouchedAt(Lease lease, Integer intervalSeconds, Instant now) {
    if (lease == null || lease.getSpec() == null || lease.getSpec().getRenewTime() == null
        || lease.getSpec().getLeaseDurationSeconds() == null || intervalSeconds == null || intervalSeconds <= 0) {
      return null;
    }
    Instant renewed = lease.getSpec().getRenewTime().toInstant();
    if (renewed.isAfter(now.plus(ReportTimes.CLOCK_SKEW))) {
      return null;
    }
    if (renewed.plusSeconds(lease.getSpec().getLeaseDurationSeconds()).isBefore(now)) {
      return null; // expired: the agent no longer vouches for anything
    }
    Instant at = renewed.isAfter(now) ? now : renewed;
    return at.minus(Duration.ofSeconds(intervalSeconds).multipliedBy(2));
  }

  private static WorkerHealthStatus copy(WorkerHealthStatus s) {
    WorkerHealthStatus c = new WorkerHealthStatus();
    c.setPhase(s.getPhase());
    c.setFormat(s.getFormat());
    c.setHttpStatus(s.getHttpStatus());
    c.setLastScrapeTime(s.getLastScrapeTime());
    c.setLastSuccessfulScrapeTime(s.getLastSuccessfulScrapeTime());
    c.setScrapeError(s.getScrapeError());
    c.setConsecutiveFailures(s.getConsecutiveFailures());
    c.setWorkers(s.getWorkers());
    c.setDroppedWorkers(s.getDroppedWorkers());
    c.setReady(s.getReady());
    c.setFailing(s.getFailing());
    return c;
  }
}
