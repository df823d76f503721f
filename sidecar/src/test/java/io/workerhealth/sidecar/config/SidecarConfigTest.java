package io.workerhealth.sidecar.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.workerhealth.api.v1alpha1.SourceFormat;
import io.workerhealth.api.v1alpha1.WorkerStatus;
import io.workerhealth.sidecar.format.WorkerFilter;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SidecarConfigTest {

  static Map<String, String> pod(String... extra) {
    Map<String, String> env = new HashMap<>(Map.of("POD_NAME", "app-1", "POD_NAMESPACE", "shop"));
    for (int i = 0; i < extra.length; i += 2) {
      env.put(extra[i], extra[i + 1]);
    }
    return env;
  }

  @Test
  void defaultsMatchTheDocumentation() {
    SidecarConfig c = SidecarConfig.fromEnv(pod());
    assertThat(c.targetUrl()).hasToString("http://127.0.0.1:8080/healthz");
    assertThat(c.interval()).isEqualTo(Duration.ofSeconds(5));
    assertThat(c.timeout()).isEqualTo(Duration.ofSeconds(2));
    assertThat(c.heartbeat()).isEqualTo(Duration.ofSeconds(60));
    assertThat(c.format()).isEqualTo(SourceFormat.AUTO);
    assertThat(c.metricsPort()).isEqualTo(9090);
    assertThat(c.bodyLimit()).isEqualTo(256 * 1024);
    assertThat(c.labelsFile()).hasToString("/etc/podinfo/labels");
    assertThat(c.customFormat()).isNull();
    assertThat(c.workerFilter()).isEqualTo(WorkerFilter.DEFAULT);
    assertThat(c.workerFilter().exclusionsFor(SourceFormat.SPRING))
        .containsExactly("diskSpace", "ping", "ssl", "livenessState", "readinessState");
    assertThat(c.workerFilter().exclusionsFor(SourceFormat.OUTPOST)).isEmpty();
  }

  @Test
  void workerGlobsComeFromTheirVariablesAndAnEmptyExclusionListExcludesNothing() {
    SidecarConfig c = SidecarConfig.fromEnv(pod("WH_INCLUDE_WORKERS", "kafka/*, *-consumer",
        "WH_EXCLUDE_WORKERS", "kafka/audit"));
    assertThat(c.workerFilter().include()).containsExactly("kafka/*", "*-consumer");
    assertThat(c.workerFilter().exclusionsFor(SourceFormat.SPRING)).containsExactly("kafka/audit");
    SidecarConfig none = SidecarConfig.fromEnv(pod("WH_EXCLUDE_WORKERS", ""));
    assertThat(none.workerFilter().exclusionsFor(SourceFormat.SPRING)).isEmpty();
  }

  @Test
  void readsEveryVariable() {
    SidecarConfig c = SidecarConfig.fromEnv(pod("WH_TARGET_URL", "http://localhost:9000/actuator/health",
        "WH_INTERVAL", "500ms", "WH_TIMEOUT", "PT0.4S", "WH_FORMAT", "Spring", "WH_HEARTBEAT", "2m",
        "WH_METRICS_PORT", "9191", "WH_BODY_LIMIT", "64Ki", "POD_UID", "uid-1", "WH_LABELS_FILE", "/tmp/l"));
    assertThat(c.interval()).isEqualTo(Duration.ofMillis(500));
    assertThat(c.timeout()).isEqualTo(Duration.ofMillis(400));
    assertThat(c.format()).isEqualTo(SourceFormat.SPRING);
    assertThat(c.heartbeat()).isEqualTo(Duration.ofMinutes(2));
    assertThat(c.bodyLimit()).isEqualTo(65536);
    assertThat(c.podUid()).isEqualTo("uid-1");
  }

  @Test
  void customFormatFromVariables() {
    SidecarConfig c = SidecarConfig.fromEnv(pod("WH_FORMAT", "custom", "WH_CUSTOM_WORKERS", "/jobs",
        "WH_CUSTOM_NAME", "/id", "WH_CUSTOM_STATUS", "/state", "WH_CUSTOM_STATUS_MAP", "running=Healthy, STALLED=failed"));
    assertThat(c.customFormat().workers()).isEqualTo("/jobs");
    assertThat(c.customFormat().statusMap())
        .containsEntry("running", WorkerStatus.Healthy).containsEntry("stalled", WorkerStatus.Failed);
  }

  @Test
  void everyProblemIsReportedAtOnce() {
    Map<String, String> env = Map.of("WH_TARGET_URL", "ftp://x", "WH_INTERVAL", "soon", "WH_FORMAT", "xml",
        "WH_METRICS_PORT", "99999", "WH_BODY_LIMIT", "lots", "WH_CUSTOM_WORKERS", "/w",
        "WH_CUSTOM_STATUS_MAP", "ok=Fine");
    assertThatThrownBy(() -> SidecarConfig.fromEnv(env))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContainingAll("WH_TARGET_URL=ftp://x", "WH_INTERVAL=soon", "WH_FORMAT=xml", "WH_METRICS_PORT",
            "WH_BODY_LIMIT=lots", "POD_NAME is required", "POD_NAMESPACE is required", "WH_CUSTOM_STATUS is required",
            "'Fine' is not one of");
  }

  @Test
  void timeoutLongerThanIntervalIsRejected() {
    assertThatThrownBy(() -> SidecarConfig.fromEnv(pod("WH_INTERVAL", "1s", "WH_TIMEOUT", "5s")))
        .hasMessageContaining("must not exceed WH_INTERVAL");
  }

  @Test
  void customFormatNeedsItsPointers() {
    assertThatThrownBy(() -> SidecarConfig.fromEnv(pod("WH_FORMAT", "custom")))
        .hasMessageContaining("WH_FORMAT=custom needs WH_CUSTOM_WORKERS");
  }

  @Test
  void durationsAndSizes() {
    assertThat(Durations.parse("1h")).isEqualTo(Duration.ofHours(1));
    assertThat(Durations.format(Duration.ofSeconds(90))).isEqualTo("90s");
    assertThat(Durations.format(Duration.ofMinutes(2))).isEqualTo("2m");
    assertThat(ByteSizes.parse("1Mi")).isEqualTo(1048576);
    assertThat(ByteSizes.parse("2k")).isEqualTo(2000);
    assertThatThrownBy(() -> Durations.parse("5 parsecs")).hasMessageContaining("not a duration");
  }
}
