package io.workerhealth.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class OperatorSettingsTest {

  @Test
  void withoutAShardEveryPolicyIsReconciledUnderTheDefaultLease() {
    OperatorSettings s = OperatorSettings.fromEnv(Map.of("WH_WATCH_NAMESPACES", "a, b,,"));
    assertThat(s.shardSelector()).isNull();
    assertThat(s.watchNamespaces()).containsExactly("a", "b");
    assertThat(s.leaseName()).isEqualTo("worker-health-operator");
  }

  @Test
  void eachShardHasItsOwnLeaseUnlessOneIsNamed() {
    OperatorSettings a = OperatorSettings.fromEnv(Map.of("WH_SHARD_SELECTOR", " workerhealth.io/shard=a "));
    OperatorSettings b = OperatorSettings.fromEnv(Map.of("WH_SHARD_SELECTOR", "workerhealth.io/shard=b"));
    assertThat(a.shardSelector()).isEqualTo("workerhealth.io/shard=a");
    assertThat(a.leaseName()).startsWith("worker-health-operator-").hasSize("worker-health-operator-".length() + 10)
        .isNotEqualTo(b.leaseName())
        .isEqualTo(OperatorSettings.fromEnv(Map.of("WH_SHARD_SELECTOR", "workerhealth.io/shard=a")).leaseName());
    assertThat(OperatorSettings.fromEnv(Map.of("WH_SHARD_SELECTOR", "workerhealth.io/shard=a",
        "WH_LEASE_NAME", "mine")).leaseName()).isEqualTo("mine");
  }

  @Test
  void shardSelectorsReadAsTheApiServerReadsThem() {
    for (String ok : new String[] {"workerhealth.io/shard=a", "shard==a", "shard!=a", "shard", "!shard",
        "shard in (a, b)", "shard notin (a,b),tier=web", "app.kubernetes.io/part-of=shop,shard in (x)"}) {
      assertThat(ShardSelectors.problem(ok)).as(ok).isNull();
    }
    for (String bad : new String[] {"shard=a,", "shard in a", "shard=(a)", "=a", "shard=a b", "shard in (a,b"}) {
      assertThat(ShardSelectors.problem(bad)).as(bad).isNotNull();
    }
  }

  @Test
  void aBadShardSelectorIsAClearErrorAtStart() {
    assertThatThrownBy(() -> OperatorSettings.fromEnv(Map.of("WH_SHARD_SELECTOR", "shard in a")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("WH_SHARD_SELECTOR=shard in a: 'shard in a' is not a label selector requirement (key, !key, "
            + "key=value, key!=value, key in (a,b), key notin (a,b))");
  }
}
