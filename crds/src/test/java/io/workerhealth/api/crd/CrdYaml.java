package io.workerhealth.api.crd;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crdv2.generator.CRDGenerator;
import io.fabric8.crdv2.generator.CRDPostProcessor;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.workerhealth.api.v1alpha1.ListMapKeys;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Generates the CRD YAML from the API types with fabric8's crd-generator, then applies two things it cannot express:
 * printer columns in the order they are declared (kubectl shows them in that order) and {@link ListMapKeys} lists as
 * {@code x-kubernetes-list-type: map}.
 */
public final class CrdYaml {

  private CrdYaml() {}

  /** File name → YAML, for the given custom resource classes. */
  @SafeVarargs
  public static Map<String, String> generate(Class<? extends HasMetadata>... resources) throws IOException {
    Path out = Files.createTempDirectory("crds");
    try {
      new CRDGenerator()
          .inOutputDir(out.toFile())
          .forCRDVersions("v1")
          .withPostProcessor(new Refinements(List.of(resources)))
          .customResourceClasses(resources)
          .generate();
      Map<String, String> files = new TreeMap<>();
      try (Stream<Path> list = Files.list(out)) {
        for (Path p : list.sorted().toList()) {
          files.put(p.getFileName().toString(), Files.readString(p));
          Files.delete(p);
        }
      }
      return files;
    } finally {
      Files.deleteIfExists(out);
    }
  }

  private record Refinements(List<Class<? extends HasMetadata>> resources) implements CRDPostProcessor {

    @Override
    public HasMetadata process(HasMetadata generated, String crdSpecVersion) {
      CustomResourceDefinition crd = (CustomResourceDefinition) generated;
      Class<? extends HasMetadata> type = resources.stream()
          .filter(r -> HasMetadata.getKind(r).equals(crd.getSpec().getNames().getKind()))
          .findFirst()
          .orElseThrow();
      List<String> columnOrder = Arrays.stream(type.getAnnotationsByType(AdditionalPrinterColumn.class))
          .map(AdditionalPrinterColumn::name)
          .toList();
      Type[] specAndStatus = ((ParameterizedType) type.getGenericSuperclass()).getActualTypeArguments();
      for (CustomResourceDefinitionVersion version : crd.getSpec().getVersions()) {
        List<CustomResourceColumnDefinition> columns = version.getAdditionalPrinterColumns();
        if (columns != null) {
          columns.sort(Comparator.comparingInt(c -> columnOrder.indexOf(c.getName())));
        }
        Map<String, JSONSchemaProps> top = version.getSchema().getOpenAPIV3Schema().getProperties();
        refine(top.get("spec"), specAndStatus[0]);
        refine(top.get("status"), specAndStatus[1]);
      }
      return crd;
    }

    private static void refine(JSONSchemaProps schema, Type javaType) {
      Class<?> cls = rawClass(javaType);
      if (schema == null || cls.getName().startsWith("java.") || cls.isEnum() || schema.getProperties() == null) {
        return;
      }
      for (Map.Entry<String, JSONSchemaProps> property : schema.getProperties().entrySet()) {
        Field field = field(cls, property.getKey());
        if (field == null) {
          continue;
        }
        JSONSchemaProps propSchema = property.getValue();
        ListMapKeys keys = field.getAnnotation(ListMapKeys.class);
        if (keys != null) {
          propSchema.setXKubernetesListType("map");
          propSchema.setXKubernetesListMapKeys(List.of(keys.value()));
          // the API server requires map keys to be required (or defaulted) in the item schema
          JSONSchemaProps item = propSchema.getItems().getSchema();
          List<String> required = new java.util.ArrayList<>(item.getRequired() == null ? List.of() : item.getRequired());
          for (String key : keys.value()) {
            if (!required.contains(key)) {
              required.add(key);
            }
          }
          item.setRequired(required);
        }
        Type fieldType = field.getGenericType();
        Class<?> raw = rawClass(fieldType);
        if (Collection.class.isAssignableFrom(raw) && propSchema.getItems() != null) {
          refine(propSchema.getItems().getSchema(), typeArgument(fieldType, 0));
        } else if (Map.class.isAssignableFrom(raw) && propSchema.getAdditionalProperties() != null) {
          refine(propSchema.getAdditionalProperties().getSchema(), typeArgument(fieldType, 1));
        } else {
          refine(propSchema, fieldType);
        }
      }
    }

    private static Field field(Class<?> cls, String jsonName) {
      for (Class<?> c = cls; c != null && c != Object.class; c = c.getSuperclass()) {
        for (Field f : c.getDeclaredFields()) {
          JsonProperty renamed = f.getAnnotation(JsonProperty.class);
          String name = renamed != null && !renamed.value().isEmpty() ? renamed.value() : f.getName();
          if (name.equals(jsonName)) {
            return f;
          }
        }
      }
      return null;
    }

    private static Class<?> rawClass(Type t) {
      if (t instanceof Class<?> c) {
        return c;
      }
      if (t instanceof ParameterizedType p) {
        return (Class<?>) p.getRawType();
      }
      return Object.class;
    }

    private static Type typeArgument(Type t, int index) {
      return t instanceof ParameterizedType p ? p.getActualTypeArguments()[index] : Object.class;
    }
  }
}
