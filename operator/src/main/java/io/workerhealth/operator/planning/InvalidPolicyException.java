package io.workerhealth.operator.planning;

import java.util.List;

/** A policy the schema let through but that cannot be applied; the message lists every problem. */
public class InvalidPolicyException extends Exception {

  private final List<String> problems;

  public InvalidPolicyException(List<String> problems) {
    super(String.join("; ", problems));
    this.problems = List.copyOf(problems);
  }

  public List<String> problems() {
    return problems;
  }
}
