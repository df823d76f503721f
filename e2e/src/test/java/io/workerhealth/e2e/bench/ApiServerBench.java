package io.workerhealth.e2e.bench;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.workerhealth.api.v1alpha1.RateLimit;
import io.workerhealth.api.v1alpha1.RemediationAction;
import io.workerhealth.api.v1alpha1.RemediationRule;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicy;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicySpec;
import io.workerhealth.demo.controlplane.AdminKubeconfig;
import io.workerhealth.demo.controlplane.ControlPlaneBinaries;
import io.workerhealth.demo.controlplane.LocalControlPlane;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The operator at scale against a real kube-apiserver (the local control plane: etcd, kube-apiserver,
 * kube-controller-manager), run as it runs in a cluster: its jar in a JVM of its own, so that its CPU and memory are
 * measured apart from this load generator.
 *
 * <p>N pods in P ReplicaSets (the controller manager creates them), one WorkerHealthPolicy per ReplicaSet, at most 50
 * per namespace; one simulated sidecar per pod ({@link SidecarFleet}) creates the pod's WorkerHealth and heartbeats
 * it. The operator authenticates as its own ServiceAccount and the API server audits that user's requests only, so
 * every figure about its requests is the API server's count. Phases: steady state (heartbeats only); brief failures
 * (a worker fails and recovers before the rule's 'for': two transitions each); restarts (a worker fails past 'for':
 * the time from that status write to the eviction request reaching the API server).
 *
 * <p>Usage: ApiServerBench --healths 5000 --policies 50 [--heartbeat 60] [--steady 120] [--brief 50] [--trials 100]
 * [--operator-jar operator/target/worker-health-operator.jar] [--operator-heap 512m] [--crds crds/generated]
 * [--work target/apiserver-bench]
 */
public final class ApiServerBench {

  static final String OPERATOR_NS = "worker-health";
  static final String OPERATOR_SA = "worker-health-operator";
  static final String OPERATOR_USER = "system:serviceaccount:" + OPERATOR_NS + ":" + OPERATOR_SA;
  static final String POLICY_LABEL = "bench.workerhealth.io/policy";
  static final int POLICIES_PER_NAMESPACE = 50;

  private final Map<String, String> options;
  private final int healths;
  private final int policies;
  private final int perPolicy;
  private final Duration heartbeat;
  private final Path work;
  private final Map<String, Object> report = new LinkedHashMap<>();

  private ApiServerBench(Map<String, String> options) {
    this.options = options;
    this.healths = Integer.parseInt(options.getOrDefault("healths", "5000"));
    this.policies = Integer.parseInt(options.getOrDefault("policies", "50"));
    this.perPolicy = healths / policies;
    this.heartbeat = Duration.ofSeconds(Long.parseLong(options.getOrDefault("heartbeat", "60")));
    this.work = Path.of(options.getOrDefault("work", "target/apiserver-bench")).toAbsolutePath();
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> options = new HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      if (!args[i].startsWith("--")) {
        throw new IllegalArgumentException("expected --option value, got " + args[i]);
      }
      options.put(args[i].substring(2), args[i + 1]);
    }
    new ApiServerBench(options).run();
    System.exit(0);
  }

  private void say(String format, Object... args) {
    System.out.printf("[%s] %s%n", Instant.now().toString().substring(11, 19), String.format(format, args));
  }

  private void run() throws Exception {
    Files.createDirectories(work);
    Path auditPolicy = Files.writeString(work.resolve("audit-policy.yaml"), AuditLog.policy(OPERATOR_USER));
    Path auditFile = work.resolve("audit.log");
    Files.deleteIfExists(auditFile);
    say("%d WorkerHealths in %d policies (%d each), heartbeat %ds; load average %s", healths, policies, perPolicy,
        heartbeat.toSeconds(), ProcessStats.loadAverage());
    LocalControlPlane.Flags flags = new LocalControlPlane.Flags(
        List.of("--audit-policy-file=" + auditPolicy, "--audit-log-path=" + auditFile, "--audit-log-maxsize=0"),
        // the ReplicaSet controller creates the pods: let it write faster than its default 20/s
        List.of("--kube-api-qps=400", "--kube-api-burst=800", "--concurrent-replicaset-syncs=10"));
    try (LocalControlPlane cp = LocalControlPlane.start(ControlPlaneBinaries.locate(), work.resolve("control-plane"),
        flags); KubernetesClient admin = new KubernetesClientBuilder().withConfig(new ConfigBuilder(cp.adminConfig())
        // a busy API server answers lists of thousands late: wait for it rather than fail the run
        .withRequestTimeout(120_000).build()).build()) {
      long apiserverPid = cp.process("kube-apiserver").orElseThrow().pid();
      long etcdPid = cp.process("etcd").orElseThrow().pid();
      installCrds(admin);
      Path kubeconfig = operatorIdentity(admin, cp);
      List<String> namespaces = namespaces(admin);

      AuditLog audit = new AuditLog(auditFile);
      try (SidecarFleet fleet = new SidecarFleet(admin, heartbeat, POLICY_LABEL)) {
        fleet.followPods(POLICY_LABEL);
        Instant t0 = Instant.now();
        replicaSets(admin, namespaces);
        awaitUntil("every pod reports", Duration.ofMinutes(30), () -> fleet.reported() >= healths,
            () -> fleet.reported() + " of " + healths);
        say("%d pods and WorkerHealths in %ds", healths, Duration.between(t0, Instant.now()).toSeconds());
        fleet.startHeartbeats();
        createPolicies(admin, namespaces);
        // the controller manager catches up with the new objects (garbage collector graph, ReplicaSet status) first
        say("letting the control plane calm down for 60s; load average %s", ProcessStats.loadAverage());
        TimeUnit.SECONDS.sleep(60);

        OperatorProcess operator = OperatorProcess.start(Path.of(options.getOrDefault("operator-jar",
            "operator/target/worker-health-operator.jar")), options.getOrDefault("operator-heap", "512m"), kubeconfig,
            OPERATOR_NS, work.resolve("operator.log"));
        try {
          Instant started = Instant.now();
          awaitUntil("every policy reports its pods", Duration.ofMinutes(Long.parseLong(
              options.getOrDefault("settle-minutes", "20"))), () -> settled(admin),
              () -> unsettled(admin));
          say("operator settled in %ds", Duration.between(started, Instant.now()).toSeconds());
          report.put("operator settle s", Duration.between(started, Instant.now()).toSeconds());
          // the operator's JIT compilation and first full collections are over before anything is measured
          Duration warmUp = Duration.ofSeconds(Long.parseLong(options.getOrDefault("warm-up", "60")));
          say("warming up for %ds", warmUp.toSeconds());
          TimeUnit.MILLISECONDS.sleep(warmUp.toMillis());

          steady(fleet, audit, operator, apiserverPid, etcdPid);
          brief(fleet, audit, operator);
          restarts(fleet, audit, operator, admin, apiserverPid);
          memory(operator);
        } finally {
          operator.close();
        }
        report.put("load generator write failures", fleet.failures());
      }
    }
    print();
  }

  // --- set-up ---

  private void installCrds(KubernetesClient admin) throws IOException {
    Path dir = Path.of(options.getOrDefault("crds", "crds/generated"));
    try (var files = Files.list(dir)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".yml")).toList()) {
        try (var in = Files.newInputStream(f)) {
          CustomResourceDefinition crd = admin.getKubernetesSerialization().unmarshal(in,
              CustomResourceDefinition.class);
          admin.apiextensions().v1().customResourceDefinitions().resource(crd).create();
        }
      }
    }
    awaitUntil("the CRDs are established", Duration.ofMinutes(2), () -> admin.apiextensions().v1()
        .customResourceDefinitions().list().getItems().stream().filter(c -> c.getSpec().getGroup()
            .equals("workerhealth.io")).allMatch(c -> c.getStatus() != null && c.getStatus().getConditions() != null
            && c.getStatus().getConditions().stream().anyMatch(x -> x.getType().equals("Established")
            && x.getStatus().equals("True"))), () -> "not yet");
  }

  /** The operator's own ServiceAccount (cluster-admin here: RBAC is proven elsewhere) and a kubeconfig for it. */
  private Path operatorIdentity(KubernetesClient admin, LocalControlPlane cp) throws IOException {
    admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(OPERATOR_NS).endMetadata().build())
        .create();
    admin.serviceAccounts().inNamespace(OPERATOR_NS).resource(new ServiceAccountBuilder().withNewMetadata()
        .withName(OPERATOR_SA).endMetadata().build()).create();
    admin.rbac().clusterRoleBindings().resource(new ClusterRoleBindingBuilder().withNewMetadata()
        .withName("bench-operator").endMetadata().withNewRoleRef().withApiGroup("rbac.authorization.k8s.io")
        .withKind("ClusterRole").withName("cluster-admin").endRoleRef().addNewSubject().withKind("ServiceAccount")
        .withName(OPERATOR_SA).withNamespace(OPERATOR_NS).endSubject().build()).create();
    String token = admin.serviceAccounts().inNamespace(OPERATOR_NS).withName(OPERATOR_SA)
        .tokenRequest(new TokenRequestBuilder().withNewSpec().withExpirationSeconds(24 * 3600L).endSpec().build())
        .getStatus().getToken();
    return Files.writeString(work.resolve("operator.kubeconfig"), AdminKubeconfig.render(cp.serverUrl(),
        cp.workDirectory().resolve("pki").resolve("apiserver.crt"), OPERATOR_SA, token));
  }

  private List<String> namespaces(KubernetesClient admin) {
    List<String> out = new ArrayList<>();
    int n = (policies + POLICIES_PER_NAMESPACE - 1) / POLICIES_PER_NAMESPACE;
    for (int i = 0; i < n; i++) {
      String ns = "shop-" + i;
      admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
          .create();
      out.add(ns);
    }
    awaitUntil("each namespace has its default ServiceAccount", Duration.ofMinutes(2), () -> out.stream()
        .allMatch(ns -> admin.serviceAccounts().inNamespace(ns).withName("default").get() != null), () -> "not yet");
    return out;
  }

  private static String policyName(int p) {
    return "app-" + p;
  }

  private String namespaceOf(List<String> namespaces, int p) {
    return namespaces.get(p / POLICIES_PER_NAMESPACE);
  }

  private void replicaSets(KubernetesClient admin, List<String> namespaces) {
    for (int p = 0; p < policies; p++) {
      Map<String, String> labels = Map.of("app", policyName(p), POLICY_LABEL, policyName(p), "tier", "workers");
      admin.apps().replicaSets().inNamespace(namespaceOf(namespaces, p)).resource(new ReplicaSetBuilder()
          .withNewMetadata().withName(policyName(p)).endMetadata()
          .withNewSpec().withReplicas(perPolicy).withNewSelector().addToMatchLabels("app", policyName(p)).endSelector()
          .withNewTemplate().withNewMetadata().addToLabels(labels).endMetadata()
          .withNewSpec().addNewContainer().withName("app").withImage("registry.invalid/shop:1").endContainer()
          .endSpec().endTemplate().endSpec().build()).create();
    }
  }

  private void createPolicies(KubernetesClient admin, List<String> namespaces) {
    for (int p = 0; p < policies; p++) {
      WorkerHealthPolicySpec spec = new WorkerHealthPolicySpec();
      spec.setSelector(new LabelSelector(null, Map.of("app", policyName(p))));
      RemediationRule rule = new RemediationRule();
      rule.setName("restart-consumer");
      rule.setWorkers(List.of("*-consumer"));
      rule.setFor("30s");
      rule.setAction(RemediationAction.RestartPod);
      spec.setRules(new ArrayList<>(List.of(rule)));
      spec.setCooldown("1s"); // restarts of one ReplicaSet follow each other in this benchmark
      // a report is stale after three missed heartbeats (the default 2m suits the default 60s heartbeat)
      spec.setStaleAfter(Math.max(120, 3 * heartbeat.toSeconds()) + "s");
      spec.setRateLimit(new RateLimit(1000, "1h"));
      spec.setMaxUnhealthy(new IntOrString("50%"));
      WorkerHealthPolicy policy = new WorkerHealthPolicy();
      policy.getMetadata().setName(policyName(p));
      policy.getMetadata().setNamespace(namespaceOf(namespaces, p));
      policy.setSpec(spec);
      admin.resource(policy).create();
    }
  }

  private boolean settled(KubernetesClient admin) {
    return unsettledPolicies(admin) == 0;
  }

  private long unsettledPolicies(KubernetesClient admin) {
    return admin.resources(WorkerHealthPolicy.class).inAnyNamespace().list().getItems().stream()
        .filter(p -> p.getStatus() == null || !Integer.valueOf(perPolicy).equals(p.getStatus().getSelectedPods())
            || !Integer.valueOf(perPolicy).equals(p.getStatus().getHealthyPods())).count();
  }

  private String unsettled(KubernetesClient admin) {
    return unsettledPolicies(admin) + " policies not reporting " + perPolicy + " healthy pods yet";
  }

  // --- phases ---

  /** Heartbeats only: what the operator asks of the API server, and what it and the API server cost. */
  private void steady(SidecarFleet fleet, AuditLog audit, OperatorProcess operator, long apiserverPid, long etcdPid)
      throws Exception {
    // first a quiet spell, heartbeats held back: the operator's own baseline, over a resync (45-60 s) so that it holds
    // the policies' periodic reconciles as the window with heartbeats does, but shorter than a heartbeat: a sidecar
    // whose beat is held back twice would go stale (a real change, reconciled and written)
    Duration idle = Duration.ofSeconds(Math.min(65, heartbeat.toSeconds() - 10));
    say("idle for %ds (no heartbeats); load average %s", idle.toSeconds(), ProcessStats.loadAverage());
    fleet.pause(true);
    double idleCpu = ProcessStats.cpuSeconds(operator.pid());
    Map<String, Double> idleMetrics = operator.metrics();
    long idleStart = System.nanoTime();
    TimeUnit.MILLISECONDS.sleep(idle.toMillis()); // a measurement window
    double idleSeconds = (System.nanoTime() - idleStart) / 1e9;
    double idleMs = 1000 * (ProcessStats.cpuSeconds(operator.pid()) - idleCpu) / idleSeconds;
    fleet.pause(false);
    report.put("operator CPU ms/s (idle: no heartbeats)", round(idleMs));
    report.put("reconciles/s (idle)", round(Double.parseDouble(delta(idleMetrics, operator.metrics(),
        "operator_sdk_reconciliations_started_total")) / idleSeconds));

    Duration window = Duration.ofSeconds(Long.parseLong(options.getOrDefault("steady", "120")));
    say("steady state for %ds (heartbeats only); load average %s", window.toSeconds(), ProcessStats.loadAverage());
    long mark = audit.mark();
    long beats = fleet.heartbeats();
    double operatorCpu = ProcessStats.cpuSeconds(operator.pid());
    double apiserverCpu = ProcessStats.cpuSeconds(apiserverPid);
    double etcdCpu = ProcessStats.cpuSeconds(etcdPid);
    Map<String, Double> metrics = operator.metrics();
    long start = System.nanoTime();
    TimeUnit.MILLISECONDS.sleep(window.toMillis()); // a measurement window, not a wait for a condition
    double seconds = (System.nanoTime() - start) / 1e9;
    List<AuditLog.Request> requests = audit.since(mark);
    Map<String, Double> after = operator.metrics();
    long beatsInWindow = fleet.heartbeats() - beats;
    report.put("load average (steady)", ProcessStats.loadAverage());
    report.put("heartbeats/s (steady)", round(beatsInWindow / seconds));
    report.put("operator requests (steady)", AuditLog.count(requests));
    report.put("operator requests/s (steady)", round(requests.size() / seconds));
    report.put("operator requests/s without its Lease (steady)", round(requests.stream()
        .filter(r -> !r.resource().contains("leases")).count() / seconds));
    report.put("operator requests/min, with / without its Lease (steady)", round(60 * requests.size() / seconds)
        + " / " + round(60 * requests.stream().filter(r -> !r.resource().contains("leases")).count() / seconds));
    report.put("operator requests per heartbeat", round(requests.stream()
        .filter(r -> !r.resource().contains("leases")).count() / (double) Math.max(1, beatsInWindow)));
    double steadyMs = 1000 * (ProcessStats.cpuSeconds(operator.pid()) - operatorCpu) / seconds;
    report.put("operator CPU ms/s (steady)", round(steadyMs));
    report.put("operator CPU ms per heartbeat (steady minus idle)", round((steadyMs - idleMs)
        / (beatsInWindow / seconds)));
    report.put("kube-apiserver CPU ms/s (steady)", round(1000 * (ProcessStats.cpuSeconds(apiserverPid)
        - apiserverCpu) / seconds));
    report.put("etcd CPU ms/s (steady)", round(1000 * (ProcessStats.cpuSeconds(etcdPid) - etcdCpu) / seconds));
    report.put("WorkerHealth updates ignored / reconciled (steady)",
        delta(metrics, after, "workerhealth_health_updates_total{result=\"ignored\"}") + " / "
            + delta(metrics, after, "workerhealth_health_updates_total{result=\"reconciled\"}"));
    report.put("reconciles (steady)", delta(metrics, after, "operator_sdk_reconciliations_started_total"));
    report.put("reconciles/s (steady)", round(Double.parseDouble(delta(metrics, after,
        "operator_sdk_reconciliations_started_total")) / seconds));
    report.put("status writes sent / unchanged (steady)",
        delta(metrics, after, "workerhealth_status_writes_total{result=\"Written\"}") + " / "
            + delta(metrics, after, "workerhealth_status_writes_total{result=\"Unchanged\"}"));
  }

  /** Workers that fail and recover before the rule's 'for': two transitions each, no action. */
  private void brief(SidecarFleet fleet, AuditLog audit, OperatorProcess operator) throws Exception {
    int n = Integer.parseInt(options.getOrDefault("brief", "50"));
    List<SidecarFleet.Sidecar> chosen = onePerPolicy(fleet, n, new Random(7));
    say("%d brief failures (fail, recover 3s later)", chosen.size());
    long mark = audit.mark();
    Map<String, Double> metrics = operator.metrics();
    // each phase's writes are sent at once: one after the other, they may take longer than the rule's 'for' on a
    // busy API server, and the failures would no longer be brief
    List<Change> changes = new ArrayList<>(sendAll(chosen, s -> fleet.fail(s, Instant.now())));
    TimeUnit.SECONDS.sleep(3); // the failure lasts 3 s: a sidecar would report the recovery then
    changes.addAll(sendAll(chosen, fleet::recover));
    TimeUnit.SECONDS.sleep(5); // the window closes after the operator has seen the recoveries
    List<AuditLog.Request> requests = audit.since(mark).stream().filter(r -> !r.resource().contains("leases"))
        .toList();
    report.put("operator requests (brief failures)", AuditLog.count(requests));
    report.put("WorkerHealth change -> policy status write p50/p99/max ms (brief failures)",
        percentiles(toStatusWrite(changes, requests, false)));
    report.put("WorkerHealth change accepted -> policy status write p50/p99/max ms (brief failures)",
        percentiles(toStatusWrite(changes, requests, true)));
    report.put("operator writes per transition (brief failures)", round(requests.stream()
        .filter(r -> !r.verb().equals("get") && !r.verb().equals("list")).count() / (2.0 * chosen.size())));
    report.put("reconciles (brief failures)", delta(metrics, operator.metrics(),
        "operator_sdk_reconciliations_started_total"));
  }

  /** Workers that fail past 'for': from the status write to the eviction request, at the API server. */
  private void restarts(SidecarFleet fleet, AuditLog audit, OperatorProcess operator, KubernetesClient admin,
                        long apiserverPid) throws Exception {
    int trials = Integer.parseInt(options.getOrDefault("trials", "100"));
    say("%d restarts; load average %s", trials, ProcessStats.loadAverage());
    long mark = audit.mark();
    Path gcLog = work.resolve("operator-gc.log");
    long gcMark = Files.exists(gcLog) ? Files.size(gcLog) : 0;
    double operatorCpu = ProcessStats.cpuSeconds(operator.pid());
    double apiserverCpu = ProcessStats.cpuSeconds(apiserverPid);
    Random random = new Random(42);
    Map<String, Instant> written = new LinkedHashMap<>();
    // when the API server answered the write: the change exists in the cluster from then on (a busy API server takes
    // a while to accept it, which no operator can shorten)
    Map<String, Instant> committed = new LinkedHashMap<>();
    List<Change> changes = new ArrayList<>();
    List<Long> seenDeleted = new ArrayList<>();
    int timeouts = 0;
    long start = System.nanoTime();
    for (int t = 0; t < trials; t++) {
      // the policies in turn: a ReplicaSet's next restart comes after every other policy's
      SidecarFleet.Sidecar s = inPolicy(fleet, t % policies, random);
      if (s == null) {
        continue;
      }
      CompletableFuture<Instant> deleted = fleet.deletion(s);
      Instant at = Instant.now();
      // the worker failed a minute ago (past the rule's 'for' of 30s): the policy acts on this write
      int code = fleet.fail(s, at.minusSeconds(60)).join();
      Instant acknowledged = Instant.now();
      if (code != 200) {
        continue;
      }
      written.put(s.namespace + "/" + s.pod, at);
      committed.put(s.namespace + "/" + s.pod, acknowledged);
      changes.add(new Change(s.namespace, s.policy, at, acknowledged));
      try {
        seenDeleted.add(Duration.between(at, deleted.get(30, TimeUnit.SECONDS)).toMillis());
      } catch (TimeoutException e) {
        timeouts++;
      }
    }
    awaitUntil("every policy reports its pods again", Duration.ofMinutes(5), () -> settled(admin),
        () -> unsettled(admin));
    double seconds = (System.nanoTime() - start) / 1e9; // the restarts and everything they caused
    List<AuditLog.Request> requests = audit.since(mark).stream().filter(r -> !r.resource().contains("leases"))
        .toList();
    List<Long> toEviction = new ArrayList<>();
    List<Long> committedToEviction = new ArrayList<>();
    StringBuilder perTrial = new StringBuilder("pod,sent,acknowledged,eviction_received\n");
    for (AuditLog.Request r : requests) {
      String key = r.namespace() + "/" + r.name();
      Instant at = written.get(key);
      if (r.resource().equals("pods/eviction") && r.verb().equals("create") && at != null) {
        toEviction.add(Duration.between(at, r.received()).toMillis());
        committedToEviction.add(Duration.between(committed.get(key), r.received()).toMillis());
        perTrial.append(key).append(',').append(at).append(',').append(committed.get(key)).append(',')
            .append(r.received()).append('\n');
      }
    }
    Files.writeString(work.resolve("restarts.csv"), perTrial);
    toEviction.sort(Comparator.naturalOrder());
    committedToEviction.sort(Comparator.naturalOrder());
    seenDeleted.sort(Comparator.naturalOrder());
    report.put("load average (restarts)", ProcessStats.loadAverage());
    report.put("restarts / timeouts", toEviction.size() + " / " + timeouts);
    report.put("status change -> eviction request p50/p99/max ms", pct(toEviction, 50) + " / " + pct(toEviction, 99)
        + " / " + (toEviction.isEmpty() ? "-" : toEviction.get(toEviction.size() - 1)));
    report.put("status change accepted by the API server -> eviction request p50/p99/max ms",
        pct(committedToEviction, 50) + " / " + pct(committedToEviction, 99) + " / "
            + (committedToEviction.isEmpty() ? "-" : committedToEviction.get(committedToEviction.size() - 1)));
    report.put("WorkerHealth change -> policy status write p50/p99/max ms (restarts)",
        percentiles(toStatusWrite(changes, requests, false)));
    report.put("WorkerHealth change accepted -> policy status write p50/p99/max ms (restarts)",
        percentiles(toStatusWrite(changes, requests, true)));
    report.put("status change -> pod deletion seen p50/p99 ms", pct(seenDeleted, 50) + " / " + pct(seenDeleted, 99));
    report.put("operator requests (restarts, until settled)", AuditLog.count(requests));
    // each restart: the failure, the pod's WorkerHealth gone with it, the replacement's created and first reported
    report.put("operator writes per restart", round(requests.stream().filter(r -> !r.verb().equals("get")
        && !r.verb().equals("list")).count() / (double) Math.max(1, toEviction.size())));
    // a restart is four WorkerHealth changes: the failure, the pod's WorkerHealth deleted with it, the
    // replacement's created, and its first report
    report.put("operator writes per WorkerHealth change (restarts)", round(requests.stream()
        .filter(r -> !r.verb().equals("get") && !r.verb().equals("list")).count()
        / (4.0 * Math.max(1, toEviction.size()))));
    report.put("operator status writes per restart", round(requests.stream()
        .filter(r -> r.resource().endsWith("workerhealthpolicies/status")).count()
        / (double) Math.max(1, toEviction.size())));
    report.put("operator CPU ms/s (restarts)", round(1000 * (ProcessStats.cpuSeconds(operator.pid()) - operatorCpu)
        / seconds));
    report.put("kube-apiserver CPU ms/s (restarts)", round(1000 * (ProcessStats.cpuSeconds(apiserverPid)
        - apiserverCpu) / seconds));
    List<Double> pauses = gcPauses(gcLog, gcMark);
    report.put("operator GC pauses (restarts): count / total / max ms", pauses.size() + " / "
        + Math.round(pauses.stream().mapToDouble(Double::doubleValue).sum()) + " / "
        + Math.round(pauses.stream().mapToDouble(Double::doubleValue).max().orElse(0)));
  }

  private void memory(OperatorProcess operator) throws Exception {
    report.put("operator heap after GC MiB", round(ProcessStats.heapAfterGcMiB(operator.pid())));
    // what that heap is made of, for reading later
    Files.writeString(work.resolve("operator-histogram.txt"), ProcessStats.histogram(operator.pid()));
    report.put("operator RSS MiB", round(ProcessStats.rssMiB(operator.pid())));
    report.put("load average (end)", ProcessStats.loadAverage());
  }

  // --- helpers ---

  /** The operator's collection pauses (ms) its GC log holds from {@code from} (a file length) on. */
  private static List<Double> gcPauses(Path gcLog, long from) throws IOException {
    List<Double> out = new ArrayList<>();
    if (!Files.exists(gcLog)) {
      return out;
    }
    String all = Files.readString(gcLog);
    Pattern pause = Pattern.compile("Pause .* ([0-9.]+)ms$");
    for (String line : all.substring((int) Math.min(from, all.length())).split("\n")) {
      Matcher m = pause.matcher(line);
      if (m.find()) {
        out.add(Double.parseDouble(m.group(1)));
      }
    }
    return out;
  }

  /** Sends a write for each sidecar at once; the changes the API server accepted, each with when it was sent. */
  private static List<Change> sendAll(List<SidecarFleet.Sidecar> sidecars,
                                      java.util.function.Function<SidecarFleet.Sidecar, CompletableFuture<Integer>> write) {
    List<Instant> sent = new ArrayList<>();
    List<CompletableFuture<Instant>> answered = new ArrayList<>();
    List<CompletableFuture<Integer>> codes = new ArrayList<>();
    for (SidecarFleet.Sidecar s : sidecars) {
      sent.add(Instant.now());
      CompletableFuture<Integer> code = write.apply(s);
      codes.add(code);
      answered.add(code.thenApply(c -> Instant.now()));
    }
    List<Change> accepted = new ArrayList<>();
    for (int i = 0; i < sent.size(); i++) {
      if (codes.get(i).join() == 200) {
        SidecarFleet.Sidecar s = sidecars.get(i);
        accepted.add(new Change(s.namespace, s.policy, sent.get(i), answered.get(i).join()));
      }
    }
    return accepted;
  }

  /**
   * A WorkerHealth write of the load generator that changes what a policy reports: when it was sent, and when the API
   * server answered it (accepted: the change exists in the cluster from then on).
   */
  private record Change(String namespace, String policy, Instant at, Instant acknowledged) {}

  /**
   * For each change, the time to the operator's first status write of that policy the API server received after it
   * (its audit log): a reconcile's latency from a WorkerHealth change to the policy's status.
   */
  private static List<Long> toStatusWrite(List<Change> changes, List<AuditLog.Request> requests, boolean fromAcknowledged) {
    List<AuditLog.Request> writes = requests.stream().filter(r -> r.resource().endsWith("workerhealthpolicies/status"))
        .sorted(Comparator.comparing(AuditLog.Request::received)).toList();
    List<Long> out = new ArrayList<>();
    for (Change c : changes) {
      Instant from = fromAcknowledged ? c.acknowledged() : c.at();
      writes.stream().filter(r -> c.namespace().equals(r.namespace()) && c.policy().equals(r.name())
          && !r.received().isBefore(c.at())).findFirst()
          .ifPresent(r -> out.add(Math.max(0, Duration.between(from, r.received()).toMillis())));
    }
    out.sort(Comparator.naturalOrder());
    return out;
  }

  private static String percentiles(List<Long> sorted) {
    return pct(sorted, 50) + " / " + pct(sorted, 99) + " / " + (sorted.isEmpty() ? "-" : sorted.get(sorted.size() - 1))
        + " (n=" + sorted.size() + ")";
  }

  /** A healthy reporting sidecar of policy {@code p}, picked at random (null if there is none). */
  private SidecarFleet.Sidecar inPolicy(SidecarFleet fleet, int p, Random random) {
    List<SidecarFleet.Sidecar> in = fleet.reporting().stream().filter(s -> s.failingSince == null
        && policyName(p).equals(s.policy)).toList();
    return in.isEmpty() ? null : in.get(random.nextInt(in.size()));
  }

  /** Healthy reporting sidecars, each of another policy, picked at random. */
  private List<SidecarFleet.Sidecar> onePerPolicy(SidecarFleet fleet, int n, Random random) {
    Map<String, List<SidecarFleet.Sidecar>> byPolicy = fleet.reporting().stream()
        .filter(s -> s.failingSince == null).collect(Collectors.groupingBy(s -> s.namespace + "/" + s.policy));
    List<String> keys = new ArrayList<>(byPolicy.keySet());
    keys.sort(Comparator.naturalOrder());
    List<SidecarFleet.Sidecar> out = new ArrayList<>();
    while (out.size() < n && !keys.isEmpty()) {
      String key = keys.remove(random.nextInt(keys.size()));
      List<SidecarFleet.Sidecar> in = byPolicy.get(key);
      out.add(in.get(random.nextInt(in.size())));
    }
    return out;
  }

  private static String pct(List<Long> sorted, int p) {
    if (sorted.isEmpty()) {
      return "-";
    }
    return String.valueOf(sorted.get(Math.max(0, (int) Math.ceil(p / 100.0 * sorted.size()) - 1)));
  }

  private static double round(double v) {
    return Math.round(v * 100) / 100.0;
  }

  private static String delta(Map<String, Double> before, Map<String, Double> after, String series) {
    return String.valueOf(Math.round(after.getOrDefault(series, 0.0) - before.getOrDefault(series, 0.0)));
  }

  private void awaitUntil(String what, Duration timeout, java.util.function.BooleanSupplier condition,
                          java.util.function.Supplier<String> progress) {
    Instant deadline = Instant.now().plus(timeout);
    Instant nextSay = Instant.now().plusSeconds(30);
    while (!condition.getAsBoolean()) {
      if (Instant.now().isAfter(deadline)) {
        throw new IllegalStateException("timed out waiting until " + what + ": " + progress.get());
      }
      if (Instant.now().isAfter(nextSay)) {
        say("waiting until %s: %s (load average %s)", what, progress.get(), ProcessStats.loadAverage());
        nextSay = Instant.now().plusSeconds(30);
      }
      try {
        TimeUnit.SECONDS.sleep(5); // polling the API server; no event to wait on
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }

  private void print() throws IOException {
    StringBuilder out = new StringBuilder();
    out.append("\n== ").append(healths).append(" WorkerHealths, ").append(policies).append(" policies, heartbeat ")
        .append(heartbeat.toSeconds()).append("s ==\n");
    report.forEach((k, v) -> out.append(String.format("%-58s %s%n", k, v)));
    System.out.print(out);
    Files.writeString(work.resolve("report-" + healths + ".txt"), out.toString());
  }

  /** The operator's jar in a JVM of its own, as in a cluster (the chart's JVM flags, the heap limit the target). */
  static final class OperatorProcess implements AutoCloseable {
    private final Process process;
    private final int port;

    private OperatorProcess(Process process, int port) {
      this.process = process;
      this.port = port;
    }

    static OperatorProcess start(Path jar, String heap, Path kubeconfig, String leaseNamespace, Path log)
        throws IOException {
      int port;
      try (ServerSocket s = new ServerSocket(0)) {
        port = s.getLocalPort();
      }
      // a copy: a build meanwhile must not replace the jar under the running JVM
      Path copy = Files.copy(jar, log.resolveSibling("worker-health-operator.jar"),
          java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      List<String> command = new ArrayList<>(List.of("java", "-Xmx" + heap, "-XX:+UseSerialGC",
          "-XX:+ExitOnOutOfMemoryError",
          // its collections and their pauses, to read alongside the latencies
          "-Xlog:gc:file=" + log.resolveSibling("operator-gc.log") + ":uptime,level"));
      if (Boolean.getBoolean("bench.jfr")) {
        // a CPU profile of the operator, for reading with `jfr print --events jdk.ExecutionSample`
        command.add("-XX:StartFlightRecording=settings=profile,filename=" + log.resolveSibling("operator.jfr"));
      }
      command.addAll(List.of("-jar", copy.toString(), "run"));
      ProcessBuilder pb = new ProcessBuilder(command);
      pb.environment().put("KUBECONFIG", kubeconfig.toString());
      pb.environment().put("WH_OPERATOR_PORT", String.valueOf(port));
      pb.environment().put("WH_LEADER_ELECTION", "true");
      pb.environment().put("WH_LEASE_NAMESPACE", leaseNamespace);
      pb.environment().put("WH_LOG_LEVEL", "WARN");
      pb.environment().put("MALLOC_ARENA_MAX", "2");
      pb.redirectErrorStream(true).redirectOutput(log.toFile());
      Process process = pb.start();
      // stopped with this JVM however it ends (the control plane's own hook stops the rest)
      Runtime.getRuntime().addShutdownHook(new Thread(process::destroy, "operator-shutdown"));
      return new OperatorProcess(process, port);
    }

    long pid() {
      return process.pid();
    }

    /** The counters of its /metrics, by series. */
    Map<String, Double> metrics() throws IOException, InterruptedException {
      var response = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + port + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
      Map<String, Double> out = new HashMap<>();
      Pattern line = Pattern.compile("^([a-z_]+(\\{[^}]*})?) ([0-9.eE+-]+)$");
      for (String l : response.body().split("\n")) {
        Matcher m = line.matcher(l);
        if (m.matches()) {
          String series = m.group(1).startsWith("operator_sdk_reconciliations_started_total")
              ? "operator_sdk_reconciliations_started_total" : m.group(1);
          out.merge(series, Double.parseDouble(m.group(3)), Double::sum);
        }
      }
      return out;
    }

    @Override
    public void close() {
      process.destroy();
      try {
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }
}
