package io.workerhealth.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import java.time.Duration;

/** At most {@code max} remediations within any window of {@code per}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "!self.per.matches('" + Durations.PATTERN + "')"
    + " || self.per.matches('" + RateLimit.MIN_PER_PATTERN + "')", message = RateLimit.MIN_PER_MESSAGE)
public class RateLimit {

  /** The shortest window: with 0s or 1ms the limit would let every remediation through. */
  public static final Duration MIN_PER = Duration.ofMinutes(1);
  /** Durations of at least {@link #MIN_PER} (1m): what the schema's CEL rule accepts. */
  static final String MIN_PER_PATTERN =
      "^0*([1-9][0-9]*(m|h)|([6-9][0-9]|[1-9][0-9]{2,})s|([6-9][0-9]{4}|[1-9][0-9]{5,})ms)$";
  public static final String MIN_PER_MESSAGE = "rateLimit.per must be at least 1m: a shorter window would let every "
      + "remediation through";

  @Required
  @Min(1)
  @Max(10000)
  @JsonPropertyDescription("Remediations allowed in any window of 'per'.")
  private Integer max;

  @Required
  @Pattern(Durations.PATTERN)
  @JsonPropertyDescription("The window, at least 1m, e.g. 1h.")
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
