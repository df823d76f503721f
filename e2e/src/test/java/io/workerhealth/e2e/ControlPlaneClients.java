package io.workerhealth.e2e;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.workerhealth.demo.controlplane.LocalControlPlane;

/** Acting as someone else on a real control plane: ServiceAccount tokens, clients holding them, CRDs ready. */
final class ControlPlaneClients {

  private ControlPlaneClients() {}

  /** A token of the ServiceAccount, bound to a pod (as a kubelet mounts it) when {@code boundTo} is given. */
  static String token(KubernetesClient admin, String namespace, String serviceAccount, Pod boundTo) {
    TokenRequestBuilder request = new TokenRequestBuilder().withNewSpec().withExpirationSeconds(3600L).endSpec();
    if (boundTo != null) {
      request.editSpec().withNewBoundObjectRef().withApiVersion("v1").withKind("Pod")
          .withName(boundTo.getMetadata().getName()).withUid(boundTo.getMetadata().getUid()).endBoundObjectRef()
          .endSpec();
    }
    return admin.serviceAccounts().inNamespace(namespace).withName(serviceAccount).tokenRequest(request.build())
        .getStatus().getToken();
  }

  /** A client of the control plane that authenticates with {@code token} only. */
  static KubernetesClient clientWithToken(LocalControlPlane controlPlane, String token) {
    Config adminConfig = controlPlane.adminConfig();
    return new KubernetesClientBuilder().withConfig(new ConfigBuilder(Config.empty())
        .withMasterUrl(adminConfig.getMasterUrl()).withCaCertData(adminConfig.getCaCertData()).withOauthToken(token)
        .build()).build();
  }

  /** Whether the CRD is served (its Established condition is True). */
  static boolean established(KubernetesClient admin, String crd) {
    var c = admin.apiextensions().v1().customResourceDefinitions().withName(crd).get();
    return c != null && c.getStatus() != null && c.getStatus().getConditions() != null
        && c.getStatus().getConditions().stream()
        .anyMatch(x -> x.getType().equals("Established") && x.getStatus().equals("True"));
  }
}
