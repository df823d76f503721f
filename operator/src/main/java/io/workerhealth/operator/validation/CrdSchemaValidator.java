package io.workerhealth.operator.validation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cel.bundle.Cel;
import dev.cel.bundle.CelFactory;
import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelValidationException;
import dev.cel.common.types.SimpleType;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Validates an object against a CustomResourceDefinition's schema the way kube-apiserver does on create, so that an
 * offline check rejects exactly what the cluster rejects, with the same messages: nulls and unknown fields pruned,
 * defaults applied, the OpenAPI schema checked (type, enum, pattern, bounds, lengths, item counts, required),
 * {@code x-kubernetes-list-type: map} keys checked for duplicates, then the {@code x-kubernetes-validations} CEL rules
 * evaluated (with cel-java) unless an earlier error blocks them. Messages are kube-apiserver's field errors
 * ({@code spec.maxConcurrent: Invalid value: 0: spec.maxConcurrent in body should be greater than or equal to 1}).
 *
 * <p>Only the schema keywords in {@link #KNOWN_KEYWORDS} are understood; a schema using another one is refused when
 * the validator is built, so a new keyword in the CRD cannot be ignored silently. kube-apiserver reports errors of
 * one object in an order of its own (it walks Go maps); compare them as sets.
 */
public final class CrdSchemaValidator {

  static final Set<String> KNOWN_KEYWORDS = Set.of("type", "description", "properties", "additionalProperties",
      "items", "required", "enum", "pattern", "minimum", "maximum", "minLength", "maxLength", "minItems", "maxItems",
      "default", "nullable", "anyOf", "x-kubernetes-validations", "x-kubernetes-list-type",
      "x-kubernetes-list-map-keys", "x-kubernetes-int-or-string", "x-kubernetes-preserve-unknown-fields");

  private static final String BLOCKED = "<nil>: Invalid value: null: some validation rules were not checked because "
      + "the object was invalid; correct the existing errors to complete validation";
  private static final ObjectMapper JSON = new ObjectMapper()
      .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

  private final JsonNode schema;
  private final Cel cel = CelFactory.standardCelBuilder()
      .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
      .addVar("self", SimpleType.DYN)
      .build();
  private final Map<String, CelRuntime.Program> programs = new ConcurrentHashMap<>();
  private final Map<String, Pattern> patterns = new ConcurrentHashMap<>();

  /** An error of the kind kube-apiserver reports, and whether it keeps the CEL rules from running. */
  private record FieldError(String text, boolean blocking) {}

  /**
   * @param schema the {@code openAPIV3Schema} of the CRD version
   * @throws IllegalArgumentException when the schema uses a keyword this validator does not understand, or a CEL
   *                                  rule does not compile
   */
  public CrdSchemaValidator(JsonNode schema) {
    this.schema = schema;
    check(schema, "openAPIV3Schema");
  }

  private void check(JsonNode s, String where) {
    for (Iterator<String> it = s.fieldNames(); it.hasNext(); ) {
      String keyword = it.next();
      if (!KNOWN_KEYWORDS.contains(keyword)) {
        throw new IllegalArgumentException(where + ": schema keyword '" + keyword + "' is not supported");
      }
    }
    s.path("properties").fields().forEachRemaining(e -> check(e.getValue(), where + "." + e.getKey()));
    if (s.path("items").isObject()) {
      check(s.get("items"), where + "[]");
    }
    if (s.path("additionalProperties").isObject()) {
      check(s.get("additionalProperties"), where + "{}");
    }
    s.path("anyOf").forEach(a -> check(a, where + "(anyOf)"));
    s.path("x-kubernetes-validations").forEach(rule -> program(rule.path("rule").asText()));
  }

  /**
   * The errors kube-apiserver would answer when the object is created (empty: it would be accepted). Only the
   * properties of the schema's root other than {@code status} are checked: metadata has rules of its own, and the
   * status of a resource with a status subresource is dropped on create.
   */
  public List<String> validate(JsonNode object) {
    ObjectNode root = JSON.createObjectNode();
    if (object != null && object.isObject()) {
      object.fields().forEachRemaining(e -> {
        if (schema.path("properties").has(e.getKey()) && !e.getKey().equals("status")
            && !e.getKey().equals("metadata")) {
          root.set(e.getKey(), e.getValue().deepCopy());
        }
      });
    }
    prune(root, schema);
    applyDefaults(root, schema);
    List<FieldError> errors = new ArrayList<>();
    validateSchema(root, schema, "", errors);
    validateListMaps(root, schema, "", errors);
    List<String> out = new ArrayList<>(errors.stream().map(FieldError::text).toList());
    if (errors.stream().anyMatch(FieldError::blocking)) {
      out.add(BLOCKED);
    } else {
      validateRules(root, schema, "", out);
    }
    return out;
  }

  // ---- pruning and defaulting, as the API server does while decoding

  private static void prune(JsonNode node, JsonNode s) {
    if (s == null || s.isMissingNode()) {
      return;
    }
    if (node instanceof ObjectNode o) {
      boolean keepUnknown = s.path("x-kubernetes-preserve-unknown-fields").asBoolean(false);
      for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        JsonNode fieldSchema = fieldSchema(s, e.getKey());
        if (fieldSchema == null) {
          if (!keepUnknown) {
            it.remove(); // unknown fields are pruned
          }
          continue;
        }
        if (e.getValue().isNull() && !fieldSchema.path("nullable").asBoolean(false) && !fieldSchema.has("default")) {
          it.remove();
          continue;
        }
        prune(e.getValue(), fieldSchema);
      }
    } else if (node instanceof ArrayNode a) {
      a.forEach(item -> prune(item, s.path("items")));
    }
  }

  private static JsonNode fieldSchema(JsonNode s, String field) {
    if (s.path("properties").has(field)) {
      return s.path("properties").get(field);
    }
    if (s.path("additionalProperties").isObject()) {
      return s.get("additionalProperties");
    }
    return null;
  }

  private static void applyDefaults(JsonNode node, JsonNode s) {
    if (node instanceof ObjectNode o) {
      s.path("properties").fields().forEachRemaining(e -> {
        JsonNode value = o.get(e.getKey());
        if ((value == null || value.isNull()) && e.getValue().has("default")) {
          o.set(e.getKey(), e.getValue().get("default").deepCopy());
        }
      });
      o.fields().forEachRemaining(e -> {
        JsonNode fieldSchema = fieldSchema(s, e.getKey());
        if (fieldSchema != null) {
          applyDefaults(e.getValue(), fieldSchema);
        }
      });
    } else if (node instanceof ArrayNode a && s.path("items").isObject()) {
      a.forEach(item -> applyDefaults(item, s.get("items")));
    }
  }

  // ---- the OpenAPI schema, as kube-openapi's validators check it

  private void validateSchema(JsonNode value, JsonNode s, String path, List<FieldError> errors) {
    String name = path.isEmpty() ? "<nil>" : path;
    String in = path + " in body";
    String type = s.path("type").asText("");
    String actual = jsonType(value);
    if (!type.isEmpty() && !typeMatches(type, value)) {
      if (!(value.isNull() && s.path("nullable").asBoolean(false))) {
        String detail = in + " must be of type " + type + ": " + goQuote(actual);
        errors.add(new FieldError(name + ": Invalid value: " + goQuote(actual) + ": " + detail, true));
      }
    }
    if (s.has("anyOf") && !value.isNull()) {
      boolean any = false;
      for (JsonNode alternative : s.get("anyOf")) {
        List<FieldError> sub = new ArrayList<>();
        validateSchema(value, alternative, path, sub);
        any |= sub.isEmpty();
      }
      if (!any) {
        errors.add(new FieldError(name + ": Invalid value: " + goValue(value) + ": " + path
            + " in body must validate at least one schema (anyOf)", false));
      }
    }
    if (value.isTextual()) {
      String text = value.asText();
      if (s.has("maxLength") && text.codePointCount(0, text.length()) > s.get("maxLength").asLong()) {
        long max = s.get("maxLength").asLong();
        errors.add(new FieldError(name + ": Too long: may not be more than " + max + (max == 1 ? " byte" : " bytes"),
            true));
      } else if (s.has("minLength") && text.codePointCount(0, text.length()) < s.get("minLength").asLong()) {
        errors.add(new FieldError(name + ": Invalid value: " + goQuote(text) + ": " + in + " should be at least "
            + s.get("minLength").asLong() + " chars long", false));
      } else if (s.has("pattern") && !pattern(s.get("pattern").asText()).matcher(text).find()) {
        errors.add(new FieldError(name + ": Invalid value: " + goQuote(text) + ": " + in + " should match '"
            + s.get("pattern").asText() + "'", false));
      }
    }
    if (value.isNumber()) {
      double v = value.asDouble();
      if (s.has("maximum") && v > s.get("maximum").asDouble()) {
        errors.add(new FieldError(name + ": Invalid value: " + goValue(value) + ": " + in
            + " should be less than or equal to " + goNumber(s.get("maximum").asDouble()), false));
      }
      if (s.has("minimum") && v < s.get("minimum").asDouble()) {
        errors.add(new FieldError(name + ": Invalid value: " + goValue(value) + ": " + in
            + " should be greater than or equal to " + goNumber(s.get("minimum").asDouble()), false));
      }
    }
    if (value instanceof ArrayNode a) {
      for (int i = 0; i < a.size(); i++) {
        if (s.path("items").isObject()) {
          validateSchema(a.get(i), s.get("items"), path + "[" + i + "]", errors);
        }
      }
      if (s.has("minItems") && a.size() < s.get("minItems").asLong()) {
        errors.add(new FieldError(name + ": Invalid value: " + a.size() + ": " + in + " should have at least "
            + s.get("minItems").asLong() + " items", false));
      }
      if (s.has("maxItems") && a.size() > s.get("maxItems").asLong()) {
        long max = s.get("maxItems").asLong();
        errors.add(new FieldError(name + ": Too many: " + a.size() + ": must have at most " + max
            + (max == 1 ? " item" : " items"), true));
      }
    }
    if (s.has("enum") && !value.isNull()) {
      boolean found = false;
      List<String> allowed = new ArrayList<>();
      for (JsonNode e : s.get("enum")) {
        found |= e.equals(value);
        allowed.add(e.isTextual() ? goQuote(e.asText()) : goQuote(e.toString()));
      }
      if (!found) {
        errors.add(new FieldError(name + ": Unsupported value: " + goValue(value) + ": supported values: "
            + String.join(", ", allowed), true));
      }
    }
    if (value instanceof ObjectNode o) {
      o.fields().forEachRemaining(e -> {
        JsonNode fieldSchema = fieldSchema(s, e.getKey());
        if (fieldSchema != null) {
          validateSchema(e.getValue(), fieldSchema, path.isEmpty() ? e.getKey() : path + "." + e.getKey(), errors);
        }
      });
      s.path("required").forEach(r -> {
        if (!o.has(r.asText())) {
          errors.add(new FieldError((path.isEmpty() ? "" : path + ".") + r.asText() + ": Required value", true));
        }
      });
    }
  }

  /** Duplicate keys in {@code x-kubernetes-list-type: map} lists (and duplicate items of sets). */
  private void validateListMaps(JsonNode value, JsonNode s, String path, List<FieldError> errors) {
    if (value instanceof ArrayNode a) {
      String listType = s.path("x-kubernetes-list-type").asText("");
      if (listType.equals("map")) {
        List<String> keys = new ArrayList<>();
        s.path("x-kubernetes-list-map-keys").forEach(k -> keys.add(k.asText()));
        Set<String> seen = new LinkedHashSet<>();
        for (int i = 0; i < a.size(); i++) {
          if (!a.get(i).isObject()) {
            continue;
          }
          Map<String, Object> key = new LinkedHashMap<>();
          for (String k : keys) {
            if (a.get(i).has(k)) {
              key.put(k, JSON.convertValue(a.get(i).get(k), Object.class));
            }
          }
          String text = jsonText(key);
          if (!seen.add(text)) {
            errors.add(new FieldError(path + "[" + i + "]: Duplicate value: " + text, false));
          }
        }
      } else if (listType.equals("set")) {
        Set<JsonNode> seen = new LinkedHashSet<>();
        for (int i = 0; i < a.size(); i++) {
          if (!seen.add(a.get(i))) {
            errors.add(new FieldError(path + "[" + i + "]: Duplicate value: " + goValue(a.get(i)), false));
          }
        }
      }
      for (int i = 0; i < a.size(); i++) {
        validateListMaps(a.get(i), s.path("items"), path + "[" + i + "]", errors);
      }
    } else if (value instanceof ObjectNode o) {
      o.fields().forEachRemaining(e -> {
        JsonNode fieldSchema = fieldSchema(s, e.getKey());
        if (fieldSchema != null) {
          validateListMaps(e.getValue(), fieldSchema, path.isEmpty() ? e.getKey() : path + "." + e.getKey(), errors);
        }
      });
    }
  }

  // ---- x-kubernetes-validations

  private void validateRules(JsonNode value, JsonNode s, String path, List<String> errors) {
    if (value == null || value.isNull() || s == null || s.isMissingNode()) {
      return;
    }
    for (JsonNode rule : s.path("x-kubernetes-validations")) {
      String expression = rule.path("rule").asText();
      String where = path.isEmpty() ? "<nil>" : path;
      String shown = value.isObject() || value.isArray() ? "Invalid value" : "Invalid value: " + goValue(value);
      Object result;
      try {
        result = program(expression).eval(Map.of("self", celValue(value)));
      } catch (CelEvaluationException e) {
        errors.add(where + ": Invalid value: " + goQuote(s.path("type").asText()) + ": " + e.getMessage()
            + " evaluating rule: " + expression);
        continue;
      }
      if (!Boolean.TRUE.equals(result)) {
        String message = rule.has("message") ? rule.get("message").asText() : "failed rule: " + expression;
        errors.add(where + ": " + shown + ": " + message);
      }
    }
    if (value instanceof ObjectNode o) {
      o.fields().forEachRemaining(e -> validateRules(e.getValue(), fieldSchema(s, e.getKey()),
          path.isEmpty() ? e.getKey() : path + "." + e.getKey(), errors));
    } else if (value instanceof ArrayNode a) {
      for (int i = 0; i < a.size(); i++) {
        validateRules(a.get(i), s.path("items"), path + "[" + i + "]", errors);
      }
    }
  }

  private CelRuntime.Program program(String expression) {
    return programs.computeIfAbsent(expression, e -> {
      try {
        CelAbstractSyntaxTree ast = cel.compile(e).getAst();
        return cel.createProgram(ast);
      } catch (CelValidationException | CelEvaluationException ex) {
        throw new IllegalArgumentException("CEL rule does not compile: " + e + ": " + ex.getMessage(), ex);
      }
    });
  }

  /** The value as CEL sees it: maps, lists, int64, double, string, bool. */
  private static Object celValue(JsonNode value) {
    if (value.isObject()) {
      Map<String, Object> m = new LinkedHashMap<>();
      value.fields().forEachRemaining(e -> m.put(e.getKey(), celValue(e.getValue())));
      return m;
    }
    if (value.isArray()) {
      List<Object> l = new ArrayList<>();
      value.forEach(v -> l.add(celValue(v)));
      return l;
    }
    if (value.isIntegralNumber()) {
      return value.asLong();
    }
    if (value.isNumber()) {
      double d = value.asDouble();
      return d == Math.rint(d) && !Double.isInfinite(d) ? (Object) (long) d : (Object) d;
    }
    if (value.isBoolean()) {
      return value.asBoolean();
    }
    if (value.isNull()) {
      return dev.cel.common.values.NullValue.NULL_VALUE;
    }
    return value.asText();
  }

  // ---- Go's formatting of values in field errors

  private Pattern pattern(String regex) {
    return patterns.computeIfAbsent(regex, Pattern::compile);
  }

  private static boolean typeMatches(String type, JsonNode value) {
    return switch (type) {
      case "object" -> value.isObject();
      case "array" -> value.isArray();
      case "string" -> value.isTextual();
      case "boolean" -> value.isBoolean();
      case "integer" -> value.isIntegralNumber() || value.isNumber() && value.asDouble() == Math.rint(value.asDouble());
      case "number" -> value.isNumber();
      default -> true;
    };
  }

  private static String jsonType(JsonNode value) {
    if (value.isObject()) {
      return "object";
    }
    if (value.isArray()) {
      return "array";
    }
    if (value.isTextual()) {
      return "string";
    }
    if (value.isBoolean()) {
      return "boolean";
    }
    if (value.isIntegralNumber()) {
      return "integer";
    }
    if (value.isNumber()) {
      return "number";
    }
    return "null";
  }

  /** Go's {@code %v} for numbers and booleans, {@code %q} for strings, JSON for the rest. */
  static String goValue(JsonNode value) {
    if (value.isTextual()) {
      return goQuote(value.asText());
    }
    if (value.isIntegralNumber() || value.isBoolean()) {
      return value.asText();
    }
    if (value.isNumber()) {
      return goNumber(value.asDouble());
    }
    return jsonText(JSON.convertValue(value, Object.class));
  }

  static String goNumber(double d) {
    return d == Math.rint(d) && Math.abs(d) < 1e21 ? String.valueOf((long) d) : String.valueOf(d);
  }

  private static String jsonText(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      return String.valueOf(value);
    }
  }

  /** Go's {@code %q}: double quotes, with backslash escapes for quotes, backslashes and control characters. */
  static String goQuote(String s) {
    StringBuilder b = new StringBuilder("\"");
    s.codePoints().forEach(c -> {
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\t' -> b.append("\\t");
        case '\r' -> b.append("\\r");
        default -> {
          if (c < 0x20 || c == 0x7f) {
            b.append(String.format("\\x%02x", c));
          } else {
            b.appendCodePoint(c);
          }
        }
      }
    });
    return b.append('"').toString();
  }
}
