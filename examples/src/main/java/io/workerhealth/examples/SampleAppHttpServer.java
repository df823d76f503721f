package io.workerhealth.examples;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The sample app's HTTP edge: Outpost-format {@code GET /healthz}, the fault-injection endpoints under
 * {@code /faults/}, and {@code GET /workers} (work done per worker). All state lives in {@link WorkerSupervisor}.
 */
public final class SampleAppHttpServer implements AutoCloseable {

  /** Upper bound for {@code /faults/hang}, so a typo cannot hold scrapes for days. */
  static final long MAX_HANG_SECONDS = 3600;

  private static final System.Logger LOG = System.getLogger(SampleAppHttpServer.class.getName());
  private static final ObjectMapper JSON = new ObjectMapper();
  // Hung /healthz requests each hold a thread; the bound keeps a flood of them from exhausting the process.
  private static final int MAX_REQUEST_THREADS = 64;

  private final WorkerSupervisor supervisor;
  private final List<SimulatedWorker> workers;
  private final HttpServer server;
  private final ThreadPoolExecutor executor;
  private final CountDownLatch closing = new CountDownLatch(1);

  private SampleAppHttpServer(WorkerSupervisor supervisor, List<SimulatedWorker> workers, HttpServer server,
      ThreadPoolExecutor executor) {
    this.supervisor = supervisor;
    this.workers = List.copyOf(workers);
    this.server = server;
    this.executor = executor;
  }

  /** Binds and starts serving; {@code port} 0 picks a free port (see {@link #port()}). */
  public static SampleAppHttpServer start(WorkerSupervisor supervisor, List<SimulatedWorker> workers,
      String bindAddress, int port) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(bindAddress, port), 0);
    AtomicInteger threadNumber = new AtomicInteger();
    ThreadPoolExecutor executor = new ThreadPoolExecutor(0, MAX_REQUEST_THREADS, 60, TimeUnit.SECONDS,
        new SynchronousQueue<>(), runnable -> {
          Thread thread = new Thread(runnable, "http-" + threadNumber.incrementAndGet());
          thread.setDaemon(true);
          return thread;
        });
    SampleAppHttpServer app = new SampleAppHttpServer(supervisor, workers, server, executor);
    server.createContext("/healthz", app::handleHealthz);
    server.createContext("/workers", app::handleWorkers);
    server.createContext("/faults/", app::handleFault);
    server.createContext("/", exchange -> app.respond(exchange, 404, error("no such endpoint: "
        + exchange.getRequestURI().getPath() + "; see GET /healthz, GET /workers, POST /faults/...")));
    server.setExecutor(executor);
    server.start();
    return app;
  }

  public int port() {
    return server.getAddress().getPort();
  }

  /** Stops accepting requests; hung {@code /healthz} requests are released and answered first. */
  @Override
  public void close() {
    closing.countDown();
    server.stop(1);
    executor.shutdownNow();
  }

  private void handleHealthz(HttpExchange exchange) throws IOException {
    if (!isMethod(exchange, "GET", "HEAD")) {
      return;
    }
    Duration hang = supervisor.healthzHang();
    if (!hang.isZero()) {
      try {
        // Released early only when the app shuts down; a timed wait, not a busy one.
        closing.await(hang.toNanos(), TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    HealthReport report = supervisor.report();
    respond(exchange, report.healthy() ? 200 : 503, outpostJson(report));
  }

  private void handleWorkers(HttpExchange exchange) throws IOException {
    if (!isMethod(exchange, "GET", "HEAD")) {
      return;
    }
    ObjectNode body = JSON.createObjectNode();
    for (SimulatedWorker worker : workers) {
      ObjectNode node = body.putObject(worker.name());
      node.put("status", supervisor.isHealthy(worker.name()) ? "healthy" : "failed");
      node.put("processed", worker.processed());
    }
    respond(exchange, 200, body);
  }

  private void handleFault(HttpExchange exchange) throws IOException {
    if (!isMethod(exchange, "POST")) {
      return;
    }
    String fault = exchange.getRequestURI().getPath().substring("/faults/".length());
    Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
    try {
      switch (fault) {
        case "fail" -> supervisor.fail(required(query, "worker"));
        case "recover" -> supervisor.recover(required(query, "worker"));
        case "outage" -> supervisor.outage();
        case "recover-all" -> supervisor.recoverAll();
        case "hang" -> supervisor.hangHealthz(Duration.ofSeconds(hangSeconds(required(query, "seconds"))));
        default -> {
          respond(exchange, 404, error("unknown fault '" + fault
              + "'; use fail, recover, outage, recover-all or hang"));
          return;
        }
      }
    } catch (UnknownWorkerException e) {
      respond(exchange, 404, error(e.getMessage()));
      return;
    } catch (IllegalArgumentException e) {
      respond(exchange, 400, error(e.getMessage()));
      return;
    }
    LOG.log(System.Logger.Level.INFO, "fault {0} {1}", fault, query);
    // The state after the fault, in the /healthz shape, so a caller sees what it changed.
    ObjectNode body = outpostJson(supervisor.report());
    body.put("healthzHangSeconds", supervisor.healthzHang().toSeconds());
    respond(exchange, 200, body);
  }

  /** hookdeck/outpost's body: {@code {"status","timestamp","workers":{name:{"status"}}}}. */
  static ObjectNode outpostJson(HealthReport report) {
    ObjectNode body = JSON.createObjectNode();
    body.put("status", report.healthy() ? "healthy" : "failed");
    body.put("timestamp", DateTimeFormatter.ISO_INSTANT.format(report.timestamp()));
    ObjectNode workers = body.putObject("workers");
    report.workers().forEach((name, healthy) -> workers.putObject(name).put("status", healthy ? "healthy" : "failed"));
    return body;
  }

  private static long hangSeconds(String raw) {
    try {
      long seconds = Long.parseLong(raw.strip());
      if (seconds >= 0 && seconds <= MAX_HANG_SECONDS) {
        return seconds;
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw new IllegalArgumentException("seconds must be a whole number 0.." + MAX_HANG_SECONDS + ", got '" + raw + "'");
  }

  private static String required(Map<String, String> query, String name) {
    String value = query.get(name);
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException("query parameter '" + name + "' is required");
    }
    return value;
  }

  private static Map<String, String> query(String rawQuery) {
    Map<String, String> params = new HashMap<>();
    if (rawQuery == null || rawQuery.isEmpty()) {
      return params;
    }
    for (String pair : rawQuery.split("&")) {
      int eq = pair.indexOf('=');
      String key = eq < 0 ? pair : pair.substring(0, eq);
      String value = eq < 0 ? "" : pair.substring(eq + 1);
      try {
        params.putIfAbsent(URLDecoder.decode(key, StandardCharsets.UTF_8),
            URLDecoder.decode(value, StandardCharsets.UTF_8));
      } catch (IllegalArgumentException e) {
        // A malformed %-escape: keep the raw text so the error names what was sent.
        params.putIfAbsent(key, value);
      }
    }
    return params;
  }

  private boolean isMethod(HttpExchange exchange, String... allowed) throws IOException {
    String method = exchange.getRequestMethod();
    for (String candidate : allowed) {
      if (candidate.equalsIgnoreCase(method)) {
        return true;
      }
    }
    exchange.getResponseHeaders().set("Allow", String.join(", ", allowed));
    respond(exchange, 405, error(method + " is not allowed here; use " + String.join(" or ", allowed)));
    return false;
  }

  private static ObjectNode error(String message) {
    return JSON.createObjectNode().put("error", message);
  }

  private void respond(HttpExchange exchange, int status, ObjectNode body) throws IOException {
    try (exchange) {
      byte[] bytes = JSON.writeValueAsBytes(body);
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      boolean head = "HEAD".equalsIgnoreCase(exchange.getRequestMethod());
      exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
      if (!head) {
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(bytes);
        }
      }
    }
  }
}
