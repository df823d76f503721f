package io.workerhealth.demo;

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
}
