package io.workerhealth.operator.reconcile;

import io.fabric8.kubernetes.api.model.OwnerReference;
import io.workerhealth.api.v1alpha1.HealthPhase;
import io.workerhealth.api.v1alpha1.WorkerHealth;
import io.workerhealth.api.v1alpha1.WorkerHealthSpec;
import io.workerhealth.api.v1alpha1.WorkerHealthStatus;
import io.workerhealth.api.v1alpha1.WorkerState;
import io.workerhealth.operator.planning.ReportTimes;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Which WorkerHealth updates a policy must look at. A sidecar writes its status when something changes and, while
 * nothing does, once per heartbeat with only its scrape times moved on: such a heartbeat changes no decision, as long
 * as the report it refreshes was still fresh for every policy that selects the pod. Pure: plain data in, a yes or no
 * out.
 */
final class WorkerHealthChanges {

  private WorkerHealthChanges() {}

  /**
   * Whether the update from {@code before} to {@code after} can change what a policy decides or reports.
   *
   * @param before     the version the operator holds (possibly pruned to the fields policies read)
   * @param after      the new version
   * @param staleAfter the shortest staleAfter of the policies selecting {@code after} (null: none selects it)
   */
  static boolean matters(WorkerHealth before, WorkerHealth after, Instant now, Duration staleAfter) {
    if (!Objects.equals(labels(before), labels(after))) {
      return true; // it may have joined a policy
    }
    if (staleAfter == null) {
      return false; // no policy selects the pod
    }
    if (!Objects.equals(podUid(before), podUid(after))
        || !Objects.equals(interval(before.getSpec()), interval(after.getSpec()))
        || !Objects.equals(reporter(before.getSpec()), reporter(after.getSpec()))
        || !Objects.equals(before.getMetadata().getDeletionTimestamp(), after.getMetadata().getDeletionTimestamp())) {
      return true;
    }
    WorkerHealthStatus was = before.getStatus();
    WorkerHealthStatus is = after.getStatus();
    if (was == null || is == null) {
      return was != is;
    }
    if (was.getPhase() != is.getPhase() || !sameWorkers(was.getWorkers(), is.getWorkers())) {
      return true;
    }
    // only the scrape bookkeeping moved: a heartbeat. It matters when it makes an unknown report known again.
    if (ReportTimes.reportProblem(was, now) != null || ReportTimes.reportProblem(is, now) != null) {
      return true;
    }
    Instant last = ReportTimes.scrapeTime(was, now);
    if (last == null || last.plus(staleAfter).isBefore(now)) {
      return true;
    }
    // an unreachable endpoint's failure is dated from its last successful scrape
    return is.getPhase() == HealthPhase.Unreachable
        && !Objects.equals(was.getLastSuccessfulScrapeTime(), is.getLastSuccessfulScrapeTime());
  }

  /** Workers by what policies read of them: name, normalized status and since when. */
  private static boolean sameWorkers(List<WorkerState> a, List<WorkerState> b) {
    if (a.size() != b.size()) {
      return false;
    }
    for (int i = 0; i < a.size(); i++) {
      WorkerState x = a.get(i);
      WorkerState y = b.get(i);
      if (!Objects.equals(x.getName(), y.getName()) || x.getStatus() != y.getStatus()
          || !Objects.equals(x.getLastTransitionTime(), y.getLastTransitionTime())) {
        return false;
      }
    }
    return true;
  }

  private static Map<String, String> labels(WorkerHealth wh) {
    Map<String, String> labels = wh.getMetadata().getLabels();
    return labels == null ? Map.of() : labels;
  }

  static String podUid(WorkerHealth wh) {
    List<OwnerReference> owners = wh.getMetadata().getOwnerReferences();
    if (owners != null) {
      for (OwnerReference o : owners) {
        if ("Pod".equals(o.getKind())) {
          return o.getUid();
        }
      }
    }
    return null;
  }

  /** Who reports the pod (an agent's report is believed only for its own node's pods), as one comparable text. */
  private static String reporter(WorkerHealthSpec spec) {
    return spec == null || spec.getReporter() == null ? null
        : spec.getReporter().getKind() + "/" + spec.getReporter().getNodeName();
  }

  private static Integer interval(WorkerHealthSpec spec) {
    return spec == null ? null : spec.getIntervalSeconds();
  }
}
