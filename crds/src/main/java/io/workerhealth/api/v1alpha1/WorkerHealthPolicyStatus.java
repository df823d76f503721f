package io.workerhealth.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;

/** What the operator observed and did. Written only by the operator. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class WorkerHealthPolicyStatus {

  /** How many past remediations the status keeps. */
  public static final int HISTORY_LIMIT = 20;

  @JsonPropertyDescription("The generation of the spec this status describes.")
  private Long observedGeneration;

  @ListMapKeys("type")
  @JsonPropertyDescription("Ready (the policy is valid and reconciled), RemediationAllowed (false with the reason, "
      + "e.g. TooManyUnhealthy), Paused, ScalingAllowed (false when a scale target is driven by an autoscaler or "
      + "cannot be read), NeedsAttention (true when a rule escalated to its final None step, stopped repeating an "
      + "action that did not help, or outage recovery keeps failing), OutageRecovery (true while a shared outage is "
      + "held or recovered, with the phase as reason), PodsReporting (false when selected pods have no WorkerHealth "
      + "after the start-up grace period).")
  private List<Condition> conditions = new ArrayList<>();

  @JsonPropertyDescription("WorkerHealths the selector matches.")
  private Integer selectedPods;

  @JsonPropertyDescription("Selected pods whose workers are all healthy.")
  private Integer healthyPods;

  @JsonPropertyDescription("Selected pods with a worker in a state a rule acts on.")
  private Integer failingPods;

  @JsonPropertyDescription("Selected pods whose health is unknown or stale.")
  private Integer unknownPods;

  @JsonPropertyDescription("Pods the selector matches that have no WorkerHealth after startupGracePeriod.")
  private Integer notReportingPods;

  @JsonPropertyDescription("The names of those pods (at most 20).")
  private List<String> notReporting = new ArrayList<>();

  @JsonPropertyDescription("Workloads (Deployment/name, StatefulSet/name) in the middle of a rollout: their pods are "
      + "not restarted until it ends.")
  private List<String> rolloutsInProgress = new ArrayList<>();

  @JsonPropertyDescription("Recovery from a shared outage (too many pods unhealthy at once): the phase, since when, "
      + "the canary and the next try. Absent when there is none.")
  private RecoveryStatus recovery;

  @JsonPropertyDescription("Remediations decided and not finished: an evicted pod counts until it is gone.")
  private Integer remediationsInFlight;

  @JsonPropertyDescription("The last remediations, newest first (at most 20); also the memory cooldowns and rate "
      + "limits are computed from.")
  private List<RemediationRecord> history = new ArrayList<>();

  @ListMapKeys({"rule", "worker", "action"})
  @JsonPropertyDescription("Per rule, worker and action: how often the action helped (Recovered) or not "
      + "(NotRecovered) within the rule's verification window.")
  private List<ActionEffectiveness> effectiveness = new ArrayList<>();

  @ListMapKeys("target")
  @JsonPropertyDescription("Scale targets the operator scaled up and has not brought back to their baseline yet.")
  private List<ScaleTargetState> scaleTargets = new ArrayList<>();

  @JsonPropertyDescription("When the operator last acted (RFC 3339).")
  private String lastRemediationTime;

  @JsonPropertyDescription("When remediation was last allowed again after too many pods were unhealthy (RFC 3339): "
      + "conditions must hold for their rule's 'for' after it, so pods still recovering from an outage are left alone.")
  private String suppressionEndedTime;

  @JsonPropertyDescription("When every selected pod was last seen failing the same worker a ScaleTarget rule watches "
      + "(RFC 3339): scale-ups wait the rule's 'for' after it, so pods recovering from an outage are not scaled for. "
      + "Written when such an outage begins and when it is seen to end, not while it lasts.")
  private String lastOutageTime;

  @JsonPropertyDescription("When the outage going on began (RFC 3339); absent when there is none.")
  private String outageSince;

  @JsonPropertyDescription("Remediations carried out since the policy was created.")
  private Long totalRemediations;

  @JsonPropertyDescription("Remediations held back by a safety limit since the policy was created.")
  private Long totalSuppressed;

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
  }

  public List<Condition> getConditions() {
    return conditions;
  }

  public void setConditions(List<Condition> conditions) {
    this.conditions = conditions == null ? new ArrayList<>() : conditions;
  }

  public Integer getSelectedPods() {
    return selectedPods;
  }

  public void setSelectedPods(Integer selectedPods) {
    this.selectedPods = selectedPods;
  }

  public Integer getHealthyPods() {
    return healthyPods;
  }

  public void setHealthyPods(Integer healthyPods) {
    this.healthyPods = healthyPods;
  }

  public Integer getFailingPods() {
    return failingPods;
  }

  public void setFailingPods(Integer failingPods) {
    this.failingPods = failingPods;
  }

  public Integer getUnknownPods() {
    return unknownPods;
  }

  public void setUnknownPods(Integer unknownPods) {
    this.unknownPods = unknownPods;
  }

  public Integer getRemediationsInFlight() {
    return remediationsInFlight;
  }

  public void setRemediationsInFlight(Integer remediationsInFlight) {
    this.remediationsInFlight = remediationsInFlight;
  }

  public List<RemediationRecord> getHistory() {
    return history;
  }

  public void setHistory(List<RemediationRecord> history) {
    this.history = history == null ? new ArrayList<>() : history;
  }

  public List<ActionEffectiveness> getEffectiveness() {
    return effectiveness;
  }

  public void setEffectiveness(List<ActionEffectiveness> effectiveness) {
    this.effectiveness = effectiveness == null ? new ArrayList<>() : effectiveness;
  }

  public List<ScaleTargetState> getScaleTargets() {
    return scaleTargets;
  }

  public void setScaleTargets(List<ScaleTargetState> scaleTargets) {
    this.scaleTargets = scaleTargets == null ? new ArrayList<>() : scaleTargets;
  }

  public String getLastRemediationTime() {
    return lastRemediationTime;
  }

  public void setLastRemediationTime(String lastRemediationTime) {
    this.lastRemediationTime = lastRemediationTime;
  }

  public String getSuppressionEndedTime() {
    return suppressionEndedTime;
  }

  public void setSuppressionEndedTime(String suppressionEndedTime) {
    this.suppressionEndedTime = suppressionEndedTime;
  }

  public String getLastOutageTime() {
    return lastOutageTime;
  }

  public void setLastOutageTime(String lastOutageTime) {
    this.lastOutageTime = lastOutageTime;
  }

  public String getOutageSince() {
    return outageSince;
  }

  public void setOutageSince(String outageSince) {
    this.outageSince = outageSince;
  }

  public Long getTotalRemediations() {
    return totalRemediations;
  }

  public void setTotalRemediations(Long totalRemediations) {
    this.totalRemediations = totalRemediations;
  }

  public Long getTotalSuppressed() {
    return totalSuppressed;
  }

  public void setTotalSuppressed(Long totalSuppressed) {
    this.totalSuppressed = totalSuppressed;
  }

  public Integer getNotReportingPods() {
    return notReportingPods;
  }

  public void setNotReportingPods(Integer notReportingPods) {
    this.notReportingPods = notReportingPods;
  }

  public List<String> getNotReporting() {
    return notReporting;
  }

  public void setNotReporting(List<String> notReporting) {
    this.notReporting = notReporting == null ? new ArrayList<>() : notReporting;
  }

  public List<String> getRolloutsInProgress() {
    return rolloutsInProgress;
  }

  public void setRolloutsInProgress(List<String> rolloutsInProgress) {
    this.rolloutsInProgress = rolloutsInProgress == null ? new ArrayList<>() : rolloutsInProgress;
  }

  public RecoveryStatus getRecovery() {
    return recovery;
  }

  public void setRecovery(RecoveryStatus recovery) {
    this.recovery = recovery;
  }
}
