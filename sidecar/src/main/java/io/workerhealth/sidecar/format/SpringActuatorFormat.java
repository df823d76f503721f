package io.workerhealth.sidecar.format;

import com.fasterxml.jackson.databind.JsonNode;
import io.workerhealth.api.v1alpha1.ScrapeErrorReason;
import io.workerhealth.api.v1alpha1.SourceFormat;
import io.workerhealth.api.v1alpha1.WorkerStatus;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Spring Boot Actuator {@code /actuator/health}: {@code {"status":"UP","components":{"db":{"status":"UP",
 * "details":{…}},"group":{"status":"DOWN","components":{…}}}}}. Nested components are flattened with '/', and only
 * leaves are workers. Spring Boot 2.0's {@code details} in place of {@code components} is read the same way.
 */
public final class SpringActuatorFormat implements HealthFormat {

  private static final int MAX_DEPTH = 16;

  @Override
  public SourceFormat id() {
    return SourceFormat.SPRING;
  }

  @Override
  public boolean recognizes(HealthResponse response) {
    JsonNode root = Json.tryRead(response);
    if (root == null || !root.isObject() || !root.path("status").isTextual()) {
      return false;
    }
    if (root.path("components").isObject()) {
      return true;
    }
    // {"status":"UP"} alone, or Boot 2.0's details-of-statuses
    String status = root.path("status").asText().toUpperCase(Locale.ROOT);
    boolean springWord = List.of("UP", "DOWN", "OUT_OF_SERVICE", "UNKNOWN").contains(status);
    return springWord && (root.size() == 1 || root.path("details").isObject() && hasStatusChildren(root.path("details")));
  }

  private static boolean hasStatusChildren(JsonNode node) {
    for (JsonNode child : node) {
      if (child.isObject() && child.path("status").isTextual()) {
        return true;
      }
    }
    return false;
  }

  @Override
  public ParsedHealth parse(HealthResponse response) throws HealthParseException {
    JsonNode root = Json.read(response);
    if (!root.isObject() || !root.path("status").isTextual()) {
      throw new HealthParseException(ScrapeErrorReason.ParseError, "spring body needs a 'status' string");
    }
    List<WorkerReading> workers = new java.util.ArrayList<>();
    collect(children(root), "", workers, 0);
    return new ParsedHealth(id(), root.path("status").asText(), workers, 0);
  }

  private static JsonNode children(JsonNode node) {
    if (node.path("components").isObject()) {
      return node.path("components");
    }
    JsonNode details = node.path("details");
    return details.isObject() && hasStatusChildren(details) ? details : null;
  }

  private static void collect(JsonNode components, String prefix, List<WorkerReading> out, int depth) {
    if (components == null || depth > MAX_DEPTH) {
      return;
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = components.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode c = e.getValue();
      if (!c.isObject()) {
        continue;
      }
      String name = prefix + e.getKey();
      JsonNode nested = children(c);
      if (nested != null && nested.size() > 0) {
        collect(nested, name + "/", out, depth + 1);
      } else {
        String raw = Json.text(c, "status");
        out.add(new WorkerReading(name, status(raw), raw, Json.text(c.path("details"), "error")));
      }
    }
  }

  static WorkerStatus status(String raw) {
    if (raw == null) {
      return WorkerStatus.Unknown;
    }
    return switch (raw.strip().toUpperCase(Locale.ROOT)) {
      case "UP" -> WorkerStatus.Healthy;
      case "DOWN", "OUT_OF_SERVICE" -> WorkerStatus.Failed;
      case "UNKNOWN" -> WorkerStatus.Unknown;
      default -> StatusWords.common(raw);
    };
  }
}
