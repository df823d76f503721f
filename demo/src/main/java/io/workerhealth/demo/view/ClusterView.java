package io.workerhealth.demo.view;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinitionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.workerhealth.api.v1alpha1.WorkerHealth;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicy;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * What a user watching with kubectl would see: {@code kubectl get wh} and {@code kubectl get whp} (the CRDs' printer
 * columns) and the Deployments' replicas, printed again whenever something in them changed other than an age, and
 * new Events as they come.
 */
public final class ClusterView {

  private final KubernetesClient client;
  private final String namespace;
  private final Clock clock;
  private final Narration narration;
  private final PrinterColumns healthColumns =
      PrinterColumns.fromCrdResource("crds/workerhealths.workerhealth.io-v1.yml");
  private final PrinterColumns policyColumns =
      PrinterColumns.fromCrdResource("crds/workerhealthpolicies.workerhealth.io-v1.yml");
  /** The replicas asked for, as {@code kubectl get deploy -o custom-columns=...} prints them: on the local control
   *  plane no pod ever becomes ready (there is no kubelet), so the usual READY column would only say 0/N. */
  private final PrinterColumns deploymentColumns = new PrinterColumns(List.of(
      new CustomResourceColumnDefinitionBuilder().withName("REPLICAS").withJsonPath(".spec.replicas")
          .withType("integer").build()));
  private final Set<String> eventsShown = new HashSet<>();
  private String healthsShown = "";
  private String policiesShown = "";
  private String deploymentsShown = "";

  public ClusterView(KubernetesClient client, String namespace, Clock clock, Narration narration) {
    this.client = client;
    this.namespace = namespace;
    this.clock = clock;
    this.narration = narration;
  }

  /** Prints the tables that changed since they were last printed, and the Events not printed yet. */
  public synchronized void refresh() {
    Instant now = clock.instant();
    healthsShown = printIfChanged("wh", healthColumns, client.resources(WorkerHealth.class).inNamespace(namespace)
        .list().getItems(), healthsShown, now);
    policiesShown = printIfChanged("whp", policyColumns, client.resources(WorkerHealthPolicy.class)
        .inNamespace(namespace).list().getItems(), policiesShown, now);
    deploymentsShown = printIfChanged("deploy", " -o custom-columns=NAME:.metadata.name,REPLICAS:.spec.replicas",
        deploymentColumns, client.apps().deployments().inNamespace(namespace).list().getItems(), deploymentsShown,
        now);
    List<Event> events = new ArrayList<>(client.v1().events().inNamespace(namespace).list().getItems());
    events.sort(Comparator.comparing((Event e) -> Objects.toString(e.getLastTimestamp(), ""))
        .thenComparing(e -> e.getMetadata().getName()));
    for (Event e : events) {
      if (eventsShown.add(e.getMetadata().getName())) {
        narration.say(String.format(Locale.ROOT, "event %-7s %-21s %s/%s: %s", e.getType(), e.getReason(),
            e.getInvolvedObject().getKind().toLowerCase(Locale.ROOT), e.getInvolvedObject().getName(),
            e.getMessage()));
      }
    }
  }

  /** Prints {@code kubectl get <shortName>} when it differs from {@code shown}; returns what is shown now. */
  private String printIfChanged(String shortName, PrinterColumns columns, List<? extends HasMetadata> items,
                                String shown, Instant now) {
    return printIfChanged(shortName, "", columns, items, shown, now);
  }

  private String printIfChanged(String shortName, String options, PrinterColumns columns,
                                List<? extends HasMetadata> items, String shown, Instant now) {
    Table table = table(columns, items, now);
    String key = key(table, columns);
    if (!key.equals(shown)) {
      narration.command("kubectl get " + shortName + " -n " + namespace + options, table.render());
    }
    return key;
  }

  /** Prints both tables now, changed or not. */
  public synchronized void showTables() {
    healthsShown = "";
    policiesShown = "";
    deploymentsShown = "";
    refresh();
  }

  private Table table(PrinterColumns columns, List<? extends HasMetadata> items, Instant now) {
    List<List<String>> rows = items.stream()
        .sorted(Comparator.comparing(i -> i.getMetadata().getName()))
        .map(i -> columns.row(i.getMetadata().getName(), client.getKubernetesSerialization().asJson(i), now))
        .toList();
    return new Table(columns.headers(), rows);
  }

  private static String key(Table table, PrinterColumns columns) {
    StringBuilder key = new StringBuilder();
    for (List<String> row : table.rows()) {
      for (int i = 0; i < row.size(); i++) {
        key.append(columns.ageColumns().contains(i) ? "" : row.get(i)).append('\t');
      }
      key.append('\n');
    }
    return key.toString();
  }
}
