package io.workerhealth.operator.planning;

import io.workerhealth.api.v1alpha1.ActionEffectiveness;
import io.workerhealth.api.v1alpha1.RecoveryStatus;
import io.workerhealth.api.v1alpha1.RemediationRecord;
import io.workerhealth.api.v1alpha1.ScaleTargetState;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Everything the planner decides from, besides the policy and the time: plain data the reconciler gathered.
 *
 * @param pods          the selected pods
 * @param history       the policy's remediation history, newest first (status.history)
 * @param settleSince   when remediation was last allowed again after too many pods were unhealthy, or null
 * @param effectiveness the verification results so far (status.effectiveness)
 * @param scaleTargets  the scale targets the operator scaled and has not brought back (status.scaleTargets)
 * @param targets       the scale targets the rules name, as observed, by {@code Kind/name}
 * @param outageSeen    when every selected pod was last seen failing the same worker a ScaleTarget rule watches
 *                      (status.lastOutageTime), or null: scale-ups wait the rule's 'for' after it, so that pods
 *                      recovering from an outage a moment apart do not look like too few healthy instances
 * @param unreported    pods the selector matches that have no WorkerHealth
 * @param recovery      where an outage recovery stood after the last round (status.recovery), or null
 * @param dependency    the last check of recovery.dependency, or null (none configured, or not checked)
 * @param specChanged   the spec changed since the status was last written: holds on actions that did not help end
 */
public record PlanInputs(List<PodHealth> pods, List<RemediationRecord> history, Instant settleSince,
                         List<ActionEffectiveness> effectiveness, List<ScaleTargetState> scaleTargets,
                         Map<String, ScaleTargetObservation> targets, Instant outageSeen,
                         List<UnreportedPod> unreported, RecoveryStatus recovery, DependencyObservation dependency,
                         boolean specChanged) {

  public PlanInputs(List<PodHealth> pods, List<RemediationRecord> history, Instant settleSince,
                    List<ActionEffectiveness> effectiveness, List<ScaleTargetState> scaleTargets,
                    Map<String, ScaleTargetObservation> targets) {
    this(pods, history, settleSince, effectiveness, scaleTargets, targets, null);
  }

  public PlanInputs(List<PodHealth> pods, List<RemediationRecord> history, Instant settleSince,
                    List<ActionEffectiveness> effectiveness, List<ScaleTargetState> scaleTargets,
                    Map<String, ScaleTargetObservation> targets, Instant outageSeen) {
    this(pods, history, settleSince, effectiveness, scaleTargets, targets, outageSeen, null, null, null, false);
  }

  public PlanInputs {
    pods = pods == null ? List.of() : pods;
    history = history == null ? List.of() : history;
    effectiveness = effectiveness == null ? List.of() : effectiveness;
    scaleTargets = scaleTargets == null ? List.of() : scaleTargets;
    targets = targets == null ? Map.of() : targets;
    unreported = unreported == null ? List.of() : unreported;
  }

  public PlanInputs withUnreported(List<UnreportedPod> pods) {
    return new PlanInputs(this.pods, history, settleSince, effectiveness, scaleTargets, targets, outageSeen, pods,
        recovery, dependency, specChanged);
  }

  public PlanInputs withRecovery(RecoveryStatus state) {
    return new PlanInputs(pods, history, settleSince, effectiveness, scaleTargets, targets, outageSeen, unreported,
        state, dependency, specChanged);
  }

  public PlanInputs withDependency(DependencyObservation checked) {
    return new PlanInputs(pods, history, settleSince, effectiveness, scaleTargets, targets, outageSeen, unreported,
        recovery, checked, specChanged);
  }

  public PlanInputs withSpecChanged(boolean changed) {
    return new PlanInputs(pods, history, settleSince, effectiveness, scaleTargets, targets, outageSeen, unreported,
        recovery, dependency, changed);
  }
}
