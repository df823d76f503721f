package io.workerhealth.sidecar.format;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * What auto-detection needs to know about a body, found in one streaming pass that builds nothing: whether it is
 * valid JSON (trailing content included), the top-level fields and the kind of each value, the top-level
 * {@code status} word, and two facts about {@code checks} and {@code details} that tell formats apart.
 */
final class JsonShape {

  /** How many top-level field names are remembered (the rest are only counted). */
  private static final int MAX_FIELDS = 32;

  private final boolean object;
  private final Map<String, JsonToken> fields;
  private final int fieldCount;
  private final String status;
  private final boolean checksAllArrays;
  private final boolean detailsAllStatusObjects;
  private final String jsonError;
  private final boolean looksLikeJson;

  private JsonShape(boolean object, Map<String, JsonToken> fields, int fieldCount, String status,
                    boolean checksAllArrays, boolean detailsAllStatusObjects, String jsonError, boolean looksLikeJson) {
    this.object = object;
    this.fields = fields;
    this.fieldCount = fieldCount;
    this.status = status;
    this.checksAllArrays = checksAllArrays;
    this.detailsAllStatusObjects = detailsAllStatusObjects;
    this.jsonError = jsonError;
    this.looksLikeJson = looksLikeJson;
  }

  static JsonShape of(HealthResponse response) {
    boolean looksLikeJson = startsWithJsonContainer(response.body());
    Map<String, JsonToken> fields = new LinkedHashMap<>();
    int count = 0;
    String status = null;
    boolean checksAllArrays = false;
    boolean detailsAllStatusObjects = false;
    boolean object = false;
    try (JsonParser p = JsonBody.open(response)) {
      JsonToken root = p.nextToken();
      if (root == null) {
        return new JsonShape(false, Map.of(), 0, null, false, false, "empty body", false);
      }
      if (root == JsonToken.START_OBJECT) {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String name = p.currentName();
          JsonToken value = p.nextToken();
          count++;
          if (fields.size() < MAX_FIELDS) {
            fields.putIfAbsent(name, value);
          }
          if (name.equals("status") && value == JsonToken.VALUE_STRING && status == null) {
            status = JsonBody.text(p, HealthFormats.MAX_RAW_STATUS_LENGTH);
          } else if (name.equals("checks") && value == JsonToken.START_OBJECT) {
            checksAllArrays = allArrays(p);
          } else if (name.equals("details") && value == JsonToken.START_OBJECT) {
            detailsAllStatusObjects = allStatusObjects(p);
          } else {
            p.skipChildren();
          }
        }
        object = true;
      } else {
        p.skipChildren();
      }
      JsonBody.expectEnd(p);
      return new JsonShape(object, fields, count, status, checksAllArrays, detailsAllStatusObjects, null, true);
    } catch (JsonProcessingException e) {
      return invalid(JsonBody.parseError(e).getMessage(), looksLikeJson);
    } catch (HealthParseException e) {
      return invalid(e.getMessage(), looksLikeJson);
    } catch (IOException | RuntimeException e) {
      return invalid("body could not be read: " + e.getMessage(), looksLikeJson);
    }
  }

  private static JsonShape invalid(String error, boolean looksLikeJson) {
    return new JsonShape(false, Map.of(), 0, null, false, false, error, looksLikeJson);
  }

  /** At a START_OBJECT: whether it has values and every one is an array (IETF's {@code checks}). */
  private static boolean allArrays(JsonParser p) throws IOException {
    boolean all = true;
    boolean any = false;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      JsonToken v = p.nextToken();
      any = true;
      all &= v == JsonToken.START_ARRAY;
      p.skipChildren();
    }
    return any && all;
  }

  /** At a START_OBJECT: whether it has values and every one is an object with a string {@code status}. */
  static boolean allStatusObjects(JsonParser p) throws IOException {
    boolean all = true;
    boolean any = false;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      JsonToken v = p.nextToken();
      any = true;
      if (v != JsonToken.START_OBJECT) {
        all = false;
        p.skipChildren();
        continue;
      }
      boolean hasStatus = false;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken fv = p.nextToken();
        hasStatus |= name.equals("status") && fv == JsonToken.VALUE_STRING;
        p.skipChildren();
      }
      all &= hasStatus;
    }
    return any && all;
  }

  private static boolean startsWithJsonContainer(byte[] body) {
    for (byte b : body) {
      if (b == ' ' || b == '\t' || b == '\r' || b == '\n') {
        continue;
      }
      return b == '{' || b == '[';
    }
    return false;
  }

  /** Whether the body is one valid JSON object. */
  boolean isObject() {
    return object;
  }

  /** The kind of a top-level field's value (START_OBJECT, START_ARRAY, VALUE_STRING, …), or null when absent. */
  JsonToken field(String name) {
    return fields.get(name);
  }

  /** Whether every top-level field is one of {@code allowed} (false when there were too many to remember). */
  boolean onlyFields(Set<String> allowed) {
    return fieldCount == fields.size() && allowed.containsAll(fields.keySet());
  }

  /** The first top-level field names, for messages. */
  Set<String> fieldNames() {
    return fields.keySet();
  }

  /** The top-level {@code status} string, or null. */
  String status() {
    return status;
  }

  /** Whether the top-level {@code checks} is an object of arrays. */
  boolean checksAllArrays() {
    return checksAllArrays;
  }

  /** Whether the top-level {@code details} is an object of objects with a string {@code status} (Spring Boot 2.0). */
  boolean detailsAllStatusObjects() {
    return detailsAllStatusObjects;
  }

  /** Why the body is not valid JSON, or null when it is. */
  String jsonError() {
    return jsonError;
  }

  /** Whether the body starts like a JSON object or array (so a JSON error is the thing to report). */
  boolean looksLikeJson() {
    return looksLikeJson;
  }
}
