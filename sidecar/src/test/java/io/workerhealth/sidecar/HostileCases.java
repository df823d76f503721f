package io.workerhealth.sidecar;

import io.workerhealth.sidecar.config.ByteSizes;
import io.workerhealth.sidecar.config.SidecarConfig;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The ways a health endpoint misbehaves on purpose, one path each on one {@link HostileEndpoint}, and what a scrape of
 * each must end as: one suite for every reporter. The sidecar's jar runs it through its {@code scrape} command under
 * the image's JVM flags ({@code HostileEndpointJarIT}); the node agent scrapes them all at once, as the pods of one
 * node ({@code HostileEndpointAgentIT}).
 */
public final class HostileCases {

  static final int MIB = 1024 * 1024;
  /** The default body limit, sized with the sidecar image's heap; the agent's default too. */
  public static final int LIMIT = (int) ByteSizes.parse(SidecarConfig.DEFAULT_BODY_LIMIT);

  public static final String OUTPOST_HEALTHY =
      "{\"status\":\"healthy\",\"workers\":{\"http-server\":{\"status\":\"healthy\"}}}";

  /**
   * What a scrape of {@code path} ends as, given a timeout of a few seconds and the default body limit: a scrape error
   * ({@code fails}) of {@code reason} (null: any), or (not {@code fails}) healthy workers, or ({@code healthy} false)
   * anything but a healthy verdict.
   */
  public record Expected(String path, boolean fails, String reason, boolean healthy) {

    static Expected fails(String path, String reason) {
      return new Expected(path, true, reason, false);
    }

    static Expected reads(String path, boolean healthy) {
      return new Expected(path, false, null, healthy);
    }
  }

  /** Every case: transport, then bodies the parser must survive and read right. */
  public static final List<Expected> EXPECTED = List.of(
      Expected.reads("/healthy", true),
      Expected.fails("/over-limit-declared", "BodyTooLarge"),
      Expected.fails("/over-limit-chunked", "BodyTooLarge"),
      Expected.fails("/endless-chunked", "BodyTooLarge"),
      Expected.fails("/gzip-bomb", "BodyTooLarge"),
      Expected.fails("/slowloris-body", "Timeout"),
      Expected.fails("/slowloris-head", "Timeout"),
      Expected.fails("/silent", "Timeout"),
      Expected.fails("/reset", "ConnectionRefused"),
      Expected.fails("/closed", "ConnectionRefused"),
      Expected.fails("/redirect-loop", "NetworkError"),
      Expected.fails("/cross-host", "HttpError"),
      Expected.fails("/huge-headers", "NetworkError"),
      Expected.fails("/endless-header", "NetworkError"),
      Expected.fails("/not-http", "NetworkError"),
      Expected.reads("/at-the-limit", true),
      Expected.fails("/32000-workers", "BodyTooLarge"),
      Expected.reads("/8000-workers", true),
      Expected.fails("/empty-objects", null),
      Expected.fails("/deep-nesting", "ParseError"),
      Expected.reads("/spring-deep-down", false),
      Expected.reads("/duplicate-keys", false),
      Expected.reads("/names-apart-by-spaces", false));

  private HostileCases() {}

  /** A loopback endpoint serving every case; close it when done (cases holding a connection then let go). */
  public static HostileEndpoint serve() throws IOException {
    byte[] bomb = HostileEndpoint.gzippedZeros(256L * MIB);
    HostileEndpoint app = new HostileEndpoint();
    app
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
    return app;
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
