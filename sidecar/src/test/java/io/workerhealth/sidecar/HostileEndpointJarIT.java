package io.workerhealth.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.workerhealth.sidecar.config.ByteSizes;
import io.workerhealth.sidecar.config.SidecarConfig;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The runnable jar, under the container image's JVM flags ({@code JAVA_TOOL_OPTIONS} of sidecar/Dockerfile: a 16 MiB
 * heap that exits on OutOfMemoryError), against a health endpoint that misbehaves on purpose. The {@code scrape}
 * command drives it: each case asserts the exit code, the reason, the wall time (bounded by the body cap, or by the
 * timeout, as the case says) and that the JVM survived. Runs against the runnable jar, in the package phase (the pom's
 * {@code image-memory} execution).
 */
@Tag("image-memory")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostileEndpointJarIT {

  static final int MIB = 1024 * 1024;
  /** The default body limit, sized with the image's heap. */
  static final int LIMIT = (int) ByteSizes.parse(SidecarConfig.DEFAULT_BODY_LIMIT);
  /** What starting a JVM and scraping may take on a busy machine, on top of what the case itself allows. */
  static final Duration SLACK = Duration.ofSeconds(12);
  /** A timeout long enough that a case finishing well before it was stopped by something else (the body cap). */
  static final String LONG_TIMEOUT = "60s";

  static final String OUTPOST_HEALTHY = "{\"status\":\"healthy\",\"workers\":{\"http-server\":{\"status\":\"healthy\"}}}";

  HostileEndpoint app;
  String jvmFlags;
  Path jar;

  @BeforeAll
  void start() throws IOException {
    jar = Path.of(System.getProperty("sidecar.jar", "target/worker-health-sidecar.jar")); // set by the pom
    assertThat(jar).as("the runnable jar (built by package)").isRegularFile();
    Matcher flags = Pattern.compile("ENV JAVA_TOOL_OPTIONS=\"([^\"]*)\"")
        .matcher(Files.readString(Path.of(System.getProperty("sidecar.dockerfile", "Dockerfile"))));
    assertThat(flags.find()).as("JAVA_TOOL_OPTIONS in the Dockerfile").isTrue();
    jvmFlags = flags.group(1);
    assertThat(jvmFlags).contains("-Xmx16m").contains("-XX:+ExitOnOutOfMemoryError");

    byte[] bomb = HostileEndpoint.gzippedZeros(256L * MIB);
    app = new HostileEndpoint()
        .on("/healthy", HostileEndpoint.json(200, OUTPOST_HEALTHY))
        .on("/over-limit-declared", (socket, out) -> out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json"
            + "\r\nContent-Length: " + (2 * MIB) + "\r\n\r\n{\"status\":").getBytes(StandardCharsets.ISO_8859_1)))
        .on("/over-limit-chunked", (socket, out) -> {
          HostileEndpoint.chunkedHead(out, "");
          byte[] spaces = " ".repeat(64 * 1024).getBytes(StandardCharsets.ISO_8859_1);
          for (int i = 0; i < 64; i++) { // 4 MiB
            HostileEndpoint.chunk(out, spaces, spaces.length);
          }
          out.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        })
        .on("/endless-chunked", (socket, out) -> {
          HostileEndpoint.chunkedHead(out, "");
          byte[] data = "[1,".repeat(20_000).getBytes(StandardCharsets.ISO_8859_1);
          while (app.open()) {
            HostileEndpoint.chunk(out, data, data.length);
          }
        })
        .on("/gzip-bomb", (socket, out) -> {
          out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\nContent-Length: "
              + bomb.length + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
          out.write(bomb);
        })
        .on("/slowloris-body", (socket, out) -> {
          out.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
              .getBytes(StandardCharsets.ISO_8859_1));
          trickle(out, "{\"status\":\"healthy\",\"workers\":{" + " ".repeat(100_000));
        })
        .on("/slowloris-head", (socket, out) -> trickle(out, "HTTP/1.1 200 OK\r\nX-Slow: " + "a".repeat(100_000)))
        .on("/silent", (socket, out) -> app.holdOpen())
        .on("/reset", (socket, out) -> socket.setSoLinger(true, 0))
        .on("/closed", (socket, out) -> { })
        .on("/redirect-loop", (socket, out) -> redirect(out, "/redirect-loop"))
        .on("/cross-host", (socket, out) -> redirect(out, "http://127.0.0.2:" + socket.getLocalPort() + "/healthy"))
        .on("/huge-headers", (socket, out) -> {
          out.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n".getBytes(StandardCharsets.ISO_8859_1));
          String header = "X-Padding: " + "p".repeat(1000) + "\r\n";
          for (int i = 0; i < 1024; i++) { // 1 MiB of headers
            out.write(header.getBytes(StandardCharsets.ISO_8859_1));
          }
          out.write(("Content-Length: " + OUTPOST_HEALTHY.length() + "\r\n\r\n" + OUTPOST_HEALTHY)
              .getBytes(StandardCharsets.ISO_8859_1));
        })
        .on("/endless-header", (socket, out) -> {
          out.write("HTTP/1.1 200 OK\r\nX-Endless: ".getBytes(StandardCharsets.ISO_8859_1));
          byte[] data = "e".repeat(64 * 1024).getBytes(StandardCharsets.ISO_8859_1);
          while (app.open()) {
            out.write(data);
          }
        })
        .on("/not-http", (socket, out) -> out.write("SSH-2.0-OpenSSH_9.6\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1)))
        // bodies the parser must survive under the image's heap
        .on("/at-the-limit", HostileEndpoint.json(200, atTheLimit()))
        .on("/32000-workers", HostileEndpoint.json(200, manyWorkers(32_000)))
        .on("/8000-workers", HostileEndpoint.json(200, manyWorkers(8_000)))
        .on("/empty-objects", HostileEndpoint.json(200, ("[" + "{},".repeat(LIMIT / 3 - 1) + "{}]")
            .getBytes(StandardCharsets.UTF_8)))
        .on("/deep-nesting", HostileEndpoint.json(200, "[".repeat(LIMIT - 1)))
        .on("/spring-deep-down", HostileEndpoint.json(503, springNested(20)))
        .on("/duplicate-keys", HostileEndpoint.json(503, "{\"status\":\"failed\",\"workers\":{"
            + "\"consumer\":{\"status\":\"failed\"},\"consumer\":{\"status\":\"healthy\"}}}"))
        .on("/names-apart-by-spaces", HostileEndpoint.json(503, "{\"status\":\"failed\",\"workers\":{"
            + "\" mailer \":{\"status\":\"healthy\"},\"mailer\":{\"status\":\"failed\"}}}"));
  }

  @AfterAll
  void stop() throws IOException {
    app.close();
  }

  /** One scrape by the jar as the image runs it. */
  record Run(int exit, JsonNode json, String stdout, String stderr, Duration wall) {
    String reason() {
      return json == null ? null : json.path("error").path("reason").asText(null);
    }

    String message() {
      return json == null ? null : json.path("error").path("message").asText(null);
    }

    void survived() {
      assertThat(exit).as("exit code 3 is the JVM's OutOfMemoryError exit; stderr: %s", stderr).isNotEqualTo(3);
      assertThat(stdout + stderr).doesNotContain("java.lang.OutOfMemoryError").doesNotContain("java.lang.StackOverflowError");
    }
  }

  Run scrape(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-jar", jar.toString(), "scrape"));
    command.addAll(List.of(args));
    Path out = Files.createTempFile("scrape", ".out");
    Path err = Files.createTempFile("scrape", ".err");
    ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
    pb.environment().put("JAVA_TOOL_OPTIONS", jvmFlags);
    pb.environment().put("MALLOC_ARENA_MAX", "2");
    long start = System.nanoTime();
    Process p = pb.start();
    boolean done = p.waitFor(3, TimeUnit.MINUTES);
    Duration wall = Duration.ofNanos(System.nanoTime() - start);
    if (!done) {
      p.destroyForcibly();
    }
    assertThat(done).as("the scrape ended").isTrue();
    String stdout = Files.readString(out);
    String stderr = Files.readString(err);
    Files.delete(out);
    Files.delete(err);
    JsonNode json = stdout.strip().startsWith("{") ? new ObjectMapper().readTree(stdout) : null;
    return new Run(p.exitValue(), json, stdout, stderr, wall);
  }

  Run scrapeCase(String path, String timeout) throws Exception {
    return scrape("--url", app.url(path), "--timeout", timeout);
  }

  // ---- transport: the HTTP client, the body cap, the deadline ------------------------------------------------------

  @Test
  void aHealthyEndpointExitsZero() throws Exception {
    Run run = scrapeCase("/healthy", "10s");
    run.survived();
    assertThat(run.exit()).as(run.stderr()).isZero();
    assertThat(run.json().path("phase").asText()).isEqualTo("Healthy");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"/over-limit-declared", "/over-limit-chunked", "/endless-chunked", "/gzip-bomb"})
  void aBodyOverTheLimitIsRefusedAtTheLimitNotAtTheTimeout(String path) throws Exception {
    Run run = scrapeCase(path, LONG_TIMEOUT);
    run.survived();
    assertThat(run.exit()).as(run.stdout() + run.stderr()).isEqualTo(2);
    assertThat(run.reason()).isEqualTo("BodyTooLarge");
    assertThat(run.wall()).as("stopped by the cap, long before the timeout").isLessThan(SLACK);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"/slowloris-body", "/slowloris-head", "/silent"})
  void aSlowOrSilentEndpointEndsAtTheTimeout(String path) throws Exception {
    Run run = scrapeCase(path, "2s");
    run.survived();
    assertThat(run.exit()).as(run.stdout() + run.stderr()).isEqualTo(2);
    assertThat(run.reason()).isEqualTo("Timeout");
    assertThat(run.wall()).isGreaterThanOrEqualTo(Duration.ofSeconds(2)).isLessThan(Duration.ofSeconds(2).plus(SLACK));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"/reset", "/closed"})
  void aConnectionResetOrClosedWithoutAnAnswerIsConnectionRefused(String path) throws Exception {
    Run run = scrapeCase(path, LONG_TIMEOUT);
    run.survived();
    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.reason()).as(run.message()).isEqualTo("ConnectionRefused");
    assertThat(run.wall()).isLessThan(SLACK);
  }

  @Test
  void aRedirectLoopEndsAfterFiveRedirects() throws Exception {
    Run run = scrapeCase("/redirect-loop", LONG_TIMEOUT);
    run.survived();
    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.reason()).isEqualTo("NetworkError");
    assertThat(run.message()).startsWith("more than 5 redirects");
    assertThat(run.wall()).isLessThan(SLACK);
  }

  @Test
  void aRedirectToAnotherHostIsNotFollowed() throws Exception {
    Run run = scrapeCase("/cross-host", LONG_TIMEOUT);
    run.survived();
    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.reason()).isEqualTo("HttpError");
    assertThat(run.message()).contains("127.0.0.2").contains("not followed");
    assertThat(run.wall()).isLessThan(SLACK);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"/huge-headers", "/endless-header", "/not-http"})
  void headersTooLargeOrNotHttpAreANetworkError(String path) throws Exception {
    Run run = scrapeCase(path, LONG_TIMEOUT);
    run.survived();
    assertThat(run.exit()).as(run.stdout() + run.stderr()).isEqualTo(2);
    assertThat(run.reason()).as(run.message()).isEqualTo("NetworkError");
    assertThat(run.wall()).isLessThan(SLACK);
  }

  // ---- the command line --------------------------------------------------------------------------------------------

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"--timeout 0s", "--timeout -5s", "--body-limit -1", "--url ftp://example.com/healthz",
      "--format yaml"})
  void badArgumentsExitWithTheUsageCodeAndOneLine(String args) throws Exception {
    List<String> argv = new ArrayList<>();
    if (!args.startsWith("--url")) {
      argv.addAll(List.of("--url", app.url("/healthy")));
    }
    argv.addAll(List.of(args.split(" ")));
    Run run = scrape(argv.toArray(String[]::new));
    assertThat(run.exit()).as(run.stderr()).isEqualTo(SidecarMain.USAGE);
    List<String> lines = run.stderr().lines().filter(l -> !l.startsWith("Picked up JAVA_TOOL_OPTIONS")).toList();
    assertThat(lines).singleElement().asString().startsWith("worker-health-sidecar scrape: ")
        .doesNotContain("Exception");
    assertThat(run.stdout()).isEmpty();
  }

  // ---- bodies within the limit that the parser must survive with the image's heap, and read right ------------------

  @Nested
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  class BodiesTheParserMustSurvive {

    @Test
    void anOutpostBodyOfExactlyTheDefaultLimitIsRead() throws Exception {
      Run run = scrapeCase("/at-the-limit", "10s");
      run.survived();
      assertThat(run.exit()).as(run.stdout() + run.stderr()).isZero();
    }

    @Test
    void anOrdinaryBodyOf32000WorkersIsOverTheDefaultLimitAndSurvived() throws Exception {
      Run run = scrapeCase("/32000-workers", "10s");
      run.survived();
      assertThat(run.exit()).as(run.stdout() + run.stderr()).isEqualTo(2);
      assertThat(run.reason()).isEqualTo("BodyTooLarge");
    }

    @Test
    void asManyWorkersAsFitTheLimitAreReadAsTheFirst256AndACount() throws Exception {
      Run run = scrapeCase("/8000-workers", "10s");
      run.survived();
      assertThat(run.exit()).as(run.stdout() + run.stderr()).isZero();
      assertThat(run.json().path("workers").size()).isEqualTo(256);
      assertThat(run.json().path("droppedWorkers").asInt()).isEqualTo(8_000 - 256);
    }

    @Test
    void aLimitFullOfEmptyObjectsIsRefusedWithoutRunningOutOfMemory() throws Exception {
      Run run = scrapeCase("/empty-objects", "10s");
      run.survived();
      assertThat(run.exit()).as(run.stdout() + run.stderr()).isEqualTo(2);
    }

    @Test
    void nestingTooDeepIsAParseErrorNotAnUnknownFormat() throws Exception {
      Run run = scrapeCase("/deep-nesting", "10s");
      run.survived();
      assertThat(run.exit()).as(run.stdout() + run.stderr()).isEqualTo(2);
      assertThat(run.reason()).as(run.message()).isEqualTo("ParseError");
    }

    @Test
    void aSpringAppThatIsDownBelowTheNestingLimitIsNotHealthy() throws Exception {
      Run run = scrapeCase("/spring-deep-down", "10s");
      run.survived();
      assertThat(run.exit()).as(run.stdout()).isNotZero();
      if (run.json() != null) {
        assertThat(run.json().path("phase").asText()).isNotEqualTo("Healthy");
      }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"/duplicate-keys", "/names-apart-by-spaces"})
    void aFailedWorkerIsNotHiddenBehindAHealthyOneOfTheSameName(String path) throws Exception {
      Run run = scrapeCase(path, "10s");
      run.survived();
      assertThat(run.exit()).as(run.stdout()).isNotZero();
      assertThat(run.json().path("phase").asText()).isNotEqualTo("Healthy");
    }
  }

  // ---- bodies --------------------------------------------------------------------------------------------------------

  /** An Outpost body of exactly the default limit: one worker whose message fills it. */
  static byte[] atTheLimit() {
    String head = "{\"status\":\"healthy\",\"workers\":{\"http-server\":{\"status\":\"healthy\",\"message\":\"";
    String tail = "\"}}}";
    return (head + "m".repeat(LIMIT - head.length() - tail.length()) + tail).getBytes(StandardCharsets.UTF_8);
  }

  /** An ordinary Outpost body listing {@code n} healthy workers (32,000 of them: some 970 KB). */
  static byte[] manyWorkers(int n) {
    StringBuilder body = new StringBuilder("{\"status\":\"healthy\",\"workers\":{");
    for (int i = 0; i < n; i++) {
      body.append(i == 0 ? "" : ",").append("\"c").append(i).append("\":{\"status\":\"healthy\"}");
    }
    return body.append("}}").toString().getBytes(StandardCharsets.UTF_8);
  }

  /** Spring Actuator, DOWN (503), whose only DOWN component is {@code depth} levels down. */
  static String springNested(int depth) {
    String inner = "{\"status\":\"DOWN\"}";
    for (int i = 0; i < depth; i++) {
      inner = "{\"status\":\"DOWN\",\"components\":{\"level" + i + "\":" + inner + ",\"ok" + i
          + "\":{\"status\":\"UP\"}}}";
    }
    return inner;
  }

  static void trickle(OutputStream out, String text) throws IOException, InterruptedException {
    for (byte b : text.getBytes(StandardCharsets.ISO_8859_1)) {
      out.write(b);
      out.flush();
      TimeUnit.MILLISECONDS.sleep(100); // the misbehaviour itself: one byte every 100 ms
    }
  }

  static void redirect(OutputStream out, String location) throws IOException {
    out.write(("HTTP/1.1 302 Found\r\nLocation: " + location + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        .getBytes(StandardCharsets.ISO_8859_1));
  }
}
