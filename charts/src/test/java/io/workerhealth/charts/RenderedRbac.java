package io.workerhealth.charts;

import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleRef;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What the rendered chart grants one ServiceAccount, resolved like kube-apiserver's RBAC authorizer: ClusterRoles
 * bound by a ClusterRoleBinding apply everywhere; a Role, or a ClusterRole bound by a RoleBinding, applies in the
 * binding's namespace only.
 */
final class RenderedRbac {

  /** One verb on one resource of one group, granted in {@code namespace} (null: cluster-wide). */
  record Permission(String role, String namespace, String apiGroup, String resource, String verb,
                    List<String> resourceNames) {

    boolean allows(ApiAccess a) {
      return a.nonResource() == null
          && (namespace == null || namespace.equals(a.namespace()))
          && apiGroup.equals(a.apiGroup()) && resource.equals(a.resource()) && verb.equals(a.verb())
          && (resourceNames.isEmpty() || resourceNames.contains(a.name()));
    }

    @Override
    public String toString() {
      return role + ": " + verb + " " + (apiGroup.isEmpty() ? "core" : apiGroup) + "/" + resource
          + (resourceNames.isEmpty() ? "" : " " + resourceNames)
          + (namespace == null ? " (cluster-wide)" : " in " + namespace);
    }
  }

  /** A rule of a bound role, effective in {@code namespace} (null: everywhere). */
  record ScopedRule(String namespace, PolicyRule rule) {}

  private final List<Permission> permissions;
  private final List<ScopedRule> rules;

  private RenderedRbac(List<Permission> permissions, List<ScopedRule> rules) {
    this.permissions = List.copyOf(permissions);
    this.rules = List.copyOf(rules);
  }

  static RenderedRbac forServiceAccount(RenderedChart chart, String name, String namespace) {
    List<Permission> permissions = new ArrayList<>();
    List<ScopedRule> rules = new ArrayList<>();
    chart.all(ClusterRoleBinding.class).filter(b -> binds(b.getSubjects(), name, namespace))
        .forEach(b -> add(chart, b.getRoleRef(), null, null, permissions, rules));
    chart.all(RoleBinding.class).filter(b -> binds(b.getSubjects(), name, namespace))
        .forEach(b -> add(chart, b.getRoleRef(), b.getMetadata().getNamespace(), b.getMetadata().getNamespace(),
            permissions, rules));
    return new RenderedRbac(permissions, rules);
  }

  private static boolean binds(Collection<Subject> subjects, String name, String namespace) {
    return subjects != null && subjects.stream().anyMatch(s -> "ServiceAccount".equals(s.getKind())
        && name.equals(s.getName()) && namespace.equals(s.getNamespace()));
  }

  private static void add(RenderedChart chart, RoleRef ref, String roleNamespace, String scope,
                          List<Permission> permissions, List<ScopedRule> rules) {
    List<PolicyRule> found = switch (ref.getKind()) {
      case "ClusterRole" -> chart.all(ClusterRole.class).filter(r -> r.getMetadata().getName().equals(ref.getName()))
          .findFirst().orElseThrow(() -> new AssertionError("binding to ClusterRole " + ref.getName()
              + ", which the chart does not render")).getRules();
      case "Role" -> chart.all(Role.class).filter(r -> r.getMetadata().getName().equals(ref.getName())
              && r.getMetadata().getNamespace().equals(roleNamespace))
          .findFirst().orElseThrow(() -> new AssertionError("binding to Role " + roleNamespace + "/" + ref.getName()
              + ", which the chart does not render")).getRules();
      default -> throw new AssertionError("unexpected roleRef kind " + ref.getKind());
    };
    String label = ref.getKind() + " " + ref.getName();
    for (PolicyRule rule : found) {
      rules.add(new ScopedRule(scope, rule));
      for (String group : rule.getApiGroups()) {
        for (String resource : rule.getResources()) {
          for (String verb : rule.getVerbs()) {
            permissions.add(new Permission(label, scope, group, resource, verb,
                rule.getResourceNames() == null ? List.of() : List.copyOf(rule.getResourceNames())));
          }
        }
      }
    }
  }

  List<Permission> permissions() {
    return permissions;
  }

  List<PolicyRule> rules() {
    return rules.stream().map(ScopedRule::rule).toList();
  }

  /** The rules in effect in {@code namespace}: what a SelfSubjectRulesReview there answers. */
  List<PolicyRule> rulesIn(String namespace) {
    return rules.stream().filter(r -> r.namespace() == null || r.namespace().equals(namespace))
        .map(ScopedRule::rule).toList();
  }

  boolean allows(ApiAccess access) {
    return permissions.stream().anyMatch(p -> p.allows(access));
  }

  /** Permissions no request in {@code accesses} needed. */
  Set<Permission> unused(Collection<ApiAccess> accesses) {
    Set<Permission> unused = new LinkedHashSet<>();
    for (Permission p : permissions) {
      if (accesses.stream().noneMatch(p::allows)) {
        unused.add(p);
      }
    }
    return unused;
  }
}
