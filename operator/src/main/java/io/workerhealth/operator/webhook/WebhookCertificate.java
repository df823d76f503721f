package io.workerhealth.operator.webhook;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The webhook's serving certificate, its key, and the CA bundle the API server trusts it by (PEM, as stored in the
 * Secret: {@code tls.crt}, {@code tls.key}, {@code ca.crt}). Issued here with BouncyCastle: each issue makes a new
 * CA that signs one serving certificate; the CA's key is thrown away.
 */
public record WebhookCertificate(String certificatePem, String privateKeyPem, String caBundlePem) {

  private static final SecureRandom RANDOM = new SecureRandom();

  /**
   * A new CA and a serving certificate for {@code dnsNames}, valid from a minute before {@code now} (clock skew)
   * for {@code validity}. {@code previousCas} (still valid ones of the last bundle) stay in the new bundle, so
   * servers still presenting the previous certificate are trusted until they load this one.
   */
  public static WebhookCertificate issue(List<String> dnsNames, Instant now, Duration validity,
                                         List<X509Certificate> previousCas) {
    try {
      Instant from = now.minus(Duration.ofMinutes(1));
      Instant until = now.plus(validity);
      KeyPair caKeys = ecKeys();
      X500Name caName = new X500Name("CN=worker-health-webhook-ca-" + now.getEpochSecond());
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      X509CertificateHolder ca = new JcaX509v3CertificateBuilder(caName, serial(), Date.from(from), Date.from(until),
          caName, caKeys.getPublic())
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
          .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
          .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(caKeys.getPublic()))
          .build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKeys.getPrivate()));

      KeyPair keys = ecKeys();
      GeneralName[] names = dnsNames.stream().map(n -> new GeneralName(GeneralName.dNSName, n))
          .toArray(GeneralName[]::new);
      X509CertificateHolder leaf = new JcaX509v3CertificateBuilder(caName, serial(), Date.from(from),
          Date.from(until), new X500Name("CN=" + dnsNames.get(0)), keys.getPublic())
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
          .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
          .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth))
          .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names))
          .addExtension(Extension.authorityKeyIdentifier, false,
              ext.createAuthorityKeyIdentifier(caKeys.getPublic()))
          .build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKeys.getPrivate()));

      JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
      List<Object> bundle = new ArrayList<>();
      bundle.add(converter.getCertificate(ca));
      previousCas.stream().filter(c -> c.getNotAfter().toInstant().isAfter(now)).forEach(bundle::add);
      // PKCS#8 ("PRIVATE KEY"), which Go, the JDK and cert-manager's Secrets all use
      return new WebhookCertificate(pem(List.of(converter.getCertificate(leaf))),
          pem(List.of(new JcaPKCS8Generator(keys.getPrivate(), null))), pem(bundle));
    } catch (GeneralSecurityException | OperatorCreationException | IOException e) {
      throw new IllegalStateException("could not issue the webhook's certificate", e);
    }
  }

  /** The serving certificate (the first of {@code tls.crt}). */
  public X509Certificate certificate() {
    return certificates(certificatePem).get(0);
  }

  public PrivateKey privateKey() {
    try (PEMParser parser = new PEMParser(new StringReader(privateKeyPem))) {
      Object read = parser.readObject();
      JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
      if (read instanceof PEMKeyPair pair) {
        return converter.getKeyPair(pair).getPrivate();
      }
      if (read instanceof PrivateKeyInfo info) {
        return converter.getPrivateKey(info);
      }
      throw new IllegalArgumentException("tls.key holds no private key");
    } catch (IOException e) {
      throw new IllegalArgumentException("tls.key is not PEM: " + e.getMessage(), e);
    }
  }

  public List<X509Certificate> caCertificates() {
    return certificates(caBundlePem);
  }

  /** The DNS names the serving certificate is valid for. */
  public List<String> dnsNames() {
    try {
      Collection<List<?>> sans = certificate().getSubjectAlternativeNames();
      return sans == null ? List.of() : sans.stream().filter(s -> Integer.valueOf(2).equals(s.get(0)))
          .map(s -> (String) s.get(1)).toList();
    } catch (CertificateParsingException e) {
      throw new IllegalArgumentException("tls.crt has unreadable names", e);
    }
  }

  static List<X509Certificate> certificates(String pem) {
    List<X509Certificate> certs = new ArrayList<>();
    try (PEMParser parser = new PEMParser(new StringReader(pem))) {
      JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
      for (Object o = parser.readObject(); o != null; o = parser.readObject()) {
        if (o instanceof X509CertificateHolder holder) {
          certs.add(converter.getCertificate(holder));
        }
      }
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException("not PEM certificates: " + e.getMessage(), e);
    }
    if (certs.isEmpty()) {
      throw new IllegalArgumentException("no certificate in PEM");
    }
    return certs;
  }

  private static KeyPair ecKeys() throws GeneralSecurityException {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
    return generator.generateKeyPair();
  }

  private static BigInteger serial() {
    return new BigInteger(127, RANDOM).add(BigInteger.ONE);
  }

  private static String pem(List<?> objects) {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
      for (Object o : objects) {
        writer.writeObject(o);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }
}
