package io.workerhealth.demo.controlplane;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real control plane: etcd, kube-apiserver (token auth, Node+RBAC authorization, service-account tokens signed
 * with a key generated per run) and kube-controller-manager (so Deployments get ReplicaSets and pods, and owned
 * objects are garbage-collected). On loopback, with no kubelet: pods stay Pending.
 *
 * <p>{@link #startWithNode} adds a node, making a one-node cluster on which pods really run: kube-scheduler, and a
 * {@link LocalNode} (containerd, kubelet, kube-proxy, the pod network). The API server then listens on the node's
 * bridge address, which pods reach through the {@code kubernetes} Service.
 *
 * <p>Everything lives in one work directory; each component's output goes to {@code <name>.log} there and is kept
 * after {@link #close()} for reading failures.
 */
public final class LocalControlPlane implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(LocalControlPlane.class);
  private static final String ADMIN_USER = "e2e-admin";
  private static final String CONTROLLER_MANAGER_USER = "system:kube-controller-manager";
  // The users the node's components act as; the bootstrap RBAC roles and the Node authorizer know them by name.
  private static final String SCHEDULER_USER = "system:kube-scheduler";
  private static final String KUBELET_USER = "system:node:" + NodeLayout.NODE_NAME;
  private static final String KUBE_PROXY_USER = "system:kube-proxy";

  /**
   * Flags added to the components' own (benchmarks: an audit log, a controller manager that writes faster).
   *
   * @param apiserver         extra kube-apiserver flags
   * @param controllerManager extra kube-controller-manager flags
   */
  public record Flags(List<String> apiserver, List<String> controllerManager) {
    public static final Flags NONE = new Flags(List.of(), List.of());
  }

  private final Path workDirectory;
  private final Flags flags;
  private final NodeLayout nodeLayout;
  private final ComponentProcesses processes;
  private final Thread shutdownHook = new Thread(this::stopAll, "control-plane-shutdown");
  private NodeHost nodeHost;
  private LocalNode node;
  private String serverUrl;
  private Path adminKubeconfig;
  private Path certificateAuthority;
  private String adminToken;
  private Duration startupTime;

  private LocalControlPlane(Path workDirectory, NodeLayout nodeLayout, Flags flags) {
    // Absolute, since each component runs with the work directory as its own current directory.
    this.workDirectory = workDirectory.toAbsolutePath();
    this.nodeLayout = nodeLayout;
    this.flags = flags;
    this.processes = new ComponentProcesses(this.workDirectory, this::recordProcess);
  }

  /** Starts all components and returns once the API server is ready and the controllers act. */
  public static LocalControlPlane start(ControlPlaneBinaries binaries, Path workDirectory) {
    return start(binaries, workDirectory, Flags.NONE);
  }

  /** {@link #start(ControlPlaneBinaries, Path)} with extra flags for the components. */
  public static LocalControlPlane start(ControlPlaneBinaries binaries, Path workDirectory, Flags flags) {
    return start(new LocalControlPlane(workDirectory, null, flags), binaries, null);
  }

  /**
   * Starts a one-node cluster: the control plane, kube-scheduler and a node running the images
   * {@code scripts/control-plane.sh --images} built from the jars of {@code repository}; returns once the node is
   * Ready and kube-proxy has programmed the Services. Needs root and the node's binaries, host packages and images:
   * each missing one fails the start, named.
   */
  public static LocalControlPlane startWithNode(ControlPlaneBinaries binaries, Path workDirectory, Path repository) {
    NodeLayout layout = NodeLayout.of(workDirectory, repository);
    NodeHostTools tools = LocalNode.checkPrerequisites(binaries, layout);
    return start(new LocalControlPlane(workDirectory, layout, Flags.NONE), binaries, tools);
  }

  /**
   * Why {@link #startWithNode} could not start here, if it could not: what is missing (root, binaries, packages,
   * images), or another node running on this machine. Nothing is changed.
   */
  public static Optional<String> whyNoNode(ControlPlaneBinaries binaries, Path workDirectory, Path repository) {
    NodeLayout layout = NodeLayout.of(workDirectory, repository);
    try {
      LocalNode.checkPrerequisites(binaries, layout);
    } catch (IllegalStateException e) {
      return Optional.of(e.getMessage());
    }
    return NodeHost.otherNodeRunning(layout) ? Optional.of("another node runs on this machine") : Optional.empty();
  }

  private static LocalControlPlane start(LocalControlPlane controlPlane, ControlPlaneBinaries binaries,
                                         NodeHostTools nodeTools) {
    Runtime.getRuntime().addShutdownHook(controlPlane.shutdownHook);
    try {
      long started = System.nanoTime();
      controlPlane.startAll(binaries, nodeTools);
      controlPlane.startupTime = Duration.ofNanos(System.nanoTime() - started);
      return controlPlane;
    } catch (RuntimeException | IOException e) {
      controlPlane.close();
      if (e instanceof IOException io) {
        throw new UncheckedIOException("Could not start the control plane in " + controlPlane.workDirectory, io);
      }
      throw (RuntimeException) e;
    }
  }

  public String serverUrl() {
    return serverUrl;
  }

  /** Kubeconfig of a cluster admin (group system:masters), usable with kubectl --kubeconfig. */
  public Path adminKubeconfig() {
    return adminKubeconfig;
  }

  public Path workDirectory() {
    return workDirectory;
  }

  /** The process of a running component ({@code etcd}, {@code kube-apiserver}, {@code kube-controller-manager}). */
  public Optional<ProcessHandle> process(String component) {
    return processes.handle(component);
  }

  /** The node, when started with {@link #startWithNode}. */
  public Optional<LocalNode> node() {
    return Optional.ofNullable(node);
  }

  /** How long {@link #start} or {@link #startWithNode} took, from nothing to ready. */
  public Duration startupTime() {
    return startupTime;
  }

  public Config adminConfig() {
    try {
      return new ConfigBuilder(Config.empty())
          .withMasterUrl(serverUrl)
          .withCaCertData(Base64.getEncoder().encodeToString(Files.readAllBytes(certificateAuthority)))
          .withOauthToken(adminToken)
          .withNamespace("default")
          .build();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public KubernetesClient adminClient() {
    return new KubernetesClientBuilder().withConfig(adminConfig()).build();
  }

  /** The admin's bearer token (for calling the kubelet, which checks tokens with the API server). */
  public String adminToken() {
    return adminToken;
  }

  private void startAll(ControlPlaneBinaries binaries, NodeHostTools nodeTools) throws IOException {
    Files.createDirectories(workDirectory);
    Path pki = Files.createDirectories(workDirectory.resolve("pki"));
    Path etcdData = workDirectory.resolve("etcd-data");
    deleteRecursively(etcdData);
    boolean withNode = nodeTools != null;
    if (withNode) {
      // Before the API server: it listens on the node's bridge.
      nodeHost = NodeHost.acquire(nodeLayout, nodeTools);
      nodeHost.prepare();
    }
    String address = withNode ? NodeLayout.NODE_IP : "127.0.0.1";

    int etcdClientPort = freePort();
    int etcdPeerPort = freePort();
    String etcdUrl = "http://127.0.0.1:" + etcdClientPort;
    String etcdPeerUrl = "http://127.0.0.1:" + etcdPeerPort;
    processes.launch("etcd", List.of(binaries.etcd().toString(),
        "--name=e2e",
        "--data-dir=" + etcdData,
        "--listen-client-urls=" + etcdUrl,
        "--advertise-client-urls=" + etcdUrl,
        "--listen-peer-urls=" + etcdPeerUrl,
        "--initial-advertise-peer-urls=" + etcdPeerUrl,
        "--initial-cluster=e2e=" + etcdPeerUrl,
        "--listen-metrics-urls=http://127.0.0.1:" + freePort()));
    processes.awaitUp("etcd", () -> httpOk(etcdUrl + "/health", null, null));

    KeyPair serviceAccountKeys = rsaKeyPair();
    Path serviceAccountPublicKey = write(pki.resolve("service-account.pub"),
        pem("PUBLIC KEY", serviceAccountKeys.getPublic().getEncoded()));
    Path serviceAccountPrivateKey = write(pki.resolve("service-account.key"),
        pem("PRIVATE KEY", serviceAccountKeys.getPrivate().getEncoded()));
    adminToken = randomToken();
    Map<String, String> tokens = new LinkedHashMap<>();
    tokens.put(CONTROLLER_MANAGER_USER, randomToken());
    if (withNode) {
      tokens.put(SCHEDULER_USER, randomToken());
      tokens.put(KUBELET_USER, randomToken());
      tokens.put(KUBE_PROXY_USER, randomToken());
    }
    StringBuilder tokenFile = new StringBuilder(
        adminToken + "," + ADMIN_USER + "," + ADMIN_USER + ",\"system:masters\"\n");
    tokens.forEach((user, token) -> tokenFile.append(token).append(',').append(user).append(',').append(user)
        .append(user.equals(KUBELET_USER) ? ",\"system:nodes\"" : "").append('\n'));
    Path tokenAuthFile = write(pki.resolve("tokens.csv"), tokenFile.toString());

    int apiserverPort = freePort();
    serverUrl = "https://" + address + ":" + apiserverPort;
    // Without --tls-cert-file the API server writes a self-signed chain for its address (and the kubernetes
    // Service's) into --cert-dir.
    certificateAuthority = pki.resolve("apiserver.crt");
    Files.deleteIfExists(certificateAuthority);
    Files.deleteIfExists(pki.resolve("apiserver.key"));
    List<String> apiserver = new ArrayList<>(List.of(binaries.kubeApiserver().toString(),
        "--etcd-servers=" + etcdUrl,
        "--bind-address=" + address,
        "--advertise-address=" + address,
        "--secure-port=" + apiserverPort,
        "--cert-dir=" + pki,
        "--token-auth-file=" + tokenAuthFile,
        "--authorization-mode=Node,RBAC",
        "--anonymous-auth=false",
        "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
        "--service-account-key-file=" + serviceAccountPublicKey,
        "--service-account-signing-key-file=" + serviceAccountPrivateKey,
        "--service-cluster-ip-range=" + NodeLayout.SERVICE_CIDR,
        "--allow-privileged=true"));
    apiserver.addAll(flags.apiserver());
    KubeletClientCertificates kubeletClient = null;
    if (withNode) {
      kubeletClient = KubeletClientCertificates.create(nodeTools.openssl(), pki);
      apiserver.addAll(List.of(
          "--kubelet-client-certificate=" + kubeletClient.clientCertificate(),
          "--kubelet-client-key=" + kubeletClient.clientKey(),
          // The node's name resolves nowhere; its address is what the kubelet reports.
          "--kubelet-preferred-address-types=InternalIP",
          // Who wrote each WorkerHealth, from where: the end-to-end tests read it.
          "--audit-policy-file=" + write(pki.resolve("audit-policy.yaml"), NodeConfigFiles.auditPolicy()),
          "--audit-log-path=" + auditLog()));
    }
    processes.launch("kube-apiserver", apiserver);
    processes.awaitUp("kube-apiserver",
        () -> Files.exists(certificateAuthority) && httpOk(serverUrl + "/readyz", certificateAuthority, adminToken));

    adminKubeconfig = write(workDirectory.resolve("admin.kubeconfig"),
        AdminKubeconfig.render(serverUrl, certificateAuthority, ADMIN_USER, adminToken));
    Map<String, Path> kubeconfigs = new LinkedHashMap<>();
    for (Map.Entry<String, String> user : tokens.entrySet()) {
      kubeconfigs.put(user.getKey(), write(pki.resolve(user.getKey().replace(':', '-') + ".kubeconfig"),
          AdminKubeconfig.render(serverUrl, certificateAuthority, user.getKey(), user.getValue())));
    }

    List<String> controllerManagerCommand = new ArrayList<>(List.of(
        binaries.kubeControllerManager().toString(),
        "--kubeconfig=" + kubeconfigs.get(CONTROLLER_MANAGER_USER),
        "--bind-address=127.0.0.1",
        "--secure-port=" + freePort(),
        "--leader-elect=false",
        // Each controller acts as its own service account, so the RBAC bootstrap roles are exercised.
        "--use-service-account-credentials=true",
        "--service-account-private-key-file=" + serviceAccountPrivateKey,
        "--root-ca-file=" + certificateAuthority,
        "--controllers=*",
        "--cert-dir=" + Files.createDirectories(workDirectory.resolve("controller-manager-certs"))));
    controllerManagerCommand.addAll(flags.controllerManager());
    processes.launch("kube-controller-manager", controllerManagerCommand);
    // The service-account controller creating "default" shows the controllers run and can write.
    try (KubernetesClient client = adminClient()) {
      processes.awaitUp("kube-controller-manager",
          () -> client.serviceAccounts().inNamespace("default").withName("default").get() != null);
    }
    if (withNode) {
      Path schedulerKubeconfig = kubeconfigs.get(SCHEDULER_USER);
      int schedulerPort = freePort();
      processes.launch("kube-scheduler", List.of(binaries.kubeScheduler().toString(),
          "--kubeconfig=" + schedulerKubeconfig,
          "--bind-address=127.0.0.1",
          "--secure-port=" + schedulerPort,
          "--leader-elect=false"));
      processes.awaitUp("kube-scheduler", () -> LoopbackHealth.ok("https://127.0.0.1:" + schedulerPort + "/healthz"));
      node = new LocalNode(nodeLayout, binaries, nodeTools, processes, nodeHost);
      try (KubernetesClient client = adminClient()) {
        node.start(kubeconfigs.get(KUBELET_USER), kubeconfigs.get(KUBE_PROXY_USER), kubeletClient.ca(), client);
      }
    }
    LOG.info("Control plane ready at {}; kubeconfig {}", serverUrl, adminKubeconfig);
  }

  /** The API server's audit log (node mode): one JSON event per line for each write of a WorkerHealth. */
  public Path auditLog() {
    return workDirectory.resolve("audit.log");
  }

  private void recordProcess(Process process) {
    if (nodeHost != null) {
      nodeHost.recordProcess(process);
    }
  }

  private static boolean httpOk(String url, Path certificateAuthority, String token) {
    try {
      HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2));
      if (certificateAuthority != null) {
        builder.sslContext(TrustedCertificates.sslContextTrusting(certificateAuthority));
      }
      HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5));
      if (token != null) {
        request.header("Authorization", "Bearer " + token);
      }
      return builder.build().send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static KeyPair rsaKeyPair() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
      generator.initialize(2048);
      return generator.generateKeyPair();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("RSA is always available in the JDK", e);
    }
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }

  private static String randomToken() {
    byte[] bytes = new byte[24];
    new SecureRandom().nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }

  private static Path write(Path path, String content) throws IOException {
    return Files.writeString(path, content, StandardCharsets.UTF_8);
  }

  /**
   * Stops the components and removes the etcd data; logs stay. With a node: the controllers first (so nothing
   * replaces the pods), then the pods and the node ({@link LocalNode#stop}), then the API server and etcd, and last
   * the node's host changes are undone.
   */
  @Override
  public void close() {
    stopAll();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException alreadyShuttingDown) {
      // The hook is running or ran; nothing to remove.
    }
    deleteRecursively(workDirectory.resolve("etcd-data"));
  }

  private synchronized void stopAll() {
    try {
      if (node != null) {
        processes.stop("kube-controller-manager");
        processes.stop("kube-scheduler");
        try (KubernetesClient client = adminClient()) {
          node.stop(client);
        } catch (RuntimeException e) {
          LOG.warn("stopping the node: {}", e.toString());
        }
        node = null;
      }
      processes.stopAll();
    } finally {
      if (nodeHost != null) {
        nodeHost.close();
        nodeHost = null;
      }
    }
  }

  private static void deleteRecursively(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(path -> {
        try {
          Files.deleteIfExists(path);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException("Could not delete " + root, e);
    }
  }
}
