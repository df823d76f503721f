package io.workerhealth.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.Objects;

/** How this pod is scraped, and by whom; written by its reporter (sidecar or node agent) when it creates the resource. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class WorkerHealthSpec {

  /** Bounds of {@code intervalSeconds}; the sidecar refuses to start with a scrape interval outside them. */
  public static final int MIN_INTERVAL_SECONDS = 1;
  public static final int MAX_INTERVAL_SECONDS = 3600;
  /** Bounds of {@code heartbeatSeconds}; the sidecar refuses to start with a heartbeat outside them. */
  public static final int MIN_HEARTBEAT_SECONDS = 1;
  public static final int MAX_HEARTBEAT_SECONDS = 86400;

  @JsonPropertyDescription("Name of the pod this health belongs to (the resource carries the same name).")
  private String podName;

  @JsonPropertyDescription("Who reports this pod: its sidecar, or the node agent of its node. Never changes.")
  @ValidationRule(value = "self == oldSelf", message = "the reporter of a WorkerHealth cannot change")
  private Reporter reporter;

  @JsonPropertyDescription("URL the reporter scrapes.")
  private String targetURL;

  @JsonPropertyDescription("Format the reporter was told to use (auto detects it per scrape).")
  private SourceFormat format;

  @JsonPropertyDescription("Seconds between scrapes.")
  @Min(MIN_INTERVAL_SECONDS)
  @Max(MAX_INTERVAL_SECONDS)
  private Integer intervalSeconds;

  @JsonPropertyDescription("Seconds between status writes when nothing changes (sidecar); a report older than a few "
      + "heartbeats is stale. An agent writes on change only and renews its node's Lease instead.")
  @Min(MIN_HEARTBEAT_SECONDS)
  @Max(MAX_HEARTBEAT_SECONDS)
  private Integer heartbeatSeconds;

  public String getPodName() {
    return podName;
  }

  public void setPodName(String podName) {
    this.podName = podName;
  }

  public Reporter getReporter() {
    return reporter;
  }

  public void setReporter(Reporter reporter) {
    this.reporter = reporter;
  }

  public String getTargetURL() {
    return targetURL;
  }

  public void setTargetURL(String targetURL) {
    this.targetURL = targetURL;
  }

  public SourceFormat getFormat() {
    return format;
  }

  public void setFormat(SourceFormat format) {
    this.format = format;
  }

  public Integer getIntervalSeconds() {
    return intervalSeconds;
  }

  public void setIntervalSeconds(Integer intervalSeconds) {
    this.intervalSeconds = intervalSeconds;
  }

  public Integer getHeartbeatSeconds() {
    return heartbeatSeconds;
  }

  public void setHeartbeatSeconds(Integer heartbeatSeconds) {
    this.heartbeatSeconds = heartbeatSeconds;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof WorkerHealthSpec s
        && Objects.equals(podName, s.podName)
        && Objects.equals(reporter, s.reporter)
        && Objects.equals(targetURL, s.targetURL)
        && format == s.format
        && Objects.equals(intervalSeconds, s.intervalSeconds)
        && Objects.equals(heartbeatSeconds, s.heartbeatSeconds);
  }

  @Override
  public int hashCode() {
    return Objects.hash(podName, reporter, targetURL, format, intervalSeconds, heartbeatSeconds);
  }
}
