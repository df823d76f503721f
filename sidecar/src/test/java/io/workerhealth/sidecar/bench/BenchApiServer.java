package io.workerhealth.sidecar.bench;

import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.util.HashMap;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The API server side of the sidecar benchmark: fabric8's mock server in CRUD mode on a loopback port, holding the
 * benchmark pod. Every second it writes the number of requests it has served to a file, so the benchmark script can
 * count API calls over a window. Usage: {@code BenchApiServer <port> <count-file> <namespace> <pod>}.
 */
public final class BenchApiServer {

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    Path countFile = Path.of(args[1]);
    KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
        new KubernetesCrudDispatcher(), false);
    server.init(java.net.InetAddress.getLoopbackAddress(), port);
    KubernetesClient client = server.createClient();
    client.pods().inNamespace(args[2]).resource(new PodBuilder().withNewMetadata().withName(args[3])
        .withNamespace(args[2]).endMetadata().build()).create();
    int setupRequests = server.getRequestCount();
    System.out.println("listening on http://127.0.0.1:" + port);
    while (true) {
      Files.writeString(countFile, String.valueOf(server.getRequestCount() - setupRequests));
      TimeUnit.SECONDS.sleep(1);
    }
  }

  private BenchApiServer() {}
}
