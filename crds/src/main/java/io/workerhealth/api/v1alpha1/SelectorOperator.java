package io.workerhealth.api.v1alpha1;

/** The operators of a label selector's matchExpressions, as Kubernetes defines them. */
public enum SelectorOperator {
  /** The label is present and its value is one of {@code values}. */
  In,
  /** The label is absent, or its value is none of {@code values}. */
  NotIn,
  /** The label is present (any value). */
  Exists,
  /** The label is absent. */
  DoesNotExist
}
