package io.workerhealth.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.ArrayList;
import java.util.List;

/** When which workers are in which state for how long, do what. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RemediationRule {

  @Required
  @Size(min = 1, max = 63)
  @Pattern("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
  @JsonPropertyDescription("Name of the rule, unique in the policy; shown in Events, status and metrics.")
  private String name;

  @Required
  @Size(min = 1, max = 64)
  @JsonPropertyDescription("Worker names or globs ('*' any characters, '?' one), e.g. deliverymq-consumer or *-consumer.")
  private List<String> workers = new ArrayList<>();

  @Size(min = 1, max = 4)
  @JsonPropertyDescription("Worker states the rule acts on. Default: [Failed]. Unreachable (the pod's endpoint cannot "
      + "be scraped) and Unknown only when listed.")
  private List<WorkerCondition> when;

  @JsonProperty("for")
  @Default("30s")
  @Pattern(Durations.PATTERN)
  @JsonPropertyDescription("How long the state must hold before acting, e.g. 30s, 2m.")
  private String forDuration;

  @Required
  @JsonPropertyDescription("RestartPod (evict the pod) or None (report only).")
  private RemediationAction action;

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public List<String> getWorkers() {
    return workers;
  }

  public void setWorkers(List<String> workers) {
    this.workers = workers;
  }

  public List<WorkerCondition> getWhen() {
    return when;
  }

  public void setWhen(List<WorkerCondition> when) {
    this.when = when;
  }

  public String getFor() {
    return forDuration;
  }

  public void setFor(String forDuration) {
    this.forDuration = forDuration;
  }

  public RemediationAction getAction() {
    return action;
  }

  public void setAction(RemediationAction action) {
    this.action = action;
  }
}
