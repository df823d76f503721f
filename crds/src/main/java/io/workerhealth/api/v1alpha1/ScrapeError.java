package io.workerhealth.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.Objects;

/** Why the last scrape failed. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ScrapeError {

  @Required
  @JsonPropertyDescription("Machine-readable cause.")
  private ScrapeErrorReason reason;

  @Size(max = 1024)
  @JsonPropertyDescription("What happened, for a person.")
  private String message;

  public ScrapeError() {}

  public ScrapeError(ScrapeErrorReason reason, String message) {
    this.reason = reason;
    this.message = message;
  }

  public ScrapeErrorReason getReason() {
    return reason;
  }

  public void setReason(ScrapeErrorReason reason) {
    this.reason = reason;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ScrapeError e && reason == e.reason && Objects.equals(message, e.message);
  }

  @Override
  public int hashCode() {
    return Objects.hash(reason, message);
  }

  @Override
  public String toString() {
    return reason + ": " + message;
  }
}
