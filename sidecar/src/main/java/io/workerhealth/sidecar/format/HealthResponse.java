package io.workerhealth.sidecar.format;

import java.nio.charset.StandardCharsets;

/**
 * What an app's health endpoint answered: parsed whatever the HTTP status (Outpost answers 503 with its JSON).
 *
 * @param httpStatus  the HTTP status code
 * @param contentType the Content-Type header, or null
 * @param body        the body, already capped by the scraper
 */
public record HealthResponse(int httpStatus, String contentType, byte[] body) {

  public HealthResponse {
    body = body == null ? new byte[0] : body;
  }

  public static HealthResponse of(int httpStatus, String contentType, String body) {
    return new HealthResponse(httpStatus, contentType, body.getBytes(StandardCharsets.UTF_8));
  }

  /** The whole body as text (a copy as large as the body: for tests and small bodies). */
  public String bodyText() {
    return new String(body, StandardCharsets.UTF_8);
  }

  /** The start of the body on one line, white space collapsed, for messages: decodes only what it shows. */
  public String preview(int maxChars) {
    String text = new String(body, 0, Math.min(body.length, 4 * maxChars), StandardCharsets.UTF_8)
        .replaceAll("\\s+", " ").strip();
    return text.isEmpty() ? "(empty)" : HealthFormats.truncate(text, maxChars);
  }
}
