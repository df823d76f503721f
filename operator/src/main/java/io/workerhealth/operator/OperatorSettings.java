package io.workerhealth.operator;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The operator's settings from environment variables (docs/operator.md).
 *
 * @param port             WH_OPERATOR_PORT: /metrics, /healthz, /readyz (default 8080)
 * @param watchNamespaces  WH_WATCH_NAMESPACES: comma-separated; empty watches all namespaces
 * @param leaderElection   WH_LEADER_ELECTION: true to elect one active replica with a Lease (default false)
 * @param leaseName        WH_LEASE_NAME (default worker-health-operator)
 * @param leaseNamespace   WH_LEASE_NAMESPACE: where the Lease lives (default: the client's namespace)
 * @param leaseIdentity    WH_LEASE_IDENTITY: this replica's name in the Lease (default: HOSTNAME, the pod's name)
 */
public record OperatorSettings(int port, List<String> watchNamespaces, boolean leaderElection, String leaseName,
                               String leaseNamespace, String leaseIdentity) {

  public OperatorSettings(int port, List<String> watchNamespaces, boolean leaderElection, String leaseName,
                          String leaseNamespace) {
    this(port, watchNamespaces, leaderElection, leaseName, leaseNamespace, null);
  }

  public static OperatorSettings fromEnv(Map<String, String> env) {
    String port = env.getOrDefault("WH_OPERATOR_PORT", "8080").strip();
    int p;
    try {
      p = Integer.parseInt(port);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("WH_OPERATOR_PORT=" + port + ": not a port number");
    }
    List<String> namespaces = Arrays.stream(env.getOrDefault("WH_WATCH_NAMESPACES", "").split(","))
        .map(String::strip).filter(s -> !s.isEmpty()).toList();
    String lease = env.getOrDefault("WH_LEASE_NAMESPACE", "");
    return new OperatorSettings(p, namespaces, Boolean.parseBoolean(env.getOrDefault("WH_LEADER_ELECTION", "false")),
        env.getOrDefault("WH_LEASE_NAME", "worker-health-operator"), lease.isBlank() ? null : lease,
        env.getOrDefault("WH_LEASE_IDENTITY", "").isBlank() ? null : env.get("WH_LEASE_IDENTITY").strip());
  }
}
