package io.workerhealth.examples;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A small multi-worker app shaped like hookdeck/outpost: an {@code http-server} and three queue consumers running as
 * threads, reporting per-worker health on Outpost's {@code /healthz}, with faults injectable over HTTP or at start-up.
 * It is the app the Worker Health sidecar scrapes in the examples.
 */
public final class SampleWorkerApp implements AutoCloseable {

  /** How often a simulated worker handles one unit of work. */
  static final Duration WORK_TICK = Duration.ofMillis(100);

  private static final System.Logger LOG = System.getLogger(SampleWorkerApp.class.getName());

  private final WorkerSupervisor supervisor;
  private final List<SimulatedWorker> workers;
  private final List<Thread> threads;
  private final SampleAppHttpServer http;
  private final ScheduledExecutorService brokerChecks;
  private final BrokerConsumers consumers;
  private final CountDownLatch closed = new CountDownLatch(1);

  private SampleWorkerApp(WorkerSupervisor supervisor, List<SimulatedWorker> workers, List<Thread> threads,
      SampleAppHttpServer http, ScheduledExecutorService brokerChecks, BrokerConsumers consumers) {
    this.supervisor = supervisor;
    this.workers = workers;
    this.threads = threads;
    this.http = http;
    this.brokerChecks = brokerChecks;
    this.consumers = consumers;
  }

  /**
   * Applies the start-up faults, starts one thread per worker and serves HTTP. Unknown worker names in
   * {@code FAIL_WORKERS} are rejected before anything starts. With a broker, the app refuses to start while it does
   * not answer ({@link BrokerUnreachableException}), and its consumers follow it (see {@link BrokerConsumers}).
   */
  public static SampleWorkerApp start(SampleAppConfig config, Clock clock) throws IOException {
    if (config.broker() != null) {
      try {
        reach(config.broker(), config.brokerCheckInterval());
      } catch (IOException e) {
        throw new BrokerUnreachableException(config.broker(), e);
      }
    }
    WorkerSupervisor supervisor = new WorkerSupervisor(WorkerSupervisor.SAMPLE_WORKERS, clock);
    config.failWorkers().forEach(supervisor::fail);
    supervisor.hangHealthz(config.healthzHang());

    List<SimulatedWorker> workers = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    for (String name : supervisor.workers()) {
      SimulatedWorker worker = new SimulatedWorker(name, supervisor, WORK_TICK);
      workers.add(worker);
      Thread thread = new Thread(worker, name);
      thread.setDaemon(true);
      threads.add(thread);
    }
    SampleAppHttpServer http = SampleAppHttpServer.start(supervisor, workers, config.bindAddress(), config.port());
    threads.forEach(Thread::start);
    ScheduledExecutorService checks = null;
    BrokerConsumers consumers = null;
    if (config.broker() != null) {
      BrokerConsumers c = new BrokerConsumers(supervisor, config.consumerMaxErrors());
      checks = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "broker-check");
        t.setDaemon(true);
        return t;
      });
      checks.scheduleWithFixedDelay(() -> {
        boolean answers;
        try {
          reach(config.broker(), config.brokerCheckInterval());
          answers = true;
        } catch (IOException e) {
          answers = false;
        }
        List<String> changed = c.checked(answers);
        if (!changed.isEmpty()) {
          LOG.log(System.Logger.Level.INFO, "broker {0} {1}: consumers {2} {3}", config.broker(),
              answers ? "answers" : "does not answer", changed, answers ? "recovered" : "failed");
        }
      }, config.brokerCheckInterval().toMillis(), config.brokerCheckInterval().toMillis(), TimeUnit.MILLISECONDS);
      consumers = c;
    }
    return new SampleWorkerApp(supervisor, List.copyOf(workers), List.copyOf(threads), http, checks, consumers);
  }

  private static void reach(String broker, Duration timeout) throws IOException {
    int colon = broker.lastIndexOf(':');
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(broker.substring(0, colon), Integer.parseInt(broker.substring(colon + 1))),
          (int) Math.max(1, timeout.toMillis()));
    }
  }

  /** The consumers' view of the broker, or null when the app has none. */
  public BrokerConsumers brokerConsumers() {
    return consumers;
  }

  public int port() {
    return http.port();
  }

  public WorkerSupervisor supervisor() {
    return supervisor;
  }

  public List<SimulatedWorker> workers() {
    return workers;
  }

  /** Stops serving, then stops every worker and waits briefly for their threads. Safe to call more than once. */
  @Override
  public void close() {
    if (closed.getCount() == 0) {
      return;
    }
    if (brokerChecks != null) {
      brokerChecks.shutdownNow();
    }
    http.close();
    workers.forEach(SimulatedWorker::stop);
    for (Thread thread : threads) {
      try {
        thread.join(Duration.ofSeconds(2).toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    closed.countDown();
  }

  /** Blocks until {@link #close()} has finished. */
  public void awaitClosed() throws InterruptedException {
    closed.await();
  }

  public static void main(String[] args) {
    SampleAppConfig config;
    try {
      config = SampleAppConfig.fromEnvironment(System.getenv());
    } catch (IllegalArgumentException e) {
      System.err.println("sample-worker-app: " + e.getMessage());
      System.exit(2);
      return;
    }
    SampleWorkerApp app;
    try {
      app = start(config, Clock.systemUTC());
    } catch (IllegalArgumentException e) {
      System.err.println("sample-worker-app: " + e.getMessage());
      System.exit(2);
      return;
    } catch (BrokerUnreachableException e) {
      System.err.println("sample-worker-app: " + e.getMessage());
      System.exit(1);
      return;
    } catch (IOException e) {
      System.err.println("sample-worker-app: cannot listen on " + config.bindAddress() + ":" + config.port()
          + ": " + e.getMessage());
      System.exit(1);
      return;
    }
    // SIGTERM (Kubernetes stopping the pod) runs the hook: stop serving and let the workers finish their tick.
    Runtime.getRuntime().addShutdownHook(new Thread(app::close, "shutdown"));
    LOG.log(System.Logger.Level.INFO, "serving /healthz on {0}:{1,number,#} with workers {2}; failed at start: {3}",
        config.bindAddress(), app.port(), app.supervisor().workers(), config.failWorkers());
    try {
      app.awaitClosed();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
