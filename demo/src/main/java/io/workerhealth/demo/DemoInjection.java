package io.workerhealth.demo;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfigurationBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.zjsonpatch.JsonPatch;
import io.micrometer.core.instrument.MeterRegistry;
import io.workerhealth.demo.cluster.DemoCluster;
import io.workerhealth.operator.injection.InjectionDecision;
import io.workerhealth.operator.injection.PodInjector;
import io.workerhealth.operator.injection.SidecarMode;
import io.workerhealth.operator.injection.SidecarTemplate;
import io.workerhealth.operator.webhook.InjectionSettings;
import io.workerhealth.operator.webhook.InjectionWebhook;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Clock;

import java.util.Map;

/**
 * The demo's pods get their sidecar the way users' do: the Deployment only carries the label
 * {@code workerhealth.io/inject: "true"}. On the local control plane, with a node or without, the API server calls the
 * operator's injection webhook over TLS (set up as the Helm chart does: its Service, certificate Secret and
 * MutatingWebhookConfiguration). The webhook listens in this JVM on the host's loopback, where the API server runs
 * too, so its Service is an ExternalName for localhost (the API server resolves it itself; no kube-proxy rule or pod
 * network in between, with a node or without). The mock API server calls no webhooks, so
 * there the mock ReplicaSet controller passes each new pod through the same injector before creating it.
 */
final class DemoInjection implements AutoCloseable {

  static final String NAMESPACE = "worker-health";
  static final String SERVICE = "worker-health-webhook";
  static final String CONFIGURATION = "worker-health-sidecar-injector";
  /** The chart's injection.defaults, with the demo's fast scrapes. */
  static final Map<String, String> DEFAULTS = Map.of("port", "8080", "path", "/healthz", "interval", "5s",
      "timeout", "2s", "cpu-request", "10m", "memory-request", "96Mi", "memory-limit", "128Mi");
  static final String IMAGE = "ghcr.io/workerhealth/sidecar:0.1.0";
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  private final InjectionWebhook webhook;

  private DemoInjection(InjectionWebhook webhook) {
    this.webhook = webhook;
  }

  static DemoInjection start(DemoCluster cluster, KubernetesClient client, MeterRegistry registry, Clock clock) {
    if (!cluster.callsWebhooks()) {
      PodInjector injector = new PodInjector(new SidecarTemplate(IMAGE, ""), DEFAULTS, () -> SidecarMode.NATIVE);
      cluster.admitPodsWith(pod -> admit(injector, pod));
      return new DemoInjection(null);
    }
    try {
      int port = freePort();
      client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NAMESPACE).endMetadata()
          .build()).create();
      client.services().inNamespace(NAMESPACE).resource(new ServiceBuilder().withNewMetadata().withName(SERVICE)
          .endMetadata().withNewSpec().withType("ExternalName").withExternalName("localhost")
          .addNewPort().withName("https").withPort(port).endPort().endSpec().build()).create();
      client.admissionRegistration().v1().mutatingWebhookConfigurations().resource(
          new MutatingWebhookConfigurationBuilder().withNewMetadata().withName(CONFIGURATION).endMetadata()
              .addNewWebhook().withName("inject.workerhealth.io").withAdmissionReviewVersions("v1")
              .withSideEffects("None").withFailurePolicy("Ignore").withTimeoutSeconds(5)
              .withNewClientConfig().withNewService().withName(SERVICE).withNamespace(NAMESPACE).withPath("/inject")
              .withPort(port).endService().endClientConfig()
              .addNewRule().withOperations("CREATE").withApiGroups("").withApiVersions("v1").withResources("pods")
              .endRule()
              .withNewObjectSelector().addToMatchLabels(PodInjector.INJECT_LABEL, "true").endObjectSelector()
              .endWebhook().build()).create();
      Map<String, String> env = Map.of("WH_INJECTION_ENABLED", "true", "WH_WEBHOOK_NAMESPACE", NAMESPACE,
          "WH_WEBHOOK_SERVICE", SERVICE, "WH_WEBHOOK_SECRET", SERVICE + "-tls", "WH_WEBHOOK_CONFIGURATION",
          CONFIGURATION, "WH_INJECTION_SIDECAR_IMAGE", IMAGE, "WH_INJECTION_DEFAULTS",
          SERIALIZATION.asJson(DEFAULTS), "WH_INJECTION_ROLE_BINDINGS", "false");
      InjectionWebhook webhook = new InjectionWebhook(client, InjectionSettings.fromEnv(env), registry, clock,
          new InetSocketAddress(InetAddress.getLoopbackAddress(), port)).start();
      return new DemoInjection(webhook);
    } catch (IOException e) {
      throw new UncheckedIOException("could not start the injection webhook", e);
    }
  }

  static Pod admit(PodInjector injector, Pod pod) {
    InjectionDecision decision = injector.decide(pod);
    if (decision instanceof InjectionDecision.Reject reject) {
      throw new IllegalArgumentException("worker health sidecar: " + reject.message());
    }
    if (decision instanceof InjectionDecision.Inject inject) {
      JsonNode patched = JsonPatch.apply(inject.patch(), SERIALIZATION.convertValue(pod, JsonNode.class));
      return SERIALIZATION.convertValue(patched, Pod.class);
    }
    return pod;
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  @Override
  public void close() {
    if (webhook != null) {
      webhook.close();
    }
  }

}
