package io.workerhealth.sidecar.agent;

import static io.workerhealth.sidecar.agent.AgentPods.pod;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.workerhealth.api.v1alpha1.SourceFormat;
import io.workerhealth.sidecar.scrape.RedirectPolicy;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** What the agent does with a pod, from the pod alone: the annotations, their defaults and their refusals. */
class PodTargetTest {

  static final AgentConfig.PodDefaults DEFAULTS = AgentConfig.PodDefaults.STANDARD;
  static final long MAX_BODY = 256 * 1024;

  static PodTarget of(Pod pod) {
    return PodTarget.of(pod, "node-a", DEFAULTS, MAX_BODY);
  }

  static PodTarget of(String... annotations) {
    return of(pod("shop", "app-1", "node-a", "10.0.0.7", annotations));
  }

  @Test
  void aPodThatAsksIsScrapedAtItsIpWithTheDefaultsOfTheInjection() {
    PodTarget.Scrape t = (PodTarget.Scrape) of("scrape", "true");
    assertThat(t.url()).hasToString("http://10.0.0.7:8080/healthz");
    assertThat(t.settings().scrape().interval()).isEqualTo(Duration.ofSeconds(5));
    assertThat(t.settings().scrape().timeout()).isEqualTo(Duration.ofSeconds(2));
    assertThat(t.settings().scrape().format()).isEqualTo(SourceFormat.AUTO);
    assertThat(t.settings().scrape().bodyLimit()).isEqualTo(MAX_BODY);
    assertThat(t.settings().redirects()).isEqualTo(RedirectPolicy.SAME_HOST);
    assertThat(t.settings().authSecret()).isNull();
  }

  @Test
  void everyAnnotationIsRead() {
    PodTarget.Scrape t = (PodTarget.Scrape) of("scrape", "true", "port", "9443", "path", "/actuator/health?x=1",
        "scheme", "https", "format", "spring", "interval", "30s", "timeout", "3s", "body-limit", "64Ki",
        "include-workers", "db,kafka/*", "exclude-workers", "", "redirects", "none", "tls-server-name",
        "checkout.shop.svc", "auth-secret", "health-auth", "custom-workers", "/jobs", "custom-status", "/state",
        "custom-status-map", "ok=Healthy");
    assertThat(t.url()).hasToString("https://10.0.0.7:9443/actuator/health?x=1");
    assertThat(t.settings().scrape().format()).isEqualTo(SourceFormat.SPRING);
    assertThat(t.settings().scrape().interval()).isEqualTo(Duration.ofSeconds(30));
    assertThat(t.settings().scrape().timeout()).isEqualTo(Duration.ofSeconds(3));
    assertThat(t.settings().scrape().bodyLimit()).isEqualTo(64 * 1024);
    assertThat(t.settings().scrape().workerFilter().include()).containsExactly("db", "kafka/*");
    assertThat(t.settings().scrape().workerFilter().exclusionsFor(SourceFormat.SPRING)).isEmpty();
    assertThat(t.settings().scrape().customFormat().workers()).isEqualTo("/jobs");
    assertThat(t.settings().redirects()).isEqualTo(RedirectPolicy.NONE);
    assertThat(t.settings().tlsServerName()).isEqualTo("checkout.shop.svc");
    assertThat(t.settings().authSecret()).isEqualTo("health-auth");
  }

  @Test
  void aNamedContainerPortAndAnIpv6PodIp() {
    Pod pod = new PodBuilder(pod("shop", "app-1", "node-a", "fd00::7", "scrape", "true", "port", "health"))
        .editSpec().editFirstContainer().addNewPort().withName("health").withContainerPort(8081).endPort()
        .endContainer().endSpec().build();
    assertThat(((PodTarget.Scrape) of(pod)).url()).hasToString("http://[fd00::7]:8081/healthz");
    assertThat(of("scrape", "true", "port", "nope")).isInstanceOfSatisfying(PodTarget.Invalid.class,
        i -> assertThat(i.message()).contains("workerhealth.io/port=nope: no container port of the pod is named so"));
  }

  @Test
  void podsTheAgentLeavesAlone() {
    assertThat(of("port", "8080")).isInstanceOf(PodTarget.Ignored.class);
    assertThat(of("scrape", "false")).isInstanceOf(PodTarget.Ignored.class);
    assertThat(PodTarget.of(pod("shop", "a", "node-b", "10.0.0.7", "scrape", "true"), "node-a", DEFAULTS, MAX_BODY))
        .isInstanceOf(PodTarget.Ignored.class);
    Pod injected = new PodBuilder(pod("shop", "a", "node-a", "10.0.0.7", "scrape", "true")).editSpec()
        .addNewInitContainer().withName("worker-health-sidecar").endInitContainer().endSpec().build();
    assertThat(of(injected)).isEqualTo(new PodTarget.Ignored("reported by its own sidecar"));
    Pod labelled = new PodBuilder(pod("shop", "a", "node-a", "10.0.0.7", "scrape", "true")).editMetadata()
        .addToLabels("workerhealth.io/sidecar", "true").endMetadata().build();
    assertThat(of(labelled)).isInstanceOf(PodTarget.Ignored.class);
    Pod going = new PodBuilder(pod("shop", "a", "node-a", "10.0.0.7", "scrape", "true")).editMetadata()
        .withDeletionTimestamp("2026-01-01T00:00:00Z").endMetadata().build();
    assertThat(of(going)).isInstanceOf(PodTarget.Ignored.class);
    Pod done = new PodBuilder(pod("shop", "a", "node-a", "10.0.0.7", "scrape", "true")).editStatus()
        .withPhase("Succeeded").endStatus().build();
    assertThat(of(done)).isInstanceOf(PodTarget.Ignored.class);
    assertThat(of(pod("shop", "a", "node-a", null, "scrape", "true"))).isInstanceOf(PodTarget.Waiting.class);
  }

  @Test
  void everyProblemIsNamedByItsAnnotationAtOnce() {
    PodTarget t = of("scrape", "true", "interval", "1s", "timeout", "5s", "format", "yaml", "port", "99999",
        "path", "healthz", "scheme", "ftp", "redirects", "any", "body-limit", "1Mi", "tls-server-name", "not a name",
        "auth-secret", "Bad_Name", "url", "http://169.254.169.254/", "intervall", "5s", "heartbeat", "10s");
    assertThat(t).isInstanceOf(PodTarget.Invalid.class);
    assertThat(((PodTarget.Invalid) t).message()).contains(
        "workerhealth.io/format=yaml",
        "workerhealth.io/port=99999: must be a port from 1 to 65535",
        "workerhealth.io/path=healthz: must be a URL path starting with /",
        "workerhealth.io/scheme=ftp: must be http or https",
        "workerhealth.io/redirects=any: the node agent follows redirects to the pod itself only",
        "workerhealth.io/body-limit=1Mi: more than this agent reads (262144 bytes",
        "workerhealth.io/tls-server-name=not a name: not a DNS name",
        "workerhealth.io/auth-secret=Bad_Name: not a Secret name",
        "workerhealth.io/url: the node agent scrapes the pod at its own IP",
        "unknown annotation workerhealth.io/intervall (known: ")
        .doesNotContain("workerhealth.io/heartbeat"); // the injection's sidecar settings are the sidecar's, not a mistake
    assertThat(((PodTarget.Invalid) of("scrape", "true", "bearer-token-secret", "health-token")).message())
        .as("the injection's credentials would be left out of the scrape: said, not dropped")
        .isEqualTo("workerhealth.io/bearer-token-secret: the injected sidecar's; the node agent reads credentials, "
            + "headers and a CA from the Secret named in workerhealth.io/auth-secret");
    assertThat(((PodTarget.Invalid) of("scrape", "true", "interval", "1s", "timeout", "5s")).message())
        .isEqualTo("workerhealth.io/timeout (5s) must not exceed workerhealth.io/interval (1s)");
    assertThat(((PodTarget.Invalid) of("scrape", "true", "format", "custom")).message())
        .isEqualTo("workerhealth.io/format=custom needs workerhealth.io/custom-workers and "
            + "workerhealth.io/custom-status");
    assertThat(((PodTarget.Invalid) of("scrape", "true", "tls-server-name", "a.svc")).message())
        .isEqualTo("workerhealth.io/tls-server-name needs workerhealth.io/scheme=https");
  }

  @Test
  void theAgentsDefaultsApplyAndAPodOverridesThemOneByOne() {
    AgentConfig.PodDefaults defaults = new AgentConfig.PodDefaults(
        java.util.Map.of(io.workerhealth.sidecar.config.ScrapeSetting.INTERVAL, "30s",
            io.workerhealth.sidecar.config.ScrapeSetting.FORMAT, "outpost"), "9000", "/health", "http", "none");
    PodTarget.Scrape t = (PodTarget.Scrape) PodTarget.of(pod("shop", "a", "node-a", "10.0.0.7", "scrape", "true",
        "format", "spring"), "node-a", defaults, MAX_BODY);
    assertThat(t.url()).hasToString("http://10.0.0.7:9000/health");
    assertThat(t.settings().scrape().interval()).isEqualTo(Duration.ofSeconds(30));
    assertThat(t.settings().scrape().format()).isEqualTo(SourceFormat.SPRING);
    assertThat(t.settings().redirects()).isEqualTo(RedirectPolicy.NONE);
  }
}
