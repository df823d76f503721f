package io.workerhealth.sidecar.format;

import com.fasterxml.jackson.databind.JsonNode;
import io.workerhealth.api.v1alpha1.ScrapeErrorReason;
import io.workerhealth.api.v1alpha1.SourceFormat;
import io.workerhealth.api.v1alpha1.WorkerStatus;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

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
  public boolean recognizes(HealthResponse response) {
    JsonNode root = Json.tryRead(response);
    return root != null && root.isObject() && root.path("entries").isObject();
  }

  @Override
  public ParsedHealth parse(HealthResponse response) throws HealthParseException {
    JsonNode root = Json.read(response);
    if (!root.isObject() || !root.path("entries").isObject()) {
      throw new HealthParseException(ScrapeErrorReason.ParseError, "aspnet body needs an object 'entries'");
    }
    List<WorkerReading> workers = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = root.path("entries").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode entry = e.getValue();
      String raw = Json.text(entry, "status");
      String message = Json.text(entry, "description") != null ? Json.text(entry, "description")
          : Json.text(entry, "exception");
      workers.add(new WorkerReading(e.getKey(), status(raw), raw, message));
    }
    return new ParsedHealth(id(), Json.text(root, "status"), workers, 0);
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
