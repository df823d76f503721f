package io.workerhealth.api.v1alpha1;

/** Names shared by every program that speaks the API. */
public final class ApiGroup {
  public static final String GROUP = "workerhealth.io";
  public static final String VERSION = "v1alpha1";

  /** Pods (and so their WorkerHealth) carrying this label with value "true" are never remediated. */
  public static final String EXCLUDE_LABEL = GROUP + "/exclude";

  private ApiGroup() {}
}
