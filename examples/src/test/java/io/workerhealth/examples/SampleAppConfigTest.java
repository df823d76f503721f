package io.workerhealth.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SampleAppConfigTest {

  @Test
  void defaultsWithNoEnvironment() {
    SampleAppConfig config = SampleAppConfig.fromEnvironment(Map.of());

    assertThat(config.bindAddress()).isEqualTo("0.0.0.0");
    assertThat(config.port()).isEqualTo(8080);
    assertThat(config.failWorkers()).isEmpty();
    assertThat(config.healthzHang()).isZero();
  }

  @Test
  void readsPortBindAddressAndFailedWorkers() {
    SampleAppConfig config = SampleAppConfig.fromEnvironment(Map.of(
        "PORT", "9000",
        "BIND_ADDRESS", "127.0.0.1",
        "FAIL_WORKERS", " deliverymq-consumer, logmq-consumer,,deliverymq-consumer "));

    assertThat(config.port()).isEqualTo(9000);
    assertThat(config.bindAddress()).isEqualTo("127.0.0.1");
    assertThat(config.failWorkers()).containsExactly("deliverymq-consumer", "logmq-consumer");
  }

  @Test
  void hangFlagHoldsHealthzForThirtySecondsUnlessToldOtherwise() {
    assertThat(SampleAppConfig.fromEnvironment(Map.of("HANG_HEALTHZ", "1")).healthzHang())
        .isEqualTo(Duration.ofSeconds(30));
    assertThat(SampleAppConfig.fromEnvironment(Map.of("HANG_HEALTHZ", "true", "HANG_HEALTHZ_SECONDS", "7"))
        .healthzHang()).isEqualTo(Duration.ofSeconds(7));
    assertThat(SampleAppConfig.fromEnvironment(Map.of("HANG_HEALTHZ", "0", "HANG_HEALTHZ_SECONDS", "7"))
        .healthzHang()).isZero();
  }

  @Test
  void badValuesNameTheVariable() {
    assertThatThrownBy(() -> SampleAppConfig.fromEnvironment(Map.of("PORT", "http")))
        .hasMessageContaining("PORT").hasMessageContaining("http");
    assertThatThrownBy(() -> SampleAppConfig.fromEnvironment(Map.of("PORT", "70000")))
        .hasMessageContaining("PORT");
    assertThatThrownBy(() -> SampleAppConfig.fromEnvironment(Map.of("HANG_HEALTHZ", "maybe")))
        .hasMessageContaining("HANG_HEALTHZ");
    assertThatThrownBy(() -> SampleAppConfig.fromEnvironment(Map.of("HANG_HEALTHZ", "1", "HANG_HEALTHZ_SECONDS", "-3")))
        .hasMessageContaining("HANG_HEALTHZ_SECONDS");
  }
}
