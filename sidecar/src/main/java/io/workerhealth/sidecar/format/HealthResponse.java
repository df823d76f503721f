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

  public String bodyText() {
    return new String(body, StandardCharsets.UTF_8);
  }
}
