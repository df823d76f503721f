package io.workerhealth.sidecar.agent;

import io.workerhealth.sidecar.config.TargetSetting;
import io.workerhealth.sidecar.scrape.EndpointCredentials;
import io.workerhealth.sidecar.scrape.ScrapeTarget;
import io.workerhealth.sidecar.scrape.TrustedCertificates;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import okhttp3.Credentials;
import okhttp3.Headers;

/**
 * Where and how the agent scrapes a pod: its URL and, from the Secret it names, credentials, headers and CA. The
 * Secret's keys: {@code username} and {@code password} (a {@code kubernetes.io/basic-auth} Secret) or {@code token}
 * for the Authorization header, {@code headers} ({@code Name: value} lines, as {@code WH_HEADERS}), {@code ca.crt}
 * (PEM, for https; cert-manager puts it in the Secrets it issues). Messages name keys, never values. Pure.
 */
final class PodScrapeTarget {

  static final String USERNAME = "username";
  static final String PASSWORD = "password";
  static final String TOKEN = "token";
  static final String HEADERS = "headers";
  static final String CA = "ca.crt";

  /** The target, or the problems (in {@code problems}) and null. */
  static ScrapeTarget build(PodTarget.Scrape scrape, String secretName, Map<String, byte[]> secret,
                            List<String> problems) {
    int before = problems.size();
    PodSettings settings = scrape.settings();
    EndpointCredentials credentials = EndpointCredentials.NONE;
    Headers headers = Headers.of();
    TrustedCertificates ca = null;
    if (secretName != null) {
      String where = "Secret " + secretName;
      List<String> kinds = new ArrayList<>();
      if (secret.containsKey(USERNAME) || secret.containsKey(PASSWORD)) {
        kinds.add(USERNAME + "/" + PASSWORD);
        String user = text(secret.get(USERNAME));
        String password = text(secret.get(PASSWORD));
        if (user == null || password == null) {
          problems.add(where + ": basic auth needs both keys " + USERNAME + " and " + PASSWORD);
        } else if (user.contains(":")) {
          problems.add(where + ": a basic-auth user name cannot contain ':'");
        } else {
          credentials = new EndpointCredentials.Fixed(Credentials.basic(user, password, StandardCharsets.UTF_8),
              "basic auth as user '" + user + "', password from " + where);
        }
      }
      if (secret.containsKey(TOKEN)) {
        kinds.add(TOKEN);
        String token = text(secret.get(TOKEN));
        if (token == null || token.isEmpty()) {
          problems.add(where + ": key " + TOKEN + " is empty");
        } else {
          credentials = new EndpointCredentials.Fixed("Bearer " + token, "bearer token from " + where);
        }
      }
      if (secret.containsKey(HEADERS)) {
        headers = TargetSetting.headers(text(secret.get(HEADERS)), i -> where + " key " + HEADERS + " line " + i,
            problems);
        if (headers.get("Authorization") != null) {
          kinds.add("an Authorization header in key " + HEADERS);
        }
      }
      if (kinds.size() > 1) {
        problems.add(where + ": credentials are given more than once (" + String.join(", ", kinds) + "): use one");
      }
      if (secret.containsKey(CA)) {
        if (!settings.scheme().equals("https")) {
          problems.add(where + ": key " + CA + " needs workerhealth.io/scheme=https");
        }
        try {
          ca = TrustedCertificates.fromPem(secret.get(CA), where + " key " + CA);
        } catch (IOException | GeneralSecurityException e) {
          problems.add(where + ": cannot read PEM certificates from key " + CA + " (" + e.getClass().getSimpleName()
              + ")");
        }
      }
      if (kinds.isEmpty() && !secret.containsKey(HEADERS) && !secret.containsKey(CA)) {
        problems.add(where + " has none of the keys " + String.join(", ", USERNAME, PASSWORD, TOKEN, HEADERS, CA));
      }
    }
    if (problems.size() > before) {
      return null;
    }
    return new ScrapeTarget(scrape.url(), scrape.url().toString(), credentials, headers, null, settings.redirects(),
        ca, settings.tlsServerName());
  }

  private static String text(byte[] bytes) {
    return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8).stripTrailing();
  }
}
