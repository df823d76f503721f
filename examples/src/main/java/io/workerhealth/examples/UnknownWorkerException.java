package io.workerhealth.examples;

import java.util.Collection;
import java.util.List;

/** A fault named a worker the app does not run. */
public final class UnknownWorkerException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  public UnknownWorkerException(String worker, Collection<String> known) {
    super("unknown worker '" + worker + "'; this app runs " + List.copyOf(known));
  }
}
