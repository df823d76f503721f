package io.workerhealth.demo.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.IOException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The mock API server's CRUD store, plus the one subresource the operator needs that the store does not implement:
 * {@code pods/eviction}. As on a real API server without PodDisruptionBudgets, an eviction deletes the pod and answers
 * 201; a uid precondition that no longer matches answers 409, an unknown pod 404.
 */
final class EvictingCrudDispatcher extends KubernetesCrudDispatcher {

  private static final Pattern EVICTION = Pattern.compile("/api/v1/namespaces/([^/]+)/pods/([^/]+)/eviction");
  private static final ObjectMapper JSON = new ObjectMapper();

  @Override
  public MockResponse dispatch(RecordedRequest request) {
    String path = request.getPath();
    int query = path.indexOf('?');
    Matcher eviction = EVICTION.matcher(query < 0 ? path : path.substring(0, query));
    if ("POST".equals(request.getMethod()) && eviction.matches()) {
      return evict(eviction.group(1), eviction.group(2), request.getUtf8Body());
    }
    return super.dispatch(request);
  }

  private MockResponse evict(String namespace, String name, String body) {
    String podPath = "/api/v1/namespaces/" + namespace + "/pods/" + name;
    MockResponse current = handleGet(podPath);
    if (current.code() != 200) {
      return status(404, "NotFound", "pods \"" + name + "\" not found");
    }
    try {
      String uid = JSON.readTree(current.getBody().readUtf8()).path("metadata").path("uid").asText();
      JsonNode precondition = JSON.readTree(body).path("deleteOptions").path("preconditions").path("uid");
      if (!precondition.isMissingNode() && !precondition.isNull() && !precondition.asText().equals(uid)) {
        return status(409, "Conflict", "Precondition failed: UID in precondition: " + precondition.asText()
            + ", UID in object meta: " + uid);
      }
    } catch (IOException e) {
      return status(400, "BadRequest", "not an Eviction: " + e.getMessage());
    }
    handleDelete(podPath);
    return status(201, "", "");
  }

  private static MockResponse status(int code, String reason, String message) {
    String body = JSON.createObjectNode().put("apiVersion", "v1").put("kind", "Status")
        .put("status", code < 300 ? "Success" : "Failure").put("reason", reason).put("message", message)
        .put("code", code).toString();
    return new MockResponse().setResponseCode(code).setHeader("Content-Type", "application/json").setBody(body);
  }
}
