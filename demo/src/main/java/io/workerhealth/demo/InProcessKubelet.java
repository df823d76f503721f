package io.workerhealth.demo;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.workerhealth.demo.view.Narration;
import io.workerhealth.examples.BrokerUnreachableException;
import io.workerhealth.examples.SampleAppConfig;
import io.workerhealth.examples.SampleWorkerApp;
import io.workerhealth.operator.injection.SidecarTemplate;
import io.workerhealth.sidecar.SidecarRunner;
import io.workerhealth.sidecar.config.SidecarConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the containers of the demo's pods in this JVM, as a kubelet would on a node: for each pod of the Deployment, the
 * sample app on a free loopback port and the sidecar the injection webhook added to the pod, configured from that
 * container's env (POD_NAME, POD_NAMESPACE, POD_UID resolved as the downward API does; the pod's labels in a file
 * like the downward-API volume; the target URL pointed at the app's port here).
 * When a pod is gone (evicted, scaled down) its app and sidecar are stopped. An app that exits at start (the sample
 * app refuses to start while its broker is down) is started again after a growing delay, as a kubelet does
 * (CrashLoopBackOff, at the demo's pace); its sidecar meanwhile reports the endpoint unreachable.
 */
final class InProcessKubelet implements PodRuntime {

  private static final Logger LOG = LoggerFactory.getLogger(InProcessKubelet.class);

  /** The first delay before an app that exited is started again; it doubles up to {@link #MAX_RESTART_DELAY}. */
  static final Duration FIRST_RESTART_DELAY = Duration.ofSeconds(1);
  static final Duration MAX_RESTART_DELAY = Duration.ofSeconds(4);

  /** One pod's containers: the sidecar (when injected) runs throughout, the app when it could start. */
  static final class PodContainers {
    final String uid;
    final int port;
    final SidecarRunner sidecar;
    final Path labelsFile;
    volatile SampleWorkerApp app;
    Instant nextStart;
    Duration restartDelay = FIRST_RESTART_DELAY;

    PodContainers(String uid, int port, SampleWorkerApp app, SidecarRunner sidecar, Path labelsFile) {
      this.uid = uid;
      this.port = port;
      this.app = app;
      this.sidecar = sidecar;
      this.labelsFile = labelsFile;
    }

    String uid() {
      return uid;
    }

    void stop() {
      if (sidecar != null) {
        sidecar.close(); // first, so that it does not report the app going away
      }
      SampleWorkerApp a = app;
      if (a != null) {
        a.close();
      }
      try {
        Files.deleteIfExists(labelsFile);
      } catch (IOException e) {
        LOG.debug("could not delete {}: {}", labelsFile, e.toString());
      }
    }
  }

  private final KubernetesClient client;
  private final String namespace;
  private final Map<String, String> selector;
  private final Duration scrapeInterval;
  private final Path workDirectory;
  private final Clock clock;
  private final Narration narration;
  private final SampleAppConfig appConfig;
  private final Map<String, PodContainers> running = new TreeMap<>();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private RepeatingTask loop;
  private final ExecutorService stopping = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "in-process-kubelet-stop");
    t.setDaemon(true);
    return t;
  });

  /** @param appConfig how each pod's app is configured (its port is chosen per pod) */
  InProcessKubelet(KubernetesClient client, String namespace, Map<String, String> selector, Duration scrapeInterval,
                   Path workDirectory, Clock clock, Narration narration, SampleAppConfig appConfig) {
    this.appConfig = appConfig;
    this.client = client;
    this.namespace = namespace;
    this.selector = selector;
    this.scrapeInterval = scrapeInterval;
    this.workDirectory = workDirectory;
    this.clock = clock;
    this.narration = narration;
  }

  InProcessKubelet start() {
    loop = RepeatingTask.start("in-process-kubelet", Duration.ofMillis(200), this::sync);
    return this;
  }

  /** Starts the containers of new pods and stops those of pods that are gone. */
  synchronized void sync() {
    List<Pod> pods = client.pods().inNamespace(namespace).withLabels(selector).list().getItems().stream()
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null).toList();
    Map<String, String> uids = new TreeMap<>();
    pods.forEach(p -> uids.put(p.getMetadata().getName(), p.getMetadata().getUid()));
    for (String name : new ArrayList<>(running.keySet())) {
      if (!running.get(name).uid().equals(uids.get(name))) {
        PodContainers gone = running.remove(name);
        narration.say("kubelet: pod " + name + " is gone; stopped its app and sidecar");
        stopping.execute(gone::stop);
      }
    }
    for (Pod pod : pods) {
      if (!running.containsKey(pod.getMetadata().getName())) {
        running.put(pod.getMetadata().getName(), startContainers(pod));
      }
    }
    running.forEach((name, containers) -> {
      if (containers.app == null && !clock.instant().isBefore(containers.nextStart)) {
        startApp(name, containers);
      }
    });
  }

  /** Starts the pod's app; when it exits at start, the next try is later, each time twice as late (to a maximum). */
  private void startApp(String name, PodContainers containers) {
    try {
      containers.app = SampleWorkerApp.start(appConfig.withBindAddress("127.0.0.1").withPort(containers.port), clock);
      containers.restartDelay = FIRST_RESTART_DELAY;
    } catch (BrokerUnreachableException e) {
      narration.say("kubelet: pod " + name + ": the app exited: " + e.getMessage() + "; starting it again in "
          + containers.restartDelay.toMillis() + "ms (CrashLoopBackOff)");
      containers.nextStart = clock.instant().plus(containers.restartDelay);
      Duration doubled = containers.restartDelay.multipliedBy(2);
      containers.restartDelay = doubled.compareTo(MAX_RESTART_DELAY) > 0 ? MAX_RESTART_DELAY : doubled;
    } catch (IOException e) {
      throw new UncheckedIOException("could not start the app of pod " + name, e);
    }
  }

  private PodContainers startContainers(Pod pod) {
    String name = pod.getMetadata().getName();
    try {
      int port;
      try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        port = free.getLocalPort();
      }
      Path labels = workDirectory.resolve(name + ".labels");
      StringBuilder text = new StringBuilder(); // the downward API's format: key="value" per line
      new TreeMap<>(pod.getMetadata().getLabels()).forEach((k, v) -> text.append(k).append("=\"").append(v)
          .append("\"\n"));
      Files.writeString(labels, text);
      Container injected = Stream.concat(pod.getSpec().getInitContainers().stream(),
              pod.getSpec().getContainers().stream())
          .filter(c -> SidecarTemplate.CONTAINER_NAME.equals(c.getName())).findFirst().orElse(null);
      SidecarRunner sidecar = null;
      String sidecarNote = "; no sidecar: it was not injected";
      if (injected != null) {
        // the injected container's env as the kubelet resolves it; the app listens on a free port here, not 8080
        Map<String, String> env = new TreeMap<>();
        for (EnvVar e : injected.getEnv()) {
          env.put(e.getName(), e.getValueFrom() == null ? e.getValue() : switch (e.getValueFrom().getFieldRef()
              .getFieldPath()) {
            case "metadata.name" -> name;
            case "metadata.namespace" -> pod.getMetadata().getNamespace();
            case "metadata.uid" -> pod.getMetadata().getUid();
            default -> throw new IllegalStateException("unexpected downward-API field in " + e);
          });
        }
        URI target = URI.create(env.get("WH_TARGET_URL"));
        env.put("WH_TARGET_URL", target.resolve("//127.0.0.1:" + port + target.getPath()).toString());
        env.put("WH_METRICS_PORT", "0");
        env.put("WH_LABELS_FILE", labels.toString());
        SidecarConfig config = SidecarConfig.fromEnv(env);
        sidecar = new SidecarRunner(config, client, clock).start();
        sidecarNote = ", injected sidecar scraping every " + config.interval().toMillis() + "ms";
      }
      PodContainers containers = new PodContainers(pod.getMetadata().getUid(), port, null, sidecar, labels);
      startApp(name, containers);
      narration.say("kubelet: pod " + name + " started: app on 127.0.0.1:" + port
          + (containers.app == null ? " (exited)" : "") + sidecarNote);
      return containers;
    } catch (IOException e) {
      throw new UncheckedIOException("could not start the containers of pod " + name, e);
    }
  }

  @Override
  public synchronized List<String> runningPods() {
    return List.copyOf(running.keySet());
  }

  @Override
  public synchronized Map<String, String> appAddresses() {
    Map<String, String> addresses = new TreeMap<>();
    running.forEach((pod, containers) -> addresses.put(pod, "127.0.0.1:" + containers.port));
    return addresses;
  }

  @Override
  public String fault(String pod, String pathAndQuery) {
    PodContainers containers;
    synchronized (this) {
      containers = running.get(pod);
    }
    if (containers == null || containers.app == null) {
      throw new IllegalStateException("the app of pod " + pod + " does not run here");
    }
    return PodRuntime.postFault(http, pod, URI.create("http://127.0.0.1:" + containers.port + pathAndQuery));
  }

  @Override
  public void close() {
    if (loop != null) {
      loop.close();
    }
    List<PodContainers> all;
    synchronized (this) {
      all = new ArrayList<>(running.values());
      running.clear();
    }
    all.forEach(c -> stopping.execute(c::stop));
    stopping.shutdown();
    try {
      stopping.awaitTermination(15, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
