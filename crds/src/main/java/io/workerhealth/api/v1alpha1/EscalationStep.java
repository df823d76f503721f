package io.workerhealth.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;

/** One step of a rule's escalation: an action, tried up to maxAttempts times within a window. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "has(self.scale) == (self.action == 'ScaleTarget')",
    message = "scale is required when the step's action is ScaleTarget, and only then")
public class EscalationStep {

  public static final int DEFAULT_MAX_ATTEMPTS = 1;
  public static final String DEFAULT_WITHIN = "30m";

  @Required
  @JsonPropertyDescription("RestartPod, ScaleTarget, or None (stop acting and ask a human: the last step only).")
  private RemediationAction action;

  @Min(1)
  @Max(100)
  @JsonPropertyDescription("Times this step acts for the same worker on the same workload within 'within' before the "
      + "next step takes over. Default 1.")
  private Integer maxAttempts;

  @Pattern(Durations.PATTERN)
  @JsonPropertyDescription("The window maxAttempts is counted in, e.g. 15m. Default 30m.")
  private String within;

  @JsonPropertyDescription("For action ScaleTarget: what to scale and how far.")
  private ScaleSpec scale;

  public EscalationStep() {}

  public EscalationStep(RemediationAction action, Integer maxAttempts, String within) {
    this.action = action;
    this.maxAttempts = maxAttempts;
    this.within = within;
  }

  public RemediationAction getAction() {
    return action;
  }

  public void setAction(RemediationAction action) {
    this.action = action;
  }

  public Integer getMaxAttempts() {
    return maxAttempts;
  }

  public void setMaxAttempts(Integer maxAttempts) {
    this.maxAttempts = maxAttempts;
  }

  public String getWithin() {
    return within;
  }

  public void setWithin(String within) {
    this.within = within;
  }

  public ScaleSpec getScale() {
    return scale;
  }

  public void setScale(ScaleSpec scale) {
    this.scale = scale;
  }
}
