package io.workerhealth.sidecar.format;

import io.workerhealth.api.v1alpha1.ScrapeErrorReason;

/** A body that the detected or forced format cannot read; carries a reason users see in the WorkerHealth status. */
public class HealthParseException extends Exception {

  private final ScrapeErrorReason reason;

  public HealthParseException(ScrapeErrorReason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public HealthParseException(ScrapeErrorReason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  public ScrapeErrorReason reason() {
    return reason;
  }
}
