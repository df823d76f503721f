package io.workerhealth.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/** How often one rule's action helped one worker: the verification results, counted. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ActionEffectiveness {

  @JsonPropertyDescription("The rule.")
  private String rule;

  @JsonPropertyDescription("The worker the actions were for.")
  private String worker;

  @JsonPropertyDescription("The action: RestartPod or ScaleTarget.")
  private RemediationAction action;

  @JsonPropertyDescription("Actions after which the worker recovered within the verification window.")
  private Long recovered;

  @JsonPropertyDescription("Actions after which it did not.")
  private Long notRecovered;

  @JsonPropertyDescription("NotRecovered results in a row (reset by a Recovered one); at verification."
      + "maxNotRecovered the action is no longer repeated for this worker.")
  private Integer consecutiveNotRecovered;

  @JsonPropertyDescription("When the last result was recorded (RFC 3339).")
  private String lastVerifiedTime;

  @JsonPropertyDescription("While the action is held for not helping: when the hold ends (RFC 3339), unless the "
      + "spec changes or the worker is healthy again first.")
  private String heldUntil;

  public ActionEffectiveness() {}

  public ActionEffectiveness(String rule, String worker, RemediationAction action) {
    this.rule = rule;
    this.worker = worker;
    this.action = action;
    this.recovered = 0L;
    this.notRecovered = 0L;
    this.consecutiveNotRecovered = 0;
  }

  public String getRule() {
    return rule;
  }

  public void setRule(String rule) {
    this.rule = rule;
  }

  public String getWorker() {
    return worker;
  }

  public void setWorker(String worker) {
    this.worker = worker;
  }

  public RemediationAction getAction() {
    return action;
  }

  public void setAction(RemediationAction action) {
    this.action = action;
  }

  public Long getRecovered() {
    return recovered;
  }

  public void setRecovered(Long recovered) {
    this.recovered = recovered;
  }

  public Long getNotRecovered() {
    return notRecovered;
  }

  public void setNotRecovered(Long notRecovered) {
    this.notRecovered = notRecovered;
  }

  public Integer getConsecutiveNotRecovered() {
    return consecutiveNotRecovered;
  }

  public void setConsecutiveNotRecovered(Integer consecutiveNotRecovered) {
    this.consecutiveNotRecovered = consecutiveNotRecovered;
  }

  public String getLastVerifiedTime() {
    return lastVerifiedTime;
  }

  public void setLastVerifiedTime(String lastVerifiedTime) {
    this.lastVerifiedTime = lastVerifiedTime;
  }

  public String getHeldUntil() {
    return heldUntil;
  }

  public void setHeldUntil(String heldUntil) {
    this.heldUntil = heldUntil;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ActionEffectiveness e && Objects.equals(rule, e.rule) && Objects.equals(worker, e.worker)
        && action == e.action && Objects.equals(recovered, e.recovered) && Objects.equals(notRecovered, e.notRecovered)
        && Objects.equals(consecutiveNotRecovered, e.consecutiveNotRecovered)
        && Objects.equals(lastVerifiedTime, e.lastVerifiedTime) && Objects.equals(heldUntil, e.heldUntil);
  }

  @Override
  public int hashCode() {
    return Objects.hash(rule, worker, action, recovered, notRecovered, consecutiveNotRecovered, lastVerifiedTime,
        heldUntil);
  }
}
