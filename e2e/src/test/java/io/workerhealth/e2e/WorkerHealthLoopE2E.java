package io.workerhealth.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenRequest;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.workerhealth.api.v1alpha1.EscalationStep;
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
import io.workerhealth.demo.controlplane.ControlPlaneBinaries;
import io.workerhealth.demo.controlplane.LocalControlPlane;
import io.workerhealth.examples.SampleAppConfig;
import io.workerhealth.examples.SampleWorkerApp;
import io.workerhealth.operator.OperatorSettings;
import io.workerhealth.operator.WorkerHealthOperator;
import io.workerhealth.operator.reconcile.WorkerHealthPolicyReconciler;
import io.workerhealth.sidecar.SidecarRunner;
import io.workerhealth.sidecar.config.SidecarConfig;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The whole loop on a real control plane, with the chart's RBAC enforced: the chart is installed with real helm; the
 * operator runs in this JVM authenticated as the chart's ServiceAccount (a TokenRequest token), each sidecar as its
 * pod's ServiceAccount with a token bound to its pod; the sample app runs per pod on loopback. Pods stay Pending
 * (no kubelet), which is enough: they exist, own their WorkerHealth, and are evicted and replaced by their ReplicaSet.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WorkerHealthLoopE2E {

  static final Duration TIMEOUT = Duration.ofSeconds(120);
  static final String OPERATOR_NS = "worker-health";
  static final String APP_NS = "shop";
  static final String RELEASE = "who";
  static final String OPERATOR_SA = RELEASE + "-worker-health-operator";

  static LocalControlPlane controlPlane;
  static KubernetesClient admin;
  static WorkerHealthOperator operator;
  static KubernetesClient operatorClient;
  /** pod name → its app and sidecar, as a kubelet would run them */
  static final Map<String, PodProcesses> running = new ConcurrentHashMap<>();

  record PodProcesses(SampleWorkerApp app, SidecarRunner sidecar, KubernetesClient client) {
    void stop() {
      sidecar.close();
      app.close();
      client.close();
    }
  }

  @BeforeAll
  static void installChartAndStart() throws Exception {
    controlPlane = LocalControlPlane.start(ControlPlaneBinaries.locate(), Path.of("target", "control-plane-loop"));
    admin = controlPlane.adminClient();
    admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(APP_NS).endMetadata().build())
        .create();
    await().atMost(TIMEOUT).until(() -> admin.serviceAccounts().inNamespace(APP_NS).withName("default").get() != null);
    admin.serviceAccounts().inNamespace(APP_NS).resource(new ServiceAccountBuilder().withNewMetadata()
        .withName("shop-app").endMetadata().build()).create();

    helm("install", RELEASE, chartDir().toString(), "--namespace", OPERATOR_NS, "--create-namespace",
        "--set", "sidecar.bindings[0].namespace=" + APP_NS, "--set", "sidecar.bindings[0].serviceAccount=shop-app");
    await().atMost(TIMEOUT).until(() -> admin.apiextensions().v1().customResourceDefinitions()
        .withName("workerhealthpolicies.workerhealth.io").get() != null);
    await().atMost(TIMEOUT).until(() -> established("workerhealths.workerhealth.io")
        && established("workerhealthpolicies.workerhealth.io"));

    admin.apps().deployments().inNamespace(APP_NS).resource(new DeploymentBuilder()
        .withNewMetadata().withName("shop").endMetadata()
        .withNewSpec().withReplicas(3)
        .withNewSelector().addToMatchLabels("app", "shop").endSelector()
        .withNewTemplate().withNewMetadata().addToLabels("app", "shop").endMetadata()
        .withNewSpec().withServiceAccountName("shop-app")
        .addNewContainer().withName("app").withImage("registry.invalid/shop:1").endContainer()
        .endSpec().endTemplate().endSpec().build()).create();

    // the operator, as the chart's ServiceAccount: a missing permission fails these tests
    operatorClient = clientWithToken(token(OPERATOR_NS, OPERATOR_SA, null));
    operator = new WorkerHealthOperator(operatorClient, new OperatorSettings(0, List.of(), true,
        "worker-health-operator", OPERATOR_NS), Clock.systemUTC(),
        new WorkerHealthPolicyReconciler.Timings(Duration.ofSeconds(2), Duration.ofSeconds(1), Duration.ofSeconds(5)))
        .start();
    await().atMost(TIMEOUT).until(() -> syncPods() == 3);
  }

  @AfterAll
  static void stopAll() {
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
  }

  @Test
  @Order(1)
  void theChartInstalledItsPartsAndTheCrdsPrintTheirColumns() throws Exception {
    assertThat(admin.rbac().clusterRoles().withName("worker-health-sidecar").get()).isNotNull();
    assertThat(admin.rbac().roleBindings().inNamespace(APP_NS).list().getItems())
        .anySatisfy(b -> assertThat(b.getRoleRef().getName()).isEqualTo("worker-health-sidecar"));
    List<ConfigMap> dashboards = admin.configMaps().inNamespace(OPERATOR_NS).withLabel("grafana_dashboard", "1")
        .list().getItems();
    assertThat(dashboards).isNotEmpty();
    assertThat(admin.genericKubernetesResources("admissionregistration.k8s.io/v1", "ValidatingAdmissionPolicy")
        .list().getItems()).isNotEmpty();

    await().atMost(TIMEOUT).until(() -> admin.resources(WorkerHealth.class).inNamespace(APP_NS).list().getItems()
        .stream().filter(w -> w.getStatus() != null && w.getStatus().getPhase() == HealthPhase.Healthy).count() == 3);
    JsonNode wh = table("/apis/workerhealth.io/v1alpha1/namespaces/" + APP_NS + "/workerhealths");
    assertThat(columns(wh)).startsWith("Name", "Phase", "Workers", "Failing", "Last-Report", "Age");
    assertThat(wh.get("rows")).hasSize(3).allSatisfy(row -> {
      assertThat(row.get("cells").get(1).asText()).isEqualTo("Healthy");
      assertThat(row.get("cells").get(2).asText()).isEqualTo("4/4");
    });

    createPolicy("restart-consumers", s -> { });
    await().atMost(TIMEOUT).until(() -> status("restart-consumers") != null
        && Integer.valueOf(3).equals(status("restart-consumers").getSelectedPods()));
    JsonNode whp = table("/apis/workerhealth.io/v1alpha1/namespaces/" + APP_NS + "/workerhealthpolicies");
    assertThat(columns(whp)).startsWith("Name", "Selected", "Healthy", "Failing", "Remediation-Allowed",
        "Last-Remediation", "Age");
    assertThat(whp.get("rows").get(0).get("cells").get(1).asInt()).isEqualTo(3);
    assertThat(whp.get("rows").get(0).get("cells").get(4).asText()).isEqualTo("True");
  }

  @Test
  @Order(2)
  void invalidPoliciesAreRejectedWithMessagesPeopleCanAct() {
    assertThatThrownBy(() -> createPolicy("bad-percent", s -> s.setMaxUnhealthy(new IntOrString("150%"))))
        .isInstanceOf(KubernetesClientException.class)
        .hasMessageContaining("maxUnhealthy must be a non-negative number of pods or a percentage from 0% to 100%");
    assertThatThrownBy(() -> createPolicy("bad-duration", s -> s.setCooldown("five minutes")))
        .isInstanceOf(KubernetesClientException.class)
        .hasMessageContaining("spec.cooldown").hasMessageContaining("should match");
    assertThatThrownBy(() -> createPolicy("bad-rules", s -> s.getRules().add(s.getRules().get(0))))
        .isInstanceOf(KubernetesClientException.class)
        .hasMessageContaining("Duplicate value");
    assertThatThrownBy(() -> createPolicy("bad-action", s -> s.getRules().get(0).setWhen(List.of())))
        .isInstanceOf(KubernetesClientException.class)
        .hasMessageContaining("spec.rules[0].when");
    // ScaleTarget and escalation rules: the CEL rules of the generated CRD, enforced by the API server
    assertThatThrownBy(() -> createPolicy("bad-scale", s -> s.getRules().get(0).setAction(RemediationAction.ScaleTarget)))
        .isInstanceOf(KubernetesClientException.class)
        .hasMessageContaining("scale is required when action is ScaleTarget");
    assertThatThrownBy(() -> createPolicy("bad-replicas", s -> {
      s.getRules().get(0).setAction(RemediationAction.ScaleTarget);
      s.getRules().get(0).setScale(new ScaleSpec(new ScaleTargetRef("apps/v1", "Deployment", "shop"), 5, 4));
    })).isInstanceOf(KubernetesClientException.class)
        .hasMessageContaining("maxReplicas must be at least minHealthy");
    assertThatThrownBy(() -> createPolicy("bad-escalation", s -> {
      EscalationStep stop = new EscalationStep();
      stop.setAction(RemediationAction.None);
      EscalationStep restart = new EscalationStep();
      restart.setAction(RemediationAction.RestartPod);
      s.getRules().get(0).setEscalation(new ArrayList<>(List.of(stop, restart)));
    })).isInstanceOf(KubernetesClientException.class)
        .hasMessageContaining("set either action or escalation")
        .hasMessageContaining("only the last escalation step may be None");
  }

  @Test
  @Order(3)
  void aSidecarCannotWriteAnotherPodsHealth() {
    List<String> pods = new ArrayList<>(running.keySet());
    KubernetesClient first = running.get(pods.get(0)).client();
    // the same kind of write the sidecar makes (RBAC allows it), aimed at another pod's WorkerHealth
    String forged = "[{\"op\":\"add\",\"path\":\"/status/phase\",\"value\":\"Failed\"}]";
    assertThatThrownBy(() -> first.resources(WorkerHealth.class).inNamespace(APP_NS).withName(pods.get(1))
        .subresource("status").patch(PatchContext.of(PatchType.JSON), forged))
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isIn(403, 422))
        .hasMessageContaining("may only write the WorkerHealth named after itself");
    assertThat(admin.resources(WorkerHealth.class).inNamespace(APP_NS).withName(pods.get(1)).get().getStatus()
        .getPhase()).isEqualTo(HealthPhase.Healthy);
    // its own is fine
    String own = "[{\"op\":\"add\",\"path\":\"/status/ready\",\"value\":\"4/4\"}]";
    first.resources(WorkerHealth.class).inNamespace(APP_NS).withName(pods.get(0)).subresource("status")
        .patch(PatchContext.of(PatchType.JSON), own);
  }

  @Test
  @Order(4)
  void aFailedWorkerGetsItsPodEvictedAndReplaced() throws Exception {
    String victim = running.keySet().stream().sorted().findFirst().orElseThrow();
    String victimUid = admin.pods().inNamespace(APP_NS).withName(victim).get().getMetadata().getUid();
    long start = System.nanoTime();
    fault(victim, "/faults/fail?worker=deliverymq-consumer");
    await().atMost(TIMEOUT).until(() -> admin.pods().inNamespace(APP_NS).withName(victim).get() == null);
    long evictedAfterMs = (System.nanoTime() - start) / 1_000_000;
    System.out.printf("E2E: worker failure -> pod evicted in %d ms (rule 'for' 2s, sidecar interval 500ms)%n",
        evictedAfterMs);
    await().atMost(TIMEOUT).until(() -> syncPods() == 3 && !running.containsKey(victim));
    // the old pod's WorkerHealth goes with it
    await().atMost(TIMEOUT).until(() -> admin.resources(WorkerHealth.class).inNamespace(APP_NS).withName(victim)
        .get() == null);
    RemediationRecord r = status("restart-consumers").getHistory().get(0);
    assertThat(r.getPod()).isEqualTo(victim);
    assertThat(r.getPodUID()).isEqualTo(victimUid);
    assertThat(r.getOutcome()).isEqualTo(RemediationOutcome.Succeeded);
    assertThat(r.getSlot()).startsWith("ReplicaSet/shop-");
    assertThat(events("Restarted")).isNotEmpty();
    await().atMost(TIMEOUT).until(() -> admin.resources(WorkerHealth.class).inNamespace(APP_NS).list().getItems()
        .stream().filter(w -> w.getStatus() != null && w.getStatus().getPhase() == HealthPhase.Healthy).count() == 3);
  }

  @Test
  @Order(5)
  void anOutageIsNotAnsweredWithRestarts() throws Exception {
    List<String> before = podNames();
    for (String pod : running.keySet()) {
      fault(pod, "/faults/outage");
    }
    await().atMost(TIMEOUT).until(() -> {
      WorkerHealthPolicyStatus s = status("restart-consumers");
      return s.getConditions().stream().anyMatch(c -> c.getType().equals("RemediationAllowed")
          && c.getStatus().equals("False") && c.getReason().equals("TooManyUnhealthy"));
    });
    // well past 'for': still nobody restarted
    await().pollDelay(6, TimeUnit.SECONDS).atMost(10, TimeUnit.SECONDS).until(() -> true);
    assertThat(podNames()).containsExactlyInAnyOrderElementsOf(before);
    assertThat(events("RemediationSuppressed")).isNotEmpty();
    for (String pod : running.keySet()) {
      fault(pod, "/faults/recover-all");
    }
    await().atMost(TIMEOUT).until(() -> status("restart-consumers").getConditions().stream()
        .anyMatch(c -> c.getType().equals("RemediationAllowed") && c.getStatus().equals("True")));
    // pods report their recovery a moment apart: the stragglers are left to recover, not restarted
    await().atMost(TIMEOUT).until(() -> admin.resources(WorkerHealth.class).inNamespace(APP_NS).list().getItems()
        .stream().allMatch(w -> w.getStatus() != null && w.getStatus().getPhase() == HealthPhase.Healthy));
    await().pollDelay(4, TimeUnit.SECONDS).atMost(6, TimeUnit.SECONDS).until(() -> true);
    assertThat(podNames()).containsExactlyInAnyOrderElementsOf(before);
  }

  @Test
  @Order(6)
  void aPodDisruptionBudgetHoldsTheEvictionUntilItAllowsIt() throws Exception {
    // The API server lets Pending pods go whatever the budget says; with no kubelet here, report the pods
    // Running and Ready as a kubelet would, so the budget counts them.
    for (String pod : podNames()) {
      admin.pods().inNamespace(APP_NS).withName(pod).editStatus(p -> new PodBuilder(p).editStatus()
          .withPhase("Running").withConditions(new PodConditionBuilder().withType("Ready").withStatus("True")
              .build()).endStatus().build());
    }
    admin.policy().v1().podDisruptionBudget().inNamespace(APP_NS).resource(new PodDisruptionBudgetBuilder()
        .withNewMetadata().withName("shop").endMetadata()
        .withNewSpec().withMinAvailable(new IntOrString(3)).withNewSelector().addToMatchLabels("app", "shop")
        .endSelector().endSpec().build()).create();
    await().atMost(TIMEOUT).until(() -> {
      var pdb = admin.policy().v1().podDisruptionBudget().inNamespace(APP_NS).withName("shop").get();
      return pdb.getStatus() != null && Integer.valueOf(3).equals(pdb.getStatus().getCurrentHealthy());
    });
    String victim = running.keySet().stream().sorted().findFirst().orElseThrow();
    fault(victim, "/faults/fail?worker=retrymq-consumer");
    awaitOrDescribe(() -> status("restart-consumers").getHistory().stream()
        .anyMatch(r -> r.getPod().equals(victim) && r.getOutcome() == RemediationOutcome.Blocked));
    assertThat(admin.pods().inNamespace(APP_NS).withName(victim).get()).isNotNull();
    assertThat(events("EvictionBlocked")).isNotEmpty();

    // the budget now allows one disruption
    admin.policy().v1().podDisruptionBudget().inNamespace(APP_NS).withName("shop")
        .edit(p -> new PodDisruptionBudgetBuilder(p).editSpec().withMinAvailable(new IntOrString(2)).endSpec()
            .build());
    await().atMost(TIMEOUT).until(() -> admin.pods().inNamespace(APP_NS).withName(victim).get() == null);
    await().atMost(TIMEOUT).until(() -> syncPods() == 3);
  }

  @Test
  @Order(7)
  void tooFewHealthyConsumersScaleTheDeploymentUpAndBackDown() throws Exception {
    admin.resources(WorkerHealthPolicy.class).inNamespace(APP_NS).withName("restart-consumers").delete();
    admin.policy().v1().podDisruptionBudget().inNamespace(APP_NS).withName("shop").delete();
    await().atMost(TIMEOUT).until(() -> syncPods() == 3);
    createPolicy("keep-consumers", s -> {
      RemediationRule rule = s.getRules().get(0);
      rule.setName("keep-consumers");
      rule.setWorkers(new ArrayList<>(List.of("deliverymq-consumer")));
      rule.setAction(RemediationAction.ScaleTarget);
      ScaleSpec scale = new ScaleSpec(new ScaleTargetRef("apps/v1", "Deployment", "shop"), 3, 4);
      scale.setStabilizationWindow("5s");
      rule.setScale(scale);
      s.setMaxUnhealthy(new IntOrString("100%"));
    });
    String failing = running.keySet().stream().sorted().findFirst().orElseThrow();
    fault(failing, "/faults/fail?worker=deliverymq-consumer");
    long start = System.nanoTime();
    // through the Deployment's scale subresource, as the chart's ServiceAccount: 3 -> 4, and a fourth pod appears
    awaitOrDescribe("keep-consumers", () -> Integer.valueOf(4).equals(admin.apps().deployments().inNamespace(APP_NS)
        .withName("shop").get().getSpec().getReplicas()));
    System.out.printf("E2E: worker failure -> Deployment scaled 3 -> 4 in %d ms%n",
        (System.nanoTime() - start) / 1_000_000);
    await().atMost(TIMEOUT).until(() -> syncPods() == 4);
    assertThat(events("ScaledUp")).isNotEmpty();
    assertThat(status("keep-consumers").getScaleTargets()).singleElement().satisfies(t -> {
      assertThat(t.getBaselineReplicas()).isEqualTo(3);
      assertThat(t.getLastSetReplicas()).isEqualTo(4);
    });
    // healthy again: after the stabilization window it steps back to where it was, and stays there
    fault(failing, "/faults/recover-all");
    awaitOrDescribe("keep-consumers", () -> Integer.valueOf(3).equals(admin.apps().deployments().inNamespace(APP_NS)
        .withName("shop").get().getSpec().getReplicas()));
    assertThat(events("ScaledDown")).isNotEmpty();
    await().atMost(TIMEOUT).until(() -> syncPods() == 3);
    await().pollDelay(6, TimeUnit.SECONDS).atMost(10, TimeUnit.SECONDS).until(() -> true);
    assertThat(admin.apps().deployments().inNamespace(APP_NS).withName("shop").get().getSpec().getReplicas())
        .isEqualTo(3);
  }

  /** Waits; on time-out, fails with what the policy and the WorkerHealths looked like, to read the failure. */
  static void awaitOrDescribe(java.util.concurrent.Callable<Boolean> condition) {
    awaitOrDescribe("restart-consumers", condition);
  }

  static void awaitOrDescribe(String policy, java.util.concurrent.Callable<Boolean> condition) {
    try {
      await().atMost(TIMEOUT).until(condition);
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      StringBuilder state = new StringBuilder("timed out; policy status:\n")
          .append(io.fabric8.kubernetes.client.utils.Serialization.asYaml(status(policy)));
      admin.resources(WorkerHealth.class).inNamespace(APP_NS).list().getItems().forEach(w -> state
          .append(w.getMetadata().getName()).append(": ").append(w.getStatus().getPhase()).append(' ')
          .append(w.getStatus().getFailing()).append(' ').append(w.getStatus().getLastScrapeTime()).append('\n'));
      admin.v1().events().inNamespace(APP_NS).list().getItems().stream()
          .filter(ev -> ev.getInvolvedObject().getKind().equals("WorkerHealthPolicy"))
          .forEach(ev -> state.append("event: ").append(ev.getReason()).append(' ').append(ev.getMessage())
              .append('\n'));
      throw new AssertionError(state.toString(), e);
    }
  }

  // --- the harness: what a kubelet, kubectl and the downward API would do

  /** Starts the app and sidecar of every new pod and stops those of pods that are gone; returns how many run. */
  static synchronized int syncPods() throws Exception {
    List<Pod> pods = admin.pods().inNamespace(APP_NS).withLabel("app", "shop").list().getItems().stream()
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null).toList();
    List<String> names = pods.stream().map(p -> p.getMetadata().getName()).toList();
    for (String gone : new ArrayList<>(running.keySet())) {
      if (!names.contains(gone)) {
        running.remove(gone).stop();
      }
    }
    for (Pod pod : pods) {
      String name = pod.getMetadata().getName();
      if (running.containsKey(name)) {
        continue;
      }
      SampleWorkerApp app = SampleWorkerApp.start(SampleAppConfig.defaults().withBindAddress("127.0.0.1")
          .withPort(0), Clock.systemUTC());
      Path labels = Files.createTempFile("labels", "");
      StringBuilder text = new StringBuilder();
      pod.getMetadata().getLabels().forEach((k, v) -> text.append(k).append("=\"").append(v).append("\"\n"));
      Files.writeString(labels, text);
      KubernetesClient client = clientWithToken(token(APP_NS, "shop-app", pod));
      SidecarConfig config = SidecarConfig.fromEnv(Map.of("WH_TARGET_URL", "http://127.0.0.1:" + app.port()
              + "/healthz", "WH_INTERVAL", "500ms", "WH_TIMEOUT", "400ms", "WH_HEARTBEAT", "10s",
          "WH_METRICS_PORT", "0", "POD_NAME", name, "POD_NAMESPACE", APP_NS, "POD_UID", pod.getMetadata().getUid(),
          "WH_LABELS_FILE", labels.toString()));
      running.put(name, new PodProcesses(app, new SidecarRunner(config, client, Clock.systemUTC()).start(), client));
    }
    return running.size();
  }

  static String token(String namespace, String serviceAccount, Pod boundTo) {
    return ControlPlaneClients.token(admin, namespace, serviceAccount, boundTo);
  }

  static KubernetesClient clientWithToken(String token) {
    return ControlPlaneClients.clientWithToken(controlPlane, token);
  }

  static void fault(String pod, String path) throws Exception {
    var http = java.net.http.HttpClient.newHttpClient();
    var response = http.send(java.net.http.HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
        + running.get(pod).app().port() + path)).POST(java.net.http.HttpRequest.BodyPublishers.noBody()).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isLessThan(300);
  }

  static WorkerHealthPolicy createPolicy(String name, java.util.function.Consumer<WorkerHealthPolicySpec> change) {
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
    p.getMetadata().setNamespace(APP_NS);
    p.setSpec(spec);
    return admin.resource(p).create();
  }

  static WorkerHealthPolicyStatus status(String name) {
    WorkerHealthPolicy p = admin.resources(WorkerHealthPolicy.class).inNamespace(APP_NS).withName(name).get();
    return p == null ? null : p.getStatus();
  }

  static List<String> podNames() {
    return admin.pods().inNamespace(APP_NS).withLabel("app", "shop").list().getItems().stream()
        .map(p -> p.getMetadata().getName()).toList();
  }

  static List<Event> events(String reason) {
    return admin.v1().events().inNamespace(APP_NS).list().getItems().stream()
        .filter(e -> reason.equals(e.getReason())).toList();
  }

  static boolean established(String crd) {
    return ControlPlaneClients.established(admin, crd);
  }

  static JsonNode table(String path) throws Exception {
    HttpRequest request = admin.getHttpClient().newHttpRequestBuilder().uri(controlPlane.serverUrl() + path)
        .header("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io").build();
    HttpResponse<String> response = admin.getHttpClient().sendAsync(request, String.class).get(30, TimeUnit.SECONDS);
    assertThat(response.code()).as(response.body()).isEqualTo(200);
    return new ObjectMapper().readTree(response.body());
  }

  static List<String> columns(JsonNode table) {
    List<String> names = new ArrayList<>();
    table.get("columnDefinitions").forEach(c -> names.add(c.get("name").asText()));
    return names;
  }

  static Path chartDir() {
    return Path.of(System.getProperty("wh.e2e.chartDir", "../charts/worker-health-operator"));
  }

  static void helm(String... args) throws Exception {
    String cache = System.getenv().getOrDefault("WH_CACHE_DIR",
        Path.of(System.getProperty("user.home"), ".cache", "worker-health").toString());
    Path helm = Path.of(System.getenv().getOrDefault("WH_HELM", Path.of(cache, "bin", "helm").toString()));
    assertThat(helm).as("helm (run scripts/install-tools.sh)").isExecutable();
    List<String> command = new ArrayList<>(List.of(helm.toString(), "--kubeconfig",
        controlPlane.adminKubeconfig().toString()));
    command.addAll(List.of(args));
    Path log = Files.createTempFile("helm", ".log");
    Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    assertThat(p.waitFor(3, TimeUnit.MINUTES)).isTrue();
    assertThat(p.exitValue()).as("helm %s: %s", String.join(" ", args), Files.readString(log)).isZero();
  }

}
