package io.workerhealth.operator.planning;

import io.fabric8.kubernetes.api.model.Condition;
import io.workerhealth.api.v1alpha1.RemediationAction;
import io.workerhealth.api.v1alpha1.RemediationOutcome;
import io.workerhealth.api.v1alpha1.RemediationRecord;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicyStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One round's decision for a policy, from its status (the operator's memory) and what was observed: the planner's
 * inputs are derived here, the same way for the operator and for the offline {@code plan} command, so both decide
 * alike. Pure: plain data in, plain data out.
 *
 * @param plan           the planner's answer
 * @param inputs         what the planner was given
 * @param outage         every selected pod fails the same worker a ScaleTarget rule watches now
 * @param suppressionEnd remediation was held back for too many unhealthy pods until now, and is allowed again
 */
public record PolicyDecision(Plan plan, PlanInputs inputs, boolean outage, boolean suppressionEnd) {

  /**
   * Decides with the history, the settle and outage times, the effectiveness, the scale target state and the outage
   * recovery the status holds.
   *
   * @param generation the policy's metadata.generation: a spec change since the status was written (its
   *                   observedGeneration) ends holds on actions that did not help; null when not known
   */
  public static PolicyDecision decide(RemediationPlanner planner, PolicySettings settings,
                                      WorkerHealthPolicyStatus status, PolicyObservation observed, Long generation) {
    WorkerHealthPolicyStatus s = status == null ? new WorkerHealthPolicyStatus() : status;
    Instant now = observed.now();
    List<PodHealth> pods = observed.pods();
    // right after too many pods were unhealthy, conditions must hold for 'for' again
    boolean wasSuppressed = wasSuppressed(s.getConditions());
    Instant settleSince = wasSuppressed ? now : ReportTimes.parse(s.getSuppressionEndedTime());
    boolean outage = RemediationPlanner.outage(settings, pods, now);
    // an outage the status says is going on, and that is not seen any more, was last seen now
    Instant outageSeen = outage || s.getOutageSince() != null ? now : ReportTimes.parse(s.getLastOutageTime());
    boolean specChanged = generation != null && s.getObservedGeneration() != null
        && !generation.equals(s.getObservedGeneration());
    PlanInputs inputs = new PlanInputs(pods, new ArrayList<>(s.getHistory()), settleSince, s.getEffectiveness(),
        s.getScaleTargets(), observed.targets(), outageSeen).withUnreported(observed.unreported())
        .withRecovery(s.getRecovery()).withDependency(observed.dependency()).withSpecChanged(specChanged);
    Plan plan = planner.plan(settings, inputs, now);
    return new PolicyDecision(plan, inputs, outage, wasSuppressed && plan.remediationAllowed());
  }

  /** The same, for the pods and targets alone (no unreported pods, no dependency check, generation unknown). */
  public static PolicyDecision decide(RemediationPlanner planner, PolicySettings settings,
                                      WorkerHealthPolicyStatus status, List<PodHealth> pods,
                                      Map<String, ScaleTargetObservation> targets, Instant now) {
    return decide(planner, settings, status, new PolicyObservation(now, pods, targets), null);
  }

  /**
   * RemediationAllowed=False because of an outage (TooManyUnhealthy, or its recovery in progress) in the last status
   * written.
   */
  static boolean wasSuppressed(List<Condition> conditions) {
    Condition allowed = conditions == null ? null : conditions.stream()
        .filter(c -> "RemediationAllowed".equals(c.getType())).findFirst().orElse(null);
    return allowed != null && "False".equals(allowed.getStatus())
        && (SkipReason.TooManyUnhealthy.name().equals(allowed.getReason())
            || SkipReason.RecoveryInProgress.name().equals(allowed.getReason()));
  }

  /**
   * Writes into the status what this decision teaches for later rounds: outage and settle times, verification
   * results (on the history records themselves), effectiveness and scale target state.
   */
  public void remember(WorkerHealthPolicyStatus status, Instant now) {
    String nowText = now.toString();
    // the outage's start and end are written, not every round that sees it (a status that changes only when the
    // cluster does)
    if (outage && status.getOutageSince() == null) {
      status.setOutageSince(nowText);
      status.setLastOutageTime(nowText);
    } else if (!outage && status.getOutageSince() != null) {
      status.setOutageSince(null);
      status.setLastOutageTime(nowText);
    }
    if (suppressionEnd) {
      status.setSuppressionEndedTime(nowText);
    }
    for (Plan.Verified v : plan.verifications()) {
      v.record().setVerification(v.result()); // the record is one of the status's history entries
      v.record().setVerifiedTime(nowText);
    }
    status.setEffectiveness(plan.effectiveness());
    status.setScaleTargets(new ArrayList<>(plan.scaleTargets()));
    status.setRecovery(plan.recovery());
    status.setNotReportingPods(plan.notReporting().size());
    status.setNotReporting(new ArrayList<>(plan.notReporting().subList(0, Math.min(20, plan.notReporting().size()))));
    status.setRolloutsInProgress(new ArrayList<>(plan.rollouts()));
  }

  /**
   * The history records for this round's decisions, to be written before anything is done: Pending for actions,
   * DryRun in dry-run, Reported for report-only rules.
   */
  public List<RemediationRecord> intents(Instant now) {
    String nowText = now.toString();
    List<RemediationRecord> intents = new ArrayList<>();
    for (Plan.Decision d : plan.actions()) {
      RemediationRecord r = new RemediationRecord();
      r.setPod(d.pod());
      r.setPodUID(d.podUid());
      r.setSlot(d.slot());
      r.setWorker(d.worker());
      r.setRule(d.rule());
      r.setAction(d.action());
      r.setTime(nowText);
      r.setFailingSince(d.failingSince() == null ? null : d.failingSince().toString());
      r.setMessage(d.reason());
      r.setStep(d.step());
      r.setTarget(d.target());
      r.setFromReplicas(d.fromReplicas());
      r.setToReplicas(d.toReplicas());
      r.setRecovery(d.recovery());
      r.setOutcome(d.action() == RemediationAction.None ? RemediationOutcome.Reported
          : d.dryRun() ? RemediationOutcome.DryRun : RemediationOutcome.Pending);
      intents.add(r);
    }
    return intents;
  }
}
