package io.workerhealth.demo;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.UncheckedIOException;

/** An object as one would write it in a manifest: no status, strings unquoted where YAML allows. */
public final class PlainYaml {

  private static final YAMLMapper YAML = new YAMLMapper(YAMLFactory.builder()
      .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
      .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
      .build());

  private PlainYaml() {}

  /** {@code object} (a Kubernetes object, or a part of one such as a patch) as YAML, without its status. */
  public static String of(KubernetesSerialization serialization, Object object) {
    ObjectNode tree = serialization.convertValue(object, ObjectNode.class);
    tree.remove("status");
    try {
      return YAML.writeValueAsString(tree);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }
}
