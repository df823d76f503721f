package io.workerhealth.operator.injection;

import java.util.List;

/** Sidecar settings that cannot be used; the message lists every problem, each naming its annotation. */
public final class InvalidSidecarSettingsException extends IllegalArgumentException {

  private final List<String> problems;

  public InvalidSidecarSettingsException(List<String> problems) {
    super(String.join("; ", problems));
    this.problems = List.copyOf(problems);
  }

  public List<String> problems() {
    return problems;
  }
}
