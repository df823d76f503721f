package io.workerhealth.sidecar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.workerhealth.api.v1alpha1.HealthPhase;
import io.workerhealth.api.v1alpha1.WorkerHealth;
import io.workerhealth.sidecar.report.FaultyApiServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sidecar as a real process: configured by environment variables, stopped by SIGTERM. */
@EnableKubernetesMockClient(crud = true)
class SidecarProcessIT {

  KubernetesClient client;
  TestHealthEndpoint app;
  FaultyApiServer api;
  Process sidecar;
  @TempDir
  Path dir;

  @AfterEach
  void stop() {
    if (sidecar != null) {
      sidecar.destroyForcibly();
    }
    if (app != null) {
      app.close();
    }
    if (api != null) {
      api.close();
    }
  }

  Process start(Map<String, String> env) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xlog:class+load=info:file=" + dir.resolve("classes.log"),
        "-cp", System.getProperty("java.class.path"), SidecarMain.class.getName(), "run")
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve("sidecar.log").toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("WH_") || k.startsWith("POD_") || k.startsWith("KUBERNETES"));
    pb.environment().putAll(env);
    return pb.start();
  }

  @Test
  void reportsThenStopsCleanlyOnSigterm() throws Exception {
    app = new TestHealthEndpoint().answer(200, "application/json",
        "{\"status\":\"healthy\",\"workers\":{\"http-server\":{\"status\":\"healthy\"}}}");
    client.pods().inNamespace("shop").resource(new PodBuilder().withNewMetadata().withName("p-0")
        .withNamespace("shop").endMetadata().build()).create();
    sidecar = start(Map.ofEntries(
        Map.entry("KUBERNETES_MASTER", client.getConfiguration().getMasterUrl()),
        Map.entry("KUBERNETES_TRUST_CERTIFICATES", "true"),
        Map.entry("KUBERNETES_AUTH_TRYKUBECONFIG", "false"),
        Map.entry("KUBERNETES_AUTH_TRYSERVICEACCOUNT", "false"),
        Map.entry("WH_TARGET_URL", app.url("/healthz")),
        Map.entry("WH_INTERVAL", "200ms"), Map.entry("WH_TIMEOUT", "200ms"), Map.entry("WH_METRICS_PORT", "0"),
        Map.entry("WH_LABELS_FILE", dir.resolve("labels").toString()),
        Map.entry("POD_NAME", "p-0"), Map.entry("POD_NAMESPACE", "shop")));
    await().atMost(30, TimeUnit.SECONDS).until(() -> {
      WorkerHealth wh = client.resources(WorkerHealth.class).inNamespace("shop").withName("p-0").get();
      return wh != null && wh.getStatus() != null && wh.getStatus().getPhase() == HealthPhase.Healthy;
    });

    sidecar.destroy(); // SIGTERM
    assertThat(sidecar.waitFor(15, TimeUnit.SECONDS)).as("exits after SIGTERM").isTrue();
    List<String> log = Files.readAllLines(dir.resolve("sidecar.log"));
    assertThat(log).anySatisfy(l -> assertThat(l).contains("\"message\":\"stopping: sending the latest state once more\""));
    assertThat(log).allSatisfy(l -> assertThat(l).startsWith("{")); // JSON lines only
    // `run` takes no options: the command-line parser stays out of the long-running process
    assertThat(Files.readString(dir.resolve("classes.log"))).contains("io.workerhealth.sidecar.RunCommand")
        .doesNotContain("picocli.CommandLine$"); // the parser, its model and its converters are nested classes
  }

  @Test
  void sigtermDuringAnApiOutageStopsWithinFiveSeconds() throws Exception {
    app = new TestHealthEndpoint().answer(200, "application/json",
        "{\"status\":\"healthy\",\"workers\":{\"http-server\":{\"status\":\"healthy\"}}}");
    api = new FaultyApiServer().withPod("shop", "p-0");
    sidecar = start(Map.ofEntries(
        Map.entry("KUBERNETES_MASTER", api.url()),
        Map.entry("KUBERNETES_AUTH_TRYKUBECONFIG", "false"),
        Map.entry("KUBERNETES_AUTH_TRYSERVICEACCOUNT", "false"),
        Map.entry("WH_TARGET_URL", app.url("/healthz")),
        Map.entry("WH_INTERVAL", "200ms"), Map.entry("WH_TIMEOUT", "200ms"), Map.entry("WH_METRICS_PORT", "0"),
        Map.entry("WH_LABELS_FILE", dir.resolve("labels").toString()),
        Map.entry("POD_NAME", "p-0"), Map.entry("POD_NAMESPACE", "shop"), Map.entry("POD_UID", "p-0-uid")));
    await().atMost(30, TimeUnit.SECONDS).until(() -> {
      WorkerHealth wh = api.direct().resources(WorkerHealth.class).inNamespace("shop").withName("p-0").get();
      return wh != null && wh.getStatus() != null && wh.getStatus().getPhase() == HealthPhase.Healthy;
    });
    // the API server stops answering while a change is being written
    api.inject(c -> new FaultyApiServer.Delay(Duration.ofHours(1)));
    int before = api.received().size();
    app.answer(503, "application/json",
        "{\"status\":\"failed\",\"workers\":{\"http-server\":{\"status\":\"failed\"}}}");
    await().atMost(10, TimeUnit.SECONDS).until(() -> api.received().size() > before);

    sidecar.destroy(); // SIGTERM
    assertThat(sidecar.waitFor(5, TimeUnit.SECONDS)).as("exits within 5 s of SIGTERM, as documented").isTrue();
    assertThat(Files.readString(dir.resolve("sidecar.log"))).contains("stopping: sending the latest state once more");
  }

  @Test
  void aBadConfigurationStopsAtStartWithEveryProblem() throws Exception {
    sidecar = start(Map.of("WH_INTERVAL", "often", "WH_FORMAT", "yaml"));
    assertThat(sidecar.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(sidecar.exitValue()).as("a usage error, not a scrape result").isEqualTo(SidecarMain.USAGE);
    String log = Files.readString(dir.resolve("sidecar.log"));
    assertThat(log).contains("WH_INTERVAL=often").contains("WH_FORMAT=yaml").contains("POD_NAME is required");
  }

}
