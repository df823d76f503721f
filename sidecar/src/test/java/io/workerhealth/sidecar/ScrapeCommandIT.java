package io.workerhealth.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

/** The one-shot {@code scrape} command against a loopback endpoint: its JSON and exit codes. */
class ScrapeCommandIT {

  TestHealthEndpoint app;
  StringWriter out = new StringWriter();
  StringWriter err = new StringWriter();

  @BeforeEach
  void start() throws Exception {
    app = new TestHealthEndpoint();
  }

  @AfterEach
  void stop() {
    app.close();
  }

  /** A scrape with room for a cold JVM on a busy machine: the first one loads the whole HTTP stack. */
  int scrape(String... args) {
    String[] all = new String[args.length + 3];
    all[0] = "scrape";
    all[1] = "--timeout";
    all[2] = "10s";
    System.arraycopy(args, 0, all, 3, args.length);
    return run(all);
  }

  int run(String... args) {
    CommandLine cli = SidecarMain.commandLine();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    return cli.execute(args);
  }

  JsonNode json() throws Exception {
    return new ObjectMapper().readTree(out.toString());
  }

  @Test
  void allHealthyExitsZero() throws Exception {
    app.answer(200, "application/json", "{\"status\":\"healthy\",\"workers\":{\"a\":{\"status\":\"healthy\"}}}");
    assertThat(scrape("--url", app.url("/healthz"))).isZero();
    JsonNode j = json();
    assertThat(j.path("phase").asText()).isEqualTo("Healthy");
    assertThat(j.path("format").asText()).isEqualTo("outpost");
    assertThat(j.path("httpStatus").asInt()).isEqualTo(200);
    assertThat(j.has("error")).isFalse();
    assertThat(j.path("workers").get(0).path("name").asText()).isEqualTo("a");
  }

  @Test
  void aFailedWorkerExitsOneAndShowsIt() throws Exception {
    app.answer(503, "application/json", "{\"status\":\"failed\",\"workers\":{\"http-server\":{\"status\":\"healthy\"},"
        + "\"deliverymq-consumer\":{\"status\":\"failed\"}}}");
    assertThat(scrape("--url", app.url("/healthz"), "--format", "outpost")).isEqualTo(1);
    JsonNode j = json();
    assertThat(j.path("phase").asText()).isEqualTo("Failed");
    assertThat(j.path("httpStatus").asInt()).isEqualTo(503);
    JsonNode consumer = j.path("workers").get(1);
    assertThat(consumer.path("name").asText()).isEqualTo("deliverymq-consumer");
    assertThat(consumer.path("status").asText()).isEqualTo("Failed");
    assertThat(consumer.path("rawStatus").asText()).isEqualTo("failed");
  }

  @Test
  void anUnreachableEndpointExitsTwoWithTheReason() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    assertThat(run("scrape", "--url", "http://127.0.0.1:" + port + "/healthz", "--timeout", "1s")).isEqualTo(2);
    JsonNode j = json();
    assertThat(j.path("phase").asText()).isEqualTo("Unreachable");
    assertThat(j.path("error").path("reason").asText()).isEqualTo("ConnectionRefused");
    assertThat(j.path("httpStatus").isNull()).isTrue();
  }

  @Test
  void anUnparseableBodyExitsTwo() throws Exception {
    app.answer(200, "text/html", "<html>hello</html>");
    assertThat(scrape("--url", app.url("/"))).isEqualTo(2);
    assertThat(json().path("error").path("reason").asText()).isEqualTo("UnknownFormat");
  }

  @Test
  void theCustomFormatIsConfiguredByOptions() throws Exception {
    app.answer(200, "application/json", "{\"jobs\":[{\"id\":\"mailer\",\"state\":\"RUNNING\"},"
        + "{\"id\":\"indexer\",\"state\":\"STALLED\"}]}");
    assertThat(scrape("--url", app.url("/status"), "--format", "custom", "--custom-workers", "/jobs",
        "--custom-name", "/id", "--custom-status", "/state", "--custom-status-map", "running=Healthy,stalled=Failed"))
        .isEqualTo(1);
    assertThat(json().path("workers").get(1).path("status").asText()).isEqualTo("Failed");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "--timeout 0s          | --timeout",
      "--timeout -5s         | --timeout",
      "--timeout 2h          | --timeout",
      "--body-limit -1       | --body-limit",
      "--body-limit 0        | --body-limit",
      "--format yaml         | --format",
      "--url ftp://x/healthz | --url",
      "--redirects sometimes | --redirects",
      "--bearer-token-file /no/such/file | --bearer-token-file",
      "--header NoColon      | --header #1",
      "--format custom       | --format custom needs --custom-workers",
      "--no-such-option      | --no-such-option"})
  void aUsageErrorIsOneLineAndItsOwnExitCode(String args, String named) {
    java.util.List<String> argv = new java.util.ArrayList<>(java.util.List.of("scrape"));
    if (!args.startsWith("--url")) {
      argv.addAll(java.util.List.of("--url", app.url("/healthz")));
    }
    argv.addAll(java.util.List.of(args.split(" ")));
    assertThat(run(argv.toArray(String[]::new))).as("exit code of: " + args).isEqualTo(SidecarMain.USAGE);
    assertThat(err.toString().strip()).as("one line").doesNotContain("\n").startsWith("worker-health-sidecar scrape: ")
        .contains(named).doesNotContain("Exception");
    assertThat(out.toString()).isEmpty();
  }

  @Test
  void aMissingUrlIsAUsageError() {
    assertThat(run("scrape")).isEqualTo(SidecarMain.USAGE);
    assertThat(err.toString()).contains("--url");
  }

  @Test
  void credentialsGivenInTheUrlAreSentAndNotPrinted() throws Exception {
    java.util.List<String> authorization = new java.util.concurrent.CopyOnWriteArrayList<>();
    app.answer(ex -> {
      authorization.add(String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
      TestHealthEndpoint.respond(ex, 401, "text/plain", "who are you");
    });
    assertThat(scrape("--url", app.url("/healthz").replace("http://", "http://probe:s3cret@"))).isEqualTo(2);
    assertThat(authorization).containsExactly(okhttp3.Credentials.basic("probe", "s3cret"));
    assertThat(out.toString() + err).doesNotContain("s3cret");
  }
}
