package io.workerhealth.operator.planning;

import io.workerhealth.api.v1alpha1.ActionEffectiveness;
import io.workerhealth.api.v1alpha1.RemediationAction;
import io.workerhealth.api.v1alpha1.RemediationRecord;
import io.workerhealth.api.v1alpha1.ScaleTargetState;
import io.workerhealth.api.v1alpha1.VerificationResult;
import java.time.Instant;
import java.util.List;

/**
 * The planner's answer: what to do, what not to do and why, and how the selected pods are doing; plus the
 * verification results it reached, the effectiveness and scale target state to record, escalations, and what needs a
 * human.
 */
public record Plan(List<Decision> actions, List<Skip> skipped, Counts counts, int inFlight, SkipReason suppressed,
                   String suppressedMessage, List<Verified> verifications, List<ActionEffectiveness> effectiveness,
                   List<ScaleTargetState> scaleTargets, List<Escalation> escalations, List<Attention> attention,
                   List<TargetProblem> targetProblems, List<String> notes) {

  public Plan {
    actions = List.copyOf(actions);
    skipped = List.copyOf(skipped);
    verifications = List.copyOf(verifications);
    effectiveness = List.copyOf(effectiveness);
    scaleTargets = List.copyOf(scaleTargets);
    escalations = List.copyOf(escalations);
    attention = List.copyOf(attention);
    targetProblems = List.copyOf(targetProblems);
    notes = List.copyOf(notes);
  }

  /** Whether remediation is allowed at all right now (false when paused or too many pods are unhealthy). */
  public boolean remediationAllowed() {
    return suppressed == null;
  }

  /**
   * A remediation to carry out (or, in dry-run, to record only).
   *
   * @param pod          the pod acted on (for ScaleTarget: the pod whose failure triggered the scale-up; null for a
   *                     step back down)
   * @param failingSince when the worker's state began, as the sidecar saw it (null for a step back down)
   * @param step         for escalating rules: the index of the step acting, else null
   * @param target       for ScaleTarget: {@code Kind/name}
   * @param fromReplicas for ScaleTarget: the replicas now
   * @param toReplicas   for ScaleTarget: the replicas to set
   */
  public record Decision(RemediationAction action, String pod, String podUid, String slot, String worker, String rule,
                         Instant failingSince, boolean dryRun, String reason, Integer step, String target,
                         Integer fromReplicas, Integer toReplicas) {

    public Decision(RemediationAction action, String pod, String podUid, String slot, String worker, String rule,
                    Instant failingSince, boolean dryRun, String reason) {
      this(action, pod, podUid, slot, worker, rule, failingSince, dryRun, reason, null, null, null, null);
    }

    /** A ScaleTarget decision that adds replicas (rather than stepping back down). */
    public boolean scaleUp() {
      return action == RemediationAction.ScaleTarget && toReplicas != null && fromReplicas != null
          && toReplicas > fromReplicas;
    }
  }

  /** A remediation a rule asks for that is held back, and why. */
  public record Skip(String pod, String worker, String rule, SkipReason reason, String message) {}

  /** Selected pods by state: healthy, failing (a worker in a state a rule acts on), unknown or stale, other. */
  public record Counts(int selected, int healthy, int failing, int unknown) {}

  /** A history record (one of the input's) whose verification the planner decided. */
  public record Verified(RemediationRecord record, VerificationResult result, String message) {}

  /** A rule moving on to its next step for a worker on a workload. */
  public record Escalation(String rule, String worker, String slot, String pod, RemediationAction from,
                           RemediationAction to, int toStep, String reason) {}

  /**
   * A rule that stopped acting for a worker and needs a human.
   *
   * @param reason {@link SkipReason#Escalated} (the final None step was reached) or {@link SkipReason#NotHelping}
   */
  public record Attention(String rule, String worker, String slot, SkipReason reason, String message) {}

  /** A scale target that cannot be scaled now: driven by an autoscaler, or not readable. */
  public record TargetProblem(String rule, String target, SkipReason reason, String message) {}
}
