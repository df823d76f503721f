package io.workerhealth.sidecar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.workerhealth.api.v1alpha1.HealthPhase;
import io.workerhealth.api.v1alpha1.WorkerHealth;
import io.workerhealth.api.v1alpha1.WorkerStatus;
import io.workerhealth.sidecar.config.ByteSizes;
import io.workerhealth.sidecar.config.SidecarConfig;
import io.workerhealth.sidecar.format.AdversarialBodies;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sidecar as the image runs it (the {@code JAVA_TOOL_OPTIONS} of sidecar/Dockerfile: {@code -Xmx16m}, serial GC,
 * {@code -XX:+ExitOnOutOfMemoryError}) survives every hostile body at the default body limit, and keeps reporting.
 * The heap figures of the run (from the JVM's GC log) are written to target/sidecar-memory.txt. Runs against the
 * runnable jar, in the package phase (the pom's {@code image-memory} execution).
 */
@Tag("image-memory")
@EnableKubernetesMockClient(crud = true)
class SidecarMemoryIT {

  static final int DEFAULT_BODY_LIMIT = (int) ByteSizes.parse(SidecarConfig.DEFAULT_BODY_LIMIT);
  static final String HEALTHY = "{\"status\":\"healthy\",\"workers\":{\"http-server\":{\"status\":\"healthy\"}}}";
  static final String FAILED = "{\"status\":\"failed\",\"workers\":{\"http-server\":{\"status\":\"healthy\"},"
      + "\"deliverymq-consumer\":{\"status\":\"failed\"}}}";
  private static final Pattern GC = Pattern.compile(
      "Pause (Young|Full).*? (\\d+)([KMG])->(\\d+)([KMG])\\((\\d+)([KMG])\\)");

  KubernetesClient client;
  TestHealthEndpoint app;
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
  }

  /** The image's JVM flags, read from the Dockerfile so that this test follows them. */
  static String imageJvmFlags() throws Exception {
    Matcher m = Pattern.compile("ENV JAVA_TOOL_OPTIONS=\"([^\"]+)\"").matcher(Files.readString(Path.of("Dockerfile")));
    assertThat(m.find()).as("JAVA_TOOL_OPTIONS in sidecar/Dockerfile").isTrue();
    return m.group(1);
  }

  @Test
  void everyHostileBodyAtTheLimitIsSurvivedUnderTheImagesFlags() throws Exception {
    String flags = imageJvmFlags();
    assertThat(flags).as("an OutOfMemoryError ends the JVM, so surviving means it never happened")
        .contains("-XX:+ExitOnOutOfMemoryError");
    List<AdversarialBodies.Body> bodies = AdversarialBodies.all(DEFAULT_BODY_LIMIT);
    AtomicReference<String> phase = new AtomicReference<>("warm-up");
    AtomicInteger hostileServed = new AtomicInteger();
    app = new TestHealthEndpoint().answer(ex -> {
      switch (phase.get()) {
        case "warm-up" -> TestHealthEndpoint.respond(ex, 200, "application/json", HEALTHY);
        case "hostile" -> {
          AdversarialBodies.Body b = bodies.get(Math.floorMod(hostileServed.getAndIncrement(), bodies.size()));
          ex.getResponseHeaders().set("Content-Type", b.contentType());
          ex.sendResponseHeaders(b.httpStatus(), b.bytes().length);
          try (OutputStream out = ex.getResponseBody()) {
            out.write(b.bytes());
          }
        }
        default -> TestHealthEndpoint.respond(ex, 503, "application/json", FAILED);
      }
    });
    client.pods().inNamespace("shop").resource(new PodBuilder().withNewMetadata().withName("p-0")
        .withNamespace("shop").endMetadata().build()).create();
    int metricsPort;
    try (ServerSocket s = new ServerSocket(0)) {
      metricsPort = s.getLocalPort();
    }
    Path gcLog = dir.resolve("gc.log");
    // the runnable jar, as in the image: the test class path would hold far more (and larger) jars in the heap
    String jar = System.getProperty("sidecar.jar");
    assertThat(jar).as("system property sidecar.jar (set by the pom's image-memory execution)").isNotNull();
    assertThat(Path.of(jar)).exists();
    ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xlog:gc:file=" + gcLog, "-jar", jar, "run")
        .redirectErrorStream(true).redirectOutput(dir.resolve("sidecar.log").toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("WH_") || k.startsWith("POD_") || k.startsWith("KUBERNETES")
        || k.startsWith("JAVA_TOOL") || k.startsWith("_JAVA") || k.equals("JDK_JAVA_OPTIONS"));
    pb.environment().putAll(Map.ofEntries(
        Map.entry("JAVA_TOOL_OPTIONS", flags), Map.entry("MALLOC_ARENA_MAX", "2"),
        Map.entry("KUBERNETES_MASTER", client.getConfiguration().getMasterUrl()),
        Map.entry("KUBERNETES_TRUST_CERTIFICATES", "true"),
        Map.entry("KUBERNETES_AUTH_TRYKUBECONFIG", "false"),
        Map.entry("KUBERNETES_AUTH_TRYSERVICEACCOUNT", "false"),
        Map.entry("WH_TARGET_URL", app.url("/healthz")),
        Map.entry("WH_INTERVAL", "500ms"), Map.entry("WH_TIMEOUT", "500ms"),
        Map.entry("WH_METRICS_PORT", String.valueOf(metricsPort)), Map.entry("WH_LOG_LEVEL", "WARN"),
        Map.entry("WH_LABELS_FILE", dir.resolve("labels").toString()),
        Map.entry("POD_NAME", "p-0"), Map.entry("POD_NAMESPACE", "shop")));
    sidecar = pb.start();

    await().atMost(60, TimeUnit.SECONDS).until(() -> phase("p-0") == HealthPhase.Healthy);
    List<long[]> warm = gcs(gcLog);

    phase.set("hostile");
    int rounds = 2;
    await().atMost(120, TimeUnit.SECONDS).pollInterval(200, TimeUnit.MILLISECONDS)
        .until(() -> !sidecar.isAlive() || hostileServed.get() >= rounds * bodies.size());
    int served = hostileServed.get();
    assertThat(sidecar.isAlive()).as("the sidecar is alive after every hostile body; the last served was %s (log: %s"
        + "; GC log: %s)", bodies.get(Math.floorMod(served - 1, bodies.size())).name(),
        tail(dir.resolve("sidecar.log")), tail(gcLog)).isTrue();

    // still reporting: a failed worker shows up
    phase.set("after");
    await().atMost(30, TimeUnit.SECONDS).until(() -> {
      WorkerHealth wh = client.resources(WorkerHealth.class).inNamespace("shop").withName("p-0").get();
      return wh != null && wh.getStatus().getPhase() == HealthPhase.Failed
          && wh.getStatus().worker("deliverymq-consumer").map(w -> w.getStatus() == WorkerStatus.Failed).orElse(false);
    });
    String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + metricsPort + "/metrics")).build(), HttpResponse.BodyHandlers.ofString())
        .body();
    assertThat(metrics).as("no body at the limit is refused as too large")
        .doesNotContain("reason=\"BodyTooLarge\"");
    assertThat(Files.readString(dir.resolve("sidecar.log"))).doesNotContain("java.lang.OutOfMemoryError");
    assertThat(sidecar.isAlive()).isTrue();

    List<long[]> all = gcs(gcLog);
    List<long[]> hostile = all.subList(warm.size(), all.size());
    List<long[]> full = hostile.stream().filter(g -> g[0] == 1).toList();
    String figures = String.format(
        "JAVA_TOOL_OPTIONS=%s%nbodies: %d kinds x %d rounds, %d bytes each (served %d)%n"
            + "before the hostile bodies: %d GCs, live heap after the last full GC %d KiB%n"
            + "during the hostile bodies: %d GCs, %d of them full; live heap after a full GC at most %d KiB, "
            + "at least %d KiB; heap committed at most %d KiB%n",
        flags, bodies.size(), rounds, DEFAULT_BODY_LIMIT, hostileServed.get(), warm.size(),
        warm.stream().filter(g -> g[0] == 1).mapToLong(g -> g[2]).reduce((a, b) -> b).orElse(0),
        hostile.size(), full.size(), maxOf(full, 2), full.stream().mapToLong(g -> g[2]).min().orElse(0),
        maxOf(hostile, 3));
    Files.writeString(Path.of("target", "sidecar-memory.txt"), figures);
    System.out.print(figures);
    assertThat(hostile).as("the hostile bodies were parsed, which allocates").isNotEmpty();
  }

  private HealthPhase phase(String pod) {
    WorkerHealth wh = client.resources(WorkerHealth.class).inNamespace("shop").withName(pod).get();
    return wh == null || wh.getStatus() == null ? null : wh.getStatus().getPhase();
  }

  /** Each GC of the log as {full?1:0, before KiB, after KiB, committed KiB}. */
  static List<long[]> gcs(Path log) throws Exception {
    List<long[]> out = new ArrayList<>();
    if (!Files.exists(log)) {
      return out;
    }
    for (String line : Files.readAllLines(log)) {
      Matcher m = GC.matcher(line);
      if (m.find()) {
        out.add(new long[] {m.group(1).equals("Full") ? 1 : 0, kib(m.group(2), m.group(3)), kib(m.group(4), m.group(5)),
            kib(m.group(6), m.group(7))});
      }
    }
    return out;
  }

  private static long kib(String n, String unit) {
    long v = Long.parseLong(n);
    return switch (unit) {
      case "K" -> v;
      case "M" -> v * 1024;
      default -> v * 1024 * 1024;
    };
  }

  private static long maxOf(List<long[]> gcs, int index) {
    return gcs.stream().mapToLong(g -> g[index]).max().orElse(0);
  }

  private static String tail(Path log) throws Exception {
    if (!Files.exists(log)) {
      return "";
    }
    List<String> lines = Files.readAllLines(log);
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
  }
}
