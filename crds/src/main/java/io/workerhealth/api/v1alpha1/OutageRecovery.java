package io.workerhealth.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;

/** How a policy recovers after a shared outage held remediation back (too many pods unhealthy at once). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class OutageRecovery {

  public static final String DEFAULT_AFTER = "2m";
  public static final String DEFAULT_BACKOFF = "1m";
  public static final String DEFAULT_MAX_BACKOFF = "15m";
  public static final int DEFAULT_ATTENTION_AFTER = 3;

  @Default("Canary")
  @JsonPropertyDescription("Canary (default): once the hold has lasted 'after', restart one pod; if its worker "
      + "recovers, restart the others maxConcurrent at a time, verifying each; if not, back off and try again. "
      + "Hold: never restart during an outage.")
  private RecoveryMode mode;

  @Default(DEFAULT_AFTER)
  @Pattern(Durations.PATTERN)
  @JsonPropertyDescription("How long too many pods must have been unhealthy before recovery starts (apps that "
      + "recover by themselves within it are left alone). Default 2m.")
  private String after;

  @Default(DEFAULT_BACKOFF)
  @Pattern(Durations.PATTERN)
  @JsonPropertyDescription("Wait after a canary (or a rolling restart) that did not recover; doubles with each "
      + "one in a row. Default 1m.")
  private String backoff;

  @Default(DEFAULT_MAX_BACKOFF)
  @Pattern(Durations.PATTERN)
  @JsonPropertyDescription("The longest wait between canaries. Default 15m.")
  private String maxBackoff;

  @Default("3")
  @Min(1)
  @Max(1000)
  @JsonPropertyDescription("Canaries in a row that did not recover before NeedsAttention turns True (recovery "
      + "keeps trying). Default 3.")
  private Integer attentionAfter;

  @JsonPropertyDescription("Optional: a dependency the operator checks (TCP or HTTP). While it does not answer, no "
      + "pod is restarted; once it answers, the pods are restarted maxConcurrent at a time, verifying each. Without "
      + "it, a canary pod finds out.")
  private DependencyCheck dependency;

  public OutageRecovery() {}

  public RecoveryMode getMode() {
    return mode;
  }

  public void setMode(RecoveryMode mode) {
    this.mode = mode;
  }

  public String getAfter() {
    return after;
  }

  public void setAfter(String after) {
    this.after = after;
  }

  public String getBackoff() {
    return backoff;
  }

  public void setBackoff(String backoff) {
    this.backoff = backoff;
  }

  public String getMaxBackoff() {
    return maxBackoff;
  }

  public void setMaxBackoff(String maxBackoff) {
    this.maxBackoff = maxBackoff;
  }

  public Integer getAttentionAfter() {
    return attentionAfter;
  }

  public void setAttentionAfter(Integer attentionAfter) {
    this.attentionAfter = attentionAfter;
  }

  public DependencyCheck getDependency() {
    return dependency;
  }

  public void setDependency(DependencyCheck dependency) {
    this.dependency = dependency;
  }
}
