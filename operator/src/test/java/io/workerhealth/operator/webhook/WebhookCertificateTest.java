package io.workerhealth.operator.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The webhook's own certificates: what is issued, and when it is renewed. */
class WebhookCertificateTest {

  static final List<String> NAMES = List.of("who-webhook.ops.svc", "who-webhook.ops.svc.cluster.local");
  static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
  static final Duration YEAR = Duration.ofHours(8760);

  @Test
  void anIssuedCertificateReadsBackFromItsPemAndIsSignedByItsCa() throws Exception {
    WebhookCertificate issued = WebhookCertificate.issue(NAMES, NOW, YEAR, List.of());
    WebhookCertificate read = new WebhookCertificate(issued.certificatePem(), issued.privateKeyPem(),
        issued.caBundlePem());

    assertThat(read.dnsNames()).containsExactlyElementsOf(NAMES);
    assertThat(read.privateKeyPem()).startsWith("-----BEGIN PRIVATE KEY-----");
    assertThat(read.privateKey().getAlgorithm()).isEqualTo("EC");
    read.certificate().verify(read.caCertificates().get(0).getPublicKey());
    assertThat(read.certificate().getNotAfter().toInstant()).isEqualTo(NOW.plus(YEAR));
    assertThat(read.certificate().getBasicConstraints()).as("not a CA").isEqualTo(-1);
    assertThat(read.caCertificates().get(0).getBasicConstraints()).isZero();
  }

  @Test
  void renewalKeepsThePreviousCaInTheBundleWhileItIsValid() throws Exception {
    WebhookCertificate first = WebhookCertificate.issue(NAMES, NOW, YEAR, List.of());
    WebhookCertificate second = WebhookCertificate.issue(NAMES, NOW.plus(Duration.ofDays(250)), YEAR,
        first.caCertificates());

    assertThat(second.caCertificates()).hasSize(2).element(1).isEqualTo(first.caCertificates().get(0));
    second.certificate().verify(second.caCertificates().get(0).getPublicKey());
    // an expired previous CA is dropped
    WebhookCertificate late = WebhookCertificate.issue(NAMES, NOW.plus(Duration.ofDays(400)), YEAR,
        first.caCertificates());
    assertThat(late.caCertificates()).hasSize(1);
  }

  @Test
  void renewedWithAThirdOfItsValidityLeftForNewNamesOrWhenNothingUsableIsStored() {
    WebhookCertificate cert = WebhookCertificate.issue(NAMES, NOW, Duration.ofDays(90), List.of());

    assertThat(CertificateRenewal.decide(Optional.empty(), NAMES, NOW).reason()).isEqualTo("NoCertificate");
    assertThat(CertificateRenewal.decide(Optional.of(cert), NAMES, NOW.plus(Duration.ofDays(59))).renew()).isFalse();
    assertThat(CertificateRenewal.decide(Optional.of(cert), NAMES, NOW.plus(Duration.ofDays(61))).reason())
        .isEqualTo("Expiring");
    assertThat(CertificateRenewal.decide(Optional.of(cert), List.of("other.ops.svc"), NOW).reason())
        .isEqualTo("NamesChanged");
    WebhookCertificate broken = new WebhookCertificate(cert.certificatePem(), "not a key", cert.caBundlePem());
    assertThat(CertificateRenewal.decide(Optional.of(broken), NAMES, NOW).reason()).isEqualTo("Unreadable");
    WebhookCertificate noBundle = new WebhookCertificate(cert.certificatePem(), cert.privateKeyPem(), "");
    assertThat(CertificateRenewal.decide(Optional.of(noBundle), NAMES, NOW).reason()).isEqualTo("Unreadable");
  }
}
