package io.workerhealth.demo.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.IOException;
import java.util.Map;
import java.util.StringJoiner;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The mock API server's CRUD store, plus the subresources the operator uses that the store does not implement:
 * <ul>
 *   <li>{@code pods/eviction}: as on a real API server without PodDisruptionBudgets, an eviction deletes the pod and
 *   answers 201; a uid precondition that no longer matches answers 409, an unknown pod 404.</li>
 *   <li>{@code deployments/scale}: {@code GET} answers an {@code autoscaling/v1} Scale read from the Deployment;
 *   {@code PUT} sets the Deployment's {@code spec.replicas} (a stored update, so watches see it), and answers 409
 *   when the Scale's {@code resourceVersion} is not the Deployment's current one, as a real API server does.</li>
 * </ul>
 * The store alone treats {@code .../scale} as the Deployment itself: a GET answers the Deployment, and a PUT stores
 * the Scale in its place, so the Deployment is gone after the operator's first scale-up.
 */
final class SubresourceCrudDispatcher extends KubernetesCrudDispatcher {

  private static final Pattern EVICTION = Pattern.compile("/api/v1/namespaces/([^/]+)/pods/([^/]+)/eviction");
  private static final Pattern DEPLOYMENT_SCALE =
      Pattern.compile("/apis/apps/v1/namespaces/([^/]+)/deployments/([^/]+)/scale");
  private static final ObjectMapper JSON = new ObjectMapper();

  @Override
  public MockResponse dispatch(RecordedRequest request) {
    String path = request.getPath();
    int query = path.indexOf('?');
    String withoutQuery = query < 0 ? path : path.substring(0, query);
    Matcher eviction = EVICTION.matcher(withoutQuery);
    if ("POST".equals(request.getMethod()) && eviction.matches()) {
      return evict(eviction.group(1), eviction.group(2), request.getUtf8Body());
    }
    Matcher scale = DEPLOYMENT_SCALE.matcher(withoutQuery);
    if (scale.matches()) {
      String deploymentPath = "/apis/apps/v1/namespaces/" + scale.group(1) + "/deployments/" + scale.group(2);
      return switch (request.getMethod()) {
        case "GET" -> getScale(deploymentPath, scale.group(2));
        case "PUT" -> putScale(deploymentPath, scale.group(2), request.getUtf8Body());
        default -> status(405, "MethodNotAllowed", request.getMethod() + " is not supported on deployments/scale"
            + " by the demo's mock API server");
      };
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

  private MockResponse getScale(String deploymentPath, String name) {
    try {
      JsonNode deployment = deployment(deploymentPath);
      return deployment == null ? notFound(name) : json(200, scaleOf(deployment));
    } catch (IOException e) {
      return status(500, "InternalError", e.getMessage());
    }
  }

  private MockResponse putScale(String deploymentPath, String name, String body) {
    JsonNode asked;
    try {
      asked = JSON.readTree(body);
    } catch (IOException e) {
      return status(400, "BadRequest", "not a Scale: " + e.getMessage());
    }
    JsonNode replicas = asked.path("spec").path("replicas");
    if (!replicas.isInt() || replicas.asInt() < 0) {
      return status(422, "Invalid", "Scale.spec.replicas must be a non-negative integer, not " + replicas);
    }
    try {
      JsonNode current = deployment(deploymentPath);
      if (current == null) {
        return notFound(name);
      }
      String askedVersion = asked.path("metadata").path("resourceVersion").asText("");
      String currentVersion = current.path("metadata").path("resourceVersion").asText("");
      if (!askedVersion.isEmpty() && !askedVersion.equals(currentVersion)) {
        return status(409, "Conflict", "Operation cannot be fulfilled on deployments.apps \"" + name
            + "\": the object has been modified; please apply your changes to the latest version and try again");
      }
      ((ObjectNode) current.path("spec")).put("replicas", replicas.asInt());
      // a stored update of the Deployment, through the CRUD store, so that its watchers are told
      MockResponse updated = handleUpdate(new RecordedRequest("HTTP/1.1", HttpMethod.PUT, deploymentPath,
          Headers.builder().add("Content-Type", "application/json").build(),
          new Buffer().writeUtf8(JSON.writeValueAsString(current))));
      if (updated.code() != 200) {
        return updated;
      }
      return json(200, scaleOf(JSON.readTree(updated.getBody().readUtf8())));
    } catch (IOException e) {
      return status(500, "InternalError", e.getMessage());
    }
  }

  private JsonNode deployment(String deploymentPath) throws IOException {
    MockResponse current = handleGet(deploymentPath);
    return current.code() == 200 ? JSON.readTree(current.getBody().readUtf8()) : null;
  }

  /** The Scale a real API server derives from a Deployment. */
  private static ObjectNode scaleOf(JsonNode deployment) {
    JsonNode metadata = deployment.path("metadata");
    ObjectNode scale = JSON.createObjectNode().put("apiVersion", "autoscaling/v1").put("kind", "Scale");
    ObjectNode scaleMetadata = scale.putObject("metadata");
    for (String field : new String[] {"name", "namespace", "uid", "resourceVersion", "creationTimestamp"}) {
      if (metadata.hasNonNull(field)) {
        scaleMetadata.set(field, metadata.get(field));
      }
    }
    scale.putObject("spec").put("replicas", deployment.path("spec").path("replicas").asInt(1));
    StringJoiner selector = new StringJoiner(",");
    for (Map.Entry<String, JsonNode> label : deployment.path("spec").path("selector").path("matchLabels")
        .properties()) {
      selector.add(label.getKey() + "=" + label.getValue().asText());
    }
    scale.putObject("status").put("replicas", deployment.path("status").path("replicas").asInt(0))
        .put("selector", selector.toString());
    return scale;
  }

  private static MockResponse notFound(String name) {
    return status(404, "NotFound", "deployments.apps \"" + name + "\" not found");
  }

  private static MockResponse status(int code, String reason, String message) {
    return json(code, JSON.createObjectNode().put("apiVersion", "v1").put("kind", "Status")
        .put("status", code < 300 ? "Success" : "Failure").put("reason", reason).put("message", message)
        .put("code", code));
  }

  private static MockResponse json(int code, JsonNode body) {
    return new MockResponse().setResponseCode(code).setHeader("Content-Type", "application/json")
        .setBody(body.toString());
  }
}
