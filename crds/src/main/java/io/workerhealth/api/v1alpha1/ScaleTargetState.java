package io.workerhealth.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/**
 * A scale target the operator has scaled up and not yet brought back: the operator's memory of it, kept in status so
 * a restarted operator still knows the replicas to return to.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ScaleTargetState {

  @JsonPropertyDescription("The target (Kind/name).")
  private String target;

  @JsonPropertyDescription("The rule that scaled it.")
  private String rule;

  @JsonPropertyDescription("Replicas before the operator first scaled it up: stepping down stops here.")
  private Integer baselineReplicas;

  @JsonPropertyDescription("Replicas the operator last set. Different replicas on the target mean someone else "
      + "changed them: the operator then adopts them as the new baseline and stops stepping down.")
  private Integer lastSetReplicas;

  @JsonPropertyDescription("When the operator last changed the replicas (RFC 3339).")
  private String lastScaleTime;

  @JsonPropertyDescription("Since when at least minHealthy pods have been healthy (RFC 3339); the target steps down "
      + "after stabilizationWindow of it.")
  private String enoughHealthySince;

  public ScaleTargetState() {}

  public ScaleTargetState(String target, String rule, Integer baselineReplicas, Integer lastSetReplicas,
                          String lastScaleTime, String enoughHealthySince) {
    this.target = target;
    this.rule = rule;
    this.baselineReplicas = baselineReplicas;
    this.lastSetReplicas = lastSetReplicas;
    this.lastScaleTime = lastScaleTime;
    this.enoughHealthySince = enoughHealthySince;
  }

  public String getTarget() {
    return target;
  }

  public void setTarget(String target) {
    this.target = target;
  }

  public String getRule() {
    return rule;
  }

  public void setRule(String rule) {
    this.rule = rule;
  }

  public Integer getBaselineReplicas() {
    return baselineReplicas;
  }

  public void setBaselineReplicas(Integer baselineReplicas) {
    this.baselineReplicas = baselineReplicas;
  }

  public Integer getLastSetReplicas() {
    return lastSetReplicas;
  }

  public void setLastSetReplicas(Integer lastSetReplicas) {
    this.lastSetReplicas = lastSetReplicas;
  }

  public String getLastScaleTime() {
    return lastScaleTime;
  }

  public void setLastScaleTime(String lastScaleTime) {
    this.lastScaleTime = lastScaleTime;
  }

  public String getEnoughHealthySince() {
    return enoughHealthySince;
  }

  public void setEnoughHealthySince(String enoughHealthySince) {
    this.enoughHealthySince = enoughHealthySince;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ScaleTargetState s && Objects.equals(target, s.target) && Objects.equals(rule, s.rule)
        && Objects.equals(baselineReplicas, s.baselineReplicas) && Objects.equals(lastSetReplicas, s.lastSetReplicas)
        && Objects.equals(lastScaleTime, s.lastScaleTime) && Objects.equals(enoughHealthySince, s.enoughHealthySince);
  }

  @Override
  public int hashCode() {
    return Objects.hash(target, rule, baselineReplicas, lastSetReplicas, lastScaleTime, enoughHealthySince);
  }

  @Override
  public String toString() {
    return target + " baseline " + baselineReplicas + ", last set " + lastSetReplicas + " at " + lastScaleTime;
  }
}
