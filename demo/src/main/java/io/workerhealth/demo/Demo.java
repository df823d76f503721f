package io.workerhealth.demo;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.workerhealth.api.v1alpha1.OutageRecovery;
import io.workerhealth.api.v1alpha1.RemediationAction;
import io.workerhealth.api.v1alpha1.RemediationRule;
import io.workerhealth.api.v1alpha1.Verification;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicy;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicySpec;
import io.workerhealth.demo.cluster.ControlPlaneCluster;
import io.workerhealth.demo.cluster.DemoCluster;
import io.workerhealth.demo.cluster.MockCluster;
import io.workerhealth.demo.controlplane.ControlPlaneBinaries;
import io.workerhealth.demo.scenario.AllHealthy;
import io.workerhealth.demo.scenario.BrokerOutageSuppressesRestarts;
import io.workerhealth.demo.scenario.DemoStage;
import io.workerhealth.demo.scenario.ExpectationFailed;
import io.workerhealth.demo.scenario.FailedConsumerRestartsPod;
import io.workerhealth.demo.scenario.OutageRecoveredByCanary;
import io.workerhealth.demo.scenario.Scenario;
import io.workerhealth.demo.scenario.TooFewHealthyConsumersScales;
import io.workerhealth.demo.view.ClusterView;
import io.workerhealth.demo.view.Narration;
import io.workerhealth.examples.LoopbackBroker;
import io.workerhealth.examples.SampleAppConfig;
import io.workerhealth.operator.OperatorSettings;
import io.workerhealth.operator.WorkerHealthOperator;
import io.workerhealth.operator.reconcile.WorkerHealthPolicyReconciler;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * The one-command demo: a Kubernetes API (a local control plane when its binaries are present, else the fabric8 mock
 * API server), the sample app as the pods of a Deployment with a sidecar each, and the operator with a policy, all in
 * this JVM; then the scenarios, printing what kubectl would show as it happens. Exit code 0 when every scenario's
 * expectations held, 1 when one did not, 2 on a usage or start-up error.
 */
public final class Demo {

  static final String NAMESPACE = "shop";
  static final String DEPLOYMENT = "shop";
  static final Map<String, String> POD_LABELS = Map.of("app", "shop");
  static final int REPLICAS = 3;
  static final String POLICY = "restart-consumers";
  static final Duration RULE_FOR = Duration.ofSeconds(3);
  static final Duration SCRAPE_INTERVAL = Duration.ofMillis(500);
  /** How often the apps' consumers reach for the broker, and how many errors in a row stop them for good. */
  static final Duration BROKER_CHECK = Duration.ofMillis(200);
  static final int CONSUMER_MAX_ERRORS = 5;
  /** The operator's timings, shortened to the demo's pace (the defaults are 30s, 5s, 60s). */
  static final WorkerHealthPolicyReconciler.Timings OPERATOR_TIMINGS = new WorkerHealthPolicyReconciler.Timings(
      Duration.ofSeconds(1), Duration.ofMillis(500), Duration.ofSeconds(2));

  private Demo() {}

  /**
   * The scenarios, in the order they are played; each starts from all pods healthy and the policy as
   * {@link #policy()} makes it, and leaves them so.
   */
  static List<Scenario> scenarios() {
    return List.of(
        new AllHealthy(REPLICAS),
        new FailedConsumerRestartsPod(REPLICAS),
        new BrokerOutageSuppressesRestarts(REPLICAS),
        new TooFewHealthyConsumersScales(DEPLOYMENT, REPLICAS),
        new OutageRecoveredByCanary(REPLICAS));
  }

  public static int run(String[] args, PrintStream out) {
    DemoOptions options;
    try {
      options = DemoOptions.parse(Arrays.asList(args));
    } catch (IllegalArgumentException e) {
      out.println("error: " + e.getMessage());
      out.println();
      out.print(DemoOptions.USAGE);
      return 2;
    }
    if (options.help()) {
      out.print(DemoOptions.USAGE);
      return 0;
    }
    Clock clock = Clock.systemUTC();
    Narration narration = new Narration(out, clock);
    Path workDirectory;
    try {
      workDirectory = Files.createTempDirectory("worker-health-demo-");
    } catch (IOException e) {
      out.println("error: cannot create a work directory: " + e);
      return 2;
    }
    Path log = workDirectory.resolve("demo.log");
    DemoLogging.toFile(log);
    narration.plain("Worker Health demo: the sample app as " + REPLICAS + " pods with a sidecar each, and the operator,"
        + " on this machine. Components' logs: " + log);

    DemoCluster cluster;
    try {
      cluster = startCluster(options, workDirectory, narration, clock);
    } catch (RuntimeException e) {
      out.println("error: could not start the Kubernetes API: " + e.getMessage());
      return 2;
    }
    List<AutoCloseable> toClose = new ArrayList<>();
    try {
      narration.plain("Kubernetes API: " + cluster.description());
      KubernetesClient client = cluster.newClient();
      toClose.add(client);
      createWorkload(client, narration);
      cluster.startControllers(NAMESPACE, DEPLOYMENT);
      LoopbackBroker broker = LoopbackBroker.open();
      toClose.add(broker);
      narration.say("a stand-in message broker listens on " + broker.address() + "; each app's consumers check it "
          + "every " + BROKER_CHECK.toMillis() + "ms and stop for good after " + CONSUMER_MAX_ERRORS
          + " errors in a row, as hookdeck/outpost's do");
      InProcessKubelet kubelet = new InProcessKubelet(cluster.newClient(), NAMESPACE, POD_LABELS, SCRAPE_INTERVAL,
          workDirectory, clock, narration, SampleAppConfig.defaults().withBroker(broker.address(),
              CONSUMER_MAX_ERRORS, BROKER_CHECK)).start();
      toClose.add(0, kubelet);
      createPolicy(client, narration);
      KubernetesClient operatorClient = cluster.newClient();
      toClose.add(operatorClient);
      WorkerHealthOperator operator = new WorkerHealthOperator(operatorClient, new OperatorSettings(0,
          List.of(NAMESPACE), false, "worker-health-operator", null), clock, OPERATOR_TIMINGS).start();
      toClose.add(0, operator);
      narration.say("operator started, watching namespace " + NAMESPACE);

      DemoStage stage = new DemoStage(client, NAMESPACE, POD_LABELS, POLICY, RULE_FOR, kubelet::runningPods,
          kubelet::fault, new ClusterView(client, NAMESPACE, clock, narration), narration, clock)
          .withBroker(new DemoStage.Broker() {
            @Override
            public void stop() {
              broker.stop();
            }

            @Override
            public void start() {
              try {
                broker.start();
              } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            }

            @Override
            public String address() {
              return broker.address();
            }
          });
      int code = play(scenarios(), stage, narration);
      if (options.keepRunning() && cluster.kubeconfig().isPresent()) {
        keepRunning(cluster.kubeconfig().get(), kubelet, narration);
      }
      return code;
    } catch (RuntimeException | IOException e) {
      out.println("error: " + e);
      out.println("see " + log);
      return 2;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 2;
    } finally {
      for (AutoCloseable c : toClose) {
        try {
          c.close();
        } catch (Exception e) {
          org.slf4j.LoggerFactory.getLogger(Demo.class).warn("closing {}: {}", c, e.toString());
        }
      }
      cluster.close();
    }
  }

  private static DemoCluster startCluster(DemoOptions options, Path workDirectory, Narration narration, Clock clock) {
    if (!options.mock()) {
      ControlPlaneBinaries binaries = null;
      try {
        binaries = ControlPlaneBinaries.locate();
      } catch (IllegalStateException missing) {
        if (options.keepRunning()) {
          throw new IllegalStateException("--keep-running needs the local control plane. " + missing.getMessage());
        }
        narration.plain("No local control plane in " + ControlPlaneBinaries.expectedDirectory()
            + " (bash scripts/control-plane.sh builds one): using the fabric8 mock API server.");
      }
      if (binaries != null) {
        narration.plain("Starting a local control plane from " + binaries.directory() + " ...");
        return ControlPlaneCluster.start(binaries, workDirectory.resolve("control-plane"));
      }
    }
    return MockCluster.start(clock);
  }

  private static void createWorkload(KubernetesClient client, Narration narration) {
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NAMESPACE).endMetadata().build())
        .create();
    // What examples/manifests/app-native-sidecar.yaml deploys, reduced to what the demo needs: the kubelet here is
    // InProcessKubelet, which runs the app and the sidecar of each pod in this JVM.
    Deployment deployment = new DeploymentBuilder()
        .withNewMetadata().withName(DEPLOYMENT).withNamespace(NAMESPACE).withLabels(POD_LABELS).endMetadata()
        .withNewSpec().withReplicas(REPLICAS)
        .withNewSelector().withMatchLabels(POD_LABELS).endSelector()
        .withNewTemplate().withNewMetadata().withLabels(POD_LABELS).endMetadata()
        .withNewSpec()
        .addNewInitContainer().withName("worker-health-sidecar").withImage("ghcr.io/workerhealth/sidecar:0.1.0")
        .withRestartPolicy("Always").endInitContainer()
        .addNewContainer().withName("app").withImage("ghcr.io/workerhealth/example-app:0.1.0").endContainer()
        .endSpec().endTemplate().endSpec().build();
    client.resource(deployment).create();
    narration.say("created Deployment " + NAMESPACE + "/" + DEPLOYMENT + " with " + REPLICAS
        + " replicas (pod: the sample app, and the sidecar scraping its /healthz every " + SCRAPE_INTERVAL.toMillis()
        + "ms)");
  }

  static WorkerHealthPolicy policy() {
    RemediationRule rule = new RemediationRule();
    rule.setName("restart-failed-consumer");
    rule.setWorkers(new ArrayList<>(List.of("*-consumer")));
    rule.setFor(RULE_FOR.toSeconds() + "s");
    rule.setAction(RemediationAction.RestartPod);
    rule.setVerification(new Verification("4s", 3)); // a replacement is healthy within a second or two here
    WorkerHealthPolicySpec spec = new WorkerHealthPolicySpec();
    spec.setSelector(new LabelSelector(null, POD_LABELS));
    spec.setRules(new ArrayList<>(List.of(rule)));
    spec.setMaxUnhealthy(new IntOrString("50%"));
    spec.setCooldown("10s");
    // at the demo's pace: an outage shorter than 8s is left alone; canaries back off 2s, then 4s
    OutageRecovery recovery = new OutageRecovery();
    recovery.setAfter("8s");
    recovery.setBackoff("2s");
    recovery.setMaxBackoff("4s");
    spec.setRecovery(recovery);
    WorkerHealthPolicy policy = new WorkerHealthPolicy();
    policy.getMetadata().setName(POLICY);
    policy.getMetadata().setNamespace(NAMESPACE);
    policy.setSpec(spec);
    return policy;
  }

  private static void createPolicy(KubernetesClient client, Narration narration) {
    WorkerHealthPolicy policy = policy();
    narration.command("kubectl apply -f - <<EOF", PlainYaml.of(client.getKubernetesSerialization(), policy) + "EOF");
    client.resource(policy).create();
  }

  static int play(List<Scenario> scenarios, DemoStage stage, Narration narration)
      throws InterruptedException {
    int played = 0;
    for (Scenario scenario : scenarios) {
      narration.heading(scenario.title());
      try {
        scenario.play(stage);
        played++;
      } catch (ExpectationFailed e) {
        narration.heading("FAILED: " + scenario.title());
        narration.plain("expected: " + e.expectation());
        narration.plain("seen:");
        e.seen().lines().forEach(l -> narration.plain("  " + l));
        return 1;
      }
    }
    narration.heading("All " + played + " scenarios held their expectations, in "
        + String.format(java.util.Locale.ROOT, "%.1fs", narration.elapsed().toMillis() / 1000.0));
    return 0;
  }

  private static void keepRunning(Path kubeconfig, InProcessKubelet kubelet, Narration narration)
      throws InterruptedException {
    narration.heading("The control plane keeps running (Ctrl-C stops it)");
    narration.plain("export KUBECONFIG=" + kubeconfig);
    narration.plain("kubectl get wh,whp -A");
    narration.plain("kubectl get whp " + POLICY + " -n " + NAMESPACE + " -o yaml");
    narration.plain("kubectl get events -n " + NAMESPACE);
    narration.plain("Fault endpoints of the pods' apps (a replacement pod's port is in its kubelet line):");
    kubelet.appPorts().forEach((pod, port) -> narration.plain("  " + pod + ": 127.0.0.1:" + port));
    narration.plain("curl -X POST 'http://127.0.0.1:PORT/faults/fail?worker=deliverymq-consumer'");
    narration.plain("curl -X POST http://127.0.0.1:PORT/faults/outage");
    narration.plain("curl -X POST http://127.0.0.1:PORT/faults/recover-all");
    new CountDownLatch(1).await(); // until Ctrl-C; the control plane's shutdown hook stops its processes
  }
}
