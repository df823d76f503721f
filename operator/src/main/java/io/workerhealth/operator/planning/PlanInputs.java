package io.workerhealth.operator.planning;

import io.workerhealth.api.v1alpha1.ActionEffectiveness;
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
 */
public record PlanInputs(List<PodHealth> pods, List<RemediationRecord> history, Instant settleSince,
                         List<ActionEffectiveness> effectiveness, List<ScaleTargetState> scaleTargets,
                         Map<String, ScaleTargetObservation> targets, Instant outageSeen) {

  public PlanInputs(List<PodHealth> pods, List<RemediationRecord> history, Instant settleSince,
                    List<ActionEffectiveness> effectiveness, List<ScaleTargetState> scaleTargets,
                    Map<String, ScaleTargetObservation> targets) {
    this(pods, history, settleSince, effectiveness, scaleTargets, targets, null);
  }

  public PlanInputs {
    pods = pods == null ? List.of() : pods;
    history = history == null ? List.of() : history;
    effectiveness = effectiveness == null ? List.of() : effectiveness;
    scaleTargets = scaleTargets == null ? List.of() : scaleTargets;
    targets = targets == null ? Map.of() : targets;
  }
}
