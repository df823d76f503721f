package io.workerhealth.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;

/** How a ScaleTarget action keeps enough healthy instances of the rule's workers. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "self.maxReplicas >= self.minHealthy",
    message = "maxReplicas must be at least minHealthy")
public class ScaleSpec {

  public static final int DEFAULT_STEP = 1;
  public static final String DEFAULT_STABILIZATION_WINDOW = "5m";

  @Required
  @JsonPropertyDescription("The workload to scale (anything with a scale subresource, e.g. a Deployment or "
      + "StatefulSet) in the policy's namespace.")
  private ScaleTargetRef targetRef;

  @Required
  @Min(1)
  @Max(10000)
  @JsonPropertyDescription("Selected pods that must have every worker the rule names Healthy; below it (once a "
      + "worker has failed for the rule's 'for') the target is scaled up by 'step'.")
  private Integer minHealthy;

  @Required
  @Min(1)
  @Max(10000)
  @JsonPropertyDescription("Never scale the target above this many replicas.")
  private Integer maxReplicas;

  @Default("1")
  @Min(1)
  @Max(1000)
  @JsonPropertyDescription("Replicas added per scale-up, and removed per step back down. Default 1.")
  private Integer step;

  @Default("5m")
  @Pattern(Durations.PATTERN)
  @JsonPropertyDescription("Healthy pods must have been at least minHealthy this long before the target steps back "
      + "down (by 'step', towards the replicas it had before the operator scaled it). Default 5m.")
  private String stabilizationWindow;

  @Default("true")
  @JsonPropertyDescription("When the policy is deleted while the target is above the replicas it had before the "
      + "operator scaled it, scale it back to those (unless someone else changed it since). Default true.")
  private Boolean restoreOnDelete;

  public ScaleSpec() {}

  public ScaleSpec(ScaleTargetRef targetRef, int minHealthy, int maxReplicas) {
    this.targetRef = targetRef;
    this.minHealthy = minHealthy;
    this.maxReplicas = maxReplicas;
  }

  public ScaleTargetRef getTargetRef() {
    return targetRef;
  }

  public void setTargetRef(ScaleTargetRef targetRef) {
    this.targetRef = targetRef;
  }

  public Integer getMinHealthy() {
    return minHealthy;
  }

  public void setMinHealthy(Integer minHealthy) {
    this.minHealthy = minHealthy;
  }

  public Integer getMaxReplicas() {
    return maxReplicas;
  }

  public void setMaxReplicas(Integer maxReplicas) {
    this.maxReplicas = maxReplicas;
  }

  public Integer getStep() {
    return step;
  }

  public void setStep(Integer step) {
    this.step = step;
  }

  public String getStabilizationWindow() {
    return stabilizationWindow;
  }

  public void setStabilizationWindow(String stabilizationWindow) {
    this.stabilizationWindow = stabilizationWindow;
  }

  public Boolean getRestoreOnDelete() {
    return restoreOnDelete;
  }

  public void setRestoreOnDelete(Boolean restoreOnDelete) {
    this.restoreOnDelete = restoreOnDelete;
  }
}
