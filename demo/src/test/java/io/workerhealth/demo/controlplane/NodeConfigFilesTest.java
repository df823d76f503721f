package io.workerhealth.demo.controlplane;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class NodeConfigFilesTest {

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final ObjectMapper JSON = new ObjectMapper();
  private final NodeLayout layout = new NodeLayout(Path.of("/work/run"), Path.of("/cache"),
      Path.of("/src/worker-health"));

  @Test
  void kubeletRunsOnCgroupV1WithContainerd16AndKeepsToTheNodesDirectories() throws Exception {
    JsonNode kubelet = YAML.readTree(NodeConfigFiles.kubelet(layout, new NodeConfigFiles.KubeletPorts(10250, 10248),
        Path.of("/work/run/pki/ca.crt")));

    assertThat(kubelet.get("kind").asText()).isEqualTo("KubeletConfiguration");
    assertThat(kubelet.get("failCgroupV1").asBoolean(true)).isFalse();
    assertThat(kubelet.get("cgroupDriver").asText()).isEqualTo("cgroupfs");
    assertThat(kubelet.get("cgroupRoot").asText()).isEqualTo(NodeLayout.CGROUP_ROOT);
    assertThat(kubelet.get("address").asText()).isEqualTo(NodeLayout.NODE_IP);
    assertThat(kubelet.get("port").asInt()).isEqualTo(10250);
    assertThat(kubelet.get("containerRuntimeEndpoint").asText())
        .isEqualTo("unix:///work/run/node/containerd.sock");
    assertThat(kubelet.get("podLogsDir").asText()).isEqualTo("/work/run/node/pod-logs");
    assertThat(kubelet.get("makeIPTablesUtilChains").asBoolean(true)).isFalse();
    assertThat(kubelet.at("/authentication/anonymous/enabled").asBoolean(true)).isFalse();
    assertThat(kubelet.at("/authentication/x509/clientCAFile").asText()).isEqualTo("/work/run/pki/ca.crt");
    assertThat(kubelet.at("/authorization/mode").asText()).isEqualTo("Webhook");
    assertThat(kubelet.at("/evictionHard/nodefs.available").asText()).isEqualTo("1%");
  }

  @Test
  void kubeProxyUsesIptablesAndLeavesTheHostsKernelSettingsAlone() throws Exception {
    JsonNode proxy = YAML.readTree(NodeConfigFiles.kubeProxy(Path.of("/work/run/pki/proxy.kubeconfig"),
        new NodeConfigFiles.KubeProxyPorts(10256, 10249)));

    assertThat(proxy.get("mode").asText()).isEqualTo("iptables");
    assertThat(proxy.at("/clientConnection/kubeconfig").asText()).isEqualTo("/work/run/pki/proxy.kubeconfig");
    assertThat(proxy.get("hostnameOverride").asText()).isEqualTo(NodeLayout.NODE_NAME);
    assertThat(proxy.get("healthzBindAddress").asText()).isEqualTo("127.0.0.1:10256");
    assertThat(proxy.get("clusterCIDR").asText()).isEqualTo(NodeLayout.POD_SUBNET);
    assertThat(proxy.at("/conntrack/maxPerCore").asInt(-1)).isZero();
    assertThat(proxy.at("/conntrack/min").asInt(-1)).isZero();
    assertThat(proxy.at("/iptables/localhostNodePorts").asBoolean(true)).isFalse();
    assertThat(proxy.get("nodePortAddresses").get(0).asText()).isEqualTo(NodeLayout.NODE_IP + "/32");
  }

  @Test
  void podNetworkIsTheNodesBridgeWithoutForwardingOrMasquerade() throws Exception {
    JsonNode network = JSON.readTree(NodeConfigFiles.cniNetwork(layout));
    JsonNode bridge = network.get("plugins").get(0);

    assertThat(bridge.get("type").asText()).isEqualTo("bridge");
    assertThat(bridge.get("bridge").asText()).isEqualTo(NodeLayout.BRIDGE).hasSizeLessThanOrEqualTo(15);
    assertThat(bridge.get("isGateway").asBoolean(true)).isFalse();
    assertThat(bridge.get("ipMasq").asBoolean(true)).isFalse();
    assertThat(bridge.at("/ipam/ranges/0/0/subnet").asText()).isEqualTo(NodeLayout.POD_SUBNET);
    assertThat(bridge.at("/ipam/routes/0/gw").asText()).isEqualTo(NodeLayout.NODE_IP);
    assertThat(bridge.at("/ipam/dataDir").asText()).isEqualTo("/work/run/node/cni-ipam");
  }

  @Test
  void containerdKeepsItsStateInTheNodesDirectoriesAndRunsWithoutCapSysResource() {
    String config = NodeConfigFiles.containerd(layout, "registry.k8s.io/pause:3.10.2");

    assertThat(config).contains("version = 2")
        .contains("root = \"/cache/node/containerd\"")
        .contains("state = \"/work/run/node/containerd-state\"")
        .contains("address = \"/work/run/node/containerd.sock\"")
        .contains("sandbox_image = \"registry.k8s.io/pause:3.10.2\"")
        .contains("restrict_oom_score_adj = true")
        .contains("netns_mounts_under_state_dir = true")
        .contains("SystemdCgroup = false")
        .contains("Root = \"/work/run/node/runc\"")
        .contains("bin_dir = \"/usr/lib/cni\"")
        .contains("conf_dir = \"/work/run/node/cni\"");
  }

  @Test
  void theAuditPolicyRecordsWorkerHealthWritesOnly() throws Exception {
    JsonNode policy = YAML.readTree(NodeConfigFiles.auditPolicy());

    assertThat(policy.at("/rules/0/level").asText()).isEqualTo("Metadata");
    assertThat(policy.at("/rules/0/resources/0/resources").toString()).contains("workerhealths/status");
    assertThat(policy.at("/rules/1/level").asText()).isEqualTo("None");
  }
}
