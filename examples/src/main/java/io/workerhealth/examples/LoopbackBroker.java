package io.workerhealth.examples;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * A stand-in message broker on loopback for demos and tests: it accepts TCP connections (and closes them) while up;
 * {@link #stop()} is an outage, {@link #start()} brings it back on the same port.
 */
public final class LoopbackBroker implements AutoCloseable {

  private final int port;
  private volatile ServerSocket socket;
  private Thread acceptor;

  private LoopbackBroker(int port) {
    this.port = port;
  }

  /** Starts on a free port. */
  public static LoopbackBroker open() throws IOException {
    int free;
    try (ServerSocket probe = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      free = probe.getLocalPort();
    }
    LoopbackBroker broker = new LoopbackBroker(free);
    broker.start();
    return broker;
  }

  public int port() {
    return port;
  }

  /** {@code 127.0.0.1:port}, as the app's BROKER_ADDRESS. */
  public String address() {
    return "127.0.0.1:" + port;
  }

  public synchronized boolean up() {
    return socket != null;
  }

  public synchronized void start() throws IOException {
    if (socket != null) {
      return;
    }
    ServerSocket s = new ServerSocket();
    s.setReuseAddress(true);
    s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    socket = s;
    acceptor = new Thread(() -> {
      while (!s.isClosed()) {
        try (Socket client = s.accept()) {
          client.getOutputStream().flush(); // accepted: the broker answers
        } catch (IOException e) {
          // closed by stop(), or a client that went away
        }
      }
    }, "loopback-broker");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** An outage: connections are refused until {@link #start()}. */
  public synchronized void stop() {
    if (socket == null) {
      return;
    }
    try {
      socket.close();
    } catch (IOException e) {
      // closing a listening socket: nothing to do
    }
    socket = null;
    try {
      acceptor.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    stop();
  }
}
