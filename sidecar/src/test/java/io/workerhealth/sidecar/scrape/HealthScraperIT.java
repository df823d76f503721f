package io.workerhealth.sidecar.scrape;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.workerhealth.api.v1alpha1.ScrapeErrorReason;
import io.workerhealth.api.v1alpha1.SourceFormat;
import io.workerhealth.api.v1alpha1.WorkerStatus;
import io.workerhealth.sidecar.TestHealthEndpoint;
import io.workerhealth.sidecar.config.TargetSetting;
import io.workerhealth.sidecar.format.HealthFormats;
import io.workerhealth.sidecar.format.WorkerReading;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The scraper against real HTTP servers on loopback. */
class HealthScraperIT {

  static final String OUTPOST_FAILED = "{\"status\":\"failed\",\"timestamp\":\"2026-01-01T00:00:00Z\",\"workers\":"
      + "{\"http-server\":{\"status\":\"healthy\"},\"deliverymq-consumer\":{\"status\":\"failed\"}}}";

  TestHealthEndpoint app;
  TestHealthEndpoint other;
  List<HealthScraper> scrapers = new ArrayList<>();
  /** The requests the app received, as "path authorization x-tenant". */
  List<String> seen = new CopyOnWriteArrayList<>();
  @TempDir
  Path dir;

  @BeforeEach
  void start() throws Exception {
    app = new TestHealthEndpoint();
  }

  @AfterEach
  void stop() {
    scrapers.forEach(HealthScraper::close);
    app.close();
    if (other != null) {
      other.close();
    }
  }

  HealthScraper scraper(ScrapeTarget target) {
    return scraper(target, Duration.ofMillis(500));
  }

  HealthScraper scraper(ScrapeTarget target, Duration timeout) {
    HealthScraper s = new HealthScraper(target, timeout, 64 * 1024, new HealthFormats(null));
    scrapers.add(s);
    return s;
  }

  ScrapeOutcome scrape(String path) {
    return scraper(ScrapeTarget.of(app.url(path))).scrape(SourceFormat.AUTO);
  }

  /** A target configured as the sidecar's variables would. */
  ScrapeTarget target(Object... settings) {
    Map<TargetSetting, String> given = new EnumMap<>(TargetSetting.class);
    for (int i = 0; i < settings.length; i += 2) {
      given.put((TargetSetting) settings[i], (String) settings[i + 1]);
    }
    List<String> problems = new ArrayList<>();
    ScrapeTarget target = TargetSetting.read(given, false, problems);
    assertThat(problems).isEmpty();
    return target;
  }

  /** Answers healthy, and records what each request carried. */
  void recordingHealthyApp() {
    app.answer(ex -> {
      seen.add(ex.getRequestURI().getPath() + " " + ex.getRequestHeaders().getFirst("Authorization") + " "
          + ex.getRequestHeaders().getFirst("X-Tenant"));
      TestHealthEndpoint.respond(ex, 200, "application/json", OUTPOST_FAILED);
    });
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
  void aZeroTimeoutIsRefusedRatherThanMeaningNever() {
    // okhttp reads a zero timeout as "none": such a scrape could wait for ever
    assertThatThrownBy(() -> new HealthScraper(ScrapeTarget.of(app.url("/")), Duration.ZERO, 1024,
        new HealthFormats(null))).isInstanceOf(IllegalArgumentException.class);
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
  void anErrorStatusWithABodyTheFormatRefusesKeepsTheFormatsReason() {
    // the body is JSON the forced format has to refuse: that cause is the news, not the 503
    app.answer(503, "application/json", "{\"status\":\"failed\",\"workers\":\"not an object\"}");
    ScrapeOutcome outcome = scraper(ScrapeTarget.of(app.url("/healthz"))).scrape(SourceFormat.OUTPOST);
    assertFailure(outcome, ScrapeErrorReason.ParseError);
    assertThat(((ScrapeOutcome.Failure) outcome).error().getMessage()).startsWith("HTTP 503: ");
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
  void aPlainHttpTargetSetsUpNoTls() throws Exception {
    // no trust store is read for an http target; an https target keeps the platform's TLS
    assertThat(scraper(ScrapeTarget.of("http://127.0.0.1:8080/healthz")).http().x509TrustManager()).isNull();
    assertThat(scraper(ScrapeTarget.of("HTTP://127.0.0.1:8080/healthz")).http().x509TrustManager()).isNull();
    assertThat(scraper(ScrapeTarget.of("https://127.0.0.1:8443/healthz")).http().x509TrustManager()).isNotNull();
  }

  @Test
  void redirectsOnTheSameHostAreFollowed() {
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

  /** /away redirects to another host: a second server on 127.0.0.2, which records what it gets too. */
  void redirectingToAnotherHost() throws Exception {
    other = new TestHealthEndpoint(InetAddress.getByName("127.0.0.2"));
    other.answer(ex -> {
      seen.add("other " + ex.getRequestURI().getPath() + " " + ex.getRequestHeaders().getFirst("Authorization") + " "
          + ex.getRequestHeaders().getFirst("X-Tenant"));
      TestHealthEndpoint.respond(ex, 200, "application/json", OUTPOST_FAILED);
    });
    app.answer(ex -> {
      seen.add(ex.getRequestURI().getPath() + " " + ex.getRequestHeaders().getFirst("Authorization") + " "
          + ex.getRequestHeaders().getFirst("X-Tenant"));
      ex.getResponseHeaders().set("Location", other.url("/healthz"));
      TestHealthEndpoint.respond(ex, 302, null, "");
    });
  }

  @Test
  void aRedirectToAnotherHostIsNotFollowedByDefault() throws Exception {
    redirectingToAnotherHost();
    ScrapeOutcome outcome = scrape("/away");
    assertFailure(outcome, ScrapeErrorReason.HttpError);
    assertThat(((ScrapeOutcome.Failure) outcome).error().getMessage()).startsWith("HTTP 302")
        .contains("not followed").contains("127.0.0.2");
    assertThat(seen).containsExactly("/away null null");
  }

  @Test
  void aRedirectToAnotherHostIsFollowedWhenAllowedWithoutTheCredentials() throws Exception {
    redirectingToAnotherHost();
    Path token = Files.writeString(dir.resolve("token"), "s3cret\n");
    ScrapeOutcome outcome = scraper(target(TargetSetting.URL, app.url("/away"), TargetSetting.REDIRECTS, "any",
        TargetSetting.BEARER_TOKEN_FILE, token.toString(), TargetSetting.HEADERS, "X-Tenant: blue"),
        Duration.ofSeconds(2)).scrape(SourceFormat.AUTO);
    assertThat(outcome).isInstanceOf(ScrapeOutcome.Success.class);
    assertThat(seen).containsExactly("/away Bearer s3cret blue", "other /healthz null null");
  }

  @Test
  void redirectsCanBeTurnedOff() {
    app.answer(ex -> {
      ex.getResponseHeaders().set("Location", "/healthz");
      TestHealthEndpoint.respond(ex, 307, null, "");
    });
    ScrapeOutcome outcome = scraper(target(TargetSetting.URL, app.url("/old"), TargetSetting.REDIRECTS, "none"))
        .scrape(SourceFormat.AUTO);
    assertFailure(outcome, ScrapeErrorReason.HttpError);
    assertThat(((ScrapeOutcome.Failure) outcome).error().getMessage()).contains("redirects are off");
  }

  @Test
  void aRedirectLoopEndsAfterFiveRedirects() {
    app.answer(ex -> {
      seen.add(ex.getRequestURI().getPath());
      ex.getResponseHeaders().set("Location", "/loop");
      TestHealthEndpoint.respond(ex, 302, null, "");
    });
    ScrapeOutcome outcome = scrape("/loop");
    assertFailure(outcome, ScrapeErrorReason.NetworkError);
    assertThat(((ScrapeOutcome.Failure) outcome).error().getMessage()).startsWith("more than 5 redirects");
    assertThat(seen).hasSize(HealthScraper.MAX_REDIRECTS + 1);
  }

  @Test
  void credentialsInTheUrlAreSentAsBasicAuthAndNeverShown() {
    recordingHealthyApp();
    String url = app.url("/healthz").replace("http://", "http://reader:pa%40ss@");
    ScrapeTarget target = ScrapeTarget.of(url);
    assertThat(scraper(target).scrape(SourceFormat.AUTO)).isInstanceOf(ScrapeOutcome.Success.class);
    assertThat(seen).containsExactly("/healthz Basic " + base64("reader:pa@ss") + " null");
    assertThat(target.display()).isEqualTo(app.url("/healthz").replace("http://", "http://***@"));
    assertThat(target.url().toString()).doesNotContain("reader").doesNotContain("pa");
  }

  @Test
  void basicAuthReadsItsPasswordFileAgainWhenTheSecretRotates() throws Exception {
    recordingHealthyApp();
    Path password = Files.writeString(dir.resolve("password"), "first\n");
    HealthScraper scraper = scraper(target(TargetSetting.URL, app.url("/healthz"),
        TargetSetting.BASIC_AUTH_USERNAME, "reader", TargetSetting.BASIC_AUTH_PASSWORD_FILE, password.toString()));
    scraper.scrape(SourceFormat.AUTO);
    rotate(password, "second-password");
    scraper.scrape(SourceFormat.AUTO);
    assertThat(seen).containsExactly("/healthz Basic " + base64("reader:first") + " null",
        "/healthz Basic " + base64("reader:second-password") + " null");
  }

  @Test
  void aBearerTokenFileAndCustomHeadersAreSent() throws Exception {
    recordingHealthyApp();
    Path token = Files.writeString(dir.resolve("token"), "t0ken");
    HealthScraper scraper = scraper(target(TargetSetting.URL, app.url("/healthz"),
        TargetSetting.BEARER_TOKEN_FILE, token.toString(), TargetSetting.HEADERS, "X-Tenant: blue\nX-Other: 1"));
    scraper.scrape(SourceFormat.AUTO);
    rotate(token, "rotated-token");
    scraper.scrape(SourceFormat.AUTO);
    assertThat(seen).containsExactly("/healthz Bearer t0ken blue", "/healthz Bearer rotated-token blue");
  }

  /** Replaces a file's content as a Secret rotation does, with a modification time that surely differs. */
  static void rotate(Path file, String content) throws Exception {
    FileTime before = Files.getLastModifiedTime(file);
    Files.writeString(file, content);
    Files.setLastModifiedTime(file, FileTime.from(before.toInstant().plusSeconds(1)));
  }

  @Test
  void anHttpsEndpointIsTrustedThroughTheCaFileOnly() throws Exception {
    HeldCertificate ca = new HeldCertificate.Builder().certificateAuthority(0).commonName("test CA").build();
    HeldCertificate serverCert = new HeldCertificate.Builder().signedBy(ca)
        .addSubjectAlternativeName(InetAddress.getLoopbackAddress().getHostAddress()).build();
    HandshakeCertificates serverTls = new HandshakeCertificates.Builder().heldCertificate(serverCert).build();
    try (MockWebServer https = new MockWebServer()) {
      https.useHttps(serverTls.sslSocketFactory(), false);
      https.enqueue(new MockResponse().setHeader("Content-Type", "application/json").setBody(OUTPOST_FAILED));
      https.enqueue(new MockResponse().setHeader("Content-Type", "application/json").setBody(OUTPOST_FAILED));
      https.start(InetAddress.getLoopbackAddress(), 0);
      String url = "https://" + InetAddress.getLoopbackAddress().getHostAddress() + ":" + https.getPort() + "/healthz";
      Path caFile = Files.writeString(dir.resolve("ca.pem"), ca.certificatePem());

      // a first TLS handshake in a fresh JVM can take a while on a busy machine
      assertThat(scraper(target(TargetSetting.URL, url, TargetSetting.CA_FILE, caFile.toString()),
          Duration.ofSeconds(5)).scrape(SourceFormat.AUTO)).isInstanceOf(ScrapeOutcome.Success.class);
      ScrapeOutcome untrusted = scraper(ScrapeTarget.of(url), Duration.ofSeconds(5)).scrape(SourceFormat.AUTO);
      assertFailure(untrusted, ScrapeErrorReason.NetworkError);
      assertThat(((ScrapeOutcome.Failure) untrusted).error().getMessage()).startsWith("TLS with");
    }
  }

  @Test
  void aClosedPortIsConnectionRefused() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    ScrapeOutcome outcome = scraper(ScrapeTarget.of("http://127.0.0.1:" + port + "/healthz")).scrape(SourceFormat.AUTO);
    assertFailure(outcome, ScrapeErrorReason.ConnectionRefused);
    assertThat(outcome.httpStatus()).isNull();
  }

  @Test
  void aConnectionResetBeforeTheAnswerIsConnectionRefused() throws Exception {
    try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Thread resetter = new Thread(() -> {
        while (!server.isClosed()) {
          try (Socket s = server.accept()) {
            s.getInputStream().read(new byte[1024]);
            s.setSoLinger(true, 0); // close with RST
          } catch (Exception e) {
            return;
          }
        }
      });
      resetter.setDaemon(true);
      resetter.start();
      ScrapeOutcome outcome = scraper(ScrapeTarget.of("http://127.0.0.1:" + server.getLocalPort() + "/healthz"))
          .scrape(SourceFormat.AUTO);
      assertFailure(outcome, ScrapeErrorReason.ConnectionRefused);
      assertThat(((ScrapeOutcome.Failure) outcome).error().getMessage()).contains("reset or closed");
    }
  }

  @Test
  void anUnknownHostIsADnsFailureNamingTheHost() {
    ScrapeOutcome outcome = scraper(ScrapeTarget.of("http://no-such-host.invalid/healthz")).scrape(SourceFormat.AUTO);
    assertFailure(outcome, ScrapeErrorReason.DnsFailure);
    assertThat(((ScrapeOutcome.Failure) outcome).error().getMessage()).isEqualTo("host not found: no-such-host.invalid");
  }

  @Test
  void aHostNameWithAnUnderscoreIsNamedToo() {
    // java.net.URI has no host for such names ("host not found: null")
    ScrapeOutcome outcome = scraper(ScrapeTarget.of("http://my_app.invalid:8080/healthz")).scrape(SourceFormat.AUTO);
    assertFailure(outcome, ScrapeErrorReason.DnsFailure);
    assertThat(((ScrapeOutcome.Failure) outcome).error().getMessage()).isEqualTo("host not found: my_app.invalid");
  }

  static String base64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  static void assertFailure(ScrapeOutcome outcome, ScrapeErrorReason reason) {
    assertThat(outcome).isInstanceOfSatisfying(ScrapeOutcome.Failure.class, f -> {
      assertThat(f.error().getReason()).as(f.error().toString()).isEqualTo(reason);
      assertThat(f.error().getMessage()).isNotBlank();
    });
  }
}
