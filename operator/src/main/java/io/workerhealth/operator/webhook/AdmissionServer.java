package io.workerhealth.operator.webhook;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequest;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponseBuilder;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.workerhealth.operator.injection.InjectionDecision;
import io.workerhealth.operator.injection.PodInjector;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admission endpoints the API server calls over TLS: {@code POST /inject} with an AdmissionReview of a pod being
 * created, answered with the pod's JSON Patch, unchanged, or refused (the message names the annotation); {@code POST
 * /validate} with a workload whose pod template asks for the sidecar, refused when its pods would be. Every
 * replica serves it: answering needs nothing but the pod and the settings.
 */
public final class AdmissionServer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(AdmissionServer.class);
  /** Admission bodies are one pod; anything far larger is not one the API server sends. */
  private static final int MAX_BODY = 8 * 1024 * 1024;
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  private final HttpsServer server;
  private final ExecutorService executor;
  private final PodInjector injector;
  private final WebhookMetrics metrics;

  public AdmissionServer(InetSocketAddress address, ReloadableKeyManager keys, PodInjector injector,
                         WebhookMetrics metrics) throws IOException {
    this.injector = injector;
    this.metrics = metrics;
    SSLContext tls;
    try {
      tls = SSLContext.getInstance("TLS");
      tls.init(new KeyManager[] {keys}, null, null);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("TLS is always available in the JDK", e);
    }
    server = HttpsServer.create(address, 64);
    server.setHttpsConfigurator(new HttpsConfigurator(tls));
    executor = Executors.newFixedThreadPool(4, r -> {
      Thread t = new Thread(r, "worker-health-admission");
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(executor);
    server.createContext("/inject", exchange -> handle(exchange, this::injectPod));
    server.createContext("/validate", exchange -> handle(exchange, this::checkTemplate));
    server.start();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  /** An admission answer, and what it was for the metric's {@code result}. */
  record Answer(AdmissionResponse response, String result) {}

  /** A pod being created: the sidecar added, or the pod left alone or refused. */
  private Answer injectPod(AdmissionRequest request) {
    // fabric8 reads the embedded object as the kind it names: a Pod already, converted only if not
    Pod pod = request.getObject() instanceof Pod p ? p : SERIALIZATION.convertValue(request.getObject(), Pod.class);
    InjectionDecision decision = injector.decide(pod);
    if (decision instanceof InjectionDecision.Reject r) {
      LOG.info("refused a pod in {}: {}", request.getNamespace(), r.message());
    }
    return new Answer(answer(request.getUid(), decision), decision instanceof InjectionDecision.Inject ? "Injected"
        : decision instanceof InjectionDecision.Skip ? "Skipped" : "Rejected");
  }

  /**
   * A workload whose pod template asks for the sidecar (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job,
   * CronJob): refused when its pods would be, so {@code kubectl apply} shows the message at once rather than the
   * ReplicaSet's events later. Never patched: the pods get the sidecar when they are created.
   */
  private Answer checkTemplate(AdmissionRequest request) {
    JsonNode object = SERIALIZATION.convertValue(request.getObject(), JsonNode.class);
    JsonNode template = object.at("/spec/template");
    if (template.isMissingNode()) {
      template = object.at("/spec/jobTemplate/spec/template");
    }
    AdmissionResponseBuilder allowed = new AdmissionResponseBuilder().withUid(request.getUid()).withAllowed(true);
    if (!template.isObject()) {
      return new Answer(allowed.build(), "TemplateAccepted");
    }
    PodTemplateSpec spec = SERIALIZATION.convertValue(template, PodTemplateSpec.class);
    Pod pod = new PodBuilder().withMetadata(spec.getMetadata() == null ? new ObjectMeta() : spec.getMetadata())
        .withSpec(spec.getSpec()).build();
    InjectionDecision decision = injector.decide(pod);
    if (decision instanceof InjectionDecision.Reject r) {
      LOG.info("refused {} {}/{}: {}", request.getKind().getKind(), request.getNamespace(), request.getName(),
          r.message());
      return new Answer(answer(request.getUid(), decision), "TemplateRejected");
    }
    return new Answer(allowed.build(), "TemplateAccepted");
  }

  private void handle(HttpExchange exchange, java.util.function.Function<AdmissionRequest, Answer> decide)
      throws IOException {
    long start = System.nanoTime();
    try (exchange) {
      if (!"POST".equals(exchange.getRequestMethod())) {
        respond(exchange, 405, "{\"error\":\"POST an AdmissionReview\"}");
        return;
      }
      AdmissionReview review;
      try (InputStream in = exchange.getRequestBody()) {
        byte[] body = in.readNBytes(MAX_BODY + 1);
        if (body.length > MAX_BODY) {
          respond(exchange, 413, "{\"error\":\"body too large\"}");
          return;
        }
        review = SERIALIZATION.unmarshal(new String(body, StandardCharsets.UTF_8), AdmissionReview.class);
      } catch (RuntimeException e) {
        respond(exchange, 400, "{\"error\":\"not an AdmissionReview\"}");
        return;
      }
      AdmissionRequest request = review.getRequest();
      if (request == null) {
        respond(exchange, 400, "{\"error\":\"AdmissionReview without a request\"}");
        return;
      }
      Answer answer;
      try {
        answer = decide.apply(request);
      } catch (RuntimeException e) {
        // admitted unchanged: a missed injection is detected, counted and reported like an outage
        LOG.error("could not decide on a {} in {}", request.getKind().getKind(), request.getNamespace(), e);
        answer = new Answer(new AdmissionResponseBuilder().withUid(request.getUid()).withAllowed(true)
            .withWarnings(List.of("worker health sidecar not checked: " + e)).build(), "Error");
      }
      AdmissionResponse response = answer.response();
      String result = answer.result();
      review.setRequest(null);
      review.setResponse(response);
      respond(exchange, 200, SERIALIZATION.asJson(review));
      metrics.admission(request.getNamespace(), result, Duration.ofNanos(System.nanoTime() - start));
    } catch (IOException | RuntimeException e) {
      LOG.warn("admission request failed: {}", e.toString());
    }
  }

  static AdmissionResponse answer(String uid, InjectionDecision decision) {
    AdmissionResponseBuilder response = new AdmissionResponseBuilder().withUid(uid);
    if (decision instanceof InjectionDecision.Inject inject) {
      return response.withAllowed(true).withPatchType("JSONPatch")
          .withPatch(Base64.getEncoder().encodeToString(inject.patch().toString().getBytes(StandardCharsets.UTF_8)))
          .build();
    }
    if (decision instanceof InjectionDecision.Reject reject) {
      return response.withAllowed(false).withStatus(new StatusBuilder().withCode(400).withReason("BadRequest")
          .withMessage("worker health sidecar: " + reject.message()).build()).build();
    }
    return response.withAllowed(true).build();
  }

  private static void respond(HttpExchange exchange, int code, String json) throws IOException {
    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(code, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

}
