package io.bigfile.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Parameter;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.context.annotation.ClassPathScanningCandidateComponentProvider;
import org.springframework.core.type.filter.AnnotationTypeFilter;
import org.springframework.util.ClassUtils;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * What the deployment files say, read the way their consumers read them: the Dockerfile's
 * instructions, the service's own {@code application.yaml}, and the {@code bigfile.*} properties
 * records that bind the settings the chart passes on. The chart and image tests check these against
 * each other, so that renaming a setting, moving a port or changing the image's layout breaks a
 * test instead of a deployment.
 */
final class ShippedFiles {

  static final Path CHART = Path.of("helm", "bigfile");
  static final Path DOCKERFILE = Path.of("Dockerfile");
  static final Path DOCKERIGNORE = Path.of(".dockerignore");
  static final Path APPLICATION_YAML = Path.of("src", "main", "resources", "application.yaml");

  private ShippedFiles() {}

  static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Object yaml(String text) {
    return new Yaml(new SafeConstructor(new LoaderOptions())).load(text);
  }

  static List<Object> yamlDocuments(String text) {
    List<Object> out = new ArrayList<>();
    for (Object doc : new Yaml(new SafeConstructor(new LoaderOptions())).loadAll(text)) {
      if (doc != null) {
        out.add(doc);
      }
    }
    return out;
  }

  /** A node of parsed YAML by keys and list indexes; null where the path leads nowhere. */
  static Object at(Object node, Object... path) {
    Object n = node;
    for (Object step : path) {
      if (n instanceof Map<?, ?> m && step instanceof String key) {
        n = m.get(key);
      } else if (n instanceof List<?> l && step instanceof Integer i && i < l.size()) {
        n = l.get(i);
      } else {
        return null;
      }
    }
    return n;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> map(Object node, Object... path) {
    Object n = at(node, path);
    if (!(n instanceof Map)) {
      throw new AssertionError("no map at " + Arrays.toString(path) + " in " + node);
    }
    return (Map<String, Object>) n;
  }

  @SuppressWarnings("unchecked")
  static List<Object> list(Object node, Object... path) {
    Object n = at(node, path);
    if (!(n instanceof List)) {
      throw new AssertionError("no list at " + Arrays.toString(path) + " in " + node);
    }
    return (List<Object>) n;
  }

  // ---------------------------------------------------------------- the service

  /** The service's own application.yaml. */
  static Map<String, Object> applicationYaml() {
    return map(yaml(read(APPLICATION_YAML)));
  }

  /** The port the service listens on. */
  static int serverPort() {
    return (Integer) at(applicationYaml(), "server", "port");
  }

  /** A {@code bigfile.*} properties record: its prefix and class. */
  record Settings(String prefix, Class<?> type) {

    /** The group: {@code transactions} for {@code bigfile.transactions}. */
    String group() {
      return prefix.substring("bigfile.".length());
    }

    List<String> names() {
      return Arrays.stream(type.getRecordComponents()).map(RecordComponent::getName).toList();
    }

    RecordComponent component(String name) {
      return Arrays.stream(type.getRecordComponents())
          .filter(c -> c.getName().equals(name))
          .findFirst()
          .orElse(null);
    }

    /** The {@code @DefaultValue} of each component, in declaration order. */
    Map<String, String> defaults() {
      RecordComponent[] components = type.getRecordComponents();
      Class<?>[] types =
          Arrays.stream(components).map(RecordComponent::getType).toArray(Class[]::new);
      Constructor<?> canonical;
      try {
        canonical = type.getDeclaredConstructor(types);
      } catch (NoSuchMethodException e) {
        throw new IllegalStateException(e);
      }
      Parameter[] parameters = canonical.getParameters();
      Map<String, String> out = new LinkedHashMap<>();
      for (int i = 0; i < components.length; i++) {
        DefaultValue d = parameters[i].getAnnotation(DefaultValue.class);
        out.put(components[i].getName(), d == null ? null : String.join(",", d.value()));
      }
      return out;
    }
  }

  /**
   * Every {@code @ConfigurationProperties("bigfile.*")} record of the service, by group, found on
   * the class path: a record added later is found too.
   */
  static Map<String, Settings> bigfileSettings() {
    ClassPathScanningCandidateComponentProvider scanner =
        new ClassPathScanningCandidateComponentProvider(false);
    scanner.addIncludeFilter(new AnnotationTypeFilter(ConfigurationProperties.class));
    Map<String, Settings> out = new TreeMap<>();
    for (BeanDefinition candidate : scanner.findCandidateComponents("io.bigfile")) {
      Class<?> type =
          ClassUtils.resolveClassName(
              Objects.requireNonNull(candidate.getBeanClassName()),
              ShippedFiles.class.getClassLoader());
      ConfigurationProperties annotation = type.getAnnotation(ConfigurationProperties.class);
      String prefix = annotation.prefix().isEmpty() ? annotation.value() : annotation.prefix();
      if (prefix.startsWith("bigfile.") && type.isRecord()) {
        Settings s = new Settings(prefix, type);
        out.put(s.group(), s);
      }
    }
    if (out.isEmpty()) {
      throw new AssertionError("no bigfile.* properties records found on the class path");
    }
    return out;
  }

  // ---------------------------------------------------------------- the Dockerfile

  /** One instruction of a Dockerfile, continuation lines joined, comments dropped. */
  record Instruction(String keyword, String arguments) {}

  /** The Dockerfile's instructions, split into stages (the instructions before a FROM first). */
  static List<List<Instruction>> dockerfileStages() {
    List<List<Instruction>> stages = new ArrayList<>();
    List<Instruction> current = new ArrayList<>();
    stages.add(current);
    StringBuilder logical = new StringBuilder();
    for (String line : read(DOCKERFILE).split("\n", -1)) {
      String trimmed = line.strip();
      if (trimmed.startsWith("#") || (trimmed.isEmpty() && logical.length() == 0)) {
        continue;
      }
      if (trimmed.endsWith("\\")) {
        logical.append(trimmed, 0, trimmed.length() - 1).append(' ');
        continue;
      }
      logical.append(trimmed);
      String text = logical.toString().strip();
      logical.setLength(0);
      if (text.isEmpty()) {
        continue;
      }
      String[] parts = text.split("\\s+", 2);
      Instruction instruction =
          new Instruction(parts[0].toUpperCase(), parts.length > 1 ? parts[1].strip() : "");
      if (instruction.keyword().equals("FROM")) {
        current = new ArrayList<>();
        stages.add(current);
      }
      current.add(instruction);
    }
    return stages;
  }

  /** The arguments of every instruction of that keyword in a stage. */
  static List<String> arguments(List<Instruction> stage, String keyword) {
    return stage.stream()
        .filter(i -> i.keyword().equals(keyword))
        .map(Instruction::arguments)
        .toList();
  }

  private static final Pattern ASSIGNMENT = Pattern.compile("([\\w.\\-]+)=(\"([^\"]*)\"|(\\S+))");

  /** {@code KEY=value KEY2="quoted value"} pairs, as ENV, LABEL and ARG write them. */
  static Map<String, String> assignments(String arguments) {
    Map<String, String> out = new LinkedHashMap<>();
    Matcher m = ASSIGNMENT.matcher(arguments);
    while (m.find()) {
      out.put(m.group(1), m.group(3) != null ? m.group(3) : m.group(4));
    }
    return out;
  }

  /** The elements of an exec-form (JSON array) instruction. */
  static List<String> execForm(String arguments) {
    Object parsed = yaml(arguments);
    if (!(parsed instanceof List<?> l)) {
      throw new AssertionError("not in exec form: " + arguments);
    }
    return l.stream().map(String::valueOf).toList();
  }
}
