package io.workerhealth.sidecar.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.zjsonpatch.JsonPatchException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * An API server that fails on demand, for the reporting fault tests and the outage benchmark: fabric8's mock API
 * server in CRUD mode (answering a failed JSON Patch {@code test} with 422, as kube-apiserver does) behind a loopback
 * proxy that can turn any request into a fault: an HTTP error (with headers such as Retry-After), a dropped
 * connection, or a delay before the request reaches the store (so a write the client gave up on lands late). Every
 * request the proxy receives, and every status write the store applies, is logged.
 */
public final class FaultyApiServer implements AutoCloseable {

  /** What the proxy does with a request. */
  public sealed interface Fault {}

  /** Forwards it to the store. */
  public record Pass() implements Fault {}

  /** Answers it without the store. */
  public record Answer(int code, Map<String, String> headers, String body) implements Fault {
    public static Answer status(int code, String reason) {
      return new Answer(code, Map.of(), "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
          + "\"reason\":\"" + reason + "\",\"code\":" + code + "}");
    }
  }

  /** Closes the connection without an answer. */
  public record Drop() implements Fault {}

  /** Forwards it to the store only after {@code delay}, whether or not the client still waits. */
  public record Delay(Duration delay) implements Fault {}

  public static final Fault PASS = new Pass();

  /** A request the proxy received. */
  public record Call(String method, String path) {
    public boolean isStatusWrite() {
      return method.equals("PATCH") && path.endsWith("/status");
    }
  }

  /** What became of a request: the HTTP code answered, or "dropped". */
  public record Exchange(Instant at, Call call, String outcome) {}

  /** A status write the store applied: the resource version it made and the scrape time it stored. */
  public record Applied(long resourceVersion, String lastScrapeTime) {}

  private final KubernetesMockServer store;
  private final KubernetesClient direct;
  private final HttpServer proxy;
  private final ExecutorService handlers = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "faulty-api-server");
    t.setDaemon(true);
    return t;
  });
  private final HttpClient forward = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final String storeUrl;
  private final List<Exchange> log = new CopyOnWriteArrayList<>();
  private final List<Call> received = new CopyOnWriteArrayList<>();
  private final List<Applied> applied = new CopyOnWriteArrayList<>();
  private volatile Function<Call, Fault> faults = c -> PASS;

  public FaultyApiServer() throws IOException {
    this(0);
  }

  public FaultyApiServer(int port) throws IOException {
    store = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new StrictPatches(), false);
    store.init(InetAddress.getLoopbackAddress(), 0);
    direct = store.createClient();
    storeUrl = direct.getConfiguration().getMasterUrl().replaceAll("/$", "");
    proxy = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 64);
    proxy.setExecutor(handlers);
    proxy.createContext("/", this::handle);
    proxy.start();
  }

  /** The URL clients use: the proxy's. */
  public String url() {
    return "http://127.0.0.1:" + proxy.getAddress().getPort();
  }

  /** A client straight to the store, past the proxy and its faults (for the test's own reads and changes). */
  public KubernetesClient direct() {
    return direct;
  }

  /** From now on, requests get {@code faults.apply(call)}. */
  public void inject(Function<Call, Fault> faults) {
    this.faults = faults;
  }

  public void heal() {
    inject(c -> PASS);
  }

  /** What became of each request, in the order each was answered (or dropped, or reached the store late). */
  public List<Exchange> log() {
    return List.copyOf(log);
  }

  /** Every request as it arrived, answered or not yet. */
  public List<Call> received() {
    return List.copyOf(received);
  }

  /** The status writes the store applied, in the order it applied them. */
  public List<Applied> applied() {
    return List.copyOf(applied);
  }

  public FaultyApiServer withPod(String namespace, String name) {
    direct.pods().inNamespace(namespace).resource(new PodBuilder().withNewMetadata().withName(name)
        .withNamespace(namespace).withUid(name + "-uid").endMetadata().build()).create();
    return this;
  }

  private void handle(HttpExchange ex) throws IOException {
    Call call = new Call(ex.getRequestMethod(), ex.getRequestURI().toString());
    received.add(call);
    byte[] body = ex.getRequestBody().readAllBytes();
    Fault fault = faults.apply(call);
    if (fault instanceof Answer a) {
      a.headers().forEach((k, v) -> ex.getResponseHeaders().set(k, v));
      ex.getResponseHeaders().set("Content-Type", "application/json");
      log.add(new Exchange(Instant.now(), call, String.valueOf(a.code())));
      respond(ex, a.code(), a.body().getBytes(StandardCharsets.UTF_8));
    } else if (fault instanceof Drop) {
      log.add(new Exchange(Instant.now(), call, "dropped"));
      ex.close(); // before any answer: the connection is closed
    } else if (fault instanceof Delay d) {
      CompletableFuture.delayedExecutor(d.delay().toMillis(), TimeUnit.MILLISECONDS, handlers)
          .execute(() -> forward(ex, call, body));
    } else {
      forward(ex, call, body);
    }
  }

  private void forward(HttpExchange ex, Call call, byte[] body) {
    try {
      HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(storeUrl + call.path()))
          .method(call.method(), body.length == 0 ? HttpRequest.BodyPublishers.noBody()
              : HttpRequest.BodyPublishers.ofByteArray(body));
      String type = ex.getRequestHeaders().getFirst("Content-Type");
      if (type != null) {
        request.header("Content-Type", type);
      }
      HttpResponse<byte[]> response = forward.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
      log.add(new Exchange(Instant.now(), call, String.valueOf(response.statusCode())));
      response.headers().firstValue("Content-Type").ifPresent(t -> ex.getResponseHeaders().set("Content-Type", t));
      respond(ex, response.statusCode(), response.body());
    } catch (IOException e) {
      ex.close(); // the client went away (it gave up on a delayed request)
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      ex.close();
    }
  }

  private static void respond(HttpExchange ex, int code, byte[] body) throws IOException {
    ex.sendResponseHeaders(code, body.length == 0 ? -1 : body.length);
    if (body.length > 0) {
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
    }
    ex.close();
  }

  @Override
  public void close() {
    proxy.stop(0);
    handlers.shutdownNow();
    direct.close();
    store.destroy();
  }

  /**
   * The CRUD store, answering a JSON Patch whose {@code test} fails with 422 as kube-apiserver does (the stock mock
   * fails the request), and logging every status write it applies.
   */
  private final class StrictPatches extends KubernetesCrudDispatcher {
    private final ObjectMapper json = new ObjectMapper();

    @Override
    public MockResponse handlePatch(RecordedRequest request) {
      MockResponse response;
      try {
        response = super.handlePatch(request);
      } catch (JsonPatchException e) {
        return new MockResponse().setResponseCode(422).setBody("{\"kind\":\"Status\",\"apiVersion\":\"v1\","
            + "\"status\":\"Failure\",\"reason\":\"Invalid\",\"code\":422,\"message\":"
            + json.valueToTree(e.getMessage()) + "}");
      }
      if (request.getPath().endsWith("/status") && response.code() == 202) {
        try {
          JsonNode stored = json.readTree(response.getBody().getBytes()); // getBytes() leaves the body in place
          applied.add(new Applied(stored.at("/metadata/resourceVersion").asLong(),
              stored.at("/status/lastScrapeTime").asText(null)));
        } catch (IOException e) {
          throw new IllegalStateException(e);
        }
      }
      return response;
    }
  }

  /**
   * For the outage benchmark: {@code FaultyApiServer <port> <count-file> <namespace> <pod> <fault>} serves the pod,
   * lets the first status write through, then answers every request with {@code fault} ({@code 503}, {@code 429}
   * with Retry-After: 1, {@code drop}); every second it writes the number of requests since the fault began.
   */
  public static void main(String[] args) throws Exception {
    FaultyApiServer server = new FaultyApiServer(Integer.parseInt(args[0])).withPod(args[2], args[3]);
    Path countFile = Path.of(args[1]);
    Fault fault = switch (args[4]) {
      case "503" -> Answer.status(503, "ServiceUnavailable");
      case "429" -> new Answer(429, Map.of("Retry-After", "1"), "Too many requests, please try again later.");
      case "drop" -> new Drop();
      default -> throw new IllegalArgumentException("fault: 503, 429 or drop");
    };
    Files.writeString(countFile, "-1");
    System.out.println("listening on " + server.url());
    while (server.applied().isEmpty()) {
      TimeUnit.MILLISECONDS.sleep(100);
    }
    int before = server.log().size();
    server.inject(c -> fault);
    while (true) {
      Files.writeString(countFile, String.valueOf(server.log().size() - before));
      TimeUnit.SECONDS.sleep(1);
    }
  }
}
