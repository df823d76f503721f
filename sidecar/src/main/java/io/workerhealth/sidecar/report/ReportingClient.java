package io.workerhealth.sidecar.report;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.okhttp.OkHttpClientFactory;
import java.time.Clock;
import okhttp3.OkHttpClient;

/**
 * The API client the sidecar reports through, and what it records of failed responses. Built by {@link #build}, it
 * leaves every retry to {@link LatestStatusPublisher}: fabric8's own request retries (10, un-jittered, inside each of
 * the publisher's attempts) and okhttp's silent second try of a failed connection are off, so one attempt is one
 * request and the publisher's backoff is the only one.
 */
public record ReportingClient(KubernetesClient client, RetryAfterRecorder retryAfter) {

  /** Name under which the recorder is registered with the HTTP client. */
  static final String INTERCEPTOR = "worker-health-retry-after";

  /** A client for {@code config} (adjusted: no request retries) with one backoff owner and Retry-After recorded. */
  public static ReportingClient build(Config config, Clock clock) {
    config.setRequestRetryBackoffLimit(0);
    RetryAfterRecorder recorder = new RetryAfterRecorder(clock);
    KubernetesClient client = new KubernetesClientBuilder()
        .withConfig(config)
        .withHttpClientFactory(new NoSilentRetries())
        .withHttpClientBuilderConsumer(b -> b.addOrReplaceInterceptor(INTERCEPTOR, recorder))
        .build();
    return new ReportingClient(client, recorder);
  }

  /**
   * A client built elsewhere, used as it is: its own retry settings stay, and only the Retry-After an API server puts
   * in its Status is seen.
   */
  public static ReportingClient of(KubernetesClient client, Clock clock) {
    return new ReportingClient(client, new RetryAfterRecorder(clock));
  }

  private static final class NoSilentRetries extends OkHttpClientFactory {
    @Override
    protected void additionalConfig(OkHttpClient.Builder builder) {
      builder.retryOnConnectionFailure(false);
    }
  }
}
