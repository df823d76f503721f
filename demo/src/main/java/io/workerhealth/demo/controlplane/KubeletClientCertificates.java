package io.workerhealth.demo.controlplane;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The certificates with which the API server calls the kubelet (logs, exec, the kubelet's stats through
 * {@code nodes/proxy}): a CA the kubelet trusts for client certificates, and a client certificate for the API server
 * in group {@code system:masters}, so the kubelet's authorization webhook lets it through. Made with openssl per run.
 *
 * @param ca                 the CA's certificate ({@code authentication.x509.clientCAFile} of the kubelet)
 * @param clientCertificate  {@code --kubelet-client-certificate} of the API server
 * @param clientKey          {@code --kubelet-client-key} of the API server
 */
record KubeletClientCertificates(Path ca, Path clientCertificate, Path clientKey) {

  static KubeletClientCertificates create(Path openssl, Path directory) throws IOException {
    String tool = openssl.toString();
    Path caKey = directory.resolve("kubelet-client-ca.key");
    Path ca = directory.resolve("kubelet-client-ca.crt");
    Path key = directory.resolve("apiserver-kubelet-client.key");
    Path request = directory.resolve("apiserver-kubelet-client.csr");
    Path certificate = directory.resolve("apiserver-kubelet-client.crt");
    NodeHost.run(tool, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30", "-subj",
        "/CN=worker-health-node-kubelet-client-ca", "-keyout", caKey.toString(), "-out", ca.toString());
    NodeHost.run(tool, "req", "-newkey", "rsa:2048", "-nodes", "-subj",
        "/O=system:masters/CN=kube-apiserver-kubelet-client", "-keyout", key.toString(), "-out", request.toString());
    NodeHost.run(tool, "x509", "-req", "-in", request.toString(), "-CA", ca.toString(), "-CAkey", caKey.toString(),
        "-CAcreateserial", "-days", "30", "-out", certificate.toString());
    return new KubeletClientCertificates(ca, certificate, key);
  }
}
