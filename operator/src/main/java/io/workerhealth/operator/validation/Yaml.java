package io.workerhealth.operator.validation;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.yaml.snakeyaml.LoaderOptions;

/**
 * YAML (and JSON) documents read into trees, up to {@link #MAX_CHARS}. SnakeYAML stops at 3 MiB of input by default,
 * less than {@code kubectl get wh -o yaml} prints for a few thousand pods; the limit is raised to a bound that still
 * keeps a mistaken input from exhausting memory.
 */
public final class Yaml {

  /** The largest document stream read: 256 MiB of text (about 50,000 WorkerHealths as kubectl prints them). */
  public static final int MAX_CHARS = 256 * 1024 * 1024;

  private static final YAMLMapper YAML;
  private static final ObjectMapper JSON = new ObjectMapper();

  static {
    LoaderOptions options = new LoaderOptions();
    options.setCodePointLimit(MAX_CHARS);
    YAML = new YAMLMapper(YAMLFactory.builder().loaderOptions(options).build());
  }

  private Yaml() {}

  /**
   * The documents of a YAML stream (or one JSON value), empty documents left out.
   *
   * @throws IllegalArgumentException with a one-line message when the text is not YAML or is too large
   */
  public static List<JsonNode> documents(String text) {
    if (text.length() > MAX_CHARS) {
      throw new IllegalArgumentException("more than " + (MAX_CHARS >> 20) + " MiB of text");
    }
    List<JsonNode> docs = new ArrayList<>();
    try {
      String start = text.stripLeading();
      if (start.startsWith("{") || start.startsWith("[")) {
        JsonNode node = JSON.readTree(text);
        if (node != null && !node.isMissingNode()) {
          docs.add(node);
        }
        return docs;
      }
      try (JsonParser parser = YAML.getFactory().createParser(text)) {
        var it = YAML.readValues(parser, JsonNode.class);
        while (it.hasNextValue()) {
          JsonNode node = it.nextValue();
          if (node != null && !node.isNull() && !node.isMissingNode()) {
            docs.add(node);
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("not valid YAML or JSON: " + oneLine(e), e);
    }
    return docs;
  }

  /** The one document of a YAML text. */
  public static JsonNode tree(String text) {
    List<JsonNode> docs = documents(text);
    if (docs.size() != 1) {
      throw new IllegalArgumentException("expected one YAML document, found " + docs.size());
    }
    return docs.get(0);
  }

  /** The innermost message of an exception, on one line. */
  public static String oneLine(Throwable e) {
    Throwable cause = e;
    while (cause.getCause() != null && cause.getCause() != cause) {
      cause = cause.getCause();
    }
    String message = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
    message = message.replaceAll("\\s+", " ").trim();
    return message.length() > 300 ? message.substring(0, 300) + "…" : message;
  }
}
