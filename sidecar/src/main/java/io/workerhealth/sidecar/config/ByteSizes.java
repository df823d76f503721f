package io.workerhealth.sidecar.config;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Sizes as Kubernetes quantities: {@code 1048576}, {@code 512Ki}, {@code 1Mi}, {@code 1M}. */
public final class ByteSizes {

  private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(Ki|Mi|Gi|k|K|M|G)?");

  private ByteSizes() {}

  public static long parse(String text) {
    Matcher m = text == null ? null : SIZE.matcher(text.strip());
    if (m == null || !m.matches()) {
      throw new IllegalArgumentException("'" + text + "' is not a size (use e.g. 1048576, 512Ki, 1Mi)");
    }
    long n;
    try {
      n = Long.parseLong(m.group(1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + text + "' is too large a size");
    }
    String unit = m.group(2) == null ? "" : m.group(2);
    long factor = switch (unit) {
      case "Ki" -> 1024L;
      case "Mi" -> 1024L * 1024;
      case "Gi" -> 1024L * 1024 * 1024;
      case "k", "K" -> 1000L;
      case "M" -> 1000L * 1000;
      case "G" -> 1000L * 1000 * 1000;
      default -> 1L;
    };
    try {
      return Math.multiplyExact(n, factor);
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException("'" + text + "' is too large a size");
    }
  }
}
