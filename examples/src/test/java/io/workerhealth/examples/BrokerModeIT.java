package io.workerhealth.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The sample app with a broker on loopback: it behaves like hookdeck/outpost in an outage. */
class BrokerModeIT {

  static SampleAppConfig config(LoopbackBroker broker, int maxErrors) {
    return SampleAppConfig.defaults().withBindAddress("127.0.0.1").withPort(0)
        .withBroker(broker.address(), maxErrors, Duration.ofMillis(100));
  }

  @Test
  void refusesToStartWhileTheBrokerIsDown() throws Exception {
    try (LoopbackBroker broker = LoopbackBroker.open()) {
      broker.stop();
      assertThatThrownBy(() -> SampleWorkerApp.start(config(broker, 10), Clock.systemUTC()))
          .isInstanceOf(BrokerUnreachableException.class)
          .hasMessageContaining("refusing to start").hasMessageContaining(broker.address());
    }
  }

  @Test
  void consumersThatGaveUpStayFailedAfterTheBrokerIsBackUntilTheAppRestarts() throws Exception {
    try (LoopbackBroker broker = LoopbackBroker.open();
         SampleWorkerApp app = SampleWorkerApp.start(config(broker, 5), Clock.systemUTC())) {
      assertThat(app.supervisor().isHealthy("deliverymq-consumer")).isTrue();
      broker.stop();
      await().atMost(10, TimeUnit.SECONDS).until(() -> app.brokerConsumers().stopped());
      assertThat(app.supervisor().isHealthy("deliverymq-consumer")).isFalse();
      broker.start();
      // the broker answers again, the consumers do not come back (ten checks and more)
      await().during(1, TimeUnit.SECONDS).atMost(3, TimeUnit.SECONDS)
          .until(() -> !app.supervisor().isHealthy("deliverymq-consumer"));
      try (SampleWorkerApp restarted = SampleWorkerApp.start(config(broker, 5), Clock.systemUTC())) {
        assertThat(restarted.supervisor().isHealthy("deliverymq-consumer")).isTrue();
      }
    }
  }

  @Test
  void withoutALimitConsumersRecoverByThemselves() throws Exception {
    try (LoopbackBroker broker = LoopbackBroker.open();
         SampleWorkerApp app = SampleWorkerApp.start(config(broker, 0), Clock.systemUTC())) {
      broker.stop();
      await().atMost(10, TimeUnit.SECONDS).until(() -> !app.supervisor().isHealthy("deliverymq-consumer"));
      broker.start();
      await().atMost(10, TimeUnit.SECONDS).until(() -> app.supervisor().isHealthy("deliverymq-consumer"));
    }
  }
}
