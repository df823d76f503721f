package io.workerhealth.operator.validation;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * What kube-apiserver answers to a WorkerHealthPolicy, decided offline from the CRD this operator ships (the one
 * generated from the API types, packaged by the crds module): the plan command rejects exactly what the cluster
 * rejects, with the same messages, because both read the same schema and CEL rules.
 */
public final class PolicyValidator {

  /** Where the crds module packages the generated CRD. */
  static final String CRD_RESOURCE = "/io/workerhealth/api/crds/workerhealthpolicies.workerhealth.io-v1.yml";
  static final String VERSION = "v1alpha1";

  private static volatile PolicyValidator instance;

  private final CrdSchemaValidator schema;

  PolicyValidator(String crdYaml) {
    JsonNode crd = Yaml.tree(crdYaml);
    JsonNode found = null;
    for (JsonNode version : crd.path("spec").path("versions")) {
      if (VERSION.equals(version.path("name").asText())) {
        found = version.path("schema").path("openAPIV3Schema");
      }
    }
    if (found == null || found.isMissingNode()) {
      throw new IllegalStateException("the WorkerHealthPolicy CRD has no schema for " + VERSION);
    }
    schema = new CrdSchemaValidator(found);
  }

  /** The validator for the CRD on the class path. */
  public static PolicyValidator load() {
    if (instance == null) {
      synchronized (PolicyValidator.class) {
        if (instance == null) {
          try (InputStream in = PolicyValidator.class.getResourceAsStream(CRD_RESOURCE)) {
            if (in == null) {
              throw new IllegalStateException(CRD_RESOURCE + " is not on the class path");
            }
            instance = new PolicyValidator(new String(in.readAllBytes(), StandardCharsets.UTF_8));
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      }
    }
    return instance;
  }

  /** kube-apiserver's field errors for creating this policy (a parsed YAML/JSON document); empty when accepted. */
  public List<String> apiServerErrors(JsonNode policy) {
    return schema.validate(policy);
  }
}
