package io.workerhealth.sidecar.format;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Hostile health bodies of an exact size (the body limit), each built to make one part of parsing expensive: many
 * small values, deep nesting, long strings, many workers, many distinct keys, huge numbers. Shared by the pure test
 * of what each body reads as and the test that runs the sidecar on them under the image's JVM flags.
 */
public final class AdversarialBodies {

  /** One body: a name for reports, the HTTP status and content type it is served with, and its bytes. */
  public record Body(String name, int httpStatus, String contentType, byte[] bytes) {
    public HealthResponse response() {
      return new HealthResponse(httpStatus, contentType, bytes);
    }
  }

  private AdversarialBodies() {}

  /** Every body, each exactly {@code size} bytes. */
  public static List<Body> all(int size) {
    List<Body> bodies = new ArrayList<>();
    // 1. many tiny objects: as Outpost workers (each an empty object: status Unknown), and as a plain array
    bodies.add(json("outpost-empty-worker-objects", 200, size, "{\"status\":\"healthy\",\"workers\":{",
        i -> "\"w" + i + "\":{}", ",", "}}"));
    bodies.add(json("array-of-empty-objects", 200, size, "[", i -> "{}", ",", "]"));
    bodies.add(json("spring-details-of-empty-objects", 200, size,
        "{\"status\":\"UP\",\"components\":{\"app\":{\"status\":\"UP\",\"details\":{\"x\":[", i -> "{}", ",",
        "]}}}}"));
    // 2. an ordinary Outpost body with tens of thousands of workers, one failed near the end
    bodies.add(outpostManyWorkers(size));
    // 3. nesting: Spring composites 16 deep, repeated side by side until the body is full
    bodies.add(springDeepComposites(size));
    bodies.add(json("arrays-nested-to-the-json-limit", 200, size, "[",
        i -> "[".repeat(JsonBody.MAX_DEPTH - 2) + "1" + "]".repeat(JsonBody.MAX_DEPTH - 2), ",", "]"));
    bodies.add(pad("nested-past-the-json-limit", 200, size, "{\"status\":\"UP\",\"components\":"
        + "{\"a\":".repeat(100) + "{}" + "}".repeat(100) + ",\"pad\":\"", "\"}"));
    // 4. long strings: a message, a status word and a worker name that fill the body, ASCII and not
    bodies.add(pad("spring-long-error-message", 503, size,
        "{\"status\":\"DOWN\",\"components\":{\"app\":{\"status\":\"DOWN\",\"details\":{\"error\":\"", "\"}}}}"));
    bodies.add(padWith("outpost-long-status-word-non-latin", 503, size,
        "{\"status\":\"failed\",\"workers\":{\"w\":{\"status\":\"", "\"}}}", "\u00e9\u4e2d"));
    bodies.add(pad("outpost-long-worker-name", 503, size, "{\"status\":\"failed\",\"workers\":{\"", "\":{}}}"));
    bodies.add(pad("unread-long-string", 200, size, "{\"status\":\"healthy\",\"workers\":{\"a\":"
        + "{\"status\":\"healthy\"}},\"ignored\":\"", "\"}"));
    // 5. many distinct keys in one object nobody reads
    bodies.add(json("many-distinct-keys", 200, size,
        "{\"status\":\"UP\",\"components\":{\"app\":{\"status\":\"UP\",\"details\":{", i -> "\"k" + i + "\":1", ",",
        "}}}}"));
    // 6. numbers: many of the longest allowed, and one as long as the body
    bodies.add(json("many-1000-digit-numbers", 200, size, "{\"status\":\"UP\",\"components\":{\"app\":{\"status\":"
        + "\"UP\",\"details\":{\"n\":[", i -> "9".repeat(JsonBody.MAX_NUMBER - 20) + "e999999999", ",", "]}}}}"));
    bodies.add(padWith("one-number-as-long-as-the-body", 200, size, "{\"status\":\"UP\",\"n\":", "}", "7"));
    // 7. other formats' collections at the limit
    bodies.add(json("microprofile-many-checks", 503, size, "{\"status\":\"DOWN\",\"checks\":[",
        i -> "{\"name\":\"c" + i + "\",\"status\":\"" + (i == 20_000 ? "DOWN" : "UP") + "\"}", ",", "]}"));
    bodies.add(json("ietf-one-check-many-entries", 200, size, "{\"status\":\"pass\",\"checks\":{\"db\":[",
        i -> "{\"componentId\":\"" + i + "\",\"status\":\"pass\"}", ",", "]}}"));
    bodies.add(text("k8s-many-checks", 500, size, i -> (i == 30_000 ? "[-]check-" + i + " failed: x\n"
        : "[+]check-" + i + " ok\n")));
    // 8. white space and then a small body
    bodies.add(padWith("white-space-then-outpost", 200, size, "", "{\"status\":\"healthy\",\"workers\":{}}", " "));
    return bodies;
  }

  private interface Item {
    String at(int i);
  }

  /** head, items joined by sep, tail: as many items as fit, then white space to the exact size. */
  private static Body json(String name, int status, int size, String head, Item item, String sep, String tail) {
    StringBuilder sb = new StringBuilder(size).append(head);
    int length = utf8(head) + utf8(tail);
    for (int i = 0; ; i++) {
      String next = (i == 0 ? "" : sep) + item.at(i);
      int n = utf8(next);
      if (length + n > size) {
        break;
      }
      sb.append(next);
      length += n;
    }
    sb.append(" ".repeat(size - length)).append(tail);
    return body(name, status, "application/json", sb.toString(), size);
  }

  private static Body text(String name, int status, int size, Item line) {
    StringBuilder sb = new StringBuilder(size);
    int length = 0;
    for (int i = 0; ; i++) {
      String next = line.at(i);
      if (length + next.length() > size - "livez check failed\n".length()) {
        break;
      }
      sb.append(next);
      length += next.length();
    }
    sb.append("livez check failed\n");
    sb.append(" ".repeat(size - sb.length()));
    return body(name, status, "text/plain; charset=utf-8", sb.toString(), size);
  }

  private static Body outpostManyWorkers(int size) {
    // some 33,000 workers in 1 MiB, as in an Outpost deployment with very many consumers; mq-31000 failed
    return json("outpost-many-workers", 503, size, "{\"status\":\"failed\",\"timestamp\":\"2026-01-01T00:00:00Z\","
        + "\"workers\":{", i -> "\"mq-" + i + "\":{\"status\":\""
        + (i == 31_000 ? "failed" : "healthy") + "\"}", ",", "}}");
  }

  private static Body springDeepComposites(int size) {
    StringBuilder one = new StringBuilder();
    for (int d = 0; d < 16; d++) {
      one.append("{\"status\":\"UP\",\"components\":{\"l").append(d).append("\":");
    }
    one.append("{\"status\":\"UP\"}").append("}}".repeat(16));
    String composite = one.toString();
    return json("spring-composites-16-deep", 200, size, "{\"status\":\"UP\",\"components\":{",
        i -> "\"c" + i + "\":" + composite, ",", "}}");
  }

  private static Body pad(String name, int status, int size, String head, String tail) {
    return padWith(name, status, size, head, tail, "x");
  }

  /** head, the unit repeated to fill, tail (then spaces for a remainder the unit's bytes do not divide). */
  private static Body padWith(String name, int status, int size, String head, String tail, String unit) {
    int room = size - utf8(head) - utf8(tail);
    int units = room / utf8(unit);
    String fill = unit.repeat(units);
    String body = head + fill + tail;
    body = body + " ".repeat(size - utf8(body));
    return body(name, status, "application/json", body, size);
  }

  private static Body body(String name, int status, String type, String text, int size) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    if (bytes.length != size) {
      throw new IllegalStateException(name + " is " + bytes.length + " bytes, not " + size);
    }
    return new Body(name, status, type, bytes);
  }

  private static int utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8).length;
  }
}
