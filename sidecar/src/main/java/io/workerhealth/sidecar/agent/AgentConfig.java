package io.workerhealth.sidecar.agent;

import io.workerhealth.sidecar.config.ByteSizes;
import io.workerhealth.sidecar.config.Durations;
import io.workerhealth.sidecar.config.ScrapeSetting;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The node agent's settings, read from environment variables (docs/agent.md). Every problem is reported at once. The
 * defaults a pod's annotations override ({@code WH_INTERVAL}, {@code WH_PORT}, …) are checked here as a pod's would
 * be, so a bad default stops the agent at start instead of failing every pod.
 *
 * @param nodeName       the node whose pods the agent scrapes (downward API {@code spec.nodeName})
 * @param podName        the agent's own pod: the holder of its Lease
 * @param podNamespace   the agent's own namespace: where its Lease is
 * @param watchNamespaces the namespaces whose pods it reports (empty: all)
 * @param metricsPort    port of {@code /metrics} and {@code /healthz}
 * @param scrapeThreads  scrapes in flight at once, whatever the number of pods
 * @param writeThreads   API writes in flight at once
 * @param leaseDuration  how long a renewal vouches for what the agent wrote
 * @param renewInterval  how often the Lease is renewed
 * @param maxBodyLimit   the largest body limit a pod may ask for (the agent's heap holds one such body per scrape
 *                       thread)
 * @param secretRefresh  how long a Secret the pods name is used before it is read again
 * @param defaults       what a pod that says nothing gets
 */
public record AgentConfig(String nodeName, String podName, String podNamespace, List<String> watchNamespaces,
                          int metricsPort, int scrapeThreads,
                          int writeThreads, Duration leaseDuration, Duration renewInterval, long maxBodyLimit,
                          Duration secretRefresh, PodDefaults defaults) {

  /** Sized with the agent's heap (docs/agent.md): a body this large per scrape thread is survived. */
  public static final String DEFAULT_MAX_BODY_LIMIT = "256Ki";
  public static final int MAX_THREADS = 64;

  /**
   * What a pod's annotations fall back to.
   *
   * @param scrape    the shared settings as given ({@code WH_INTERVAL}, …), unparsed: a pod's annotations replace
   *                  them one by one, and the result is checked as a whole
   * @param port      the port scraped when a pod names none
   * @param path      the path scraped when a pod names none
   * @param scheme    http or https
   * @param redirects none or same-host
   */
  public record PodDefaults(Map<ScrapeSetting, String> scrape, String port, String path, String scheme,
                            String redirects) {

    public PodDefaults {
      scrape = Map.copyOf(scrape);
    }

    public static final PodDefaults STANDARD = new PodDefaults(Map.of(), "8080", "/healthz", "http", "same-host");
  }

  public static AgentConfig fromEnv(Map<String, String> env) {
    List<String> problems = new ArrayList<>();
    String node = required(env, "NODE_NAME", "fieldRef spec.nodeName", problems);
    String pod = required(env, "POD_NAME", "fieldRef metadata.name", problems);
    String namespace = required(env, "POD_NAMESPACE", "fieldRef metadata.namespace", problems);
    List<String> watch = java.util.Arrays.stream(env.getOrDefault("WH_WATCH_NAMESPACES", "").split(","))
        .map(String::strip).filter(n -> !n.isEmpty()).toList();
    Integer port = read(env, "WH_METRICS_PORT", "9090", s -> number(s, 0, 65535), problems);
    Integer scrapeThreads = read(env, "WH_SCRAPE_THREADS", "4", s -> number(s, 1, MAX_THREADS), problems);
    Integer writeThreads = read(env, "WH_WRITE_THREADS", "2", s -> number(s, 1, MAX_THREADS), problems);
    Duration leaseDuration = read(env, "WH_LEASE_DURATION", "40s", AgentConfig::seconds, problems);
    Duration renew = read(env, "WH_LEASE_RENEW_INTERVAL", "10s", AgentConfig::positive, problems);
    if (leaseDuration != null && renew != null && renew.multipliedBy(2).compareTo(leaseDuration) > 0) {
      problems.add("WH_LEASE_RENEW_INTERVAL (" + Durations.format(renew) + ") must be at most half of "
          + "WH_LEASE_DURATION (" + Durations.format(leaseDuration) + "): one failed renewal must not let it lapse");
    }
    Long maxBody = read(env, "WH_MAX_BODY_LIMIT", DEFAULT_MAX_BODY_LIMIT, AgentConfig::size, problems);
    Duration secretRefresh = read(env, "WH_SECRET_REFRESH", "1m", AgentConfig::positive, problems);

    Map<ScrapeSetting, String> scrape = new EnumMap<>(ScrapeSetting.class);
    for (ScrapeSetting s : ScrapeSetting.values()) {
      String v = env.get(s.variable());
      if (v != null) {
        scrape.put(s, v);
      }
    }
    PodDefaults defaults = new PodDefaults(scrape, env.getOrDefault("WH_PORT", "8080").strip(),
        env.getOrDefault("WH_PATH", "/healthz").strip(), env.getOrDefault("WH_SCHEME", "http").strip(),
        env.getOrDefault("WH_REDIRECTS", "same-host").strip());
    if (maxBody != null) {
      // the defaults must make a valid pod: checked as a pod without annotations is
      Function<String, String> asVariable = key -> switch (key) {
        case "port", "path", "scheme", "redirects" -> "WH_" + key.toUpperCase(java.util.Locale.ROOT);
        default -> ScrapeSetting.valueOf(key.toUpperCase(java.util.Locale.ROOT).replace('-', '_')).variable();
      };
      PodSettings.read(Map.of(), defaults, maxBody, asVariable, problems);
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException("invalid agent configuration:\n  - " + String.join("\n  - ", problems));
    }
    return new AgentConfig(node, pod, namespace, watch, port, scrapeThreads, writeThreads, leaseDuration, renew, maxBody,
        secretRefresh, defaults);
  }

  private static String required(Map<String, String> env, String name, String from, List<String> problems) {
    String v = env.get(name);
    if (v == null || v.isBlank()) {
      problems.add(name + " is required (set it from the downward API: " + from + ")");
      return null;
    }
    return v.strip();
  }

  private static <T> T read(Map<String, String> env, String name, String dflt, Function<String, T> parse,
                            List<String> problems) {
    String raw = env.get(name);
    String value = raw == null || raw.isBlank() ? dflt : raw.strip();
    try {
      return parse.apply(value);
    } catch (RuntimeException e) {
      problems.add(name + "=" + value + ": " + e.getMessage());
      return null;
    }
  }

  private static Integer number(String s, int min, int max) {
    int n;
    try {
      n = Integer.parseInt(s);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not a number");
    }
    if (n < min || n > max) {
      throw new IllegalArgumentException("must be " + min + " to " + max);
    }
    return n;
  }

  private static Duration positive(String s) {
    Duration d = Durations.parse(s);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException("must be positive");
    }
    return d;
  }

  /** Whole seconds: a Lease holds its duration in seconds. */
  private static Duration seconds(String s) {
    Duration d = positive(s);
    if (d.toMillis() % 1000 != 0 || d.toSeconds() > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("must be whole seconds");
    }
    return d;
  }

  private static Long size(String s) {
    long n = ByteSizes.parse(s);
    if (n <= 0) {
      throw new IllegalArgumentException("must be positive");
    }
    return n;
  }

  /** The default body limit: the sidecar's, or the agent's maximum when that is lower. */
  static String defaultBodyLimit(long maxBodyLimit) {
    long sidecar = ByteSizes.parse(io.workerhealth.sidecar.config.SidecarConfig.DEFAULT_BODY_LIMIT);
    return Long.toString(Math.min(sidecar, maxBodyLimit));
  }

}
