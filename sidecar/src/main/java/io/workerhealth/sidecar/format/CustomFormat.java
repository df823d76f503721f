package io.workerhealth.sidecar.format;

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
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * For apps whose JSON is none of the known formats: where the workers are and which fields hold name, status and
 * message, as JSON Pointers ({@code /components}) or JSONPath ({@code $.components}), plus a status-word mapping.
 */
public final class CustomFormat implements HealthFormat {

  private static final Configuration JSON_PATH = Configuration.builder()
      .jsonProvider(new JacksonJsonNodeJsonProvider())
      .mappingProvider(new JacksonMappingProvider())
      .options(Option.SUPPRESS_EXCEPTIONS)
      .build();

  private final CustomFormatConfig config;

  public CustomFormat(CustomFormatConfig config) {
    this.config = config;
  }

  @Override
  public SourceFormat id() {
    return SourceFormat.CUSTOM;
  }

  @Override
  public boolean recognizes(HealthResponse response) {
    JsonNode root = Json.tryRead(response);
    if (root == null) {
      return false;
    }
    JsonNode workers = select(root, config.workers());
    return workers.isObject() || workers.isArray();
  }

  @Override
  public ParsedHealth parse(HealthResponse response) throws HealthParseException {
    JsonNode root = Json.read(response);
    JsonNode collection = select(root, config.workers());
    if (!collection.isObject() && !collection.isArray()) {
      throw new HealthParseException(ScrapeErrorReason.ParseError,
          "custom format: '" + config.workers() + "' does not point at an object or array of workers");
    }
    List<WorkerReading> workers = new ArrayList<>();
    if (collection.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = collection.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        String name = config.name() == null ? e.getKey() : textOr(select(e.getValue(), config.name()), e.getKey());
        workers.add(reading(name, e.getValue()));
      }
    } else {
      int i = 0;
      for (JsonNode worker : collection) {
        i++;
        String name = config.name() == null ? null : textOr(select(worker, config.name()), null);
        workers.add(reading(name != null ? name : "worker-" + i, worker));
      }
    }
    return new ParsedHealth(id(), null, workers, 0);
  }

  private WorkerReading reading(String name, JsonNode worker) {
    String raw = textOr(select(worker, config.status()), null);
    String message = config.message() == null ? null : textOr(select(worker, config.message()), null);
    return new WorkerReading(name, status(raw), raw, message);
  }

  private WorkerStatus status(String raw) {
    if (raw == null) {
      return WorkerStatus.Unknown;
    }
    WorkerStatus mapped = config.statusMap().get(raw.strip().toLowerCase(Locale.ROOT));
    return mapped != null ? mapped : StatusWords.common(raw);
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
