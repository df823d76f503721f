package io.workerhealth.examples;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The consumers' view of the message broker, as hookdeck/outpost's consumers behave: each failed broker check is an
 * error; the consumers report failed while the broker does not answer and recover when it does — unless
 * {@code maxErrors} errors came in a row, after which they have stopped for good (only a restart of the process
 * brings them back). {@code maxErrors} 0 means they never give up and recover with the broker. Plain state, no I/O:
 * the app's broker thread feeds it the result of each check.
 */
public final class BrokerConsumers {

  private final WorkerSupervisor supervisor;
  private final int maxErrors;
  private final Set<String> failedByBroker = new LinkedHashSet<>();
  private int errorsInARow;
  private boolean stopped;

  public BrokerConsumers(WorkerSupervisor supervisor, int maxErrors) {
    if (maxErrors < 0) {
      throw new IllegalArgumentException("maxErrors must be 0 (never give up) or more, got " + maxErrors);
    }
    this.supervisor = supervisor;
    this.maxErrors = maxErrors;
  }

  /** The result of one broker check; returns the consumers it changed. */
  public synchronized List<String> checked(boolean brokerAnswers) {
    List<String> changed = new ArrayList<>();
    if (stopped) {
      return changed;
    }
    if (brokerAnswers) {
      errorsInARow = 0;
      for (String consumer : failedByBroker) {
        supervisor.recover(consumer);
        changed.add(consumer);
      }
      failedByBroker.clear();
      return changed;
    }
    errorsInARow++;
    for (String worker : supervisor.workers()) {
      if (worker.endsWith(WorkerSupervisor.CONSUMER_SUFFIX) && supervisor.isHealthy(worker)) {
        supervisor.fail(worker);
        failedByBroker.add(worker);
        changed.add(worker);
      }
    }
    if (maxErrors > 0 && errorsInARow >= maxErrors) {
      stopped = true; // like Outpost's consumers after 10 errors: they do not come back by themselves
    }
    return changed;
  }

  /** The consumers gave up: only a restart brings them back. */
  public synchronized boolean stopped() {
    return stopped;
  }

  public synchronized int errorsInARow() {
    return errorsInARow;
  }
}
