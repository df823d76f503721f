package io.workerhealth.charts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.ResourceRule;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectRulesReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectRulesReviewStatusBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v1.Scale;
import io.fabric8.kubernetes.api.model.autoscaling.v1.ScaleBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.workerhealth.api.v1alpha1.EscalationStep;
import io.workerhealth.api.v1alpha1.HealthPhase;
import io.workerhealth.api.v1alpha1.RemediationAction;
import io.workerhealth.api.v1alpha1.RemediationOutcome;
import io.workerhealth.api.v1alpha1.RemediationRule;
import io.workerhealth.api.v1alpha1.ScaleSpec;
import io.workerhealth.api.v1alpha1.ScaleTargetRef;
import io.workerhealth.api.v1alpha1.Verification;
import io.workerhealth.api.v1alpha1.VerificationResult;
import io.workerhealth.api.v1alpha1.WorkerHealth;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicy;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicySpec;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicyStatus;
import io.workerhealth.examples.SampleAppConfig;
import io.workerhealth.examples.SampleWorkerApp;
import io.workerhealth.operator.OperatorSettings;
import io.workerhealth.operator.WorkerHealthOperator;
import io.workerhealth.operator.injection.PodInjector;
import io.workerhealth.operator.injection.SidecarTemplate;
import io.workerhealth.operator.reconcile.WorkerHealthPolicyReconciler;
import io.workerhealth.operator.webhook.InjectionSettings;
import io.workerhealth.operator.webhook.InjectionWebhook;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import io.workerhealth.sidecar.SidecarRunner;
import io.workerhealth.sidecar.agent.AgentConfig;
import io.workerhealth.sidecar.agent.NodeAgent;
import io.workerhealth.sidecar.agent.NodePods;
import io.workerhealth.sidecar.config.SidecarConfig;
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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.awaitility.core.ConditionTimeoutException;

/**
 * The project running for real, in this JVM, against the fabric8 mock API server in CRUD mode: the sample
 * multi-worker app on loopback as "pods" (two of the Deployment {@value #DEPLOYMENT}, one of the StatefulSet
 * {@value #STATEFULSET}), a {@link SidecarRunner} next to each, and the operator with three policies: {@value #POLICY}
 * restarts pods, {@value #SCALE_POLICY} scales the Deployment when too few consumers are healthy, {@value
 * #REPORTS_POLICY} scales the StatefulSet and then escalates to a human. The phases drive it through what a platform
 * team watches: an API error during a reconcile, scrape errors, a worker failing and being remediated (the eviction
 * is answered by the mock and "restarts" the app), consumers falling short and the targets being scaled (through the
 * scale subresource, which this class serves: {@link ScaleSubresource}), one scale-up helping and one not, an
 * escalation ending at "needs a human", and an outage that suppresses remediation.
 *
 * <p>Each component talks to the API server with its own User-Agent, so the requests the mock server records can be
 * attributed to the operator or the sidecars ({@link #requests()}).
 */
final class ProofFleet implements AutoCloseable {

  static final String NS = "outpost";
  static final String POLICY = "restart";
  static final String RULE = "restart-consumer";
  /** The worker the restart policy's rule restarts pods for. */
  static final String REMEDIATED_WORKER = "deliverymq-consumer";
  /** The policy whose ScaleTarget rule keeps enough healthy retry consumers in the Deployment. */
  static final String SCALE_POLICY = "keep-consumers";
  static final String SCALE_RULE = "keep-retry-consumers";
  static final String SCALED_WORKER = "retrymq-consumer";
  static final String DEPLOYMENT = "outpost";
  /** The policy that scales the StatefulSet and then, as scaling does not help, asks for a human. */
  static final String REPORTS_POLICY = "reports";
  static final String REPORTS_RULE = "scale-then-ask";
  static final String STATEFULSET = "reports";
  /** Fails in reports-0 when the consumers fall short and stays failed (a "failing worker now"). */
  static final String LEFT_FAILED_WORKER = "logmq-consumer";
  static final String OPERATOR_AGENT = "worker-health-operator-proof";
  static final String SIDECAR_AGENT = "worker-health-sidecar-proof";
  static final String NODE_AGENT = "worker-health-agent-proof";
  /** The node the fleet's node agent runs on, and its pod. */
  static final String NODE = "node-a";
  static final String AGENT_POD = "who-worker-health-operator-agent-x7k2p";
  /** The pods the node agent reports: not selected by the policies. */
  static final Map<String, String> AGENT_REPORTED = Map.of("app", "agent-reported");
  static final String LEASE_NAME = "worker-health-operator";
  /** A pod labelled for injection, created without its sidecar. */
  static final String UNINJECTED = "batch-5f6d7-x2k9q";
  static final WorkerHealthPolicyReconciler.Timings FAST = new WorkerHealthPolicyReconciler.Timings(
      Duration.ofMillis(500), Duration.ofMillis(250), Duration.ofSeconds(2));
  static final Map<String, String> OUTPOST = Map.of("app", "outpost");
  static final Map<String, String> REPORTS = Map.of("app", "reports");
  /** The Deployment's ReplicaSet, controller of its pods. */
  static final OwnerReference REPLICA_SET = new OwnerReferenceBuilder().withApiVersion("apps/v1")
      .withKind("ReplicaSet").withName(DEPLOYMENT + "-7d9f8c").withUid("rs-" + DEPLOYMENT).withController(true).build();
  static final OwnerReference STATEFUL_SET = new OwnerReferenceBuilder().withApiVersion("apps/v1")
      .withKind("StatefulSet").withName(STATEFULSET).withUid("sts-" + STATEFULSET).withController(true).build();

  /** One pod: the sample app and its sidecar. */
  record Member(String pod, Map<String, String> labels, SampleWorkerApp app, SidecarRunner sidecar) {}

  private final KubernetesMockServer server;
  private final KubernetesClient client;
  private final Map<String, Member> members = new LinkedHashMap<>();
  private final List<KubernetesClient> clients = new ArrayList<>();
  /** Copies scale subresource writes to the stored workloads, off the mock server's event loop. */
  private final ExecutorService storeWriter = Executors.newSingleThreadExecutor();
  private WorkerHealthOperator operator;
  private NodeAgent agent;
  private final List<SampleWorkerApp> agentApps = new ArrayList<>();
  /** The chart as rendered; with its MutatingWebhookConfiguration, the injection webhook runs too. */
  private RenderedChart chart;
  private InjectionWebhook webhook;
  /** The webhook's clock: set back at first, so that its first certificate is renewed during the run. */
  private final MovableClock webhookClock = new MovableClock(Duration.ofHours(-6000));
  private ScaleSubresource deployment;
  private ScaleSubresource statefulSet;
  private Path dir;

  ProofFleet(KubernetesMockServer server, KubernetesClient client) {
    this.server = server;
    this.client = client;
  }

  /**
   * Runs the sidecar injection webhook beside the operator, configured from the rendered Deployment's env: it
   * issues its certificate into the Secret, keeps the rendered MutatingWebhookConfiguration's caBundle, renews the
   * certificate once, binds the sidecar role for the injected pods, and finds a pod labelled for injection that was
   * created without its sidecar ({@value #UNINJECTED}).
   */
  ProofFleet withInjection(RenderedChart chart) {
    this.chart = chart;
    return this;
  }

  /**
   * Registers the chart's CRDs, creates the workloads and the pods, starts the apps and sidecars, the operator
   * (leader election on, its Lease in {@code leaseNamespace}) and the policies, and waits until every pod reports
   * healthy to the policies and both scale targets are found scalable.
   */
  ProofFleet start(Path chart, RenderedRbac operatorRbac, List<String> watchNamespaces, String leaseNamespace,
                   Path dir) throws IOException {
    this.dir = dir;
    answerRulesReviews(operatorRbac);
    try (DirectoryStream<Path> crds = Files.newDirectoryStream(chart.resolve("crds"), "*.yml")) {
      for (Path crd : crds) {
        try (InputStream in = Files.newInputStream(crd)) {
          client.resource(client.getKubernetesSerialization().unmarshal(in, CustomResourceDefinition.class)).create();
        }
      }
    }
    client.apps().deployments().inNamespace(NS).resource(new DeploymentBuilder().withNewMetadata()
        .withName(DEPLOYMENT).withNamespace(NS).endMetadata().withNewSpec().withReplicas(2)
        .withNewSelector().withMatchLabels(OUTPOST).endSelector().withNewTemplate().withNewMetadata()
        .withLabels(OUTPOST).endMetadata().endTemplate().endSpec().build()).create();
    client.apps().statefulSets().inNamespace(NS).resource(new StatefulSetBuilder().withNewMetadata()
        .withName(STATEFULSET).withNamespace(NS).endMetadata().withNewSpec().withReplicas(1)
        .withServiceName(STATEFULSET).withNewSelector().withMatchLabels(REPORTS).endSelector().withNewTemplate()
        .withNewMetadata().withLabels(REPORTS).endMetadata().endTemplate().endSpec().build()).create();
    // the Deployment's ReplicaSet, as the Deployment controller creates it (the operator reads it to find the
    // Deployment and whether it is rolling out)
    client.apps().replicaSets().inNamespace(NS).resource(new ReplicaSetBuilder().withNewMetadata()
        .withName(REPLICA_SET.getName()).withNamespace(NS).withOwnerReferences(new OwnerReferenceBuilder()
            .withApiVersion("apps/v1").withKind("Deployment").withName(DEPLOYMENT).withUid("deploy-" + DEPLOYMENT)
            .withController(true).build()).endMetadata().withNewSpec().withReplicas(2)
        .withNewSelector().withMatchLabels(OUTPOST).endSelector().endSpec().build()).create();
    deployment = new ScaleSubresource("Deployment", "deployments", DEPLOYMENT, 2);
    statefulSet = new ScaleSubresource("StatefulSet", "statefulsets", STATEFULSET, 1);

    member("outpost-a", OUTPOST, REPLICA_SET);
    member("outpost-b", OUTPOST, REPLICA_SET);
    // reports-0 stands for a StatefulSet pod recreated under its old name: the previous pod's WorkerHealth, with
    // labels since changed, is still there and the sidecar brings its labels up to date
    WorkerHealth leftover = new WorkerHealth();
    leftover.getMetadata().setName("reports-0");
    leftover.getMetadata().setNamespace(NS);
    leftover.getMetadata().setLabels(Map.of("app", "reports", "version", "1"));
    client.resource(leftover).create();
    member("reports-0", REPORTS, STATEFUL_SET);
    create(POLICY, OUTPOST, restartRule(), new IntOrString(1)); // two pods failing at once is an outage
    // default maxUnhealthy: when an outage ends, its settle period keeps the last pod to recover from looking like
    // a shortfall of healthy consumers (the outage hold alone has none: with 100% the Deployment was scaled up then)
    create(SCALE_POLICY, OUTPOST, scaleRule(), null);
    create(REPORTS_POLICY, REPORTS, reportsRule(), null);
    // in a cluster the operator's client is in its own namespace (its ServiceAccount's), where the agents' Leases are
    operator = new WorkerHealthOperator(client(OPERATOR_AGENT, leaseNamespace), new OperatorSettings(0,
        watchNamespaces, true, LEASE_NAME, leaseNamespace), Clock.systemUTC(), FAST);
    if (chart != null) {
      startInjection(leaseNamespace);
    }
    operator.start();
    await().atMost(30, TimeUnit.SECONDS).until(() -> healthy(POLICY, 2) && healthy(SCALE_POLICY, 2)
        && healthy(REPORTS_POLICY, 1) && scalable(SCALE_POLICY) && scalable(REPORTS_POLICY));
    return this;
  }

  private void startInjection(String releaseNamespace) throws IOException {
    chart.all(io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration.class)
        .forEach(c -> client.resource(c).create());
    chart.all(io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration.class)
        .forEach(c -> client.resource(c).create());
    // what helm installed: the chart's own sidecar RoleBindings (the operator finds them and binds nothing twice)
    chart.all(io.fabric8.kubernetes.api.model.rbac.RoleBinding.class)
        .filter(b -> b.getRoleRef().getName().equals("worker-health-sidecar"))
        .forEach(b -> client.resource(b).create());
    Map<String, String> env = new LinkedHashMap<>();
    chart.one(io.fabric8.kubernetes.api.model.apps.Deployment.class).getSpec().getTemplate().getSpec()
        .getContainers().get(0).getEnv().forEach(e -> env.put(e.getName(), e.getValueFrom() == null ? e.getValue()
            : releaseNamespace));
    webhook = new InjectionWebhook(client(OPERATOR_AGENT), InjectionSettings.fromEnv(env),
        operator.metrics().registry(), webhookClock, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
        .start();
    operator.register(webhook.detector(Clock.systemUTC()));
    // a pod labelled for injection that came up while the webhook was down: no sidecar, no policy selects it
    client.pods().inNamespace(NS).resource(new PodBuilder().withNewMetadata().withName(UNINJECTED).withNamespace(NS)
        .withLabels(Map.of("app", "batch", PodInjector.INJECT_LABEL, "true"))
        .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion("apps/v1").withKind("ReplicaSet")
            .withName("batch-5f6d7").withUid("rs-batch").withController(true).build())
        .endMetadata().withNewSpec().withServiceAccountName(RbacProofIT.SIDECAR_SA).addNewContainer()
        .withName("batch").withImage("registry.example/batch:1").endContainer().endSpec().build()).create();
    // an injected pod of an account no chart value binds: the operator makes its RoleBinding
    client.pods().inNamespace(NS).resource(new PodBuilder().withNewMetadata().withName("reports-batch-0")
        .withNamespace(NS).withLabels(Map.of("app", "reports-batch", PodInjector.INJECT_LABEL, "true"))
        .endMetadata().withNewSpec().withServiceAccountName("reports-workers")
        .addNewContainer().withName("batch").withImage("registry.example/batch:1").endContainer()
        .addNewInitContainer().withName(SidecarTemplate.CONTAINER_NAME).withImage("ghcr.io/workerhealth/sidecar:0.1.0")
        .withRestartPolicy("Always").endInitContainer().endSpec().build()).create();
  }

  /** Less than a third of the first certificate's validity is now left: the webhook renews it. */
  void renewWebhookCertificate() {
    if (webhook != null) {
      webhookClock.offset = Duration.ZERO;
      webhook.runCheck();
    }
  }

  private boolean healthy(String policy, int pods) {
    WorkerHealthPolicyStatus s = status(policy);
    return s != null && Integer.valueOf(pods).equals(s.getSelectedPods())
        && Integer.valueOf(pods).equals(s.getHealthyPods());
  }

  private boolean scalable(String policy) {
    WorkerHealthPolicyStatus s = status(policy);
    return s != null && s.getConditions().stream()
        .anyMatch(c -> "ScalingAllowed".equals(c.getType()) && "True".equals(c.getStatus()));
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

  /**
   * A workload's scale subresource, which the CRUD mock does not serve: GET and PUT {@code .../scale} are answered
   * from memory (the mock server's event loop must not call back into the mock server), and each write is then
   * copied to the stored object's {@code spec.replicas}, so the workload shows what was set, as it would.
   */
  final class ScaleSubresource {
    private final String kind;
    private final String name;
    private final AtomicInteger replicas;
    private final AtomicLong resourceVersion = new AtomicLong(1);
    /** The replicas of every write, in order. */
    final List<Integer> writes = new CopyOnWriteArrayList<>();

    ScaleSubresource(String kind, String plural, String name, int initial) {
      this.kind = kind;
      this.name = name;
      this.replicas = new AtomicInteger(initial);
      String path = "/apis/apps/v1/namespaces/" + NS + "/" + plural + "/" + name + "/scale";
      server.expect().get().withPath(path).andReply(200, r -> scale()).always();
      server.expect().put().withPath(path).andReply(200, r -> {
        Scale asked = client.getKubernetesSerialization().unmarshal(r.getBody().readUtf8(), Scale.class);
        int to = asked.getSpec().getReplicas();
        replicas.set(to);
        resourceVersion.incrementAndGet();
        writes.add(to);
        storeWriter.execute(() -> store(to));
        return scale();
      }).always();
    }

    private Scale scale() {
      return new ScaleBuilder().withNewMetadata().withName(name).withNamespace(NS)
          .withResourceVersion(String.valueOf(resourceVersion.get())).endMetadata()
          .withNewSpec().withReplicas(replicas.get()).endSpec()
          .withNewStatus().withReplicas(replicas.get()).endStatus().build();
    }

    private void store(int to) {
      if (kind.equals("Deployment")) {
        client.apps().deployments().inNamespace(NS).withName(name).edit(d -> {
          d.getSpec().setReplicas(to);
          return d;
        });
      } else {
        client.apps().statefulSets().inNamespace(NS).withName(name).edit(s -> {
          s.getSpec().setReplicas(to);
          return s;
        });
      }
    }

    /** spec.replicas of the stored workload. */
    Integer stored() {
      return kind.equals("Deployment")
          ? client.apps().deployments().inNamespace(NS).withName(name).get().getSpec().getReplicas()
          : client.apps().statefulSets().inNamespace(NS).withName(name).get().getSpec().getReplicas();
    }
  }

  private void member(String pod, Map<String, String> labels, OwnerReference owner) throws IOException {
    // as the injection webhook made it: labelled for injection, with the sidecar, running as the sidecars' account
    Map<String, String> podLabels = new LinkedHashMap<>(labels);
    podLabels.put(PodInjector.INJECT_LABEL, "true");
    client.pods().inNamespace(NS).resource(new PodBuilder().withNewMetadata().withName(pod).withNamespace(NS)
        .withLabels(podLabels).withOwnerReferences(owner).endMetadata().withNewSpec()
        .withServiceAccountName(RbacProofIT.SIDECAR_SA)
        .addNewContainer().withName("app").withImage("ghcr.io/workerhealth/example-app:0.1.0").endContainer()
        .addNewInitContainer().withName(SidecarTemplate.CONTAINER_NAME).withImage("ghcr.io/workerhealth/sidecar:0.1.0")
        .withRestartPolicy("Always").endInitContainer().endSpec().build()).create();
    SampleWorkerApp app = SampleWorkerApp.start(new SampleAppConfig("127.0.0.1", 0, List.of(), Duration.ZERO),
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

  /** The pod goes away with its app and sidecar, as when its workload is scaled down. */
  private void removeMember(String pod) {
    Member m = members.remove(pod);
    m.sidecar().close();
    m.app().close();
    client.pods().inNamespace(NS).withName(pod).delete();
    client.resources(WorkerHealth.class).inNamespace(NS).withName(pod).delete();
  }

  private KubernetesClient client(String userAgent) {
    return client(userAgent, client.getNamespace());
  }

  private KubernetesClient client(String userAgent, String namespace) {
    KubernetesClient c = new KubernetesClientBuilder()
        .withConfig(new ConfigBuilder(client.getConfiguration()).withUserAgent(userAgent).withNamespace(namespace)
            .build()).build();
    clients.add(c);
    return c;
  }

  private static RemediationRule restartRule() {
    RemediationRule rule = new RemediationRule();
    rule.setName(RULE);
    rule.setWorkers(List.of(REMEDIATED_WORKER));
    rule.setFor("1s");
    rule.setAction(RemediationAction.RestartPod);
    return rule;
  }

  /**
   * Fewer than two healthy retry consumers: one more replica, at most three; back down once two have been healthy for
   * 2s. The window to verify a scale-up is long: only a scale-up that does not help waits for its end.
   */
  private static RemediationRule scaleRule() {
    ScaleSpec scale = new ScaleSpec(new ScaleTargetRef("apps/v1", "Deployment", DEPLOYMENT), 2, 3);
    scale.setStabilizationWindow("2s");
    RemediationRule rule = new RemediationRule();
    rule.setName(SCALE_RULE);
    rule.setWorkers(List.of(SCALED_WORKER));
    rule.setFor("1s");
    rule.setAction(RemediationAction.ScaleTarget);
    rule.setScale(scale);
    rule.setVerification(new Verification("15s", 3));
    return rule;
  }

  /** Scale the StatefulSet once; if the worker still fails, stop and ask a human. A scale-up is verified over 3s. */
  private static RemediationRule reportsRule() {
    EscalationStep scaleUp = new EscalationStep(RemediationAction.ScaleTarget, 1, "30m");
    scaleUp.setScale(new ScaleSpec(new ScaleTargetRef("apps/v1", "StatefulSet", STATEFULSET), 1, 2));
    RemediationRule rule = new RemediationRule();
    rule.setName(REPORTS_RULE);
    rule.setWorkers(List.of(LEFT_FAILED_WORKER));
    rule.setFor("1s");
    rule.setEscalation(new ArrayList<>(List.of(scaleUp, new EscalationStep(RemediationAction.None, 1, "30m"))));
    rule.setVerification(new Verification("3s", 3));
    return rule;
  }

  private void create(String name, Map<String, String> selector, RemediationRule rule, IntOrString maxUnhealthy) {
    WorkerHealthPolicySpec spec = new WorkerHealthPolicySpec();
    spec.setSelector(new LabelSelector(null, selector));
    spec.setRules(new ArrayList<>(List.of(rule)));
    if (maxUnhealthy != null) {
      spec.setMaxUnhealthy(maxUnhealthy);
    }
    WorkerHealthPolicy p = new WorkerHealthPolicy();
    p.getMetadata().setName(name);
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
    return status(POLICY);
  }

  WorkerHealthPolicyStatus status(String policy) {
    WorkerHealthPolicy p = client.resources(WorkerHealthPolicy.class).inNamespace(NS).withName(policy).get();
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
   * The API server refuses a status write of the restart policy once (403, as while a RoleBinding is being replaced;
   * a 5xx would be retried by the client itself, a 409 is a newer version and decided again without failing): the
   * reconcile fails, is counted as an error and retried. A status write follows a change: outpost-a's scrapes time
   * out for a while, which changes the policy's counts.
   */
  void reconcileFailsOnce() {
    // java-operator-sdk counts a failed reconciliation only when no newer event for the policy is queued (it then
    // reconciles again at once): refuse a write again until it has counted one, a few times at most
    for (int i = 1; i <= 5 && sdkFailures() == 0; i++) {
      server.expect().patch().withPath("/apis/workerhealth.io/v1alpha1/namespaces/" + NS + "/workerhealthpolicies/"
          + POLICY + "/status").andReturn(403, "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
          + "\"reason\":\"Forbidden\",\"message\":\"workerhealthpolicies.workerhealth.io \\\"" + POLICY
          + "\\\" is forbidden: User \\\"system:serviceaccount:ops:who-worker-health-operator\\\" cannot patch "
          + "resource \\\"workerhealthpolicies/status\\\" in API group \\\"workerhealth.io\\\" in the namespace \\\""
          + NS + "\\\"\",\"code\":403}").once();
      int errors = i;
      scrapesTimeOut();
      await().atMost(30, TimeUnit.SECONDS).until(() -> operatorMetric("workerhealth.reconcile.errors",
          "policy", POLICY) >= errors);
      try {
        await().atMost(5, TimeUnit.SECONDS).until(() -> sdkFailures() > 0);
      } catch (org.awaitility.core.ConditionTimeoutException e) {
        // superseded by a newer event: refuse once more
      }
    }
    assertThat(sdkFailures()).as("java-operator-sdk counted a failed reconciliation").isPositive();
  }

  private double sdkFailures() {
    return operator.metrics().registry().find("operator.sdk.reconciliations.failed").counters().stream()
        .mapToDouble(c -> c.count()).sum();
  }

  /** outpost-a's /healthz hangs longer than the sidecar's timeout for a while, then answers again. */
  void scrapesTimeOut() {
    Member a = members.get("outpost-a");
    a.app().supervisor().hangHealthz(Duration.ofMillis(600));
    await().atMost(30, TimeUnit.SECONDS).until(() -> a.sidecar().metrics().registry()
        .find("workerhealth.sidecar.scrape.errors").counters().stream().mapToDouble(c -> c.count()).sum() >= 3);
    a.app().supervisor().hangHealthz(Duration.ZERO);
    await().atMost(30, TimeUnit.SECONDS).until(() -> phase("outpost-a") == HealthPhase.Healthy && healthy(POLICY, 2));
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
    await().atMost(30, TimeUnit.SECONDS).until(() -> phase("outpost-b") == HealthPhase.Healthy && healthy(POLICY, 2));
  }

  /**
   * Consumers fall short in both workloads. In the Deployment, outpost-b's retry consumer fails: one of the two
   * healthy ones {@value #SCALE_POLICY} wants, so it scales the Deployment from 2 to 3; the new pod (outpost-c) comes
   * up healthy, the scale-up is verified Recovered, outpost-b's consumer recovers, and after the stabilization window
   * the Deployment is stepped back down to 2 and loses outpost-c. In the StatefulSet, reports-0's log consumer fails
   * for good: {@value #REPORTS_POLICY} scales it from 1 to 2, its escalation moves on to its final None step at once
   * (one attempt allowed, the worker still failing) and asks for a human, and with no second healthy pod within the
   * 3s window the scale-up is verified NotRecovered.
   */
  void consumersFallShortAndTheTargetsScale() throws IOException {
    members.get("outpost-b").app().supervisor().fail(SCALED_WORKER);
    members.get("reports-0").app().supervisor().fail(LEFT_FAILED_WORKER);
    await().atMost(30, TimeUnit.SECONDS).until(() -> deployment.writes.equals(List.of(3)));
    member("outpost-c", OUTPOST, REPLICA_SET);
    awaitStatus(SCALE_POLICY, "the scale-up verified Recovered",
        s -> verified(SCALE_POLICY, VerificationResult.Recovered));
    members.get("outpost-b").app().supervisor().recover(SCALED_WORKER);
    await().atMost(30, TimeUnit.SECONDS).until(() -> deployment.writes.equals(List.of(3, 2)));
    removeMember("outpost-c");

    awaitStatus(REPORTS_POLICY, "the StatefulSet scaled once, the scale-up verified NotRecovered, NeedsAttention",
        s -> statefulSet.writes.equals(List.of(2)) && verified(REPORTS_POLICY, VerificationResult.NotRecovered)
            && s.getConditions().stream()
            .anyMatch(c -> "NeedsAttention".equals(c.getType()) && "True".equals(c.getStatus())));
    await().atMost(30, TimeUnit.SECONDS).until(() -> healthy(POLICY, 2) && healthy(SCALE_POLICY, 2)
        && Integer.valueOf(2).equals(deployment.stored()) && Integer.valueOf(2).equals(statefulSet.stored()));
  }

  /** Waits until the policy's status satisfies {@code condition}; a time-out shows the status. */
  private void awaitStatus(String policy, String what, Predicate<WorkerHealthPolicyStatus> condition) {
    try {
      await().atMost(30, TimeUnit.SECONDS).until(() -> status(policy) != null && condition.test(status(policy)));
    } catch (ConditionTimeoutException e) {
      throw new AssertionError("policy " + policy + ": not " + what + " within 30s; its status:\n"
          + client.getKubernetesSerialization().asYaml(status(policy)), e);
    }
  }

  /** The replicas of every write to the Deployment's scale subresource, in order. */
  List<Integer> deploymentScaleWrites() {
    return List.copyOf(deployment.writes);
  }

  private boolean verified(String policy, VerificationResult result) {
    return status(policy).getHistory().stream().anyMatch(r -> r.getAction() == RemediationAction.ScaleTarget
        && r.getVerification() == result);
  }

  /**
   * The broker the Deployment's pods consume from goes down: every consumer fails, both policies over them hold back
   * (too many unhealthy), then recovery.
   */
  void outageSuppressesRemediation() {
    List<SampleWorkerApp> apps = List.of(members.get("outpost-a").app(), members.get("outpost-b").app());
    apps.forEach(a -> a.supervisor().outage());
    await().atMost(30, TimeUnit.SECONDS).until(() -> operatorMetric("workerhealth.remediations.suppressed",
        "policy", POLICY, "reason", "TooManyUnhealthy") >= 2 && operatorMetric("workerhealth.remediations.suppressed",
        "policy", SCALE_POLICY, "reason", "TooManyUnhealthy") >= 2);
    apps.forEach(a -> a.supervisor().recoverAll());
    await().atMost(30, TimeUnit.SECONDS).until(() -> healthy(POLICY, 2));
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

  /**
   * The node agent of {@value #NODE}, as the chart runs it in agent mode (its Lease in {@code leaseNamespace}, the
   * pods of {@code watchNamespaces}): it reports two pods of the node annotated for it, one answering (with
   * credentials from the Secret it names, the one the chart lets the agent read) and one whose port nothing listens
   * on. Its informer lists and watches as in a cluster; the mock API server cannot select pods by
   * {@code spec.nodeName}, so the fleet also tells the agent its pods, as the informer would. The answering pod is
   * relabelled once (its WorkerHealth's labels follow). Returns once both are reported and the Lease was renewed.
   */
  void agentReportsItsNodesPods(String leaseNamespace, List<String> watchNamespaces) throws IOException {
    client.secrets().inNamespace(NS).resource(new io.fabric8.kubernetes.api.model.SecretBuilder().withNewMetadata()
        .withName("health-auth").endMetadata().addToData("token", java.util.Base64.getEncoder().encodeToString(
            "t0ken".getBytes(java.nio.charset.StandardCharsets.UTF_8))).build()).create();
    SampleWorkerApp app = SampleWorkerApp.start(new SampleAppConfig("127.0.0.1", 0, List.of(), Duration.ZERO),
        Clock.systemUTC());
    agentApps.add(app);
    KubernetesClient agentClient = client(NODE_AGENT);
    List<java.util.function.Consumer<io.fabric8.kubernetes.api.model.Pod>> told = new ArrayList<>();
    NodePods watched = NodePods.watched(agentClient, NODE, watchNamespaces);
    NodePods nodePods = new NodePods() {
      @Override
      public void start(java.util.function.Consumer<io.fabric8.kubernetes.api.model.Pod> changed,
                        java.util.function.Consumer<io.fabric8.kubernetes.api.model.Pod> gone) {
        watched.start(changed, gone);
        told.add(changed);
      }

      @Override
      public void close() {
        watched.close();
      }
    };
    Map<String, String> env = new java.util.HashMap<>(Map.of("NODE_NAME", NODE, "POD_NAME", AGENT_POD,
        "POD_NAMESPACE", leaseNamespace, "WH_METRICS_PORT", "0", "WH_INTERVAL", "250ms", "WH_TIMEOUT", "200ms",
        "WH_LEASE_DURATION", "4s", "WH_LEASE_RENEW_INTERVAL", "1s"));
    env.put("WH_WATCH_NAMESPACES", String.join(",", watchNamespaces));
    agent = new NodeAgent(AgentConfig.fromEnv(env), io.workerhealth.sidecar.report.ReportingClient.build(
        agentClient.getConfiguration(), Clock.systemUTC()), nodePods, Clock.systemUTC(), new java.util.Random(5))
        .start();
    var answering = agentPod("outpost-agent-0", app.port(), "auth-secret", "health-auth");
    var refusing = agentPod("outpost-agent-down", freePort());
    told.forEach(t -> t.accept(answering));
    told.forEach(t -> t.accept(refusing));
    await().atMost(30, TimeUnit.SECONDS).until(() -> phase("outpost-agent-0") == HealthPhase.Healthy
        && phase("outpost-agent-down") == HealthPhase.Unreachable);
    var relabelled = new PodBuilder(answering).editMetadata().addToLabels("track", "canary").endMetadata().build();
    told.forEach(t -> t.accept(relabelled));
    await().atMost(30, TimeUnit.SECONDS).until(() -> "canary".equals(client.resources(WorkerHealth.class)
        .inNamespace(NS).withName("outpost-agent-0").get().getMetadata().getLabels().get("track")));
    await().atMost(30, TimeUnit.SECONDS).until(() -> agent.metricsText()
        .contains("workerhealth_agent_lease_renewals_total{result=\"success\"} 2"));
  }

  private io.fabric8.kubernetes.api.model.Pod agentPod(String name, int port, String... annotations) {
    Map<String, String> a = new LinkedHashMap<>(Map.of("workerhealth.io/scrape", "true", "workerhealth.io/port",
        Integer.toString(port)));
    for (int i = 0; i < annotations.length; i += 2) {
      a.put("workerhealth.io/" + annotations[i], annotations[i + 1]);
    }
    return client.pods().inNamespace(NS).resource(new PodBuilder().withNewMetadata().withName(name).withNamespace(NS)
        .withLabels(AGENT_REPORTED).withAnnotations(a).endMetadata().withNewSpec().withNodeName(NODE).endSpec()
        .withNewStatus().withPhase("Running").withPodIP("127.0.0.1").endStatus().build()).create();
  }

  private static int freePort() throws IOException {
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  NodeAgent agent() {
    return agent;
  }

  /** Stops the operator (its /metrics goes away); the rest keeps running. */
  void stopOperator() {
    if (webhook != null) {
      webhook.close();
      webhook = null;
    }
    if (operator != null) {
      operator.close();
      operator = null;
    }
  }

  @Override
  public void close() {
    stopOperator();
    if (agent != null) {
      agent.close();
      agent = null;
    }
    agentApps.forEach(SampleWorkerApp::close);
    for (Member m : members.values()) {
      m.sidecar().close();
      m.app().close();
    }
    storeWriter.shutdownNow();
    clients.forEach(KubernetesClient::close);
  }

  /** The system clock moved by an offset. */
  static final class MovableClock extends Clock {
    volatile Duration offset;

    MovableClock(Duration offset) {
      this.offset = offset;
    }

    @Override
    public java.time.ZoneId getZone() {
      return java.time.ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public java.time.Instant instant() {
      return java.time.Instant.now().plus(offset);
    }
  }
}
