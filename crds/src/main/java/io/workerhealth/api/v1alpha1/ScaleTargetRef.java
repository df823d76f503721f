package io.workerhealth.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** The workload a ScaleTarget action scales: anything with a scale subresource in the policy's namespace. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ScaleTargetRef {

  @Required
  @Size(min = 1, max = 253)
  @JsonPropertyDescription("API version of the target, e.g. apps/v1.")
  private String apiVersion;

  @Required
  @Size(min = 1, max = 63)
  @JsonPropertyDescription("Kind of the target, e.g. Deployment or StatefulSet.")
  private String kind;

  @Required
  @Size(min = 1, max = 253)
  @JsonPropertyDescription("Name of the target, in the policy's namespace.")
  private String name;

  public ScaleTargetRef() {}

  public ScaleTargetRef(String apiVersion, String kind, String name) {
    this.apiVersion = apiVersion;
    this.kind = kind;
    this.name = name;
  }

  public String getApiVersion() {
    return apiVersion;
  }

  public void setApiVersion(String apiVersion) {
    this.apiVersion = apiVersion;
  }

  public String getKind() {
    return kind;
  }

  public void setKind(String kind) {
    this.kind = kind;
  }

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  /** {@code Kind/name}: how status, Events and the plan name the target. */
  public String key() {
    return kind + "/" + name;
  }
}
