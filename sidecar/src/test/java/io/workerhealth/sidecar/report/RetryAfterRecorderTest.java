package io.workerhealth.sidecar.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class RetryAfterRecorderTest {

  static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");

  @Test
  void readsSecondsAndHttpDates() {
    assertThat(RetryAfterRecorder.parse("3", NOW)).isEqualTo(Duration.ofSeconds(3));
    assertThat(RetryAfterRecorder.parse(" 120 ", NOW)).isEqualTo(Duration.ofMinutes(2));
    assertThat(RetryAfterRecorder.parse("Sun, 01 Mar 2026 12:00:30 GMT", NOW)).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void ignoresWhatIsNotAWaitInTheFuture() {
    assertThat(RetryAfterRecorder.parse(null, NOW)).isNull();
    assertThat(RetryAfterRecorder.parse("0", NOW)).isNull();
    assertThat(RetryAfterRecorder.parse("-5", NOW)).isNull();
    assertThat(RetryAfterRecorder.parse("soon", NOW)).isNull();
    assertThat(RetryAfterRecorder.parse("Sun, 01 Mar 2026 11:00:00 GMT", NOW)).isNull();
  }

  @Test
  void theApiServersStatusCountsTooAndTheLongerWaitWins() {
    RetryAfterRecorder recorder = new RetryAfterRecorder(Clock.fixed(NOW, ZoneOffset.UTC));
    KubernetesClientException withDetails = new KubernetesClientException(new StatusBuilder().withCode(429)
        .withNewDetails().withRetryAfterSeconds(7).endDetails().build());
    assertThat(recorder.after(withDetails)).isEqualTo(Duration.ofSeconds(7));
    assertThat(recorder.after(new KubernetesClientException("boom"))).isNull();
  }
}
