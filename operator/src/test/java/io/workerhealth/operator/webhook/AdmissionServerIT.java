package io.workerhealth.operator.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.workerhealth.operator.injection.PodInjector;
import io.workerhealth.operator.injection.SidecarMode;
import io.workerhealth.operator.injection.SidecarTemplate;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSession;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;

/** The admission endpoint over real TLS on loopback, spoken to as the API server does. */
class AdmissionServerIT {

  static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void answersAnAdmissionReviewWithAPatchOrARefusalNamingTheAnnotation() throws Exception {
    WebhookCertificate cert = WebhookCertificate.issue(List.of("localhost"), Instant.now(), Duration.ofDays(1),
        List.of());
    ReloadableKeyManager keys = new ReloadableKeyManager();
    keys.load(cert);
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    PodInjector injector = new PodInjector(new SidecarTemplate("ghcr.io/workerhealth/sidecar:0.1.0", ""), Map.of(),
        () -> SidecarMode.NATIVE);
    try (AdmissionServer server = new AdmissionServer(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
        keys, injector, new WebhookMetrics(registry))) {
      URI uri = URI.create("https://localhost:" + server.port() + "/inject");
      HttpClient client = client(cert);

      JsonNode injected = post(client, uri, review("u-1", Map.of()));
      assertThat(injected.path("kind").asText()).isEqualTo("AdmissionReview");
      JsonNode response = injected.path("response");
      assertThat(response.path("uid").asText()).isEqualTo("u-1");
      assertThat(response.path("allowed").asBoolean()).isTrue();
      assertThat(response.path("patchType").asText()).isEqualTo("JSONPatch");
      JsonNode patch = JSON.readTree(Base64.getDecoder().decode(response.path("patch").asText()));
      assertThat(patch.get(0).path("path").asText()).isEqualTo("/spec/initContainers");
      assertThat(patch.get(0).path("value").get(0).path("name").asText()).isEqualTo("worker-health-sidecar");

      JsonNode refused = post(client, uri, review("u-2", Map.of("workerhealth.io/interval", "soon")))
          .path("response");
      assertThat(refused.path("allowed").asBoolean()).isFalse();
      assertThat(refused.path("status").path("code").asInt()).isEqualTo(400);
      assertThat(refused.path("status").path("message").asText())
          .startsWith("worker health sidecar: workerhealth.io/interval=\"soon\": not a duration");

      // a Deployment whose template asks for the sidecar: refused as its pods would be, never patched
      URI validate = URI.create("https://localhost:" + server.port() + "/validate");
      JsonNode badTemplate = post(client, validate, deploymentReview("u-3", Map.of("workerhealth.io/port", "http")))
          .path("response");
      assertThat(badTemplate.path("allowed").asBoolean()).isFalse();
      assertThat(badTemplate.path("status").path("message").asText())
          .contains("workerhealth.io/port=\"http\": not a port number");
      JsonNode goodTemplate = post(client, validate, deploymentReview("u-4", Map.of())).path("response");
      assertThat(goodTemplate.path("allowed").asBoolean()).isTrue();
      assertThat(goodTemplate.has("patch")).isFalse();

      HttpResponse<String> garbage = client.send(HttpRequest.newBuilder(uri)
          .POST(HttpRequest.BodyPublishers.ofString("{not json")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(garbage.statusCode()).isEqualTo(400);
      assertThat(client.send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofString())
          .statusCode()).isEqualTo(405);

      assertThat(registry.scrape())
          .contains("workerhealth_webhook_admission_seconds_count{namespace=\"shop\",result=\"Injected\"} 1")
          .contains("workerhealth_webhook_admission_seconds_count{namespace=\"shop\",result=\"Rejected\"} 1")
          .contains("workerhealth_webhook_admission_seconds_count{namespace=\"shop\",result=\"TemplateRejected\"} 1")
          .contains("workerhealth_webhook_admission_seconds_count{namespace=\"shop\",result=\"TemplateAccepted\"} 1");
    }
  }

  @Test
  void aRenewedCertificateIsServedWithoutARestart() throws Exception {
    WebhookCertificate first = WebhookCertificate.issue(List.of("localhost"), Instant.now(), Duration.ofDays(1),
        List.of());
    WebhookCertificate second = WebhookCertificate.issue(List.of("localhost"), Instant.now(), Duration.ofDays(1),
        first.caCertificates());
    ReloadableKeyManager keys = new ReloadableKeyManager();
    keys.load(first);
    PodInjector injector = new PodInjector(new SidecarTemplate("img", ""), Map.of(), () -> SidecarMode.NATIVE);
    try (AdmissionServer server = new AdmissionServer(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
        keys, injector, new WebhookMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT)))) {
      URI uri = URI.create("https://localhost:" + server.port() + "/inject");
      assertThat(served(client(first), uri)).isEqualTo(first.certificate());

      assertThat(keys.load(second)).isTrue();
      assertThat(keys.load(second)).as("loading the same one again changes nothing").isFalse();
      // the bundle of the renewed certificate trusts both: a client holding it accepts the new one
      assertThat(served(client(second), uri)).isEqualTo(second.certificate());
    }
  }

  static X509Certificate served(HttpClient client, URI uri) throws Exception {
    HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.ofString(
        review("u", Map.of()))).build(), HttpResponse.BodyHandlers.ofString());
    SSLSession session = r.sslSession().orElseThrow();
    return (X509Certificate) session.getPeerCertificates()[0];
  }

  static JsonNode post(HttpClient client, URI uri, String body) throws Exception {
    HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  /** What kube-apiserver sends for a pod being created. */
  static String review(String uid, Map<String, String> annotations) throws Exception {
    Map<String, Object> pod = Map.of("apiVersion", "v1", "kind", "Pod",
        "metadata", Map.of("generateName", "shop-", "namespace", "shop",
            "labels", Map.of("app", "shop", "workerhealth.io/inject", "true"), "annotations", annotations),
        "spec", Map.of("containers", List.of(Map.of("name", "app", "image", "shop:1"))));
    return JSON.writeValueAsString(Map.of("apiVersion", "admission.k8s.io/v1", "kind", "AdmissionReview",
        "request", Map.of("uid", uid, "kind", Map.of("group", "", "version", "v1", "kind", "Pod"),
            "resource", Map.of("group", "", "version", "v1", "resource", "pods"), "namespace", "shop",
            "operation", "CREATE", "object", pod)));
  }

  static String deploymentReview(String uid, Map<String, String> annotations) throws Exception {
    Map<String, Object> template = Map.of("metadata", Map.of("labels", Map.of("app", "shop",
        "workerhealth.io/inject", "true"), "annotations", annotations),
        "spec", Map.of("containers", List.of(Map.of("name", "app", "image", "shop:1"))));
    Map<String, Object> deployment = Map.of("apiVersion", "apps/v1", "kind", "Deployment",
        "metadata", Map.of("name", "shop", "namespace", "shop"),
        "spec", Map.of("selector", Map.of("matchLabels", Map.of("app", "shop")), "template", template));
    return JSON.writeValueAsString(Map.of("apiVersion", "admission.k8s.io/v1", "kind", "AdmissionReview",
        "request", Map.of("uid", uid, "kind", Map.of("group", "apps", "version", "v1", "kind", "Deployment"),
            "resource", Map.of("group", "apps", "version", "v1", "resource", "deployments"), "namespace", "shop",
            "name", "shop", "operation", "CREATE", "object", deployment)));
  }

  /** A client trusting the certificate's CA bundle, as the API server trusts the caBundle. */
  static HttpClient client(WebhookCertificate cert) throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    int i = 0;
    for (X509Certificate ca : cert.caCertificates()) {
      trust.setCertificateEntry("ca" + i++, ca);
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(null, tmf.getTrustManagers(), null);
    return HttpClient.newBuilder().sslContext(tls).connectTimeout(Duration.ofSeconds(5)).build();
  }
}
