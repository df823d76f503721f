package io.workerhealth.sidecar.config;

import io.workerhealth.sidecar.scrape.EndpointCredentials;
import io.workerhealth.sidecar.scrape.RedirectPolicy;
import io.workerhealth.sidecar.scrape.ScrapeTarget;
import io.workerhealth.sidecar.scrape.SecretFile;
import io.workerhealth.sidecar.scrape.TrustedCertificates;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import okhttp3.Headers;
import okhttp3.HttpUrl;

/**
 * The settings of the scrape target, given as environment variables to {@code run} and as options to {@code scrape},
 * and their validation into a {@link ScrapeTarget}. Messages never repeat a secret: URLs are shown with their user
 * info as {@code ***}, header lines by number and name only, files by path.
 */
public enum TargetSetting {
  URL("WH_TARGET_URL", "--url"),
  BASIC_AUTH_USERNAME("WH_BASIC_AUTH_USERNAME", "--basic-auth-username"),
  BASIC_AUTH_PASSWORD_FILE("WH_BASIC_AUTH_PASSWORD_FILE", "--basic-auth-password-file"),
  BEARER_TOKEN_FILE("WH_BEARER_TOKEN_FILE", "--bearer-token-file"),
  /** Custom headers, one {@code Name: value} per line (the {@code scrape} option is repeated instead). */
  HEADERS("WH_HEADERS", "--header"),
  CA_FILE("WH_CA_FILE", "--ca-file"),
  REDIRECTS("WH_REDIRECTS", "--redirects");

  /** RFC 9110's token: what a header name may hold. */
  private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");

  private final String variable;
  private final String option;

  TargetSetting(String variable, String option) {
    this.variable = variable;
    this.option = option;
  }

  public String variable() {
    return variable;
  }

  public String option() {
    return option;
  }

  /**
   * Validates the settings (absent ones may be missing or blank) into a target. Every problem is added to
   * {@code problems}, named as the variable or, when {@code asOptions}, as the option; null when there is any.
   */
  public static ScrapeTarget read(Map<TargetSetting, String> given, boolean asOptions, List<String> problems) {
    int before = problems.size();
    String rawUrl = value(given, URL);
    HttpUrl url = null;
    try {
      url = ScrapeTarget.parseUrl(rawUrl);
    } catch (IllegalArgumentException e) {
      problems.add(name(URL, asOptions) + "=" + ScrapeTarget.redact(rawUrl) + ": " + e.getMessage());
    }

    List<String> credentialSources = new ArrayList<>();
    EndpointCredentials credentials = EndpointCredentials.NONE;
    if (url != null && !(url.username().isEmpty() && url.password().isEmpty())) {
      credentialSources.add("user info in " + name(URL, asOptions));
      credentials = ScrapeTarget.credentialsIn(url);
    }
    String username = value(given, BASIC_AUTH_USERNAME);
    boolean passwordGiven = value(given, BASIC_AUTH_PASSWORD_FILE) != null;
    SecretFile passwordFile = secretFile(given, BASIC_AUTH_PASSWORD_FILE, asOptions, problems);
    if (username != null || passwordGiven) {
      credentialSources.add(name(BASIC_AUTH_USERNAME, asOptions));
      if (username == null) {
        problems.add(name(BASIC_AUTH_PASSWORD_FILE, asOptions) + " needs " + name(BASIC_AUTH_USERNAME, asOptions));
      } else if (!passwordGiven) {
        problems.add(name(BASIC_AUTH_USERNAME, asOptions) + " needs " + name(BASIC_AUTH_PASSWORD_FILE, asOptions)
            + " (a file holding the password, e.g. from a Secret)");
      } else if (username.contains(":")) {
        problems.add(name(BASIC_AUTH_USERNAME, asOptions) + ": a basic-auth user name cannot contain ':'");
      } else if (passwordFile != null) {
        credentials = new EndpointCredentials.Basic(username, passwordFile, null);
      }
    }
    SecretFile tokenFile = secretFile(given, BEARER_TOKEN_FILE, asOptions, problems);
    if (value(given, BEARER_TOKEN_FILE) != null) {
      credentialSources.add(name(BEARER_TOKEN_FILE, asOptions));
      if (tokenFile != null) {
        credentials = new EndpointCredentials.Bearer(tokenFile);
      }
    }
    Headers headers = headers(value(given, HEADERS), asOptions, problems);
    if (headers.get("Authorization") != null) {
      credentialSources.add("an Authorization header in " + name(HEADERS, asOptions));
    }
    if (credentialSources.size() > 1) {
      problems.add("credentials are given more than once (" + String.join(", ", credentialSources) + "): use one");
    }

    Path caFile = null;
    String rawCa = value(given, CA_FILE);
    if (rawCa != null) {
      caFile = Path.of(rawCa);
      if (url != null && !url.isHttps()) {
        problems.add(name(CA_FILE, asOptions) + " needs an https " + name(URL, asOptions));
      }
      try {
        TrustedCertificates.load(caFile);
      } catch (IOException | GeneralSecurityException e) {
        problems.add(name(CA_FILE, asOptions) + "=" + rawCa + ": cannot read PEM certificates from it ("
            + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")");
      }
    }

    RedirectPolicy redirects = RedirectPolicy.SAME_HOST;
    String rawRedirects = value(given, REDIRECTS);
    if (rawRedirects != null) {
      try {
        redirects = RedirectPolicy.fromWireName(rawRedirects);
      } catch (IllegalArgumentException e) {
        problems.add(name(REDIRECTS, asOptions) + "=" + rawRedirects + ": " + e.getMessage());
      }
    }
    if (problems.size() > before) {
      return null;
    }
    return new ScrapeTarget(ScrapeTarget.withoutUserInfo(url), ScrapeTarget.redact(rawUrl), credentials, headers,
        caFile, redirects);
  }

  /** A file holding a secret, checked readable and not empty now; null (and a problem) otherwise. */
  private static SecretFile secretFile(Map<TargetSetting, String> given, TargetSetting setting, boolean asOptions,
                                       List<String> problems) {
    String path = value(given, setting);
    if (path == null) {
      return null;
    }
    SecretFile file = new SecretFile(Path.of(path));
    try {
      if (!Files.isRegularFile(file.path())) {
        problems.add(name(setting, asOptions) + "=" + path + ": no such file");
        return null;
      }
      if (file.value().isEmpty()) {
        problems.add(name(setting, asOptions) + "=" + path + ": the file is empty");
        return null;
      }
    } catch (IOException e) {
      problems.add(name(setting, asOptions) + "=" + path + ": cannot read it (" + e.getClass().getSimpleName() + ")");
      return null;
    }
    return file;
  }

  /** {@code Name: value} lines; a bad line is named by its number and header name, never by its value. */
  static Headers headers(String text, boolean asOptions, List<String> problems) {
    Headers.Builder headers = new Headers.Builder();
    if (text == null) {
      return headers.build();
    }
    String[] lines = text.split("\r?\n");
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i];
      if (line.isBlank()) {
        continue;
      }
      String where = asOptions ? HEADERS.option + " #" + (i + 1) : HEADERS.variable + " line " + (i + 1);
      int colon = line.indexOf(':');
      String name = colon < 0 ? "" : line.substring(0, colon).strip();
      if (colon < 0 || !TOKEN.matcher(name).matches()) {
        problems.add(where + ": not 'Name: value' with a header name of letters, digits and !#$%&'*+-.^_`|~");
        continue;
      }
      String value = line.substring(colon + 1).strip();
      int bad = firstNonHeaderChar(value);
      if (bad >= 0) {
        problems.add(where + ": the value of " + name + " has a character a header cannot carry at position "
            + (bad + 1) + " (only printable ASCII)");
        continue;
      }
      headers.add(name, value);
    }
    return headers.build();
  }

  /** okhttp sends printable ASCII, spaces and tabs in header values only. */
  private static int firstNonHeaderChar(String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c != '\t' && (c < 0x20 || c > 0x7e)) {
        return i;
      }
    }
    return -1;
  }

  private static String value(Map<TargetSetting, String> given, TargetSetting setting) {
    String v = given.get(setting);
    return v == null || v.isBlank() ? null : setting == HEADERS ? v : v.strip();
  }

  private static String name(TargetSetting setting, boolean asOptions) {
    return asOptions ? setting.option : setting.variable;
  }
}
