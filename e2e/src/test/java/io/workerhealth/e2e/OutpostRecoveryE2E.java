package io.workerhealth.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.workerhealth.api.v1alpha1.HealthPhase;
import io.workerhealth.api.v1alpha1.OutageRecovery;
import io.workerhealth.api.v1alpha1.RecoveryPhase;
import io.workerhealth.api.v1alpha1.RemediationAction;
import io.workerhealth.api.v1alpha1.RemediationOutcome;
import io.workerhealth.api.v1alpha1.RemediationRecord;
import io.workerhealth.api.v1alpha1.RemediationRule;
import io.workerhealth.api.v1alpha1.Verification;
import io.workerhealth.api.v1alpha1.VerificationResult;
import io.workerhealth.api.v1alpha1.WorkerHealth;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicy;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicySpec;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicyStatus;
import io.workerhealth.demo.controlplane.ControlPlaneBinaries;
import io.workerhealth.demo.controlplane.LocalControlPlane;
import io.workerhealth.operator.OperatorSettings;
import io.workerhealth.operator.WorkerHealthOperator;
import io.workerhealth.operator.reconcile.WorkerHealthPolicyReconciler;
import io.workerhealth.sidecar.SidecarRunner;
import io.workerhealth.sidecar.config.SidecarConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Recovery after a shared outage, proven on the real app: hookdeck/outpost v1.1.0 (built from its Go module by
 * scripts/outpost.sh, with Debian's Redis, PostgreSQL and RabbitMQ on loopback) runs as the pods of a Deployment on a
 * real control plane. This test plays the kubelet: one Outpost process and one sidecar per pod, an Outpost that exits
 * started again after kubelet's CrashLoopBackOff delays (10 s, doubling, up to 5 min). RabbitMQ is stopped until
 * Outpost's consumers die (they do after about 10 broker errors, and never come back by themselves), then started
 * again. The policy must hold, restart one canary (whose replacement cannot start while RabbitMQ is down, so it
 * backs off and only the canary pays), and once RabbitMQ is back recover the fleet: a canary, then a rolling restart,
 * all Healthy, with no crash loop of the fleet. The time from RabbitMQ back to all Healthy is printed.
 */
class OutpostRecoveryE2E {

  static final Duration TIMEOUT = Duration.ofMinutes(4);
  static final String NS = "outpost";
  static final String RELEASE = "who";
  static final String OPERATOR_NS = "worker-health";
  static final int PODS = 3;
  static final Duration KUBELET_FIRST_BACKOFF = Duration.ofSeconds(10);
  static final Duration KUBELET_MAX_BACKOFF = Duration.ofMinutes(5);

  static LocalControlPlane controlPlane;
  static KubernetesClient admin;
  static KubernetesClient operatorClient;
  static WorkerHealthOperator operator;
  static Path state;
  static Path outpostBinary;
  static Map<String, String> outpostEnv;
  static final Map<String, PodProcesses> running = new ConcurrentHashMap<>();
  static ScheduledExecutorService kubelet;
  /** The most pods whose Outpost had exited at once, and how many times an Outpost exited. */
  static final AtomicInteger mostCrashedAtOnce = new AtomicInteger();
  static final AtomicInteger exits = new AtomicInteger();
  static final Set<String> everRan = ConcurrentHashMap.newKeySet();

  /** One pod as a kubelet runs it: Outpost (restarted with a growing delay when it exits) and the sidecar. */
  static final class PodProcesses {
    final String name;
    final int port;
    final SidecarRunner sidecar;
    final KubernetesClient client;
    Process outpost;
    boolean exitNoted;
    Instant nextStart = Instant.EPOCH;
    Duration backoff = KUBELET_FIRST_BACKOFF;

    PodProcesses(String name, int port, SidecarRunner sidecar, KubernetesClient client) {
      this.name = name;
      this.port = port;
      this.sidecar = sidecar;
      this.client = client;
    }

    boolean crashed() {
      return outpost == null || !outpost.isAlive();
    }

    void stop() {
      sidecar.close();
      if (outpost != null) {
        outpost.destroy();
        try {
          outpost.waitFor(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        outpost.destroyForcibly();
      }
      client.close();
    }
  }

  @BeforeAll
  static void start() throws Exception {
    state = Path.of("target", "outpost-e2e").toAbsolutePath();
    // a fresh state directory each run (PostgreSQL's initdb wants an empty one); a run that died is stopped first
    if (Files.exists(state.resolve("ports.env"))) {
      script("stop");
    }
    if (Files.exists(state)) {
      try (var paths = Files.walk(state)) {
        for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
    Files.createDirectories(state);
    // Redis, PostgreSQL, RabbitMQ (and one Outpost, which this test does not need: stopped) on loopback
    outpostBinary = Path.of(script("build").strip().lines().reduce((a, b) -> b).orElseThrow());
    script("start");
    ProcessHandle.of(Long.parseLong(Files.readString(state.resolve("outpost.pid")).strip()))
        .ifPresent(ProcessHandle::destroy);
    Map<String, String> ports = new HashMap<>();
    Files.readAllLines(state.resolve("ports.env")).forEach(l -> ports.put(l.split("=")[0], l.split("=")[1]));
    outpostEnv = Map.ofEntries(Map.entry("API_KEY", "apikey"), Map.entry("API_JWT_SECRET", "jwtsecret"),
        Map.entry("AES_ENCRYPTION_SECRET", "0123456789abcdef0123456789abcdef"),
        Map.entry("REDIS_HOST", "127.0.0.1"), Map.entry("REDIS_PORT", ports.get("REDIS_PORT")),
        Map.entry("REDIS_PASSWORD", "outpost"), Map.entry("REDIS_DATABASE", "0"),
        Map.entry("POSTGRES_URL", "postgres://outpost:outpost@127.0.0.1:" + ports.get("PG_PORT")
            + "/outpost?sslmode=disable"),
        Map.entry("RABBITMQ_SERVER_URL", "amqp://guest:guest@127.0.0.1:" + ports.get("RABBIT_PORT")),
        Map.entry("DISABLE_TELEMETRY", "true"), Map.entry("GIN_MODE", "release"), Map.entry("LOG_LEVEL", "info"));

    controlPlane = LocalControlPlane.start(ControlPlaneBinaries.locate(), Path.of("target", "control-plane-outpost"));
    admin = controlPlane.adminClient();
    admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build()).create();
    await().atMost(TIMEOUT).until(() -> admin.serviceAccounts().inNamespace(NS).withName("default").get() != null);
    admin.serviceAccounts().inNamespace(NS).resource(new ServiceAccountBuilder().withNewMetadata()
        .withName("outpost-app").endMetadata().build()).create();
    ChartInstall.helm(controlPlane, "install", RELEASE, ChartInstall.chartDir().toString(), "--namespace", OPERATOR_NS,
        "--create-namespace", "--set", "sidecar.bindings[0].namespace=" + NS,
        "--set", "sidecar.bindings[0].serviceAccount=outpost-app");
    await().atMost(TIMEOUT).until(() -> established("workerhealths.workerhealth.io")
        && established("workerhealthpolicies.workerhealth.io"));
    admin.apps().deployments().inNamespace(NS).resource(new DeploymentBuilder()
        .withNewMetadata().withName("outpost").endMetadata()
        .withNewSpec().withReplicas(PODS)
        .withNewSelector().addToMatchLabels("app", "outpost").endSelector()
        .withNewTemplate().withNewMetadata().addToLabels("app", "outpost").endMetadata()
        .withNewSpec().withServiceAccountName("outpost-app")
        .addNewContainer().withName("outpost").withImage("hookdeck/outpost:v1.1.0").endContainer()
        .endSpec().endTemplate().endSpec().build()).create();

    // the operator, as the chart's ServiceAccount
    operatorClient = clientWithToken(token(OPERATOR_NS, RELEASE + "-worker-health-operator", null));
    operator = new WorkerHealthOperator(operatorClient, new OperatorSettings(0, List.of(), false,
        "worker-health-operator", OPERATOR_NS), Clock.systemUTC(),
        new WorkerHealthPolicyReconciler.Timings(Duration.ofSeconds(5), Duration.ofSeconds(2), Duration.ofSeconds(10)))
        .start();
    kubelet = Executors.newSingleThreadScheduledExecutor();
    kubelet.scheduleWithFixedDelay(() -> {
      try {
        syncPods();
      } catch (Exception e) {
        System.out.println("kubelet: " + e);
      }
    }, 0, 500, TimeUnit.MILLISECONDS);
  }

  @AfterAll
  static void stop() throws Exception {
    if (kubelet != null) {
      kubelet.shutdownNow();
      kubelet.awaitTermination(10, TimeUnit.SECONDS);
    }
    running.values().forEach(PodProcesses::stop);
    if (operator != null) {
      operator.close();
    }
    if (operatorClient != null) {
      operatorClient.close();
    }
    if (admin != null) {
      admin.close();
    }
    if (controlPlane != null) {
      controlPlane.close();
    }
    if (state != null && Files.exists(state.resolve("ports.env"))) {
      script("stop");
    }
  }

  @Test
  void theFleetRecoversFromARabbitMqOutageWithACanaryThenARollingRestartAndOnlyTheCanaryPays() throws Exception {
    await().atMost(TIMEOUT).until(() -> healths().size() == PODS && healths().stream()
        .allMatch(w -> w.getStatus() != null && w.getStatus().getPhase() == HealthPhase.Healthy));
    policy();
    await().atMost(TIMEOUT).until(() -> status() != null && Integer.valueOf(PODS).equals(status().getHealthyPods()));
    Set<String> originals = new LinkedHashSet<>(podNames());

    // the outage: Outpost's consumers die after about 10 broker errors and never recover by themselves
    Instant down = Instant.now();
    script("stop-rabbitmq");
    awaitOrDescribe(Duration.ofMinutes(3), () -> healths().size() == PODS && healths().stream()
        .allMatch(w -> w.getStatus() != null && w.getStatus().getPhase() == HealthPhase.Failed));
    System.out.printf("E2E outpost: consumers failed on every pod %d s after RabbitMQ stopped%n",
        Duration.between(down, Instant.now()).toSeconds());
    awaitOrDescribe(TIMEOUT, () -> status().getRecovery() != null);
    assertThat(events("OutageHeld")).isNotEmpty();

    // one canary; its replacement cannot start while RabbitMQ is down: the canary does not recover, backing off
    awaitOrDescribe(TIMEOUT, () -> !events("RecoveryCanary").isEmpty());
    awaitOrDescribe(TIMEOUT, () -> !events("RecoveryBackingOff").isEmpty());
    assertThat(originals.stream().filter(p -> !podNames().contains(p)).count())
        .as("only the canary pays: one pod of the fleet restarted while RabbitMQ is down").isEqualTo(1);
    assertThat(exits.get()).as("the canary's replacement could not start").isPositive();
    System.out.println("E2E outpost: " + status().getRecovery());

    // RabbitMQ is back: the next canary recovers, then the others are restarted one at a time
    script("start-rabbitmq");
    Instant back = Instant.now();
    awaitOrDescribe(Duration.ofMinutes(6), () -> healths().size() == PODS && healths().stream()
        .allMatch(w -> w.getStatus() != null && w.getStatus().getPhase() == HealthPhase.Healthy)
        && status().getRecovery() == null);
    Duration recovered = Duration.between(back, Instant.now());
    System.out.printf("E2E outpost: RabbitMQ back -> all %d pods Healthy in %d s (policy: recovery.after 20s, "
        + "backoff 20s, maxBackoff 40s, verification window 45s; kubelet backoff from 10s)%n", PODS,
        recovered.toSeconds());
    assertThat(events("RollingRecovery")).isNotEmpty();
    assertThat(events("RecoveryComplete")).isNotEmpty();
    assertThat(podNames()).as("every pod whose consumers had died was replaced").doesNotContainAnyElementsOf(originals);
    List<RemediationRecord> rolling = status().getHistory().stream()
        .filter(r -> r.getRecovery() == RecoveryPhase.Rolling && r.getOutcome() == RemediationOutcome.Succeeded)
        .toList();
    assertThat(rolling).isNotEmpty().allSatisfy(r -> assertThat(r.getVerification())
        .isEqualTo(VerificationResult.Recovered));
    assertThat(mostCrashedAtOnce.get()).as("no crash loop of the fleet: at most one pod could not start at a time")
        .isLessThanOrEqualTo(1);
    assertThat(status().getHistory()).filteredOn(r -> r.getRecovery() == null).as("no other restart").isEmpty();
  }

  static void policy() {
    RemediationRule rule = new RemediationRule();
    rule.setName("restart-dead-consumers");
    rule.setWorkers(new ArrayList<>(List.of("*-consumer")));
    rule.setFor("10s");
    rule.setAction(RemediationAction.RestartPod);
    rule.setVerification(new Verification("45s", 3));
    OutageRecovery recovery = new OutageRecovery();
    recovery.setAfter("20s");
    recovery.setBackoff("20s");
    recovery.setMaxBackoff("40s");
    WorkerHealthPolicySpec spec = new WorkerHealthPolicySpec();
    spec.setSelector(new LabelSelector(null, Map.of("app", "outpost")));
    spec.setRules(new ArrayList<>(List.of(rule)));
    spec.setMaxUnhealthy(new IntOrString("50%"));
    spec.setRecovery(recovery);
    WorkerHealthPolicy p = new WorkerHealthPolicy();
    p.getMetadata().setName("outpost");
    p.getMetadata().setNamespace(NS);
    p.setSpec(spec);
    admin.resource(p).create();
  }

  // --- the kubelet

  static synchronized void syncPods() throws Exception {
    List<Pod> pods = admin.pods().inNamespace(NS).withLabel("app", "outpost").list().getItems().stream()
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null).toList();
    List<String> names = pods.stream().map(p -> p.getMetadata().getName()).toList();
    for (String gone : new ArrayList<>(running.keySet())) {
      if (!names.contains(gone)) {
        running.remove(gone).stop();
      }
    }
    for (Pod pod : pods) {
      String name = pod.getMetadata().getName();
      if (!running.containsKey(name)) {
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
          port = free.getLocalPort();
        }
        Path labels = Files.createTempFile("labels", "");
        StringBuilder text = new StringBuilder();
        pod.getMetadata().getLabels().forEach((k, v) -> text.append(k).append("=\"").append(v).append("\"\n"));
        Files.writeString(labels, text);
        KubernetesClient client = clientWithToken(token(NS, "outpost-app", pod));
        SidecarConfig config = SidecarConfig.fromEnv(Map.of("WH_TARGET_URL", "http://127.0.0.1:" + port + "/healthz",
            "WH_FORMAT", "outpost", "WH_INTERVAL", "1s", "WH_TIMEOUT", "800ms", "WH_HEARTBEAT", "20s",
            "WH_METRICS_PORT", "0", "POD_NAME", name, "POD_NAMESPACE", NS, "POD_UID", pod.getMetadata().getUid(),
            "WH_LABELS_FILE", labels.toString()));
        running.put(name, new PodProcesses(name, port, new SidecarRunner(config, client, Clock.systemUTC()).start(),
            client));
      }
    }
    Instant now = Instant.now();
    int crashed = 0;
    for (PodProcesses p : running.values()) {
      if (p.outpost != null && !p.outpost.isAlive() && !p.exitNoted) {
        // it exited since it was started: CrashLoopBackOff
        p.exitNoted = true;
        exits.incrementAndGet();
        p.nextStart = now.plus(p.backoff);
        System.out.printf("kubelet: pod %s: outpost exited (%d); starting it again in %d s%n", p.name,
            p.outpost.exitValue(), p.backoff.toSeconds());
        Duration doubled = p.backoff.multipliedBy(2);
        p.backoff = doubled.compareTo(KUBELET_MAX_BACKOFF) > 0 ? KUBELET_MAX_BACKOFF : doubled;
      }
      if (p.crashed() && !now.isBefore(p.nextStart)) {
        ProcessBuilder b = new ProcessBuilder(outpostBinary.toString()).redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(state.resolve("pod-" + p.name + ".log").toFile()));
        b.environment().putAll(outpostEnv);
        b.environment().put("API_PORT", String.valueOf(p.port));
        p.outpost = b.start();
        p.exitNoted = false;
        everRan.add(p.name);
      }
      if (p.crashed() && everRan.contains(p.name)) {
        crashed++;
      }
    }
    mostCrashedAtOnce.accumulateAndGet(crashed, Math::max);
  }

  // --- helpers

  static String script(String command) throws IOException, InterruptedException {
    Path script = Path.of(System.getProperty("wh.e2e.outpostScript", "../scripts/outpost.sh"));
    Path log = state.resolve("script-" + command + ".log");
    ProcessBuilder b = new ProcessBuilder("bash", script.toString(), command).redirectError(log.toFile());
    b.environment().put("WH_OUTPOST_DIR", state.toString());
    Process p = b.start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(15, TimeUnit.MINUTES)).as("scripts/outpost.sh %s", command).isTrue();
    assertThat(p.exitValue()).as("scripts/outpost.sh %s: %s", command, Files.readString(log)).isZero();
    return out;
  }

  static WorkerHealthPolicyStatus status() {
    WorkerHealthPolicy p = admin.resources(WorkerHealthPolicy.class).inNamespace(NS).withName("outpost").get();
    return p == null ? null : p.getStatus();
  }

  static List<WorkerHealth> healths() {
    return admin.resources(WorkerHealth.class).inNamespace(NS).list().getItems();
  }

  static List<String> podNames() {
    return admin.pods().inNamespace(NS).withLabel("app", "outpost").list().getItems().stream()
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null).map(p -> p.getMetadata().getName()).toList();
  }

  static List<Event> events(String reason) {
    return admin.v1().events().inNamespace(NS).list().getItems().stream()
        .filter(e -> reason.equals(e.getReason())).toList();
  }

  static void awaitOrDescribe(Duration within, java.util.concurrent.Callable<Boolean> condition) {
    try {
      await().atMost(within).pollInterval(Duration.ofSeconds(1)).until(condition);
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      StringBuilder seen = new StringBuilder("timed out; policy status:\n")
          .append(io.fabric8.kubernetes.client.utils.Serialization.asYaml(status()));
      healths().forEach(w -> seen.append(w.getMetadata().getName()).append(": ")
          .append(w.getStatus() == null ? null : w.getStatus().getPhase() + " " + w.getStatus().getFailing())
          .append('\n'));
      admin.v1().events().inNamespace(NS).list().getItems().forEach(ev -> seen.append("event: ")
          .append(ev.getReason()).append(' ').append(ev.getMessage()).append('\n'));
      throw new AssertionError(seen.toString(), e);
    }
  }

  static boolean established(String crd) {
    return ControlPlaneClients.established(admin, crd);
  }

  static String token(String namespace, String serviceAccount, Pod boundTo) {
    return ControlPlaneClients.token(admin, namespace, serviceAccount, boundTo);
  }

  static KubernetesClient clientWithToken(String token) {
    return ControlPlaneClients.clientWithToken(controlPlane, token);
  }
}
