package io.workerhealth.sidecar.format;

import io.workerhealth.api.v1alpha1.WorkerStatus;
import java.util.Locale;
import java.util.function.Function;

/** The status vocabulary apps commonly use, compared case-insensitively. */
final class StatusWords {

  private StatusWords() {}

  /** A common word to its normalized state; anything unrecognized is Unknown. */
  static WorkerStatus common(String word) {
    if (word == null) {
      return WorkerStatus.Unknown;
    }
    return switch (word.strip().toLowerCase(Locale.ROOT)) {
      case "healthy", "up", "ok", "pass", "passed", "success", "running", "ready", "green", "true" ->
          WorkerStatus.Healthy;
      case "degraded", "warn", "warning", "yellow" -> WorkerStatus.Degraded;
      case "failed", "fail", "failure", "down", "error", "unhealthy", "out_of_service", "critical", "fatal", "red",
           "false", "dead", "stopped", "crashed" -> WorkerStatus.Failed;
      default -> WorkerStatus.Unknown;
    };
  }

  /**
   * Of two status words given for the same thing (a repeated {@code status} key), the one that maps to the worse
   * state; the first when they are as bad, or when one is absent the other.
   */
  static String worse(String first, String second, Function<String, WorkerStatus> map) {
    if (first == null) {
      return second;
    }
    if (second == null) {
      return first;
    }
    return WorkerCollector.severity(map.apply(second)) > WorkerCollector.severity(map.apply(first)) ? second : first;
  }
}
