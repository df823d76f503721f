package io.workerhealth.operator;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * The operator's settings from environment variables (docs/operator.md).
 *
 * @param port             WH_OPERATOR_PORT: /metrics, /healthz, /readyz (default 8080)
 * @param watchNamespaces  WH_WATCH_NAMESPACES: comma-separated; empty watches all namespaces
 * @param leaderElection   WH_LEADER_ELECTION: true to elect one active replica with a Lease (default false)
 * @param leaseName        WH_LEASE_NAME (default worker-health-operator, or one per shard)
 * @param leaseNamespace   WH_LEASE_NAMESPACE: where the Lease lives (default: the client's namespace)
 * @param leaseIdentity    WH_LEASE_IDENTITY: this replica's name in the Lease (default: HOSTNAME, the pod's name)
 * @param shardSelector    WH_SHARD_SELECTOR: a label selector over WorkerHealthPolicies; this operator reconciles only
 *                         the policies it selects (empty: all)
 */
public record OperatorSettings(int port, List<String> watchNamespaces, boolean leaderElection, String leaseName,
                               String leaseNamespace, String leaseIdentity, String shardSelector) {

  public static final String DEFAULT_LEASE = "worker-health-operator";

  public OperatorSettings {
    shardSelector = shardSelector == null || shardSelector.isBlank() ? null : shardSelector.strip();
  }

  /** Every policy in {@code watchNamespaces} (no shard). */
  public OperatorSettings(int port, List<String> watchNamespaces, boolean leaderElection, String leaseName,
                          String leaseNamespace, String leaseIdentity) {
    this(port, watchNamespaces, leaderElection, leaseName, leaseNamespace, leaseIdentity, null);
  }

  /** Every policy in {@code watchNamespaces} (no shard), the default identity in the Lease. */
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
    String shard = env.getOrDefault("WH_SHARD_SELECTOR", "").strip();
    if (!shard.isEmpty()) {
      String problem = ShardSelectors.problem(shard);
      if (problem != null) {
        throw new IllegalArgumentException("WH_SHARD_SELECTOR=" + shard + ": " + problem);
      }
    }
    String leaseName = env.getOrDefault("WH_LEASE_NAME", "").strip();
    return new OperatorSettings(p, namespaces, Boolean.parseBoolean(env.getOrDefault("WH_LEADER_ELECTION", "false")),
        leaseName.isEmpty() ? defaultLease(shard) : leaseName, lease.isBlank() ? null : lease,
        env.getOrDefault("WH_LEASE_IDENTITY", "").isBlank() ? null : env.get("WH_LEASE_IDENTITY").strip(), shard);
  }

  /**
   * The Lease of a shard when WH_LEASE_NAME is not set: one per shard selector, so that the replicas of each shard
   * elect their own leader and shards never wait for each other.
   */
  static String defaultLease(String shardSelector) {
    if (shardSelector == null || shardSelector.isBlank()) {
      return DEFAULT_LEASE;
    }
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256").digest(shardSelector.strip()
          .getBytes(StandardCharsets.UTF_8));
      return DEFAULT_LEASE + "-" + HexFormat.of().formatHex(hash).substring(0, 10);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is always available in the JDK", e);
    }
  }
}
