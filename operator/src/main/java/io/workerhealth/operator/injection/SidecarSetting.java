package io.workerhealth.operator.injection;

import java.util.List;
import java.util.Optional;

/**
 * What a pod may set on its injected sidecar, one line per setting: the annotation {@code workerhealth.io/<key>}
 * (the chart's {@code injection.defaults} use the same keys), the sidecar variable it becomes (none: the template
 * uses it), how it is checked, and what it means (docs/injection.md lists this table). A new sidecar variable is one
 * more line here.
 */
public record SidecarSetting(String key, String envVar, Check check, String meaning) {

  /** Returns the value as the sidecar will read it, or throws IllegalArgumentException with a message for people. */
  @FunctionalInterface
  public interface Check {
    String apply(String value);
  }

  public static final String ANNOTATION_PREFIX = "workerhealth.io/";

  public static final List<SidecarSetting> ALL = List.of(
      new SidecarSetting("url", "WH_TARGET_URL", SettingChecks::httpUrl,
          "the app's health endpoint (http or https); instead of `port` and `path`"),
      new SidecarSetting("port", null, SettingChecks::port,
          "the app's port: the sidecar scrapes `http://127.0.0.1:<port><path>`"),
      new SidecarSetting("path", null, SettingChecks::path, "the health endpoint's path"),
      new SidecarSetting("format", "WH_FORMAT", SettingChecks::format,
          "`auto`, `outpost`, `spring`, `ietf`, `microprofile`, `aspnet`, `k8s` or `custom`"),
      new SidecarSetting("interval", "WH_INTERVAL", SettingChecks::positiveDuration, "time between scrapes"),
      new SidecarSetting("timeout", "WH_TIMEOUT", SettingChecks::positiveDuration,
          "a scrape not done by then fails with `Timeout`; at most the interval"),
      new SidecarSetting("heartbeat", "WH_HEARTBEAT", SettingChecks::positiveDuration,
          "status is rewritten at least this often"),
      new SidecarSetting("body-limit", "WH_BODY_LIMIT", SettingChecks::positiveSize, "largest body read"),
      new SidecarSetting("custom-workers", "WH_CUSTOM_WORKERS", SettingChecks::text,
          "custom format: where the workers are (JSON Pointer or JSONPath)"),
      new SidecarSetting("custom-name", "WH_CUSTOM_NAME", SettingChecks::text, "custom format: a worker's name"),
      new SidecarSetting("custom-status", "WH_CUSTOM_STATUS", SettingChecks::text,
          "custom format: a worker's status"),
      new SidecarSetting("custom-message", "WH_CUSTOM_MESSAGE", SettingChecks::text,
          "custom format: a worker's message"),
      new SidecarSetting("custom-status-map", "WH_CUSTOM_STATUS_MAP", SettingChecks::statusMap,
          "custom format: the app's words to states, `ok=Healthy,bad=Failed`"),
      new SidecarSetting("log-level", "WH_LOG_LEVEL", SettingChecks::logLevel, "the sidecar's log level"),
      new SidecarSetting("metrics-port", "WH_METRICS_PORT", SettingChecks::port,
          "the sidecar's `/metrics` and `/healthz` port (container port `metrics`); must differ from the app's"),
      new SidecarSetting("cpu-request", null, SettingChecks::quantity, "the sidecar's CPU request"),
      new SidecarSetting("cpu-limit", null, SettingChecks::quantity, "the sidecar's CPU limit"),
      new SidecarSetting("memory-request", null, SettingChecks::quantity, "the sidecar's memory request"),
      new SidecarSetting("memory-limit", null, SettingChecks::quantity, "the sidecar's memory limit"),
      new SidecarSetting("sidecar-mode", null, SettingChecks.oneOf("native", "classic"),
          "`native` (an init container with `restartPolicy: Always`) or `classic` (a regular container); "
              + "default: native where the API server supports it"));

  public String annotation() {
    return ANNOTATION_PREFIX + key;
  }

  public static Optional<SidecarSetting> byKey(String key) {
    return ALL.stream().filter(s -> s.key.equals(key)).findFirst();
  }
}
