package io.workerhealth.operator.injection;

import java.util.List;
import java.util.Optional;

/**
 * What a pod may set on its injected sidecar, one line per setting: the annotation {@code workerhealth.io/<key>}
 * (the chart's {@code injection.defaults} use the same keys), the sidecar variables it sets (none: the template uses
 * it), how it is checked, and what it means (docs/injection.md lists this table). A new sidecar variable is one more
 * line here. Settings naming a Secret or ConfigMap are mounted as files ({@link SidecarTemplate#FILE_MOUNTS}): their
 * variables point at the file, never hold what is in it.
 */
public record SidecarSetting(String key, List<String> variables, Check check, String meaning) {

  /** Returns the value as the sidecar will read it, or throws IllegalArgumentException with a message for people. */
  @FunctionalInterface
  public interface Check {
    String apply(String value);
  }

  public static final String ANNOTATION_PREFIX = "workerhealth.io/";

  public static final List<SidecarSetting> ALL = List.of(
      new SidecarSetting("url", List.of("WH_TARGET_URL"), SettingChecks::httpUrl,
          "the app's health endpoint (http or https); instead of `port` and `path`. Credentials in it are refused: "
              + "use `basic-auth-secret`"),
      new SidecarSetting("port", List.of(), SettingChecks::port,
          "the app's port: the sidecar scrapes `http://127.0.0.1:<port><path>`"),
      new SidecarSetting("path", List.of(), SettingChecks::path, "the health endpoint's path"),
      new SidecarSetting("format", List.of("WH_FORMAT"), SettingChecks::format,
          "`auto`, `outpost`, `spring`, `ietf`, `microprofile`, `aspnet`, `k8s` or `custom`"),
      new SidecarSetting("interval", List.of("WH_INTERVAL"), SettingChecks::interval,
          "time between scrapes; at most the WorkerHealth's `spec.intervalSeconds` bound"),
      new SidecarSetting("timeout", List.of("WH_TIMEOUT"), SettingChecks::timeout,
          "a scrape not done by then fails with `Timeout`; at most the interval"),
      new SidecarSetting("heartbeat", List.of("WH_HEARTBEAT"), SettingChecks::heartbeat,
          "status is rewritten at least this often; at most the WorkerHealth's `spec.heartbeatSeconds` bound"),
      new SidecarSetting("body-limit", List.of("WH_BODY_LIMIT"), SettingChecks::bodyLimit, "largest body read"),
      new SidecarSetting("include-workers", List.of("WH_INCLUDE_WORKERS"), SettingChecks::workerGlobs,
          "comma-separated globs: only workers whose names match one are reported"),
      new SidecarSetting("exclude-workers", List.of("WH_EXCLUDE_WORKERS"), SettingChecks::workerGlobsOrNone,
          "comma-separated globs of workers not reported; set, even empty, it replaces the format's defaults"),
      new SidecarSetting("custom-workers", List.of("WH_CUSTOM_WORKERS"), SettingChecks::text,
          "custom format: where the workers are (JSON Pointer or JSONPath)"),
      new SidecarSetting("custom-name", List.of("WH_CUSTOM_NAME"), SettingChecks::text,
          "custom format: a worker's name"),
      new SidecarSetting("custom-status", List.of("WH_CUSTOM_STATUS"), SettingChecks::text,
          "custom format: a worker's status"),
      new SidecarSetting("custom-message", List.of("WH_CUSTOM_MESSAGE"), SettingChecks::text,
          "custom format: a worker's message"),
      new SidecarSetting("custom-status-map", List.of("WH_CUSTOM_STATUS_MAP"), SettingChecks::statusMap,
          "custom format: the app's words to states, `ok=Healthy,bad=Failed`"),
      new SidecarSetting("basic-auth-secret", List.of("WH_BASIC_AUTH_PASSWORD_FILE", "WH_BASIC_AUTH_USERNAME"),
          SettingChecks.keyReference("password"),
          "basic auth: a Secret `<name>` (keys `username` and `password`, as type `kubernetes.io/basic-auth`) or "
              + "`<name>/<key>` (the password's key)"),
      new SidecarSetting("basic-auth-username", List.of("WH_BASIC_AUTH_USERNAME"), SettingChecks::text,
          "basic auth: the user name, instead of the Secret's `username` key"),
      new SidecarSetting("bearer-token-secret", List.of("WH_BEARER_TOKEN_FILE"), SettingChecks.keyReference("token"),
          "a bearer token: a Secret `<name>` (key `token`) or `<name>/<key>`"),
      new SidecarSetting("headers", List.of("WH_HEADERS"), SettingChecks::headers,
          "extra request headers, one `Name: value` per line; no `Authorization` (use a Secret above)"),
      new SidecarSetting("ca-secret", List.of("WH_CA_FILE"), SettingChecks.keyReference("ca.crt"),
          "PEM certificates to trust for an https `url`: a Secret `<name>` (key `ca.crt`) or `<name>/<key>`"),
      new SidecarSetting("ca-configmap", List.of("WH_CA_FILE"), SettingChecks.keyReference("ca.crt"),
          "the same from a ConfigMap (e.g. `kube-root-ca.crt`); instead of `ca-secret`"),
      new SidecarSetting("redirects", List.of("WH_REDIRECTS"), SettingChecks::redirects,
          "redirects followed: `none`, `same-host` or `any`"),
      new SidecarSetting("tls-server-name", List.of("WH_TLS_SERVER_NAME"), SettingChecks::tlsServerName,
          "the name the https `url`'s certificate carries when it is not the URL's host (e.g. its Service's)"),
      new SidecarSetting("log-level", List.of("WH_LOG_LEVEL"), SettingChecks::logLevel, "the sidecar's log level"),
      new SidecarSetting("metrics-port", List.of("WH_METRICS_PORT"), SettingChecks::port,
          "the sidecar's `/metrics` and `/healthz` port (container port `metrics`); must differ from the app's"),
      new SidecarSetting("cpu-request", List.of(), SettingChecks::quantity, "the sidecar's CPU request"),
      new SidecarSetting("cpu-limit", List.of(), SettingChecks::quantity, "the sidecar's CPU limit"),
      new SidecarSetting("memory-request", List.of(), SettingChecks::quantity, "the sidecar's memory request"),
      new SidecarSetting("memory-limit", List.of(), SettingChecks::quantity, "the sidecar's memory limit"),
      new SidecarSetting("sidecar-mode", List.of(), SettingChecks.oneOf("native", "classic"),
          "`native` (an init container with `restartPolicy: Always`) or `classic` (a regular container); "
              + "default: native where the API server supports it"));

  public SidecarSetting {
    variables = List.copyOf(variables);
  }

  public String annotation() {
    return ANNOTATION_PREFIX + key;
  }

  public static Optional<SidecarSetting> byKey(String key) {
    return ALL.stream().filter(s -> s.key.equals(key)).findFirst();
  }
}
