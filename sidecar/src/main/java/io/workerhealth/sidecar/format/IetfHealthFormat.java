package io.workerhealth.sidecar.format;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.workerhealth.api.v1alpha1.ScrapeErrorReason;
import io.workerhealth.api.v1alpha1.SourceFormat;
import io.workerhealth.api.v1alpha1.WorkerStatus;
import java.io.IOException;
import java.util.Locale;

/**
 * IETF "Health Check Response Format for HTTP APIs" ({@code application/health+json}): {@code {"status":"pass",
 * "checks":{"db:responseTime":[{"componentId":"…","status":"warn","output":"…"}]}}}. Each array entry is a worker,
 * named after its check key, plus {@code /componentId} (or {@code /index}) when the check has several entries.
 */
public final class IetfHealthFormat implements HealthFormat {

  @Override
  public SourceFormat id() {
    return SourceFormat.IETF;
  }

  @Override
  public boolean recognizes(HealthResponse response, JsonShape shape) {
    String type = response.contentType();
    if (type != null && type.toLowerCase(Locale.ROOT).startsWith("application/health+json")) {
      return true;
    }
    return shape.isObject() && shape.checksAllArrays();
  }

  @Override
  public void parse(HealthResponse response, JsonShape shape, WorkerCollector out)
      throws IOException, HealthParseException {
    String overall = null;
    try (JsonParser p = JsonBody.open(response)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new HealthParseException(ScrapeErrorReason.ParseError, "health+json body must be an object");
      }
      while (JsonBody.nextField(p)) {
        switch (p.currentName()) {
          case "status" -> overall = StatusWords.worse(overall, JsonBody.text(p, HealthFormats.MAX_RAW_STATUS_LENGTH),
              IetfHealthFormat::status);
          case "checks" -> {
            if (p.currentToken() == JsonToken.START_OBJECT) {
              readChecks(p, out);
            } else {
              p.skipChildren();
            }
          }
          default -> p.skipChildren();
        }
      }
      JsonBody.expectEnd(p);
    }
    out.overall(overall, overall == null ? null : status(overall));
  }

  private record Entry(String componentId, String raw, String output, int index) {}

  private static void readChecks(JsonParser p, WorkerCollector out) throws IOException {
    while (JsonBody.nextField(p)) {
      String key = p.currentName();
      if (p.currentToken() == JsonToken.START_OBJECT) {
        emit(out, key, entry(p, 0), false); // a single object where an array belongs: tolerated
      } else if (p.currentToken() == JsonToken.START_ARRAY) {
        // The name depends on whether the check has several entries, known only at the array's end: the first entry
        // waits until a second one shows up.
        Entry pending = null;
        boolean several = false;
        int index = 0;
        while (p.nextToken() != JsonToken.END_ARRAY) {
          if (p.currentToken() != JsonToken.START_OBJECT) {
            p.skipChildren();
            index++;
            continue;
          }
          Entry e = entry(p, index++);
          if (!several && pending == null) {
            pending = e;
            continue;
          }
          if (pending != null) {
            emit(out, key, pending, true);
            pending = null;
          }
          several = true;
          emit(out, key, e, true);
        }
        if (pending != null) {
          emit(out, key, pending, false);
        }
      } else {
        p.skipChildren();
      }
    }
  }

  private static Entry entry(JsonParser p, int index) throws IOException {
    String id = null;
    String raw = null;
    String output = null;
    while (JsonBody.nextField(p)) {
      switch (p.currentName()) {
        case "componentId" -> id = JsonBody.text(p, HealthFormats.MAX_NAME_LENGTH);
        case "status" -> raw = StatusWords.worse(raw, JsonBody.text(p, HealthFormats.MAX_RAW_STATUS_LENGTH),
            IetfHealthFormat::status);
        case "output" -> output = JsonBody.text(p, HealthFormats.MAX_MESSAGE_LENGTH);
        default -> p.skipChildren();
      }
    }
    return new Entry(id, raw, output, index);
  }

  private static void emit(WorkerCollector out, String key, Entry e, boolean several) {
    String name = several ? key + "/" + (e.componentId() != null ? e.componentId() : String.valueOf(e.index())) : key;
    out.add(name, status(e.raw()), e.raw(), e.output());
  }

  static WorkerStatus status(String raw) {
    if (raw == null) {
      return WorkerStatus.Unknown;
    }
    return switch (raw.strip().toLowerCase(Locale.ROOT)) {
      case "pass", "ok", "up" -> WorkerStatus.Healthy;
      case "warn" -> WorkerStatus.Degraded;
      case "fail", "error", "down" -> WorkerStatus.Failed;
      default -> StatusWords.common(raw);
    };
  }
}
