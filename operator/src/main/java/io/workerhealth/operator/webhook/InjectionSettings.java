package io.workerhealth.operator.webhook;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The injection webhook's settings from environment variables (docs/injection.md; the chart sets them).
 *
 * @param enabled             WH_INJECTION_ENABLED (default false)
 * @param port                WH_WEBHOOK_PORT: HTTPS port of the admission endpoint {@code /inject} (default 8443)
 * @param namespace           WH_WEBHOOK_NAMESPACE: where the webhook Service and Secret are (required when enabled)
 * @param serviceName         WH_WEBHOOK_SERVICE: the Service the API server calls (the certificate's names)
 * @param secretName          WH_WEBHOOK_SECRET: the Secret holding the certificate
 * @param configurationName   WH_WEBHOOK_CONFIGURATION: the MutatingWebhookConfiguration whose caBundle is kept
 * @param validatingConfigurationName WH_WEBHOOK_VALIDATING_CONFIGURATION: the ValidatingWebhookConfiguration (of pod
 *                            templates) whose caBundle is kept too; empty: none
 * @param manageCertificate   WH_WEBHOOK_CERTIFICATE: {@code self} (issued and rotated here, default) or
 *                            {@code external} (cert-manager writes the Secret and the caBundle)
 * @param certificateValidity WH_WEBHOOK_CERTIFICATE_VALIDITY (default 8760h); renewed with a third left
 * @param checkInterval       WH_WEBHOOK_CHECK_INTERVAL: how often the Secret and caBundle are checked (default 1m)
 * @param sidecarImage        WH_INJECTION_SIDECAR_IMAGE
 * @param sidecarMode         WH_INJECTION_SIDECAR_MODE: {@code auto} (native from Kubernetes 1.29), native, classic
 * @param javaOpts            WH_INJECTION_JAVA_OPTS: the sidecar's JAVA_TOOL_OPTIONS; empty keeps the image's
 * @param defaults            WH_INJECTION_DEFAULTS: JSON object keyed like the annotations
 * @param manageRoleBindings  WH_INJECTION_ROLE_BINDINGS: bind the sidecar ClusterRole to injected pods'
 *                            ServiceAccounts (default true)
 * @param sidecarClusterRole  WH_INJECTION_SIDECAR_CLUSTER_ROLE (default worker-health-sidecar)
 */
public record InjectionSettings(boolean enabled, int port, String namespace, String serviceName, String secretName,
                                String configurationName, String validatingConfigurationName,
                                boolean manageCertificate, Duration certificateValidity,
                                Duration checkInterval, String sidecarImage, String sidecarMode, String javaOpts,
                                Map<String, String> defaults, boolean manageRoleBindings,
                                String sidecarClusterRole) {

  public static InjectionSettings fromEnv(Map<String, String> env) {
    List<String> problems = new ArrayList<>();
    boolean enabled = Boolean.parseBoolean(env.getOrDefault("WH_INJECTION_ENABLED", "false").strip());
    int port = 8443;
    try {
      port = Integer.parseInt(env.getOrDefault("WH_WEBHOOK_PORT", "8443").strip());
    } catch (NumberFormatException e) {
      problems.add("WH_WEBHOOK_PORT=" + env.get("WH_WEBHOOK_PORT") + ": not a port number");
    }
    String certificate = env.getOrDefault("WH_WEBHOOK_CERTIFICATE", "self").strip();
    if (!certificate.equals("self") && !certificate.equals("external")) {
      problems.add("WH_WEBHOOK_CERTIFICATE=" + certificate + ": must be self or external");
    }
    Duration validity = duration(env, "WH_WEBHOOK_CERTIFICATE_VALIDITY", "8760h", problems);
    Duration check = duration(env, "WH_WEBHOOK_CHECK_INTERVAL", "1m", problems);
    String mode = env.getOrDefault("WH_INJECTION_SIDECAR_MODE", "auto").strip();
    if (!List.of("auto", "native", "classic").contains(mode)) {
      problems.add("WH_INJECTION_SIDECAR_MODE=" + mode + ": must be auto, native or classic");
    }
    Map<String, String> defaults = new LinkedHashMap<>();
    String json = env.getOrDefault("WH_INJECTION_DEFAULTS", "").strip();
    if (!json.isEmpty()) {
      try {
        Map<String, Object> read = new ObjectMapper().readValue(json, new TypeReference<Map<String, Object>>() { });
        read.forEach((k, v) -> {
          if (v != null && !String.valueOf(v).isEmpty()) {
            defaults.put(k, String.valueOf(v));
          }
        });
      } catch (java.io.IOException e) {
        problems.add("WH_INJECTION_DEFAULTS: not a JSON object: " + e.getMessage());
      }
    }
    String namespace = env.getOrDefault("WH_WEBHOOK_NAMESPACE", "").strip();
    if (enabled && namespace.isEmpty()) {
      problems.add("WH_WEBHOOK_NAMESPACE is required with WH_INJECTION_ENABLED=true");
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException("invalid injection settings:\n  - " + String.join("\n  - ", problems));
    }
    return new InjectionSettings(enabled, port, namespace,
        env.getOrDefault("WH_WEBHOOK_SERVICE", "worker-health-webhook"),
        env.getOrDefault("WH_WEBHOOK_SECRET", "worker-health-webhook-tls"),
        env.getOrDefault("WH_WEBHOOK_CONFIGURATION", "worker-health-sidecar-injector"),
        env.getOrDefault("WH_WEBHOOK_VALIDATING_CONFIGURATION", "").strip(),
        certificate.equals("self"), validity, check,
        env.getOrDefault("WH_INJECTION_SIDECAR_IMAGE", "ghcr.io/workerhealth/sidecar:0.1.0"), mode,
        env.getOrDefault("WH_INJECTION_JAVA_OPTS", ""), Map.copyOf(defaults),
        Boolean.parseBoolean(env.getOrDefault("WH_INJECTION_ROLE_BINDINGS", "true").strip()),
        env.getOrDefault("WH_INJECTION_SIDECAR_CLUSTER_ROLE", "worker-health-sidecar"));
  }

  /** The names the API server may reach the Service by: its certificate must hold them all. */
  public List<String> dnsNames() {
    return List.of(serviceName + "." + namespace + ".svc", serviceName + "." + namespace + ".svc.cluster.local",
        serviceName + "." + namespace, serviceName);
  }

  private static Duration duration(Map<String, String> env, String name, String dflt, List<String> problems) {
    String value = env.getOrDefault(name, dflt).strip();
    try {
      return io.workerhealth.api.v1alpha1.Durations.parse(value);
    } catch (IllegalArgumentException e) {
      problems.add(name + "=" + value + ": " + e.getMessage());
      return null;
    }
  }
}
