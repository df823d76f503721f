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
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real control plane on loopback: etcd, kube-apiserver (token auth, Node+RBAC authorization, service-account
 * tokens signed with a key generated per run) and kube-controller-manager (so Deployments get ReplicaSets and pods,
 * and owned objects are garbage-collected). No kubelet: pods stay Pending.
 *
 * <p>Everything lives in one work directory; each component's output goes to {@code <name>.log} there and is kept
 * after {@link #close()} for reading failures.
 */
public final class LocalControlPlane implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(LocalControlPlane.class);
  private static final Duration STARTUP_TIMEOUT = Duration.ofMinutes(3);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(15);
  private static final String ADMIN_USER = "e2e-admin";
  private static final String CONTROLLER_MANAGER_USER = "system:kube-controller-manager";

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
  private final List<Process> processes = Collections.synchronizedList(new ArrayList<>());
  private final Map<String, Process> byName = new ConcurrentHashMap<>();
  private final Thread shutdownHook = new Thread(this::stopProcesses, "control-plane-shutdown");
  private String serverUrl;
  private Path adminKubeconfig;
  private Path certificateAuthority;
  private String adminToken;

  private LocalControlPlane(Path workDirectory, Flags flags) {
    // Absolute, since each component runs with the work directory as its own current directory.
    this.workDirectory = workDirectory.toAbsolutePath();
    this.flags = flags;
  }

  /** Starts all components and returns once the API server is ready and the controllers act. */
  public static LocalControlPlane start(ControlPlaneBinaries binaries, Path workDirectory) {
    return start(binaries, workDirectory, Flags.NONE);
  }

  /** {@link #start(ControlPlaneBinaries, Path)} with extra flags for the components. */
  public static LocalControlPlane start(ControlPlaneBinaries binaries, Path workDirectory, Flags flags) {
    LocalControlPlane controlPlane = new LocalControlPlane(workDirectory, flags);
    Runtime.getRuntime().addShutdownHook(controlPlane.shutdownHook);
    try {
      controlPlane.startAll(binaries);
      return controlPlane;
    } catch (RuntimeException | IOException e) {
      controlPlane.close();
      if (e instanceof IOException io) {
        throw new UncheckedIOException("Could not start the control plane in " + workDirectory, io);
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
    return Optional.ofNullable(byName.get(component)).filter(Process::isAlive).map(Process::toHandle);
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

  private void startAll(ControlPlaneBinaries binaries) throws IOException {
    Files.createDirectories(workDirectory);
    Path pki = Files.createDirectories(workDirectory.resolve("pki"));
    Path etcdData = workDirectory.resolve("etcd-data");
    deleteRecursively(etcdData);

    int etcdClientPort = freePort();
    int etcdPeerPort = freePort();
    String etcdUrl = "http://127.0.0.1:" + etcdClientPort;
    String etcdPeerUrl = "http://127.0.0.1:" + etcdPeerPort;
    Process etcd = launch("etcd", List.of(binaries.etcd().toString(),
        "--name=e2e",
        "--data-dir=" + etcdData,
        "--listen-client-urls=" + etcdUrl,
        "--advertise-client-urls=" + etcdUrl,
        "--listen-peer-urls=" + etcdPeerUrl,
        "--initial-advertise-peer-urls=" + etcdPeerUrl,
        "--initial-cluster=e2e=" + etcdPeerUrl,
        "--listen-metrics-urls=http://127.0.0.1:" + freePort()));
    awaitUp("etcd", etcd, () -> httpOk(etcdUrl + "/health", null, null));

    KeyPair serviceAccountKeys = rsaKeyPair();
    Path serviceAccountPublicKey = write(pki.resolve("service-account.pub"),
        pem("PUBLIC KEY", serviceAccountKeys.getPublic().getEncoded()));
    Path serviceAccountPrivateKey = write(pki.resolve("service-account.key"),
        pem("PRIVATE KEY", serviceAccountKeys.getPrivate().getEncoded()));
    adminToken = randomToken();
    String controllerManagerToken = randomToken();
    Path tokens = write(pki.resolve("tokens.csv"),
        adminToken + "," + ADMIN_USER + "," + ADMIN_USER + ",\"system:masters\"\n"
            + controllerManagerToken + "," + CONTROLLER_MANAGER_USER + "," + CONTROLLER_MANAGER_USER + "\n");

    int apiserverPort = freePort();
    serverUrl = "https://127.0.0.1:" + apiserverPort;
    // Without --tls-cert-file the API server writes a self-signed chain for 127.0.0.1 into --cert-dir.
    certificateAuthority = pki.resolve("apiserver.crt");
    Files.deleteIfExists(certificateAuthority);
    Files.deleteIfExists(pki.resolve("apiserver.key"));
    List<String> apiserverCommand = new ArrayList<>(List.of(binaries.kubeApiserver().toString(),
        "--etcd-servers=" + etcdUrl,
        "--bind-address=127.0.0.1",
        "--advertise-address=127.0.0.1",
        "--secure-port=" + apiserverPort,
        "--cert-dir=" + pki,
        "--token-auth-file=" + tokens,
        "--authorization-mode=Node,RBAC",
        "--anonymous-auth=false",
        "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
        "--service-account-key-file=" + serviceAccountPublicKey,
        "--service-account-signing-key-file=" + serviceAccountPrivateKey,
        "--service-cluster-ip-range=10.96.0.0/16",
        "--allow-privileged=true"));
    apiserverCommand.addAll(flags.apiserver());
    Process apiserver = launch("kube-apiserver", apiserverCommand);
    awaitUp("kube-apiserver", apiserver,
        () -> Files.exists(certificateAuthority) && httpOk(serverUrl + "/readyz", certificateAuthority, adminToken));

    adminKubeconfig = write(workDirectory.resolve("admin.kubeconfig"),
        AdminKubeconfig.render(serverUrl, certificateAuthority, ADMIN_USER, adminToken));
    Path controllerManagerKubeconfig = write(pki.resolve("controller-manager.kubeconfig"),
        AdminKubeconfig.render(serverUrl, certificateAuthority, CONTROLLER_MANAGER_USER, controllerManagerToken));

    List<String> controllerManagerCommand = new ArrayList<>(List.of(
        binaries.kubeControllerManager().toString(),
        "--kubeconfig=" + controllerManagerKubeconfig,
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
    Process controllerManager = launch("kube-controller-manager", controllerManagerCommand);
    // The service-account controller creating "default" shows the controllers run and can write.
    try (KubernetesClient client = adminClient()) {
      awaitUp("kube-controller-manager", controllerManager,
          () -> client.serviceAccounts().inNamespace("default").withName("default").get() != null);
    }
    LOG.info("Control plane ready at {}; kubeconfig {}", serverUrl, adminKubeconfig);
  }

  private Process launch(String name, List<String> command) throws IOException {
    Path log = workDirectory.resolve(name + ".log");
    Process process = new ProcessBuilder(command)
        .directory(workDirectory.toFile())
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
    processes.add(process);
    byName.put(name, process);
    LOG.info("Started {} (pid {}), log {}", name, process.pid(), log);
    return process;
  }

  private void awaitUp(String name, Process process, BooleanSupplier ready) {
    Instant deadline = Instant.now().plus(STARTUP_TIMEOUT);
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        throw new IllegalStateException(name + " exited with code " + process.exitValue() + " during startup:\n"
            + logTail(name));
      }
      try {
        if (ready.getAsBoolean()) {
          return;
        }
      } catch (RuntimeException notYet) {
        LOG.debug("{} not ready yet: {}", name, notYet.toString());
      }
      try {
        // Polling a child process; no clock to inject here.
        process.waitFor(200, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("Interrupted while waiting for " + name, e);
      }
    }
    throw new IllegalStateException(name + " not ready after " + STARTUP_TIMEOUT + ":\n" + logTail(name));
  }

  private String logTail(String name) {
    Path log = workDirectory.resolve(name + ".log");
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(no log at " + log + ": " + e + ")";
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

  private static int freePort() throws IOException {
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

  /** Stops the components, newest first, and removes the etcd data; logs stay. */
  @Override
  public void close() {
    stopProcesses();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException alreadyShuttingDown) {
      // The hook is running or ran; nothing to remove.
    }
    deleteRecursively(workDirectory.resolve("etcd-data"));
  }

  private void stopProcesses() {
    List<Process> running;
    synchronized (processes) {
      running = new ArrayList<>(processes);
      processes.clear();
    }
    Collections.reverse(running);
    for (Process process : running) {
      process.destroy();
      try {
        if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
          process.destroyForcibly().waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
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
