package io.workerhealth.operator.reconcile;

import io.workerhealth.api.v1alpha1.RemediationAction;
import io.workerhealth.api.v1alpha1.RemediationOutcome;
import io.workerhealth.api.v1alpha1.RemediationRecord;
import io.workerhealth.api.v1alpha1.ScaleTargetState;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicy;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicyStatus;
import io.workerhealth.operator.metrics.OperatorMetrics;
import io.workerhealth.operator.planning.PolicySettings;
import io.workerhealth.operator.planning.ReportTimes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out recorded intents at the edge: evicts pods, scales targets, and tells what came of it (the record's
 * outcome, Events, metrics). Each method sets the record's outcome and returns when to look at the policy again.
 */
class RemediationActions {

  private static final Logger LOG = LoggerFactory.getLogger(RemediationActions.class);

  private final Supplier<PodRestarter> restarter;
  private final TargetScaler scaler;
  private final EventRecorder events;
  private final OperatorMetrics metrics;
  private final WorkerHealthPolicyReconciler.Timings timings;

  RemediationActions(Supplier<PodRestarter> restarter, TargetScaler scaler, EventRecorder events,
                     OperatorMetrics metrics, WorkerHealthPolicyReconciler.Timings timings) {
    this.restarter = restarter;
    this.scaler = scaler;
    this.events = events;
    this.metrics = metrics;
    this.timings = timings;
  }

  /** Carries out a Pending record (RestartPod or ScaleTarget) and sets its outcome; returns when to look again. */
  Duration carryOut(WorkerHealthPolicy policy, PolicySettings settings, WorkerHealthPolicyStatus status,
                    RemediationRecord r, Instant now) {
    if (r.getAction() == RemediationAction.ScaleTarget) {
      return scale(policy, settings, status, r, now);
    }
    String ns = policy.getMetadata().getNamespace();
    String name = policy.getMetadata().getName();
    PodRestarter.Result result;
    try {
      result = restarter.get().restart(ns, r.getPod(), r.getPodUID());
    } catch (RuntimeException e) {
      r.setOutcome(RemediationOutcome.Failed);
      r.setMessage("eviction failed: " + e.getMessage());
      metrics.remediation(ns, name, r.getAction(), RemediationOutcome.Failed);
      events.on(policy, "Warning", "RestartFailed", "pod " + r.getPod() + ": " + r.getMessage());
      return timings.blockedRetry();
    }
    switch (result) {
      case EVICTED -> {
        r.setOutcome(RemediationOutcome.Succeeded);
        metrics.remediation(ns, name, r.getAction(), RemediationOutcome.Succeeded);
        if (ReportTimes.parse(r.getFailingSince()) != null) {
          metrics.failureToAction(ns, name, r.getAction(),
              Duration.between(ReportTimes.parse(r.getFailingSince()), now));
        }
        String msg = "evicted pod " + r.getPod() + ": " + r.getMessage() + " (rule " + r.getRule() + ")";
        events.on(policy, "Normal", "Restarted", msg);
        events.normal(ns, "Pod", "v1", r.getPod(), r.getPodUID(), "Restarted",
            "evicted by WorkerHealthPolicy " + name + ": " + r.getMessage());
        LOG.info("{}/{}: {}", ns, name, msg);
        return timings.resync();
      }
      case BLOCKED -> {
        r.setOutcome(RemediationOutcome.Blocked);
        r.setMessage("eviction refused (HTTP 429): a PodDisruptionBudget does not allow it now; retrying");
        metrics.remediation(ns, name, r.getAction(), RemediationOutcome.Blocked);
        events.on(policy, "Warning", "EvictionBlocked", "pod " + r.getPod() + ": " + r.getMessage());
        events.warning(ns, "Pod", "v1", r.getPod(), r.getPodUID(), "EvictionBlocked", r.getMessage());
        return timings.blockedRetry();
      }
      default -> {
        r.setOutcome(RemediationOutcome.Succeeded);
        r.setMessage("pod already gone or replaced: " + r.getMessage());
        return timings.resync();
      }
    }
  }

  /** A DryRun record: counted and announced, nothing done. */
  void tellDryRun(WorkerHealthPolicy policy, RemediationRecord r) {
    metrics.remediation(policy.getMetadata().getNamespace(), policy.getMetadata().getName(), r.getAction(),
        RemediationOutcome.DryRun);
    events.on(policy, "Normal", "DryRun", (r.getAction() == RemediationAction.ScaleTarget
        ? "would scale " + r.getTarget() + " from " + r.getFromReplicas() + " to " + r.getToReplicas()
        : "would restart pod " + r.getPod()) + ": " + r.getMessage() + " (rule " + r.getRule() + ")");
  }

  /** A Reported record of a report-only rule: counted and announced. */
  void tellReported(WorkerHealthPolicy policy, RemediationRecord r) {
    metrics.remediation(policy.getMetadata().getNamespace(), policy.getMetadata().getName(), r.getAction(),
        RemediationOutcome.Reported);
    events.on(policy, "Warning", "WorkerUnhealthy", "pod " + r.getPod() + ": " + r.getMessage()
        + " (rule " + r.getRule() + ", report only)");
  }

  /** Carries out a Pending ScaleTarget record through the target's scale subresource. */
  private Duration scale(WorkerHealthPolicy policy, PolicySettings settings, WorkerHealthPolicyStatus status,
                         RemediationRecord r, Instant now) {
    String ns = policy.getMetadata().getNamespace();
    String name = policy.getMetadata().getName();
    PolicySettings.Rule rule = settings.rules().stream().filter(x -> x.name().equals(r.getRule())
        && x.scale() != null && x.scale().target().equals(r.getTarget())).findFirst().orElse(null);
    String failure;
    if (rule == null || r.getFromReplicas() == null || r.getToReplicas() == null) {
      failure = "the rule no longer scales " + r.getTarget();
    } else {
      try {
        TargetScaler.Result result = scaler.scale(ns, rule.scale().targetRef(), r.getFromReplicas(),
            r.getToReplicas());
        if (result != TargetScaler.Result.CHANGED) {
          r.setOutcome(RemediationOutcome.Succeeded);
          metrics.remediation(ns, name, r.getAction(), RemediationOutcome.Succeeded);
          boolean up = r.getToReplicas() > r.getFromReplicas();
          if (up && ReportTimes.parse(r.getFailingSince()) != null) {
            metrics.failureToAction(ns, name, r.getAction(),
                Duration.between(ReportTimes.parse(r.getFailingSince()), now));
          }
          String msg = "scaled " + r.getTarget() + " from " + r.getFromReplicas() + " to " + r.getToReplicas() + ": "
              + r.getMessage() + " (rule " + r.getRule() + ")";
          events.on(policy, "Normal", up ? "ScaledUp" : "ScaledDown", msg);
          var ref = rule.scale().targetRef();
          events.normal(ns, ref.getKind(), ref.getApiVersion(), ref.getName(), null, up ? "ScaledUp" : "ScaledDown",
              "scaled by WorkerHealthPolicy " + name + " from " + r.getFromReplicas() + " to " + r.getToReplicas());
          LOG.info("{}/{}: {}", ns, name, msg);
          return timings.resync();
        }
        failure = "its replicas changed meanwhile (expected " + r.getFromReplicas() + "); not scaling";
      } catch (RuntimeException e) {
        failure = "scaling failed: " + e.getMessage();
      }
    }
    r.setOutcome(RemediationOutcome.Failed);
    r.setMessage(failure + ": " + r.getMessage());
    metrics.remediation(ns, name, r.getAction(), RemediationOutcome.Failed);
    events.on(policy, "Warning", "ScaleFailed", r.getTarget() + ": " + failure);
    // the target still has its old replicas: remember those as what the operator set, keeping the baseline
    List<ScaleTargetState> states = new ArrayList<>(status.getScaleTargets());
    ScaleTargetState state = states.stream().filter(st -> Objects.equals(st.getTarget(), r.getTarget())).findFirst()
        .orElse(null);
    if (state != null && Objects.equals(state.getLastSetReplicas(), r.getToReplicas())) {
      state.setLastSetReplicas(r.getFromReplicas());
    } else if (state == null && r.getFromReplicas() != null && r.getToReplicas() != null
        && r.getToReplicas() < r.getFromReplicas()) {
      states.add(new ScaleTargetState(r.getTarget(), r.getRule(), r.getToReplicas(), r.getFromReplicas(),
          r.getTime(), null)); // a failed last step down: still above the baseline
    }
    status.setScaleTargets(states);
    return timings.blockedRetry();
  }
}
