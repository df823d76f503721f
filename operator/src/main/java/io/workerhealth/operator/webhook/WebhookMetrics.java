package io.workerhealth.operator.webhook;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** The injection webhook's metrics, in the operator's registry (docs/injection.md). */
public final class WebhookMetrics {

  private final MeterRegistry registry;
  private final AtomicLong certificateExpiry = new AtomicLong();
  private final Map<String, Boolean> missing = new ConcurrentHashMap<>();

  public WebhookMetrics(MeterRegistry registry) {
    this.registry = registry;
    // a webhook started again in the same process (tests) reports its own certificate, not the first one's
    Gauge previous = registry.find("workerhealth.webhook.certificate.expiry.timestamp").gauge();
    if (previous != null) {
      registry.remove(previous);
    }
    Gauge.builder("workerhealth.webhook.certificate.expiry.timestamp", certificateExpiry, AtomicLong::get)
        .description("When the certificate the webhook serves expires (Unix seconds)").baseUnit("seconds")
        .register(registry);
  }

  /** One admission answered: how long it took, for which namespace, and what was decided. */
  public void admission(String namespace, String result, Duration took) {
    Timer.builder("workerhealth.webhook.admission").description("Time to answer a pod admission request")
        .tags("namespace", namespace == null ? "" : namespace, "result", result)
        .serviceLevelObjectives(Duration.ofMillis(1).dividedBy(4), Duration.ofMillis(1).dividedBy(2),
            Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5),
            Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100),
            Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(2))
        .register(registry).record(took);
  }

  public void certificateRotated(String reason) {
    Counter.builder("workerhealth.webhook.certificate.rotations").description("Webhook certificates issued")
        .tags("reason", reason).register(registry).increment();
  }

  public void certificateServed(WebhookCertificate certificate) {
    certificateExpiry.set(certificate.certificate().getNotAfter().toInstant().getEpochSecond());
  }

  /** A pod labelled for injection was found without its sidecar. */
  public void missedInjection(String namespace) {
    Counter.builder("workerhealth.injection.missed").description("Pods labelled for injection created without it")
        .tags("namespace", namespace).register(registry).increment();
  }

  /** Pods labelled for injection that exist now without their sidecar, in a namespace: counted when scraped. */
  public void missingPods(String namespace, java.util.function.IntSupplier count) {
    missing.computeIfAbsent(namespace, ns -> {
      // held strongly: a gauge only weakly references what it reads, and nothing else holds this function
      Gauge.builder("workerhealth.injection.missing.pods", count, java.util.function.IntSupplier::getAsInt)
          .description("Pods labelled workerhealth.io/inject=true that run without the sidecar").tags("namespace", ns)
          .strongReference(true).register(registry);
      return Boolean.TRUE;
    });
  }
}
