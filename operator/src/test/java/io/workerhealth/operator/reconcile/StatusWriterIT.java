package io.workerhealth.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.workerhealth.api.v1alpha1.RemediationAction;
import io.workerhealth.api.v1alpha1.RemediationOutcome;
import io.workerhealth.api.v1alpha1.RemediationRecord;
import io.workerhealth.api.v1alpha1.RemediationRule;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicy;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicySpec;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicyStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The guarantee a GET of the policy per reconcile gave, kept without it: a round sees this operator's own last write
 * even when the informer's cache does not have it yet, and never writes from a view someone else has overtaken.
 */
@EnableKubernetesMockClient(crud = true)
class StatusWriterIT {

  KubernetesMockServer server;
  KubernetesClient client;
  final List<StatusWriter.Result> results = new ArrayList<>();
  StatusWriter writer;

  @BeforeEach
  void create() {
    writer = new StatusWriter(client, results::add);
    WorkerHealthPolicySpec spec = new WorkerHealthPolicySpec();
    spec.setSelector(new LabelSelector(null, Map.of("app", "outpost")));
    RemediationRule rule = new RemediationRule();
    rule.setName("restart");
    rule.setWorkers(List.of("*"));
    rule.setAction(RemediationAction.RestartPod);
    spec.setRules(new ArrayList<>(List.of(rule)));
    WorkerHealthPolicy p = new WorkerHealthPolicy();
    p.getMetadata().setName("restart");
    p.getMetadata().setNamespace("outpost");
    p.setSpec(spec);
    client.resource(p).create();
  }

  WorkerHealthPolicy read() {
    return client.resources(WorkerHealthPolicy.class).inNamespace("outpost").withName("restart").get();
  }

  static RemediationRecord record(String pod, RemediationOutcome outcome) {
    RemediationRecord r = new RemediationRecord();
    r.setPod(pod);
    r.setPodUID("uid-" + pod);
    r.setAction(RemediationAction.RestartPod);
    r.setOutcome(outcome);
    return r;
  }

  int patches() throws InterruptedException {
    int n = 0;
    RecordedRequest r;
    while ((r = server.takeRequest(1, TimeUnit.MILLISECONDS)) != null) {
      n += r.getMethod().equals("PATCH") ? 1 : 0;
    }
    return n;
  }

  @Test
  void aRoundSeesItsOwnLastWritesWhileTheCacheLagsBehind() {
    WorkerHealthPolicy stale = read(); // what the informer's cache still holds after the two writes below
    WorkerHealthPolicy round = writer.latest(Serialization.clone(stale));
    WorkerHealthPolicyStatus status = new WorkerHealthPolicyStatus();
    status.setHistory(new ArrayList<>(List.of(record("outpost-b", RemediationOutcome.Pending))));
    assertThat(writer.write(round, status)).isEqualTo(StatusWriter.Result.WRITTEN); // the intent
    status.getHistory().get(0).setOutcome(RemediationOutcome.Succeeded);
    assertThat(writer.write(round, status)).isEqualTo(StatusWriter.Result.WRITTEN); // the outcome

    // the next round starts from the stale cache, or from the version with only the intent: both are overtaken
    WorkerHealthPolicy next = writer.latest(Serialization.clone(stale));
    assertThat(next.getStatus().getHistory()).extracting(RemediationRecord::getOutcome)
        .containsExactly(RemediationOutcome.Succeeded);
    assertThat(next.getMetadata().getResourceVersion()).isEqualTo(read().getMetadata().getResourceVersion());
  }

  @Test
  void theEventOfTheFirstWriteDoesNotHideTheSecond() {
    WorkerHealthPolicy round = writer.latest(read());
    WorkerHealthPolicyStatus status = new WorkerHealthPolicyStatus();
    status.setHistory(new ArrayList<>(List.of(record("outpost-b", RemediationOutcome.Pending))));
    writer.write(round, status);
    WorkerHealthPolicy afterIntent = read(); // the informer delivers the first write...
    status.getHistory().get(0).setOutcome(RemediationOutcome.Succeeded);
    writer.write(round, status);             // ...while the second is made

    WorkerHealthPolicy next = writer.latest(Serialization.clone(afterIntent));
    assertThat(next.getStatus().getHistory()).extracting(RemediationRecord::getOutcome)
        .containsExactly(RemediationOutcome.Succeeded);
    // once the cache holds the last write, it is the truth again
    WorkerHealthPolicy caughtUp = writer.latest(read());
    assertThat(caughtUp.getStatus().getHistory()).hasSize(1);
    assertThat(writer.write(caughtUp, caughtUp.getStatus())).isEqualTo(StatusWriter.Result.UNCHANGED);
  }

  @Test
  void aWriteFromAVersionSomeoneElseOvertookIsRefused() {
    WorkerHealthPolicy round = writer.latest(read());
    // another replica (or a person) writes meanwhile
    WorkerHealthPolicyStatus theirs = new WorkerHealthPolicyStatus();
    theirs.setHistory(new ArrayList<>(List.of(record("outpost-c", RemediationOutcome.Pending))));
    StatusWriter.patch(client, round, theirs);

    WorkerHealthPolicyStatus mine = new WorkerHealthPolicyStatus();
    mine.setHistory(new ArrayList<>(List.of(record("outpost-b", RemediationOutcome.Pending))));
    assertThat(writer.write(round, mine)).isEqualTo(StatusWriter.Result.CONFLICT);
    assertThat(read().getStatus().getHistory()).extracting(RemediationRecord::getPod).containsExactly("outpost-c");
    // the next round reads the newer version and decides from it
    WorkerHealthPolicy next = writer.latest(read());
    assertThat(next.getStatus().getHistory()).extracting(RemediationRecord::getPod).containsExactly("outpost-c");
    assertThat(writer.write(next, mine)).isEqualTo(StatusWriter.Result.WRITTEN);
  }

  @Test
  void aStatusTheApiServerAlreadyHoldsIsNotSent() throws InterruptedException {
    WorkerHealthPolicy round = writer.latest(read());
    WorkerHealthPolicyStatus status = new WorkerHealthPolicyStatus();
    status.setSelectedPods(3);
    writer.write(round, status);
    patches();
    WorkerHealthPolicyStatus same = new WorkerHealthPolicyStatus();
    same.setSelectedPods(3);
    assertThat(writer.write(round, same)).isEqualTo(StatusWriter.Result.UNCHANGED);
    WorkerHealthPolicy next = writer.latest(read());
    assertThat(writer.write(next, next.getStatus())).isEqualTo(StatusWriter.Result.UNCHANGED);
    assertThat(patches()).isZero();
    same.setSelectedPods(4);
    assertThat(writer.write(next, same)).isEqualTo(StatusWriter.Result.WRITTEN);
    assertThat(results).containsExactly(StatusWriter.Result.WRITTEN, StatusWriter.Result.UNCHANGED,
        StatusWriter.Result.UNCHANGED, StatusWriter.Result.WRITTEN);
  }
}
