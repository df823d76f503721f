package io.workerhealth.operator.reconcile;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Kubernetes Events on policies and pods, so {@code kubectl describe} tells the story. Best effort. */
public class EventRecorder {

  private static final Logger LOG = LoggerFactory.getLogger(EventRecorder.class);
  static final String COMPONENT = "worker-health-operator";

  private final KubernetesClient client;
  private final Clock clock;

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
    String now = clock.instant().toString();
    try {
      client.v1().events().inNamespace(namespace).resource(new EventBuilder()
          .withNewMetadata().withNamespace(namespace)
          .withName(name + "." + UUID.randomUUID().toString().substring(0, 8)).endMetadata()
          .withInvolvedObject(new ObjectReferenceBuilder().withKind(kind).withApiVersion(apiVersion)
              .withName(name).withNamespace(namespace).withUid(uid).build())
          .withType(type).withReason(reason).withMessage(message.length() > 1000 ? message.substring(0, 1000) : message)
          .withFirstTimestamp(now).withLastTimestamp(now).withCount(1)
          .withNewSource().withComponent(COMPONENT).endSource()
          .withReportingComponent(COMPONENT)
          .build()).create();
    } catch (RuntimeException e) {
      LOG.warn("could not record event {} on {}/{}: {}", reason, namespace, name, e.toString());
    }
  }
}
