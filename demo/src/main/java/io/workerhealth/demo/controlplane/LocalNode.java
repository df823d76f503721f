package io.workerhealth.demo.controlplane;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node of a one-node cluster: containerd (Debian's 1.6) with runc and the CNI bridge, the images built by
 * {@code scripts/control-plane.sh}, the kubelet and kube-proxy; started by {@link LocalControlPlane#startWithNode}.
 */
public final class LocalNode {

  private static final Logger LOG = LoggerFactory.getLogger(LocalNode.class);
  private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(90);
  private static final Pattern IMPORTED = Pattern.compile("^unpacking (\\S+) \\(", Pattern.MULTILINE);
  /** The Service every pod reaches the API server through. */
  static final String KUBERNETES_SERVICE_IP = "10.96.0.1";

  private final NodeLayout layout;
  private final ControlPlaneBinaries binaries;
  private final NodeHostTools tools;
  private final ComponentProcesses processes;
  private final NodeHost host;
  private final List<String> images = new ArrayList<>();
  private int kubeletPort;
  private Duration imageImportTime = Duration.ZERO;

  LocalNode(NodeLayout layout, ControlPlaneBinaries binaries, NodeHostTools tools, ComponentProcesses processes,
            NodeHost host) {
    this.layout = layout;
    this.binaries = binaries;
    this.tools = tools;
    this.processes = processes;
    this.host = host;
  }

  /**
   * Checks what a node needs before anything starts: root, the node's binaries, the host's packages, and the images.
   *
   * @throws IllegalStateException naming each missing piece and the command that provides it
   */
  static NodeHostTools checkPrerequisites(ControlPlaneBinaries binaries, NodeLayout layout) {
    List<String> problems = new ArrayList<>();
    if (!runningAsRoot()) {
      problems.add("root (containerd, the kubelet and kube-proxy manage containers, cgroups, mounts and iptables)");
    }
    List<String> missing = binaries.missingNodeBinaries();
    if (!missing.isEmpty()) {
      problems.add(String.join(", ", missing) + " in " + binaries.directory());
    }
    if (!Files.isRegularFile(layout.sandboxImageFile())) {
      problems.add("the pause image in " + layout.imagesDirectory());
    }
    if (archives(layout.projectImagesDirectory()).isEmpty()) {
      problems.add("the images of " + layout.repository() + " in " + layout.projectImagesDirectory());
    }
    NodeHostTools tools = null;
    try {
      tools = NodeHostTools.locate();
    } catch (IllegalStateException e) {
      problems.add(e.getMessage());
    }
    if (!problems.isEmpty()) {
      throw new IllegalStateException("Cannot start the node; it needs: " + String.join("; ", problems)
          + ". As root: `bash scripts/control-plane.sh --images` after `./mvnw -B package -DskipTests` (see"
          + " docs/e2e.md)");
    }
    return tools;
  }

  static boolean runningAsRoot() {
    try {
      return Files.readAllLines(Path.of("/proc/self/status")).stream()
          .anyMatch(l -> l.startsWith("Uid:") && l.split("\\s+")[1].equals("0"));
    } catch (IOException e) {
      return false;
    }
  }

  void start(Path kubeletKubeconfig, Path kubeProxyKubeconfig, Path kubeletClientCa, KubernetesClient admin)
      throws IOException {
    Files.createDirectories(layout.nodeDirectory());
    startContainerd();
    importImages();
    startKubelet(kubeletKubeconfig, kubeletClientCa, admin);
    startKubeProxy(kubeProxyKubeconfig);
  }

  public String nodeName() {
    return NodeLayout.NODE_NAME;
  }

  /** The kubelet's API, e.g. {@code /stats/summary}; it takes the admin's bearer token. */
  public String kubeletUrl() {
    return "https://" + NodeLayout.NODE_IP + ":" + kubeletPort;
  }

  /** The images imported into containerd for the kubelet (pause and the project's images). */
  public List<String> images() {
    return List.copyOf(images);
  }

  /** How long importing the images took at start (nothing when containerd's store had them from a run before). */
  public Duration imageImportTime() {
    return imageImportTime;
  }

  public NodeLayout layout() {
    return layout;
  }

  /** The memory cgroup (v1) of a container: its peak use is {@code memory.max_usage_in_bytes} there. */
  public Path memoryCgroup(String podUid, String qosClass, String containerId) {
    String id = containerId.substring(containerId.indexOf("://") + 3);
    String qos = qosClass.equals("Guaranteed") ? "" : qosClass.toLowerCase(java.util.Locale.ROOT) + "/";
    return Path.of("/sys/fs/cgroup/memory", NodeLayout.CGROUP_ROOT, "kubepods", qos + "pod" + podUid, id);
  }

  private void startContainerd() throws IOException {
    String sandboxImage = Files.readString(layout.sandboxImageFile()).strip();
    Files.createDirectories(layout.containerdRoot());
    Files.createDirectories(layout.cniConfigDirectory());
    Files.writeString(layout.containerdConfig(), NodeConfigFiles.containerd(layout, sandboxImage));
    Files.writeString(layout.cniConfigDirectory().resolve("10-worker-health-node.conflist"),
        NodeConfigFiles.cniNetwork(layout));
    Files.deleteIfExists(layout.containerdSocket());
    processes.launch("containerd", List.of(tools.containerd().toString(), "--config",
        layout.containerdConfig().toString()));
    processes.awaitUp("containerd", () -> Files.exists(layout.containerdSocket())
        && !NodeHost.runQuietly(ctr("version")).isEmpty());
  }

  /**
   * Imports the pause image and this checkout's images into containerd's {@code k8s.io} namespace, where the kubelet
   * finds them. An archive imported into this store before is skipped when its images are still there as imported
   * (another checkout's import of the same tags has not replaced them).
   */
  private void importImages() throws IOException {
    long started = System.nanoTime();
    Path imported = Files.createDirectories(layout.containerdRoot().resolve("imported"));
    Map<String, String> present = imageDigests();
    List<Path> archives = new ArrayList<>(archives(layout.imagesDirectory()).stream()
        .filter(a -> a.getFileName().toString().startsWith("pause-")).toList());
    archives.addAll(archives(layout.projectImagesDirectory()));
    for (Path archive : archives) {
      Path marker = imported.resolve(archive.getParent().getFileName() + "-" + archive.getFileName() + ".refs");
      List<String> refsAndDigests = Files.exists(marker) ? Files.readAllLines(marker, StandardCharsets.UTF_8)
          : List.of();
      boolean current = !refsAndDigests.isEmpty() && refsAndDigests.stream()
          .allMatch(line -> line.split(" ")[1].equals(present.get(line.split(" ")[0])));
      if (!current) {
        LOG.info("Importing {} into containerd", archive);
        String output = NodeHost.run(ctr("images", "import", archive.toString()));
        List<String> refs = new ArrayList<>();
        Matcher matcher = IMPORTED.matcher(output);
        while (matcher.find()) {
          refs.add(matcher.group(1));
        }
        if (refs.isEmpty()) {
          throw new IllegalStateException("ctr imported no image from " + archive + ":\n" + output);
        }
        Map<String, String> digests = imageDigests();
        refsAndDigests = refs.stream().map(ref -> ref + " " + digests.get(ref)).toList();
        Files.write(marker, refsAndDigests, StandardCharsets.UTF_8);
        present.putAll(digests);
      }
      refsAndDigests.forEach(line -> images.add(line.split(" ")[0]));
    }
    imageImportTime = Duration.ofNanos(System.nanoTime() - started);
    LOG.info("Images in containerd: {} ({} ms to import)", images, imageImportTime.toMillis());
  }

  /** Image name → manifest digest, as containerd has them ({@code ctr images ls}: REF TYPE DIGEST ...). */
  private Map<String, String> imageDigests() throws IOException {
    Map<String, String> digests = new TreeMap<>();
    NodeHost.run(ctr("images", "ls")).lines().skip(1).map(l -> l.split("\\s+"))
        .filter(columns -> columns.length > 2).forEach(columns -> digests.put(columns[0], columns[2]));
    return digests;
  }

  private static List<Path> archives(Path directory) {
    if (!Files.isDirectory(directory)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(directory)) {
      return files.filter(f -> f.getFileName().toString().endsWith(".tar")).sorted().toList();
    } catch (IOException e) {
      return List.of();
    }
  }

  private void startKubelet(Path kubeconfig, Path clientCa, KubernetesClient admin) throws IOException {
    kubeletPort = LocalControlPlane.freePort();
    int healthzPort = LocalControlPlane.freePort();
    Files.writeString(layout.kubeletConfig(), NodeConfigFiles.kubelet(layout,
        new NodeConfigFiles.KubeletPorts(kubeletPort, healthzPort), clientCa));
    processes.launch("kubelet", List.of(binaries.kubelet().toString(),
        "--config=" + layout.kubeletConfig(),
        "--kubeconfig=" + kubeconfig,
        "--hostname-override=" + NodeLayout.NODE_NAME,
        "--node-ip=" + NodeLayout.NODE_IP,
        "--root-dir=" + Files.createDirectories(layout.kubeletRoot()),
        "--cert-dir=" + Files.createDirectories(layout.nodeDirectory().resolve("kubelet-pki"))));
    processes.awaitUp("kubelet", () -> LoopbackHealth.ok("http://127.0.0.1:" + healthzPort + "/healthz")
        && ready(admin.nodes().withName(NodeLayout.NODE_NAME).get()));
  }

  private static boolean ready(Node node) {
    return node != null && node.getStatus() != null && node.getStatus().getConditions().stream()
        .anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True"));
  }

  private void startKubeProxy(Path kubeconfig) throws IOException {
    NodeConfigFiles.KubeProxyPorts ports = new NodeConfigFiles.KubeProxyPorts(LocalControlPlane.freePort(),
        LocalControlPlane.freePort());
    Files.writeString(layout.kubeProxyConfig(), NodeConfigFiles.kubeProxy(kubeconfig, ports));
    processes.launch("kube-proxy", List.of(binaries.kubeProxy().toString(), "--config=" + layout.kubeProxyConfig()));
    // Healthy after its first sync; the kubernetes Service's rule shows the API server is reachable from pods.
    processes.awaitUp("kube-proxy", () -> LoopbackHealth.ok("http://127.0.0.1:" + ports.healthz() + "/healthz")
        && NodeHost.runQuietly(tools.iptables().toString(), "-w", "5", "-t", "nat", "-S", "KUBE-SERVICES")
        .contains(KUBERNETES_SERVICE_IP + "/32"));
  }

  /**
   * Stops the node: every pod is deleted and the kubelet stops its containers (the controllers must be stopped, so
   * nothing replaces them); then the kubelet, kube-proxy (and its iptables rules), whatever containers are left, and
   * containerd; last, whatever is still mounted under the node's directory.
   */
  void stop(KubernetesClient admin) {
    if (processes.isRunning("kubelet")) {
      drain(admin);
    }
    processes.stop("kubelet");
    processes.stop("kube-proxy");
    if (Files.exists(layout.kubeProxyConfig())) {
      NodeHost.runQuietly(binaries.kubeProxy().toString(), "--cleanup", "--config=" + layout.kubeProxyConfig());
    }
    if (processes.isRunning("containerd")) {
      for (String id : NodeHost.runQuietly(ctr("containers", "ls", "-q")).lines().map(String::strip)
          .filter(s -> !s.isEmpty()).toList()) {
        NodeHost.runQuietly(ctr("tasks", "rm", "-f", id));
        NodeHost.runQuietly(ctr("containers", "rm", id));
      }
    }
    processes.stop("containerd");
    host.unmountBelow(layout.nodeDirectory());
  }

  private void drain(KubernetesClient admin) {
    try {
      List<Pod> pods = admin.pods().inAnyNamespace().list().getItems();
      for (Pod pod : pods) {
        admin.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName())
            .withGracePeriod(1).delete();
      }
      Instant deadline = Instant.now().plus(DRAIN_TIMEOUT);
      List<Pod> left = pods;
      while (!left.isEmpty() && Instant.now().isBefore(deadline)) {
        TimeUnit.MILLISECONDS.sleep(250); // polling the API for the kubelet's confirmations
        left = admin.pods().inAnyNamespace().list().getItems();
      }
      if (!left.isEmpty()) {
        LOG.warn("The kubelet did not stop these pods within {}: {}", DRAIN_TIMEOUT, left.stream()
            .map(p -> p.getMetadata().getNamespace() + "/" + p.getMetadata().getName())
            .collect(Collectors.joining(", ")));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      LOG.warn("could not delete the pods before stopping the node: {}", e.toString());
    }
  }

  private String[] ctr(String... arguments) {
    List<String> command = new ArrayList<>(List.of(tools.ctr().toString(), "--address",
        layout.containerdSocket().toString(), "--namespace", "k8s.io"));
    command.addAll(List.of(arguments));
    return command.toArray(String[]::new);
  }
}
