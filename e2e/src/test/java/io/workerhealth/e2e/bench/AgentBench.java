package io.workerhealth.e2e.bench;

import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.workerhealth.api.v1alpha1.HealthPhase;
import io.workerhealth.api.v1alpha1.WorkerHealth;
import io.workerhealth.demo.controlplane.ControlPlaneBinaries;
import io.workerhealth.demo.controlplane.LocalControlPlane;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The node agent's resource use against a real kube-apiserver (docs/agent.md): one agent, the runnable jar under the
 * chart's JVM flags (agent.javaOpts), reporting N annotated pods of one node, each a keep-alive HTTP endpoint on a
 * loopback address of its own, scraped every interval. For each N: RSS (and peak), threads, CPU per scrape and per
 * second over the measured window, the API server's count of write requests to Leases and WorkerHealths over it
 * ({@code apiserver_request_total}), and the load average. Run by {@code e2e/bench/agent.sh}.
 */
public final class AgentBench {

  static final String NS = "bench";
  static final String AGENT_NS = "worker-health";
  static final String NODE = "bench-node";
  static final byte[] HEALTHY = ("{\"status\":\"healthy\",\"timestamp\":\"2026-01-01T00:00:00Z\",\"workers\":{"
      + "\"http-server\":{\"status\":\"healthy\"},\"deliverymq-consumer\":{\"status\":\"healthy\"},"
      + "\"retrymq-consumer\":{\"status\":\"healthy\"},\"logmq-consumer\":{\"status\":\"healthy\"}}}")
      .getBytes(StandardCharsets.UTF_8);
  static final Pattern REQUESTS = Pattern.compile("^apiserver_request_total\\{([^}]*)} ([0-9.e+]+)$");

  private AgentBench() {}

  public static void main(String[] args) throws Exception {
    List<Integer> targets = new ArrayList<>();
    for (String a : (args.length == 0 ? "10,30,100,300" : args[0]).split(",")) {
      targets.add(Integer.parseInt(a.strip()));
    }
    Duration warmup = Duration.ofSeconds(Long.parseLong(System.getenv().getOrDefault("BENCH_WARMUP", "60")));
    Duration measure = Duration.ofSeconds(Long.parseLong(System.getenv().getOrDefault("BENCH_MEASURE", "120")));
    String interval = System.getenv().getOrDefault("BENCH_INTERVAL", "5s");
    Path root = Path.of(System.getProperty("bench.root", "."));
    Path jar = root.resolve("sidecar/target/worker-health-sidecar.jar");
    String flags = jvmFlags(root.resolve("charts/worker-health-operator/values.yaml"));

    try (LocalControlPlane cp = LocalControlPlane.start(ControlPlaneBinaries.locate(),
        root.resolve("e2e/target/control-plane-bench")); KubernetesClient admin = cp.adminClient()) {
      Config config = cp.adminConfig();
      Path ca = Files.createTempFile("bench-ca", ".crt");
      Files.write(ca, Base64.getDecoder().decode(config.getCaCertData()));
      try (DirectoryStream<Path> crds = Files.newDirectoryStream(root.resolve("crds/generated"), "*.yml")) {
        for (Path crd : crds) {
          try (InputStream in = Files.newInputStream(crd)) {
            admin.resource(admin.getKubernetesSerialization().unmarshal(in, CustomResourceDefinition.class)).create();
          }
        }
      }
      for (String ns : List.of(NS, AGENT_NS)) {
        admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
            .create();
      }
      admin.nodes().resource(new NodeBuilder().withNewMetadata().withName(NODE).endMetadata().build()).create();
      waitUntil(Duration.ofMinutes(2), () -> admin.resources(WorkerHealth.class).inNamespace(NS).list() != null);

      int port = freePort();
      int max = targets.stream().mapToInt(Integer::intValue).max().orElse(0);
      ExecutorService answers = Executors.newFixedThreadPool(4);
      List<HttpServer> endpoints = new ArrayList<>();
      for (int i = 0; i < max; i++) {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getByName(address(i)), port), 64);
        server.createContext("/healthz", ex -> {
          try (ex; InputStream in = ex.getRequestBody()) {
            in.readAllBytes();
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(200, HEALTHY.length);
            try (OutputStream out = ex.getResponseBody()) {
              out.write(HEALTHY);
            }
          }
        });
        server.setExecutor(answers);
        server.start();
        endpoints.add(server);
      }

      // kube-apiserver renews a Lease of its own (its identity, in kube-system) every 10 s: counted first, with no
      // agent running, and taken off the agent's figures
      Map<String, Double> base0 = writes(cp.serverUrl(), config.getOauthToken());
      Instant b0 = Instant.now();
      sleep(Duration.ofSeconds(60));
      Map<String, Double> base1 = writes(cp.serverUrl(), config.getOauthToken());
      double baseMinutes = Duration.between(b0, Instant.now()).toMillis() / 60_000.0;
      Map<String, Double> baseline = new HashMap<>();
      for (String r : List.of("leases", "workerhealths")) {
        baseline.put(r, (base1.getOrDefault(r, 0.0) - base0.getOrDefault(r, 0.0)) / baseMinutes);
      }
      System.out.printf("API server's own writes with no agent: %.1f/min to Leases, %.1f/min to WorkerHealths%n",
          baseline.get("leases"), baseline.get("workerhealths"));
      System.out.printf("%-7s %-9s %-16s %-8s %-22s %-18s %-12s %-34s %s%n", "targets", "interval", "RSS (peak) MiB",
          "threads", "CPU ms/scrape (ms/s)", "scrapes measured", "RSS/pod MiB",
          "agent's API writes/min (lease, wh)", "load average before/after");
      for (int n : targets) {
        runOne(admin, cp.serverUrl(), config.getOauthToken(), ca, jar, flags, port, n, interval, warmup, measure,
            baseline);
      }
      endpoints.forEach(s -> s.stop(0));
      answers.shutdownNow();
    }
  }

  static void runOne(KubernetesClient admin, String server, String token, Path ca, Path jar, String flags, int port,
                     int n, String interval, Duration warmup, Duration measure, Map<String, Double> baseline)
      throws Exception {
    for (int i = 0; i < n; i++) {
      Pod pod = admin.pods().inNamespace(NS).resource(new PodBuilder().withNewMetadata().withName("app-" + i)
          .addToLabels("app", "bench").addToAnnotations("workerhealth.io/scrape", "true")
          .addToAnnotations("workerhealth.io/port", Integer.toString(port))
          .addToAnnotations("workerhealth.io/interval", interval).endMetadata()
          .withNewSpec().withNodeName(NODE).addNewContainer().withName("app").withImage("registry.invalid/app:1")
          .endContainer().addNewToleration().withOperator("Exists").endToleration().endSpec().build()).create();
      admin.pods().inNamespace(NS).withName(pod.getMetadata().getName()).editStatus(p -> new PodBuilder(p)
          .editOrNewStatus().withPhase("Running").withPodIP(address(n > 0 ? Integer.parseInt(
              p.getMetadata().getName().substring(4)) : 0)).endStatus().build());
    }
    int metricsPort = freePort();
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(List.of(flags.split("\\s+")));
    command.addAll(List.of("-jar", jar.toString(), "agent"));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(Files.createTempFile("bench-agent", ".log").toFile());
    Map<String, String> env = pb.environment();
    env.put("NODE_NAME", NODE);
    env.put("POD_NAME", "bench-agent");
    env.put("POD_NAMESPACE", AGENT_NS);
    env.put("WH_METRICS_PORT", Integer.toString(metricsPort));
    env.put("WH_LOG_LEVEL", "WARN");
    env.put("MALLOC_ARENA_MAX", "2");
    env.put("KUBERNETES_MASTER", server);
    env.put("KUBERNETES_AUTH_TOKEN", token);
    env.put("KUBERNETES_CERTS_CA_FILE", ca.toString());
    env.put("KUBERNETES_AUTH_TRYKUBECONFIG", "false");
    env.put("KUBERNETES_AUTH_TRYSERVICEACCOUNT", "false");
    env.put("KUBERNETES_NAMESPACE", AGENT_NS);
    Process agent = pb.start();
    try {
      waitUntil(Duration.ofMinutes(5), () -> healthy(admin) == n);
      sleep(warmup);
      String load0 = Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
      long cpu0 = cpuTicks(agent.pid());
      double scrapes0 = scrapes(metricsPort);
      Map<String, Double> writes0 = writes(server, token);
      Instant t0 = Instant.now();
      sleep(measure);
      long cpu1 = cpuTicks(agent.pid());
      double scrapes1 = scrapes(metricsPort);
      Map<String, Double> writes1 = writes(server, token);
      double minutes = Duration.between(t0, Instant.now()).toMillis() / 60_000.0;
      String load1 = Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
      Map<String, String> status = procStatus(agent.pid());
      double rss = kib(status.get("VmRSS")) / 1024.0;
      double hwm = kib(status.get("VmHWM")) / 1024.0;
      double cpuMs = (cpu1 - cpu0) * 1000.0 / 100; // USER_HZ is 100 on Linux
      double scrapes = scrapes1 - scrapes0;
      double seconds = minutes * 60;
      double lease = (writes1.getOrDefault("leases", 0.0) - writes0.getOrDefault("leases", 0.0)) / minutes
          - baseline.get("leases");
      double wh = (writes1.getOrDefault("workerhealths", 0.0) - writes0.getOrDefault("workerhealths", 0.0)) / minutes
          - baseline.get("workerhealths");
      System.out.printf("%-7d %-9s %-16s %-8s %-22s %-18s %-12s %-34s %s%n", n, interval,
          String.format("%.1f (%.1f)", rss, hwm), status.get("Threads").strip(),
          String.format("%.2f (%.1f)", cpuMs / Math.max(1, scrapes), cpuMs / seconds), String.format("%.0f in %.0f s",
              scrapes, seconds), String.format("%.2f", rss / n),
          String.format("%.1f (%.1f, %.1f)", lease + wh, lease, wh),
          load0 + " / " + load1);
    } finally {
      agent.destroy();
      agent.waitFor(20, TimeUnit.SECONDS);
      admin.pods().inNamespace(NS).withLabel("app", "bench").withGracePeriod(0).delete();
      admin.resources(WorkerHealth.class).inNamespace(NS).delete();
      waitUntil(Duration.ofMinutes(2), () -> admin.pods().inNamespace(NS).list().getItems().isEmpty());
    }
  }

  /** 127.1.x.y: a loopback address per pod. */
  static String address(int i) {
    return "127.1." + (i / 250) + "." + (i % 250 + 1);
  }

  static long healthy(KubernetesClient admin) {
    return admin.resources(WorkerHealth.class).inNamespace(NS).list().getItems().stream()
        .filter(w -> w.getStatus() != null && w.getStatus().getPhase() == HealthPhase.Healthy).count();
  }

  /** The agent's scrapes so far, from its /metrics. */
  static double scrapes(int port) throws Exception {
    String text = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
        + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
    return text.lines().filter(l -> l.startsWith("workerhealth_agent_scrape_duration_seconds_count"))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
  }

  /** Write requests (POST, PUT, PATCH, DELETE) the API server has served, by resource (leases, workerhealths). */
  static Map<String, Double> writes(String server, String token) throws Exception {
    HttpClient http = HttpClient.newBuilder().sslContext(insecure()).build();
    String text = http.send(HttpRequest.newBuilder(URI.create(server + "/metrics"))
        .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString()).body();
    Map<String, Double> out = new HashMap<>();
    for (String line : text.lines().toList()) {
      Matcher m = REQUESTS.matcher(line);
      if (!m.matches()) {
        continue;
      }
      Map<String, String> labels = new HashMap<>();
      for (String pair : m.group(1).split(",(?=[a-z_]+=\")")) {
        int eq = pair.indexOf('=');
        labels.put(pair.substring(0, eq), pair.substring(eq + 2, pair.length() - 1));
      }
      String verb = labels.getOrDefault("verb", "");
      String resource = labels.getOrDefault("resource", "");
      if (List.of("POST", "PUT", "PATCH", "DELETE", "APPLY").contains(verb)
          && List.of("leases", "workerhealths").contains(resource)) {
        out.merge(resource, Double.parseDouble(m.group(2)), Double::sum);
      }
    }
    return out;
  }

  /** The bench reads the API server's /metrics on loopback; its certificate is the control plane's own. */
  static javax.net.ssl.SSLContext insecure() throws Exception {
    javax.net.ssl.TrustManager[] trustAll = {new javax.net.ssl.X509TrustManager() {
      @Override
      public void checkClientTrusted(java.security.cert.X509Certificate[] c, String a) { }

      @Override
      public void checkServerTrusted(java.security.cert.X509Certificate[] c, String a) { }

      @Override
      public java.security.cert.X509Certificate[] getAcceptedIssuers() {
        return new java.security.cert.X509Certificate[0];
      }
    }};
    javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
    context.init(null, trustAll, null);
    return context;
  }

  static long cpuTicks(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime
  }

  static Map<String, String> procStatus(long pid) throws IOException {
    Map<String, String> out = new HashMap<>();
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      int colon = line.indexOf(':');
      if (colon > 0) {
        out.put(line.substring(0, colon), line.substring(colon + 1).strip());
      }
    }
    return out;
  }

  static double kib(String value) {
    return Double.parseDouble(value.replace("kB", "").strip());
  }

  /** The agent's JVM flags as the chart sets them (agent.javaOpts in values.yaml). */
  static String jvmFlags(Path values) throws IOException {
    Matcher m = Pattern.compile("(?m)^  javaOpts: \"(-XX:\\+UseSerialGC[^\"]*)\"").matcher(Files.readString(values));
    if (!m.find()) {
      throw new IllegalStateException("agent.javaOpts not found in " + values);
    }
    return System.getenv().getOrDefault("BENCH_JVM_FLAGS", m.group(1));
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  interface Check {
    boolean holds() throws Exception;
  }

  static void waitUntil(Duration atMost, Check check) throws Exception {
    Instant deadline = Instant.now().plus(atMost);
    while (!check.holds()) {
      if (Instant.now().isAfter(deadline)) {
        throw new IllegalStateException("not reached within " + atMost);
      }
      sleep(Duration.ofMillis(500));
    }
  }

  /** A benchmark's measuring window: the time itself is what is measured over. */
  static void sleep(Duration d) throws InterruptedException {
    TimeUnit.MILLISECONDS.sleep(d.toMillis());
  }
}
