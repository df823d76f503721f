package io.workerhealth.operator.webhook;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the webhook's certificate: reads it from its Secret, issues a new one when {@link CertificateRenewal} says
 * so (self-managed), keeps the MutatingWebhookConfiguration's caBundle equal to the Secret's {@code ca.crt}, and
 * loads the certificate into the TLS server. Every replica runs it: writes are guarded by the Secret's
 * resourceVersion, so when two replicas renew at once one wins and the other loads the winner's.
 */
public final class CertificateKeeper {

  private static final Logger LOG = LoggerFactory.getLogger(CertificateKeeper.class);

  private final KubernetesClient client;
  private final InjectionSettings settings;
  private final ReloadableKeyManager keys;
  private final WebhookMetrics metrics;
  private final Clock clock;

  public CertificateKeeper(KubernetesClient client, InjectionSettings settings, ReloadableKeyManager keys,
                           WebhookMetrics metrics, Clock clock) {
    this.client = client;
    this.settings = settings;
    this.keys = keys;
    this.metrics = metrics;
    this.clock = clock;
  }

  /** One pass; safe to repeat. Returns the certificate now served, if any. */
  public Optional<WebhookCertificate> check() {
    Secret secret = secrets().get();
    Optional<WebhookCertificate> stored = read(secret);
    if (settings.manageCertificate()) {
      CertificateRenewal.Verdict verdict = CertificateRenewal.decide(stored, settings.dnsNames(), clock.instant());
      if (verdict.renew()) {
        List<java.security.cert.X509Certificate> previous = stored.map(c -> {
          try {
            return c.caCertificates().subList(0, 1);
          } catch (IllegalArgumentException e) {
            return List.<java.security.cert.X509Certificate>of();
          }
        }).orElse(List.of());
        WebhookCertificate issued = WebhookCertificate.issue(settings.dnsNames(), clock.instant(),
            settings.certificateValidity(), previous);
        // trusted first, served second: the API server must know the new CA before any replica serves its cert
        keepCaBundle(issued.caBundlePem());
        if (write(secret, issued)) {
          LOG.info("issued the webhook certificate ({}), valid until {}", verdict.reason(),
              issued.certificate().getNotAfter().toInstant());
          metrics.certificateRotated(verdict.reason());
          stored = Optional.of(issued);
        } else {
          stored = read(secrets().get()); // another replica wrote first: serve that one
        }
      }
      stored.ifPresent(c -> keepCaBundle(c.caBundlePem()));
    }
    stored.ifPresent(c -> {
      if (keys.load(c)) {
        LOG.info("serving the webhook certificate valid until {}", c.certificate().getNotAfter().toInstant());
      }
      metrics.certificateServed(c);
    });
    if (stored.isEmpty()) {
      LOG.warn("no webhook certificate in Secret {}/{} yet", settings.namespace(), settings.secretName());
    }
    return stored;
  }

  private io.fabric8.kubernetes.client.dsl.Resource<Secret> secrets() {
    return client.secrets().inNamespace(settings.namespace()).withName(settings.secretName());
  }

  static Optional<WebhookCertificate> read(Secret secret) {
    if (secret == null || secret.getData() == null) {
      return Optional.empty();
    }
    Map<String, String> data = secret.getData();
    if (!data.containsKey("tls.crt") || !data.containsKey("tls.key")) {
      return Optional.empty();
    }
    try {
      // ca.crt may be missing from a Secret another issuer wrote; one issued here always has it (else: renewed)
      WebhookCertificate c = new WebhookCertificate(decode(data.get("tls.crt")), decode(data.get("tls.key")),
          data.containsKey("ca.crt") ? decode(data.get("ca.crt")) : "");
      c.certificate();
      c.privateKey();
      return Optional.of(c);
    } catch (IllegalArgumentException e) {
      LOG.warn("the webhook Secret holds no usable certificate: {}", e.getMessage());
      return Optional.empty();
    }
  }

  /** Creates or replaces the Secret; false when another replica changed it first. */
  private boolean write(Secret current, WebhookCertificate issued) {
    Map<String, String> data = Map.of("tls.crt", encode(issued.certificatePem()), "tls.key",
        encode(issued.privateKeyPem()), "ca.crt", encode(issued.caBundlePem()));
    try {
      if (current == null) {
        client.secrets().inNamespace(settings.namespace()).resource(new SecretBuilder().withNewMetadata()
            .withName(settings.secretName()).withNamespace(settings.namespace())
            .addToLabels("app.kubernetes.io/managed-by", "worker-health-operator").endMetadata()
            .withType("kubernetes.io/tls").withData(data).build()).create();
      } else {
        // an update carries the resourceVersion read: a conflict means someone else renewed
        client.secrets().inNamespace(settings.namespace()).resource(new SecretBuilder(current).withData(data).build())
            .update();
      }
      return true;
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) {
        return false;
      }
      throw e;
    }
  }

  /** Sets every webhook's caBundle in the configurations to {@code pem}, unless it is already. */
  private void keepCaBundle(String pem) {
    String bundle = encode(pem);
    MutatingWebhookConfiguration mutating = client.admissionRegistration().v1().mutatingWebhookConfigurations()
        .withName(settings.configurationName()).get();
    if (mutating == null) {
      LOG.warn("MutatingWebhookConfiguration {} not found: its caBundle cannot be kept",
          settings.configurationName());
    } else {
      String ops = caBundleOps(bundle, mutating.getWebhooks().stream().map(w -> List.of(w.getName(),
          String.valueOf(w.getClientConfig().getCaBundle()))).toList());
      if (ops != null) {
        client.admissionRegistration().v1().mutatingWebhookConfigurations().withName(settings.configurationName())
            .patch(PatchContext.of(PatchType.JSON), ops);
        LOG.info("set the caBundle of {}", settings.configurationName());
      }
    }
    if (settings.validatingConfigurationName().isEmpty()) {
      return;
    }
    ValidatingWebhookConfiguration validating = client.admissionRegistration().v1()
        .validatingWebhookConfigurations().withName(settings.validatingConfigurationName()).get();
    if (validating == null) {
      LOG.warn("ValidatingWebhookConfiguration {} not found: its caBundle cannot be kept",
          settings.validatingConfigurationName());
      return;
    }
    String ops = caBundleOps(bundle, validating.getWebhooks().stream().map(w -> List.of(w.getName(),
        String.valueOf(w.getClientConfig().getCaBundle()))).toList());
    if (ops != null) {
      client.admissionRegistration().v1().validatingWebhookConfigurations()
          .withName(settings.validatingConfigurationName()).patch(PatchContext.of(PatchType.JSON), ops);
      LOG.info("set the caBundle of {}", settings.validatingConfigurationName());
    }
  }

  /** A JSON Patch setting the caBundle of each webhook ({@code [name, caBundle]}) that differs; null when none. */
  static String caBundleOps(String bundle, List<List<String>> webhooks) {
    List<String> ops = new ArrayList<>();
    for (int i = 0; i < webhooks.size(); i++) {
      if (!Objects.equals(bundle, webhooks.get(i).get(1))) {
        // the test op makes the patch fail rather than touch another webhook if the list changed meanwhile
        ops.add("{\"op\":\"test\",\"path\":\"/webhooks/" + i + "/name\",\"value\":\"" + webhooks.get(i).get(0)
            + "\"}");
        ops.add("{\"op\":\"add\",\"path\":\"/webhooks/" + i + "/clientConfig/caBundle\",\"value\":\"" + bundle
            + "\"}");
      }
    }
    return ops.isEmpty() ? null : "[" + String.join(",", ops) + "]";
  }

  private static String encode(String text) {
    return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }

  private static String decode(String base64) {
    return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
  }
}
