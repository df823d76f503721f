package io.workerhealth.sidecar.format;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.workerhealth.api.v1alpha1.ScrapeErrorReason;
import java.io.IOException;

/** JSON reading shared by the formats, with limits so that a hostile body cannot exhaust the sidecar. */
final class Json {

  private static final ObjectMapper MAPPER = new ObjectMapper(JsonFactory.builder()
      .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).maxStringLength(1 << 20).build())
      .build());

  private Json() {}

  /** The body as a JSON tree, or null when it is not JSON (cheap enough for detection: bodies are capped). */
  static JsonNode tryRead(HealthResponse response) {
    try {
      return read(response);
    } catch (HealthParseException e) {
      return null;
    }
  }

  static JsonNode read(HealthResponse response) throws HealthParseException {
    try {
      JsonNode node = MAPPER.readTree(response.body());
      if (node == null || node.isMissingNode()) {
        throw new HealthParseException(ScrapeErrorReason.ParseError, "empty body, expected JSON");
      }
      return node;
    } catch (JsonProcessingException e) {
      throw new HealthParseException(ScrapeErrorReason.ParseError,
          "body is not valid JSON: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new HealthParseException(ScrapeErrorReason.ParseError, "body could not be read: " + e.getMessage(), e);
    }
  }

  /** A text field, or null. */
  static String text(JsonNode node, String field) {
    JsonNode v = node == null ? null : node.get(field);
    return v != null && v.isValueNode() && !v.isNull() ? v.asText() : null;
  }
}
