package io.workerhealth.operator.planning;

import io.workerhealth.api.v1alpha1.ActionEffectiveness;
import io.workerhealth.api.v1alpha1.RecoveryPhase;
import io.workerhealth.api.v1alpha1.RecoveryStatus;
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
                   List<TargetProblem> targetProblems, List<String> notes, RecoveryStatus recovery,
                   List<String> notReporting, List<String> rollouts, List<HoldEnded> holdsEnded, Instant nextTry) {

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
    notReporting = List.copyOf(notReporting);
    rollouts = List.copyOf(rollouts);
    holdsEnded = List.copyOf(holdsEnded);
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
   * @param recovery     for restarts of an outage recovery: Canary or Rolling; else null
   */
  public record Decision(RemediationAction action, String pod, String podUid, String slot, String worker, String rule,
                         Instant failingSince, boolean dryRun, String reason, Integer step, String target,
                         Integer fromReplicas, Integer toReplicas, RecoveryPhase recovery) {

    public Decision(RemediationAction action, String pod, String podUid, String slot, String worker, String rule,
                    Instant failingSince, boolean dryRun, String reason) {
      this(action, pod, podUid, slot, worker, rule, failingSince, dryRun, reason, null, null, null, null, null);
    }

    public Decision(RemediationAction action, String pod, String podUid, String slot, String worker, String rule,
                    Instant failingSince, boolean dryRun, String reason, Integer step, String target,
                    Integer fromReplicas, Integer toReplicas) {
      this(action, pod, podUid, slot, worker, rule, failingSince, dryRun, reason, step, target, fromReplicas,
          toReplicas, null);
    }

    /** A ScaleTarget decision that adds replicas (rather than stepping back down). */
    public boolean scaleUp() {
      return action == RemediationAction.ScaleTarget && toReplicas != null && fromReplicas != null
          && toReplicas > fromReplicas;
    }
  }

  /** A remediation a rule asks for that is held back, and why. */
  public record Skip(String pod, String worker, String rule, SkipReason reason, String message) {}

  /**
   * Selected pods by state: healthy, failing (a worker in a state a rule acts on), unknown or stale, not reporting
   * (no WorkerHealth after the start-up grace period; included in selected), other.
   */
  public record Counts(int selected, int healthy, int failing, int unknown, int notReporting) {

    public Counts(int selected, int healthy, int failing, int unknown) {
      this(selected, healthy, failing, unknown, 0);
    }
  }

  /** A history record (one of the input's) whose verification the planner decided. */
  public record Verified(RemediationRecord record, VerificationResult result, String message) {}

  /** A rule moving on to its next step for a worker on a workload. */
  public record Escalation(String rule, String worker, String slot, String pod, RemediationAction from,
                           RemediationAction to, int toStep, String reason) {}

  /**
   * A rule that stopped acting for a worker and needs a human.
   *
   * @param reason {@link SkipReason#Escalated} (the final None step was reached), {@link SkipReason#NotHelping}, or
   *               {@link SkipReason#RecoveryFailing} (rule, worker and slot name the outage's canary)
   */
  public record Attention(String rule, String worker, String slot, SkipReason reason, String message) {}

  /** A hold on an action that did not help, ended: after verification.holdFor, a spec change, or a healthy worker. */
  public record HoldEnded(String rule, String worker, RemediationAction action, String message) {}

  /** A scale target that cannot be scaled now: driven by an autoscaler, or not readable. */
  public record TargetProblem(String rule, String target, SkipReason reason, String message) {}
}
