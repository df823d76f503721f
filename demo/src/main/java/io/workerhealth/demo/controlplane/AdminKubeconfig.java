package io.workerhealth.demo.controlplane;

import java.nio.file.Path;

/** A kubeconfig for one user of the local control plane, readable by kubectl and kube-controller-manager. */
public final class AdminKubeconfig {

  private AdminKubeconfig() {}

  public static String render(String serverUrl, Path certificateAuthority, String user, String token) {
    return """
        apiVersion: v1
        kind: Config
        clusters:
        - name: local
          cluster:
            server: %s
            certificate-authority: %s
        users:
        - name: %s
          user:
            token: %s
        contexts:
        - name: local
          context:
            cluster: local
            user: %s
            namespace: default
        current-context: local
        """.formatted(quote(serverUrl), quote(certificateAuthority.toAbsolutePath().toString()), quote(user),
        quote(token), quote(user));
  }

  // JSON strings are YAML scalars; quoting keeps paths and names with ':' or spaces intact.
  private static String quote(String value) {
    return '"' + value.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
  }
}
