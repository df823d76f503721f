package io.workerhealth.examples;

import java.io.IOException;

/** The app refuses to start while its broker does not answer, as hookdeck/outpost does. */
public final class BrokerUnreachableException extends IOException {

  public BrokerUnreachableException(String broker, IOException cause) {
    super("refusing to start: the broker at " + broker + " does not answer (" + cause.getMessage() + ")", cause);
  }
}
