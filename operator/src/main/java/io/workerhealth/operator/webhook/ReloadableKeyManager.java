package io.workerhealth.operator.webhook;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509KeyManager;

/** Serves whichever certificate was loaded last: a rotated certificate takes effect without a restart. */
final class ReloadableKeyManager extends X509ExtendedKeyManager {

  private volatile X509ExtendedKeyManager current;
  private volatile WebhookCertificate loaded;

  /** Loads the certificate unless it is the one already served; returns whether it changed. */
  synchronized boolean load(WebhookCertificate certificate) {
    if (certificate.equals(loaded)) {
      return false;
    }
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      char[] password = new char[0];
      store.setKeyEntry("webhook", certificate.privateKey(), password,
          new X509Certificate[] {certificate.certificate()});
      KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      factory.init(store, password);
      for (var km : factory.getKeyManagers()) {
        if (km instanceof X509ExtendedKeyManager x) {
          current = x;
          loaded = certificate;
          return true;
        }
      }
      throw new IllegalStateException("no X.509 key manager");
    } catch (GeneralSecurityException | java.io.IOException e) {
      throw new IllegalStateException("could not load the webhook certificate", e);
    }
  }

  boolean ready() {
    return current != null;
  }

  WebhookCertificate loaded() {
    return loaded;
  }

  private X509KeyManager delegate() {
    X509ExtendedKeyManager km = current;
    if (km == null) {
      throw new IllegalStateException("no certificate loaded yet");
    }
    return km;
  }

  @Override
  public String[] getClientAliases(String keyType, Principal[] issuers) {
    return null;
  }

  @Override
  public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
    return null;
  }

  @Override
  public String[] getServerAliases(String keyType, Principal[] issuers) {
    return current == null ? null : current.getServerAliases(keyType, issuers);
  }

  @Override
  public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
    return current == null ? null : current.chooseServerAlias(keyType, issuers, socket);
  }

  @Override
  public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
    return current == null ? null : current.chooseEngineServerAlias(keyType, issuers, engine);
  }

  @Override
  public X509Certificate[] getCertificateChain(String alias) {
    return delegate().getCertificateChain(alias);
  }

  @Override
  public PrivateKey getPrivateKey(String alias) {
    return delegate().getPrivateKey(alias);
  }
}
