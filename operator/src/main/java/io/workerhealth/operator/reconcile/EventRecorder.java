package io.workerhealth.operator.reconcile;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes Events on policies and pods, so {@code kubectl describe} tells the story. Best effort. Aggregated as
 * Kubernetes' own recorder (client-go's EventCorrelator) does: the same Event again (same object, type, reason and
 * message) raises the count and lastTimestamp of the Event already written instead of creating another; more than
 * {@link #MAX_SIMILAR} different messages with the same object, type and reason within {@link #SIMILAR_WINDOW}
 * become one Event "(combined from similar events): ..." whose count grows.
 */
public class EventRecorder {

  private static final Logger LOG = LoggerFactory.getLogger(EventRecorder.class);
  static final String COMPONENT = "worker-health-operator";
  /** client-go's defaults. */
  static final int CACHE_SIZE = 4096;
  static final int MAX_SIMILAR = 10;
  static final Duration SIMILAR_WINDOW = Duration.ofMinutes(10);
  static final String COMBINED = "(combined from similar events): ";

  private final KubernetesClient client;
  private final Clock clock;
  /** Event key → the Event written for it. */
  private final Map<String, Written> written = lru();
  /** Object, type and reason → the different messages seen since the window started. */
  private final Map<String, Similar> similar = lru();

  private record Written(String namespace, String name, int count) {}

  private static final class Similar {
    final Instant since;
    final Set<String> messages = new HashSet<>();

    Similar(Instant since) {
      this.since = since;
    }
  }

  public EventRecorder(KubernetesClient client, Clock clock) {
    this.client = client;
    this.clock = clock;
  }

  public void normal(String namespace, String kind, String apiVersion, String name, String uid, String reason,
                     String message) {
    record(namespace, kind, apiVersion, name, uid, "Normal", reason, message);
  }

  public void warning(String namespace, String kind, String apiVersion, String name, String uid, String reason,
                      String message) {
    record(namespace, kind, apiVersion, name, uid, "Warning", reason, message);
  }

  public void on(HasMetadata object, String type, String reason, String message) {
    record(object.getMetadata().getNamespace(), object.getKind(), object.getApiVersion(),
        object.getMetadata().getName(), object.getMetadata().getUid(), type, reason, message);
  }

  private void record(String namespace, String kind, String apiVersion, String name, String uid, String type,
                      String reason, String message) {
    Instant now = clock.instant();
    String text = message.length() > 1000 ? message.substring(0, 1000) : message;
    String object = namespace + "/" + kind + "/" + name + "/" + uid + "/" + type + "/" + reason;
    String key;
    Written before;
    // the bookkeeping under the lock, the API calls outside it: reconciles of other policies are not held up
    synchronized (this) {
      Similar seen = similar.get(object);
      if (seen == null || !seen.since.plus(SIMILAR_WINDOW).isAfter(now)) {
        seen = new Similar(now);
        similar.put(object, seen);
      }
      if (seen.messages.size() <= MAX_SIMILAR) {
        seen.messages.add(text);
      }
      key = object + "/" + text;
      if (seen.messages.size() > MAX_SIMILAR) {
        text = COMBINED + (text.length() > 900 ? text.substring(0, 900) : text);
        key = object + "/*";
      }
      before = written.get(key);
      if (before != null) {
        // counted now, so that a concurrent repeat raises the count further
        written.put(key, new Written(before.namespace(), before.name(), before.count() + 1));
      }
    }
    try {
      if (before != null && increment(before, text, now)) {
        return;
      }
      String eventName = create(namespace, kind, apiVersion, name, uid, type, reason, text, now);
      synchronized (this) {
        written.put(key, new Written(namespace, eventName, 1));
      }
    } catch (RuntimeException e) {
      LOG.warn("could not record event {} on {}/{}: {}", reason, namespace, name, e.toString());
    }
  }

  /** Raises the count of an Event written before; false when it is gone (Events expire). */
  private boolean increment(Written before, String message, Instant now) {
    String patch = client.getKubernetesSerialization().asJson(Map.of("count", before.count() + 1,
        "lastTimestamp", now.toString(), "message", message));
    try {
      client.v1().events().inNamespace(before.namespace()).withName(before.name())
          .patch(PatchContext.of(PatchType.JSON_MERGE), patch);
      return true;
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404) {
        return false;
      }
      throw e;
    }
  }

  private String create(String namespace, String kind, String apiVersion, String name, String uid, String type,
                        String reason, String message, Instant now) {
    // named as client-go names them: the object's name and the time in nanoseconds, in hex
    String eventName = name + "." + Long.toHexString(now.getEpochSecond() * 1_000_000_000L + now.getNano());
    for (int attempt = 0; ; attempt++) {
      try {
        client.v1().events().inNamespace(namespace).resource(new EventBuilder()
            .withNewMetadata().withNamespace(namespace).withName(eventName).endMetadata()
            .withInvolvedObject(new ObjectReferenceBuilder().withKind(kind).withApiVersion(apiVersion)
                .withName(name).withNamespace(namespace).withUid(uid).build())
            .withType(type).withReason(reason).withMessage(message)
            .withFirstTimestamp(now.toString()).withLastTimestamp(now.toString()).withCount(1)
            .withNewSource().withComponent(COMPONENT).endSource()
            .withReportingComponent(COMPONENT)
            .build()).create();
        return eventName;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 || attempt > 0) {
          throw e;
        }
        eventName = name + "." + UUID.randomUUID().toString().substring(0, 8); // two Events in the same nanosecond
      }
    }
  }

  private static <V> Map<String, V> lru() {
    return new LinkedHashMap<>(256, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
        return size() > CACHE_SIZE;
      }
    };
  }
}
