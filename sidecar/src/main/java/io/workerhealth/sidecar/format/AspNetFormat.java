package io.workerhealth.sidecar.format;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.workerhealth.api.v1alpha1.ScrapeErrorReason;
import io.workerhealth.api.v1alpha1.SourceFormat;
import io.workerhealth.api.v1alpha1.WorkerStatus;
import java.io.IOException;
import java.util.Locale;

/**
 * ASP.NET Core HealthChecks UI ({@code UIResponseWriter}): {@code {"status":"Unhealthy","totalDuration":"…",
 * "entries":{"redis":{"status":"Unhealthy","description":"…","exception":"…"}}}}. The message is the description,
 * else the exception.
 */
public final class AspNetFormat implements HealthFormat {

  @Override
  public SourceFormat id() {
    return SourceFormat.ASPNET;
  }

  @Override
  public boolean recognizes(HealthResponse response, JsonShape shape) {
    return shape.isObject() && shape.field("entries") == JsonToken.START_OBJECT;
  }

  @Override
  public void parse(HealthResponse response, JsonShape shape, WorkerCollector out)
      throws IOException, HealthParseException {
    String overall = null;
    boolean entries = false;
    try (JsonParser p = JsonBody.open(response)) {
      JsonBody.expectObject(p, "aspnet");
      while (JsonBody.nextField(p)) {
        switch (p.currentName()) {
          case "status" -> overall = StatusWords.worse(overall, JsonBody.text(p, HealthFormats.MAX_RAW_STATUS_LENGTH),
              AspNetFormat::status);
          case "entries" -> {
            if (p.currentToken() == JsonToken.START_OBJECT) {
              entries = true;
              readEntries(p, out);
            } else {
              p.skipChildren();
            }
          }
          default -> p.skipChildren();
        }
      }
      JsonBody.expectEnd(p);
    }
    if (!entries) {
      throw new HealthParseException(ScrapeErrorReason.ParseError, "aspnet body needs an object 'entries'");
    }
    out.overall(overall, overall == null ? null : status(overall));
  }

  private static void readEntries(JsonParser p, WorkerCollector out) throws IOException {
    while (JsonBody.nextField(p)) {
      String name = p.currentName();
      if (p.currentToken() != JsonToken.START_OBJECT) {
        p.skipChildren();
        out.add(name, WorkerStatus.Unknown, null, "entry is not an object");
        continue;
      }
      String raw = null;
      String description = null;
      String exception = null;
      while (JsonBody.nextField(p)) {
        switch (p.currentName()) {
          case "status" -> raw = StatusWords.worse(raw, JsonBody.text(p, HealthFormats.MAX_RAW_STATUS_LENGTH),
              AspNetFormat::status);
          case "description" -> description = JsonBody.text(p, HealthFormats.MAX_MESSAGE_LENGTH);
          case "exception" -> exception = JsonBody.text(p, HealthFormats.MAX_MESSAGE_LENGTH);
          default -> p.skipChildren();
        }
      }
      out.add(name, status(raw), raw, description != null ? description : exception);
    }
  }

  static WorkerStatus status(String raw) {
    if (raw == null) {
      return WorkerStatus.Unknown;
    }
    return switch (raw.strip().toLowerCase(Locale.ROOT)) {
      case "healthy" -> WorkerStatus.Healthy;
      case "degraded" -> WorkerStatus.Degraded;
      case "unhealthy" -> WorkerStatus.Failed;
      default -> StatusWords.common(raw);
    };
  }
}
