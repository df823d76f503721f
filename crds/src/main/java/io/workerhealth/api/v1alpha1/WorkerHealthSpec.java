package io.workerhealth.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import java.util.Objects;

/** How the sidecar scrapes this pod; written by the sidecar when it creates the resource. */
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

  @JsonPropertyDescription("URL the sidecar scrapes.")
  private String targetURL;

  @JsonPropertyDescription("Format the sidecar was told to use (auto detects it per scrape).")
  private SourceFormat format;

  @JsonPropertyDescription("Seconds between scrapes.")
  @Min(MIN_INTERVAL_SECONDS)
  @Max(MAX_INTERVAL_SECONDS)
  private Integer intervalSeconds;

  @JsonPropertyDescription("Seconds between status writes when nothing changes; a report older than a few "
      + "heartbeats is stale.")
  @Min(MIN_HEARTBEAT_SECONDS)
  @Max(MAX_HEARTBEAT_SECONDS)
  private Integer heartbeatSeconds;

  public String getPodName() {
    return podName;
  }

  public void setPodName(String podName) {
    this.podName = podName;
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
        && Objects.equals(targetURL, s.targetURL)
        && format == s.format
        && Objects.equals(intervalSeconds, s.intervalSeconds)
        && Objects.equals(heartbeatSeconds, s.heartbeatSeconds);
  }

  @Override
  public int hashCode() {
    return Objects.hash(podName, targetURL, format, intervalSeconds, heartbeatSeconds);
  }
}
