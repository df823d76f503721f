package io.workerhealth.sidecar.agent;

import static io.workerhealth.sidecar.agent.AgentPods.pod;
import static org.assertj.core.api.Assertions.assertThat;

import io.workerhealth.sidecar.scrape.EndpointCredentials;
import io.workerhealth.sidecar.scrape.ScrapeTarget;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.Test;

/** Credentials, headers and CA from the Secret a pod names: what is sent, and what is said when it cannot be. */
class PodScrapeTargetTest {

  static PodTarget.Scrape https() {
    return (PodTarget.Scrape) PodTarget.of(pod("shop", "a", "node-a", "10.0.0.7", "scrape", "true", "scheme", "https",
        "auth-secret", "health-auth"), "node-a", AgentConfig.PodDefaults.STANDARD, 262144);
  }

  static Map<String, byte[]> secret(String... pairs) {
    Map<String, byte[]> data = new java.util.HashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      data.put(pairs[i], pairs[i + 1].getBytes(StandardCharsets.UTF_8));
    }
    return data;
  }

  @Test
  void basicAuthATokenHeadersAndACa() throws Exception {
    List<String> problems = new ArrayList<>();
    String ca = new HeldCertificate.Builder().certificateAuthority(0).build().certificatePem();
    ScrapeTarget t = PodScrapeTarget.build(https(), "shop/health-auth", secret("username", "reader", "password",
        "pw\n", "headers", "X-Tenant: blue", "ca.crt", ca), problems);
    assertThat(problems).isEmpty();
    assertThat(t.credentials().authorization()).isEqualTo(okhttp3.Credentials.basic("reader", "pw"));
    assertThat(t.credentials().describe()).isEqualTo("basic auth as user 'reader', password from Secret "
        + "shop/health-auth").doesNotContain("pw");
    assertThat(t.credentials().toString()).doesNotContain("pw");
    assertThat(t.headers().get("X-Tenant")).isEqualTo("blue");
    assertThat(t.caCertificates()).isNotNull();
    assertThat(PodScrapeTarget.build(https(), "shop/t", secret("token", "t0k"), problems).credentials())
        .isEqualTo(new EndpointCredentials.Fixed("Bearer t0k", "bearer token from Secret shop/t"));
  }

  @Test
  void problemsNameKeysNeverValues() {
    List<String> problems = new ArrayList<>();
    assertThat(PodScrapeTarget.build(https(), "shop/s", secret("username", "reader", "token", "secret-token",
        "headers", "X-Key: secret-value\u0001", "ca.crt", "not a certificate secret-pem"), problems)).isNull();
    assertThat(String.join("\n", problems)).contains(
        "Secret shop/s: basic auth needs both keys username and password",
        "Secret shop/s key headers line 1: the value of X-Key has a character a header cannot carry",
        "Secret shop/s: credentials are given more than once (username/password, token): use one",
        "Secret shop/s: cannot read PEM certificates from key ca.crt").doesNotContain("secret-");
    problems.clear();
    PodScrapeTarget.build(https(), "shop/e", secret("other", "x"), problems);
    assertThat(problems).containsExactly("Secret shop/e has none of the keys username, password, token, headers, "
        + "ca.crt");
  }
}
