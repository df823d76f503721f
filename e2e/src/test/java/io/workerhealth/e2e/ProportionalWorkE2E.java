package io.workerhealth.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.micrometer.core.instrument.Counter;
import io.workerhealth.api.v1alpha1.HealthPhase;
import io.workerhealth.api.v1alpha1.RemediationAction;
import io.workerhealth.api.v1alpha1.RemediationRule;
import io.workerhealth.api.v1alpha1.WorkerHealth;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicy;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicySpec;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicyStatus;
import io.workerhealth.api.v1alpha1.WorkerHealthStatus;
import io.workerhealth.api.v1alpha1.WorkerState;
import io.workerhealth.api.v1alpha1.WorkerStatus;
import io.workerhealth.demo.controlplane.ControlPlaneBinaries;
import io.workerhealth.demo.controlplane.LocalControlPlane;
import io.workerhealth.e2e.bench.AuditLog;
import io.workerhealth.operator.OperatorSettings;
import io.workerhealth.operator.WorkerHealthOperator;
import io.workerhealth.operator.reconcile.WorkerHealthPolicyReconciler;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Work proportional to changes, on a real kube-apiserver that audits the operator's own ServiceAccount: heartbeats
 * cost no request, a settled policy writes no status however often it is reconciled, a status write from an overtaken
 * version is refused, and shards picked by set-based label selectors (which only a real API server filters) each
 * reconcile their own policies under their own Lease.
 */
class ProportionalWorkE2E {

  static final Duration TIMEOUT = Duration.ofSeconds(120);
  static final String NS = "shop";
  static final String OPERATOR_NS = "worker-health";
  static final String SA = "worker-health-operator";
  static final int PODS = 20;

  static LocalControlPlane controlPlane;
  static KubernetesClient admin;
  static AuditLog audit;
  static final Instant HEALTHY_SINCE = Instant.now().minus(Duration.ofHours(1));
  final List<WorkerHealthOperator> operators = new ArrayList<>();
  final List<KubernetesClient> clients = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    Path work = Path.of("target", "control-plane-proportional").toAbsolutePath();
    Files.createDirectories(work);
    Path policy = Files.writeString(work.resolve("audit-policy.yaml"),
        AuditLog.policy("system:serviceaccount:" + OPERATOR_NS + ":" + SA));
    Path log = work.resolve("audit.log");
    Files.deleteIfExists(log);
    controlPlane = LocalControlPlane.start(ControlPlaneBinaries.locate(), work.resolve("control-plane"),
        new LocalControlPlane.Flags(List.of("--audit-policy-file=" + policy, "--audit-log-path=" + log), List.of()));
    audit = new AuditLog(log);
    admin = controlPlane.adminClient();
    try (Stream<Path> files = Files.list(Path.of(System.getProperty("wh.e2e.crdDir", "../crds/generated")))) {
      for (Path file : files.filter(p -> p.toString().endsWith(".yml")).sorted().toList()) {
        try (InputStream in = Files.newInputStream(file)) {
          for (HasMetadata applied : admin.load(in).serverSideApply()) {
            String name = applied.getMetadata().getName();
            await().atMost(TIMEOUT).until(() -> admin.apiextensions().v1().customResourceDefinitions()
                .withName(name).get().getStatus().getConditions().stream()
                .anyMatch(c -> c.getType().equals("Established") && c.getStatus().equals("True")));
          }
        }
      }
    }
    for (String ns : List.of(NS, OPERATOR_NS)) {
      admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
          .create();
    }
    await().atMost(TIMEOUT).until(() -> admin.serviceAccounts().inNamespace(NS).withName("default").get() != null);
    admin.serviceAccounts().inNamespace(OPERATOR_NS).resource(new ServiceAccountBuilder().withNewMetadata()
        .withName(SA).endMetadata().build()).create();
    admin.rbac().clusterRoleBindings().resource(new ClusterRoleBindingBuilder().withNewMetadata()
        .withName("proportional-operator").endMetadata().withNewRoleRef().withApiGroup("rbac.authorization.k8s.io")
        .withKind("ClusterRole").withName("cluster-admin").endRoleRef().addNewSubject().withKind("ServiceAccount")
        .withName(SA).withNamespace(OPERATOR_NS).endSubject().build()).create();
    for (int i = 0; i < PODS; i++) {
      Pod pod = admin.pods().inNamespace(NS).resource(new PodBuilder().withNewMetadata().withName("shop-" + i)
          .withLabels(Map.of("app", "shop")).endMetadata().withNewSpec().addNewContainer().withName("app")
          .withImage("registry.invalid/shop:1").endContainer().endSpec().build()).create();
      WorkerHealth wh = new WorkerHealth();
      wh.getMetadata().setName("shop-" + i);
      wh.getMetadata().setNamespace(NS);
      wh.getMetadata().setLabels(Map.of("app", "shop"));
      wh.getMetadata().setOwnerReferences(List.of(new OwnerReferenceBuilder().withApiVersion("v1").withKind("Pod")
          .withName(pod.getMetadata().getName()).withUid(pod.getMetadata().getUid()).build()));
      admin.resource(wh).create();
      heartbeat("shop-" + i);
    }
  }

  @AfterAll
  static void stop() {
    if (admin != null) {
      admin.close();
    }
    if (controlPlane != null) {
      controlPlane.close();
    }
  }

  @AfterEach
  void stopOperators() {
    // deleted while the operators still run: each removes the finalizer it added to its policies
    admin.resources(WorkerHealthPolicy.class).inNamespace(NS).delete();
    await().atMost(TIMEOUT).until(() -> admin.resources(WorkerHealthPolicy.class).inNamespace(NS).list().getItems()
        .isEmpty());
    operators.forEach(WorkerHealthOperator::close);
    clients.forEach(KubernetesClient::close);
  }

  /** A sidecar's status write when nothing changed: every worker as before, a new scrape time. */
  static void heartbeat(String pod) {
    WorkerHealthStatus s = new WorkerHealthStatus();
    Instant now = Instant.now();
    s.setPhase(HealthPhase.Healthy);
    s.setLastScrapeTime(now.toString());
    s.setLastSuccessfulScrapeTime(now.toString());
    s.setWorkers(new ArrayList<>(List.of(
        new WorkerState("http-server", WorkerStatus.Healthy, "healthy", null, HEALTHY_SINCE.toString()),
        new WorkerState("deliverymq-consumer", WorkerStatus.Healthy, "healthy", null, HEALTHY_SINCE.toString()))));
    ArrayNode patch = JsonNodeFactory.instance.arrayNode();
    ObjectNode op = patch.addObject();
    op.put("op", "add");
    op.put("path", "/status");
    op.set("value", admin.getKubernetesSerialization().convertValue(s, ObjectNode.class));
    admin.resources(WorkerHealth.class).inNamespace(NS).withName(pod).subresource("status")
        .patch(PatchContext.of(PatchType.JSON), patch.toString());
  }

  WorkerHealthOperator operator(OperatorSettings settings, WorkerHealthPolicyReconciler.Timings timings)
      throws Exception {
    Config adminConfig = controlPlane.adminConfig();
    String token = admin.serviceAccounts().inNamespace(OPERATOR_NS).withName(SA).tokenRequest(
        new TokenRequestBuilder().withNewSpec().withExpirationSeconds(3600L).endSpec().build()).getStatus().getToken();
    KubernetesClient client = new KubernetesClientBuilder().withConfig(new ConfigBuilder(Config.empty())
        .withMasterUrl(adminConfig.getMasterUrl()).withCaCertData(adminConfig.getCaCertData()).withOauthToken(token)
        .build()).build();
    clients.add(client);
    WorkerHealthOperator operator = new WorkerHealthOperator(client, settings, Clock.systemUTC(), timings).start();
    operators.add(operator);
    return operator;
  }

  static void policy(String name, Map<String, String> labels) {
    WorkerHealthPolicySpec spec = new WorkerHealthPolicySpec();
    spec.setSelector(new LabelSelector(null, Map.of("app", "shop")));
    RemediationRule rule = new RemediationRule();
    rule.setName("restart-consumer");
    rule.setWorkers(List.of("*-consumer"));
    rule.setAction(RemediationAction.RestartPod);
    spec.setRules(new ArrayList<>(List.of(rule)));
    WorkerHealthPolicy p = new WorkerHealthPolicy();
    p.getMetadata().setName(name);
    p.getMetadata().setNamespace(NS);
    p.getMetadata().setLabels(new HashMap<>(labels));
    p.setSpec(spec);
    admin.resource(p).create();
  }

  static WorkerHealthPolicyStatus status(String name) {
    WorkerHealthPolicy p = admin.resources(WorkerHealthPolicy.class).inNamespace(NS).withName(name).get();
    return p == null ? null : p.getStatus();
  }

  static double counter(WorkerHealthOperator operator, String name, String... tags) {
    return operator.metrics().registry().find(name).tags(tags).counters().stream().mapToDouble(Counter::count).sum();
  }

  static boolean reportsEveryPod(String policy) {
    WorkerHealthPolicyStatus s = status(policy);
    return s != null && Integer.valueOf(PODS).equals(s.getSelectedPods())
        && Integer.valueOf(PODS).equals(s.getHealthyPods());
  }

  @Test
  void heartbeatsCostNoRequestAndASettledPolicyWritesNoStatus() throws Exception {
    policy("restart", Map.of());
    // looked at every second at the latest: many reconciles of a settled policy
    WorkerHealthOperator operator = operator(new OperatorSettings(0, List.of(), false, "l", null),
        new WorkerHealthPolicyReconciler.Timings(Duration.ofSeconds(2), Duration.ofSeconds(1),
            Duration.ofSeconds(1)));
    await().atMost(TIMEOUT).until(() -> reportsEveryPod("restart"));
    long mark = audit.mark();
    double ignored = counter(operator, "workerhealth.health.updates", "result", "ignored");
    double unchanged = counter(operator, "workerhealth.status.writes", "result", "Unchanged");

    for (int round = 0; round < 3; round++) {
      for (int i = 0; i < PODS; i++) {
        heartbeat("shop-" + i);
      }
    }
    await().atMost(TIMEOUT).until(() -> counter(operator, "workerhealth.health.updates", "result", "ignored")
        - ignored >= 3 * PODS && counter(operator, "workerhealth.status.writes", "result", "Unchanged")
        - unchanged >= 5);

    List<AuditLog.Request> requests = audit.since(mark);
    assertThat(requests).as("the operator's requests during %d heartbeats and 5 reconciles of a settled policy",
        3 * PODS).isEmpty();
    assertThat(counter(operator, "workerhealth.health.updates", "result", "reconciled")).isZero();
  }

  @Test
  void aStatusWriteFromAnOvertakenVersionIsRefused() {
    policy("restart", Map.of());
    WorkerHealthPolicy read = admin.resources(WorkerHealthPolicy.class).inNamespace(NS).withName("restart").get();
    // someone writes the policy after it was read...
    admin.resources(WorkerHealthPolicy.class).inNamespace(NS).withName("restart").edit(p -> {
      p.getMetadata().setLabels(Map.of("touched", "yes"));
      return p;
    });
    // ...so a status write conditioned on the version read (the JSON Patch StatusWriter sends) is refused
    String patch = "[{\"op\":\"replace\",\"path\":\"/metadata/resourceVersion\",\"value\":\""
        + read.getMetadata().getResourceVersion() + "\"},{\"op\":\"add\",\"path\":\"/status\",\"value\":"
        + "{\"selectedPods\":7}}]";
    var status = admin.resources(WorkerHealthPolicy.class).inNamespace(NS).withName("restart").subresource("status");
    assertThat(org.assertj.core.api.Assertions.catchThrowableOfType(KubernetesClientException.class,
        () -> status.patch(PatchContext.of(PatchType.JSON), patch)).getCode()).isEqualTo(409);
    assertThat(status("restart") == null ? null : status("restart").getSelectedPods()).isNull();
  }

  @Test
  void shardsPickedBySetBasedSelectorsEachReconcileTheirOwnUnderTheirOwnLease() throws Exception {
    policy("in-a", Map.of("workerhealth.io/shard", "a"));
    policy("in-b", Map.of("workerhealth.io/shard", "b"));
    policy("unlabelled", Map.of());
    WorkerHealthPolicyReconciler.Timings timings = new WorkerHealthPolicyReconciler.Timings(Duration.ofSeconds(2),
        Duration.ofSeconds(1), Duration.ofSeconds(2));
    OperatorSettings a = OperatorSettings.fromEnv(Map.of("WH_SHARD_SELECTOR", "workerhealth.io/shard in (a)",
        "WH_LEADER_ELECTION", "true", "WH_LEASE_NAMESPACE", OPERATOR_NS, "WH_OPERATOR_PORT", "0"));
    OperatorSettings rest = OperatorSettings.fromEnv(Map.of("WH_SHARD_SELECTOR", "workerhealth.io/shard notin (a)",
        "WH_LEADER_ELECTION", "true", "WH_LEASE_NAMESPACE", OPERATOR_NS, "WH_OPERATOR_PORT", "0"));
    WorkerHealthOperator shardA = operator(a, timings);
    WorkerHealthOperator shardRest = operator(rest, timings);

    await().atMost(TIMEOUT).until(() -> reportsEveryPod("in-a") && reportsEveryPod("in-b")
        && reportsEveryPod("unlabelled"));
    assertThat(reconciled(shardA)).containsExactly("in-a");
    assertThat(reconciled(shardRest)).containsExactlyInAnyOrder("in-b", "unlabelled");
    assertThat(admin.leases().inNamespace(OPERATOR_NS).list().getItems())
        .extracting(l -> l.getMetadata().getName()).contains(a.leaseName(), rest.leaseName());
    assertThat(a.leaseName()).isNotEqualTo(rest.leaseName());
  }

  static List<String> reconciled(WorkerHealthOperator operator) {
    return operator.metrics().registry().find("workerhealth.policy.pods").tag("state", "Healthy").gauges().stream()
        .map(g -> g.getId().getTag("policy")).distinct().toList();
  }
}
