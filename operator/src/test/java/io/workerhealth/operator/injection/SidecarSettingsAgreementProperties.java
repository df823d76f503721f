package io.workerhealth.operator.injection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.workerhealth.sidecar.config.SidecarConfig;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The injection's checks and the sidecar's configuration reader agree: a pod the webhook admits gets a sidecar that
 * starts with the configuration it was given; what the sidecar would refuse, the webhook refuses first.
 */
class SidecarSettingsAgreementProperties {

  /** Settings the sidecar reads through a variable of its own (the others are the template's). */
  static final List<String> SIDECAR_KEYS = List.of("url", "port", "path", "format", "interval", "timeout",
      "heartbeat", "body-limit", "custom-workers", "custom-name", "custom-status", "custom-message",
      "custom-status-map", "metrics-port");

  @Property(tries = 2000)
  void whatTheWebhookAdmitsTheSidecarAccepts(@ForAll("annotations") Map<String, String> annotations) {
    SidecarOptions options;
    try {
      options = SidecarOptions.resolve(Map.of(), annotations);
    } catch (InvalidSidecarSettingsException refused) {
      return;
    }
    Map<String, String> env = sidecarEnv(options);
    assertThatCode(() -> SidecarConfig.fromEnv(env)).as("env %s from annotations %s", env, annotations)
        .doesNotThrowAnyException();
  }

  @Property(tries = 2000)
  void whatTheSidecarRefusesTheWebhookRefuses(@ForAll("annotations") Map<String, String> annotations) {
    Map<String, String> env = new HashMap<>(Map.of("POD_NAME", "p", "POD_NAMESPACE", "ns"));
    annotations.forEach((annotation, value) -> SidecarSetting.byKey(annotation.substring(16))
        .filter(s -> s.envVar() != null).ifPresent(s -> env.put(s.envVar(), value)));
    if (annotations.containsKey("workerhealth.io/port") || annotations.containsKey("workerhealth.io/path")) {
      return; // the URL is built from them; covered by the property above
    }
    boolean sidecarAccepts;
    try {
      SidecarConfig.fromEnv(env);
      sidecarAccepts = true;
    } catch (IllegalArgumentException e) {
      sidecarAccepts = false;
    }
    if (!sidecarAccepts) {
      assertThatThrownBy(() -> SidecarOptions.resolve(Map.of(), annotations)).as("annotations %s", annotations)
          .isInstanceOf(InvalidSidecarSettingsException.class);
    }
  }

  @Property(tries = 300)
  void everyVariableTheWebhookSetsIsOneTheSidecarReads(@ForAll("annotations") Map<String, String> annotations) {
    try {
      SidecarOptions options = SidecarOptions.resolve(Map.of(), annotations);
      assertThat(options.env().keySet()).allSatisfy(name -> assertThat(name).startsWith("WH_"));
    } catch (InvalidSidecarSettingsException refused) {
      assertThat(refused.problems()).isNotEmpty();
    }
  }

  static Map<String, String> sidecarEnv(SidecarOptions options) {
    Map<String, String> env = new HashMap<>(options.env());
    env.put("POD_NAME", "p");
    env.put("POD_NAMESPACE", "ns");
    return env;
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
    Arbitrary<String> noise = Arbitraries.strings().withChars("0123456789abcdmshiKMG:/.=,- $").ofMaxLength(12);
    Arbitrary<String> typical = switch (key) {
      case "url" -> Arbitraries.of("http://127.0.0.1:8080/healthz", "https://localhost:8443/h", "ftp://x/y",
          "http:///nohost", "127.0.0.1:8080", "http://[::1]:80/", "http://a b/");
      case "port", "metrics-port" -> Arbitraries.oneOf(Arbitraries.integers().between(-2, 70000).map(String::valueOf),
          Arbitraries.of("80", "9090", "0", "http", ""));
      case "path" -> Arbitraries.of("/healthz", "healthz", "/a b", "/h?x=1", "/", "");
      case "format" -> Arbitraries.of("auto", "outpost", "spring", "ietf", "microprofile", "aspnet", "k8s", "custom",
          "OUTPOST", "xml", "");
      case "interval", "timeout", "heartbeat" -> Combinators.combine(Arbitraries.integers().between(0, 120),
          Arbitraries.of("ms", "s", "m", "h", "", " seconds", "x")).as((n, u) -> n + u);
      case "body-limit" -> Combinators.combine(Arbitraries.integers().between(0, 4096),
          Arbitraries.of("", "Ki", "Mi", "Gi", "k", "M", "G", "B", "mi")).as((n, u) -> n + u);
      case "custom-status-map" -> Arbitraries.of("ok=Healthy,bad=Failed", "ok=Fine", "ok", "=Healthy",
          "up = healthy , down=FAILED", "");
      default -> Arbitraries.of("/workers", "$.components", "status", "", " ");
    };
    return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(8, typical), net.jqwik.api.Tuple.of(2, noise));
  }
}
