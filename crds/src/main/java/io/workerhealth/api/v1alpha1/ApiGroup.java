package io.workerhealth.api.v1alpha1;

/** Names shared by every program that speaks the API. */
public final class ApiGroup {
  public static final String GROUP = "workerhealth.io";
  public static final String VERSION = "v1alpha1";

  /** Pods (and so their WorkerHealth) carrying this label with value "true" are never remediated. */
  public static final String EXCLUDE_LABEL = GROUP + "/exclude";

  /**
   * The Lease a node agent renews while what it wrote about the pods of its node still holds (in the agent's
   * namespace), named after the node: {@code workerhealth-agent-<node>}.
   */
  public static final String AGENT_LEASE_PREFIX = "workerhealth-agent-";

  /** The name of the Lease of the agent of {@code nodeName}. */
  public static String agentLeaseName(String nodeName) {
    return AGENT_LEASE_PREFIX + nodeName;
  }

  private ApiGroup() {}
}
