package io.workerhealth.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.workerhealth.demo.controlplane.ControlPlaneBinaries;
import io.workerhealth.demo.controlplane.LocalControlPlane;
import io.workerhealth.demo.controlplane.LocalNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The one-node cluster the {@code *OnRealNode*E2E} classes share: the project's images built from the committed
 * Dockerfiles ({@code scripts/control-plane.sh --images}), the cluster started once per test run and stopped when the
 * run ends, and the chart installed once with the locally built images, as a user with side-loaded images would
 * ({@code imagePullPolicy: Never}). A missing prerequisite fails the first test that needs the node, with what is
 * missing.
 */
final class RealNode implements ExtensionContext.Store.CloseableResource {

  static final String OPERATOR_NS = "worker-health";
  static final String RELEASE = "who";
  static final String OPERATOR = RELEASE + "-worker-health-operator";
  static final Duration TIMEOUT = Duration.ofMinutes(3);

  private static RealNode shared;
  private static RuntimeException failedToStart;

  final LocalControlPlane cluster;
  final KubernetesClient admin;
  /** Every container's memory, sampled for as long as the node runs. */
  final ContainerMemory memory;
  private boolean chartInstalled;

  private RealNode(LocalControlPlane cluster) {
    this.cluster = cluster;
    this.admin = cluster.adminClient();
    this.memory = new ContainerMemory(admin, cluster.node().orElseThrow()).start();
  }

  /** The node, started on first use; closed by JUnit at the end of the run (the root store's resource). */
  static synchronized RealNode shared(ExtensionContext context) {
    if (failedToStart != null) {
      throw failedToStart;
    }
    if (shared == null) {
      try {
        shared = start();
      } catch (RuntimeException e) {
        failedToStart = e;
        throw e;
      }
      context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL).put(RealNode.class, shared);
    }
    return shared;
  }

  private static RealNode start() {
    long started = System.nanoTime();
    buildImages();
    long imagesBuilt = System.nanoTime();
    LocalControlPlane cluster = LocalControlPlane.startWithNode(ControlPlaneBinaries.locate(),
        Path.of("target", "real-node"), repository());
    LocalNode node = cluster.node().orElseThrow();
    System.out.printf(Locale.ROOT, "E2E figure: images ready in %.1f s (scripts/control-plane.sh --images); node"
            + " start-up %.1f s, of which image import %.1f s%n", seconds(imagesBuilt - started),
        cluster.startupTime().toMillis() / 1000.0, node.imageImportTime().toMillis() / 1000.0);
    return new RealNode(cluster);
  }

  /** The images of the jars this build made: built (or found cached) by the script a user runs. */
  private static void buildImages() {
    Path script = repository().resolve("scripts/control-plane.sh");
    try {
      Path log = Files.createTempFile("control-plane-images", ".log");
      Process process = new ProcessBuilder("bash", script.toString(), "--images").redirectErrorStream(true)
          .redirectOutput(log.toFile()).start();
      if (!process.waitFor(30, TimeUnit.MINUTES)) {
        process.destroyForcibly();
        throw new IllegalStateException("bash " + script + " --images did not finish within 30 minutes");
      }
      if (process.exitValue() != 0) {
        throw new IllegalStateException("bash " + script + " --images failed (exit " + process.exitValue() + "):\n"
            + Files.readString(log));
      }
    } catch (IOException e) {
      throw new IllegalStateException("could not run " + script, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while building the images", e);
    }
  }

  /** Installs the chart once: the operator in its namespace, its image the one built here, never pulled. */
  synchronized void installChart() throws Exception {
    if (chartInstalled) {
      return;
    }
    helm("install", RELEASE, repository().resolve("charts/worker-health-operator").toString(),
        "--namespace", OPERATOR_NS, "--create-namespace", "--set", "operator.image.pullPolicy=Never", "--wait",
        "--timeout", "3m");
    chartInstalled = true;
  }

  static Path repository() {
    return Path.of(System.getProperty("wh.e2e.repoDir", "..")).toAbsolutePath().normalize();
  }

  /** Runs the real kubectl with the admin's kubeconfig, as a user would; returns its output, fails on an error. */
  String kubectl(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(ControlPlaneBinaries.locate().kubectl().toString(),
        "--kubeconfig", cluster.adminKubeconfig().toString()));
    command.addAll(List.of(args));
    return run(command, "kubectl " + String.join(" ", args));
  }

  /** kubectl apply of a manifest given as text (e.g. one of the examples with its namespace changed). */
  String kubectlApply(String manifest) throws Exception {
    Path file = Files.createTempFile("manifest", ".yaml");
    Files.writeString(file, manifest);
    return kubectl("apply", "-f", file.toString());
  }

  void helm(String... args) throws Exception {
    String cache = System.getenv().getOrDefault("WH_CACHE_DIR",
        Path.of(System.getProperty("user.home"), ".cache", "worker-health").toString());
    Path helm = Path.of(System.getenv().getOrDefault("WH_HELM", Path.of(cache, "bin", "helm").toString()));
    assertThat(helm).as("helm (run scripts/install-tools.sh)").isExecutable();
    List<String> command = new ArrayList<>(List.of(helm.toString(), "--kubeconfig",
        cluster.adminKubeconfig().toString()));
    command.addAll(List.of(args));
    run(command, "helm " + String.join(" ", args));
  }

  private static String run(List<String> command, String what) throws Exception {
    Path log = Files.createTempFile("command", ".log");
    Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    assertThat(p.waitFor(5, TimeUnit.MINUTES)).as(what + " finished").isTrue();
    String output = Files.readString(log, StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as("%s: %s", what, output).isZero();
    return output;
  }

  /** The API server's audit events of completed writes to a WorkerHealth's status, oldest first. */
  List<JsonNode> statusWrites(String namespace, String name) throws IOException {
    ObjectMapper json = new ObjectMapper();
    List<JsonNode> events = new ArrayList<>();
    for (String line : Files.readAllLines(cluster.auditLog())) {
      JsonNode e = json.readTree(line);
      if (namespace.equals(e.at("/objectRef/namespace").asText()) && name.equals(e.at("/objectRef/name").asText())
          && "status".equals(e.at("/objectRef/subresource").asText())
          && "ResponseComplete".equals(e.at("/stage").asText())) {
        events.add(e);
      }
    }
    return events;
  }

  /** POSTs to the sample app in a pod, at its pod IP (the host routes the pod network over the node's bridge). */
  static String fault(Pod pod, String pathAndQuery) throws Exception {
    HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://"
            + pod.getStatus().getPodIP() + ":8080" + pathAndQuery)).timeout(Duration.ofSeconds(10))
        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isLessThan(300);
    return response.body();
  }

  static boolean runningAndReady(Pod pod) {
    return pod != null && pod.getMetadata().getDeletionTimestamp() == null && pod.getStatus() != null
        && "Running".equals(pod.getStatus().getPhase()) && pod.getStatus().getConditions().stream()
        .anyMatch(RealNode::ready);
  }

  private static boolean ready(PodCondition c) {
    return c.getType().equals("Ready") && c.getStatus().equals("True");
  }

  static double seconds(long nanos) {
    return nanos / 1e9;
  }

  @Override
  public void close() {
    memory.close();
    admin.close();
    cluster.close();
  }
}
