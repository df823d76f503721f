package io.workerhealth.sidecar.report;

import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.fabric8.kubernetes.client.http.Interceptor;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.concurrent.CompletableFuture;

/**
 * Keeps the Retry-After of the last failed API response, which fabric8's exceptions do not carry (the API server's
 * priority and fairness answers 429 with the header and a plain-text body). Meant for a client whose requests are made
 * one at a time, as the publisher's are: it reads the value after each failure.
 */
public final class RetryAfterRecorder implements Interceptor {

  private final Clock clock;
  private volatile Duration last;

  public RetryAfterRecorder(Clock clock) {
    this.clock = clock;
  }

  @Override
  public CompletableFuture<Boolean> afterFailure(BasicBuilder builder, HttpResponse<?> response, RequestTags tags) {
    Duration d = parse(response.header("Retry-After"), clock.instant());
    if (d != null) {
      last = d;
    }
    return CompletableFuture.completedFuture(false);
  }

  /** Forgets what was recorded, before a request. */
  public void clear() {
    last = null;
  }

  /**
   * How long the server asked to wait after {@code failure}: its Retry-After header, or the retryAfterSeconds of the
   * Status it answered, whichever is longer; null when it asked nothing.
   */
  public Duration after(KubernetesClientException failure) {
    Duration header = last;
    Status status = failure.getStatus();
    Integer seconds = status == null || status.getDetails() == null ? null
        : status.getDetails().getRetryAfterSeconds();
    Duration fromStatus = seconds == null || seconds <= 0 ? null : Duration.ofSeconds(seconds);
    if (header == null) {
      return fromStatus;
    }
    return fromStatus == null || header.compareTo(fromStatus) >= 0 ? header : fromStatus;
  }

  /** A Retry-After value: seconds, or an HTTP date; null when absent, unreadable or not in the future. */
  static Duration parse(String value, Instant now) {
    if (value == null || value.isBlank()) {
      return null;
    }
    try {
      long seconds = Long.parseLong(value.strip());
      return seconds > 0 ? Duration.ofSeconds(seconds) : null;
    } catch (NumberFormatException e) {
      // not seconds: an HTTP date?
    }
    try {
      Duration d = Duration.between(now, ZonedDateTime.parse(value.strip(), DateTimeFormatter.RFC_1123_DATE_TIME)
          .toInstant());
      return d.isNegative() || d.isZero() ? null : d;
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
