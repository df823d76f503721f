package io.workerhealth.sidecar.format;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.workerhealth.api.v1alpha1.ScrapeErrorReason;
import io.workerhealth.api.v1alpha1.SourceFormat;
import java.io.IOException;

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
  public boolean recognizes(HealthResponse response, JsonShape shape) {
    return shape.isObject() && shape.field("checks") == JsonToken.START_ARRAY
        && (shape.field("status") == JsonToken.VALUE_STRING || shape.field("outcome") == JsonToken.VALUE_STRING);
  }

  @Override
  public void parse(HealthResponse response, JsonShape shape, WorkerCollector out)
      throws IOException, HealthParseException {
    String status = null;
    String outcome = null;
    boolean checks = false;
    try (JsonParser p = JsonBody.open(response)) {
      JsonBody.expectObject(p, "microprofile");
      while (JsonBody.nextField(p)) {
        switch (p.currentName()) {
          case "status" -> status = StatusWords.worse(status, JsonBody.text(p, HealthFormats.MAX_RAW_STATUS_LENGTH),
              SpringActuatorFormat::status);
          case "outcome" -> outcome = StatusWords.worse(outcome,
              JsonBody.text(p, HealthFormats.MAX_RAW_STATUS_LENGTH), SpringActuatorFormat::status);
          case "checks" -> {
            if (p.currentToken() == JsonToken.START_ARRAY) {
              checks = true;
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
    if (!checks) {
      throw new HealthParseException(ScrapeErrorReason.ParseError, "microprofile body needs an array 'checks'");
    }
    String overall = status != null ? status : outcome;
    out.overall(overall, overall == null ? null : SpringActuatorFormat.status(overall));
  }

  private static void readChecks(JsonParser p, WorkerCollector out) throws IOException {
    int index = 0;
    while (p.nextToken() != JsonToken.END_ARRAY) {
      index++;
      if (p.currentToken() != JsonToken.START_OBJECT) {
        p.skipChildren();
        continue;
      }
      String name = null;
      String status = null;
      String state = null;
      String message = null;
      while (JsonBody.nextField(p)) {
        switch (p.currentName()) {
          case "name" -> name = JsonBody.text(p, HealthFormats.MAX_NAME_LENGTH);
          case "status" -> status = StatusWords.worse(status, JsonBody.text(p, HealthFormats.MAX_RAW_STATUS_LENGTH),
              SpringActuatorFormat::status);
          case "state" -> state = StatusWords.worse(state, JsonBody.text(p, HealthFormats.MAX_RAW_STATUS_LENGTH),
              SpringActuatorFormat::status);
          case "data" -> message = p.currentToken() == JsonToken.START_OBJECT ? dataMessage(p) : skip(p);
          default -> p.skipChildren();
        }
      }
      String raw = status != null ? status : state;
      out.add(name != null ? name : "check-" + index, SpringActuatorFormat.status(raw), raw, message);
    }
  }

  /** {@code data.error}, else {@code data.message}, else {@code data.reason}. */
  private static String dataMessage(JsonParser p) throws IOException {
    String error = null;
    String message = null;
    String reason = null;
    while (JsonBody.nextField(p)) {
      switch (p.currentName()) {
        case "error" -> error = JsonBody.text(p, HealthFormats.MAX_MESSAGE_LENGTH);
        case "message" -> message = JsonBody.text(p, HealthFormats.MAX_MESSAGE_LENGTH);
        case "reason" -> reason = JsonBody.text(p, HealthFormats.MAX_MESSAGE_LENGTH);
        default -> p.skipChildren();
      }
    }
    return error != null ? error : message != null ? message : reason;
  }

  private static String skip(JsonParser p) throws IOException {
    p.skipChildren();
    return null;
  }
}
