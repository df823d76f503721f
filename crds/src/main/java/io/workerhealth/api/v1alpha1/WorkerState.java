package io.workerhealth.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.Objects;

/** One worker of a pod. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class WorkerState {

  @Required
  @Size(min = 1, max = 253)
  @JsonPropertyDescription("Worker name as the app reports it (nested components are joined with '/').")
  private String name;

  @Required
  @JsonPropertyDescription("Normalized state.")
  private WorkerStatus status;

  @Size(max = 64)
  @JsonPropertyDescription("The app's own status word, e.g. 'failed', 'DOWN', 'Unhealthy'.")
  private String rawStatus;

  @Size(max = 1024)
  @JsonPropertyDescription("Detail the app gave (error, output or description), truncated.")
  private String message;

  @JsonPropertyDescription("When the normalized status last changed, as seen by the sidecar (RFC 3339).")
  private String lastTransitionTime;

  public WorkerState() {}

  public WorkerState(String name, WorkerStatus status, String rawStatus, String message, String lastTransitionTime) {
    this.name = name;
    this.status = status;
    this.rawStatus = rawStatus;
    this.message = message;
    this.lastTransitionTime = lastTransitionTime;
  }

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public WorkerStatus getStatus() {
    return status;
  }

  public void setStatus(WorkerStatus status) {
    this.status = status;
  }

  public String getRawStatus() {
    return rawStatus;
  }

  public void setRawStatus(String rawStatus) {
    this.rawStatus = rawStatus;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
  }

  public String getLastTransitionTime() {
    return lastTransitionTime;
  }

  public void setLastTransitionTime(String lastTransitionTime) {
    this.lastTransitionTime = lastTransitionTime;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof WorkerState w
        && Objects.equals(name, w.name)
        && status == w.status
        && Objects.equals(rawStatus, w.rawStatus)
        && Objects.equals(message, w.message)
        && Objects.equals(lastTransitionTime, w.lastTransitionTime);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, status, rawStatus, message, lastTransitionTime);
  }

  @Override
  public String toString() {
    return name + "=" + status + (rawStatus == null ? "" : "(" + rawStatus + ")");
  }
}
