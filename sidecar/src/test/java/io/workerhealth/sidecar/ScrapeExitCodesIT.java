package io.workerhealth.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

/** docs/sidecar.md's exit-code table of {@code scrape}, row by row, including the app's overall status. */
class ScrapeExitCodesIT {

  TestHealthEndpoint app;

  @BeforeEach
  void start() throws Exception {
    app = new TestHealthEndpoint();
  }

  @AfterEach
  void stop() {
    app.close();
  }

  @ParameterizedTest(name = "HTTP {0} {1} -> exit {3} ({4})")
  @CsvSource(delimiter = '|', textBlock = """
      200 | {"status":"healthy","workers":{"a":{"status":"healthy"}}}                 |        | 0 | every worker healthy
      200 | {"status":"UP"}                                                          |        | 0 | no workers, the app says UP
      200 | {"status":"UP","groups":["liveness","readiness"]}                        |        | 0 | Spring's default body on Kubernetes
      503 | {"status":"failed","workers":{"a":{"status":"failed"}}}                  |        | 1 | a worker failed
      503 | {"status":"DOWN"}                                                        |        | 1 | no workers, the app says DOWN
      503 | {"status":"failed","workers":{"a":{"status":"healthy"}}}                 |        | 1 | the app failed, no listed worker did
      200 | {"jobs":[]}                                                              | /jobs  | 1 | nothing reported: no workers, no overall status
      200 | <html>oops</html>                                                        |        | 2 | unknown format
      """)
  void exitCodes(int http, String body, String customWorkers, int exit, String what) {
    app.answer(http, "application/json", body);
    CommandLine cli = SidecarMain.commandLine();
    StringWriter out = new StringWriter();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(new StringWriter()));
    int code = customWorkers == null
        ? cli.execute("scrape", "--url", app.url("/healthz"))
        : cli.execute("scrape", "--url", app.url("/healthz"), "--format", "custom", "--custom-workers", customWorkers,
            "--custom-status", "/s");
    assertThat(code).as("%s: %s", what, out).isEqualTo(exit);
  }
}
