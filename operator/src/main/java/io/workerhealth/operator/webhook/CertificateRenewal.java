package io.workerhealth.operator.webhook;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Whether the stored certificate can still be served. Pure: the stored certificate and the time in, a verdict out. */
public final class CertificateRenewal {

  /** What to do, and why (logged, and in the rotation metric's reason). */
  public record Verdict(boolean renew, String reason) {}

  private CertificateRenewal() {}

  /**
   * Renew when nothing usable is stored, when the names the webhook Service is reached by are not all in the
   * certificate, or once less than a third of its lifetime is left (so a replica that reads the Secret only once a
   * minute, or an operator down for a while, never serves an expired one).
   */
  public static Verdict decide(Optional<WebhookCertificate> stored, List<String> dnsNames, Instant now) {
    if (stored.isEmpty()) {
      return new Verdict(true, "NoCertificate");
    }
    try {
      var cert = stored.get().certificate();
      stored.get().privateKey();
      stored.get().caCertificates(); // the bundle the caBundle is kept equal to
      if (!stored.get().dnsNames().containsAll(dnsNames)) {
        return new Verdict(true, "NamesChanged");
      }
      Instant notBefore = cert.getNotBefore().toInstant();
      Instant notAfter = cert.getNotAfter().toInstant();
      Duration third = Duration.between(notBefore, notAfter).dividedBy(3);
      if (!now.isBefore(notAfter.minus(third))) {
        return new Verdict(true, "Expiring");
      }
      return new Verdict(false, "Valid");
    } catch (IllegalArgumentException unreadable) {
      return new Verdict(true, "Unreadable");
    }
  }
}
