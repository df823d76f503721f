package io.workerhealth.api.v1alpha1;

import java.time.Duration;

/** Durations in the API: a number and a unit, as in {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h}. */
public final class Durations {

  /** The schema's pattern for duration fields. */
  public static final String PATTERN = "^[0-9]{1,9}(ms|s|m|h)$";

  private Durations() {}

  /** Parses a duration; throws IllegalArgumentException with a message for users on anything else. */
  public static Duration parse(String text) {
    if (text == null || !text.matches(PATTERN)) {
      throw new IllegalArgumentException("'" + text + "' is not a duration like 30s, 5m or 1h");
    }
    String unit = text.replaceAll("[0-9]", "");
    long n = Long.parseLong(text.substring(0, text.length() - unit.length()));
    return switch (unit) {
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      default -> Duration.ofHours(n);
    };
  }
}
