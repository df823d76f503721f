package io.workerhealth.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** A dependency the operator itself checks during an outage: when it answers, the hold is lifted. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "has(self.tcp) != has(self.http)", message = "set either tcp or http")
public class DependencyCheck {

  public static final String DEFAULT_TIMEOUT = "2s";
  public static final String DEFAULT_INTERVAL = "10s";

  @Size(max = 63)
  @JsonPropertyDescription("A name for messages, e.g. rabbitmq. Default: the address.")
  private String name;

  @Size(min = 3, max = 300)
  @Pattern("^[^\\s:]+:[0-9]{1,5}$")
  @JsonPropertyDescription("host:port that accepts a TCP connection when the dependency is up, e.g. "
      + "rabbitmq.messaging.svc:5672.")
  private String tcp;

  @Size(min = 8, max = 2000)
  @Pattern("^https?://\\S+$")
  @JsonPropertyDescription("An http(s) URL that answers 2xx or 3xx to a GET when the dependency is up.")
  private String http;

  @Default(DEFAULT_TIMEOUT)
  @Pattern(Durations.PATTERN)
  @JsonPropertyDescription("How long one check may take. Default 2s.")
  private String timeout;

  @Default(DEFAULT_INTERVAL)
  @Pattern(Durations.PATTERN)
  @JsonPropertyDescription("How often the dependency is checked while the policy holds. Default 10s.")
  private String interval;

  public DependencyCheck() {}

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public String getTcp() {
    return tcp;
  }

  public void setTcp(String tcp) {
    this.tcp = tcp;
  }

  public String getHttp() {
    return http;
  }

  public void setHttp(String http) {
    this.http = http;
  }

  public String getTimeout() {
    return timeout;
  }

  public void setTimeout(String timeout) {
    this.timeout = timeout;
  }

  public String getInterval() {
    return interval;
  }

  public void setInterval(String interval) {
    this.interval = interval;
  }
}
