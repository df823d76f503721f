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
    ScrapeTarget target = target(env, problems);
    Duration interval = read(env, "WH_INTERVAL", "5s",
        s -> atMost(positive(s), WorkerHealthSpec.MAX_INTERVAL_SECONDS, "intervalSeconds"), problems);
    Duration timeout = read(env, "WH_TIMEOUT", "2s", SidecarConfig::positive, problems);
    SourceFormat format = read(env, "WH_FORMAT", "auto", SourceFormat::fromWireName, problems);
    Duration heartbeat = read(env, "WH_HEARTBEAT", "60s",
        s -> atMost(positive(s), WorkerHealthSpec.MAX_HEARTBEAT_SECONDS, "heartbeatSeconds"), problems);
    Integer port = read(env, "WH_METRICS_PORT", "9090", SidecarConfig::port, problems);
    Long bodyLimit = read(env, "WH_BODY_LIMIT", DEFAULT_BODY_LIMIT, SidecarConfig::positiveSize, problems);
    String podName = env.get("POD_NAME");
    String podNamespace = env.get("POD_NAMESPACE");
    if (isBlank(podName)) {
      problems.add("POD_NAME is required (set it from the downward API: fieldRef metadata.name)");
    }
    if (isBlank(podNamespace)) {
      problems.add("POD_NAMESPACE is required (set it from the downward API: fieldRef metadata.namespace)");
    }
    Path labels = Path.of(env.getOrDefault("WH_LABELS_FILE", "/etc/podinfo/labels"));
    CustomFormatConfig custom = customFormat(env, problems);
    WorkerFilter filter = workerFilter(env);
    if (format == SourceFormat.CUSTOM && custom == null) {
      problems.add("WH_FORMAT=custom needs WH_CUSTOM_WORKERS and WH_CUSTOM_STATUS");
    }
    if (interval != null && timeout != null && timeout.compareTo(interval) > 0) {
      problems.add("WH_TIMEOUT (" + Durations.format(timeout) + ") must not exceed WH_INTERVAL ("
          + Durations.format(interval) + ")");
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException("invalid sidecar configuration:\n  - " + String.join("\n  - ", problems));
    }
    return new SidecarConfig(target, interval, timeout, format, heartbeat, port, bodyLimit, podName.strip(),
        podNamespace.strip(), blankToNull(env.get("POD_UID")), labels, custom, filter);
  }

  /**
   * WH_INCLUDE_WORKERS and WH_EXCLUDE_WORKERS: comma-separated globs over worker names (the pod annotations
   * workerhealth.io/include-workers and workerhealth.io/exclude-workers map onto them). Unset exclusions mean the
   * format's defaults (Spring's framework indicators); set, even to nothing, they replace them.
   */
  static WorkerFilter workerFilter(Map<String, String> env) {
    String exclude = env.get("WH_EXCLUDE_WORKERS");
    return new WorkerFilter(WorkerFilter.globs(env.get("WH_INCLUDE_WORKERS")),
        exclude == null ? null : WorkerFilter.globs(exclude));
  }

  /** The target from WH_TARGET_URL and the variables of its credentials, headers, CA file and redirects. */
  static ScrapeTarget target(Map<String, String> env, List<String> problems) {
    Map<TargetSetting, String> given = new EnumMap<>(TargetSetting.class);
    for (TargetSetting s : TargetSetting.values()) {
      given.put(s, env.get(s.variable()));
    }
    if (isBlank(given.get(TargetSetting.URL))) {
      given.put(TargetSetting.URL, DEFAULT_TARGET_URL);
    }
    return TargetSetting.read(given, false, problems);
  }

  /** Seconds as the WorkerHealth's spec holds them: whole, at least 1 (a sub-second interval is written as 1). */
  public static int specSeconds(Duration d) {
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, d.toSeconds()));
  }

  /** The custom format from WH_CUSTOM_* variables, or null when WH_CUSTOM_WORKERS is not set. */
  static CustomFormatConfig customFormat(Map<String, String> env, List<String> problems) {
    String workers = blankToNull(env.get("WH_CUSTOM_WORKERS"));
    if (workers == null) {
      return null;
    }
    String status = blankToNull(env.get("WH_CUSTOM_STATUS"));
    if (status == null) {
      problems.add("WH_CUSTOM_STATUS is required with WH_CUSTOM_WORKERS");
    }
    Map<String, WorkerStatus> map = new LinkedHashMap<>();
    String mapping = blankToNull(env.get("WH_CUSTOM_STATUS_MAP"));
    if (mapping != null) {
      try {
        map.putAll(parseStatusMap(mapping));
      } catch (IllegalArgumentException e) {
        problems.add("WH_CUSTOM_STATUS_MAP: " + e.getMessage());
      }
    }
    return new CustomFormatConfig(workers, blankToNull(env.get("WH_CUSTOM_NAME")), status,
        blankToNull(env.get("WH_CUSTOM_MESSAGE")), map);
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

  static Duration positive(String s) {
    Duration d = Durations.parse(s);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException("must be positive");
    }
    return d;
  }

  /** At most {@code maxSeconds}: the bound of the WorkerHealth spec field the value is written to. */
  static Duration atMost(Duration d, int maxSeconds, String specField) {
    if (d.compareTo(Duration.ofSeconds(maxSeconds)) > 0) {
      throw new IllegalArgumentException("must be at most " + Durations.format(Duration.ofSeconds(maxSeconds))
          + " (the WorkerHealth's spec." + specField + " allows " + maxSeconds + " at most)");
    }
    return d;
  }

  private static Integer port(String s) {
    int p;
    try {
      p = Integer.parseInt(s);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not a port number");
    }
    if (p < 0 || p > 65535) {
      throw new IllegalArgumentException("port must be 0-65535");
    }
    return p;
  }

  private static Long positiveSize(String s) {
    long n = ByteSizes.parse(s);
    if (n <= 0) {
      throw new IllegalArgumentException("must be positive");
    }
    return n;
  }

  private static boolean isBlank(String s) {
    return s == null || s.isBlank();
  }

  private static String blankToNull(String s) {
    return isBlank(s) ? null : s.strip();
  }
}
