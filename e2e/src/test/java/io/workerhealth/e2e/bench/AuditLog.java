package io.workerhealth.e2e.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The API server's audit log of one user's requests (level Metadata, stage ResponseComplete): what the operator asked
 * of the API server, counted by the server itself rather than by the operator.
 */
public final class AuditLog {

  /** One request: verb, resource (with subresource), name, when it was received, the response code. */
  public record Request(String verb, String resource, String namespace, String name, Instant received, int code) {
    public String what() {
      return verb + " " + resource;
    }
  }

  /**
   * The audit policy: everything the user does at level Metadata, one event per request, nothing else; its writes of
   * policy status with their bodies too (level Request), to read later what each status write changed.
   */
  public static String policy(String user) {
    return """
        apiVersion: audit.k8s.io/v1
        kind: Policy
        omitStages: ["RequestReceived", "ResponseStarted"]
        rules:
          - level: Request
            users: ["%1$s"]
            verbs: ["patch", "update"]
            resources: [{group: "workerhealth.io", resources: ["workerhealthpolicies/status"]}]
          - level: Metadata
            users: ["%1$s"]
          - level: None
        """.formatted(user);
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path file;

  public AuditLog(Path file) {
    this.file = file;
  }

  /** Where the log ends now: the start of a window. */
  public long mark() throws IOException {
    return Files.exists(file) ? Files.size(file) : 0;
  }

  /** The requests logged from {@code from} (a {@link #mark()}) to the end; watches left out. */
  public List<Request> since(long from) throws IOException {
    List<Request> out = new ArrayList<>();
    if (!Files.exists(file)) {
      return out;
    }
    try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
      in.seek(from);
      byte[] rest = new byte[(int) (in.length() - from)];
      in.readFully(rest);
      for (String line : new String(rest, StandardCharsets.UTF_8).split("\n")) {
        if (line.isBlank()) {
          continue;
        }
        JsonNode e = JSON.readTree(line);
        String verb = e.path("verb").asText();
        if (verb.equals("watch")) {
          continue;
        }
        JsonNode ref = e.path("objectRef");
        String resource = ref.path("resource").asText(e.path("requestURI").asText());
        if (ref.hasNonNull("subresource")) {
          resource = resource + "/" + ref.path("subresource").asText();
        }
        if (ref.hasNonNull("apiGroup")) {
          resource = ref.path("apiGroup").asText() + "/" + resource;
        }
        out.add(new Request(verb, resource, ref.path("namespace").asText(null), ref.path("name").asText(null),
            Instant.parse(e.path("requestReceivedTimestamp").asText()), e.path("responseStatus").path("code").asInt()));
      }
    }
    return out;
  }

  /** Requests by "verb resource". */
  public static Map<String, Integer> count(List<Request> requests) {
    Map<String, Integer> byWhat = new TreeMap<>();
    requests.forEach(r -> byWhat.merge(r.what(), 1, Integer::sum));
    return byWhat;
  }
}
