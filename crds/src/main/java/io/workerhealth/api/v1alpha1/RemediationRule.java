package io.workerhealth.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.ArrayList;
import java.util.List;

/** When which workers are in which state for how long, do what. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "has(self.action) != has(self.escalation)",
    message = "set either action or escalation (a list of steps), not both")
@ValidationRule(value = "has(self.scale) == (has(self.action) && self.action == 'ScaleTarget')",
    message = "scale is required when action is ScaleTarget, and only then (escalation steps carry their own scale)")
@ValidationRule(value = "!has(self.escalation) || size(self.escalation.filter(s, s.action == 'None')) == 0"
    + " || size(self.escalation.filter(s, s.action == 'None')) == 1"
    + " && self.escalation[size(self.escalation) - 1].action == 'None'",
    message = "only the last escalation step may be None")
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

  @JsonPropertyDescription("RestartPod (evict the pod), ScaleTarget (add replicas to scale.targetRef) or None (report "
      + "only). Either action or escalation is set.")
  private RemediationAction action;

  @JsonPropertyDescription("For action ScaleTarget: what to scale and how far.")
  private ScaleSpec scale;

  @Size(min = 2, max = 8)
  @JsonPropertyDescription("Ordered steps instead of a single action: when the same worker on the same workload still "
      + "fails after a step's maxAttempts within its window (or the step's action did not help "
      + "verification.maxNotRecovered times in a row), the next step takes over. A final None step stops acting and "
      + "asks for attention.")
  private List<EscalationStep> escalation;

  @JsonPropertyDescription("How the rule's actions are checked for effect. Default: window 2m, maxNotRecovered 3.")
  private Verification verification;

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

  public ScaleSpec getScale() {
    return scale;
  }

  public void setScale(ScaleSpec scale) {
    this.scale = scale;
  }

  public List<EscalationStep> getEscalation() {
    return escalation;
  }

  public void setEscalation(List<EscalationStep> escalation) {
    this.escalation = escalation;
  }

  public Verification getVerification() {
    return verification;
  }

  public void setVerification(Verification verification) {
    this.verification = verification;
  }
}
