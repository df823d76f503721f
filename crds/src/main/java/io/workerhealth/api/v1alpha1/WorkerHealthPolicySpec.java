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

  @Default("1h")
  @Pattern(Durations.PATTERN)
  @JsonPropertyDescription("Repeated remediations of one workload slot back off as kubelet's CrashLoopBackOff does: "
      + "the cooldown doubles with each remediation in a row, up to this. Default 1h (set it to 'cooldown' to keep "
      + "the cooldown fixed).")
  private String maxCooldown;

  @Default("1h")
  @Pattern(Durations.PATTERN)
  @JsonPropertyDescription("A slot whose worker stayed healthy this long after a remediation starts again at "
      + "'cooldown'. Default 1h.")
  private String cooldownResetAfter;

  @JsonPropertyDescription("At most 'max' remediations per 'per' window. Default 10 per 1h.")
  private RateLimit rateLimit;

  @Default("2m")
  @Pattern(Durations.PATTERN)
  @JsonPropertyDescription("A WorkerHealth not updated for this long is stale: Unknown, and never acted on.")
  private String staleAfter;

  @Default("5m")
  @Pattern(Durations.PATTERN)
  @JsonPropertyDescription("A pod the selector matches that has no WorkerHealth this long after it was created is "
      + "counted as not reporting (status, condition PodsReporting, metric, Event) and as unhealthy for "
      + "maxUnhealthy. Default 5m.")
  private String startupGracePeriod;

  @Default("false")
  @JsonPropertyDescription("Allow RestartPod to evict pods without a controller (bare pods). Eviction deletes such a "
      + "pod for good: nothing recreates it. Default false.")
  private Boolean evictBarePods;

  @JsonPropertyDescription("What happens after a shared outage: by default, once too many pods have been unhealthy "
      + "for 2m, one canary pod is restarted; if it recovers, the others follow maxConcurrent at a time.")
  private OutageRecovery recovery;

  @Default("false")
  @JsonPropertyDescription("Decide, record and report, but do not act.")
  private Boolean dryRun;

  @Default("false")
  @JsonPropertyDescription("Observe and report only; no decisions are made, and intents an earlier run recorded are "
      + "cancelled rather than carried out.")
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

  public String getMaxCooldown() {
    return maxCooldown;
  }

  public void setMaxCooldown(String maxCooldown) {
    this.maxCooldown = maxCooldown;
  }

  public String getCooldownResetAfter() {
    return cooldownResetAfter;
  }

  public void setCooldownResetAfter(String cooldownResetAfter) {
    this.cooldownResetAfter = cooldownResetAfter;
  }

  public String getStartupGracePeriod() {
    return startupGracePeriod;
  }

  public void setStartupGracePeriod(String startupGracePeriod) {
    this.startupGracePeriod = startupGracePeriod;
  }

  public Boolean getEvictBarePods() {
    return evictBarePods;
  }

  public void setEvictBarePods(Boolean evictBarePods) {
    this.evictBarePods = evictBarePods;
  }

  public OutageRecovery getRecovery() {
    return recovery;
  }

  public void setRecovery(OutageRecovery recovery) {
    this.recovery = recovery;
  }
}
