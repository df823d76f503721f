package io.workerhealth.demo.controlplane;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where etcd, kube-apiserver and kube-controller-manager live: the directory {@code scripts/control-plane.sh}
 * prints, laid out like {@code KUBEBUILDER_ASSETS}; with {@code --node} the script adds what a node needs there
 * (kube-scheduler, kubelet, kube-proxy, kubectl).
 */
public record ControlPlaneBinaries(Path directory) {

  /** Kubernetes version scripts/control-plane.sh builds by default; keep both in step. */
  public static final String DEFAULT_KUBERNETES_VERSION = "v1.36.3";

  public static final String ASSETS_PROPERTY = "wh.e2e.assets";

  static final List<String> REQUIRED = List.of("etcd", "kube-apiserver", "kube-controller-manager");

  /** What {@code scripts/control-plane.sh --node} adds for a one-node cluster. */
  static final List<String> NODE_REQUIRED = List.of("kube-scheduler", "kubelet", "kube-proxy", "kubectl");

  public Path etcd() {
    return directory.resolve("etcd");
  }

  public Path kubeApiserver() {
    return directory.resolve("kube-apiserver");
  }

  public Path kubeControllerManager() {
    return directory.resolve("kube-controller-manager");
  }

  public Path kubeScheduler() {
    return directory.resolve("kube-scheduler");
  }

  public Path kubelet() {
    return directory.resolve("kubelet");
  }

  public Path kubeProxy() {
    return directory.resolve("kube-proxy");
  }

  public Path kubectl() {
    return directory.resolve("kubectl");
  }

  /** The node's binaries that are not in {@link #directory()}. */
  public List<String> missingNodeBinaries() {
    return NODE_REQUIRED.stream().filter(name -> !Files.isExecutable(directory.resolve(name))).toList();
  }

  /**
   * Finds the binaries from, in order: the system property {@value #ASSETS_PROPERTY}, the environment variable
   * KUBEBUILDER_ASSETS, and the cache scripts/control-plane.sh fills ({@code $WH_CACHE_DIR} or
   * {@code ~/.cache/worker-health}).
   *
   * @throws IllegalStateException naming what is missing and how to provide it
   */
  public static ControlPlaneBinaries locate(Map<String, String> environment, String assetsProperty, Path home) {
    Path directory = expectedDirectory(environment, assetsProperty, home);
    List<String> missing = REQUIRED.stream()
        .filter(name -> !Files.isExecutable(directory.resolve(name)))
        .toList();
    if (!missing.isEmpty()) {
      throw new IllegalStateException("No " + String.join(", ", missing) + " in " + directory
          + ". Run scripts/control-plane.sh and pass the directory it prints as -D" + ASSETS_PROPERTY
          + "=DIR or KUBEBUILDER_ASSETS=DIR (see docs/e2e.md).");
    }
    return new ControlPlaneBinaries(directory);
  }

  public static ControlPlaneBinaries locate() {
    return locate(System.getenv(), System.getProperty(ASSETS_PROPERTY), Path.of(System.getProperty("user.home")));
  }

  /** The directory {@link #locate} looks in, whether or not the binaries are there. */
  public static Path expectedDirectory(Map<String, String> environment, String assetsProperty, Path home) {
    return nonBlank(assetsProperty)
        .or(() -> nonBlank(environment.get("KUBEBUILDER_ASSETS")))
        .map(Path::of)
        .orElseGet(() -> nonBlank(environment.get("WH_CACHE_DIR"))
            .map(Path::of)
            .orElseGet(() -> home.resolve(".cache").resolve("worker-health"))
            .resolve("k8s")
            .resolve(DEFAULT_KUBERNETES_VERSION));
  }

  public static Path expectedDirectory() {
    return expectedDirectory(System.getenv(), System.getProperty(ASSETS_PROPERTY),
        Path.of(System.getProperty("user.home")));
  }

  private static Optional<String> nonBlank(String value) {
    return Optional.ofNullable(value).filter(v -> !v.isBlank());
  }
}
