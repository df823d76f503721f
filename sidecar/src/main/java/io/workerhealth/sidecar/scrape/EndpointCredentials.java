package io.workerhealth.sidecar.scrape;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import okhttp3.Credentials;

/** How the sidecar authenticates to the app's health endpoint: the value of the Authorization header it sends. */
public sealed interface EndpointCredentials {

  /** The Authorization header value, or null for none. Files are re-read when they change. */
  String authorization() throws IOException;

  /** What a person may read about them: the kind and where they come from, never the secret. */
  String describe();

  EndpointCredentials NONE = new None();

  record None() implements EndpointCredentials {
    @Override
    public String authorization() {
      return null;
    }

    @Override
    public String describe() {
      return "none";
    }
  }

  /** Basic auth; the password comes from a file (a mounted Secret) or, when given in the URL, is fixed. */
  record Basic(String username, SecretFile passwordFile, String fixedPassword) implements EndpointCredentials {
    @Override
    public String authorization() throws IOException {
      String password = passwordFile != null ? passwordFile.value() : fixedPassword;
      return Credentials.basic(username, password == null ? "" : password, StandardCharsets.UTF_8);
    }

    @Override
    public String describe() {
      return "basic auth as user '" + username + "'" + (passwordFile != null ? ", password from " + passwordFile
          : ", password from the URL");
    }
  }

  /** A bearer token from a file (a mounted Secret, or a projected ServiceAccount token). */
  record Bearer(SecretFile tokenFile) implements EndpointCredentials {
    @Override
    public String authorization() throws IOException {
      return "Bearer " + tokenFile.value();
    }

    @Override
    public String describe() {
      return "bearer token from " + tokenFile;
    }
  }
}
