package io.workerhealth.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;

/** How the operator checks that a rule's actions help. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Verification {

  public static final String DEFAULT_WINDOW = "2m";
  public static final int DEFAULT_MAX_NOT_RECOVERED = 3;
  public static final String DEFAULT_HOLD_FOR = "1h";

  @Default("2m")
  @Pattern(Durations.PATTERN)
  @JsonPropertyDescription("After an action, how long the worker has to recover (Healthy on the replacement pod; "
      + "for ScaleTarget, minHealthy healthy pods) to count as Recovered; NotRecovered otherwise. Default 2m.")
  private String window;

  @Default("3")
  @Min(1)
  @Max(100)
  @JsonPropertyDescription("After this many NotRecovered in a row for the same worker, the action is not repeated: "
      + "the next escalation step takes over, or the rule holds and asks for attention. Default 3.")
  private Integer maxNotRecovered;

  @Default("1h")
  @Pattern(Durations.PATTERN)
  @JsonPropertyDescription("How long a rule holds for a worker once its action did not help maxNotRecovered times in "
      + "a row; the hold also ends when the spec changes or the worker is healthy on every selected pod for the "
      + "verification window. Default 1h.")
  private String holdFor;

  public Verification() {}

  public Verification(String window, Integer maxNotRecovered) {
    this.window = window;
    this.maxNotRecovered = maxNotRecovered;
  }

  public String getWindow() {
    return window;
  }

  public void setWindow(String window) {
    this.window = window;
  }

  public Integer getMaxNotRecovered() {
    return maxNotRecovered;
  }

  public void setMaxNotRecovered(Integer maxNotRecovered) {
    this.maxNotRecovered = maxNotRecovered;
  }

  public String getHoldFor() {
    return holdFor;
  }

  public void setHoldFor(String holdFor) {
    this.holdFor = holdFor;
  }
}
