package io.workerhealth.sidecar.agent;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The Secrets pods name in {@code workerhealth.io/auth-secret}, read by name (no list or watch of Secrets, so the
 * agent needs only {@code get}, and only where the chart grants it) and kept for a while: each is read again once it
 * is older than the refresh period, so a rotated Secret is used within that period, and a missing or forbidden one is
 * not asked for on every scrape. Secrets no pod asked for in two periods are forgotten.
 */
final class AuthSecrets {

  /** A Secret's data as read, or why it could not be. */
  record Read(String resourceVersion, Map<String, byte[]> data, String problem, Instant at) {}

  private final KubernetesClient client;
  private final Clock clock;
  private final Duration refresh;
  private final Map<String, Read> cache = new ConcurrentHashMap<>();
  private final Map<String, Instant> used = new ConcurrentHashMap<>();

  AuthSecrets(KubernetesClient client, Clock clock, Duration refresh) {
    this.client = client;
    this.clock = clock;
    this.refresh = refresh;
  }

  /** The Secret as read at most a refresh period ago; reads it now when older. Never throws. */
  Read get(String namespace, String name) {
    String key = namespace + "/" + name;
    Instant now = clock.instant();
    used.put(key, now);
    Read known = cache.get(key);
    if (known != null && !now.isAfter(known.at().plus(refresh))) {
      return known;
    }
    Read read;
    try {
      Secret secret = client.secrets().inNamespace(namespace).withName(name).get();
      if (secret == null) {
        read = new Read(null, Map.of(), "Secret " + key + " not found", now);
      } else {
        Map<String, byte[]> data = new TreeMap<>();
        if (secret.getData() != null) {
          secret.getData().forEach((k, v) -> data.put(k, Base64.getDecoder().decode(v)));
        }
        read = new Read(secret.getMetadata().getResourceVersion(), data, null, now);
      }
    } catch (KubernetesClientException e) {
      read = new Read(null, Map.of(), "cannot read Secret " + key + " (HTTP " + e.getCode() + (e.getCode() == 403
          ? ": the agent may read Secrets only in the namespaces the chart grants it, agent.secretNamespaces"
          : "") + ")", now);
    } catch (RuntimeException e) {
      read = new Read(null, Map.of(), "cannot read Secret " + key + " (" + e.getClass().getSimpleName() + ")", now);
    }
    cache.put(key, read);
    return read;
  }

  /** Forgets the Secrets no pod asked for in two refresh periods. */
  void forgetUnused() {
    Instant before = clock.instant().minus(refresh.multipliedBy(2));
    used.entrySet().removeIf(e -> {
      boolean stale = e.getValue().isBefore(before);
      if (stale) {
        cache.remove(e.getKey());
      }
      return stale;
    });
  }
}
