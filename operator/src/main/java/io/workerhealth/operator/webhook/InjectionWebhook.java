package io.workerhealth.operator.webhook;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.VersionInfo;
import io.micrometer.core.instrument.MeterRegistry;
import io.workerhealth.operator.injection.PodInjector;
import io.workerhealth.operator.injection.SidecarMode;
import io.workerhealth.operator.injection.SidecarTemplate;
import io.workerhealth.operator.reconcile.EventRecorder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sidecar injection webhook in the operator process: the TLS admission endpoint and the certificate keeper run
 * on every replica (admission needs no lease, so standbys serve it too and a second replica keeps pod creation
 * injected through a restart); the missed-injection detector runs with the leader's controllers.
 */
public final class InjectionWebhook implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(InjectionWebhook.class);

  private final KubernetesClient client;
  private final InjectionSettings settings;
  private final WebhookMetrics metrics;
  private final ReloadableKeyManager keys = new ReloadableKeyManager();
  private final CertificateKeeper keeper;
  private final ScheduledExecutorService schedule;
  private final AdmissionServer server;
  private volatile SidecarMode serverMode;

  public InjectionWebhook(KubernetesClient client, InjectionSettings settings, MeterRegistry registry, Clock clock)
      throws IOException {
    this(client, settings, registry, clock, new InetSocketAddress(settings.port()));
  }

  public InjectionWebhook(KubernetesClient client, InjectionSettings settings, MeterRegistry registry, Clock clock,
                          InetSocketAddress address) throws IOException {
    this.client = client;
    this.settings = settings;
    this.metrics = new WebhookMetrics(registry);
    this.keeper = new CertificateKeeper(client, settings, keys, metrics, clock);
    this.serverMode = modeForServer();
    PodInjector injector = new PodInjector(new SidecarTemplate(settings.sidecarImage(), settings.javaOpts()),
        settings.defaults(), () -> serverMode);
    this.server = new AdmissionServer(address, keys, injector, metrics);
    this.schedule = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "worker-health-webhook-certificate");
      t.setDaemon(true);
      return t;
    });
  }

  /** Loads or issues the certificate now, then checks it every {@code checkInterval}. */
  public InjectionWebhook start() {
    runCheck();
    long every = settings.checkInterval().toMillis();
    schedule.scheduleWithFixedDelay(this::runCheck, every, every, TimeUnit.MILLISECONDS);
    LOG.info("sidecar injection webhook on port {} ({} sidecars by default)", server.port(),
        serverMode.wireName());
    return this;
  }

  /** One certificate check now (also what the schedule runs). */
  public void runCheck() {
    try {
      keeper.check();
      serverMode = modeForServer();
    } catch (RuntimeException e) {
      LOG.warn("webhook certificate check failed: {}", e.toString());
    }
  }

  /** The detector of pods created without their sidecar, to register with the operator's controllers. */
  public InjectedPodReconciler detector(Clock clock) {
    return new InjectedPodReconciler(metrics, new EventRecorder(client, clock),
        settings.manageRoleBindings() ? new SidecarRoleBindings(client, settings.sidecarClusterRole()) : null);
  }

  public int port() {
    return server.port();
  }

  /** Whether a certificate is loaded (the readiness of the admission endpoint). */
  public boolean serving() {
    return keys.ready();
  }

  private SidecarMode modeForServer() {
    if (!settings.sidecarMode().equals("auto")) {
      return SidecarMode.fromWireName(settings.sidecarMode());
    }
    try {
      VersionInfo version = client.getKubernetesVersion();
      return SidecarMode.forServerVersion(version.getMajor(), version.getMinor());
    } catch (RuntimeException e) {
      SidecarMode known = serverMode;
      LOG.warn("could not read the API server's version ({}); sidecars stay {}", e.toString(),
          known == null ? "classic" : known.wireName());
      return known == null ? SidecarMode.CLASSIC : known;
    }
  }

  @Override
  public void close() {
    schedule.shutdownNow();
    server.close();
  }
}
