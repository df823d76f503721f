package io.workerhealth.operator.injection;

import io.fabric8.kubernetes.api.model.Quantity;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One pod's sidecar settings: the chart's defaults overlaid with the pod's {@code workerhealth.io/*} annotations,
 * each checked ({@link SidecarSetting}). Pure.
 */
public final class SidecarOptions {

  /** What holds when neither the pod nor the chart says: the sidecar's own defaults, and the template's. */
  static final Map<String, String> BUILT_IN = Map.of("port", "8080", "path", "/healthz", "metrics-port", "9090");
  /** The sidecar's defaults for the two settings that are checked against each other. */
  static final Duration SIDECAR_INTERVAL = Duration.ofSeconds(5);
  static final Duration SIDECAR_TIMEOUT = Duration.ofSeconds(2);

  private final Map<String, String> values;

  private SidecarOptions(Map<String, String> values) {
    this.values = values;
  }

  /** The chart's defaults alone (checked at start-up: a wrong default stops the operator with this message). */
  public static SidecarOptions defaults(Map<String, String> defaults) {
    return resolve(defaults, Map.of());
  }

  /**
   * The settings for a pod with these annotations; throws {@link InvalidSidecarSettingsException} listing every
   * problem, each naming its annotation.
   */
  public static SidecarOptions resolve(Map<String, String> defaults, Map<String, String> annotations) {
    List<String> problems = new ArrayList<>();
    Map<String, String> merged = new LinkedHashMap<>(BUILT_IN);
    Map<String, String> fromDefaults = checked(defaults, "injection default ", problems, false);
    Map<String, String> fromPod = new LinkedHashMap<>();
    Map<String, String> podAnnotations = new TreeMap<>();
    annotations.forEach((k, v) -> {
      if (k.startsWith(SidecarSetting.ANNOTATION_PREFIX)) {
        podAnnotations.put(k.substring(SidecarSetting.ANNOTATION_PREFIX.length()), v);
      }
    });
    fromPod.putAll(checked(podAnnotations, SidecarSetting.ANNOTATION_PREFIX, problems, true));
    boolean podSetsPortOrPath = podAnnotations.containsKey("port") || podAnnotations.containsKey("path");
    if (podAnnotations.containsKey("url") && podSetsPortOrPath) {
      problems.add("set " + SidecarSetting.ANNOTATION_PREFIX + "url or " + SidecarSetting.ANNOTATION_PREFIX + "port/"
          + SidecarSetting.ANNOTATION_PREFIX + "path, not both");
    }
    merged.putAll(fromDefaults);
    // the pod's own choice of endpoint wins over the chart's, whichever way either is given
    if (podAnnotations.containsKey("url")) {
      merged.remove("port");
      merged.remove("path");
    } else if (podAnnotations.containsKey("port") || podAnnotations.containsKey("path")) {
      merged.remove("url");
    }
    merged.putAll(fromPod);
    crossCheck(merged, podAnnotations, problems);
    if (!problems.isEmpty()) {
      throw new InvalidSidecarSettingsException(problems);
    }
    return new SidecarOptions(merged);
  }

  private static Map<String, String> checked(Map<String, String> raw, String prefix, List<String> problems,
                                             boolean annotations) {
    Map<String, String> ok = new LinkedHashMap<>();
    new TreeMap<>(raw).forEach((key, value) -> {
      Optional<SidecarSetting> setting = SidecarSetting.byKey(key);
      if (setting.isEmpty()) {
        problems.add("unknown " + (annotations ? "annotation " : "setting ") + prefix + key + " (known: "
            + String.join(", ", SidecarSetting.ALL.stream().map(SidecarSetting::key).toList()) + ")");
        return;
      }
      try {
        ok.put(key, setting.get().check().apply(value == null ? "" : value));
      } catch (IllegalArgumentException e) {
        problems.add(prefix + key + "=\"" + value + "\": " + e.getMessage());
      }
    });
    return ok;
  }

  private static void crossCheck(Map<String, String> merged, Map<String, String> pod, List<String> problems) {
    if (merged.containsKey("interval") || merged.containsKey("timeout")) {
      try {
        Duration interval = merged.containsKey("interval") ? SettingChecks.duration(merged.get("interval"))
            : SIDECAR_INTERVAL;
        Duration timeout = merged.containsKey("timeout") ? SettingChecks.duration(merged.get("timeout"))
            : SIDECAR_TIMEOUT;
        if (timeout.compareTo(interval) > 0) {
          problems.add(name("timeout", pod) + " (" + merged.getOrDefault("timeout", "2s") + ") must not exceed "
              + name("interval", pod) + " (" + merged.getOrDefault("interval", "5s") + ")");
        }
      } catch (IllegalArgumentException alreadyReported) {
        // the value itself was reported above
      }
    }
    if ("custom".equals(merged.get("format"))
        && !(merged.containsKey("custom-workers") && merged.containsKey("custom-status"))) {
      problems.add(name("format", pod) + "=custom needs " + SidecarSetting.ANNOTATION_PREFIX + "custom-workers and "
          + SidecarSetting.ANNOTATION_PREFIX + "custom-status");
    } else if (merged.containsKey("custom-workers") && !merged.containsKey("custom-status")) {
      problems.add(SidecarSetting.ANNOTATION_PREFIX + "custom-status is required with "
          + SidecarSetting.ANNOTATION_PREFIX + "custom-workers");
    }
    for (String resource : List.of("cpu", "memory")) {
      String request = merged.get(resource + "-request");
      String limit = merged.get(resource + "-limit");
      if (request != null && limit != null
          && Quantity.parse(request).getNumericalAmount().compareTo(Quantity.parse(limit).getNumericalAmount()) > 0) {
        problems.add(name(resource + "-request", pod) + " (" + request + ") must not exceed "
            + name(resource + "-limit", pod) + " (" + limit + ")");
      }
    }
  }

  /** How a setting is named in a message: the pod's annotation when the pod set it, else the chart's default. */
  private static String name(String key, Map<String, String> pod) {
    return pod.containsKey(key) ? SidecarSetting.ANNOTATION_PREFIX + key : "injection default " + key;
  }

  public Optional<String> get(String key) {
    return Optional.ofNullable(values.get(key));
  }

  /** The URL the sidecar scrapes: the {@code url} setting, else {@code http://127.0.0.1:<port><path>}. */
  public String targetUrl() {
    return values.containsKey("url") ? values.get("url")
        : "http://127.0.0.1:" + values.get("port") + values.get("path");
  }

  public int metricsPort() {
    return Integer.parseInt(values.get("metrics-port"));
  }

  public Optional<SidecarMode> mode() {
    return get("sidecar-mode").map(SidecarMode::fromWireName);
  }

  /** The sidecar variables these settings set, in the table's order (the target URL first). */
  public Map<String, String> env() {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("WH_TARGET_URL", targetUrl());
    for (SidecarSetting s : SidecarSetting.ALL) {
      if (s.envVar() != null && !s.key().equals("url") && !s.key().equals("metrics-port")
          && values.containsKey(s.key())) {
        env.put(s.envVar(), values.get(s.key()));
      }
    }
    env.put("WH_METRICS_PORT", Integer.toString(metricsPort()));
    return env;
  }

  public Map<String, Quantity> requests() {
    return quantities("-request");
  }

  public Map<String, Quantity> limits() {
    return quantities("-limit");
  }

  private Map<String, Quantity> quantities(String suffix) {
    Map<String, Quantity> q = new LinkedHashMap<>();
    for (String resource : List.of("cpu", "memory")) {
      get(resource + suffix).ifPresent(v -> q.put(resource, new Quantity(v)));
    }
    return q;
  }
}
