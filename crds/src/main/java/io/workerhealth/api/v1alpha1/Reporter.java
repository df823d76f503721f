package io.workerhealth.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.Objects;

/**
 * Who reports a WorkerHealth. Set when the resource is created and never changed: an agent may write only the
 * WorkerHealths recorded with its own node (an admission policy checks it against the node the API server names in
 * the agent's token), and the operator ignores an agent's report when the recorded node is not the pod's.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = Reporter.AGENT_HAS_NODE_RULE, message = Reporter.AGENT_HAS_NODE_MESSAGE)
public class Reporter {

  public static final String AGENT_HAS_NODE_RULE = "self.kind != 'Agent' || has(self.nodeName)";
  public static final String AGENT_HAS_NODE_MESSAGE = "an Agent reporter names its node (nodeName)";

  @Required
  @JsonPropertyDescription("Sidecar (in the pod) or Agent (the node agent of the pod's node).")
  private ReporterKind kind;

  @JsonPropertyDescription("The node whose agent reports the pod; for a sidecar, its pod's node when it knows it.")
  private String nodeName;

  public Reporter() {}

  public Reporter(ReporterKind kind, String nodeName) {
    this.kind = kind;
    this.nodeName = nodeName;
  }

  public static Reporter agent(String nodeName) {
    return new Reporter(ReporterKind.Agent, nodeName);
  }

  public static Reporter sidecar(String nodeName) {
    return new Reporter(ReporterKind.Sidecar, nodeName);
  }

  public ReporterKind getKind() {
    return kind;
  }

  public void setKind(ReporterKind kind) {
    this.kind = kind;
  }

  public String getNodeName() {
    return nodeName;
  }

  public void setNodeName(String nodeName) {
    this.nodeName = nodeName;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Reporter r && kind == r.kind && Objects.equals(nodeName, r.nodeName);
  }

  @Override
  public int hashCode() {
    return Objects.hash(kind, nodeName);
  }

  @Override
  public String toString() {
    return kind + (nodeName == null ? "" : " on " + nodeName);
  }
}
