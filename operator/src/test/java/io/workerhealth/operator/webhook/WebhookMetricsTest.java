package io.workerhealth.operator.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The webhook's series as Prometheus reads them: the names docs/injection.md and the alert use. */
class WebhookMetricsTest {

  @Test
  void admissionLatencyIsAHistogramAndTheMissingPodsGaugeReadsLive() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    WebhookMetrics metrics = new WebhookMetrics(registry);
    for (int i = 1; i <= 100; i++) {
      metrics.admission("shop", "Injected", Duration.ofMillis(i % 10 + 1));
    }
    AtomicInteger missing = new AtomicInteger(2);
    metrics.missingPods("shop", missing::get);
    metrics.missedInjection("shop");
    metrics.certificateRotated("Expiring");
    System.gc(); // the gauge's function must survive: nothing but the registry holds it
    missing.set(1);

    String scrape = registry.scrape();
    assertThat(scrape)
        .contains("workerhealth_webhook_admission_seconds_bucket{namespace=\"shop\",result=\"Injected\",le=\"0.005\"}")
        .contains("workerhealth_webhook_admission_seconds_count{namespace=\"shop\",result=\"Injected\"} 100")
        .contains("workerhealth_injection_missing_pods{namespace=\"shop\"} 1")
        .contains("workerhealth_injection_missed_total{namespace=\"shop\"} 1")
        .contains("workerhealth_webhook_certificate_rotations_total{reason=\"Expiring\"} 1")
        .contains("workerhealth_webhook_certificate_expiry_timestamp_seconds");
  }
}
