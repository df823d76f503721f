package io.workerhealth.e2e;

import static io.workerhealth.e2e.WorkerHealthLoopE2E.columns;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.BindingBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.workerhealth.api.v1alpha1.ApiGroup;
import io.workerhealth.api.v1alpha1.HealthPhase;
import io.workerhealth.api.v1alpha1.RemediationAction;
import io.workerhealth.api.v1alpha1.RemediationOutcome;
import io.workerhealth.api.v1alpha1.RemediationRule;
import io.workerhealth.api.v1alpha1.Reporter;
import io.workerhealth.api.v1alpha1.WorkerHealth;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicy;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicySpec;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicyStatus;
import io.workerhealth.api.v1alpha1.WorkerHealthSpec;
import io.workerhealth.api.v1alpha1.WorkerHealthStatus;
import io.workerhealth.api.v1alpha1.WorkerState;
import io.workerhealth.api.v1alpha1.WorkerStatus;
import io.workerhealth.demo.controlplane.ControlPlaneBinaries;
import io.workerhealth.demo.controlplane.LocalControlPlane;
import io.workerhealth.examples.SampleAppConfig;
import io.workerhealth.examples.SampleWorkerApp;
import io.workerhealth.operator.OperatorSettings;
import io.workerhealth.operator.WorkerHealthOperator;
import io.workerhealth.operator.reconcile.WorkerHealthPolicyReconciler;
import io.workerhealth.sidecar.agent.AgentConfig;
import io.workerhealth.sidecar.agent.NodeAgent;
import io.workerhealth.sidecar.agent.NodePods;
import io.workerhealth.sidecar.report.ReportingClient;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The node agent on a real control plane, with the chart installed in agent mode by real helm (its RBAC and
 * admission policies enforced). There is no kubelet or scheduler: the test plays them. Two Node objects exist; the
 * DaemonSet controller makes an agent pod for each, which the test binds to its node as the scheduler would. The
 * agent of node-a runs in this JVM as the chart's agent ServiceAccount, with a token bound to that DaemonSet pod (so
 * the API server names node-a in it), configured from the env of the DaemonSet the chart rendered; its informer
 * lists and watches with the field selector spec.nodeName=node-a. The app's pods are bound to node-a or node-b; for
 * each, the test starts the sample app on a loopback address of its own (127.0.0.x) and reports that address as the
 * pod's IP, as a kubelet would. The operator runs in this JVM as the chart's ServiceAccount.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NodeAgentE2E {

  static final Duration TIMEOUT = Duration.ofSeconds(120);
  static final String OPERATOR_NS = "worker-health";
  static final String APP_NS = "shop";
  static final String RELEASE = "who";
  static final String OPERATOR_SA = RELEASE + "-worker-health-operator";
  static final String AGENT_SA = RELEASE + "-worker-health-operator-agent";
  static final String AGENT_DAEMONSET = RELEASE + "-worker-health-operator-agent";

  static LocalControlPlane controlPlane;
  static KubernetesClient admin;
  static KubernetesClient operatorClient;
  static WorkerHealthOperator operator;
  static KubernetesClient agentClient;
  static NodeAgent agent;
  static Pod agentPod;
  /** The health port every app listens on, each at its pod's own loopback address. */
  static int appPort;
  static final AtomicInteger nextAddress = new AtomicInteger(10);
  /** pod uid → its app, as a kubelet would run it */
  static final Map<String, SampleWorkerApp> running = new ConcurrentHashMap<>();
  /** How many of the app's pods the test's "scheduler" puts on node-a; the others go to node-b. */
  static volatile int onNodeA = 2;
  /** Plays the scheduler and the kubelets every 300 ms. */
  static final java.util.concurrent.ScheduledExecutorService kubelet =
      java.util.concurrent.Executors.newSingleThreadScheduledExecutor();

  @BeforeAll
  static void installChartAndStart() throws Exception {
    controlPlane = LocalControlPlane.start(ControlPlaneBinaries.locate(), Path.of("target", "control-plane-agent"));
    admin = controlPlane.adminClient();
    admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(APP_NS).endMetadata().build())
        .create();
    await().atMost(TIMEOUT).until(() -> admin.serviceAccounts().inNamespace(APP_NS).withName("default").get() != null);
    for (String node : List.of("node-a", "node-b")) {
      admin.nodes().resource(new NodeBuilder().withNewMetadata().withName(node)
          .addToLabels("kubernetes.io/hostname", node).endMetadata().build()).create();
    }
    appPort = freePort();

    // the loop E2E's helpers (helm, tokens, tables) read its control plane and admin client: this class's, while it
    // runs (E2E classes run one after the other)
    WorkerHealthLoopE2E.controlPlane = controlPlane;
    WorkerHealthLoopE2E.admin = admin;
    WorkerHealthLoopE2E.helm("install", RELEASE, WorkerHealthLoopE2E.chartDir().toString(), "--namespace",
        OPERATOR_NS, "--create-namespace", "--set", "mode=agent");
    await().atMost(TIMEOUT).until(() -> WorkerHealthLoopE2E.established("workerhealths.workerhealth.io")
        && WorkerHealthLoopE2E.established("workerhealthpolicies.workerhealth.io"));

    // the DaemonSet controller makes an agent pod per node; the test binds them, as the scheduler would
    kubelet.scheduleWithFixedDelay(() -> {
      try {
        schedule();
      } catch (Exception e) {
        System.out.println("E2E scheduler/kubelet round failed (retried): " + e);
      }
    }, 0, 300, TimeUnit.MILLISECONDS);
    await().atMost(TIMEOUT).until(() -> agentPod("node-a") != null);
    agentPod = agentPod("node-a");
    assertThat(agentPod.getSpec().getNodeName()).isEqualTo("node-a");
    agent = startAgent(agentPod);

    operatorClient = new KubernetesClientBuilder().withConfig(new ConfigBuilder(
        clientConfig(WorkerHealthLoopE2E.token(OPERATOR_NS, OPERATOR_SA, null))).withNamespace(OPERATOR_NS).build())
        .build();
    operator = new WorkerHealthOperator(operatorClient, new OperatorSettings(0, List.of(), true,
        "worker-health-operator", OPERATOR_NS), Clock.systemUTC(),
        new WorkerHealthPolicyReconciler.Timings(Duration.ofSeconds(2), Duration.ofSeconds(1), Duration.ofSeconds(5)))
        .start();

    // the app: a Deployment whose pods ask the agent for it; two of its three pods land on node-a
    admin.apps().deployments().inNamespace(APP_NS).resource(new DeploymentBuilder()
        .withNewMetadata().withName("shop").endMetadata()
        .withNewSpec().withReplicas(3)
        .withNewSelector().addToMatchLabels("app", "shop").endSelector()
        .withNewTemplate().withNewMetadata().addToLabels("app", "shop")
        .addToAnnotations("workerhealth.io/scrape", "true")
        .addToAnnotations("workerhealth.io/port", Integer.toString(appPort))
        .addToAnnotations("workerhealth.io/interval", "500ms")
        .addToAnnotations("workerhealth.io/timeout", "400ms").endMetadata()
        .withNewSpec().addNewContainer().withName("app").withImage("registry.invalid/shop:1").endContainer()
        // no node ever becomes Ready here: the pods stay, whatever the node lifecycle controller taints
        .addNewToleration().withOperator("Exists").endToleration()
        .endSpec().endTemplate().endSpec().build()).create();
    await().atMost(TIMEOUT).until(() -> shopPods("node-a").size() == 2 && shopPods("node-b").size() == 1
        && running.size() == 3);
  }

  @AfterAll
  static void stopAll() {
    kubelet.shutdownNow();
    if (agent != null) {
      agent.close();
    }
    if (operator != null) {
      operator.close();
    }
    running.values().forEach(SampleWorkerApp::close);
    for (KubernetesClient c : new KubernetesClient[] {agentClient, operatorClient, admin}) {
      if (c != null) {
        c.close();
      }
    }
    if (controlPlane != null) {
      controlPlane.close();
    }
  }

  @Test
  @Order(1)
  void theAgentReportsTheAnnotatedPodsOfItsNodeOnlyAsTheSidecarWould() throws Exception {
    List<Pod> onA = shopPods("node-a");
    List<Pod> onB = shopPods("node-b");
    assertThat(onA).hasSize(2);
    assertThat(onB).hasSize(1);
    // pods of node-a that do not ask, or that carry their own sidecar, are left alone
    Pod quiet = bindAndRun(admin.pods().inNamespace(APP_NS).resource(new PodBuilder().withNewMetadata()
        .withName("quiet").addToLabels("app", "quiet").endMetadata().withNewSpec().withNodeName("node-a")
        .addNewContainer().withName("app").withImage("registry.invalid/quiet:1").endContainer().endSpec().build())
        .create());
    Pod injected = bindAndRun(admin.pods().inNamespace(APP_NS).resource(new PodBuilder().withNewMetadata()
        .withName("injected").addToLabels("app", "injected").addToAnnotations("workerhealth.io/scrape", "true")
        .addToAnnotations("workerhealth.io/port", Integer.toString(appPort)).endMetadata().withNewSpec()
        .withNodeName("node-a").addNewContainer().withName("app").withImage("registry.invalid/app:1").endContainer()
        .addNewContainer().withName("worker-health-sidecar").withImage("registry.invalid/sidecar:1").endContainer()
        .endSpec().build()).create());

    await().atMost(TIMEOUT).until(() -> onA.stream().allMatch(p -> phase(p) == HealthPhase.Healthy));
    for (Pod p : onA) {
      WorkerHealth wh = wh(p.getMetadata().getName());
      assertThat(wh.getSpec().getReporter()).isEqualTo(Reporter.agent("node-a"));
      assertThat(wh.getSpec().getTargetURL()).isEqualTo("http://" + p.getStatus().getPodIP() + ":" + appPort
          + "/healthz");
      assertThat(wh.getMetadata().getOwnerReferences()).singleElement()
          .satisfies(o -> assertThat(o.getUid()).isEqualTo(p.getMetadata().getUid()));
      assertThat(wh.getMetadata().getLabels()).containsEntry("app", "shop");
      assertThat(wh.getStatus().getReady()).isEqualTo("4/4");
    }
    await().pollDelay(3, TimeUnit.SECONDS).atMost(5, TimeUnit.SECONDS).until(() -> true);
    assertThat(wh(onB.get(0).getMetadata().getName())).as("node-b's pod: not this agent's").isNull();
    assertThat(wh(quiet.getMetadata().getName())).isNull();
    assertThat(wh(injected.getMetadata().getName())).isNull();
    assertThat(agent.pods()).containsExactlyInAnyOrderElementsOf(onA.stream()
        .map(p -> APP_NS + "/" + p.getMetadata().getName()).toList());

    JsonNode table = WorkerHealthLoopE2E.table("/apis/workerhealth.io/v1alpha1/namespaces/" + APP_NS
        + "/workerhealths?includeObject=None");
    assertThat(columns(table)).contains("Reporter", "Node");
    int reporter = columns(table).indexOf("Reporter");
    int node = columns(table).indexOf("Node");
    assertThat(table.get("rows")).hasSize(2).allSatisfy(row -> {
      assertThat(row.get("cells").get(reporter).asText()).isEqualTo("Agent");
      assertThat(row.get("cells").get(node).asText()).isEqualTo("node-a");
    });
    admin.pods().inNamespace(APP_NS).resource(quiet).delete();
    admin.pods().inNamespace(APP_NS).resource(injected).delete();
  }

  @Test
  @Order(2)
  void admissionLetsTheAgentWriteOnlyItsOwnNodesReportsAndLease() {
    Pod onB = shopPods("node-b").get(0);
    String bName = onB.getMetadata().getName();
    // a report claimed for node-b, by the agent of node-a: refused
    assertThatThrownBy(() -> agentClient.resource(agentReport(onB, "node-b")).create())
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(403))
        .hasMessageContaining("the node agent of node-a may only write WorkerHealths of pods on its node");
    // node-b's report, as its own agent wrote it: node-a's agent may not touch it
    WorkerHealth bReport = admin.resource(agentReport(onB, "node-b")).create();
    String forged = "[{\"op\":\"add\",\"path\":\"/status\",\"value\":{\"phase\":\"Failed\"}}]";
    assertThatThrownBy(() -> agentClient.resources(WorkerHealth.class).inNamespace(APP_NS).withName(bName)
        .subresource("status").patch(PatchContext.of(PatchType.JSON), forged))
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(403))
        .hasMessageContaining("may only write WorkerHealths of pods on its node");
    assertThatThrownBy(() -> agentClient.resources(WorkerHealth.class).inNamespace(APP_NS).withName(bName)
        .patch(PatchContext.of(PatchType.JSON), "[{\"op\":\"add\",\"path\":\"/spec/reporter\",\"value\":"
            + "{\"kind\":\"Agent\",\"nodeName\":\"node-a\"}}]"))
        .isInstanceOf(KubernetesClientException.class);
    admin.resource(bReport).delete();
    // another node's Lease: refused; a token not bound to a pod names no node: refused
    assertThatThrownBy(() -> agentClient.leases().inNamespace(OPERATOR_NS).resource(new LeaseBuilder()
        .withNewMetadata().withName(ApiGroup.agentLeaseName("node-b")).endMetadata().withNewSpec()
        .withHolderIdentity("x").endSpec().build()).create())
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(403))
        .hasMessageContaining("may only write the Lease of its own node");
    try (KubernetesClient unbound = new KubernetesClientBuilder().withConfig(clientConfig(
        WorkerHealthLoopE2E.token(OPERATOR_NS, AGENT_SA, null))).build()) {
      assertThatThrownBy(() -> unbound.resource(agentReport(shopPods("node-a").get(0), "node-a")).create())
          .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(403))
          .hasMessageContaining("must authenticate with the token of its DaemonSet pod");
    }
  }

  @Test
  @Order(3)
  void theOperatorIgnoresAReportWhoseAgentIsNotThePodsNodesAndEvictsAsInSidecarMode() throws Exception {
    createPolicy();
    await().atMost(TIMEOUT).until(() -> status() != null && Integer.valueOf(2).equals(status().getHealthyPods()));
    // node-a's agent may write a report recorded with its own node for node-b's pod (admission sees no pods)... but
    // the operator compares the recorded node with the pod's: a failed consumer, well past 'for', never acted on
    Pod onB = shopPods("node-b").get(0);
    WorkerHealth misplaced = agentClient.resource(agentReport(onB, "node-a")).create();
    agentClient.resources(WorkerHealth.class).inNamespace(APP_NS).withName(onB.getMetadata().getName())
        .subresource("status").patch(PatchContext.of(PatchType.JSON), "[{\"op\":\"add\",\"path\":\"/status\","
            + "\"value\":" + agentClient.getKubernetesSerialization().asJson(failedStatus(Instant.now())) + "}]");
    await().atMost(TIMEOUT).until(() -> Integer.valueOf(1).equals(status().getUnknownPods()));

    // a consumer of a node-a pod fails: the agent writes it, its Lease vouches for it, the operator evicts
    Pod victim = shopPods("node-a").get(0);
    String victimName = victim.getMetadata().getName();
    long start = System.nanoTime();
    fault(victim, "/faults/fail?worker=deliverymq-consumer");
    await().atMost(TIMEOUT).until(() -> admin.pods().inNamespace(APP_NS).withName(victimName).get() == null);
    System.out.printf("E2E (agent): worker failure -> pod evicted in %d ms (rule 'for' 2s, interval 500ms)%n",
        (System.nanoTime() - start) / 1_000_000);
    assertThat(status().getHistory()).anySatisfy(r -> {
      assertThat(r.getPod()).isEqualTo(victimName);
      assertThat(r.getOutcome()).isEqualTo(RemediationOutcome.Succeeded);
    });
    assertThat(admin.pods().inNamespace(APP_NS).withName(onB.getMetadata().getName()).get())
        .as("the misplaced report's pod").isNotNull();
    admin.resource(misplaced).delete();
    // the ReplicaSet replaces it; the replacement lands on node-a and is reported
    await().atMost(TIMEOUT).until(() -> shopPods("node-a").size() == 2
        && shopPods("node-a").stream().allMatch(p -> phase(p) == HealthPhase.Healthy));
  }

  @Test
  @Order(4)
  void podsComeAndGoAndTheAgentFollows() {
    onNodeA = 4;
    admin.apps().deployments().inNamespace(APP_NS).withName("shop").scale(5);
    await().atMost(TIMEOUT).until(() -> shopPods("node-a").size() == 4
        && shopPods("node-a").stream().allMatch(p -> phase(p) == HealthPhase.Healthy));
    assertThat(agent.pods()).hasSize(4);
    Pod gone = shopPods("node-a").get(0);
    admin.pods().inNamespace(APP_NS).resource(gone).withGracePeriod(0).delete();
    await().atMost(TIMEOUT).until(() -> !agent.pods().contains(APP_NS + "/" + gone.getMetadata().getName()));
    // its WorkerHealth goes with it (garbage collection of the owned object)
    await().atMost(TIMEOUT).until(() -> wh(gone.getMetadata().getName()) == null);
    admin.apps().deployments().inNamespace(APP_NS).withName("shop").scale(3);
    await().atMost(TIMEOUT).until(() -> shopPods(null).size() == 3
        && agent.pods().size() == shopPods("node-a").size());
  }

  @Test
  @Order(5)
  void quietPodsCostOnlyTheLeaseAndAStoppedAgentsReportsGoStale() throws Exception {
    // once the pods of the last test have settled: 10 s without a write, while the Lease is renewed every 2 s
    String[] window = new String[2];
    await().atMost(TIMEOUT).pollInterval(10, TimeUnit.SECONDS).until(() -> {
      String writes = metric("workerhealth_agent_report_writes_total{result=\"success\"}");
      String renewals = metric("workerhealth_agent_lease_renewals_total{result=\"success\"}");
      boolean quiet = writes.equals(window[0]) && Double.parseDouble(renewals) >= Double.parseDouble(window[1]) + 4;
      window[0] = writes;
      window[1] = renewals;
      return quiet;
    });

    int reported = shopPods("node-a").size();
    agent.close();
    agent = null;
    // once its Lease has lapsed, the agent's reports are stale: Unknown to the policy, never acted on
    await().atMost(TIMEOUT).until(() -> Integer.valueOf(reported).equals(status().getUnknownPods()));
  }

  // --- the harness: what a scheduler and a kubelet would do

  /**
   * One round of the scheduler and the kubelets: binds every pod still waiting for a node (the agents' to their
   * DaemonSet's node, the app's to node-a up to {@link #onNodeA}, the rest to node-b); runs the app of each bound app
   * pod at a loopback address of its own, reported as its IP; and, as a kubelet does once the containers stopped,
   * deletes for good the pods being deleted (an eviction, a scale-down) and stops their apps.
   */
  static synchronized void schedule() throws Exception {
    List<Pod> pods = admin.pods().inAnyNamespace().list().getItems();
    long onA = pods.stream().filter(p -> p.getMetadata().getNamespace().equals(APP_NS)
        && "shop".equals(p.getMetadata().getLabels().get("app")) && "node-a".equals(p.getSpec().getNodeName())
        && p.getMetadata().getDeletionTimestamp() == null).count();
    for (Pod pod : pods) {
      String ns = pod.getMetadata().getNamespace();
      String name = pod.getMetadata().getName();
      if (pod.getMetadata().getDeletionTimestamp() != null) {
        if (pod.getSpec().getNodeName() != null) {
          SampleWorkerApp app = running.remove(pod.getMetadata().getUid());
          if (app != null) {
            app.close();
          }
          admin.pods().inNamespace(ns).withName(name).withGracePeriod(0).delete();
        }
        continue;
      }
      boolean shop = ns.equals(APP_NS) && "shop".equals(pod.getMetadata().getLabels().get("app"));
      if (pod.getSpec().getNodeName() == null) {
        String node = ns.equals(OPERATOR_NS) ? daemonSetNode(pod) : shop ? (onA < onNodeA ? "node-a" : "node-b")
            : null;
        if (node == null) {
          continue;
        }
        onA += node.equals("node-a") && shop ? 1 : 0;
        admin.bindings().inNamespace(ns).resource(new BindingBuilder().withNewMetadata().withName(name).endMetadata()
            .withNewTarget().withApiVersion("v1").withKind("Node").withName(node).endTarget().build()).create();
        pod = admin.pods().inNamespace(ns).withName(name).get();
      }
      if (shop) {
        bindAndRun(pod);
      }
    }
  }

  /** The kubelet's part for a bound pod: its app at a loopback address of its own, reported as its IP, Running. */
  static synchronized Pod bindAndRun(Pod pod) throws Exception {
    if (running.containsKey(pod.getMetadata().getUid())) {
      return pod;
    }
    String ip = "127.0.0." + nextAddress.getAndIncrement();
    SampleWorkerApp app = SampleWorkerApp.start(SampleAppConfig.defaults().withBindAddress(ip).withPort(appPort),
        Clock.systemUTC());
    running.put(pod.getMetadata().getUid(), app);
    return admin.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName())
        .editStatus(p -> new PodBuilder(p).editOrNewStatus().withPhase("Running").withPodIP(ip).withHostIP("10.0.0.1")
            .withConditions(new PodConditionBuilder().withType("Ready").withStatus("True").build()).endStatus()
            .build());
  }

  /** The node a DaemonSet pod is for: the one its node affinity names. */
  static String daemonSetNode(Pod pod) {
    var affinity = pod.getSpec().getAffinity();
    if (affinity == null || affinity.getNodeAffinity() == null) {
      return null;
    }
    return affinity.getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution().getNodeSelectorTerms()
        .get(0).getMatchFields().get(0).getValues().get(0);
  }

  static Pod agentPod(String node) {
    return admin.pods().inNamespace(OPERATOR_NS).list().getItems().stream()
        .filter(p -> p.getMetadata().getName().startsWith(AGENT_DAEMONSET) && node.equals(p.getSpec().getNodeName()))
        .findFirst().orElse(null);
  }

  /**
   * The agent as the chart's DaemonSet runs it on {@code pod}'s node: its ServiceAccount's token bound to the pod,
   * the env of the rendered container (the downward API's fields filled in), with a Lease renewed every 2 s and
   * lapsing after 6 s so that the test need not wait 40 s.
   */
  static NodeAgent startAgent(Pod pod) throws Exception {
    DaemonSet ds = admin.apps().daemonSets().inNamespace(OPERATOR_NS).withName(AGENT_DAEMONSET).get();
    Map<String, String> env = new HashMap<>();
    for (EnvVar e : ds.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv()) {
      if (e.getValue() != null) {
        env.put(e.getName(), e.getValue());
      }
    }
    env.put("NODE_NAME", pod.getSpec().getNodeName());
    env.put("POD_NAME", pod.getMetadata().getName());
    env.put("POD_NAMESPACE", pod.getMetadata().getNamespace());
    env.put("WH_METRICS_PORT", "0");
    env.put("WH_LEASE_DURATION", "6s");
    env.put("WH_LEASE_RENEW_INTERVAL", "2s");
    assertThat(env).containsKeys("JAVA_TOOL_OPTIONS", "WH_SCRAPE_THREADS", "WH_MAX_BODY_LIMIT");
    String token = WorkerHealthLoopE2E.token(OPERATOR_NS, AGENT_SA, pod);
    assertThat(tokenClaims(token).path("kubernetes.io").path("node").path("name").asText())
        .as("the API server names the pod's node in the token").isEqualTo(pod.getSpec().getNodeName());
    agentClient = new KubernetesClientBuilder().withConfig(clientConfig(token)).build();
    AgentConfig config = AgentConfig.fromEnv(env);
    ReportingClient api = ReportingClient.build(clientConfig(token), Clock.systemUTC());
    return new NodeAgent(config, api, NodePods.watched(api.client(), config.nodeName(), config.watchNamespaces()),
        Clock.systemUTC(), new Random()).start();
  }

  static JsonNode tokenClaims(String jwt) throws Exception {
    return new ObjectMapper().readTree(java.util.Base64.getUrlDecoder().decode(jwt.split("\\.")[1]));
  }

  static Config clientConfig(String token) {
    Config adminConfig = controlPlane.adminConfig();
    return new ConfigBuilder(Config.empty()).withMasterUrl(adminConfig.getMasterUrl())
        .withCaCertData(adminConfig.getCaCertData()).withOauthToken(token).build();
  }

  /** The app's pods (of the Deployment) on {@code node} (null: all), not being deleted, by name. */
  static List<Pod> shopPods(String node) {
    return admin.pods().inNamespace(APP_NS).withLabel("app", "shop").list().getItems().stream()
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
        .filter(p -> node == null || node.equals(p.getSpec().getNodeName()))
        .sorted(java.util.Comparator.comparing(p -> p.getMetadata().getName())).toList();
  }

  static WorkerHealth wh(String name) {
    return admin.resources(WorkerHealth.class).inNamespace(APP_NS).withName(name).get();
  }

  static HealthPhase phase(Pod pod) {
    WorkerHealth wh = wh(pod.getMetadata().getName());
    return wh == null || wh.getStatus() == null ? null : wh.getStatus().getPhase();
  }

  /** A WorkerHealth for {@code pod} as an agent of {@code node} would create it. */
  static WorkerHealth agentReport(Pod pod, String node) {
    WorkerHealth wh = new WorkerHealth();
    wh.getMetadata().setName(pod.getMetadata().getName());
    wh.getMetadata().setNamespace(APP_NS);
    wh.getMetadata().setLabels(pod.getMetadata().getLabels());
    wh.getMetadata().setOwnerReferences(List.of(new io.fabric8.kubernetes.api.model.OwnerReferenceBuilder()
        .withApiVersion("v1").withKind("Pod").withName(pod.getMetadata().getName())
        .withUid(pod.getMetadata().getUid()).build()));
    WorkerHealthSpec spec = new WorkerHealthSpec();
    spec.setPodName(pod.getMetadata().getName());
    spec.setReporter(Reporter.agent(node));
    spec.setIntervalSeconds(1);
    wh.setSpec(spec);
    return wh;
  }

  static WorkerHealthStatus failedStatus(Instant now) {
    WorkerHealthStatus s = new WorkerHealthStatus();
    s.setPhase(HealthPhase.Failed);
    s.setLastScrapeTime(now.toString());
    s.setLastSuccessfulScrapeTime(now.toString());
    s.setWorkers(new ArrayList<>(List.of(new WorkerState("deliverymq-consumer", WorkerStatus.Failed, "failed", null,
        now.minusSeconds(600).toString()))));
    s.setReady("0/1");
    return s;
  }

  static void createPolicy() {
    WorkerHealthPolicySpec spec = new WorkerHealthPolicySpec();
    spec.setSelector(new LabelSelector(null, Map.of("app", "shop")));
    RemediationRule rule = new RemediationRule();
    rule.setName("restart-consumer");
    rule.setWorkers(new ArrayList<>(List.of("*-consumer")));
    rule.setFor("2s");
    rule.setAction(RemediationAction.RestartPod);
    spec.setRules(new ArrayList<>(List.of(rule)));
    spec.setCooldown("1s");
    spec.setStaleAfter("10s"); // the agent's Lease lapses 6 s after it stops: reports go stale soon after
    WorkerHealthPolicy p = new WorkerHealthPolicy();
    p.getMetadata().setName("restart-consumers");
    p.getMetadata().setNamespace(APP_NS);
    p.setSpec(spec);
    admin.resource(p).create();
  }

  static WorkerHealthPolicyStatus status() {
    WorkerHealthPolicy p = admin.resources(WorkerHealthPolicy.class).inNamespace(APP_NS).withName("restart-consumers")
        .get();
    return p == null ? null : p.getStatus();
  }

  static void fault(Pod pod, String path) throws Exception {
    String ip = admin.pods().inNamespace(APP_NS).withName(pod.getMetadata().getName()).get().getStatus().getPodIP();
    var response = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
            URI.create("http://" + ip + ":" + appPort + path)).POST(java.net.http.HttpRequest.BodyPublishers.noBody())
        .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isLessThan(300);
  }

  static String metric(String series) {
    return agent.metricsText().lines().filter(l -> l.startsWith(series + " ")).map(l -> l.substring(series.length() + 1))
        .findFirst().orElse("0");
  }

  static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("0.0.0.0"))) {
      return s.getLocalPort();
    }
  }
}
