package io.workerhealth.sidecar;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/** A real HTTP server on loopback whose /healthz answer a test sets. */
public final class TestHealthEndpoint implements AutoCloseable {

  /** What /healthz answers. */
  public interface Answer {
    void write(HttpExchange exchange) throws IOException;
  }

  private final HttpServer server;
  private final AtomicReference<Answer> answer = new AtomicReference<>();
  private final CountDownLatch released = new CountDownLatch(1);

  public TestHealthEndpoint() throws IOException {
    this(InetAddress.getLoopbackAddress());
  }

  /** On another loopback address, e.g. 127.0.0.2: another host as far as URLs go. */
  public TestHealthEndpoint(InetAddress address) throws IOException {
    server = HttpServer.create(new InetSocketAddress(address, 0), 32);
    server.setExecutor(Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "test-health-endpoint");
      t.setDaemon(true);
      return t;
    }));
    server.createContext("/", ex -> {
      try (ex) {
        Answer a = answer.get();
        if (a == null) {
          respond(ex, 404, "text/plain", "no answer set");
        } else {
          a.write(ex);
        }
      } catch (IOException e) {
        // the client went away (timeouts, caps): nothing to do
      }
    });
    server.start();
  }

  public String url(String path) {
    return "http://" + server.getAddress().getAddress().getHostAddress() + ":" + server.getAddress().getPort() + path;
  }

  public TestHealthEndpoint answer(Answer a) {
    answer.set(a);
    return this;
  }

  public TestHealthEndpoint answer(int status, String contentType, String body) {
    return answer(ex -> respond(ex, status, contentType, body));
  }

  /** Waits (without answering) until the test ends: a hung endpoint. */
  public TestHealthEndpoint hang() {
    return answer(ex -> {
      try {
        released.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
  }

  public static void respond(HttpExchange ex, int status, String contentType, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    if (contentType != null) {
      ex.getResponseHeaders().set("Content-Type", contentType);
    }
    ex.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
    if (bytes.length > 0) {
      try (OutputStream out = ex.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  @Override
  public void close() {
    released.countDown();
    server.stop(0);
  }
}
