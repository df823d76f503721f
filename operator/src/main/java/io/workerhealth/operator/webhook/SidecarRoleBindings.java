package io.workerhealth.operator.webhook;

import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Binds the sidecar ClusterRole to an injected pod's ServiceAccount in the pod's namespace, so labelling a pod is
 * all it takes. The operator may only create such bindings: its RBAC grants {@code bind} on that one ClusterRole
 * (by name) and {@code create}/{@code get} on RoleBindings, nothing wider. Named like the chart's own bindings, so
 * one made by either is found by the other.
 */
public final class SidecarRoleBindings {

  private static final Logger LOG = LoggerFactory.getLogger(SidecarRoleBindings.class);

  private final KubernetesClient client;
  private final String clusterRole;
  private final Set<String> ensured = ConcurrentHashMap.newKeySet();

  public SidecarRoleBindings(KubernetesClient client, String clusterRole) {
    this.client = client;
    this.clusterRole = clusterRole;
  }

  /** Makes sure {@code serviceAccount} in {@code namespace} is bound; one request per pair per process. */
  public void ensure(String namespace, String serviceAccount) {
    String account = serviceAccount == null || serviceAccount.isBlank() ? "default" : serviceAccount;
    if (ensured.contains(namespace + "/" + account)) {
      return;
    }
    String name = clusterRole + "-" + account;
    try {
      client.rbac().roleBindings().inNamespace(namespace).resource(new RoleBindingBuilder()
          .withNewMetadata().withName(name).withNamespace(namespace)
          .addToLabels("app.kubernetes.io/managed-by", "worker-health-operator").endMetadata()
          .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("ClusterRole").withName(clusterRole)
          .endRoleRef()
          .addNewSubject().withKind("ServiceAccount").withName(account).withNamespace(namespace).endSubject()
          .build()).create();
      LOG.info("bound ClusterRole {} to ServiceAccount {}/{} for its injected sidecars", clusterRole, namespace,
          account);
      ensured.add(namespace + "/" + account);
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        LOG.warn("could not bind ClusterRole {} to ServiceAccount {}/{}: {}", clusterRole, namespace, account,
            e.getMessage());
        return;
      }
      RoleBinding existing = client.rbac().roleBindings().inNamespace(namespace).withName(name).get();
      boolean binds = existing != null && clusterRole.equals(existing.getRoleRef().getName())
          && existing.getSubjects() != null && existing.getSubjects().stream().anyMatch(s ->
          "ServiceAccount".equals(s.getKind()) && account.equals(s.getName()) && namespace.equals(s.getNamespace()));
      if (binds) {
        ensured.add(namespace + "/" + account);
      } else {
        LOG.warn("RoleBinding {}/{} exists but does not bind ClusterRole {} to ServiceAccount {}: sidecars of that "
            + "account cannot report", namespace, name, clusterRole, account);
      }
    }
  }
}
