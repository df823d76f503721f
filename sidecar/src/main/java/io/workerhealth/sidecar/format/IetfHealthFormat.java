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
  public boolean recognizes(HealthResponse response) {
    String type = response.contentType();
    if (type != null && type.toLowerCase(Locale.ROOT).startsWith("application/health+json")) {
      return true;
    }
    JsonNode root = Json.tryRead(response);
    if (root == null || !root.isObject() || !root.path("checks").isObject()) {
      return false;
    }
    for (JsonNode check : root.path("checks")) {
      if (!check.isArray()) {
        return false;
      }
    }
    return true;
  }

  @Override
  public ParsedHealth parse(HealthResponse response) throws HealthParseException {
    JsonNode root = Json.read(response);
    if (!root.isObject()) {
      throw new HealthParseException(ScrapeErrorReason.ParseError, "health+json body must be an object");
    }
    List<WorkerReading> workers = new ArrayList<>();
    JsonNode checks = root.path("checks");
    for (Iterator<Map.Entry<String, JsonNode>> it = checks.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode entries = e.getValue();
      if (entries.isObject()) {
        entries = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode().add(entries); // tolerate a single object where an array belongs
      }
      if (!entries.isArray()) {
        continue;
      }
      for (int i = 0; i < entries.size(); i++) {
        JsonNode entry = entries.get(i);
        if (!entry.isObject()) {
          continue;
        }
        String name = e.getKey();
        if (entries.size() > 1) {
          String id = Json.text(entry, "componentId");
          name = name + "/" + (id != null ? id : String.valueOf(i));
        }
        String raw = Json.text(entry, "status");
        workers.add(new WorkerReading(name, status(raw), raw, Json.text(entry, "output")));
      }
    }
    return new ParsedHealth(id(), Json.text(root, "status"), workers, 0);
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
