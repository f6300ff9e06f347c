package io.bigfile.deploy;

import static io.bigfile.deploy.ShippedFiles.at;
import static io.bigfile.deploy.ShippedFiles.list;
import static io.bigfile.deploy.ShippedFiles.map;

import com.marcnuri.helm.Helm;
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
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

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
 */
final class RenderedChart {

  /** The renamed hook annotation prefix in the rendered copy. */
  static final String HOOK = "rendered.test/hook";

  static final String RELEASE = "files";
  static final String NAMESPACE = "storage";
  static final String KUBE_VERSION = "1.30.0";

  private static final Map<String, RenderedChart> CACHE = new ConcurrentHashMap<>();
  private static Path hooksVisible;

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

  static RenderedChart render(Map<String, Object> sets) {
    return render(List.of(), sets);
  }

  static RenderedChart defaults() {
    return render(List.of(), Map.of());
  }

  /** The real chart, hooks left out as Helm leaves them out of a release's manifest. */
  static RenderedChart renderAsIs(Map<String, Object> sets) {
    return parse(template(ShippedFiles.CHART, List.of(), sets));
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

  static String failure(Map<String, Object> sets) {
    return failure(List.of(), sets);
  }

  private static String template(Path chart, List<Path> valueFiles, Map<String, Object> sets) {
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
      if (Files.exists(copy)) {
        try (Stream<Path> old = Files.walk(copy)) {
          for (Path p : old.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
            Files.delete(p);
          }
        }
      }
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
