package io.workerhealth.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.workerhealth.api.v1alpha1.HealthPhase;
import io.workerhealth.api.v1alpha1.RemediationAction;
import io.workerhealth.api.v1alpha1.RemediationOutcome;
import io.workerhealth.api.v1alpha1.RemediationRecord;
import io.workerhealth.api.v1alpha1.RemediationRule;
import io.workerhealth.api.v1alpha1.ScaleSpec;
import io.workerhealth.api.v1alpha1.ScaleTargetRef;
import io.workerhealth.api.v1alpha1.WorkerHealth;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicy;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicySpec;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicyStatus;
import io.workerhealth.api.v1alpha1.WorkerHealthStatus;
import io.workerhealth.api.v1alpha1.WorkerState;
import io.workerhealth.api.v1alpha1.WorkerStatus;
import io.workerhealth.demo.controlplane.ControlPlaneBinaries;
import io.workerhealth.demo.controlplane.LocalControlPlane;
import io.workerhealth.operator.OperatorSettings;
import io.workerhealth.operator.WorkerHealthOperator;
import io.workerhealth.operator.reconcile.WorkerHealthPolicyReconciler;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Two operator replicas with leader election on a real control plane, as the chart's ServiceAccount: only the leader
 * acts, the standby takes over within the lease duration when it stops, and no decision is carried out twice. Then
 * the live lookup of a KEDA ScaledObject (its CRD installed on the API server) that drives a scale target. The
 * WorkerHealths are written here as the sidecars would write them: each with its pod's ServiceAccount token bound to
 * the pod (the chart's admission policy allows nothing else).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OperatorFailoverE2E {

  static final Duration TIMEOUT = Duration.ofSeconds(120);
  static final String NS = "shop";
  static final String RELEASE = "who";
  static final String OPERATOR_NS = "worker-health";
  static final String LEASE = "worker-health-operator";

  static LocalControlPlane controlPlane;
  static KubernetesClient admin;
  static final List<KubernetesClient> clients = new ArrayList<>();
  static WorkerHealthOperator first;
  static WorkerHealthOperator second;

  @BeforeAll
  static void start() throws Exception {
    controlPlane = LocalControlPlane.start(ControlPlaneBinaries.locate(), Path.of("target", "control-plane-failover"));
    admin = controlPlane.adminClient();
    admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build()).create();
    await().atMost(TIMEOUT).until(() -> admin.serviceAccounts().inNamespace(NS).withName("default").get() != null);
    admin.serviceAccounts().inNamespace(NS).resource(new ServiceAccountBuilder().withNewMetadata()
        .withName("shop-app").endMetadata().build()).create();
    ChartInstall.helm(controlPlane, "install", RELEASE, ChartInstall.chartDir().toString(), "--namespace",
        OPERATOR_NS, "--create-namespace", "--set", "sidecar.bindings[0].namespace=" + NS,
        "--set", "sidecar.bindings[0].serviceAccount=shop-app");
    await().atMost(TIMEOUT).until(() -> established("workerhealths.workerhealth.io")
        && established("workerhealthpolicies.workerhealth.io"));
    admin.apps().deployments().inNamespace(NS).resource(new DeploymentBuilder()
        .withNewMetadata().withName("shop").endMetadata()
        .withNewSpec().withReplicas(3)
        .withNewSelector().addToMatchLabels("app", "shop").endSelector()
        .withNewTemplate().withNewMetadata().addToLabels("app", "shop").endMetadata()
        .withNewSpec().withServiceAccountName("shop-app")
        .addNewContainer().withName("app").withImage("registry.invalid/shop:1").endContainer()
        .endSpec().endTemplate().endSpec().build()).create();
    await().atMost(TIMEOUT).until(() -> syncHealths() == 3);
  }

  @AfterAll
  static void stop() {
    for (WorkerHealthOperator o : new WorkerHealthOperator[] {first, second}) {
      if (o != null) {
        o.close();
      }
    }
    clients.forEach(KubernetesClient::close);
    sidecars.values().forEach(KubernetesClient::close);
    if (admin != null) {
      admin.close();
    }
    if (controlPlane != null) {
      controlPlane.close();
    }
  }

  /** Pod name → a client as that pod's sidecar (its ServiceAccount, a token bound to the pod). */
  static final Map<String, KubernetesClient> sidecars = new java.util.concurrent.ConcurrentHashMap<>();

  static WorkerHealthOperator operator(String identity) throws Exception {
    KubernetesClient client = clientWithToken(token(OPERATOR_NS, RELEASE + "-worker-health-operator", null));
    clients.add(client);
    return new WorkerHealthOperator(client, new OperatorSettings(0, List.of(), true, LEASE, OPERATOR_NS, identity),
        Clock.systemUTC(), new WorkerHealthPolicyReconciler.Timings(Duration.ofSeconds(2), Duration.ofSeconds(1),
        Duration.ofSeconds(5))).start();
  }

  @Test
  @Order(1)
  void onlyTheLeaderActsAndTheStandbyTakesOverWhenTheLeaseRunsOut() throws Exception {
    first = operator("operator-a");
    await().atMost(TIMEOUT).until(() -> "operator-a".equals(holder()));
    second = operator("operator-b");
    createPolicy("restart", s -> { });

    String victim = pods().get(0);
    fail(victim);
    await().atMost(TIMEOUT).until(() -> restarts().size() == 1 && !pods().contains(victim));
    await().atMost(TIMEOUT).until(() -> syncHealths() == 3);
    assertThat(holder()).isEqualTo("operator-a");
    assertThat(restartedEvents()).as("one decision, one eviction, one Event").hasSize(1);

    Instant stopped = Instant.now();
    first.close();
    first = null;
    await().atMost(TIMEOUT).until(() -> "operator-b".equals(holder()));
    Duration takeover = Duration.between(stopped, Instant.now());
    System.out.printf("E2E failover: the standby leads %d ms after the leader stopped (lease duration %d s)%n",
        takeover.toMillis(), WorkerHealthOperator.LEASE_DURATION.toSeconds());
    // the lease runs out a lease duration after the leader's last renewal; the standby tries every retry period,
    // jittered by up to 1.2 times it (fabric8's LeaderElector, as client-go's)
    assertThat(takeover).isLessThanOrEqualTo(WorkerHealthOperator.LEASE_DURATION
        .plus(WorkerHealthOperator.LEASE_RETRY_PERIOD.multipliedBy(22).dividedBy(10)));

    String next = pods().get(0);
    fail(next);
    await().atMost(TIMEOUT).until(() -> restarts().size() == 2 && !pods().contains(next));
    await().atMost(TIMEOUT).until(() -> syncHealths() == 3);
    // a few reconciles later: still one restart per decision
    await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(10)).until(() -> restarts().size() == 2);
    assertThat(restarts()).extracting(RemediationRecord::getPod).containsExactlyInAnyOrder(victim, next);
    assertThat(restartedEvents()).hasSize(2);
  }

  @Test
  @Order(2)
  void aKedaScaledObjectDrivingTheTargetIsFoundLiveAndTheTargetIsNotScaled() throws Exception {
    createPolicy("keep-consumers", s -> {
      RemediationRule rule = s.getRules().get(0);
      rule.setName("keep-consumers");
      rule.setAction(RemediationAction.ScaleTarget);
      rule.setScale(new ScaleSpec(new ScaleTargetRef("apps/v1", "Deployment", "shop"), 3, 5));
    });
    // without KEDA installed: nothing to list, the target can be scaled
    await().atMost(TIMEOUT).until(() -> scaling("keep-consumers") != null
        && "True".equals(scaling("keep-consumers").getStatus()));

    admin.apiextensions().v1().customResourceDefinitions().resource(new CustomResourceDefinitionBuilder()
        .withNewMetadata().withName("scaledobjects.keda.sh").endMetadata()
        .withNewSpec().withGroup("keda.sh").withScope("Namespaced")
        .withNewNames().withKind("ScaledObject").withPlural("scaledobjects").withSingular("scaledobject")
        .endNames()
        .addNewVersion().withName("v1alpha1").withServed(true).withStorage(true)
        .withNewSchema().withNewOpenAPIV3Schema().withType("object").withXKubernetesPreserveUnknownFields(true)
        .endOpenAPIV3Schema().endSchema().endVersion().endSpec().build()).create();
    await().atMost(TIMEOUT).until(() -> established("scaledobjects.keda.sh"));
    GenericKubernetesResource scaledObject = new GenericKubernetesResourceBuilder().withApiVersion("keda.sh/v1alpha1")
        .withKind("ScaledObject").withNewMetadata().withName("shop-keda").withNamespace(NS).endMetadata()
        .addToAdditionalProperties("spec", Map.of("scaleTargetRef", Map.of("name", "shop"))).build();
    admin.genericKubernetesResources(new ResourceDefinitionContext.Builder().withGroup("keda.sh")
        .withVersion("v1alpha1").withKind("ScaledObject").withPlural("scaledobjects").withNamespaced(true).build())
        .inNamespace(NS).resource(scaledObject).create();

    await().atMost(TIMEOUT).until(() -> "False".equals(scaling("keep-consumers").getStatus()));
    assertThat(scaling("keep-consumers").getReason()).isEqualTo("AutoscalerManaged");
    assertThat(scaling("keep-consumers").getMessage()).contains("ScaledObject/shop-keda");
    assertThat(events("ScalingRefused")).isNotEmpty();
  }

  // --- the cluster as the sidecars and kubectl would make it

  /** Gives every pod its WorkerHealth (healthy), as its sidecar would; returns how many pods have one. */
  static synchronized int syncHealths() {
    int n = 0;
    for (Pod pod : admin.pods().inNamespace(NS).withLabel("app", "shop").list().getItems()) {
      if (pod.getMetadata().getDeletionTimestamp() != null) {
        continue;
      }
      String name = pod.getMetadata().getName();
      KubernetesClient sidecar = sidecars.computeIfAbsent(name, k -> clientWithToken(token(NS, "shop-app", pod)));
      WorkerHealth existing = sidecar.resources(WorkerHealth.class).inNamespace(NS).withName(name).get();
      if (existing == null) {
        WorkerHealth wh = new WorkerHealth();
        wh.getMetadata().setName(name);
        wh.getMetadata().setNamespace(NS);
        wh.getMetadata().setLabels(pod.getMetadata().getLabels());
        wh.getMetadata().setOwnerReferences(List.of(new OwnerReferenceBuilder().withApiVersion("v1").withKind("Pod")
            .withName(name).withUid(pod.getMetadata().getUid()).build()));
        write(sidecar, sidecar.resource(wh).create(), null);
      } else if (existing.getStatus() == null || existing.getStatus().getPhase() == HealthPhase.Healthy) {
        write(sidecar, existing, null); // a heartbeat
      }
      n++;
    }
    return n;
  }

  static void fail(String pod) {
    KubernetesClient sidecar = sidecars.get(pod);
    write(sidecar, sidecar.resources(WorkerHealth.class).inNamespace(NS).withName(pod).get(), Duration.ofMinutes(1));
  }

  static void write(KubernetesClient sidecar, WorkerHealth wh, Duration failingFor) {
    Instant now = Instant.now();
    boolean failed = failingFor != null;
    WorkerHealthStatus s = new WorkerHealthStatus();
    s.setPhase(failed ? HealthPhase.Failed : HealthPhase.Healthy);
    s.setLastScrapeTime(now.toString());
    s.setLastSuccessfulScrapeTime(now.toString());
    s.setWorkers(new ArrayList<>(List.of(new WorkerState("deliverymq-consumer",
        failed ? WorkerStatus.Failed : WorkerStatus.Healthy, failed ? "failed" : "healthy", null,
        now.minus(failed ? failingFor : Duration.ofHours(1)).toString()))));
    s.setReady(failed ? "0/1" : "1/1");
    // as the sidecar writes it: a patch of the status subresource
    sidecar.resources(WorkerHealth.class).inNamespace(NS).withName(wh.getMetadata().getName()).subresource("status")
        .patch(PatchContext.of(PatchType.JSON_MERGE), sidecar.getKubernetesSerialization().asJson(
            Map.of("status", s)));
  }

  static void createPolicy(String name, Consumer<WorkerHealthPolicySpec> change) {
    WorkerHealthPolicySpec spec = new WorkerHealthPolicySpec();
    spec.setSelector(new LabelSelector(null, Map.of("app", "shop")));
    RemediationRule rule = new RemediationRule();
    rule.setName("restart-consumer");
    rule.setWorkers(new ArrayList<>(List.of("*-consumer")));
    rule.setFor("2s");
    rule.setAction(RemediationAction.RestartPod);
    spec.setRules(new ArrayList<>(List.of(rule)));
    spec.setCooldown("1s");
    change.accept(spec);
    WorkerHealthPolicy p = new WorkerHealthPolicy();
    p.getMetadata().setName(name);
    p.getMetadata().setNamespace(NS);
    p.setSpec(spec);
    admin.resource(p).create();
  }

  static WorkerHealthPolicyStatus status(String name) {
    WorkerHealthPolicy p = admin.resources(WorkerHealthPolicy.class).inNamespace(NS).withName(name).get();
    return p == null ? null : p.getStatus();
  }

  static List<RemediationRecord> restarts() {
    WorkerHealthPolicyStatus s = status("restart");
    return s == null ? List.of() : s.getHistory().stream()
        .filter(r -> r.getAction() == RemediationAction.RestartPod && r.getOutcome() == RemediationOutcome.Succeeded)
        .toList();
  }

  static io.fabric8.kubernetes.api.model.Condition scaling(String policy) {
    WorkerHealthPolicyStatus s = status(policy);
    return s == null ? null : s.getConditions().stream().filter(c -> "ScalingAllowed".equals(c.getType()))
        .findFirst().orElse(null);
  }

  static List<Event> events(String reason) {
    return admin.v1().events().inNamespace(NS).list().getItems().stream()
        .filter(e -> reason.equals(e.getReason())).toList();
  }

  static List<Event> restartedEvents() {
    return events("Restarted").stream().filter(e -> "WorkerHealthPolicy".equals(e.getInvolvedObject().getKind()))
        .toList();
  }

  static List<String> pods() {
    return admin.pods().inNamespace(NS).withLabel("app", "shop").list().getItems().stream()
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null).map(p -> p.getMetadata().getName()).sorted()
        .toList();
  }

  static String holder() {
    var lease = admin.leases().inNamespace(OPERATOR_NS).withName(LEASE).get();
    return lease == null || lease.getSpec() == null ? null : lease.getSpec().getHolderIdentity();
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
