package io.workerhealth.sidecar.config;

import io.workerhealth.api.v1alpha1.SourceFormat;
import io.workerhealth.api.v1alpha1.WorkerHealthSpec;
import io.workerhealth.api.v1alpha1.WorkerStatus;
import io.workerhealth.sidecar.format.CustomFormatConfig;
import io.workerhealth.sidecar.format.WorkerFilter;
import io.workerhealth.sidecar.scrape.ScrapeTarget;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * The sidecar's settings, read from environment variables (see docs/sidecar.md). Every problem is reported at once,
 * so a misconfigured pod fails at start with one clear message rather than one variable at a time. What the sidecar
 * writes into its WorkerHealth's spec is checked against the CRD's own bounds ({@link WorkerHealthSpec}), so the API
 * server never refuses it.
 */
public record SidecarConfig(
    ScrapeTarget target,
    Duration interval,
    Duration timeout,
    SourceFormat format,
    Duration heartbeat,
    int metricsPort,
    long bodyLimit,
    String podName,
    String podNamespace,
    String podUid,
    String nodeName,
    Path labelsFile,
    CustomFormatConfig customFormat,
    WorkerFilter workerFilter) {

  public static final String DEFAULT_TARGET_URL = "http://127.0.0.1:8080/healthz";
  /**
   * Sized with the image's heap ({@code -Xmx16m} in sidecar/Dockerfile): the sidecar survives any body up to this size
   * with room to spare (SidecarMemoryIT measures it); a larger limit needs a larger heap.
   */
  public static final String DEFAULT_BODY_LIMIT = "256Ki";

  /** Reads and validates the settings; throws {@link IllegalArgumentException} listing every problem. */
  public static SidecarConfig fromEnv(Map<String, String> env) {
    List<String> problems = new ArrayList<>();
    SidecarConfig config = read(env, true, problems);
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException("invalid sidecar configuration:\n  - " + String.join("\n  - ", problems));
    }
    return config;
  }

  /**
   * The problems {@link #fromEnv} reports, each naming its variable, except those of the files that
   * WH_BASIC_AUTH_PASSWORD_FILE, WH_BEARER_TOKEN_FILE and WH_CA_FILE name, which are not read: the injection webhook
   * checks a pod's settings with it before the Secrets holding those files are mounted.
   */
  public static List<String> problemsLeavingFilesUnread(Map<String, String> env) {
    List<String> problems = new ArrayList<>();
    read(env, false, problems);
    return problems;
  }

  /** The settings, or null with every problem added to {@code problems}. */
  private static SidecarConfig read(Map<String, String> env, boolean readFiles, List<String> problems) {
    int before = problems.size();
    ScrapeTarget target = target(env, readFiles, problems);
    ScrapeSettings scrape = ScrapeSettings.read(s -> env.get(s.variable()), ScrapeSetting::variable,
        DEFAULT_BODY_LIMIT, problems);
    Duration heartbeat = read(env, "WH_HEARTBEAT", "60s", SidecarConfig::parseHeartbeat, problems);
    Integer port = read(env, "WH_METRICS_PORT", "9090", SidecarConfig::parseMetricsPort, problems);
    String podName = env.get("POD_NAME");
    String podNamespace = env.get("POD_NAMESPACE");
    if (isBlank(podName)) {
      problems.add("POD_NAME is required (set it from the downward API: fieldRef metadata.name)");
    }
    if (isBlank(podNamespace)) {
      problems.add("POD_NAMESPACE is required (set it from the downward API: fieldRef metadata.namespace)");
    }
    Path labels = Path.of(env.getOrDefault("WH_LABELS_FILE", "/etc/podinfo/labels"));
    if (problems.size() > before) {
      return null;
    }
    return new SidecarConfig(target, scrape.interval(), scrape.timeout(), scrape.format(), heartbeat, port,
        scrape.bodyLimit(), podName.strip(), podNamespace.strip(), blankToNull(env.get("POD_UID")),
        blankToNull(env.get("NODE_NAME")), labels, scrape.customFormat(), scrape.workerFilter());
  }

  /** How the target is scraped, as both reporters hold it. */
  public ScrapeSettings scrapeSettings() {
    return new ScrapeSettings(interval, timeout, format, bodyLimit, customFormat, workerFilter);
  }

  // The parsers of single variables, public for the injection webhook, which checks the annotations that set them
  // with these (and so with the same bounds) before a pod is created; the node agent reads the same settings from
  // annotations through ScrapeSettings, whose checks these are.

  /** WH_INTERVAL: positive, at most the WorkerHealth spec's {@code intervalSeconds} bound. */
  public static Duration parseInterval(String text) {
    return ScrapeSettings.parseInterval(text);
  }

  /** WH_TIMEOUT: positive (at most the interval is checked with both). */
  public static Duration parseTimeout(String text) {
    return ScrapeSettings.positive(text);
  }

  /** WH_HEARTBEAT: positive, at most the WorkerHealth spec's {@code heartbeatSeconds} bound. */
  public static Duration parseHeartbeat(String text) {
    return ScrapeSettings.atMost(ScrapeSettings.positive(text), WorkerHealthSpec.MAX_HEARTBEAT_SECONDS,
        "heartbeatSeconds");
  }

  /** WH_BODY_LIMIT: a positive size. */
  public static long parseBodyLimit(String text) {
    return ScrapeSettings.positiveSize(text);
  }

  /** WH_METRICS_PORT: 0-65535 (0: any free port, for tests). */
  public static int parseMetricsPort(String text) {
    int p;
    try {
      p = Integer.parseInt(text.strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not a port number");
    }
    if (p < 0 || p > 65535) {
      throw new IllegalArgumentException("port must be 0-65535");
    }
    return p;
  }

  /** The target from WH_TARGET_URL and the variables of its credentials, headers, CA file and redirects. */
  static ScrapeTarget target(Map<String, String> env, boolean readFiles, List<String> problems) {
    Map<TargetSetting, String> given = new EnumMap<>(TargetSetting.class);
    for (TargetSetting s : TargetSetting.values()) {
      given.put(s, env.get(s.variable()));
    }
    if (isBlank(given.get(TargetSetting.URL))) {
      given.put(TargetSetting.URL, DEFAULT_TARGET_URL);
    }
    return TargetSetting.read(given, false, readFiles, problems);
  }

  /** Seconds as the WorkerHealth's spec holds them: whole, at least 1 (a sub-second interval is written as 1). */
  public static int specSeconds(Duration d) {
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, d.toSeconds()));
  }

  /** {@code ok=Healthy,degraded=Degraded,bad=Failed}: the app's words (any case) to normalized states. */
  public static Map<String, WorkerStatus> parseStatusMap(String text) {
    Map<String, WorkerStatus> map = new LinkedHashMap<>();
    for (String pair : text.split(",")) {
      if (pair.isBlank()) {
        continue;
      }
      int eq = pair.indexOf('=');
      if (eq <= 0 || eq == pair.length() - 1) {
        throw new IllegalArgumentException("'" + pair.strip() + "' is not word=State");
      }
      String state = pair.substring(eq + 1).strip();
      WorkerStatus status = null;
      for (WorkerStatus s : WorkerStatus.values()) {
        if (s.name().equalsIgnoreCase(state)) {
          status = s;
        }
      }
      if (status == null) {
        throw new IllegalArgumentException("'" + state + "' is not one of Healthy, Degraded, Failed, Unknown");
      }
      map.put(pair.substring(0, eq).strip().toLowerCase(Locale.ROOT), status);
    }
    return map;
  }

  private static <T> T read(Map<String, String> env, String name, String dflt, Function<String, T> parse,
                            List<String> problems) {
    String raw = env.get(name);
    String value = isBlank(raw) ? dflt : raw.strip();
    try {
      return parse.apply(value);
    } catch (RuntimeException e) {
      problems.add(name + "=" + value + ": " + e.getMessage());
      return null;
    }
  }

  private static boolean isBlank(String s) {
    return s == null || s.isBlank();
  }

  private static String blankToNull(String s) {
    return isBlank(s) ? null : s.strip();
  }
}
