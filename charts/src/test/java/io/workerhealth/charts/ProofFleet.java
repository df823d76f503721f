package io.workerhealth.charts;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.authorization.v1.ResourceRule;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectRulesReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectRulesReviewStatusBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.workerhealth.api.v1alpha1.HealthPhase;
import io.workerhealth.api.v1alpha1.RemediationAction;
import io.workerhealth.api.v1alpha1.RemediationOutcome;
import io.workerhealth.api.v1alpha1.RemediationRule;
import io.workerhealth.api.v1alpha1.WorkerHealth;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicy;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicySpec;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicyStatus;
import io.workerhealth.examples.SampleAppConfig;
import io.workerhealth.examples.SampleWorkerApp;
import io.workerhealth.operator.OperatorSettings;
import io.workerhealth.operator.WorkerHealthOperator;
import io.workerhealth.operator.reconcile.WorkerHealthPolicyReconciler;
import io.workerhealth.sidecar.SidecarRunner;
import io.workerhealth.sidecar.config.SidecarConfig;
import io.fabric8.kubernetes.api.model.IntOrString;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The project running for real, in this JVM, against the fabric8 mock API server in CRUD mode: the sample
 * multi-worker app on loopback as three "pods", a {@link SidecarRunner} next to each, and the operator with a
 * policy over two of them. The phases drive it through what a platform team watches: a worker failing and being
 * remediated (the eviction is answered by the mock and "restarts" the app), scrape errors, an API error during a
 * reconcile, and an outage that suppresses remediation.
 *
 * <p>Each component talks to the API server with its own User-Agent, so the requests the mock server records can be
 * attributed to the operator or the sidecars ({@link #requests()}).
 */
final class ProofFleet implements AutoCloseable {

  static final String NS = "outpost";
  static final String POLICY = "restart";
  static final String RULE = "restart-consumer";
  /** The worker the policy's rule restarts pods for. */
  static final String REMEDIATED_WORKER = "deliverymq-consumer";
  /** Failed from the start in the pod no policy selects: it stays failed (a "failing worker now"). */
  static final String LEFT_FAILED_WORKER = "logmq-consumer";
  static final String OPERATOR_AGENT = "worker-health-operator-proof";
  static final String SIDECAR_AGENT = "worker-health-sidecar-proof";
  static final String LEASE_NAME = "worker-health-operator";
  static final WorkerHealthPolicyReconciler.Timings FAST = new WorkerHealthPolicyReconciler.Timings(
      Duration.ofMillis(500), Duration.ofMillis(250), Duration.ofSeconds(2));

  /** One pod: the sample app and its sidecar. */
  record Member(String pod, Map<String, String> labels, SampleWorkerApp app, SidecarRunner sidecar) {}

  private final KubernetesMockServer server;
  private final KubernetesClient client;
  private final Map<String, Member> members = new LinkedHashMap<>();
  private final List<KubernetesClient> clients = new ArrayList<>();
  private WorkerHealthOperator operator;

  ProofFleet(KubernetesMockServer server, KubernetesClient client) {
    this.server = server;
    this.client = client;
  }

  /**
   * Registers the chart's CRDs, creates the pods, starts the apps and sidecars, the operator (leader election on,
   * its Lease in {@code leaseNamespace}) and the policy, and waits until every pod reports healthy to the policy.
   */
  ProofFleet start(Path chart, RenderedRbac operatorRbac, List<String> watchNamespaces, String leaseNamespace,
                   Path dir) throws IOException {
    answerRulesReviews(operatorRbac);
    try (DirectoryStream<Path> crds = Files.newDirectoryStream(chart.resolve("crds"), "*.yml")) {
      for (Path crd : crds) {
        try (InputStream in = Files.newInputStream(crd)) {
          client.resource(client.getKubernetesSerialization().unmarshal(in, CustomResourceDefinition.class)).create();
        }
      }
    }
    member("outpost-a", Map.of("app", "outpost"), List.of(), dir);
    member("outpost-b", Map.of("app", "outpost"), List.of(), dir);
    // reports-0 stands for a StatefulSet pod recreated under its old name: the previous pod's WorkerHealth, with
    // labels since changed, is still there and the sidecar brings its labels up to date
    WorkerHealth leftover = new WorkerHealth();
    leftover.getMetadata().setName("reports-0");
    leftover.getMetadata().setNamespace(NS);
    leftover.getMetadata().setLabels(Map.of("app", "reports", "version", "1"));
    client.resource(leftover).create();
    member("reports-0", Map.of("app", "reports"), List.of(LEFT_FAILED_WORKER), dir);
    policy();
    operator = new WorkerHealthOperator(client(OPERATOR_AGENT), new OperatorSettings(0, watchNamespaces, true,
        LEASE_NAME, leaseNamespace), Clock.systemUTC(), FAST).start();
    await().atMost(30, TimeUnit.SECONDS).until(() -> {
      WorkerHealthPolicyStatus s = status();
      return s != null && Integer.valueOf(2).equals(s.getSelectedPods()) && Integer.valueOf(2).equals(s.getHealthyPods());
    });
    return this;
  }

  /**
   * The mock server cannot answer a SelfSubjectRulesReview (java-operator-sdk checks its Lease access with one
   * before it elects); it is answered as kube-apiserver would, from the roles the rendered chart binds.
   */
  private void answerRulesReviews(RenderedRbac rbac) {
    server.expect().post().withPath("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews").andReply(201, r -> {
      SelfSubjectRulesReview review = client.getKubernetesSerialization().unmarshal(r.getBody().readUtf8(),
          SelfSubjectRulesReview.class);
      List<ResourceRule> rules = rbac.rulesIn(review.getSpec().getNamespace()).stream()
          .map(p -> new ResourceRule(p.getApiGroups(), p.getResourceNames(), p.getResources(), p.getVerbs()))
          .toList();
      review.setStatus(new SubjectRulesReviewStatusBuilder().withIncomplete(false).withResourceRules(rules)
          .withNonResourceRules(List.of()).build());
      return review;
    }).always();
  }

  private void member(String pod, Map<String, String> labels, List<String> failed, Path dir) throws IOException {
    client.pods().inNamespace(NS).resource(new PodBuilder().withNewMetadata().withName(pod).withNamespace(NS)
        .withLabels(labels).withOwnerReferences(new OwnerReferenceBuilder().withApiVersion("apps/v1")
            .withKind("ReplicaSet").withName(pod.substring(0, pod.lastIndexOf('-')) + "-7d9f8c").withUid("rs-" + pod)
            .withController(true).build())
        .endMetadata().build()).create();
    SampleWorkerApp app = SampleWorkerApp.start(new SampleAppConfig("127.0.0.1", 0, failed, Duration.ZERO),
        Clock.systemUTC());
    StringBuilder downwardApiLabels = new StringBuilder();
    labels.forEach((k, v) -> downwardApiLabels.append(k).append("=\"").append(v).append("\"\n"));
    Path labelsFile = Files.writeString(dir.resolve(pod + ".labels"), downwardApiLabels);
    // no POD_UID: the sidecar reads its pod for the owner reference, as it does when the downward API omits it
    SidecarConfig config = SidecarConfig.fromEnv(Map.of(
        "WH_TARGET_URL", "http://127.0.0.1:" + app.port() + "/healthz",
        "WH_INTERVAL", "250ms", "WH_TIMEOUT", "200ms", "WH_HEARTBEAT", "5s", "WH_METRICS_PORT", "0",
        "POD_NAME", pod, "POD_NAMESPACE", NS, "WH_LABELS_FILE", labelsFile.toString()));
    SidecarRunner sidecar = new SidecarRunner(config, client(SIDECAR_AGENT), Clock.systemUTC()).start();
    members.put(pod, new Member(pod, labels, app, sidecar));
  }

  private KubernetesClient client(String userAgent) {
    KubernetesClient c = new KubernetesClientBuilder()
        .withConfig(new ConfigBuilder(client.getConfiguration()).withUserAgent(userAgent).build()).build();
    clients.add(c);
    return c;
  }

  private void policy() {
    WorkerHealthPolicySpec spec = new WorkerHealthPolicySpec();
    spec.setSelector(new LabelSelector(null, Map.of("app", "outpost")));
    RemediationRule rule = new RemediationRule();
    rule.setName(RULE);
    rule.setWorkers(List.of(REMEDIATED_WORKER));
    rule.setFor("1s");
    rule.setAction(RemediationAction.RestartPod);
    spec.setRules(new ArrayList<>(List.of(rule)));
    spec.setMaxUnhealthy(new IntOrString(1)); // two pods failing at once is an outage
    WorkerHealthPolicy p = new WorkerHealthPolicy();
    p.getMetadata().setName(POLICY);
    p.getMetadata().setNamespace(NS);
    p.setSpec(spec);
    client.resource(p).create();
  }

  Map<String, Member> members() {
    return members;
  }

  WorkerHealthOperator operator() {
    return operator;
  }

  WorkerHealthPolicyStatus status() {
    WorkerHealthPolicy p = client.resources(WorkerHealthPolicy.class).inNamespace(NS).withName(POLICY).get();
    return p == null ? null : p.getStatus();
  }

  HealthPhase phase(String pod) {
    WorkerHealth wh = client.resources(WorkerHealth.class).inNamespace(NS).withName(pod).get();
    return wh == null || wh.getStatus() == null ? null : wh.getStatus().getPhase();
  }

  private double operatorMetric(String name, String... tags) {
    var counter = operator.metrics().registry().find(name).tags(tags).counter();
    return counter == null ? 0 : counter.count();
  }

  /**
   * The API server refuses the policy's next status write once (422: a 5xx would be retried by the client itself):
   * the reconcile fails, is counted as an error and retried.
   */
  void reconcileFailsOnce() {
    server.expect().patch().withPath("/apis/workerhealth.io/v1alpha1/namespaces/" + NS + "/workerhealthpolicies/"
        + POLICY + "/status").andReturn(422, "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
        + "\"reason\":\"Invalid\",\"message\":\"WorkerHealthPolicy.workerhealth.io \\\"" + POLICY
        + "\\\" is invalid: status.history: Too many items\",\"code\":422}").once();
    await().atMost(30, TimeUnit.SECONDS).until(() -> operatorMetric("workerhealth.reconcile.errors") >= 1);
  }

  /** outpost-a's /healthz hangs longer than the sidecar's timeout for a while, then answers again. */
  void scrapesTimeOut() {
    Member a = members.get("outpost-a");
    a.app().supervisor().hangHealthz(Duration.ofMillis(600));
    await().atMost(30, TimeUnit.SECONDS).until(() -> a.sidecar().metrics().registry()
        .find("workerhealth.sidecar.scrape.errors").counters().stream().mapToDouble(c -> c.count()).sum() >= 3);
    a.app().supervisor().hangHealthz(Duration.ZERO);
    await().atMost(30, TimeUnit.SECONDS).until(() -> phase("outpost-a") == HealthPhase.Healthy
        && Integer.valueOf(2).equals(status().getHealthyPods()));
  }

  /**
   * A worker of outpost-b fails; the policy evicts the pod, and the mock API server's answer to the eviction
   * "restarts" the app (its worker comes back healthy, as it would in a new pod).
   */
  void workerFailsAndIsRemediated() {
    SampleWorkerApp b = members.get("outpost-b").app();
    server.expect().post().withPath("/api/v1/namespaces/" + NS + "/pods/outpost-b/eviction").andReply(201, r -> {
      b.supervisor().recover(REMEDIATED_WORKER);
      return "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Success\",\"code\":201}";
    }).once();
    b.supervisor().fail(REMEDIATED_WORKER);
    await().atMost(30, TimeUnit.SECONDS).until(() -> status().getHistory().stream()
        .anyMatch(r -> r.getOutcome() == RemediationOutcome.Succeeded && "outpost-b".equals(r.getPod())));
    await().atMost(30, TimeUnit.SECONDS).until(() -> phase("outpost-b") == HealthPhase.Healthy
        && Integer.valueOf(2).equals(status().getHealthyPods()));
  }

  /** The broker both selected apps consume from goes down: every consumer fails, the policy holds back, then recovery. */
  void outageSuppressesRemediation() {
    List<SampleWorkerApp> apps = List.of(members.get("outpost-a").app(), members.get("outpost-b").app());
    apps.forEach(a -> a.supervisor().outage());
    await().atMost(30, TimeUnit.SECONDS).until(() -> operatorMetric("workerhealth.remediations.suppressed",
        "reason", "TooManyUnhealthy") >= 2);
    apps.forEach(a -> a.supervisor().recoverAll());
    await().atMost(30, TimeUnit.SECONDS).until(() -> Integer.valueOf(2).equals(status().getHealthyPods()));
  }

  /** Every request the mock server received so far (and not yet taken), in order. */
  List<RecordedRequest> requests() throws InterruptedException {
    List<RecordedRequest> out = new ArrayList<>();
    RecordedRequest r;
    while ((r = server.takeRequest(10, TimeUnit.MILLISECONDS)) != null) {
      out.add(r);
    }
    return out;
  }

  /** Stops the operator (its /metrics goes away); the rest keeps running. */
  void stopOperator() {
    if (operator != null) {
      operator.close();
      operator = null;
    }
  }

  @Override
  public void close() {
    stopOperator();
    for (Member m : members.values()) {
      m.sidecar().close();
      m.app().close();
    }
    clients.forEach(KubernetesClient::close);
  }
}
