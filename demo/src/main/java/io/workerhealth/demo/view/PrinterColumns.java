package io.workerhealth.demo.view;

import com.jayway.jsonpath.Configuration;
import com.jayway.jsonpath.JsonPath;
import com.jayway.jsonpath.Option;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The columns {@code kubectl get} prints for a custom resource: NAME, then the CRD's additionalPrinterColumns of
 * priority 0 (priority 1 only with {@code -o wide}), each a JSONPath into the object; dates shown as ages.
 */
public final class PrinterColumns {

  private static final Configuration JSON_PATH = Configuration.defaultConfiguration()
      .addOptions(Option.SUPPRESS_EXCEPTIONS);

  private final List<CustomResourceColumnDefinition> columns;

  public PrinterColumns(List<CustomResourceColumnDefinition> columns) {
    this.columns = columns.stream().filter(c -> c.getPriority() == null || c.getPriority() == 0).toList();
  }

  /** The printer columns of a generated CRD on the classpath, e.g. {@code crds/workerhealths...-v1.yml}. */
  public static PrinterColumns fromCrdResource(String resource) {
    try (InputStream in = PrinterColumns.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("no " + resource + " on the classpath");
      }
      CustomResourceDefinition crd = new KubernetesSerialization().unmarshal(in, CustomResourceDefinition.class);
      return new PrinterColumns(crd.getSpec().getVersions().stream().filter(v -> Boolean.TRUE.equals(v.getStorage()))
          .findFirst().orElseThrow().getAdditionalPrinterColumns());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public List<String> headers() {
    List<String> headers = new ArrayList<>(List.of("NAME"));
    columns.forEach(c -> headers.add(c.getName().toUpperCase(Locale.ROOT)));
    return headers;
  }

  /** Indexes (in a row) of the columns shown as ages: they change every second without anything happening. */
  public List<Integer> ageColumns() {
    List<Integer> indexes = new ArrayList<>();
    for (int i = 0; i < columns.size(); i++) {
      if ("date".equals(columns.get(i).getType())) {
        indexes.add(i + 1);
      }
    }
    return indexes;
  }

  /** One row: the object's name, then each column's value ({@code json} is the object as JSON). */
  public List<String> row(String name, String json, Instant now) {
    List<String> row = new ArrayList<>(List.of(name));
    Object document = JSON_PATH.jsonProvider().parse(json);
    for (CustomResourceColumnDefinition column : columns) {
      Object value = JsonPath.using(JSON_PATH).parse(document).read("$" + column.getJsonPath());
      String text = text(value);
      row.add("date".equals(column.getType()) ? age(text, now) : text);
    }
    return row;
  }

  private static String text(Object value) {
    if (value instanceof List<?> list) {
      return list.isEmpty() ? "" : text(list.get(0)); // a filter expression: kubectl prints the first match
    }
    return value == null ? "" : value.toString();
  }

  static String age(String timestamp, Instant now) {
    if (timestamp.isEmpty()) {
      return "";
    }
    try {
      return humanDuration(Duration.between(Instant.parse(timestamp), now));
    } catch (DateTimeParseException e) {
      return timestamp;
    }
  }

  /** Like kubectl's ages: 45s, 3m12s, 2h, 5d. */
  static String humanDuration(Duration d) {
    long seconds = Math.max(0, d.getSeconds());
    if (seconds < 120) {
      return seconds + "s";
    }
    long minutes = seconds / 60;
    if (minutes < 10) {
      return seconds % 60 == 0 ? minutes + "m" : minutes + "m" + seconds % 60 + "s";
    }
    if (minutes < 180) {
      return minutes + "m";
    }
    long hours = minutes / 60;
    return hours < 48 ? hours + "h" : hours / 24 + "d";
  }
}
