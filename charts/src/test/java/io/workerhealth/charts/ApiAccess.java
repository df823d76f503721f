package io.workerhealth.charts;

import java.net.URI;
import java.util.Arrays;
import java.util.List;

/**
 * An API server request as Kubernetes RBAC sees it: the attributes an authorizer checks, worked out from the HTTP
 * method and path the way kube-apiserver's request-info resolver does (GET on a collection is list, or watch with
 * {@code watch=true}; GET on a named object is get; POST create; PUT update; PATCH patch; DELETE delete).
 *
 * @param namespace   null for a cluster-scoped request (including a list or watch across all namespaces)
 * @param resource    the resource, with {@code /subresource} when there is one
 * @param name        null for a collection
 * @param nonResource the path, for requests outside the resource API (discovery, /version); then the others are null
 */
record ApiAccess(String verb, String apiGroup, String resource, String namespace, String name, String nonResource) {

  static ApiAccess of(String method, String pathAndQuery) {
    URI uri = URI.create(pathAndQuery);
    String query = uri.getRawQuery() == null ? "" : uri.getRawQuery();
    boolean watch = Arrays.stream(query.split("&")).anyMatch(p -> p.equals("watch=true") || p.equals("watch=1"));
    List<String> parts = Arrays.stream(uri.getPath().split("/")).filter(s -> !s.isEmpty()).toList();
    int i;
    String group;
    if (parts.size() >= 2 && parts.get(0).equals("api")) {
      group = "";
      i = 2;
    } else if (parts.size() >= 3 && parts.get(0).equals("apis")) {
      group = parts.get(1);
      i = 3;
    } else {
      return new ApiAccess(method.toLowerCase(java.util.Locale.ROOT), null, null, null, null, uri.getPath());
    }
    if (parts.size() <= i) {
      return new ApiAccess(method.toLowerCase(java.util.Locale.ROOT), null, null, null, null, uri.getPath());
    }
    String namespace = null;
    if (parts.get(i).equals("namespaces") && parts.size() > i + 2) {
      namespace = parts.get(i + 1);
      i += 2;
    }
    String resource = parts.get(i);
    String name = parts.size() > i + 1 ? parts.get(i + 1) : null;
    if (parts.size() > i + 2) {
      resource = resource + "/" + parts.get(i + 2);
    }
    String verb = switch (method) {
      case "GET", "HEAD" -> watch ? "watch" : name == null ? "list" : "get";
      case "POST" -> "create";
      case "PUT" -> "update";
      case "PATCH" -> "patch";
      case "DELETE" -> name == null ? "deletecollection" : "delete";
      default -> throw new IllegalArgumentException("unexpected HTTP method " + method + " " + pathAndQuery);
    };
    return new ApiAccess(verb, group, resource, namespace, name, null);
  }

  @Override
  public String toString() {
    if (nonResource != null) {
      return verb + " " + nonResource;
    }
    return verb + " " + (apiGroup.isEmpty() ? "core" : apiGroup) + "/" + resource
        + (name == null ? "" : " " + name) + (namespace == null ? " (cluster-wide)" : " in " + namespace);
  }
}
