package io.workerhealth.sidecar.format;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.jayway.jsonpath.Configuration;
import com.jayway.jsonpath.JsonPath;
import com.jayway.jsonpath.Option;
import com.jayway.jsonpath.spi.json.JacksonJsonNodeJsonProvider;
import com.jayway.jsonpath.spi.mapper.JacksonMappingProvider;
import io.workerhealth.api.v1alpha1.ScrapeErrorReason;
import io.workerhealth.api.v1alpha1.SourceFormat;
import io.workerhealth.api.v1alpha1.WorkerStatus;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * For apps whose JSON is none of the known formats: where the workers are and which fields hold name, status and
 * message, as JSON Pointers ({@code /components}) or JSONPath ({@code $.components}), plus a status-word mapping.
 *
 * <p>The workers' collection is found by streaming when its location is a JSON Pointer or a plain JSONPath
 * ({@code $.a.b}, {@code $['a'][0]}), and each worker is then read as a small tree of at most
 * {@value #ENTRY_VALUES} values for the relative pointers. Any other JSONPath (filters, wildcards, deep scans) needs
 * the whole body as a tree: bodies of up to {@value #BODY_VALUES} values.
 */
public final class CustomFormat implements HealthFormat {

  static final int ENTRY_VALUES = 1024;
  static final int BODY_VALUES = 20_000;

  private static final Configuration JSON_PATH = Configuration.builder()
      .jsonProvider(new JacksonJsonNodeJsonProvider())
      .mappingProvider(new JacksonMappingProvider())
      .options(Option.SUPPRESS_EXCEPTIONS)
      .build();
  private static final Pattern PLAIN_PATH_STEP = Pattern.compile("\\.([A-Za-z_$][\\w$-]*)|\\['([^'\\\\]*)']|\\[(\\d+)]");

  private final CustomFormatConfig config;
  /** The workers' location as pointer segments, or null when it is a JSONPath that needs the whole tree. */
  private final List<String> pointer;

  public CustomFormat(CustomFormatConfig config) {
    this.config = config;
    this.pointer = segments(config.workers());
  }

  @Override
  public SourceFormat id() {
    return SourceFormat.CUSTOM;
  }

  @Override
  public boolean recognizes(HealthResponse response, JsonShape shape) {
    if (shape.jsonError() != null) {
      return false;
    }
    try (JsonParser p = JsonBody.open(response)) {
      p.nextToken();
      if (pointer != null) {
        return walk(p, pointer);
      }
      BoundedTree tree = BoundedTree.read(p, BODY_VALUES);
      JsonNode workers = select(tree.root(), config.workers());
      return !tree.truncated() && (workers.isObject() || workers.isArray());
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  @Override
  public void parse(HealthResponse response, JsonShape shape, WorkerCollector out)
      throws IOException, HealthParseException {
    try (JsonParser p = JsonBody.open(response)) {
      if (p.nextToken() == null) {
        throw new HealthParseException(ScrapeErrorReason.ParseError, "empty body, expected JSON");
      }
      if (pointer != null) {
        if (!walk(p, pointer)) {
          throw notFound();
        }
        readCollection(p, out);
        // the rest of the body is still read: it must be valid JSON, and nothing may follow it
        while (!p.getParsingContext().inRoot() && p.nextToken() != null) {
          p.skipChildren();
        }
      } else {
        BoundedTree tree = BoundedTree.read(p, BODY_VALUES);
        if (tree.truncated()) {
          throw new HealthParseException(ScrapeErrorReason.ParseError, "custom format: the JSONPath '"
              + config.workers() + "' needs the whole body, and it has more than " + BODY_VALUES
              + " JSON values; a JSON Pointer (or a plain $.a.b path) reads bodies of any size");
        }
        JsonNode collection = select(tree.root(), config.workers());
        if (!collection.isObject() && !collection.isArray()) {
          throw notFound();
        }
        readTree(collection, out);
      }
      JsonBody.expectEnd(p);
    }
  }

  private HealthParseException notFound() {
    return new HealthParseException(ScrapeErrorReason.ParseError,
        "custom format: '" + config.workers() + "' does not point at an object or array of workers");
  }

  /**
   * From the current value, follows the pointer; true when the parser then stands on the START of an object or array.
   * Values passed on the way are skipped, not built.
   */
  private static boolean walk(JsonParser p, List<String> segments) throws IOException {
    for (String segment : segments) {
      JsonToken t = p.currentToken();
      boolean found = false;
      if (t == JsonToken.START_OBJECT) {
        while (JsonBody.nextField(p)) {
          if (p.currentName().equals(segment)) {
            found = true;
            break;
          }
          p.skipChildren();
        }
      } else if (t == JsonToken.START_ARRAY && segment.matches("0|[1-9]\\d{0,8}")) {
        int wanted = Integer.parseInt(segment);
        int i = 0;
        while (p.nextToken() != JsonToken.END_ARRAY) {
          if (i++ == wanted) {
            found = true;
            break;
          }
          p.skipChildren();
        }
      }
      if (!found) {
        return false;
      }
    }
    return p.currentToken() == JsonToken.START_OBJECT || p.currentToken() == JsonToken.START_ARRAY;
  }

  private void readCollection(JsonParser p, WorkerCollector out) throws IOException {
    if (p.currentToken() == JsonToken.START_OBJECT) {
      while (JsonBody.nextField(p)) {
        String key = p.currentName();
        BoundedTree worker = BoundedTree.read(p, ENTRY_VALUES);
        String name = config.name() == null ? key : textOr(select(worker.root(), config.name()), key);
        add(out, name, worker);
      }
    } else {
      int i = 0;
      while (p.nextToken() != JsonToken.END_ARRAY) {
        i++;
        BoundedTree worker = BoundedTree.read(p, ENTRY_VALUES);
        String name = config.name() == null ? null : textOr(select(worker.root(), config.name()), null);
        add(out, name != null ? name : "worker-" + i, worker);
      }
    }
  }

  private void readTree(JsonNode collection, WorkerCollector out) {
    if (collection.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = collection.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        String name = config.name() == null ? e.getKey() : textOr(select(e.getValue(), config.name()), e.getKey());
        add(out, name, e.getValue(), false, false);
      }
    } else {
      int i = 0;
      for (JsonNode worker : collection) {
        i++;
        String name = config.name() == null ? null : textOr(select(worker, config.name()), null);
        add(out, name != null ? name : "worker-" + i, worker, false, false);
      }
    }
  }

  private void add(WorkerCollector out, String name, BoundedTree worker) {
    add(out, name, worker.root(), worker.truncated(), worker.repeatedKeys());
  }

  private void add(WorkerCollector out, String name, JsonNode worker, boolean truncated, boolean repeatedKeys) {
    String raw = textOr(select(worker, config.status()), null);
    String message = config.message() == null ? null : textOr(select(worker, config.message()), null);
    WorkerStatus status = status(raw);
    // A worker's entry read in part, or repeating a key, cannot be called healthy on what was read of it.
    if (status == WorkerStatus.Healthy && (truncated || repeatedKeys)) {
      status = WorkerStatus.Unknown;
      message = (truncated ? "entry larger than " + ENTRY_VALUES + " JSON values, read in part"
          : "entry repeats a field name") + "; its status '" + raw + "' is ambiguous"
          + (message == null ? "" : ": " + message);
    }
    out.add(name, status, raw, message);
  }

  private WorkerStatus status(String raw) {
    if (raw == null) {
      return WorkerStatus.Unknown;
    }
    WorkerStatus mapped = config.statusMap().get(raw.strip().toLowerCase(Locale.ROOT));
    return mapped != null ? mapped : StatusWords.common(raw);
  }

  /**
   * A JSON Pointer ({@code /a/b}, {@code a/b}, empty or {@code /} for the root) or a plain JSONPath ({@code $},
   * {@code $.a.b}, {@code $['a'][0]}) as pointer segments; null for any other JSONPath.
   */
  static List<String> segments(String expression) {
    List<String> segments = new ArrayList<>();
    if (expression == null || expression.isEmpty() || expression.equals("/")) {
      return segments;
    }
    if (expression.startsWith("$")) {
      Matcher m = PLAIN_PATH_STEP.matcher(expression);
      int at = 1;
      while (at < expression.length() && m.find(at) && m.start() == at) {
        segments.add(m.group(1) != null ? m.group(1) : m.group(2) != null ? m.group(2) : m.group(3));
        at = m.end();
      }
      return at == expression.length() ? segments : null;
    }
    String pointer = expression.startsWith("/") ? expression.substring(1) : expression;
    for (String s : pointer.split("/", -1)) {
      segments.add(s.replace("~1", "/").replace("~0", "~"));
    }
    return segments;
  }

  /** A JSONPath ({@code $…}) or JSON Pointer ({@code /…}, or empty for the node itself) applied to {@code node}. */
  static JsonNode select(JsonNode node, String expression) {
    if (expression == null || expression.isEmpty() || expression.equals("/") && !node.has("")) {
      return node;
    }
    if (expression.startsWith("$")) {
      try {
        Object result = JsonPath.using(JSON_PATH).parse(node).read(expression);
        return result instanceof JsonNode n ? n : MissingNode.getInstance();
      } catch (RuntimeException e) {
        return MissingNode.getInstance();
      }
    }
    String pointer = expression.startsWith("/") ? expression : "/" + expression;
    try {
      return node.at(pointer);
    } catch (IllegalArgumentException e) {
      return MissingNode.getInstance();
    }
  }

  private static String textOr(JsonNode node, String fallback) {
    return node != null && node.isValueNode() && !node.isNull() ? node.asText() : fallback;
  }
}
