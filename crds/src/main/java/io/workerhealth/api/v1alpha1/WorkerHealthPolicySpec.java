package io.workerhealth.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import java.util.ArrayList;
import java.util.List;

/** See docs/policy.md for every field with examples. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "!has(self.maxUnhealthy) || (type(self.maxUnhealthy) == int ? self.maxUnhealthy >= 0"
    + " : self.maxUnhealthy.matches('^(100|[1-9]?[0-9])%$'))",
    message = "maxUnhealthy must be a non-negative number of pods or a percentage from 0% to 100%")
public class WorkerHealthPolicySpec {

  /** Default of {@link #maxUnhealthy}: above half the selected pods failing, it is most likely a shared cause. */
  public static final String DEFAULT_MAX_UNHEALTHY = "50%";

  @Required
  @SchemaFrom(type = SelectorSchema.class)
  @JsonPropertyDescription("Selects WorkerHealth resources (they carry their pod's labels) in the policy's namespace.")
  private LabelSelector selector;

  @Required
  @Size(min = 1, max = 32)
  @ListMapKeys("name")
  @JsonPropertyDescription("Rules, tried in order; the first that matches a pod decides for it.")
  private List<RemediationRule> rules = new ArrayList<>();

  @JsonPropertyDescription("Pods (a number, or a percentage of the selected pods, rounded up) that may be failing at "
      + "once; above it nothing is remediated: the likely cause is shared (a broker is down). Default 50%.")
  private IntOrString maxUnhealthy;

  @Default("1")
  @Min(1)
  @Max(1000)
  @JsonPropertyDescription("Remediations in flight at once (an evicted pod counts until it is gone).")
  private Integer maxConcurrent;

  @Default("5m")
  @Pattern(Durations.PATTERN)
  @JsonPropertyDescription("After a remediation in a workload slot (the pod's controller, or the pod itself for "
      + "StatefulSets and bare pods), wait this long before the next one there.")
  private String cooldown;

  @JsonPropertyDescription("At most 'max' remediations per 'per' window. Default 10 per 1h.")
  private RateLimit rateLimit;

  @Default("2m")
  @Pattern(Durations.PATTERN)
  @JsonPropertyDescription("A WorkerHealth not updated for this long is stale: Unknown, and never acted on.")
  private String staleAfter;

  @Default("false")
  @JsonPropertyDescription("Decide, record and report, but do not act.")
  private Boolean dryRun;

  @Default("false")
  @JsonPropertyDescription("Observe and report only; no decisions are made.")
  private Boolean paused;

  public LabelSelector getSelector() {
    return selector;
  }

  public void setSelector(LabelSelector selector) {
    this.selector = selector;
  }

  public List<RemediationRule> getRules() {
    return rules;
  }

  public void setRules(List<RemediationRule> rules) {
    this.rules = rules;
  }

  public IntOrString getMaxUnhealthy() {
    return maxUnhealthy;
  }

  public void setMaxUnhealthy(IntOrString maxUnhealthy) {
    this.maxUnhealthy = maxUnhealthy;
  }

  public Integer getMaxConcurrent() {
    return maxConcurrent;
  }

  public void setMaxConcurrent(Integer maxConcurrent) {
    this.maxConcurrent = maxConcurrent;
  }

  public String getCooldown() {
    return cooldown;
  }

  public void setCooldown(String cooldown) {
    this.cooldown = cooldown;
  }

  public RateLimit getRateLimit() {
    return rateLimit;
  }

  public void setRateLimit(RateLimit rateLimit) {
    this.rateLimit = rateLimit;
  }

  public String getStaleAfter() {
    return staleAfter;
  }

  public void setStaleAfter(String staleAfter) {
    this.staleAfter = staleAfter;
  }

  public Boolean getDryRun() {
    return dryRun;
  }

  public void setDryRun(Boolean dryRun) {
    this.dryRun = dryRun;
  }

  public Boolean getPaused() {
    return paused;
  }

  public void setPaused(Boolean paused) {
    this.paused = paused;
  }
}
