package io.workerhealth.e2e.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The load generator: one simulated sidecar per pod, writing WorkerHealths as the real sidecar does. When a pod
 * appears, its WorkerHealth is created (owned by the pod, labelled like it) and its first status written; then the
 * status is rewritten every heartbeat with only the scrape time moved on (the heartbeats of all pods spread evenly
 * over the period); a worker's transition is a status write with the worker's new state and transition time. All
 * writes are JSON Patches of /status through the status subresource, sent asynchronously, at most 64 in flight.
 */
final class SidecarFleet implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(SidecarFleet.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  static final String FAILING_WORKER = "deliverymq-consumer";
  private static final Duration TICK = Duration.ofMillis(100);

  /** One pod's sidecar. */
  static final class Sidecar {
    final String namespace;
    final String pod;
    final String policy;
    final int bucket;
    volatile boolean reported;
    volatile boolean gone;
    volatile Instant healthySince;
    volatile Instant failingSince;

    Sidecar(String namespace, String pod, String policy, int bucket, Instant now) {
      this.namespace = namespace;
      this.pod = pod;
      this.policy = policy;
      this.bucket = bucket;
      this.healthySince = now;
    }

    String key() {
      return namespace + "/" + pod;
    }
  }

  private final KubernetesClient client;
  private final HttpClient http;
  private final String base;
  private final Duration heartbeat;
  private final String policyLabel;
  private final Semaphore inFlight = new Semaphore(64);
  private final Map<String, Sidecar> sidecars = new ConcurrentHashMap<>();
  private final List<ConcurrentLinkedQueue<Sidecar>> buckets = new ArrayList<>();
  private final Map<String, CompletableFuture<Instant>> deletions = new ConcurrentHashMap<>();
  private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "heartbeats");
    t.setDaemon(true);
    return t;
  });
  private final AtomicLong heartbeats = new AtomicLong();
  private final AtomicLong writes = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();
  private final AtomicLong created = new AtomicLong();
  private volatile long tick;
  private volatile boolean paused;
  private Watch watch;

  /**
   * @param policyLabel the pod label that names the pod's policy
   */
  SidecarFleet(KubernetesClient client, Duration heartbeat, String policyLabel) {
    this.client = client;
    this.http = client.getHttpClient();
    this.base = client.getMasterUrl().toString().replaceAll("/$", "");
    this.heartbeat = heartbeat;
    this.policyLabel = policyLabel;
    int n = (int) Math.max(1, heartbeat.toMillis() / TICK.toMillis());
    for (int i = 0; i < n; i++) {
      buckets.add(new ConcurrentLinkedQueue<>());
    }
  }

  /** Follows the pods labelled {@code selectorKey}: a sidecar starts with each new pod and stops with it. */
  void followPods(String selectorKey) {
    // from the version of a list (a watch without one asks for a stream of initial events, which this etcd lacks)
    String version = client.pods().inAnyNamespace().withLabel(selectorKey).list(new ListOptionsBuilder().withLimit(1L)
        .build()).getMetadata().getResourceVersion();
    watch = client.pods().inAnyNamespace().withLabel(selectorKey).watch(new ListOptionsBuilder()
        .withResourceVersion(version).build(), new Watcher<>() {
      @Override
      public void eventReceived(Action action, Pod pod) {
        String key = pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
        if (action == Action.ADDED && !sidecars.containsKey(key)) {
          start(pod);
        } else if (action == Action.DELETED) {
          Sidecar s = sidecars.remove(key);
          if (s != null) {
            s.gone = true;
          }
          CompletableFuture<Instant> deleted = deletions.remove(key);
          if (deleted != null) {
            deleted.complete(Instant.now());
          }
        }
      }

      @Override
      public void onClose(WatcherException cause) {
        LOG.error("the pod watch closed: {}", cause.toString());
      }
    });
  }

  private void start(Pod pod) {
    Instant now = Instant.now();
    Sidecar s = new Sidecar(pod.getMetadata().getNamespace(), pod.getMetadata().getName(),
        pod.getMetadata().getLabels().get(policyLabel), Math.floorMod(pod.getMetadata().getName().hashCode(),
        buckets.size()), now);
    sidecars.put(s.key(), s);
    ObjectNode wh = JSON.createObjectNode();
    wh.put("apiVersion", "workerhealth.io/v1alpha1");
    wh.put("kind", "WorkerHealth");
    ObjectNode meta = wh.putObject("metadata");
    meta.put("name", s.pod);
    meta.put("namespace", s.namespace);
    meta.set("labels", JSON.valueToTree(pod.getMetadata().getLabels()));
    ObjectNode owner = meta.putArray("ownerReferences").addObject();
    owner.put("apiVersion", "v1");
    owner.put("kind", "Pod");
    owner.put("name", s.pod);
    owner.put("uid", pod.getMetadata().getUid());
    ObjectNode spec = wh.putObject("spec");
    spec.put("podName", s.pod);
    spec.put("targetURL", "http://127.0.0.1:8080/healthz");
    spec.put("format", "auto");
    spec.put("intervalSeconds", 5);
    spec.put("heartbeatSeconds", heartbeat.toSeconds());
    send("POST", "/apis/workerhealth.io/v1alpha1/namespaces/" + s.namespace + "/workerhealths",
        "application/json", wh.toString())
        .thenCompose(code -> code == 201 || code == 409 ? report(s) : CompletableFuture.completedFuture(code))
        .thenAccept(code -> {
          if (code == 200) {
            s.reported = true;
            created.incrementAndGet();
            buckets.get(s.bucket).add(s);
          }
        });
  }

  /** Writes the sidecar's current status (scraped now). */
  CompletableFuture<Integer> report(Sidecar s) {
    writes.incrementAndGet();
    return send("PATCH", "/apis/workerhealth.io/v1alpha1/namespaces/" + s.namespace + "/workerhealths/" + s.pod
        + "/status", "application/json-patch+json", statusPatch(s, Instant.now()));
  }

  /** Starts the heartbeats: each sidecar rewrites its status once per period, the sidecars spread evenly. */
  void startHeartbeats() {
    ticker.scheduleAtFixedRate(() -> {
      ConcurrentLinkedQueue<Sidecar> due = buckets.get((int) (tick++ % buckets.size()));
      if (paused) {
        return;
      }
      for (var it = due.iterator(); it.hasNext(); ) {
        Sidecar s = it.next();
        if (s.gone) {
          it.remove();
          continue;
        }
        heartbeats.incrementAndGet();
        report(s);
      }
    }, 0, TICK.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Holds the heartbeats back (true) or lets them go on (false). */
  void pause(boolean pause) {
    paused = pause;
  }

  /** A worker fails (since {@code since}): the status write a sidecar makes at that transition. */
  CompletableFuture<Integer> fail(Sidecar s, Instant since) {
    s.failingSince = since;
    return report(s);
  }

  /** The worker is healthy again. */
  CompletableFuture<Integer> recover(Sidecar s) {
    s.failingSince = null;
    s.healthySince = Instant.now();
    return report(s);
  }

  /** Completes when the pod is deleted (with the moment the deletion was seen). */
  CompletableFuture<Instant> deletion(Sidecar s) {
    CompletableFuture<Instant> f = new CompletableFuture<>();
    deletions.put(s.key(), f);
    if (s.gone) {
      deletions.remove(s.key());
      f.complete(Instant.now());
    }
    return f;
  }

  List<Sidecar> reporting() {
    return sidecars.values().stream().filter(s -> s.reported && !s.gone).toList();
  }

  long reported() {
    return sidecars.values().stream().filter(s -> s.reported).count();
  }

  long heartbeats() {
    return heartbeats.get();
  }

  long writes() {
    return writes.get();
  }

  long failures() {
    return failures.get();
  }

  private CompletableFuture<Integer> send(String method, String path, String contentType, String body) {
    inFlight.acquireUninterruptibly();
    HttpRequest request = http.newHttpRequestBuilder().uri(base + path).method(method, contentType, body).build();
    return http.sendAsync(request, String.class).handle((response, error) -> {
      inFlight.release();
      int code = error != null ? -1 : response.code();
      if (code >= 300 && code != 409 || code < 0) {
        if (failures.incrementAndGet() <= 10) {
          LOG.warn("{} {} answered {}: {}", method, path, code, error != null ? error.toString()
              : response.body());
        }
      }
      return code;
    });
  }

  private static String statusPatch(Sidecar s, Instant now) {
    Instant failingSince = s.failingSince;
    boolean failing = failingSince != null;
    String t = now.toString();
    String healthy = s.healthySince.toString();
    return "[{\"op\":\"add\",\"path\":\"/status\",\"value\":{\"phase\":\"" + (failing ? "Failed" : "Healthy")
        + "\",\"format\":\"outpost\",\"httpStatus\":" + (failing ? 503 : 200)
        + ",\"lastScrapeTime\":\"" + t + "\",\"lastSuccessfulScrapeTime\":\"" + t
        + "\",\"consecutiveFailures\":0,\"workers\":["
        + worker("http-server", true, healthy) + ","
        + worker(FAILING_WORKER, !failing, failing ? failingSince.toString() : healthy) + ","
        + worker("retrymq-consumer", true, healthy) + ","
        + worker("logmq-consumer", true, healthy)
        + "],\"ready\":\"" + (failing ? "3/4" : "4/4") + "\""
        + (failing ? ",\"failing\":\"" + FAILING_WORKER + "\"" : "") + "}}]";
  }

  private static String worker(String name, boolean healthy, String since) {
    return "{\"name\":\"" + name + "\",\"status\":\"" + (healthy ? "Healthy" : "Failed") + "\",\"rawStatus\":\""
        + (healthy ? "healthy" : "failed") + "\",\"lastTransitionTime\":\"" + since + "\"}";
  }

  @Override
  public void close() {
    ticker.shutdownNow();
    if (watch != null) {
      watch.close();
    }
  }
}
