package io.workerhealth.sidecar.scrape;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/** The certificates of a PEM file (one or more CAs) as what an https scrape trusts, in place of the platform's. */
public record TrustedCertificates(X509TrustManager trustManager, SSLContext sslContext, FileTime modified, long size) {

  /** Reads the file; throws with a message for people when it cannot be read or holds no certificate. */
  public static TrustedCertificates load(Path pemFile) throws IOException, GeneralSecurityException {
    FileTime modified = Files.getLastModifiedTime(pemFile);
    long size = Files.size(pemFile);
    Collection<? extends Certificate> certificates;
    try (InputStream in = Files.newInputStream(pemFile)) {
      certificates = CertificateFactory.getInstance("X.509").generateCertificates(in);
    }
    if (certificates.isEmpty()) {
      throw new GeneralSecurityException("no PEM certificate in " + pemFile);
    }
    KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
    store.load(null, null);
    int i = 0;
    for (Certificate c : certificates) {
      store.setCertificateEntry("ca-" + i++, c);
    }
    TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    factory.init(store);
    X509TrustManager trustManager = (X509TrustManager) factory.getTrustManagers()[0];
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, new javax.net.ssl.TrustManager[] {trustManager}, null);
    return new TrustedCertificates(trustManager, context, modified, size);
  }

  /** Whether the file changed since it was read (a rotated Secret or ConfigMap). */
  public boolean changedOnDisk(Path pemFile) {
    try {
      return !Files.getLastModifiedTime(pemFile).equals(modified) || Files.size(pemFile) != size;
    } catch (IOException e) {
      return false; // gone for a moment during a rotation: keep what was read
    }
  }
}
