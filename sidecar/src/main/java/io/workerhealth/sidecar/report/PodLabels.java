package io.workerhealth.sidecar.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/** Reads the downward API's labels file: one {@code key="value"} per line, the value escaped like a Go string. */
public final class PodLabels {

  private PodLabels() {}

  /** The labels, or an empty map when the file does not exist; malformed lines are skipped. */
  public static Map<String, String> read(Path file) throws IOException {
    try {
      return parse(Files.readString(file));
    } catch (NoSuchFileException e) {
      return Map.of();
    }
  }

  /**
   * What to warn about at start-up when the labels file is missing or holds no labels, else null: the WorkerHealth
   * would carry no labels, and no WorkerHealthPolicy would ever select it.
   */
  public static String startupWarning(Path file, Map<String, String> labels) {
    if (!labels.isEmpty()) {
      return null;
    }
    return "labels file " + file + (Files.exists(file) ? " holds no labels" : " does not exist") + ": the WorkerHealth "
        + "gets no labels and no WorkerHealthPolicy will select this pod; mount the pod's labels with the downward "
        + "API (a volume with fieldRef metadata.labels) at WH_LABELS_FILE";
  }

  public static Map<String, String> parse(String text) {
    Map<String, String> labels = new TreeMap<>();
    for (String line : text.split("\n")) {
      int eq = line.indexOf('=');
      if (eq <= 0) {
        continue;
      }
      String key = line.substring(0, eq).strip();
      String raw = line.substring(eq + 1).strip();
      if (raw.length() < 2 || raw.charAt(0) != '"' || raw.charAt(raw.length() - 1) != '"') {
        continue;
      }
      labels.put(key, unescape(raw.substring(1, raw.length() - 1)));
    }
    return labels;
  }

  private static String unescape(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 1 < s.length()) {
        char n = s.charAt(++i);
        sb.append(switch (n) {
          case 'n' -> '\n';
          case 't' -> '\t';
          default -> n;
        });
      } else {
        sb.append(c);
      }
    }
    return sb.toString();
  }
}
