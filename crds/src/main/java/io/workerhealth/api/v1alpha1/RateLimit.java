package io.workerhealth.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/** At most {@code max} remediations within any window of {@code per}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RateLimit {

  @Required
  @Min(1)
  @Max(10000)
  @JsonPropertyDescription("Remediations allowed in any window of 'per'.")
  private Integer max;

  @Required
  @Pattern(Durations.PATTERN)
  @JsonPropertyDescription("The window, e.g. 1h.")
  private String per;

  public RateLimit() {}

  public RateLimit(int max, String per) {
    this.max = max;
    this.per = per;
  }

  public Integer getMax() {
    return max;
  }

  public void setMax(Integer max) {
    this.max = max;
  }

  public String getPer() {
    return per;
  }

  public void setPer(String per) {
    this.per = per;
  }
}
