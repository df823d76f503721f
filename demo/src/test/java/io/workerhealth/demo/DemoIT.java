package io.workerhealth.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The demo as scripts/demo.sh runs it, in mock mode: a broken loop (sidecar, operator, eviction, scaling) fails the
 * build. */
class DemoIT {

  @Test
  void everyScenarioHoldsOnTheMockApiServer() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    int code = Demo.run(new String[] {"--mock"}, new PrintStream(bytes, true, StandardCharsets.UTF_8));
    String out = bytes.toString(StandardCharsets.UTF_8);
    System.out.print(out);

    assertThat(code).as(out).isZero();
    assertThat(out)
        .contains("Kubernetes API: the fabric8 mock API server (CRUD mode)")
        // the tables kubectl would print, with the CRDs' printer columns
        .containsPattern("NAME +PHASE +WORKERS +FAILING +LAST-REPORT +AGE")
        .containsPattern("NAME +SELECTED +HEALTHY +FAILING +REMEDIATION-ALLOWED +LAST-REMEDIATION +AGE")
        .containsPattern("shop-\\w+-\\w+ +Failed +3/4 +deliverymq-consumer")
        .containsPattern("restart-consumers +3 +0 +3 +False")
        // scenario 2: the failing pod is evicted and replaced
        .containsPattern("ok: the operator evicts pod shop-\\w+-\\w+, and no other")
        .containsPattern("event Normal +Restarted +workerhealthpolicy/restart-consumers: evicted pod shop-")
        .containsPattern("event Normal +SuccessfulCreate")
        // scenario 3: the outage holds remediation back, with the reason
        .contains("ok: the policy suppresses remediation: RemediationAllowed=False, reason TooManyUnhealthy")
        .containsPattern("event Warning +RemediationSuppressed +workerhealthpolicy/restart-consumers: 3 of 3 selected"
            + " pods are failing")
        .contains("ok: still the same pods: nobody was restarted for the outage")
        // scenario 4: too few healthy consumers, the Deployment is scaled up through its scale subresource and back
        .containsPattern("kubectl get deploy -n shop -o custom-columns=NAME:.metadata.name,REPLICAS:.spec.replicas\n"
            + " +NAME +REPLICAS\n +shop +4\n")
        .contains("ok: the operator scales Deployment shop from 3 to 4, and a ScaledUp event tells it")
        .containsPattern("event Normal +ScaledUp +workerhealthpolicy/restart-consumers: scaled Deployment/shop from 3"
            + " to 4: worker deliverymq-consumer not healthy for \\d+s; 2 of minHealthy 3 pods healthy")
        .containsPattern("event Normal +ScalingReplicaSet +deployment/shop: Scaled up replica set shop-\\w+ from 3"
            + " to 4")
        .contains("ok: the policy's status remembers it: scaleTargets Deployment/shop baseline 3, last set 4")
        .contains("ok: the operator scales Deployment shop back from 4 to 3, and a ScaledDown event tells it")
        .containsPattern("event Normal +ScaledDown +workerhealthpolicy/restart-consumers: scaled Deployment/shop from"
            + " 4 to 3")
        .contains("ok: the operator has taken the restart rule back")
        // scenario 5: an outage the app does not recover from by itself: held, a canary, a rolling recovery
        .contains("ok: the policy holds: RemediationAllowed=False (TooManyUnhealthy), OutageRecovery=True (OutageHeld)")
        .containsPattern("event Warning +OutageHeld +workerhealthpolicy/restart-consumers: ")
        .contains("ok: after recovery.after, one pod, the canary, is restarted: a RecoveryCanary event")
        .containsPattern("kubelet: pod shop-\\w+-\\w+: the app exited: refusing to start")
        .containsPattern("event Warning +RecoveryBackingOff +workerhealthpolicy/restart-consumers: the canary "
            + "shop-\\w+-\\w+ did not recover")
        .contains("ok: only the canary pays")
        .containsPattern("event Normal +RollingRecovery +workerhealthpolicy/restart-consumers: ")
        .contains("ok: all 3 pods are Healthy 4/4 again, the recovery is over (RecoveryComplete)")
        .containsPattern("from the broker back to all pods Healthy: \\d+\\.\\ds")
        .contains("=== All 5 scenarios held their expectations");
  }
}
