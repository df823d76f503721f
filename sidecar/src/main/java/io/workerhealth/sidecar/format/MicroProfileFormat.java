package io.workerhealth.sidecar.format;

import com.fasterxml.jackson.databind.JsonNode;
import io.workerhealth.api.v1alpha1.ScrapeErrorReason;
import io.workerhealth.api.v1alpha1.SourceFormat;
import java.util.ArrayList;
import java.util.List;

/**
 * MicroProfile Health: {@code {"status":"UP","checks":[{"name":"…","status":"DOWN","data":{…}}]}}. The 1.0 names
 * {@code outcome} and {@code state} are accepted too. A message comes from {@code data.error}, {@code data.message}
 * or {@code data.reason}.
 */
public final class MicroProfileFormat implements HealthFormat {

  @Override
  public SourceFormat id() {
    return SourceFormat.MICROPROFILE;
  }

  @Override
  public boolean recognizes(HealthResponse response) {
    JsonNode root = Json.tryRead(response);
    return root != null && root.isObject() && root.path("checks").isArray()
        && (root.path("status").isTextual() || root.path("outcome").isTextual());
  }

  @Override
  public ParsedHealth parse(HealthResponse response) throws HealthParseException {
    JsonNode root = Json.read(response);
    if (!root.isObject() || !root.path("checks").isArray()) {
      throw new HealthParseException(ScrapeErrorReason.ParseError, "microprofile body needs an array 'checks'");
    }
    List<WorkerReading> workers = new ArrayList<>();
    int index = 0;
    for (JsonNode check : root.path("checks")) {
      index++;
      if (!check.isObject()) {
        continue;
      }
      String name = Json.text(check, "name");
      String raw = Json.text(check, "status") != null ? Json.text(check, "status") : Json.text(check, "state");
      JsonNode data = check.path("data");
      String message = firstText(data, "error", "message", "reason");
      workers.add(new WorkerReading(name != null ? name : "check-" + index, SpringActuatorFormat.status(raw), raw,
          message));
    }
    String overall = Json.text(root, "status") != null ? Json.text(root, "status") : Json.text(root, "outcome");
    return new ParsedHealth(id(), overall, workers, 0);
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
