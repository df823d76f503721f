package io.workerhealth.sidecar;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;

/**
 * A health endpoint that misbehaves on purpose: a loopback server speaking HTTP/1.1 by hand (so it can also break the
 * protocol), one path per way of misbehaving. Each connection gets one answer and is closed.
 */
final class HostileEndpoint implements AutoCloseable {

  /** Writes the answer (or misbehaves) on the connection. */
  interface Case {
    void answer(Socket socket, OutputStream out) throws IOException, InterruptedException;
  }

  private final ServerSocket server;
  private final Map<String, Case> cases = new ConcurrentHashMap<>();
  /** Counted down when the test ends: cases that hold a connection open wait on it. */
  private final CountDownLatch closed = new CountDownLatch(1);

  HostileEndpoint() throws IOException {
    server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(this::accept, "hostile-endpoint");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  String url(String path) {
    return "http://127.0.0.1:" + server.getLocalPort() + path;
  }

  HostileEndpoint on(String path, Case c) {
    cases.put(path, c);
    return this;
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket socket = server.accept();
        Thread t = new Thread(() -> serve(socket), "hostile-endpoint-connection");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serve(Socket socket) {
    try (socket) {
      String path = requestPath(socket.getInputStream());
      Case c = path == null ? null : cases.get(path);
      OutputStream out = socket.getOutputStream();
      if (c == null) {
        respond(out, 404, "text/plain", "no such case".getBytes(StandardCharsets.UTF_8));
      } else {
        c.answer(socket, out);
      }
      out.flush();
    } catch (IOException e) {
      // the client gave up (timeouts, caps): that is the point of most cases
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Reads the request head; returns the path of its request line. */
  private static String requestPath(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    byte[] end = {'\r', '\n', '\r', '\n'};
    while (matched < 4 && head.size() < 64 * 1024) {
      int b = in.read();
      if (b < 0) {
        return null;
      }
      head.write(b);
      matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    String[] requestLine = head.toString(StandardCharsets.ISO_8859_1).split("\r\n", 2)[0].split(" ");
    return requestLine.length < 2 ? null : requestLine[1];
  }

  /** Holds the connection open until the test ends. */
  void holdOpen() throws InterruptedException {
    closed.await(5, TimeUnit.MINUTES);
  }

  boolean open() {
    return closed.getCount() > 0;
  }

  // ---- answers ---------------------------------------------------------------------------------------------------

  static void respond(OutputStream out, int status, String contentType, byte[] body) throws IOException {
    out.write(("HTTP/1.1 " + status + " X\r\nContent-Type: " + contentType + "\r\nContent-Length: " + body.length
        + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
    out.write(body);
  }

  static Case json(int status, String body) {
    return (socket, out) -> respond(out, status, "application/json", body.getBytes(StandardCharsets.UTF_8));
  }

  static Case json(int status, byte[] body) {
    return (socket, out) -> respond(out, status, "application/json", body);
  }

  /** Chunked: the head, then whatever {@code chunks} writes through {@link #chunk}. */
  static void chunkedHead(OutputStream out, String extraHeaders) throws IOException {
    out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n" + extraHeaders
        + "Connection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
  }

  static void chunk(OutputStream out, byte[] data, int len) throws IOException {
    out.write((Integer.toHexString(len) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
    out.write(data, 0, len);
    out.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
  }

  /** {@code size} zero bytes, gzipped: some 1,000 times smaller than what it inflates to. */
  static byte[] gzippedZeros(long size) throws IOException {
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (GZIPOutputStream zip = new GZIPOutputStream(gz, 64 * 1024)) {
      byte[] zeros = new byte[64 * 1024];
      for (long written = 0; written < size; written += zeros.length) {
        zip.write(zeros);
      }
    }
    return gz.toByteArray();
  }

  @Override
  public void close() throws IOException {
    closed.countDown();
    server.close();
  }
}
