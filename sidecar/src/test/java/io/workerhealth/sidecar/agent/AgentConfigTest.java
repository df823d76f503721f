package io.workerhealth.sidecar.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AgentConfigTest {

  static Map<String, String> env(String... pairs) {
    Map<String, String> env = new HashMap<>(Map.of("NODE_NAME", "node-a", "POD_NAME", "agent-x",
        "POD_NAMESPACE", "worker-health"));
    for (int i = 0; i < pairs.length; i += 2) {
      env.put(pairs[i], pairs[i + 1]);
    }
    return env;
  }

  @Test
  void defaultsMatchTheDocumentation() {
    AgentConfig c = AgentConfig.fromEnv(env());
    assertThat(c.nodeName()).isEqualTo("node-a");
    assertThat(c.metricsPort()).isEqualTo(9090);
    assertThat(c.scrapeThreads()).isEqualTo(4);
    assertThat(c.writeThreads()).isEqualTo(2);
    assertThat(c.leaseDuration()).isEqualTo(Duration.ofSeconds(40));
    assertThat(c.renewInterval()).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.maxBodyLimit()).isEqualTo(256 * 1024);
    assertThat(c.secretRefresh()).isEqualTo(Duration.ofMinutes(1));
    assertThat(c.defaults()).isEqualTo(AgentConfig.PodDefaults.STANDARD);
  }

  @Test
  void everyProblemIsListedAtOnceAndABadDefaultIsNamedByItsVariable() {
    assertThatThrownBy(() -> AgentConfig.fromEnv(Map.of("WH_SCRAPE_THREADS", "0", "WH_LEASE_DURATION", "15s",
        "WH_LEASE_RENEW_INTERVAL", "10s", "WH_INTERVAL", "soon", "WH_PORT", "http!", "WH_REDIRECTS", "any",
        "WH_MAX_BODY_LIMIT", "lots")))
        .hasMessageContainingAll("NODE_NAME is required", "POD_NAME is required", "POD_NAMESPACE is required",
            "WH_SCRAPE_THREADS=0: must be 1 to 64",
            "WH_LEASE_RENEW_INTERVAL (10s) must be at most half of WH_LEASE_DURATION (15s)",
            "WH_MAX_BODY_LIMIT=lots");
    assertThatThrownBy(() -> AgentConfig.fromEnv(env("WH_INTERVAL", "soon", "WH_PORT", "http!", "WH_REDIRECTS",
        "any", "WH_BODY_LIMIT", "1Mi")))
        .hasMessageContainingAll("WH_INTERVAL=soon", "WH_PORT=http!", "WH_REDIRECTS=any",
            "WH_BODY_LIMIT=1Mi: more than this agent reads");
  }

  @Test
  void everyVariableIsDocumented() throws Exception {
    String docs = Files.readString(Path.of("../docs/agent.md"));
    for (String variable : new String[] {"NODE_NAME", "POD_NAME", "POD_NAMESPACE", "WH_METRICS_PORT",
        "WH_SCRAPE_THREADS", "WH_WRITE_THREADS", "WH_LEASE_DURATION", "WH_LEASE_RENEW_INTERVAL", "WH_MAX_BODY_LIMIT",
        "WH_SECRET_REFRESH", "WH_PORT", "WH_PATH", "WH_SCHEME", "WH_REDIRECTS", "WH_LOG_LEVEL"}) {
      assertThat(docs).contains("`" + variable + "`");
    }
    for (String key : PodSettings.knownKeys()) {
      assertThat(docs).contains("`workerhealth.io/" + key + "`");
    }
  }
}
