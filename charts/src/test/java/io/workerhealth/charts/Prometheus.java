package io.workerhealth.charts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** A real Prometheus server (the binary on the PATH, e.g. Debian's package) on a free loopback port. */
final class Prometheus implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();
  private final Process process;
  private final URI base;
  private final Path log;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private Prometheus(Process process, URI base, Path log) {
    this.process = process;
    this.base = base;
    this.log = log;
  }

  /** A program on the PATH, if there is one. */
  static Optional<Path> onPath(String program) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path candidate = Path.of(dir, program);
      if (!dir.isEmpty() && Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /** Starts {@code binary} with this configuration (a prometheus.yml), storing into {@code dir}; waits until ready. */
  static Prometheus start(Path binary, Path config, Path dir) throws IOException, InterruptedException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path log = dir.resolve("prometheus.log");
    Process p = new ProcessBuilder(binary.toString(), "--config.file=" + config,
        "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + port,
        "--log.level=warn")
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    Prometheus prometheus = new Prometheus(p, URI.create("http://127.0.0.1:" + port), log);
    Instant deadline = Instant.now().plusSeconds(30);
    while (true) {
      if (!p.isAlive()) {
        throw new IllegalStateException("prometheus exited with " + p.exitValue() + ": " + prometheus.log());
      }
      try {
        if (prometheus.http.send(HttpRequest.newBuilder(prometheus.base.resolve("/-/ready")).build(),
            HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return prometheus;
        }
      } catch (IOException notYet) {
        // still starting
      }
      if (Instant.now().isAfter(deadline)) {
        prometheus.close();
        throw new IllegalStateException("prometheus not ready in 30s: " + prometheus.log());
      }
      Thread.sleep(100);
    }
  }

  String log() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  /** GET on the HTTP API; the parsed body, whatever its status (Prometheus reports errors in it). */
  JsonNode api(String pathAndQuery) throws IOException, InterruptedException {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve(pathAndQuery))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    return JSON.readTree(r.body());
  }

  /** An instant query through /api/v1/query: the whole answer ({@code status}, {@code data} or {@code error}). */
  JsonNode query(String promql) throws IOException, InterruptedException {
    return api("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
  }

  /**
   * The finite sample values of a successful query's result (instant vector or scalar); empty when there is no
   * data or only NaN/Inf.
   */
  static List<Double> finiteValues(JsonNode answer) {
    List<Double> values = new ArrayList<>();
    JsonNode result = answer.path("data").path("result");
    switch (answer.path("data").path("resultType").asText()) {
      case "vector" -> result.forEach(s -> add(values, s.path("value").path(1).asText()));
      case "scalar" -> add(values, result.path(1).asText());
      case "matrix" -> result.forEach(s -> s.path("values").forEach(v -> add(values, v.path(1).asText())));
      default -> { }
    }
    return values;
  }

  private static void add(List<Double> values, String text) {
    try {
      double v = Double.parseDouble(text);
      if (Double.isFinite(v)) {
        values.add(v);
      }
    } catch (NumberFormatException ignored) {
      // "NaN", "+Inf": no data worth showing
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
