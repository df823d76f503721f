package io.workerhealth.sidecar.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.workerhealth.api.v1alpha1.SourceFormat;
import io.workerhealth.api.v1alpha1.WorkerHealthSpec;
import io.workerhealth.api.v1alpha1.WorkerStatus;
import io.workerhealth.sidecar.format.WorkerFilter;
import io.workerhealth.sidecar.scrape.EndpointCredentials;
import io.workerhealth.sidecar.scrape.RedirectPolicy;
import io.workerhealth.sidecar.scrape.ScrapeTarget;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SidecarConfigTest {

  @TempDir
  Path dir;

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
    assertThat(c.target().url()).hasToString("http://127.0.0.1:8080/healthz");
    assertThat(c.target().credentials()).isEqualTo(EndpointCredentials.NONE);
    assertThat(c.target().redirects()).isEqualTo(RedirectPolicy.SAME_HOST);
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

  @Test
  void theIntervalAndHeartbeatStayWithinTheBoundsOfTheWorkerHealthSpec() {
    // the API server refuses spec.intervalSeconds above the CRD's maximum: the sidecar must not start with one
    assertThatThrownBy(() -> SidecarConfig.fromEnv(pod("WH_INTERVAL", "2h", "WH_TIMEOUT", "2s")))
        .hasMessageContaining("WH_INTERVAL=2h: must be at most 1h")
        .hasMessageContaining("spec.intervalSeconds allows " + WorkerHealthSpec.MAX_INTERVAL_SECONDS);
    assertThat(SidecarConfig.fromEnv(pod("WH_INTERVAL", WorkerHealthSpec.MAX_INTERVAL_SECONDS + "s")).interval())
        .isEqualTo(Duration.ofSeconds(WorkerHealthSpec.MAX_INTERVAL_SECONDS));
    assertThatThrownBy(() -> SidecarConfig.fromEnv(pod("WH_HEARTBEAT", (WorkerHealthSpec.MAX_HEARTBEAT_SECONDS + 1)
        + "s"))).hasMessageContaining("spec.heartbeatSeconds allows " + WorkerHealthSpec.MAX_HEARTBEAT_SECONDS);
    assertThatThrownBy(() -> SidecarConfig.fromEnv(pod("WH_INTERVAL", "99999999999999999999h")))
        .hasMessageContaining("too long");
  }

  @Test
  void whatIsWrittenIntoTheSpecIsWithinItsBounds() {
    assertThat(SidecarConfig.specSeconds(Duration.ofMillis(500))).isEqualTo(WorkerHealthSpec.MIN_INTERVAL_SECONDS);
    assertThat(SidecarConfig.specSeconds(Duration.ofSeconds(WorkerHealthSpec.MAX_INTERVAL_SECONDS)))
        .isEqualTo(WorkerHealthSpec.MAX_INTERVAL_SECONDS);
  }

  @Test
  void credentialsInTheUrlAreKeptOutOfTheUrlAndOfEveryMessage() {
    SidecarConfig c = SidecarConfig.fromEnv(pod("WH_TARGET_URL", "http://admin:hunter2@app:8080/actuator/health"));
    assertThat(c.target().url()).hasToString("http://app:8080/actuator/health");
    assertThat(c.target().display()).isEqualTo("http://***@app:8080/actuator/health");
    assertThat(c.target().credentials()).isEqualTo(new EndpointCredentials.Basic("admin", null, "hunter2"));
    assertThat(c.target().credentials().describe()).doesNotContain("hunter2");
    assertThatThrownBy(() -> SidecarConfig.fromEnv(pod("WH_TARGET_URL", "ftp://admin:hunter2@app/health")))
        .hasMessageContaining("WH_TARGET_URL=ftp://***@app/health: must be an http or https URL")
        .hasMessageNotContaining("hunter2").hasMessageNotContaining("admin");
  }

  @Test
  void anUnderscoreInTheHostIsAHost() {
    assertThat(SidecarConfig.fromEnv(pod("WH_TARGET_URL", "http://my_app:8080/healthz")).target().url().host())
        .isEqualTo("my_app");
  }

  @Test
  void authenticationFromSecretFilesHeadersACaFileAndRedirects() throws Exception {
    Path password = Files.writeString(dir.resolve("password"), "pw\n");
    Path ca = Files.writeString(dir.resolve("ca.pem"), new okhttp3.tls.HeldCertificate.Builder()
        .certificateAuthority(0).build().certificatePem());
    SidecarConfig c = SidecarConfig.fromEnv(pod("WH_TARGET_URL", "https://app:8443/health",
        "WH_BASIC_AUTH_USERNAME", "reader", "WH_BASIC_AUTH_PASSWORD_FILE", password.toString(),
        "WH_HEADERS", "X-Tenant: blue\nX-Env: prod", "WH_CA_FILE", ca.toString(), "WH_REDIRECTS", "any"));
    ScrapeTarget t = c.target();
    assertThat(t.credentials().authorization()).isEqualTo(okhttp3.Credentials.basic("reader", "pw"));
    assertThat(t.headers().get("X-Tenant")).isEqualTo("blue");
    assertThat(t.headers().get("X-Env")).isEqualTo("prod");
    assertThat(t.caFile()).isEqualTo(ca);
    assertThat(t.redirects()).isEqualTo(RedirectPolicy.ANY);

    Path token = Files.writeString(dir.resolve("token"), "t0ken");
    assertThat(SidecarConfig.fromEnv(pod("WH_BEARER_TOKEN_FILE", token.toString())).target().credentials()
        .authorization()).isEqualTo("Bearer t0ken");
  }

  @Test
  void badAuthenticationSettingsAreNamedWithoutTheirSecrets() throws Exception {
    Path empty = Files.writeString(dir.resolve("empty"), "");
    assertThatThrownBy(() -> SidecarConfig.fromEnv(pod("WH_TARGET_URL", "http://u:secret-pw@app/health",
        "WH_BEARER_TOKEN_FILE", dir.resolve("missing").toString(),
        "WH_BASIC_AUTH_USERNAME", "reader",
        "WH_HEADERS", "X-Key: secret-key\u0001\nnot a header line with secret-value",
        "WH_CA_FILE", empty.toString(), "WH_REDIRECTS", "sometimes")))
        .hasMessageContainingAll("WH_BEARER_TOKEN_FILE=" + dir.resolve("missing") + ": no such file",
            "WH_BASIC_AUTH_USERNAME needs WH_BASIC_AUTH_PASSWORD_FILE",
            "WH_HEADERS line 1: the value of X-Key has a character a header cannot carry at position 11",
            "WH_HEADERS line 2: not 'Name: value'",
            "credentials are given more than once",
            "WH_CA_FILE needs an https WH_TARGET_URL", "WH_CA_FILE=" + empty + ": cannot read PEM certificates",
            "WH_REDIRECTS=sometimes: 'sometimes' is not one of none, same-host, any")
        .hasMessageNotContaining("secret");
  }

  @Test
  void everyTargetSettingIsDocumented() throws Exception {
    String docs = Files.readString(Path.of("../docs/sidecar.md"));
    for (TargetSetting setting : TargetSetting.values()) {
      assertThat(docs).contains("`" + setting.variable() + "`").contains(setting.option());
    }
  }
}
