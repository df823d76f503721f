package io.workerhealth.demo.controlplane;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Names, addresses and directories of the one-node cluster. The node's network is a bridge of its own: the API
 * server and the kubelet listen on the bridge's address, which pods reach directly and the in-cluster
 * {@code kubernetes} Service leads to; nothing listens on, or changes, the host's own interfaces.
 *
 * <p>What is kept between runs (containerd's image store, the built images) is under the cache directory; what one
 * run makes (sockets, the kubelet's pod directories, logs) is under its work directory.
 *
 * @param workDirectory  this run's directory, as for the control plane
 * @param cacheDirectory {@code $WH_CACHE_DIR} or {@code ~/.cache/worker-health}
 * @param repository     the checkout whose images the node runs (those {@code scripts/control-plane.sh --images}
 *                       built from its jars)
 */
public record NodeLayout(Path workDirectory, Path cacheDirectory, Path repository) {

  public static final String NODE_NAME = "worker-health-node";
  /** The CNI bridge; pods' veths are attached to it. At most 15 characters (a Linux interface name). */
  public static final String BRIDGE = "whnode0";
  /** Pods' addresses: clear of the host's own networks (192.0.2.0/24 here) and of the Service range. */
  public static final String POD_SUBNET = "10.244.0.0/24";
  /** The bridge's address: the pods' gateway, where the API server and the kubelet listen. */
  public static final String NODE_IP = "10.244.0.1";
  public static final int POD_PREFIX_LENGTH = 24;
  public static final String SERVICE_CIDR = "10.96.0.0/16";
  /** The kubelet's cgroup root, in every cgroup v1 hierarchy: all pods live below it, and it goes with the node. */
  public static final String CGROUP_ROOT = "/worker-health-node";

  public NodeLayout {
    workDirectory = workDirectory.toAbsolutePath();
    cacheDirectory = cacheDirectory.toAbsolutePath();
    repository = repository.toAbsolutePath().normalize();
  }

  /** The layout for a work directory, with the cache the scripts fill ({@code $WH_CACHE_DIR}, else under home). */
  public static NodeLayout of(Path workDirectory, Path repository, Map<String, String> environment, Path home) {
    Path cache = Optional.ofNullable(environment.get("WH_CACHE_DIR")).filter(v -> !v.isBlank()).map(Path::of)
        .orElseGet(() -> home.resolve(".cache").resolve("worker-health"));
    return new NodeLayout(workDirectory, cache, repository);
  }

  public static NodeLayout of(Path workDirectory, Path repository) {
    return of(workDirectory, repository, System.getenv(), Path.of(System.getProperty("user.home")));
  }

  /** The node's state kept between runs, and the images {@code scripts/control-plane.sh --images} builds. */
  public Path nodeCache() {
    return cacheDirectory.resolve("node");
  }

  /** The pause image (and the name it has), shared by every checkout. */
  public Path imagesDirectory() {
    return nodeCache().resolve("images");
  }

  /**
   * This checkout's images: several checkouts on a machine share the cache, each with its own jars. Named as
   * {@code scripts/control-plane.sh} names it: the first 12 hex digits of the SHA-256 of the checkout's real path.
   */
  public Path projectImagesDirectory() {
    Path real;
    try {
      real = repository.toRealPath();
    } catch (java.io.IOException e) {
      real = repository;
    }
    try {
      byte[] hash = java.security.MessageDigest.getInstance("SHA-256")
          .digest(real.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
      return imagesDirectory().resolve(java.util.HexFormat.of().formatHex(hash).substring(0, 12));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is always available in the JDK", e);
    }
  }

  /** Holds the image {@code scripts/control-plane.sh --node} built for the pods' sandboxes (the pause image). */
  public Path sandboxImageFile() {
    return imagesDirectory().resolve("sandbox-image");
  }

  /** containerd's content and snapshots: imported images stay here between runs. */
  public Path containerdRoot() {
    return nodeCache().resolve("containerd");
  }

  /** One node at a time on a machine: bridge, cgroup root, iptables chains and kernel settings are shared. */
  public Path machineLock() {
    return nodeCache().resolve("node.lock");
  }

  /** What the running node changed on the host, so that a node that was not stopped is cleaned up next time. */
  public Path hostJournal() {
    return nodeCache().resolve("host-changes");
  }

  public Path nodeDirectory() {
    return workDirectory.resolve("node");
  }

  public Path containerdState() {
    return nodeDirectory().resolve("containerd-state");
  }

  public Path containerdSocket() {
    return nodeDirectory().resolve("containerd.sock");
  }

  public Path containerdConfig() {
    return nodeDirectory().resolve("containerd.toml");
  }

  /** runc's state for the node's containers (instead of the shared /run/containerd/runc). */
  public Path runcRoot() {
    return nodeDirectory().resolve("runc");
  }

  public Path cniConfigDirectory() {
    return nodeDirectory().resolve("cni");
  }

  /** host-local IPAM's allocations (instead of the shared /var/lib/cni). */
  public Path cniIpamDirectory() {
    return nodeDirectory().resolve("cni-ipam");
  }

  public Path kubeletRoot() {
    return nodeDirectory().resolve("kubelet");
  }

  public Path kubeletConfig() {
    return nodeDirectory().resolve("kubelet.yaml");
  }

  public Path podLogs() {
    return nodeDirectory().resolve("pod-logs");
  }

  public Path kubeProxyConfig() {
    return nodeDirectory().resolve("kube-proxy.yaml");
  }

  public String containerdEndpoint() {
    return "unix://" + containerdSocket();
  }
}
