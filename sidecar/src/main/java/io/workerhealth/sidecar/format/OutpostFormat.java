package io.workerhealth.sidecar.format;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.workerhealth.api.v1alpha1.ScrapeErrorReason;
import io.workerhealth.api.v1alpha1.SourceFormat;
import io.workerhealth.api.v1alpha1.WorkerStatus;
import java.io.IOException;
import java.util.Locale;

/**
 * hookdeck/outpost's {@code /healthz}: {@code {"status","timestamp","workers":{name:{"status":"healthy|failed"}}}},
 * answered with 503 when any worker failed. An empty {@code workers} map (during start-up) is not a failure: the
 * overall status is the report then.
 */
public final class OutpostFormat implements HealthFormat {

  @Override
  public SourceFormat id() {
    return SourceFormat.OUTPOST;
  }

  @Override
  public boolean recognizes(HealthResponse response, JsonShape shape) {
    return shape.isObject() && shape.field("workers") == JsonToken.START_OBJECT && shape.field("status") != null;
  }

  @Override
  public void parse(HealthResponse response, JsonShape shape, WorkerCollector out)
      throws IOException, HealthParseException {
    String overall = null;
    boolean workers = false;
    try (JsonParser p = JsonBody.open(response)) {
      JsonBody.expectObject(p, "outpost");
      while (JsonBody.nextField(p)) {
        switch (p.currentName()) {
          case "status" -> overall = StatusWords.worse(overall, JsonBody.text(p, HealthFormats.MAX_RAW_STATUS_LENGTH),
              OutpostFormat::status);
          case "workers" -> {
            if (p.currentToken() == JsonToken.START_OBJECT) {
              workers = true;
              readWorkers(p, out);
            } else {
              p.skipChildren();
            }
          }
          default -> p.skipChildren();
        }
      }
      JsonBody.expectEnd(p);
    }
    if (!workers) {
      throw new HealthParseException(ScrapeErrorReason.ParseError,
          "outpost body needs an object 'workers' keyed by worker name");
    }
    out.overall(overall, overall == null ? null : status(overall));
  }

  private static void readWorkers(JsonParser p, WorkerCollector out) throws IOException {
    while (JsonBody.nextField(p)) {
      String name = p.currentName();
      String raw = null;
      String message = null;
      if (p.currentToken() == JsonToken.START_OBJECT) {
        while (JsonBody.nextField(p)) {
          switch (p.currentName()) {
            case "status" -> raw = StatusWords.worse(raw, JsonBody.text(p, HealthFormats.MAX_RAW_STATUS_LENGTH),
                OutpostFormat::status);
            case "error", "message", "reason" -> {
              String m = JsonBody.text(p, HealthFormats.MAX_MESSAGE_LENGTH);
              message = message == null ? m : message;
            }
            default -> p.skipChildren();
          }
        }
      } else {
        raw = JsonBody.text(p, HealthFormats.MAX_RAW_STATUS_LENGTH); // {"worker":"healthy"}
      }
      out.add(name, status(raw), raw, message);
    }
  }

  static WorkerStatus status(String raw) {
    if (raw == null) {
      return WorkerStatus.Unknown;
    }
    return switch (raw.strip().toLowerCase(Locale.ROOT)) {
      case "healthy" -> WorkerStatus.Healthy;
      case "failed" -> WorkerStatus.Failed;
      default -> StatusWords.common(raw);
    };
  }
}
