package io.workerhealth.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.workerhealth.api.v1alpha1.HealthPhase;
import io.workerhealth.api.v1alpha1.WorkerHealth;
import io.workerhealth.demo.controlplane.ControlPlaneBinaries;
import io.workerhealth.demo.controlplane.LocalControlPlane;
import io.workerhealth.examples.SampleAppConfig;
import io.workerhealth.examples.SampleWorkerApp;
import io.workerhealth.operator.OperatorMain;
import io.workerhealth.operator.OperatorSettings;
import io.workerhealth.operator.WorkerHealthOperator;
import io.workerhealth.operator.injection.SidecarTemplate;
import io.workerhealth.operator.webhook.InjectionSettings;
import io.workerhealth.operator.webhook.InjectionWebhook;
import io.workerhealth.operator.webhook.WebhookCertificate;
import io.workerhealth.sidecar.SidecarRunner;
import io.workerhealth.sidecar.config.SidecarConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Sidecar injection on a real control plane: the chart is installed with real helm, and the API server itself calls
 * the webhook over TLS through the chart's MutatingWebhookConfiguration, trusting it by the caBundle the operator
 * keeps. The webhook and the operator run in this JVM as the chart's ServiceAccount, configured from the env of the
 * Deployment the chart rendered. There is no kube-proxy: the chart's webhook Service is replaced by an ExternalName
 * Service pointing at loopback (the API server then dials localhost, still checking the certificate against the
 * Service's DNS name). Pods stay Pending (no kubelet); what a kubelet would run is run here from the injected spec.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SidecarInjectionE2E {

  static final Duration TIMEOUT = Duration.ofSeconds(120);
  static final String OPERATOR_NS = "worker-health";
  static final String APP_NS = "shop";
  static final String OPTED_OUT_NS = "quiet";
  static final String RELEASE = "who";
  static final String OPERATOR_SA = RELEASE + "-worker-health-operator";
  static final String WEBHOOK_SERVICE = RELEASE + "-worker-health-operator-webhook";
  static final String WEBHOOK_CONFIGURATION = RELEASE + "-worker-health-operator-sidecar-injector";
  static final String SECRET = RELEASE + "-worker-health-operator-webhook-tls";
  /** Latency samples per kind of pod (benchmark: -Dwh.e2e.latencyPods=500, see docs/injection.md). */
  static final int LATENCY_PODS = Integer.getInteger("wh.e2e.latencyPods", 60);

  static LocalControlPlane controlPlane;
  static KubernetesClient admin;
  static KubernetesClient operatorClient;
  static WorkerHealthOperator operator;
  static InjectionWebhook webhook;
  static InjectionSettings settings;
  static int webhookPort;
  /** The webhook's clock: set back first, so the first certificate is old enough to need renewing later. */
  static final MovableClock clock = new MovableClock(Duration.ofHours(-6000));
  static final List<AutoCloseable> running = new ArrayList<>();

  @BeforeAll
  static void installChartAndStartTheWebhook() throws Exception {
    OperatorMain.respondWithoutNagleDelay();
    controlPlane = LocalControlPlane.start(ControlPlaneBinaries.locate(), Path.of("target", "control-plane-inject"));
    admin = controlPlane.adminClient();
    admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(APP_NS).endMetadata().build())
        .create();
    admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(OPTED_OUT_NS)
        .addToLabels("workerhealth.io/inject", "disabled").endMetadata().build()).create();
    await().atMost(TIMEOUT).until(() -> admin.serviceAccounts().inNamespace(APP_NS).withName("default").get() != null
        && admin.serviceAccounts().inNamespace(OPTED_OUT_NS).withName("default").get() != null);
    admin.serviceAccounts().inNamespace(APP_NS).resource(new ServiceAccountBuilder().withNewMetadata()
        .withName("shop-app").endMetadata().build()).create();

    webhookPort = freePort();
    // No sidecar.bindings: the operator binds the sidecar role for injected pods itself.
    helm("install", RELEASE, WorkerHealthLoopE2E.chartDir().toString(), "--namespace",
        OPERATOR_NS, "--create-namespace", "--set", "injection.webhook.servicePort=" + webhookPort);

    // the webhook's settings are the env the chart gave the operator's Deployment
    Deployment deployment = admin.apps().deployments().inNamespace(OPERATOR_NS).withName(OPERATOR_SA).get();
    Map<String, String> env = new HashMap<>();
    for (EnvVar e : deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv()) {
      if (e.getValueFrom() == null) {
        env.put(e.getName(), e.getValue() == null ? "" : e.getValue()); // the API server drops empty values
      } else if ("metadata.namespace".equals(e.getValueFrom().getFieldRef().getFieldPath())) {
        env.put(e.getName(), OPERATOR_NS);
      }
    }
    settings = InjectionSettings.fromEnv(env);
    assertThat(settings.enabled()).isTrue();

    // the network a cluster would provide: the Service resolves to this JVM's webhook
    admin.services().inNamespace(OPERATOR_NS).withName(WEBHOOK_SERVICE).delete();
    await().atMost(TIMEOUT).until(() -> admin.services().inNamespace(OPERATOR_NS).withName(WEBHOOK_SERVICE)
        .get() == null);
    admin.services().inNamespace(OPERATOR_NS).resource(new ServiceBuilder().withNewMetadata()
        .withName(WEBHOOK_SERVICE).endMetadata().withNewSpec().withType("ExternalName").withExternalName("localhost")
        .addNewPort().withName("https").withPort(webhookPort).endPort().endSpec().build()).create();

    operatorClient = clientWithToken(token(OPERATOR_NS, OPERATOR_SA, null));
    operator = new WorkerHealthOperator(operatorClient, new OperatorSettings(0, List.of(), true,
        "worker-health-operator", OPERATOR_NS), Clock.systemUTC());
    webhook = startWebhook();
    operator.register(webhook.detector(Clock.systemUTC())).start();
  }

  static InjectionWebhook startWebhook() throws IOException {
    return new InjectionWebhook(operatorClient, settings, operator.metrics().registry(), clock,
        new InetSocketAddress(InetAddress.getLoopbackAddress(), webhookPort)).start();
  }

  @AfterAll
  static void stopAll() throws Exception {
    for (AutoCloseable c : running) {
      c.close();
    }
    if (webhook != null) {
      webhook.close();
    }
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
  void theOperatorIssuedItsCertificateAndTheWebhookConfigurationTrustsIt() {
    WebhookCertificate served = certificateInSecret();
    assertThat(served.dnsNames()).contains(WEBHOOK_SERVICE + "." + OPERATOR_NS + ".svc");
    assertThat(caBundle()).isEqualTo(served.caBundlePem());
    assertThat(webhook.serving()).isTrue();
  }

  @Test
  @Order(2)
  void aLabelledDeploymentsPodsComeOutWithTheNativeSidecarAndNothingElseChanged() {
    Deployment app = createDeployment(APP_NS, "outpost", true, Map.of("workerhealth.io/format", "outpost"));
    List<Pod> pods = awaitPods(APP_NS, "outpost", 2);
    Container appContainer = app.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(pods).allSatisfy(pod -> {
      assertThat(pod.getSpec().getInitContainers()).singleElement().satisfies(sidecar -> {
        assertThat(sidecar.getName()).isEqualTo(SidecarTemplate.CONTAINER_NAME);
        assertThat(sidecar.getRestartPolicy()).as("native sidecar on a 1.36 API server").isEqualTo("Always");
        assertThat(sidecar.getImage()).isEqualTo("ghcr.io/workerhealth/sidecar:0.1.0");
        assertThat(env(sidecar)).containsEntry("WH_FORMAT", "outpost")
            .containsEntry("WH_TARGET_URL", "http://127.0.0.1:8080/healthz").containsEntry("WH_INTERVAL", "5s");
      });
      assertThat(pod.getSpec().getContainers()).singleElement().satisfies(c -> {
        assertThat(c.getName()).isEqualTo(appContainer.getName());
        assertThat(c.getImage()).isEqualTo(appContainer.getImage());
        assertThat(c.getEnv()).isEqualTo(appContainer.getEnv());
      });
      assertThat(pod.getSpec().getVolumes()).extracting(v -> v.getName())
          .contains(SidecarTemplate.LABELS_VOLUME, SidecarTemplate.TMP_VOLUME);
      assertThat(pod.getMetadata().getLabels()).containsEntry("workerhealth.io/sidecar", "true");
    });
    assertThat(metric("workerhealth_webhook_admission_seconds_count", "namespace=\"" + APP_NS + "\"",
        "result=\"Injected\"")).isGreaterThanOrEqualTo(2);
  }

  @Test
  @Order(3)
  void kubectlGetWhWorksForTheInjectedAppWithNoOtherChangeThanTheLabel() throws Exception {
    // nobody bound the sidecar role in this namespace: the operator does, for the injected pods' ServiceAccount
    await().atMost(TIMEOUT).until(() -> admin.rbac().roleBindings().inNamespace(APP_NS)
        .withName("worker-health-sidecar-shop-app").get() != null);
    for (Pod pod : awaitPods(APP_NS, "outpost", 2)) {
      runLikeAKubelet(pod);
    }
    await().atMost(TIMEOUT).untilAsserted(() -> {
      JsonNode table = table("/apis/workerhealth.io/v1alpha1/namespaces/" + APP_NS + "/workerhealths");
      assertThat(table.get("rows")).hasSize(2).allSatisfy(row -> {
        assertThat(row.get("cells").get(1).asText()).isEqualTo(HealthPhase.Healthy.name());
        assertThat(row.get("cells").get(2).asText()).isEqualTo("4/4");
      });
    });
  }

  @Test
  @Order(4)
  void podsNotLabelledOrOptedOutComeOutWithout() {
    createDeployment(APP_NS, "plain", false, Map.of());
    createDeployment(OPTED_OUT_NS, "quiet", true, Map.of());
    Pod optedOut = admin.pods().inNamespace(APP_NS).resource(pod("opted-out", "false", Map.of())).create();

    assertThat(awaitPods(APP_NS, "plain", 2)).allSatisfy(p -> assertThat(p.getSpec().getInitContainers()).isNullOrEmpty());
    assertThat(awaitPods(OPTED_OUT_NS, "quiet", 2))
        .allSatisfy(p -> assertThat(p.getSpec().getInitContainers()).isNullOrEmpty());
    assertThat(optedOut.getSpec().getInitContainers()).isNullOrEmpty();
    assertThat(optedOut.getSpec().getContainers()).hasSize(1);
  }

  @Test
  @Order(5)
  void badAnnotationsAreRejectedWithAMessageNamingThemOnPodsAndWorkloads() {
    assertThatThrownBy(() -> admin.pods().inNamespace(APP_NS).resource(pod("bad", "true",
        Map.of("workerhealth.io/interval", "5 seconds", "workerhealth.io/intervall", "5s"))).create())
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(400))
        .hasMessageContaining("admission webhook \"inject.workerhealth.io\" denied the request")
        .hasMessageContaining("workerhealth.io/interval=\"5 seconds\": not a duration")
        .hasMessageContaining("unknown annotation workerhealth.io/intervall");

    // a workload whose pod template asks for the sidecar is refused at once, with the same message
    assertThatThrownBy(() -> createDeployment(APP_NS, "typo", true, Map.of("workerhealth.io/format", "xml")))
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(400))
        .hasMessageContaining("admission webhook \"templates.inject.workerhealth.io\" denied the request")
        .hasMessageContaining("workerhealth.io/format=\"xml\": unknown format 'xml'");
    assertThat(admin.apps().deployments().inNamespace(APP_NS).withName("typo").get()).isNull();
    // a workload not asking for the sidecar is not even sent (matchConditions): nothing to refuse
    createDeployment(APP_NS, "unasked", false, Map.of("workerhealth.io/format", "xml"));
    assertThat(metric("workerhealth_webhook_admission_seconds_count", "result=\"TemplateRejected\"")).isEqualTo(1);
    assertThat(metric("workerhealth_webhook_admission_seconds_count", "result=\"TemplateAccepted\""))
        .as("the labelled Deployments created before").isGreaterThanOrEqualTo(1);
  }

  @Test
  @Order(6)
  void aRenewedCertificateIsTrustedBeforeItIsServed() {
    WebhookCertificate first = certificateInSecret();
    clock.offset = Duration.ZERO; // now less than a third of the first certificate's validity is left
    webhook.runCheck();

    WebhookCertificate renewed = certificateInSecret();
    assertThat(renewed.certificate()).isNotEqualTo(first.certificate());
    assertThat(renewed.caCertificates()).hasSize(2).contains(first.caCertificates().get(0));
    assertThat(caBundle()).isEqualTo(renewed.caBundlePem());
    assertThat(metric("workerhealth_webhook_certificate_rotations_total", "reason=\"Expiring\"")).isEqualTo(1);
    // the API server calls the webhook with the new certificate
    Pod pod = admin.pods().inNamespace(APP_NS).resource(pod("after-renewal", "true", Map.of())).create();
    assertThat(pod.getSpec().getInitContainers()).extracting(Container::getName)
        .containsExactly(SidecarTemplate.CONTAINER_NAME);
  }

  @Test
  @Order(7)
  void admissionLatencyAgainstTheRealApiServer() {
    List<Long> without = new ArrayList<>();
    List<Long> with = new ArrayList<>();
    for (int i = 0; i < 20; i++) { // warm-up: connections, JIT
      timeCreate(pod("warm-plain-" + i, "false", Map.of()));
      timeCreate(pod("warm-injected-" + i, "true", Map.of()));
    }
    for (int i = 0; i < LATENCY_PODS; i++) {
      without.add(timeCreate(pod("plain-" + i, "false", Map.of())));
      with.add(timeCreate(pod("injected-" + i, "true", Map.of())));
    }
    assertThat(admin.pods().inNamespace(APP_NS).withName("injected-" + (LATENCY_PODS - 1)).get().getSpec()
        .getInitContainers()).hasSize(1);
    System.out.printf("E2E injection latency (%d pods each): pod create without webhook p50 %.1f ms p99 %.1f ms; "
            + "with webhook p50 %.1f ms p99 %.1f ms; webhook's own answer mean %.2f ms, p50 <= %s ms, p99 <= %s ms%n",
        LATENCY_PODS, percentile(without, 50), percentile(without, 99), percentile(with, 50), percentile(with, 99),
        webhookMean(), webhookBucket(0.5), webhookBucket(0.99));
  }

  @Test
  @Order(8)
  void withTheWebhookDownAndIgnoreThePodIsCreatedAndTheMissIsCountedAndReported() throws IOException {
    webhook.close();
    try {
      createDeployment(APP_NS, "unlucky", true, Map.of());
      assertThat(awaitPods(APP_NS, "unlucky", 2))
          .allSatisfy(p -> assertThat(p.getSpec().getInitContainers()).isNullOrEmpty());
      await().atMost(TIMEOUT).untilAsserted(() -> {
        assertThat(metric("workerhealth_injection_missed_total", "namespace=\"" + APP_NS + "\"")).isEqualTo(2);
        assertThat(metric("workerhealth_injection_missing_pods", "namespace=\"" + APP_NS + "\"")).isEqualTo(2);
        assertThat(events(APP_NS, "SidecarNotInjected")).anySatisfy(e -> {
          assertThat(e.getInvolvedObject().getKind()).isEqualTo("ReplicaSet");
          assertThat(e.getInvolvedObject().getName()).startsWith("unlucky-");
          assertThat(e.getMessage()).contains("labelled workerhealth.io/inject=true but runs without");
        });
      });
    } finally {
      webhook = startWebhook();
    }
    // once the webhook is back, a rollout brings the sidecar; the gauge follows the pods
    admin.apps().deployments().inNamespace(APP_NS).withName("unlucky").scale(0);
    await().atMost(TIMEOUT).untilAsserted(() -> assertThat(metric("workerhealth_injection_missing_pods",
        "namespace=\"" + APP_NS + "\"")).isZero());
  }

  // --- harness

  static Deployment createDeployment(String namespace, String name, boolean inject, Map<String, String> annotations) {
    Map<String, String> labels = new HashMap<>(Map.of("app", name));
    if (inject) {
      labels.put("workerhealth.io/inject", "true");
    }
    return admin.apps().deployments().inNamespace(namespace).resource(new DeploymentBuilder()
        .withNewMetadata().withName(name).endMetadata()
        .withNewSpec().withReplicas(2)
        .withNewSelector().addToMatchLabels("app", name).endSelector()
        .withNewTemplate().withNewMetadata().withLabels(labels).withAnnotations(annotations).endMetadata()
        .withNewSpec().withServiceAccountName(namespace.equals(APP_NS) ? "shop-app" : null)
        .addNewContainer().withName("app").withImage("ghcr.io/workerhealth/example-app:0.1.0")
        .addNewEnv().withName("PORT").withValue("8080").endEnv().endContainer()
        .endSpec().endTemplate().endSpec().build()).create();
  }

  static Pod pod(String name, String inject, Map<String, String> annotations) {
    return new PodBuilder().withNewMetadata().withName(name).addToLabels("workerhealth.io/inject", inject)
        .withAnnotations(annotations).endMetadata().withNewSpec().addNewContainer().withName("app")
        .withImage("ghcr.io/workerhealth/example-app:0.1.0").endContainer().endSpec().build();
  }

  static List<Pod> awaitPods(String namespace, String app, int count) {
    await().atMost(TIMEOUT).until(() -> admin.pods().inNamespace(namespace).withLabel("app", app).list().getItems()
        .size() == count);
    return admin.pods().inNamespace(namespace).withLabel("app", app).list().getItems();
  }

  /**
   * What the kubelet does with an injected pod, here in this JVM: the app on a loopback port, and the sidecar
   * configured from the injected container's env (downward-API values and the labels file resolved from the pod,
   * the target URL's port mapped to where the app listens here), authenticated by a token bound to the pod.
   */
  static void runLikeAKubelet(Pod pod) throws Exception {
    SampleWorkerApp app = SampleWorkerApp.start(SampleAppConfig.defaults().withBindAddress("127.0.0.1").withPort(0),
        Clock.systemUTC());
    running.add(app);
    Container sidecar = pod.getSpec().getInitContainers().get(0);
    Map<String, String> env = new HashMap<>();
    Path labels = Files.createTempFile("labels", "");
    StringBuilder text = new StringBuilder();
    pod.getMetadata().getLabels().forEach((k, v) -> text.append(k).append("=\"").append(v).append("\"\n"));
    Files.writeString(labels, text);
    for (EnvVar e : sidecar.getEnv()) {
      if (e.getValue() != null) {
        env.put(e.getName(), e.getValue());
      } else {
        String field = e.getValueFrom().getFieldRef().getFieldPath();
        env.put(e.getName(), switch (field) {
          case "metadata.name" -> pod.getMetadata().getName();
          case "metadata.namespace" -> pod.getMetadata().getNamespace();
          case "metadata.uid" -> pod.getMetadata().getUid();
          default -> throw new AssertionError("unexpected downward-API field " + field);
        });
      }
    }
    env.put("WH_TARGET_URL", env.get("WH_TARGET_URL").replace(":8080/", ":" + app.port() + "/"));
    env.put("WH_LABELS_FILE", labels.toString());
    env.put("WH_METRICS_PORT", "0");
    env.put("WH_INTERVAL", "500ms");
    env.put("WH_TIMEOUT", "400ms");
    KubernetesClient client = clientWithToken(
        token(pod.getMetadata().getNamespace(), pod.getSpec().getServiceAccountName(), pod));
    running.add(client);
    running.add(new SidecarRunner(SidecarConfig.fromEnv(env), client, Clock.systemUTC()).start());
  }

  static Map<String, String> env(Container c) {
    Map<String, String> env = new HashMap<>();
    c.getEnv().stream().filter(e -> e.getValue() != null).forEach(e -> env.put(e.getName(), e.getValue()));
    return env;
  }

  static WebhookCertificate certificateInSecret() {
    Secret secret = admin.secrets().inNamespace(OPERATOR_NS).withName(SECRET).get();
    assertThat(secret).as("Secret " + SECRET).isNotNull();
    return new WebhookCertificate(decode(secret.getData().get("tls.crt")), decode(secret.getData().get("tls.key")),
        decode(secret.getData().get("ca.crt")));
  }

  static String caBundle() {
    MutatingWebhookConfiguration config = admin.admissionRegistration().v1().mutatingWebhookConfigurations()
        .withName(WEBHOOK_CONFIGURATION).get();
    return decode(config.getWebhooks().get(0).getClientConfig().getCaBundle());
  }

  static String decode(String base64) {
    return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
  }

  static List<Event> events(String namespace, String reason) {
    return admin.v1().events().inNamespace(namespace).list().getItems().stream()
        .filter(e -> reason.equals(e.getReason())).toList();
  }

  /** A sample's value in the operator's /metrics (0 when absent). */
  static double metric(String name, String... labels) {
    String scrape = operator.metrics().registry().scrape();
    double sum = 0;
    for (String line : scrape.split("\n")) {
      if (line.startsWith(name + "{") || line.startsWith(name + " ")) {
        boolean all = true;
        for (String l : labels) {
          all &= line.contains(l);
        }
        if (all) {
          sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        }
      }
    }
    return sum;
  }

  /** The webhook's own mean answer time (ms) for injected pods, from its histogram's sum and count. */
  static double webhookMean() {
    return metric("workerhealth_webhook_admission_seconds_sum", "namespace=\"" + APP_NS + "\"",
        "result=\"Injected\"") * 1000 / metric("workerhealth_webhook_admission_seconds_count",
        "namespace=\"" + APP_NS + "\"", "result=\"Injected\"");
  }

  /** The upper bound (ms) of the webhook histogram's bucket holding quantile q of its injected pods' answers. */
  static String webhookBucket(double q) {
    double total = metric("workerhealth_webhook_admission_seconds_count", "namespace=\"" + APP_NS + "\"",
        "result=\"Injected\"");
    List<double[]> buckets = new ArrayList<>();
    for (String l : operator.metrics().registry().scrape().split("\n")) {
      if (l.startsWith("workerhealth_webhook_admission_seconds_bucket{") && l.contains("namespace=\"" + APP_NS + "\"")
          && l.contains("result=\"Injected\"")) {
        String le = l.substring(l.indexOf("le=\"") + 4, l.indexOf('"', l.indexOf("le=\"") + 4));
        buckets.add(new double[] {le.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(le),
            Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))});
      }
    }
    buckets.sort((a, b) -> Double.compare(a[0], b[0]));
    for (double[] b : buckets) {
      if (b[1] >= q * total) {
        return String.format(java.util.Locale.ROOT, "%.2f", b[0] * 1000);
      }
    }
    return "?";
  }

  static long timeCreate(Pod pod) {
    long start = System.nanoTime();
    admin.pods().inNamespace(APP_NS).resource(pod).create();
    return System.nanoTime() - start;
  }

  static double percentile(List<Long> nanos, int p) {
    List<Long> sorted = nanos.stream().sorted().toList();
    int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
    return sorted.get(Math.max(0, index)) / 1e6;
  }

  static JsonNode table(String path) throws Exception {
    HttpRequest request = admin.getHttpClient().newHttpRequestBuilder().uri(controlPlane.serverUrl() + path)
        .header("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io").build();
    HttpResponse<String> response = admin.getHttpClient().sendAsync(request, String.class).get(30, TimeUnit.SECONDS);
    assertThat(response.code()).as(response.body()).isEqualTo(200);
    return new ObjectMapper().readTree(response.body());
  }

  static String token(String namespace, String serviceAccount, Pod boundTo) {
    return ControlPlaneClients.token(admin, namespace, serviceAccount, boundTo);
  }

  static KubernetesClient clientWithToken(String token) {
    return ControlPlaneClients.clientWithToken(controlPlane, token);
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

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  /** The system clock moved by an offset the test sets. */
  static final class MovableClock extends Clock {
    volatile Duration offset;

    MovableClock(Duration offset) {
      this.offset = offset;
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return Instant.now().plus(offset);
    }
  }

}
