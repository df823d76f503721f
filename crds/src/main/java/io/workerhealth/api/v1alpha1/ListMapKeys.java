package io.workerhealth.api.v1alpha1;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a list as a Kubernetes "map list": items are keyed by these fields, so server-side apply and strategic merges
 * treat each item as its own entry ({@code x-kubernetes-list-type: map}). Read by the CRD generation step.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.FIELD)
public @interface ListMapKeys {
  String[] value();
}
