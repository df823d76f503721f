package io.workerhealth.sidecar.format;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;

/**
 * A JSON tree of at most a given number of values, built from the parser's current value, for the few places that
 * need to look at a value as a whole (the custom format's pointers, Spring Boot 2.0's details). Strings are kept up to
 * {@link #MAX_STRING} characters; values beyond the budget are skipped (the parser still reads past them) and the tree
 * says it was cut.
 */
final class BoundedTree {

  static final int MAX_STRING = HealthFormats.MAX_MESSAGE_LENGTH + 1;

  private final JsonNode root;
  private final boolean truncated;
  private final boolean repeatedKeys;

  private BoundedTree(JsonNode root, boolean truncated, boolean repeatedKeys) {
    this.root = root;
    this.truncated = truncated;
    this.repeatedKeys = repeatedKeys;
  }

  /** The tree of the parser's current value; the parser ends on the value's last token. */
  static BoundedTree read(JsonParser p, int maxValues) throws IOException {
    Builder b = new Builder(maxValues);
    JsonNode root = b.value(p);
    return new BoundedTree(root == null ? JsonNodeFactory.instance.missingNode() : root, b.truncated, b.repeatedKeys);
  }

  JsonNode root() {
    return root;
  }

  /** Whether values were left out because the budget ran out. */
  boolean truncated() {
    return truncated;
  }

  /** Whether an object repeated a key (the tree keeps the last value, so what it says is ambiguous). */
  boolean repeatedKeys() {
    return repeatedKeys;
  }

  private static final class Builder {
    private int budget;
    private boolean truncated;
    private boolean repeatedKeys;

    Builder(int budget) {
      this.budget = budget;
    }

    /** The current value as a node, or null when over budget (then skipped). */
    JsonNode value(JsonParser p) throws IOException {
      if (budget <= 0) {
        truncated = true;
        p.skipChildren();
        return null;
      }
      budget--;
      JsonNodeFactory f = JsonNodeFactory.instance;
      JsonToken t = p.currentToken();
      switch (t) {
        case START_OBJECT: {
          ObjectNode o = f.objectNode();
          while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            p.nextToken();
            JsonNode v = value(p);
            if (v != null && o.replace(name, v) != null) {
              repeatedKeys = true;
            }
          }
          return o;
        }
        case START_ARRAY: {
          ArrayNode a = f.arrayNode();
          while (p.nextToken() != JsonToken.END_ARRAY) {
            JsonNode v = value(p);
            if (v != null) {
              a.add(v);
            }
          }
          return a;
        }
        case VALUE_STRING:
          return f.textNode(JsonBody.text(p, MAX_STRING));
        case VALUE_NUMBER_INT:
          // at most JsonBody.MAX_NUMBER digits
          return p.getNumberType() == JsonParser.NumberType.BIG_INTEGER ? f.numberNode(p.getBigIntegerValue())
              : f.numberNode(p.getLongValue());
        case VALUE_NUMBER_FLOAT:
          return f.numberNode(p.getDoubleValue()); // 1e999999999 is Infinity, not a huge BigDecimal
        case VALUE_TRUE:
          return f.booleanNode(true);
        case VALUE_FALSE:
          return f.booleanNode(false);
        default:
          return f.nullNode();
      }
    }
  }
}
