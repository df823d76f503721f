package io.workerhealth.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/** Where the policy is in recovering from a shared outage; absent when there is none. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RecoveryStatus {

  @JsonPropertyDescription("Held, Canary, BackingOff or Rolling.")
  private RecoveryPhase phase;

  @JsonPropertyDescription("Since when the policy is in this phase (RFC 3339).")
  private String phaseSince;

  @JsonPropertyDescription("Since when too many pods have been unhealthy: the start of the outage (RFC 3339).")
  private String heldSince;

  @JsonPropertyDescription("Canaries (and rolling restarts) in a row whose worker did not recover.")
  private Integer notRecovered;

  @JsonPropertyDescription("The pod restarted as the last canary.")
  private String canaryPod;

  @JsonPropertyDescription("When the next step is due (RFC 3339): the first canary, the next canary after backing "
      + "off, or the next dependency check.")
  private String nextTryTime;

  @JsonPropertyDescription("What the policy does and why, in words.")
  private String message;

  @JsonPropertyDescription("With recovery.dependency: whether it answered at the last check.")
  private Boolean dependencyReachable;

  @JsonPropertyDescription("With recovery.dependency: what the last check found.")
  private String dependencyMessage;

  @JsonPropertyDescription("With recovery.dependency: when it was last checked (RFC 3339).")
  private String dependencyCheckedTime;

  public RecoveryStatus() {}

  public RecoveryStatus(RecoveryStatus o) {
    this.phase = o.phase;
    this.phaseSince = o.phaseSince;
    this.heldSince = o.heldSince;
    this.notRecovered = o.notRecovered;
    this.canaryPod = o.canaryPod;
    this.nextTryTime = o.nextTryTime;
    this.message = o.message;
    this.dependencyReachable = o.dependencyReachable;
    this.dependencyMessage = o.dependencyMessage;
    this.dependencyCheckedTime = o.dependencyCheckedTime;
  }

  public RecoveryPhase getPhase() {
    return phase;
  }

  public void setPhase(RecoveryPhase phase) {
    this.phase = phase;
  }

  public String getPhaseSince() {
    return phaseSince;
  }

  public void setPhaseSince(String phaseSince) {
    this.phaseSince = phaseSince;
  }

  public String getHeldSince() {
    return heldSince;
  }

  public void setHeldSince(String heldSince) {
    this.heldSince = heldSince;
  }

  public Integer getNotRecovered() {
    return notRecovered;
  }

  public void setNotRecovered(Integer notRecovered) {
    this.notRecovered = notRecovered;
  }

  public String getCanaryPod() {
    return canaryPod;
  }

  public void setCanaryPod(String canaryPod) {
    this.canaryPod = canaryPod;
  }

  public String getNextTryTime() {
    return nextTryTime;
  }

  public void setNextTryTime(String nextTryTime) {
    this.nextTryTime = nextTryTime;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
  }

  public Boolean getDependencyReachable() {
    return dependencyReachable;
  }

  public void setDependencyReachable(Boolean dependencyReachable) {
    this.dependencyReachable = dependencyReachable;
  }

  public String getDependencyMessage() {
    return dependencyMessage;
  }

  public void setDependencyMessage(String dependencyMessage) {
    this.dependencyMessage = dependencyMessage;
  }

  public String getDependencyCheckedTime() {
    return dependencyCheckedTime;
  }

  public void setDependencyCheckedTime(String dependencyCheckedTime) {
    this.dependencyCheckedTime = dependencyCheckedTime;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RecoveryStatus r && phase == r.phase && Objects.equals(phaseSince, r.phaseSince)
        && Objects.equals(heldSince, r.heldSince) && Objects.equals(notRecovered, r.notRecovered)
        && Objects.equals(canaryPod, r.canaryPod) && Objects.equals(nextTryTime, r.nextTryTime)
        && Objects.equals(message, r.message) && Objects.equals(dependencyReachable, r.dependencyReachable)
        && Objects.equals(dependencyMessage, r.dependencyMessage)
        && Objects.equals(dependencyCheckedTime, r.dependencyCheckedTime);
  }

  @Override
  public int hashCode() {
    return Objects.hash(phase, phaseSince, heldSince, notRecovered, canaryPod, nextTryTime, message);
  }

  @Override
  public String toString() {
    return phase + " since " + phaseSince + " (held since " + heldSince + ", next try " + nextTryTime + "): " + message;
  }
}
