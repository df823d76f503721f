package io.workerhealth.charts;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What the proofs need to know about PromQL text: the expressions in a dashboard, and the metric names used. */
final class PromQl {

  private PromQl() {}

  /** A query of a dashboard panel. */
  record PanelQuery(String panel, String expr) {}

  /** Every {@code targets[].expr} of every panel, rows' nested panels included. */
  static List<PanelQuery> panelQueries(JsonNode dashboard) {
    List<PanelQuery> out = new ArrayList<>();
    collect(dashboard.path("panels"), out);
    return out;
  }

  private static void collect(JsonNode panels, List<PanelQuery> out) {
    for (JsonNode panel : panels) {
      for (JsonNode target : panel.path("targets")) {
        if (target.hasNonNull("expr")) {
          out.add(new PanelQuery(panel.path("title").asText(), target.path("expr").asText()));
        }
      }
      collect(panel.path("panels"), out);
    }
  }

  private static final Pattern VARIABLE = Pattern.compile("\\$\\{?([A-Za-z_][A-Za-z0-9_]*)(?::[a-z]+)?}?");

  /**
   * Replaces Grafana's variables as a user's selection would ({@code values}); a variable without a value is an
   * error, so a new variable cannot slip through unsubstituted.
   */
  static String substitute(String expr, Map<String, String> values) {
    Matcher m = VARIABLE.matcher(expr);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String value = values.get(m.group(1));
      if (value == null) {
        throw new AssertionError("no value for Grafana variable $" + m.group(1) + " in: " + expr);
      }
      m.appendReplacement(out, Matcher.quoteReplacement(value));
    }
    m.appendTail(out);
    return out.toString();
  }

  private static final Set<String> KEYWORDS = Set.of("by", "without", "on", "ignoring", "group_left",
      "group_right", "offset", "bool", "and", "or", "unless", "inf", "nan", "atan2");

  /**
   * The metric names an expression selects: identifiers that are not functions (followed by '('), keywords, label
   * names (inside braces or grouping lists) or durations.
   */
  static Set<String> metricNames(String expr) {
    String s = expr.replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", "\"\"") // strings
        .replaceAll("\\{[^}]*}", " ") // label matchers
        .replaceAll("\\[[^]]*]", " ") // ranges and subqueries
        .replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ");
    Set<String> names = new LinkedHashSet<>();
    Matcher m = Pattern.compile("(?<![A-Za-z0-9_:.])([A-Za-z_:][A-Za-z0-9_:]*)(\\s*\\()?").matcher(s);
    while (m.find()) {
      String id = m.group(1);
      boolean call = m.group(2) != null;
      if (!call && !KEYWORDS.contains(id.toLowerCase(java.util.Locale.ROOT))) {
        names.add(id);
      }
    }
    return names;
  }

  /** Whether a Prometheus text exposition has samples of this metric. */
  static boolean exposes(String exposition, String metric) {
    return Pattern.compile("(?m)^" + Pattern.quote(metric) + "[{ ]").matcher(exposition).find();
  }
}
