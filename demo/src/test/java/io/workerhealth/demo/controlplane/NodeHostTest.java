package io.workerhealth.demo.controlplane;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class NodeHostTest {

  @Test
  void kernelSettingsAreReadWhole() {
    // procfs files report a size of 0; a reader trusting it gets "3" for 32768
    assertThat(NodeHost.readSysctl("kernel.pid_max")).hasValueSatisfying(v ->
        assertThat(Integer.parseInt(v)).isGreaterThanOrEqualTo(301));
  }

  @Test
  void mountPointsWithSpacesAreDecoded() {
    assertThat(NodeHost.decodeMountPoint("/work/my\\040dir/node/kubelet")).isEqualTo("/work/my dir/node/kubelet");
  }
}
