package io.workerhealth.demo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * What runs the demo's pods' containers: the real kubelet of a one-node cluster ({@link NodePods}), or this JVM
 * standing in for one ({@link InProcessKubelet}).
 */
interface PodRuntime extends AutoCloseable {

  /** Names of the pods whose containers run, sorted. */
  List<String> runningPods();

  /** Calls one of the sample app's fault endpoints in a pod, e.g. {@code /faults/outage}; returns the URL called. */
  String fault(String pod, String pathAndQuery);

  /** Pod name → where its app's fault endpoints answer ({@code host:port}), sorted by pod. */
  Map<String, String> appAddresses();

  @Override
  void close();

  /** POSTs to a pod's app fault endpoint {@code url}; returns the URL called, or fails with the app's answer. */
  static String postFault(HttpClient http, String pod, URI url) {
    try {
      HttpResponse<String> response = http.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(5))
          .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() >= 300) {
        throw new IllegalStateException("POST " + url.getRawPath() + " answered " + response.statusCode() + ": "
            + response.body());
      }
      return url.toString();
    } catch (IOException e) {
      throw new UncheckedIOException("POST " + url.getRawPath() + " to pod " + pod, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
