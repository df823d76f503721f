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
 * hookdeck/outpost's {@code /healthz}: {@code {"status","timestamp","workers":{name:{"status":"healthy|failed"}}}},
 * answered with 503 when any worker failed. An empty {@code workers} map (during start-up) is not a failure.
 */
public final class OutpostFormat implements HealthFormat {

  @Override
  public SourceFormat id() {
    return SourceFormat.OUTPOST;
  }

  @Override
  public boolean recognizes(HealthResponse response) {
    JsonNode root = Json.tryRead(response);
    return root != null && root.isObject() && root.path("workers").isObject() && root.has("status");
  }

  @Override
  public ParsedHealth parse(HealthResponse response) throws HealthParseException {
    JsonNode root = Json.read(response);
    JsonNode workers = root.path("workers");
    if (!root.isObject() || !workers.isObject()) {
      throw new HealthParseException(ScrapeErrorReason.ParseError,
          "outpost body needs an object 'workers' keyed by worker name");
    }
    List<WorkerReading> readings = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = workers.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode w = e.getValue();
      String raw = w.isObject() ? Json.text(w, "status") : (w.isValueNode() ? w.asText() : null);
      String message = w.isObject() ? firstText(w, "error", "message", "reason") : null;
      readings.add(new WorkerReading(e.getKey(), status(raw), raw, message));
    }
    return new ParsedHealth(id(), Json.text(root, "status"), readings, 0);
  }

  private static WorkerStatus status(String raw) {
    if (raw == null) {
      return WorkerStatus.Unknown;
    }
    return switch (raw.strip().toLowerCase(Locale.ROOT)) {
      case "healthy" -> WorkerStatus.Healthy;
      case "failed" -> WorkerStatus.Failed;
      default -> StatusWords.common(raw);
    };
  }

  private static String firstText(JsonNode node, String... fields) {
    for (String f : fields) {
      String v = Json.text(node, f);
      if (v != null) {
        return v;
      }
    }
    return null;
  }
}
