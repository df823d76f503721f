package io.workerhealth.operator.injection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.workerhealth.operator.injection.SidecarTemplate.FileMount;
import io.workerhealth.operator.webhook.WebhookCertificate;
import io.workerhealth.sidecar.config.SidecarConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * The injection's checks and the sidecar's configuration reader agree: a pod the webhook admits gets a sidecar that
 * starts with the configuration it was given; what the sidecar would refuse, the webhook refuses first. The Secrets
 * and ConfigMaps a pod names are taken as mounted with good contents (the kubelet's part; their contents are the
 * sidecar's to check), so the sidecar's reader runs in full, files included.
 */
class SidecarSettingsAgreementProperties {

  /** Settings the sidecar reads through a variable of its own (the others are the template's). */
  static final List<String> SIDECAR_KEYS = List.of("url", "port", "path", "format", "interval", "timeout",
      "heartbeat", "body-limit", "include-workers", "exclude-workers", "custom-workers", "custom-name",
      "custom-status", "custom-message", "custom-status-map", "basic-auth-secret", "basic-auth-username",
      "bearer-token-secret", "headers", "ca-secret", "ca-configmap", "redirects", "metrics-port");

  /** What the kubelet mounts: a Secret's password or token, a ConfigMap's or Secret's CA certificate. */
  static final Map<String, Path> MOUNTED = mountedFiles();

  @Property(tries = 3000)
  void whatTheWebhookAdmitsTheSidecarAccepts(@ForAll("annotations") Map<String, String> annotations) {
    SidecarOptions options;
    try {
      options = SidecarOptions.resolve(Map.of(), annotations);
    } catch (InvalidSidecarSettingsException refused) {
      return;
    }
    Map<String, String> env = new HashMap<>(options.env());
    for (FileMount mount : options.fileMounts().keySet()) {
      assertThat(env).containsEntry(mount.variable(), mount.path());
      env.put(mount.variable(), MOUNTED.get(mount.file()).toString());
    }
    options.envFromSecrets().forEach((variable, ref) -> env.put(variable, "health-reader"));
    env.put("POD_NAME", "p");
    env.put("POD_NAMESPACE", "ns");
    assertThatCode(() -> SidecarConfig.fromEnv(env)).as("env %s from annotations %s", env, annotations)
        .doesNotThrowAnyException();
  }

  @Property(tries = 3000)
  void whatTheSidecarRefusesTheWebhookRefuses(@ForAll("annotations") Map<String, String> annotations) {
    if (annotations.containsKey("workerhealth.io/port") || annotations.containsKey("workerhealth.io/path")) {
      return; // the URL is built from them; covered by the property above
    }
    Map<String, String> env = new HashMap<>(Map.of("POD_NAME", "p", "POD_NAMESPACE", "ns"));
    annotations.forEach((annotation, value) -> {
      SidecarSetting s = SidecarSetting.byKey(annotation.substring(SidecarSetting.ANNOTATION_PREFIX.length()))
          .orElseThrow();
      SidecarTemplate.fileMount(s.key()).ifPresentOrElse(
          mount -> env.put(mount.variable(), MOUNTED.get(mount.file()).toString()),
          () -> env.put(s.variables().get(0), value));
    });
    if (annotations.containsKey("workerhealth.io/basic-auth-secret")) {
      env.putIfAbsent("WH_BASIC_AUTH_USERNAME", "health-reader"); // the Secret's username key
    }
    boolean sidecarAccepts;
    try {
      SidecarConfig.fromEnv(env);
      sidecarAccepts = true;
    } catch (IllegalArgumentException e) {
      sidecarAccepts = false;
    }
    if (!sidecarAccepts) {
      assertThatThrownBy(() -> SidecarOptions.resolve(Map.of(), annotations)).as("annotations %s, env %s",
          annotations, env).isInstanceOf(InvalidSidecarSettingsException.class);
    }
  }

  @Property(tries = 300)
  void everyVariableTheWebhookSetsIsOneTheSidecarReads(@ForAll("annotations") Map<String, String> annotations) {
    try {
      SidecarOptions options = SidecarOptions.resolve(Map.of(), annotations);
      assertThat(options.env().keySet()).allSatisfy(name -> assertThat(name).startsWith("WH_"));
      assertThat(options.envFromSecrets().keySet()).allSatisfy(name -> assertThat(name).startsWith("WH_"));
    } catch (InvalidSidecarSettingsException refused) {
      assertThat(refused.problems()).isNotEmpty();
    }
  }

  @Provide
  Arbitrary<Map<String, String>> annotations() {
    Arbitrary<String> key = Arbitraries.of(SIDECAR_KEYS);
    Arbitrary<Map.Entry<String, String>> entry = key.flatMap(k -> value(k).map(v -> Map.entry(
        SidecarSetting.ANNOTATION_PREFIX + k, v)));
    return entry.list().ofMaxSize(5).map(entries -> {
      Map<String, String> m = new HashMap<>();
      entries.forEach(e -> m.put(e.getKey(), e.getValue()));
      return m;
    });
  }

  static Arbitrary<String> value(String key) {
    Arbitrary<String> noise = Arbitraries.strings().withChars("0123456789abcdmshiKMG:/.=,- $\n").ofMaxLength(12);
    Arbitrary<String> typical = switch (key) {
      case "url" -> Arbitraries.of("http://127.0.0.1:8080/healthz", "https://localhost:8443/h", "ftp://x/y",
          "http:///nohost", "127.0.0.1:8080", "http://[::1]:80/", "http://a b/", "https://reader:pw@app:8443/h");
      case "port", "metrics-port" -> Arbitraries.oneOf(Arbitraries.integers().between(-2, 70000).map(String::valueOf),
          Arbitraries.of("80", "9090", "0", "http", ""));
      case "path" -> Arbitraries.of("/healthz", "healthz", "/a b", "/h?x=1", "/", "");
      case "format" -> Arbitraries.of("auto", "outpost", "spring", "ietf", "microprofile", "aspnet", "k8s", "custom",
          "OUTPOST", "xml", "");
      case "interval", "timeout", "heartbeat" -> Arbitraries.oneOf(
          Combinators.combine(Arbitraries.integers().between(0, 120),
              Arbitraries.of("ms", "s", "m", "h", "", " seconds", "x")).as((n, u) -> n + u),
          // around the WorkerHealth spec's bounds (1h, 24h)
          Arbitraries.of("3600s", "3601s", "60m", "61m", "1h", "PT1H0.001S", "86400s", "86401s", "24h", "25h",
              "1440m"));
      case "body-limit" -> Combinators.combine(Arbitraries.integers().between(0, 4096),
          Arbitraries.of("", "Ki", "Mi", "Gi", "k", "M", "G", "B", "mi")).as((n, u) -> n + u);
      case "include-workers", "exclude-workers" -> Arbitraries.of("kafka/*,*-consumer", "", " , ", "a, b", "ping");
      case "custom-status-map" -> Arbitraries.of("ok=Healthy,bad=Failed", "ok=Fine", "ok", "=Healthy",
          "up = healthy , down=FAILED", "");
      case "basic-auth-secret", "bearer-token-secret", "ca-secret", "ca-configmap" -> Arbitraries.of("health-auth",
          "health-auth/pw", "kube-root-ca.crt", "Health_Auth", "a/b/c", "/key", "name/", "name/..", "");
      case "basic-auth-username" -> Arbitraries.of("health-reader", "a:b", "", " ");
      case "headers" -> Arbitraries.of("X-Tenant: blue", "X-Tenant: blue\nX-Env: prod\n", "Authorization: Bearer x",
          "not a header", "X-Key: caf\u00e9", "X-Key:", "");
      case "redirects" -> Arbitraries.of("none", "same-host", "any", "ANY", "sometimes", "");
      default -> Arbitraries.of("/workers", "$.components", "status", "", " ");
    };
    return Arbitraries.frequencyOf(Tuple.of(8, typical), Tuple.of(2, noise));
  }

  private static Map<String, Path> mountedFiles() {
    try {
      Path dir = Files.createTempDirectory("mounted-secrets");
      dir.toFile().deleteOnExit();
      String ca = WebhookCertificate.issue(List.of("app.example"), Instant.now(), Duration.ofDays(1), List.of())
          .caBundlePem();
      Map<String, Path> files = new HashMap<>();
      for (Map.Entry<String, String> file : Map.of("password", "pw\n", "token", "t0ken", "ca.crt", ca).entrySet()) {
        Path path = Files.writeString(dir.resolve(file.getKey()), file.getValue());
        path.toFile().deleteOnExit();
        files.put(file.getKey(), path);
      }
      return files;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
