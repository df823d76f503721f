package io.workerhealth.demo.controlplane;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class IptablesRulesTest {

  // iptables -t nat -S after kube-proxy, with a rule of someone else's that must stay
  private static final String NAT = """
      -P PREROUTING ACCEPT
      -P OUTPUT ACCEPT
      -N DOCKER
      -N KUBE-MARK-MASQ
      -N KUBE-SERVICES
      -N KUBE-SVC-NPX46M4PTMTKRN6Y
      -A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
      -A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER
      -A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
      -A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000
      -A KUBE-SERVICES -d 10.96.0.1/32 -p tcp -m comment --comment "default/kubernetes:https cluster IP" -j KUBE-SVC-NPX46M4PTMTKRN6Y
      """;

  @Test
  void findsTheKubeChainsAndNoOther() {
    assertThat(IptablesRules.kubeChains(NAT))
        .containsExactly("KUBE-MARK-MASQ", "KUBE-SERVICES", "KUBE-SVC-NPX46M4PTMTKRN6Y");
  }

  @Test
  void findsTheJumpsFromOtherChainsAsTheArgumentsThatDeleteThem() {
    assertThat(IptablesRules.jumpsIntoKubeChains(NAT)).containsExactly(
        List.of("PREROUTING", "-m", "comment", "--comment", "kubernetes service portals", "-j", "KUBE-SERVICES"),
        List.of("OUTPUT", "-m", "comment", "--comment", "kubernetes service portals", "-j", "KUBE-SERVICES"));
  }

  @Test
  void wordsKeepQuotedCommentsWhole() {
    assertThat(IptablesRules.words("-A INPUT -m comment --comment \"say \\\"hi\\\" there\" -j KUBE-FIREWALL"))
        .containsExactly("-A", "INPUT", "-m", "comment", "--comment", "say \"hi\" there", "-j", "KUBE-FIREWALL");
  }
}
