/**
 * The {@code workerhealth.io/v1alpha1} API: {@link io.workerhealth.api.v1alpha1.WorkerHealth}, one per pod, written by
 * the sidecar, and {@code WorkerHealthPolicy}, reconciled by the operator.
 */
package io.workerhealth.api.v1alpha1;
