package io.workerhealth.sidecar.scrape;

import static org.assertj.core.api.Assertions.assertThat;

import io.workerhealth.api.v1alpha1.ScrapeErrorReason;
import io.workerhealth.api.v1alpha1.SourceFormat;
import io.workerhealth.api.v1alpha1.WorkerStatus;
import io.workerhealth.sidecar.TestHealthEndpoint;
import io.workerhealth.sidecar.format.HealthFormats;
import io.workerhealth.sidecar.format.WorkerReading;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The scraper against real HTTP servers on loopback. */
class HealthScraperIT {

  static final String OUTPOST_FAILED = "{\"status\":\"failed\",\"timestamp\":\"2026-01-01T00:00:00Z\",\"workers\":"
      + "{\"http-server\":{\"status\":\"healthy\"},\"deliverymq-consumer\":{\"status\":\"failed\"}}}";

  TestHealthEndpoint app;
  HealthScraper scraper;

  @BeforeEach
  void start() throws Exception {
    app = new TestHealthEndpoint();
    scraper = new HealthScraper(HealthScraper.clientFor(URI.create("http://127.0.0.1/")), Duration.ofMillis(500), 64 * 1024,
        new HealthFormats(null));
  }

  @AfterEach
  void stop() {
    scraper.close();
    app.close();
  }

  ScrapeOutcome scrape(String path) {
    return scraper.scrape(URI.create(app.url(path)), SourceFormat.AUTO);
  }

  @Test
  void readsTheBodyOfA503() {
    app.answer(503, "application/json", OUTPOST_FAILED);
    ScrapeOutcome outcome = scrape("/healthz");
    assertThat(outcome).isInstanceOfSatisfying(ScrapeOutcome.Success.class, s -> {
      assertThat(s.httpStatus()).isEqualTo(503);
      assertThat(s.health().format()).isEqualTo(SourceFormat.OUTPOST);
      assertThat(s.health().workers()).extracting(WorkerReading::status)
          .containsExactly(WorkerStatus.Healthy, WorkerStatus.Failed);
    });
  }

  @Test
  void aSlowEndpointTimesOut() {
    app.hang();
    ScrapeOutcome outcome = scrape("/healthz");
    assertFailure(outcome, ScrapeErrorReason.Timeout);
    assertThat(outcome.took()).isLessThan(Duration.ofSeconds(5));
  }

  @Test
  void garbageIsAnUnknownFormat() {
    app.answer(200, "text/html", "<html>maintenance</html>");
    assertFailure(scrape("/healthz"), ScrapeErrorReason.UnknownFormat);
  }

  @Test
  void anErrorStatusWithAnUnreadableBodyIsAnHttpError() {
    app.answer(500, "text/plain", "Internal Server Error");
    ScrapeOutcome outcome = scrape("/healthz");
    assertFailure(outcome, ScrapeErrorReason.HttpError);
    assertThat(((ScrapeOutcome.Failure) outcome).error().getMessage()).startsWith("HTTP 500");
    assertThat(outcome.httpStatus()).isEqualTo(500);
  }

  @Test
  void aHugeBodyIsRefusedWithoutReadingItAll() {
    // streamed without Content-Length: the cap must stop reading, not the end of the body
    app.answer(ex -> {
      ex.getResponseHeaders().set("Content-Type", "application/json");
      ex.sendResponseHeaders(200, 0);
      try (OutputStream out = ex.getResponseBody()) {
        out.write("{\"status\":\"healthy\",\"workers\":{\"pad\":\"".getBytes());
        byte[] chunk = new byte[8192];
        java.util.Arrays.fill(chunk, (byte) 'x');
        for (int i = 0; i < 10_000; i++) { // 80 MB if anyone read it all
          out.write(chunk);
        }
      }
    });
    ScrapeOutcome outcome = scrape("/healthz");
    assertFailure(outcome, ScrapeErrorReason.BodyTooLarge);
  }

  @Test
  void aDeclaredHugeBodyIsRefusedFromItsContentLength() {
    app.answer(200, "application/json", "{\"status\":\"healthy\",\"workers\":{\"a\":{\"status\":\""
        + "h".repeat(70_000) + "\"}}}");
    ScrapeOutcome outcome = scrape("/healthz");
    assertFailure(outcome, ScrapeErrorReason.BodyTooLarge);
    assertThat(((ScrapeOutcome.Failure) outcome).error().getMessage()).contains("Content-Length");
  }

  @Test
  void aPlainHttpTargetSetsUpNoTls() {
    // no trust store is read for an http target; an https target keeps the platform's TLS
    assertThat(HealthScraper.clientFor(URI.create("http://127.0.0.1:8080/healthz")).x509TrustManager()).isNull();
    assertThat(HealthScraper.clientFor(URI.create("HTTP://127.0.0.1:8080/healthz")).x509TrustManager()).isNull();
    assertThat(HealthScraper.clientFor(URI.create("https://127.0.0.1:8443/healthz")).x509TrustManager()).isNotNull();
  }

  @Test
  void redirectsAreFollowed() {
    app.answer(ex -> {
      if (ex.getRequestURI().getPath().equals("/old")) {
        ex.getResponseHeaders().set("Location", "/healthz");
        TestHealthEndpoint.respond(ex, 301, null, "");
      } else {
        TestHealthEndpoint.respond(ex, 200, "application/json", OUTPOST_FAILED);
      }
    });
    assertThat(scrape("/old")).isInstanceOf(ScrapeOutcome.Success.class);
  }

  @Test
  void aClosedPortIsConnectionRefused() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    ScrapeOutcome outcome = scraper.scrape(URI.create("http://127.0.0.1:" + port + "/healthz"), SourceFormat.AUTO);
    assertFailure(outcome, ScrapeErrorReason.ConnectionRefused);
    assertThat(outcome.httpStatus()).isNull();
  }

  @Test
  void anUnknownHostIsADnsFailure() {
    ScrapeOutcome outcome = scraper.scrape(URI.create("http://no-such-host.invalid/healthz"), SourceFormat.AUTO);
    assertFailure(outcome, ScrapeErrorReason.DnsFailure);
  }

  static void assertFailure(ScrapeOutcome outcome, ScrapeErrorReason reason) {
    assertThat(outcome).isInstanceOfSatisfying(ScrapeOutcome.Failure.class, f -> {
      assertThat(f.error().getReason()).as(f.error().toString()).isEqualTo(reason);
      assertThat(f.error().getMessage()).isNotBlank();
    });
  }
}
