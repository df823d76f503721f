package io.workerhealth.operator.reconcile;

import io.fabric8.kubernetes.api.model.Condition;
import io.workerhealth.api.v1alpha1.RecoveryPhase;
import io.workerhealth.api.v1alpha1.RecoveryStatus;
import io.workerhealth.api.v1alpha1.RemediationAction;
import io.workerhealth.api.v1alpha1.RemediationOutcome;
import io.workerhealth.api.v1alpha1.RemediationRecord;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicyStatus;
import io.workerhealth.operator.planning.Plan;
import io.workerhealth.operator.planning.PodHealth;
import io.workerhealth.operator.planning.PolicyObservation;
import io.workerhealth.operator.planning.PolicySettings;
import io.workerhealth.operator.planning.SkipReason;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The report step, without I/O: from a round's plan it fills in the status (conditions, counts, history) and says
 * what to tell — Events, suppressions to count, escalations to announce — for the edge to send.
 *
 * @param notices     Events on the policy, in order
 * @param suppressed  held-back remediations seen for the first time, by reason (counted once each)
 * @param escalated   escalations seen for the first time (announced once each)
 * @param attention   workers the policy stopped acting for
 * @param recheckSoon a condition has not held for its rule's 'for' yet: look again soon
 * @param entered     the outage recovery phase entered this round (at most one)
 */
record PolicyReport(List<Notice> notices, List<SkipReason> suppressed, List<Plan.Escalation> escalated,
                    int attention, boolean recheckSoon, List<RecoveryPhase> entered) {

  /** An Event to record on the policy. */
  record Notice(String type, String reason, String message) {}

  /**
   * What was already told about a policy, kept between reconciles: held-back remediations (counted once while they
   * last) and escalations (announced once while they apply; they are re-derived every reconcile).
   */
  static final class Told {
    final Set<String> skips = new HashSet<>();
    final Set<String> escalations = new HashSet<>();
    final Set<String> notReporting = new HashSet<>();
  }

  /**
   * Fills in the status from the round and returns what to tell.
   *
   * @param allowedBefore the RemediationAllowed condition as the round found it (before anything was written)
   * @param recoveryBefore the outage recovery as the round found it
   * @param history       the policy's history after this round's intents and actions, newest first
   * @param total         remediations carried out since the policy was created, this round's included
   */
  static PolicyReport build(WorkerHealthPolicyStatus status, PolicySettings settings, Plan plan,
                            PolicyObservation observed, Condition allowedBefore, RecoveryStatus recoveryBefore,
                            List<RemediationRecord> history, long total, Long generation, Told told) {
    String nowText = observed.now().toString();
    List<Notice> notices = new ArrayList<>();
    List<SkipReason> suppressed = new ArrayList<>();
    boolean recheckSoon = false;

    // what is held back, counted once per held-back remediation
    Set<String> current = new HashSet<>();
    for (Plan.Skip s : plan.skipped()) {
      if (s.reason() == SkipReason.NotLongEnough) {
        recheckSoon = true; // the state may have held long enough by then
        continue;
      }
      if (s.reason() == SkipReason.AlreadyDecided || s.reason() == SkipReason.InFlight) {
        continue;
      }
      String key = s.pod() + "/" + s.worker() + "/" + s.reason();
      current.add(key);
      if (told.skips.add(key)) {
        suppressed.add(s.reason());
        status.setTotalSuppressed((status.getTotalSuppressed() == null ? 0 : status.getTotalSuppressed()) + 1);
        // an outage and a pause are told once for the policy (RemediationSuppressed, the recovery's phase Events)
        if (s.reason() != SkipReason.TooManyUnhealthy && s.reason() != SkipReason.Paused
            && s.reason() != SkipReason.RecoveryInProgress) {
          notices.add(new Notice("Normal", "RemediationSkipped", "pod " + s.pod() + " (" + s.worker() + "): "
              + s.reason() + ": " + s.message()));
        }
      }
    }
    told.skips.retainAll(current);

    // escalations, announced once each
    List<Plan.Escalation> escalated = new ArrayList<>();
    Set<String> escalating = new HashSet<>();
    for (Plan.Escalation e : plan.escalations()) {
      String key = e.rule() + "/" + e.worker() + "/" + e.slot() + "/" + e.toStep();
      escalating.add(key);
      if (told.escalations.add(key)) {
        escalated.add(e);
        notices.add(new Notice("Warning", "Escalated", "rule " + e.rule() + ", worker " + e.worker() + " on "
            + e.slot() + ": " + e.reason() + "; next step: " + e.to()));
      }
    }
    told.escalations.retainAll(escalating);
    for (String note : plan.notes()) {
      notices.add(new Notice("Normal", "ScaleTargetAdopted", note));
    }
    for (Plan.HoldEnded ended : plan.holdsEnded()) {
      notices.add(new Notice("Normal", "HoldEnded", ended.message()));
    }
    for (String pod : plan.notReporting()) {
      if (told.notReporting.add(pod)) {
        notices.add(new Notice("Warning", "PodNotReporting", "pod " + pod + " has no WorkerHealth "
            + settings.startupGracePeriod().toSeconds() + "s (startupGracePeriod) after it was created: its sidecar "
            + "does not report; the pod counts as unhealthy for maxUnhealthy"));
      }
    }
    told.notReporting.retainAll(plan.notReporting());

    // the outage recovery's phase changes, each told once
    List<RecoveryPhase> entered = new ArrayList<>();
    RecoveryPhase phaseBefore = recoveryBefore == null ? null : recoveryBefore.getPhase();
    RecoveryStatus recovery = plan.recovery();
    RecoveryPhase phase = recovery == null ? null : recovery.getPhase();
    if (phase != phaseBefore) {
      if (phase != null) {
        entered.add(phase);
      }
      Notice n = switch (phase == null ? "None" : phase.name()) {
        case "Held" -> new Notice("Warning", "OutageHeld", recovery.getMessage());
        case "Canary" -> new Notice("Normal", "RecoveryCanary", recovery.getMessage());
        case "BackingOff" -> new Notice("Warning", "RecoveryBackingOff", recovery.getMessage());
        case "Rolling" -> new Notice("Normal", "RollingRecovery", recovery.getMessage());
        default -> phaseBefore == RecoveryPhase.Held
            ? new Notice("Normal", "OutageEnded", "enough pods are healthy again by themselves: the hold ends")
            : new Notice("Normal", "RecoveryComplete", "the outage is recovered: no selected pod fails");
      };
      notices.add(n);
    }

    // conditions
    boolean allowed = plan.remediationAllowed();
    String reason = allowed ? "WithinLimits" : plan.suppressed().name();
    String message = allowed ? "remediation is allowed" : plan.suppressedMessage();
    if (!allowed && (allowedBefore == null || "True".equals(allowedBefore.getStatus())
        || !reason.equals(allowedBefore.getReason()))) {
      notices.add(new Notice("Warning", "RemediationSuppressed", message));
    }
    List<Condition> conditions = status.getConditions();
    conditions = Conditions.set(conditions, "Ready", true, "Reconciled", "policy is valid; " + plan.counts().selected()
        + " pods selected", generation, nowText);
    conditions = Conditions.set(conditions, "RemediationAllowed", allowed, reason, message, generation, nowText);
    conditions = Conditions.set(conditions, "Paused", settings.paused(), settings.paused() ? "Paused" : "Active",
        settings.paused() ? "spec.paused is true" : "the policy is active", generation, nowText);
    if (!observed.targets().isEmpty()) {
      boolean scalable = plan.targetProblems().isEmpty();
      String scaleReason = scalable ? "TargetsScalable" : plan.targetProblems().get(0).reason().name();
      String scaleMessage = scalable ? "scale targets can be scaled: " + String.join(", ", observed.targets().keySet())
          : plan.targetProblems().stream().map(Plan.TargetProblem::message).distinct()
              .collect(Collectors.joining("; "));
      var before = Conditions.get(conditions, "ScalingAllowed");
      if (!scalable && (before == null || !scaleMessage.equals(before.getMessage()))) {
        notices.add(new Notice("Warning", "ScalingRefused", scaleMessage));
      }
      conditions = Conditions.set(conditions, "ScalingAllowed", scalable, scaleReason, scaleMessage, generation,
          nowText);
    } else if (Conditions.get(conditions, "ScalingAllowed") != null) {
      conditions = conditions.stream().filter(c -> !"ScalingAllowed".equals(c.getType())).toList();
    }
    Map<String, Plan.Attention> held = new LinkedHashMap<>();
    plan.attention().forEach(a -> held.putIfAbsent(a.rule() + "/" + a.worker() + "/" + a.slot(), a));
    boolean attentionNeeded = !held.isEmpty();
    String attentionMessage = attentionNeeded ? held.values().stream().map(Plan.Attention::message)
        .collect(Collectors.joining("; ")) : "every rule is acting normally";
    var attentionBefore = Conditions.get(conditions, "NeedsAttention");
    if (attentionNeeded && (attentionBefore == null || !attentionMessage.equals(attentionBefore.getMessage()))) {
      notices.add(new Notice("Warning", "NeedsAttention", attentionMessage));
    }
    String phaseReason = phase == null ? "NoOutage" : switch (phase) {
      case Held -> "OutageHeld";
      case Canary -> "Canary";
      case BackingOff -> "BackingOff";
      case Rolling -> "RollingRecovery";
    };
    conditions = Conditions.set(conditions, "OutageRecovery", phase != null, phaseReason, phase == null
        ? "no shared outage" : recovery.getMessage() + (recovery.getNextTryTime() == null ? ""
            : " (next try " + recovery.getNextTryTime() + ")"), generation, nowText);
    boolean reporting = plan.notReporting().isEmpty();
    conditions = Conditions.set(conditions, "PodsReporting", reporting, reporting ? "AllReporting" : "NotReporting",
        reporting ? "every selected pod reports" : plan.notReporting().size() + " selected pods have no WorkerHealth "
            + "after startupGracePeriod (" + settings.startupGracePeriod().toSeconds() + "s): "
            + String.join(", ", plan.notReporting().subList(0, Math.min(20, plan.notReporting().size())))
            + (plan.notReporting().size() > 20 ? ", ..." : ""), generation, nowText);
    conditions = Conditions.set(conditions, "NeedsAttention", attentionNeeded, attentionNeeded
        ? held.values().iterator().next().reason().name() : "NothingHeld",
        attentionMessage.length() > 2000 ? attentionMessage.substring(0, 2000) : attentionMessage, generation, nowText);
    status.setConditions(conditions);

    // counts and history
    List<PodHealth> pods = observed.pods();
    status.setObservedGeneration(generation);
    status.setSelectedPods(plan.counts().selected());
    status.setHealthyPods(plan.counts().healthy());
    status.setFailingPods(plan.counts().failing());
    status.setUnknownPods(plan.counts().unknown());
    status.setHistory(WorkerHealthPolicyReconciler.trim(history));
    status.setRemediationsInFlight((int) status.getHistory().stream()
        .filter(r -> r.getOutcome() == RemediationOutcome.Pending
            || r.getOutcome() == RemediationOutcome.Succeeded && r.getAction() == RemediationAction.RestartPod
            && pods.stream().anyMatch(p -> Objects.equals(p.podUid(), r.getPodUID()))) // evicted, not gone yet
        .map(RemediationRecord::getPodUID).distinct().count());
    status.setTotalRemediations(total);
    status.getHistory().stream().filter(r -> r.getOutcome() == RemediationOutcome.Succeeded)
        .map(RemediationRecord::getTime).max(String::compareTo).ifPresent(status::setLastRemediationTime);
    return new PolicyReport(notices, suppressed, escalated, held.size(), recheckSoon, entered);
  }
}
