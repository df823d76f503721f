package io.workerhealth.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import org.junit.jupiter.api.Test;

/** The consumers follow the broker; after maxErrors errors in a row they stop for good, as Outpost's do. */
class BrokerConsumersTest {

  final WorkerSupervisor supervisor = new WorkerSupervisor(WorkerSupervisor.SAMPLE_WORKERS, Clock.systemUTC());

  @Test
  void consumersFailWhileTheBrokerIsDownAndNeverComeBackAfterMaxErrorsInARow() {
    BrokerConsumers consumers = new BrokerConsumers(supervisor, 3);
    assertThat(consumers.checked(false)).containsExactly("deliverymq-consumer", "retrymq-consumer", "logmq-consumer");
    assertThat(supervisor.isHealthy("http-server")).isTrue();
    consumers.checked(false);
    assertThat(consumers.checked(true)).as("back before the third error: recovered").hasSize(3);
    assertThat(supervisor.isHealthy("deliverymq-consumer")).isTrue();

    consumers.checked(false);
    consumers.checked(false);
    consumers.checked(false);
    assertThat(consumers.stopped()).isTrue();
    assertThat(consumers.checked(true)).isEmpty();
    assertThat(supervisor.isHealthy("deliverymq-consumer")).as("only a restart brings them back").isFalse();
  }

  @Test
  void withoutALimitTheyRecoverWithTheBrokerHoweverLongItWasDown() {
    BrokerConsumers consumers = new BrokerConsumers(supervisor, 0);
    for (int i = 0; i < 100; i++) {
      consumers.checked(false);
    }
    assertThat(consumers.stopped()).isFalse();
    consumers.checked(true);
    assertThat(supervisor.workers()).allSatisfy(w -> assertThat(supervisor.isHealthy(w)).isTrue());
  }

  @Test
  void aConsumerFailedByHandIsNotRecoveredByTheBroker() {
    BrokerConsumers consumers = new BrokerConsumers(supervisor, 0);
    supervisor.fail("logmq-consumer");
    consumers.checked(false);
    consumers.checked(true);
    assertThat(supervisor.isHealthy("logmq-consumer")).isFalse();
    assertThat(supervisor.isHealthy("deliverymq-consumer")).isTrue();
  }
}
