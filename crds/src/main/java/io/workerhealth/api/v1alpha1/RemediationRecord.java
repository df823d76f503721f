package io.workerhealth.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/** One remediation decision and what became of it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RemediationRecord {

  @JsonPropertyDescription("The pod acted on.")
  private String pod;

  @JsonPropertyDescription("Its uid: a replacement pod with the same name is another pod.")
  private String podUID;

  @JsonPropertyDescription("The workload slot: the pod's controller (kind/name), or the pod for StatefulSets and bare pods.")
  private String slot;

  @JsonPropertyDescription("The worker that triggered it (or '*' when the endpoint was unreachable).")
  private String worker;

  @JsonPropertyDescription("The rule that decided.")
  private String rule;

  @JsonPropertyDescription("The action.")
  private RemediationAction action;

  @JsonPropertyDescription("When it was decided (RFC 3339).")
  private String time;

  @JsonPropertyDescription("When the worker's state began, as the sidecar saw it (RFC 3339).")
  private String failingSince;

  @JsonPropertyDescription("What became of it.")
  private RemediationOutcome outcome;

  @JsonPropertyDescription("Why, in words.")
  private String message;

  @JsonPropertyDescription("For rules with an escalation: the index of the step that acted (0 is the first).")
  private Integer step;

  @JsonPropertyDescription("For ScaleTarget: the target scaled (Kind/name).")
  private String target;

  @JsonPropertyDescription("For ScaleTarget: the target's replicas before.")
  private Integer fromReplicas;

  @JsonPropertyDescription("For ScaleTarget: the replicas set.")
  private Integer toReplicas;

  @JsonPropertyDescription("Whether the action helped: Recovered or NotRecovered (unset while the verification window "
      + "runs, and for actions that are not verified).")
  private VerificationResult verification;

  @JsonPropertyDescription("When the verification was decided (RFC 3339).")
  private String verifiedTime;

  @JsonPropertyDescription("Restarts of an outage recovery: Canary (one pod, to find out whether the dependency is "
      + "back) or Rolling (the others, verified one by one). Such restarts are not held by the slot's cooldown.")
  private RecoveryPhase recovery;

  public String getPod() {
    return pod;
  }

  public void setPod(String pod) {
    this.pod = pod;
  }

  public String getPodUID() {
    return podUID;
  }

  public void setPodUID(String podUID) {
    this.podUID = podUID;
  }

  public String getSlot() {
    return slot;
  }

  public void setSlot(String slot) {
    this.slot = slot;
  }

  public String getWorker() {
    return worker;
  }

  public void setWorker(String worker) {
    this.worker = worker;
  }

  public String getRule() {
    return rule;
  }

  public void setRule(String rule) {
    this.rule = rule;
  }

  public RemediationAction getAction() {
    return action;
  }

  public void setAction(RemediationAction action) {
    this.action = action;
  }

  public String getTime() {
    return time;
  }

  public void setTime(String time) {
    this.time = time;
  }

  public String getFailingSince() {
    return failingSince;
  }

  public void setFailingSince(String failingSince) {
    this.failingSince = failingSince;
  }

  public RemediationOutcome getOutcome() {
    return outcome;
  }

  public void setOutcome(RemediationOutcome outcome) {
    this.outcome = outcome;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
  }

  public Integer getStep() {
    return step;
  }

  public void setStep(Integer step) {
    this.step = step;
  }

  public String getTarget() {
    return target;
  }

  public void setTarget(String target) {
    this.target = target;
  }

  public Integer getFromReplicas() {
    return fromReplicas;
  }

  public void setFromReplicas(Integer fromReplicas) {
    this.fromReplicas = fromReplicas;
  }

  public Integer getToReplicas() {
    return toReplicas;
  }

  public void setToReplicas(Integer toReplicas) {
    this.toReplicas = toReplicas;
  }

  public VerificationResult getVerification() {
    return verification;
  }

  public void setVerification(VerificationResult verification) {
    this.verification = verification;
  }

  public String getVerifiedTime() {
    return verifiedTime;
  }

  public void setVerifiedTime(String verifiedTime) {
    this.verifiedTime = verifiedTime;
  }

  public RecoveryPhase getRecovery() {
    return recovery;
  }

  public void setRecovery(RecoveryPhase recovery) {
    this.recovery = recovery;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RemediationRecord r && Objects.equals(pod, r.pod) && Objects.equals(podUID, r.podUID)
        && Objects.equals(slot, r.slot) && Objects.equals(worker, r.worker) && Objects.equals(rule, r.rule)
        && action == r.action && Objects.equals(time, r.time) && Objects.equals(failingSince, r.failingSince)
        && outcome == r.outcome && Objects.equals(message, r.message) && Objects.equals(step, r.step)
        && Objects.equals(target, r.target) && Objects.equals(fromReplicas, r.fromReplicas)
        && Objects.equals(toReplicas, r.toReplicas) && verification == r.verification
        && Objects.equals(verifiedTime, r.verifiedTime) && recovery == r.recovery;
  }

  @Override
  public int hashCode() {
    return Objects.hash(pod, podUID, slot, worker, rule, action, time, failingSince, outcome, message, step, target,
        fromReplicas, toReplicas, verification, verifiedTime, recovery);
  }

  @Override
  public String toString() {
    return action + " " + pod + " (" + worker + ", rule " + rule + ") at " + time + ": " + outcome;
  }
}
