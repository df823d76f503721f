package io.workerhealth.operator;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Checks a shard selector (WH_SHARD_SELECTOR) at start-up, in the string form the API server takes for list and
 * watch ({@code workerhealth.io/shard=a}, {@code tier in (x,y)}, {@code !canary}, comma-separated, all ANDed), so a
 * typo is a clear message instead of an informer that cannot start. The API server remains the judge of the details.
 */
final class ShardSelectors {

  private static final String KEY = "([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?";
  private static final String VALUE = "([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?";
  private static final Pattern REQUIREMENT = Pattern.compile(
      "!?\\s*" + KEY
          + "|" + KEY + "\\s*(=|==|!=)\\s*" + VALUE
          + "|" + KEY + "\\s+(in|notin)\\s+\\(\\s*" + VALUE + "(\\s*,\\s*" + VALUE + ")*\\s*\\)");

  private ShardSelectors() {}

  /** What is wrong with {@code selector}, or null when it reads as a label selector. */
  static String problem(String selector) {
    for (String part : requirements(selector)) {
      if (!REQUIREMENT.matcher(part.strip()).matches()) {
        return "'" + part.strip() + "' is not a label selector requirement (key, !key, key=value, key!=value, "
            + "key in (a,b), key notin (a,b))";
      }
    }
    return null;
  }

  /** The comma-separated requirements, commas inside parentheses kept. */
  private static List<String> requirements(String selector) {
    List<String> parts = new ArrayList<>();
    int depth = 0;
    int start = 0;
    for (int i = 0; i < selector.length(); i++) {
      char c = selector.charAt(i);
      if (c == '(') {
        depth++;
      } else if (c == ')') {
        depth--;
      } else if (c == ',' && depth == 0) {
        parts.add(selector.substring(start, i));
        start = i + 1;
      }
    }
    parts.add(selector.substring(start));
    return parts;
  }
}
