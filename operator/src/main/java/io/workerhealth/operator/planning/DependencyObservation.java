package io.workerhealth.operator.planning;

import java.time.Instant;

/**
 * The result of checking a policy's {@code recovery.dependency}.
 *
 * @param reachable whether it answered (a TCP connection, or HTTP 2xx/3xx)
 * @param message   what was found, in words
 * @param checkedAt when
 */
public record DependencyObservation(boolean reachable, String message, Instant checkedAt) {}
