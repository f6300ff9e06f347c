package io.bigfile.deploy;

import static io.bigfile.deploy.ShippedFiles.at;
import static io.bigfile.deploy.ShippedFiles.list;
import static io.bigfile.deploy.ShippedFiles.map;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * The chart in {@code helm/bigfile} rendered in-process by Helm's own code (helm-java: no helm
 * binary, no cluster), as the Kubernetes objects a release would create.
 *
 * <p>helm-java returns the release's manifest the way {@code helm template --no-hooks} prints it:
 * without hooks. To see the migration Job (a pre-install/pre-upgrade hook), the chart is rendered
 * from a copy in which the annotation key {@code helm.sh/hook} (and its {@code -weight} and {@code
 * -delete-policy} siblings) is renamed to {@link #HOOK}: Helm then renders the Job as an ordinary
 * object, with every template expression intact, and the tests read the hook annotations under the
 * new key. {@link #renderAsIs} renders the real chart, to show the Job is a hook there.
 *
 * <p>The chart renders nothing until its values choose {@code security.mode}: {@link #defaults()},
 * {@link #render(Map)}, {@link #renderAsIs} and {@link #failure(Map)} add {@link #CHOICE} under
 * their {@code --set}s (which win); {@link #render(List, Map)} and {@link #failure(List, Map)} add
 * nothing.
 */
final class RenderedChart {

  /** The renamed hook annotation prefix in the rendered copy. */
  static final String HOOK = "rendered.test/hook";

  static final String RELEASE = "files";
  static final String NAMESPACE = "storage";
  static final String KUBE_VERSION = "1.30.0";

  private static final Map<String, RenderedChart> CACHE = new ConcurrentHashMap<>();
  private static Path hooksVisible;

  /**
   * The one value the chart's defaults lack, as the least a release chooses: static tokens from an
   * existing Secret (what {@code ci/token-values.yaml} sets).
   */
  static final Map<String, Object> CHOICE =
      Map.of("security.mode", "token", "security.tokens.existingSecret", "bigfile-tokens");

  final List<Map<String, Object>> objects;

  private RenderedChart(List<Map<String, Object>> objects) {
    this.objects = objects;
  }

  /** The chart with its values.yaml, then each value file in turn, then each --set. */
  static RenderedChart render(List<Path> valueFiles, Map<String, Object> sets) {
    String key = valueFiles + " " + sets;
    RenderedChart cached = CACHE.get(key);
    if (cached != null) {
      return cached;
    }
    RenderedChart r = parse(template(chartWithHooksVisible(), valueFiles, sets));
    CACHE.put(key, r);
    return r;
  }

  static RenderedChart render(Path valueFile) {
    return render(List.of(valueFile), Map.of());
  }

  /** The default values with {@link #CHOICE}, then each --set. */
  static RenderedChart render(Map<String, Object> sets) {
    return render(List.of(), withChoice(sets));
  }

  /** The default values with {@link #CHOICE}. */
  static RenderedChart defaults() {
    return render(List.of(), CHOICE);
  }

  /** The real chart, hooks left out as Helm leaves them out of a release's manifest. */
  static RenderedChart renderAsIs(Map<String, Object> sets) {
    return parse(template(ShippedFiles.CHART, List.of(), withChoice(sets)));
  }

  /** {@link #CHOICE}, then {@code sets}. */
  static Map<String, Object> withChoice(Map<String, Object> sets) {
    Map<String, Object> all = new LinkedHashMap<>(new TreeMap<>(CHOICE));
    all.putAll(sets);
    return all;
  }

  /** The error Helm reports for these values; fails if they render. */
  static String failure(List<Path> valueFiles, Map<String, Object> sets) {
    try {
      template(chartWithHooksVisible(), valueFiles, sets);
    } catch (IllegalStateException e) {
      return e.getMessage();
    }
    throw new AssertionError("rendered, but should have failed: " + valueFiles + " " + sets);
  }

  /** The error Helm reports for the default values with {@link #CHOICE}, then these. */
  static String failure(Map<String, Object> sets) {
    return failure(List.of(), withChoice(sets));
  }

  /**
   * {@code helm lint --strict} of the chart with these values in place of its values.yaml
   * (helm-java lints a chart with its own values only, as {@code helm lint} without {@code
   * --values}): the messages it reports; empty when it found nothing.
   */
  static List<String> lint(String name, Map<String, Object> values) {
    try {
      Path copy = Path.of("target", "helm-lint", name, "bigfile").toAbsolutePath();
      deleteTree(copy);
      try (Stream<Path> files = Files.walk(ShippedFiles.CHART)) {
        for (Path source : files.toList()) {
          Path target = copy.resolve(ShippedFiles.CHART.relativize(source).toString());
          if (Files.isDirectory(source)) {
            Files.createDirectories(target);
          } else if (!source.equals(ShippedFiles.CHART.resolve("values.yaml"))) {
            Files.copy(source, target);
          }
        }
      }
      DumperOptions options = new DumperOptions();
      options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
      Files.writeString(
          copy.resolve("values.yaml"), new Yaml(options).dump(values), StandardCharsets.UTF_8);
      LintResult result = new Helm(copy).lint().strict().call();
      List<String> messages = new ArrayList<>(result.getMessages());
      if (result.isFailed() && messages.isEmpty()) {
        messages.add("[ERROR] lint failed");
      }
      return messages;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    if (Files.exists(dir)) {
      try (Stream<Path> old = Files.walk(dir)) {
        for (Path p : old.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
          Files.delete(p);
        }
      }
    }
  }

  /**
   * The default values with {@link #CHOICE}, then each --set, rendered while the cluster holds
   * {@code secrets} (namespace/name to their data in plain text), as an upgrade of a release whose
   * Secrets exist; not cached.
   */
  static RenderedChart upgradeOf(
      Map<String, Map<String, String>> secrets, Map<String, Object> sets) {
    return FakeCluster.get()
        .holding(
            secrets, () -> parse(template(chartWithHooksVisible(), List.of(), withChoice(sets))));
  }

  /**
   * Helm's template command, which runs the chart's lookups against the cluster of {@code
   * KUBECONFIG}: the {@link FakeCluster}, which holds no Secret unless {@link #upgradeOf} says.
   */
  private static String template(Path chart, List<Path> valueFiles, Map<String, Object> sets) {
    FakeCluster.get();
    TemplateCommand t =
        new Helm(chart)
            .template()
            .withName(RELEASE)
            .withNamespace(NAMESPACE)
            .withKubeVersion(KUBE_VERSION);
    for (Path f : valueFiles) {
      t = t.withValuesFile(f.toAbsolutePath());
    }
    for (Map.Entry<String, Object> e : sets.entrySet()) {
      t = t.set(e.getKey(), e.getValue());
    }
    return t.call();
  }

  @SuppressWarnings("unchecked")
  private static RenderedChart parse(String manifest) {
    List<Map<String, Object>> objects = new ArrayList<>();
    for (Object doc : ShippedFiles.yamlDocuments(manifest)) {
      objects.add((Map<String, Object>) doc);
    }
    return new RenderedChart(List.copyOf(objects));
  }

  private static synchronized Path chartWithHooksVisible() {
    if (hooksVisible != null) {
      return hooksVisible;
    }
    try {
      Path copy = Path.of("target", "helm-hooks-visible", "bigfile").toAbsolutePath();
      deleteTree(copy);
      try (Stream<Path> files = Files.walk(ShippedFiles.CHART)) {
        for (Path source : files.toList()) {
          Path target = copy.resolve(ShippedFiles.CHART.relativize(source).toString());
          if (Files.isDirectory(source)) {
            Files.createDirectories(target);
          } else if (source.getParent().endsWith("templates")) {
            String text = Files.readString(source, StandardCharsets.UTF_8);
            Files.writeString(target, text.replace("helm.sh/hook", HOOK), StandardCharsets.UTF_8);
          } else {
            Files.copy(source, target);
          }
        }
      }
      hooksVisible = copy;
      return copy;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // ---------------------------------------------------------------- queries

  List<Map<String, Object>> all(String kind) {
    return objects.stream().filter(o -> kind.equals(o.get("kind"))).toList();
  }

  boolean has(String kind) {
    return !all(kind).isEmpty();
  }

  Map<String, Object> one(String kind) {
    List<Map<String, Object>> found = all(kind);
    if (found.size() != 1) {
      throw new AssertionError("expected one " + kind + ", found " + found.size());
    }
    return found.get(0);
  }

  List<String> kinds() {
    return objects.stream().map(o -> (String) o.get("kind")).toList();
  }

  /** The pod specs of the Deployment and, when there is one, the migration Job. */
  List<Map<String, Object>> podSpecs() {
    List<Map<String, Object>> out = new ArrayList<>();
    for (String kind : List.of("Deployment", "Job")) {
      for (Map<String, Object> o : all(kind)) {
        out.add(map(o, "spec", "template", "spec"));
      }
    }
    return out;
  }

  /** The release's Service, the API's (not the metrics Service of the ServiceMonitor). */
  Map<String, Object> service() {
    List<Map<String, Object>> found =
        all("Service").stream()
            .filter(
                s -> "server".equals(at(s, "metadata", "labels", "app.kubernetes.io/component")))
            .toList();
    if (found.size() != 1) {
      throw new AssertionError("expected one Service of the server, found " + found.size());
    }
    return found.get(0);
  }

  Map<String, Object> serverPod() {
    return map(one("Deployment"), "spec", "template");
  }

  Map<String, Object> serverContainer() {
    return map(serverPod(), "spec", "containers", 0);
  }

  static List<Map<String, Object>> containers(Map<String, Object> podSpec) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Object c : list(podSpec, "containers")) {
      out.add(map(c));
    }
    Object init = at(podSpec, "initContainers");
    if (init instanceof List<?> l) {
      for (Object c : l) {
        out.add(map(c));
      }
    }
    return out;
  }

  /** A container's environment by variable name, each an EnvVar object. */
  static Map<String, Map<String, Object>> env(Map<String, Object> container) {
    Map<String, Map<String, Object>> out = new LinkedHashMap<>();
    Object env = container.get("env");
    if (env instanceof List<?> l) {
      for (Object e : l) {
        Map<String, Object> var = map(e);
        out.put((String) var.get("name"), var);
      }
    }
    return out;
  }
}
