package io.workerhealth.sidecar.agent;

import io.workerhealth.sidecar.config.ByteSizes;
import io.workerhealth.sidecar.config.ScrapeSetting;
import io.workerhealth.sidecar.config.ScrapeSettings;
import io.workerhealth.sidecar.config.TargetSetting;
import io.workerhealth.sidecar.scrape.RedirectPolicy;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * What one pod asks of the node agent, from its {@code workerhealth.io/*} annotations over the agent's defaults. The
 * annotation names and meanings are those of the sidecar injection where they overlap (the sidecar's variables in
 * lower case, {@code WH_BODY_LIMIT} as {@code body-limit}); the shared ones are read by {@link ScrapeSettings#read},
 * the checks the sidecar applies to its variables. Pure.
 *
 * @param scrape        interval, timeout, format, body limit, custom format, worker filter
 * @param scheme        http or https
 * @param port          a port number, or the name of one of the pod's container ports
 * @param path          the health endpoint's path (and query)
 * @param redirects     none or same-host: an agent never follows a pod elsewhere
 * @param tlsServerName the name the pod's certificate carries, when the agent is to check it for that name rather
 *                      than the pod's IP; null: the IP
 * @param authSecret    a Secret of the pod's namespace holding credentials, headers or a CA, or null
 */
public record PodSettings(ScrapeSettings scrape, String scheme, String port, String path, RedirectPolicy redirects,
                          String tlsServerName, String authSecret) {

  /** The opt-in, in the style of {@code prometheus.io/scrape}. */
  public static final String SCRAPE = ScrapeSetting.ANNOTATION_PREFIX + "scrape";

  /** The keys only the agent reads (beyond {@link ScrapeSetting}'s). */
  static final List<String> AGENT_KEYS = List.of("scrape", "port", "path", "scheme", "redirects", "tls-server-name",
      "auth-secret");
  /**
   * Keys of the sidecar injection that configure an injected sidecar container and mean nothing to the agent (a pod
   * may carry both sets); ignored.
   */
  static final Set<String> INJECTION_ONLY_KEYS = Set.of("heartbeat", "log-level", "metrics-port", "cpu-request",
      "cpu-limit", "memory-request", "memory-limit", "sidecar-mode");
  /**
   * Keys of the sidecar injection naming credentials, headers or a CA for the sidecar to mount: the agent reads those
   * from the one Secret named in {@code auth-secret}, so a pod carrying them would be scraped without what it asks;
   * refused with a message saying so.
   */
  static final Set<String> INJECTION_CREDENTIAL_KEYS = Set.of("basic-auth-secret", "basic-auth-username",
      "bearer-token-secret", "headers", "ca-secret", "ca-configmap");

  private static final Pattern PORT_NAME = Pattern.compile("[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?");
  private static final Pattern SECRET_NAME = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");

  /** Every key a pod may set ({@code workerhealth.io/<key>}), for messages and the chart's documentation checks. */
  public static Set<String> knownKeys() {
    Set<String> known = new TreeSet<>(AGENT_KEYS);
    for (ScrapeSetting s : ScrapeSetting.values()) {
      known.add(s.key());
    }
    known.add("url");
    known.addAll(INJECTION_ONLY_KEYS);
    return known;
  }

  /** Reads a pod's annotations as {@code workerhealth.io/<key>}; problems name the annotations. */
  public static PodSettings read(Map<String, String> annotations, AgentConfig.PodDefaults defaults,
                                 long maxBodyLimit, List<String> problems) {
    return read(annotations, defaults, maxBodyLimit, key -> ScrapeSetting.ANNOTATION_PREFIX + key, problems);
  }

  /**
   * Reads the settings: {@code annotations} keyed {@code workerhealth.io/<key>}, over {@code defaults}; {@code name}
   * says how messages name a key (an annotation, or the agent's variable for a bad default). Null when a problem
   * was found.
   */
  static PodSettings read(Map<String, String> annotations, AgentConfig.PodDefaults defaults, long maxBodyLimit,
                          Function<String, String> name, List<String> problems) {
    int before = problems.size();
    for (String annotation : annotations.keySet()) {
      if (!annotation.startsWith(ScrapeSetting.ANNOTATION_PREFIX)) {
        continue;
      }
      String key = annotation.substring(ScrapeSetting.ANNOTATION_PREFIX.length());
      if (key.equals("url")) {
        problems.add(annotation + ": the node agent scrapes the pod at its own IP; set "
            + name.apply("port") + " and " + name.apply("path") + " instead");
      } else if (INJECTION_CREDENTIAL_KEYS.contains(key)) {
        problems.add(annotation + ": the injected sidecar's; the node agent reads credentials, headers and a CA "
            + "from the Secret named in " + name.apply("auth-secret"));
      } else if (!knownKeys().contains(key)) {
        problems.add("unknown annotation " + annotation + " (known: " + String.join(", ", knownKeys()) + ")");
      }
    }
    Function<String, String> given = key -> annotations.get(ScrapeSetting.ANNOTATION_PREFIX + key);
    String bodyLimitDefault = AgentConfig.defaultBodyLimit(maxBodyLimit);
    ScrapeSettings scrape = ScrapeSettings.read(
        s -> annotations.containsKey(s.annotation()) ? annotations.get(s.annotation()) : defaults.scrape().get(s),
        s -> name.apply(s.key()), bodyLimitDefault, problems);
    String bodyLimit = annotations.containsKey(ScrapeSetting.BODY_LIMIT.annotation())
        ? annotations.get(ScrapeSetting.BODY_LIMIT.annotation()) : defaults.scrape().get(ScrapeSetting.BODY_LIMIT);
    if (bodyLimit != null && !bodyLimit.isBlank() && bytesOrZero(bodyLimit) > maxBodyLimit) {
      problems.add(name.apply("body-limit") + "=" + bodyLimit.strip() + ": more than this agent reads ("
          + maxBodyLimit + " bytes, WH_MAX_BODY_LIMIT, sized with its heap)");
    }
    String scheme = value(given, "scheme", defaults.scheme()).toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      problems.add(name.apply("scheme") + "=" + scheme + ": must be http or https");
    }
    String port = value(given, "port", defaults.port());
    String portProblem = portProblem(port);
    if (portProblem != null) {
      problems.add(name.apply("port") + "=" + port + ": " + portProblem);
    }
    String path = value(given, "path", defaults.path());
    String pathProblem = pathProblem(path);
    if (pathProblem != null) {
      problems.add(name.apply("path") + "=" + path + ": " + pathProblem);
    }
    RedirectPolicy redirects = null;
    String rawRedirects = value(given, "redirects", defaults.redirects());
    try {
      redirects = RedirectPolicy.fromWireName(rawRedirects);
      if (redirects == RedirectPolicy.ANY) {
        problems.add(name.apply("redirects") + "=any: the node agent follows redirects to the pod itself only "
            + "(none or same-host): it must not be sent to other hosts");
      }
    } catch (IllegalArgumentException e) {
      problems.add(name.apply("redirects") + "=" + rawRedirects + ": " + e.getMessage());
    }
    String serverName = given.apply("tls-server-name");
    serverName = serverName == null || serverName.isBlank() ? null : serverName.strip();
    if (serverName != null) {
      String problem = TargetSetting.tlsServerNameProblem(serverName);
      if (problem != null) {
        problems.add(name.apply("tls-server-name") + "=" + serverName + ": " + problem);
      } else if (!scheme.equals("https")) {
        problems.add(name.apply("tls-server-name") + " needs " + name.apply("scheme") + "=https");
      }
    }
    String secret = given.apply("auth-secret");
    secret = secret == null || secret.isBlank() ? null : secret.strip();
    if (secret != null && !SECRET_NAME.matcher(secret).matches()) {
      problems.add(name.apply("auth-secret") + "=" + secret + ": not a Secret name");
    }
    if (problems.size() > before) {
      return null;
    }
    return new PodSettings(scrape, scheme, port, path, redirects, serverName, secret);
  }

  /** The size, or 0 when it is none (ScrapeSettings names that problem). */
  private static long bytesOrZero(String size) {
    try {
      return ByteSizes.parse(size);
    } catch (IllegalArgumentException e) {
      return 0;
    }
  }

  private static String value(Function<String, String> given, String key, String dflt) {
    String v = given.apply(key);
    return v == null || v.isBlank() ? dflt : v.strip();
  }

  /** A number from 1 to 65535, or a container port's name (IANA service name rules); null when it is one. */
  static String portProblem(String port) {
    if (port.chars().allMatch(Character::isDigit) && !port.isEmpty()) {
      try {
        int n = Integer.parseInt(port);
        return n >= 1 && n <= 65535 ? null : "must be a port from 1 to 65535";
      } catch (NumberFormatException e) {
        return "must be a port from 1 to 65535";
      }
    }
    return PORT_NAME.matcher(port).matches() && port.chars().anyMatch(Character::isLetter) ? null
        : "not a port number nor the name of a container port";
  }

  /** A URL path starting with /, with an optional query; null when it is one. */
  static String pathProblem(String path) {
    if (!path.startsWith("/") || path.chars().anyMatch(Character::isWhitespace)) {
      return "must be a URL path starting with /, like /healthz";
    }
    try {
      new URI("http://127.0.0.1:1" + path);
      return null;
    } catch (URISyntaxException e) {
      return "not a URL path: " + e.getReason();
    }
  }
}
