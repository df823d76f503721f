package io.workerhealth.sidecar.agent;

import io.workerhealth.sidecar.report.ReportingClient;
import io.workerhealth.sidecar.track.HealthTracker;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.BooleanSupplier;
import java.util.random.RandomGenerator;
import okhttp3.OkHttpClient;

/**
 * What every pod of the agent shares: the API client, one HTTP client (one connection pool) for scraping, the writer
 * threads, the tracker, the metrics, the Secrets read.
 */
record AgentContext(String nodeName, ReportingClient api, OkHttpClient http, ScheduledExecutorService writers,
                    HealthTracker tracker, AgentMetrics metrics, AuthSecrets secrets, Clock clock,
                    RandomGenerator random, Duration defaultInterval, BooleanSupplier stoppingFlag) {

  boolean stopping() {
    return stoppingFlag.getAsBoolean();
  }
}
