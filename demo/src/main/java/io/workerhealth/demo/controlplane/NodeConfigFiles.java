package io.workerhealth.demo.controlplane;

import java.nio.file.Path;

/**
 * The configuration files of the node's components, rendered from its layout. Each setting that departs from the
 * component's default says why: most keep the node to its own directories, bridge and cgroups, so that it changes
 * nothing else on a machine it shares.
 */
public final class NodeConfigFiles {

  private NodeConfigFiles() {}

  /**
   * containerd 1.6 (Debian 12's), config version 2: its own socket, state and runc root; the image store in the cache;
   * the CRI plugin with runc, cgroupfs and the node's CNI configuration.
   */
  public static String containerd(NodeLayout layout, String sandboxImage) {
    return """
        version = 2
        root = %s
        state = %s
        # Snapshotters this node does not use, and the plugin that would install into /opt/containerd.
        disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", \
        "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.internal.v1.opt"]

        [grpc]
          address = %s

        [plugins."io.containerd.grpc.v1.cri"]
          # Built here from the Kubernetes source (scripts/control-plane.sh --node): no registry is reachable.
          sandbox_image = %s
          # Pods' network namespaces under the node's state, not /var/run/netns.
          netns_mounts_under_state_dir = true
          # Root here lacks CAP_SYS_RESOURCE, so no process may lower its oom_score_adj below this one's (0): without
          # this, runc fails every sandbox writing the kubelet's -998 ("failed to update /proc/self/oom_score_adj:
          # Permission denied"). Containers keep the kubelet's values from 0 up; only the lowest are raised to 0.
          restrict_oom_score_adj = true
          [plugins."io.containerd.grpc.v1.cri".containerd]
            snapshotter = "overlayfs"
            default_runtime_name = "runc"
            [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
              runtime_type = "io.containerd.runc.v2"
              [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
                # cgroupfs: there is no systemd here, and the kubelet is configured the same way.
                SystemdCgroup = false
                Root = %s
          [plugins."io.containerd.grpc.v1.cri".cni]
            bin_dir = %s
            conf_dir = %s
        """.formatted(toml(layout.containerdRoot()), toml(layout.containerdState()), toml(layout.containerdSocket()),
        toml(sandboxImage), toml(layout.runcRoot()), toml(NodeHostTools.CNI_PLUGINS), toml(layout.cniConfigDirectory()));
  }

  /**
   * The pod network: the bridge plugin on the node's bridge (which the launcher creates with the gateway address),
   * host-local addresses from the pod subnet, and a default route through the bridge's address. Not a gateway bridge
   * and no masquerading: those would turn on IP forwarding and add NAT rules on the host, and pods here talk only to
   * each other and to the node (the API server through its Service).
   */
  public static String cniNetwork(NodeLayout layout) {
    return """
        {
          "cniVersion": "1.0.0",
          "name": "worker-health-node",
          "plugins": [
            {
              "type": "bridge",
              "bridge": "%s",
              "isGateway": false,
              "ipMasq": false,
              "hairpinMode": true,
              "ipam": {
                "type": "host-local",
                "ranges": [[{"subnet": "%s", "gateway": "%s"}]],
                "routes": [{"dst": "0.0.0.0/0", "gw": "%s"}],
                "dataDir": "%s"
              }
            }
          ]
        }
        """.formatted(NodeLayout.BRIDGE, NodeLayout.POD_SUBNET, NodeLayout.NODE_IP, NodeLayout.NODE_IP,
        json(layout.cniIpamDirectory()));
  }

  /** The kubelet's ports, chosen free at start. */
  public record KubeletPorts(int api, int healthz) {}

  /**
   * KubeletConfiguration for cgroup v1 and containerd 1.6, serving on the bridge address, with client certificates
   * from the API server checked against {@code clientCa} and bearer tokens checked with the API server.
   */
  public static String kubelet(NodeLayout layout, KubeletPorts ports, Path clientCa) {
    return """
        apiVersion: kubelet.config.k8s.io/v1beta1
        kind: KubeletConfiguration
        # This host has cgroups v1 (a hybrid hierarchy); v1.36 refuses it unless told (cgroup v1 is in maintenance).
        failCgroupV1: false
        # containerd 1.6 does not report its cgroup driver (the RuntimeConfig call); the kubelet then uses this one.
        cgroupDriver: cgroupfs
        cgroupRoot: %s
        address: %s
        port: %d
        healthzBindAddress: 127.0.0.1
        healthzPort: %d
        readOnlyPort: 0
        authentication:
          anonymous:
            enabled: false
          webhook:
            enabled: true
          x509:
            clientCAFile: %s
        authorization:
          mode: Webhook
        containerRuntimeEndpoint: %s
        podLogsDir: %s
        # The kubelet's own iptables chains (KUBE-FIREWALL): kube-proxy keeps the same rule, and fewer host changes.
        makeIPTablesUtilChains: false
        # The kubelet sets the kernel settings it needs (vm.overcommit_memory, kernel.panic, ...); the launcher
        # records them first and puts them back when the node stops.
        protectKernelDefaults: false
        # The disk is shared with builds: evict pods only when it is really full, and never garbage-collect the
        # images, which cannot be pulled again here.
        evictionHard:
          memory.available: 100Mi
          nodefs.available: 1%%
          imagefs.available: 1%%
          nodefs.inodesFree: 1%%
        imageGCHighThresholdPercent: 100
        imageGCLowThresholdPercent: 99
        # How soon a changed downward-API volume (the pod's labels file) is rewritten; the default is a minute.
        syncFrequency: 10s
        serializeImagePulls: false
        # Pods get a resolv.conf without nameservers: the node runs no cluster DNS and its pods cannot reach the
        # host's (no masquerading), so a lookup fails at once rather than after the resolver's 2 x 5 s. The JDK's
        # HttpsServer looks up every client's address before the TLS handshake (the operator's webhook): with the
        # host's resolv.conf, the API server's call timed out first and pods were admitted without their sidecar.
        resolvConf: ""
        """.formatted(yaml(NodeLayout.CGROUP_ROOT), NodeLayout.NODE_IP, ports.api(), ports.healthz(), yaml(clientCa),
        yaml(layout.containerdEndpoint()), yaml(layout.podLogs()));
  }

  /** The ports kube-proxy serves health and metrics on, loopback only, chosen free at start. */
  public record KubeProxyPorts(int healthz, int metrics) {}

  /**
   * KubeProxyConfiguration in iptables mode, leaving the host's kernel settings alone: no conntrack table sizing, no
   * route_localnet (NodePorts only on the node's address).
   */
  public static String kubeProxy(Path kubeconfig, KubeProxyPorts ports) {
    return """
        apiVersion: kubeproxy.config.k8s.io/v1alpha1
        kind: KubeProxyConfiguration
        mode: iptables
        clientConnection:
          kubeconfig: %s
        hostnameOverride: %s
        bindAddress: %s
        healthzBindAddress: 127.0.0.1:%d
        metricsBindAddress: 127.0.0.1:%d
        clusterCIDR: %s
        detectLocalMode: ClusterCIDR
        nodePortAddresses: ["%s/32"]
        conntrack:
          maxPerCore: 0
          min: 0
          tcpEstablishedTimeout: 0s
          tcpCloseWaitTimeout: 0s
        iptables:
          localhostNodePorts: false
        """.formatted(yaml(kubeconfig), NodeLayout.NODE_NAME, NodeLayout.NODE_IP, ports.healthz(), ports.metrics(),
        NodeLayout.POD_SUBNET, NodeLayout.NODE_IP);
  }

  /** An audit policy recording who writes WorkerHealths (metadata only) and nothing else. */
  public static String auditPolicy() {
    return """
        apiVersion: audit.k8s.io/v1
        kind: Policy
        omitStages: ["RequestReceived"]
        rules:
          - level: Metadata
            verbs: ["create", "update", "patch"]
            resources:
              - group: workerhealth.io
                resources: ["workerhealths", "workerhealths/status"]
          - level: None
        """;
  }

  // Paths and names here never hold quotes; JSON strings are also valid TOML basic strings and YAML scalars.
  private static String toml(Object value) {
    return '"' + json(value) + '"';
  }

  private static String yaml(Object value) {
    return toml(value);
  }

  private static String json(Object value) {
    return value.toString().replace("\\", "\\\\").replace("\"", "\\\"");
  }
}
