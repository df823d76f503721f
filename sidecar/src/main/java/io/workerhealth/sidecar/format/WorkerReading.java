package io.workerhealth.sidecar.format;

import io.workerhealth.api.v1alpha1.WorkerStatus;

/**
 * One worker as a format read it from one scrape.
 *
 * @param name      worker name (nested components joined with '/')
 * @param status    normalized state
 * @param rawStatus the app's own status word, or null
 * @param message   detail the app gave (error, output, description), or null
 */
public record WorkerReading(String name, WorkerStatus status, String rawStatus, String message) {}
