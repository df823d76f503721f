package io.workerhealth.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.Config;
import io.workerhealth.api.v1alpha1.HealthPhase;
import io.workerhealth.api.v1alpha1.SourceFormat;
import io.workerhealth.api.v1alpha1.WorkerHealthStatus;
import io.workerhealth.api.v1alpha1.WorkerState;
import io.workerhealth.api.v1alpha1.WorkerStatus;
import io.workerhealth.demo.controlplane.ControlPlaneBinaries;
import io.workerhealth.demo.controlplane.LocalControlPlane;
import io.workerhealth.sidecar.config.TargetSetting;
import io.workerhealth.sidecar.format.HealthResponse;
import io.workerhealth.sidecar.scrape.ScrapeTarget;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real kube-apiserver's {@code /livez?verbose} and {@code /readyz?verbose} (the local control plane), scraped by
 * the sidecar's scrape path, healthy and then with a failing check: etcd stopped.
 */
class KubernetesVerboseE2E {

  @TempDir
  static Path dir;
  static LocalControlPlane controlPlane;
  static OkHttpClient client;
  static Path caFile;
  static Path tokenFile;

  @BeforeAll
  static void start() throws Exception {
    controlPlane = LocalControlPlane.start(ControlPlaneBinaries.locate(), dir.resolve("control-plane"));
    Config admin = controlPlane.adminConfig();
    // the sidecar's own settings: the cluster's CA and the admin's token, from files as a pod would mount them
    caFile = Files.write(dir.resolve("ca.crt"), Base64.getDecoder().decode(admin.getCaCertData()));
    tokenFile = Files.writeString(dir.resolve("token"), admin.getOauthToken());
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    int i = 0;
    for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(
        new ByteArrayInputStream(Base64.getDecoder().decode(admin.getCaCertData())))) {
      trust.setCertificateEntry("ca-" + i++, c);
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(null, tmf.getTrustManagers(), null);
    // the API server allows no anonymous requests here: the admin's token, as a bearer token
    client = new OkHttpClient.Builder()
        .sslSocketFactory(tls.getSocketFactory(), (X509TrustManager) tmf.getTrustManagers()[0])
        .addInterceptor(chain -> chain.proceed(chain.request().newBuilder()
            .header("Authorization", "Bearer " + admin.getOauthToken()).build()))
        .build();
  }

  @AfterAll
  static void stop() {
    if (controlPlane != null) {
      controlPlane.close();
    }
  }

  /** The API server's path as the sidecar would scrape it: WH_CA_FILE and WH_BEARER_TOKEN_FILE. */
  static ScrapeTarget target(String path) {
    List<String> problems = new ArrayList<>();
    ScrapeTarget target = TargetSetting.read(Map.of(TargetSetting.URL, controlPlane.serverUrl() + path,
        TargetSetting.CA_FILE, caFile.toString(), TargetSetting.BEARER_TOKEN_FILE, tokenFile.toString()), false,
        problems);
    assertThat(problems).isEmpty();
    return target;
  }

  static HealthResponse fetch(String path) throws Exception {
    try (Response r = client.newCall(new Request.Builder().url(controlPlane.serverUrl() + path).build()).execute()) {
      return new HealthResponse(r.code(), r.header("Content-Type"), r.body().bytes());
    }
  }

  @Test
  void livezAndReadyzAreReadAsChecksThenAFailedEtcdIsAFailedWorker() throws Exception {
    for (String path : List.of("/livez?verbose", "/readyz?verbose")) {
      Scrapes.keep("k8s-v1.36.3-" + path.substring(1, path.indexOf('?')) + "-ok.txt", fetch(path));
      WorkerHealthStatus s = Scrapes.report(target(path));
      assertThat(s.getScrapeError()).as(path).isNull();
      assertThat(s.getFormat()).isEqualTo(SourceFormat.K8S);
      assertThat(s.getPhase()).as(path).isEqualTo(HealthPhase.Healthy);
      assertThat(s.getWorkers()).extracting(WorkerState::getName).contains("ping", "etcd", "log");
    }

    // a failing check: etcd (a process the control plane started for this test) goes away
    ProcessHandle.current().descendants()
        .filter(p -> p.info().command().map(c -> c.endsWith("/etcd")).orElse(false))
        .forEach(ProcessHandle::destroy);
    await().atMost(60, TimeUnit.SECONDS).pollInterval(500, TimeUnit.MILLISECONDS)
        .until(() -> fetch("/readyz?verbose").httpStatus() == 500);
    Scrapes.keep("k8s-v1.36.3-readyz-etcd-down.txt", fetch("/readyz?verbose"));
    WorkerHealthStatus s = Scrapes.report(target("/readyz?verbose"));
    assertThat(s.getHttpStatus()).isEqualTo(500);
    assertThat(s.getPhase()).isEqualTo(HealthPhase.Failed);
    assertThat(s.worker("etcd")).get().satisfies(w -> {
      assertThat(w.getStatus()).isEqualTo(WorkerStatus.Failed);
      assertThat(w.getMessage()).isEqualTo("reason withheld");
    });
    assertThat(s.worker("ping")).get().extracting(WorkerState::getStatus).isEqualTo(WorkerStatus.Healthy);
  }
}
