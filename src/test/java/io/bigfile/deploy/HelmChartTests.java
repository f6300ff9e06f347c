package io.bigfile.deploy;

import static io.bigfile.deploy.RenderedChart.containers;
import static io.bigfile.deploy.RenderedChart.env;
import static io.bigfile.deploy.ShippedFiles.at;
import static io.bigfile.deploy.ShippedFiles.list;
import static io.bigfile.deploy.ShippedFiles.map;
import static org.assertj.core.api.Assertions.assertThat;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.Release;
import dev.snowdrop.boot.narayana.core.properties.NarayanaProperties;
import io.bigfile.config.AuditProperties;
import io.bigfile.config.CacheProperties;
import io.bigfile.config.CorsProperties;
import io.bigfile.config.LinksProperties;
import io.bigfile.config.MemoryBudget;
import io.bigfile.config.SecurityProperties;
import io.bigfile.config.TransactionsProperties;
import io.bigfile.engine.EngineSettings;
import io.bigfile.file.WriteFormat;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.convert.ApplicationConversionService;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.boot.jdbc.autoconfigure.DataSourceProperties;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.util.unit.DataSize;

/**
 * The Helm chart ({@code helm/bigfile}), linted and rendered in-process with its default values and
 * with each value set in {@code helm/bigfile/ci}, checked object by object and against the service
 * itself: the port and health endpoints it serves, the properties records that bind each {@code
 * bigfile.*} setting, the names Spring and Narayana read from the environment, and the image the
 * Dockerfile builds.
 *
 * <p>The chart's defaults alone render nothing: a release must choose {@code security.mode}. The
 * value sets are those of {@code helm/bigfile/ci}, each choosing one; {@link
 * RenderedChart#defaults()} is the defaults with the least choice ({@link RenderedChart#CHOICE}).
 */
class HelmChartTests {

  private static final Path CI = ShippedFiles.CHART.resolve("ci");
  private static final Path SETTINGS = CI.resolve("settings-values.yaml");
  private static final Path PRODUCTION = CI.resolve("production-values.yaml");
  private static final Path AUTOSCALING = CI.resolve("autoscaling-values.yaml");
  private static final Path NO_JOB = CI.resolve("no-migration-job-values.yaml");
  private static final Path TOKEN = CI.resolve("token-values.yaml");
  private static final Path OAUTH2 = CI.resolve("oauth2-values.yaml");

  /** A signed-link key as a Secret's links.yaml holds it: base64 of 32 bytes. */
  private static final String LINK_KEY = "a2V5LW9mLXRoZS1zZWNyZXQtb2YtdGhlLWxpbmtzLTM=";

  /** Where the chart mounts the Secrets' settings files. */
  private static final String SECRETS = "/etc/bigfile-secrets";

  /** The Secret of link keys the chart generates for the release when it is given none. */
  private static final String GENERATED_LINKS_SECRET = "files-bigfile-links";

  /** The IP address a pod of the rendered chart is given, for the downward API's status.podIP. */
  private static final String POD_IP = "10.1.2.3";

  /**
   * Every bigfile.security.* setting the chart writes to the ConfigMap, from the values under
   * {@code security} (the same name in camelCase: {@code security.links.maxExpiresIn} is {@code
   * bigfile.security.links.max-expires-in}); ci/ sets each of them in one value set or another.
   */
  static final Set<String> SECURITY_SETTINGS =
      Set.of(
          "bigfile.security.mode",
          "bigfile.security.audiences",
          "bigfile.security.clock-skew",
          "bigfile.security.links.signing-key",
          "bigfile.security.links.max-expires-in",
          "bigfile.security.cors.allowed-origins",
          "bigfile.security.cors.max-age",
          "bigfile.security.audit.reads");

  /**
   * The bigfile.security.* settings of the service's records that the chart leaves out on purpose,
   * each with the reason: every other one is a value under {@code security}.
   */
  static final Map<String, String> SECURITY_SETTINGS_LEFT_OUT =
      Map.of(
          "bigfile.security.tokens",
          "secrets: only from the existing Secret security.tokens.existingSecret (key tokens.yaml),"
              + " imported through SPRING_CONFIG_IMPORT",
          "bigfile.security.links.keys",
          "secrets: only from a Secret (key links.yaml), security.links.existingSecret or the one"
              + " the chart generates, imported through SPRING_CONFIG_IMPORT",
          "bigfile.security.token-file",
          "a path the image sets (BIGFILE_SECURITY_TOKENFILE, in its volume); the chart requires"
              + " tokens from a Secret in token mode, so no token is generated",
          "bigfile.security.links.key-file",
          "a path the image sets (BIGFILE_SECURITY_LINKS_KEYFILE, in its volume); the chart always"
              + " mounts the keys from a Secret, so no pod generates one");

  /**
   * Values under {@code security} that are not bigfile.security.* settings: Spring's own resource
   * server, and the Secrets the secret settings come from.
   */
  static final Map<String, String> SECURITY_VALUES_OF_THE_CHART =
      Map.of(
          "issuerUri", "spring.security.oauth2.resourceserver.jwt.issuer-uri",
          "jwkSetUri", "spring.security.oauth2.resourceserver.jwt.jwk-set-uri",
          "tokens.existingSecret", "the Secret of bigfile.security.tokens",
          "links.existingSecret", "the Secret of bigfile.security.links.keys");

  /**
   * bigfile.* settings the chart sets from values outside {@code bigfile}, each with the value or
   * the source: they are not values under {@code bigfile}, whichever record binds them.
   */
  static final Map<String, String> SETTINGS_OF_OTHER_VALUES =
      Map.of(
          "bigfile.replicas.drain-period",
          "drainPeriod, which also sizes the pods' terminationGracePeriodSeconds",
          "bigfile.replicas.advertised-address",
          "the pod's IP, BIGFILE_REPLICAS_ADVERTISED_ADDRESS=$(POD_IP) from the downward API",
          "bigfile.standbys",
          "standbys");

  /**
   * Removes from settings by group (as values under bigfile name them) those of {@link
   * #SETTINGS_OF_OTHER_VALUES}, and the groups they leave empty.
   */
  static void removeSettingsOfOtherValues(Map<String, ? extends Collection<String>> byGroup) {
    for (String setting : SETTINGS_OF_OTHER_VALUES.keySet()) {
      String[] parts = setting.split("\\.", 3);
      Collection<String> group = parts.length == 3 ? byGroup.get(parts[1]) : null;
      if (group != null) {
        group.remove(Settings.camel(parts[2]));
        if (group.isEmpty()) {
          byGroup.remove(parts[1]);
        }
      }
    }
  }

  /** Every value set in ci/. */
  static Stream<Arguments> valueSets() {
    List<Arguments> out = new ArrayList<>();
    try (Stream<Path> files = Files.list(CI)) {
      files.sorted().forEach(f -> out.add(Arguments.of(f.getFileName().toString(), List.of(f))));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.stream();
  }

  /** values.yaml overlaid with the value files, as Helm merges them. */
  static Map<String, Object> effectiveValues(List<Path> valueFiles) {
    Map<String, Object> values =
        new LinkedHashMap<>(map(ShippedFiles.yaml(chartFile("values.yaml"))));
    for (Path f : valueFiles) {
      merge(values, map(ShippedFiles.yaml(ShippedFiles.read(f))));
    }
    return values;
  }

  @SuppressWarnings("unchecked")
  private static void merge(Map<String, Object> into, Map<String, Object> from) {
    for (Map.Entry<String, Object> e : from.entrySet()) {
      if (e.getValue() instanceof Map<?, ?> m && into.get(e.getKey()) instanceof Map<?, ?> old) {
        Map<String, Object> merged = new LinkedHashMap<>((Map<String, Object>) old);
        merge(merged, (Map<String, Object>) m);
        into.put(e.getKey(), merged);
      } else {
        into.put(e.getKey(), e.getValue());
      }
    }
  }

  private static String chartFile(String name) {
    return ShippedFiles.read(ShippedFiles.CHART.resolve(name));
  }

  private static Map<String, Object> schema() {
    return map(ShippedFiles.yaml(chartFile("values.schema.json")));
  }

  /**
   * {@code helm lint} of the chart as shipped, with no values of one's own, fails on purpose: it
   * names the choice to make.
   */
  @Test
  void lintOfTheBareChartAsksForTheSecurityMode() {
    LintResult result = new Helm(ShippedFiles.CHART).lint().strict().call();
    assertThat(result.isFailed()).isTrue();
    assertThat(result.getMessages())
        .anyMatch(m -> m.contains("at '/security': missing property 'mode'"));
  }

  @Test
  void theDefaultsRenderTheServiceItsDisruptionBudgetItsLinkKeyAndAMigrationJob() {
    assertThat(RenderedChart.defaults().kinds())
        .containsExactlyInAnyOrder(
            "ConfigMap", "Service", "Deployment", "PodDisruptionBudget", "Secret", "Job");
  }

  @Test
  void theMigrationJobIsAHookNotPartOfTheRelease() {
    assertThat(RenderedChart.renderAsIs(Map.of()).kinds())
        .containsExactlyInAnyOrder(
            "ConfigMap", "Service", "Deployment", "PodDisruptionBudget", "Secret");
  }

  @Nested
  class EveryValueSet {

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.bigfile.deploy.HelmChartTests#valueSets")
    void lintFindsNothingEvenWhenStrict(String name, List<Path> files) {
      assertThat(RenderedChart.lint(name.replace(".yaml", ""), effectiveValues(files)))
          .noneMatch(m -> m.contains("[WARNING]") || m.contains("[ERROR]"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.bigfile.deploy.HelmChartTests#valueSets")
    void everyObjectCarriesTheReleaseLabels(String name, List<Path> files) {
      for (Map<String, Object> o : RenderedChart.render(files, Map.of()).objects) {
        assertThat(map(o, "metadata", "labels"))
            .as("%s %s", o.get("kind"), at(o, "metadata", "name"))
            .containsEntry("app.kubernetes.io/name", "bigfile")
            .containsEntry("app.kubernetes.io/instance", RenderedChart.RELEASE)
            .containsEntry("app.kubernetes.io/managed-by", "Helm");
      }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.bigfile.deploy.HelmChartTests#valueSets")
    void probesAskTheHealthGroupsOnThePortTheServiceListensOn(String name, List<Path> files) {
      RenderedChart chart = RenderedChart.render(files, Map.of());
      Map<String, Object> c = chart.serverContainer();
      Map<String, Object> port = map(c, "ports", 0);
      assertThat(port).containsEntry("name", "http");
      assertThat(port.get("containerPort")).isEqualTo(ShippedFiles.serverPort());
      // Spring Boot serves the actuator, health groups included, on management.server.port once it
      // is set, and no longer on the HTTP port.
      Map<String, Object> management = map(c, "ports", 1);
      assertThat(management).containsEntry("name", "management");
      assertThat(management.get("containerPort"))
          .isEqualTo(
              binderOf(configMapApplicationYaml(chart))
                  .bind("management.server.port", Integer.class)
                  .get())
          .isNotEqualTo(ShippedFiles.serverPort());
      assertThat(list(c, "ports")).hasSize(2);
      assertThat(at(c, "livenessProbe", "httpGet"))
          .isEqualTo(Map.of("path", "/actuator/health/liveness", "port", "management"));
      assertThat(at(c, "readinessProbe", "httpGet"))
          .isEqualTo(Map.of("path", "/actuator/health/readiness", "port", "management"));
      assertThat(at(c, "startupProbe", "httpGet"))
          .isEqualTo(Map.of("path", "/actuator/health/liveness", "port", "management"));
    }

    /**
     * Tokens and link keys reach the pod only as files of Secrets, each mounted read-only with its
     * one key and imported by Spring (spring.config.import), the same in every pod; the ConfigMap
     * carries none. The only Secret the chart renders is the link key it generates when it is given
     * none.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("io.bigfile.deploy.HelmChartTests#valueSets")
    void secretsAreMountedReadOnlyAndNeverInTheConfigMap(String name, List<Path> files) {
      RenderedChart chart = RenderedChart.render(files, Map.of());
      Map<String, Object> security = map(effectiveValues(files), "security");
      Map<String, String> expected = new TreeMap<>();
      if ("token".equals(security.get("mode"))) {
        expected.put(
            SECRETS + "/tokens/tokens.yaml", (String) at(security, "tokens", "existingSecret"));
      }
      String links =
          at(security, "links", "existingSecret") instanceof String secret
              ? secret
              : GENERATED_LINKS_SECRET;
      expected.put(SECRETS + "/links/links.yaml", links);

      Map<String, String> mounted = new TreeMap<>();
      Map<String, Object> container = chart.serverContainer();
      for (Object v : list(chart.serverPod(), "spec", "volumes")) {
        Map<String, Object> volume = map(v);
        if (!volume.containsKey("secret")) {
          continue;
        }
        Map<String, Object> secret = map(volume, "secret");
        assertThat(secret.get("defaultMode")).as("0440").isEqualTo(0440);
        List<Object> items = list(secret, "items");
        assertThat(items).hasSize(1);
        Map<String, Object> mount =
            list(container, "volumeMounts").stream()
                .map(m -> map(m))
                .filter(m -> volume.get("name").equals(m.get("name")))
                .findFirst()
                .orElseThrow();
        assertThat(mount).containsEntry("readOnly", true);
        assertThat(map(items.get(0)).get("path")).isEqualTo(map(items.get(0)).get("key"));
        mounted.put(
            mount.get("mountPath") + "/" + map(items.get(0)).get("path"),
            (String) secret.get("secretName"));
      }
      assertThat(mounted).isEqualTo(expected);

      Map<String, Map<String, Object>> env = env(container);
      if (expected.isEmpty()) {
        assertThat(env).doesNotContainKey("SPRING_CONFIG_IMPORT");
      } else {
        List<String> imports =
            binderOfEnvironment(env, "pod")
                .bind("spring.config.import", Bindable.listOf(String.class))
                .get();
        assertThat(imports)
            .containsExactlyInAnyOrderElementsOf(
                expected.keySet().stream().map(f -> "optional:file:" + f).toList());
      }

      Map<String, Object> settings = new TreeMap<>();
      flatten("", ShippedFiles.yaml(configMapApplicationYaml(chart)), settings);
      assertThat(settings.keySet())
          .noneMatch(k -> k.startsWith("bigfile.security.tokens"))
          .noneMatch(k -> k.startsWith("bigfile.security.links.keys"));
      if (links.equals(GENERATED_LINKS_SECRET)) {
        assertThat(at(chart.one("Secret"), "metadata", "name")).isEqualTo(GENERATED_LINKS_SECRET);
        assertThat(map(chart.one("Secret"), "data")).containsOnlyKeys("links.yaml");
      } else {
        assertThat(chart.has("Secret")).isFalse();
      }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.bigfile.deploy.HelmChartTests#valueSets")
    void thePasswordComesOnlyFromTheExistingSecret(String name, List<Path> files) {
      RenderedChart chart = RenderedChart.render(files, Map.of());
      Map<String, Object> database = map(effectiveValues(files), "database");
      for (Map<String, Object> secret : chart.all("Secret")) {
        assertThat(map(secret, "data")).as("the chart's Secret").containsOnlyKeys("links.yaml");
      }
      assertThat(chart.podSpecs()).hasSizeGreaterThanOrEqualTo(1);
      for (Map<String, Object> pod : chart.podSpecs()) {
        for (Map<String, Object> c : containers(pod)) {
          Map<String, Map<String, Object>> env = env(c);
          assertThat(env.get("SPRING_DATASOURCE_PASSWORD"))
              .isEqualTo(
                  Map.of(
                      "name",
                      "SPRING_DATASOURCE_PASSWORD",
                      "valueFrom",
                      Map.of(
                          "secretKeyRef",
                          Map.of(
                              "name", database.get("existingSecret"),
                              "key", database.get("passwordKey")))));
          assertThat(env.get("SPRING_DATASOURCE_URL")).containsEntry("value", database.get("url"));
          assertThat(env.get("SPRING_DATASOURCE_USERNAME"))
              .containsEntry("value", database.get("username"));
          for (Map<String, Object> var : env.values()) {
            String varName = ((String) var.get("name")).toUpperCase();
            if (varName.contains("PASSWORD") || varName.contains("SECRET")) {
              assertThat(var).as(varName).doesNotContainKey("value");
            }
          }
        }
      }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.bigfile.deploy.HelmChartTests#valueSets")
    void everyPodRunsLockedDown(String name, List<Path> files) {
      RenderedChart chart = RenderedChart.render(files, Map.of());
      for (Map<String, Object> pod : chart.podSpecs()) {
        assertThat(pod).containsEntry("automountServiceAccountToken", false);
        Map<String, Object> podContext = map(pod, "securityContext");
        assertThat(podContext).containsEntry("runAsNonRoot", true);
        assertThat((Integer) podContext.get("runAsUser")).isPositive();
        for (Map<String, Object> c : containers(pod)) {
          Map<String, Object> sc = map(c, "securityContext");
          assertThat(sc)
              .as("%s", c.get("name"))
              .containsEntry("runAsNonRoot", true)
              .containsEntry("allowPrivilegeEscalation", false)
              .containsEntry("readOnlyRootFilesystem", true)
              .containsEntry("privileged", false);
          assertThat(at(sc, "capabilities", "drop")).isEqualTo(List.of("ALL"));
          assertThat(at(sc, "capabilities", "add")).isNull();
        }
      }
    }

    /** The root file system is read-only: whatever the pods write must be an emptyDir. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("io.bigfile.deploy.HelmChartTests#valueSets")
    void everyWritablePathIsAnEmptyDir(String name, List<Path> files) {
      RenderedChart chart = RenderedChart.render(files, Map.of());
      for (Map<String, Object> pod : chart.podSpecs()) {
        Map<String, Map<String, Object>> volumes = new HashMap<>();
        for (Object v : list(pod, "volumes")) {
          volumes.put((String) map(v).get("name"), map(v));
        }
        Set<String> writable = new TreeSet<>();
        for (Map<String, Object> c : containers(pod)) {
          for (Object m : list(c, "volumeMounts")) {
            Map<String, Object> mount = map(m);
            if (!Boolean.TRUE.equals(mount.get("readOnly"))) {
              assertThat(volumes.get((String) mount.get("name")))
                  .as("volume of %s", mount.get("mountPath"))
                  .containsKey("emptyDir");
              writable.add((String) mount.get("mountPath"));
            }
          }
        }
        assertThat(writable).contains("/tmp");
      }
      Map<String, Map<String, Object>> env = env(chart.serverContainer());
      assertThat(
              list(chart.serverContainer(), "volumeMounts").stream()
                  .map(m -> map(m).get("mountPath")))
          .contains(env.get("NARAYANA_LOGDIR").get("value"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.bigfile.deploy.HelmChartTests#valueSets")
    void selectorsFindTheServerPodsOnlyAndTheNetworkPolicyTheJobToo(String name, List<Path> files) {
      RenderedChart chart = RenderedChart.render(files, Map.of());
      Map<String, Object> podLabels = map(chart.serverPod(), "metadata", "labels");
      Map<String, Object> service = chart.service();
      List<Map<String, Object>> selectors = new ArrayList<>();
      for (Map<String, Object> s : chart.all("Service")) {
        // the API's Service, and the metrics Service of the ServiceMonitor
        selectors.add(map(s, "spec", "selector"));
      }
      selectors.add(map(chart.one("Deployment"), "spec", "selector", "matchLabels"));
      for (Map<String, Object> o : chart.all("PodDisruptionBudget")) {
        selectors.add(map(o, "spec", "selector", "matchLabels"));
      }
      for (Map<String, Object> o : chart.all("NetworkPolicy")) {
        // Limits the migration Job's pods too.
        Map<String, Object> policySelector = map(o, "spec", "podSelector", "matchLabels");
        assertThat(podLabels).containsAllEntriesOf(policySelector);
        for (Map<String, Object> job : chart.all("Job")) {
          assertThat(map(job, "spec", "template", "metadata", "labels"))
              .containsAllEntriesOf(policySelector);
        }
      }
      for (Map<String, Object> selector : selectors) {
        assertThat(podLabels).containsAllEntriesOf(selector);
        for (Map<String, Object> job : chart.all("Job")) {
          assertThat(map(job, "spec", "template", "metadata", "labels"))
              .as("the migration Job's pod must not be selected")
              .doesNotContainEntry(
                  "app.kubernetes.io/component", selector.get("app.kubernetes.io/component"));
        }
      }
      Map<String, Object> port = map(service, "spec", "ports", 0);
      assertThat(port).containsEntry("name", "http").containsEntry("targetPort", "http");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.bigfile.deploy.HelmChartTests#valueSets")
    void namesFitKubernetesLimits(String name, List<Path> files) {
      for (Map<String, Object> o : RenderedChart.render(files, Map.of()).objects) {
        assertThat((String) at(o, "metadata", "name")).hasSizeLessThanOrEqualTo(63);
      }
    }
  }

  @Nested
  class Settings {

    /**
     * Every bigfile.* key of the chart is the name of a record component, and the rendered
     * ConfigMap, bound by Spring exactly as the service binds it, yields each value set.
     */
    @Test
    void theConfigMapBindsEachSettingToItsPropertiesRecord() {
      Map<String, ShippedFiles.Settings> records = ShippedFiles.bigfileSettings();
      Binder binder = binderOf(configMapApplicationYaml(RenderedChart.render(SETTINGS)));
      Map<String, Object> settings = map(ShippedFiles.yaml(ShippedFiles.read(SETTINGS)), "bigfile");
      int checked = 0;
      for (Map.Entry<String, Object> group : settings.entrySet()) {
        ShippedFiles.Settings record = records.get(group.getKey());
        assertThat(record).as("bigfile.%s is no properties record", group.getKey()).isNotNull();
        Object bound = binder.bindOrCreate(record.prefix(), record.type());
        Object defaults = new Binder().bindOrCreate(record.prefix(), record.type());
        for (Map.Entry<String, Object> setting : map(group.getValue()).entrySet()) {
          RecordComponent component = record.component(setting.getKey());
          assertThat(component)
              .as(
                  "bigfile.%s.%s is no component of %s",
                  group.getKey(), setting.getKey(), record.type())
              .isNotNull();
          Object expected =
              ApplicationConversionService.getSharedInstance()
                  .convert(setting.getValue(), component.getType());
          assertThat(value(component, defaults))
              .as("ci/settings-values.yaml must differ from the default of %s", setting.getKey())
              .isNotEqualTo(expected);
          assertThat(value(component, bound))
              .as("%s.%s as the service binds it", record.prefix(), setting.getKey())
              .isEqualTo(expected);
          checked++;
        }
      }
      assertThat(checked).isEqualTo(schemaSettings().values().stream().mapToInt(Set::size).sum());
    }

    /**
     * Spring would also bind camelCase keys (relaxed binding), but the ConfigMap spells every key
     * in the canonical form, as the README and the records' documentation name them.
     */
    @Test
    void theConfigMapSpellsEachSettingInSpringsCanonicalForm() {
      Map<String, Object> flat = new TreeMap<>();
      flatten(
          "", ShippedFiles.yaml(configMapApplicationYaml(RenderedChart.render(SETTINGS))), flat);
      Set<String> expected = new TreeSet<>();
      map(ShippedFiles.yaml(ShippedFiles.read(SETTINGS)), "bigfile")
          .forEach(
              (group, settings) ->
                  map(settings)
                      .keySet()
                      .forEach(name -> expected.add("bigfile." + group + "." + kebab(name))));
      // security.*: the Secrets' names stay out, their files are imported
      map(ShippedFiles.yaml(ShippedFiles.read(SETTINGS)), "security")
          .forEach(
              (key, value) -> {
                if (value instanceof Map<?, ?> group) {
                  group.keySet().stream()
                      .filter(k -> !k.equals("existingSecret"))
                      .forEach(
                          k -> expected.add("bigfile.security." + key + "." + kebab((String) k)));
                } else {
                  expected.add("bigfile.security." + kebab(key));
                }
              });
      expected.remove("bigfile.security.tokens");
      // drainPeriod, a value of its own, always stated
      expected.add("bigfile.replicas.drain-period");
      expected.add("management.server.port");
      assertThat(flat.keySet()).isEqualTo(expected);
      assertThat(flat.keySet()).allMatch(ConfigurationPropertyName::isValid);
    }

    private static String kebab(String camel) {
      return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase();
    }

    /**
     * The chart's defaults with the least choice: the mode, the drain period (which the pods' grace
     * period is sized for, so the chart states it), and the actuator on its own port.
     */
    @Test
    void withOnlyTheChoiceTheConfigMapLeavesEveryOtherDefault() {
      String yaml = configMapApplicationYaml(RenderedChart.defaults());
      assertThat(ShippedFiles.yaml(yaml))
          .isEqualTo(
              Map.of(
                  "bigfile",
                  Map.of(
                      "security",
                      Map.of("mode", "token"),
                      "replicas",
                      Map.of("drain-period", "2m")),
                  "management",
                  Map.of("server", Map.of("port", 9090))));
    }

    /**
     * The security values reach the ConfigMap under the names the service binds, and the service's
     * records (SecurityProperties, LinksProperties, CorsProperties, AuditProperties) bind them,
     * with the settings of the Secrets beside them, as the service does at start (a record refuses
     * what it cannot accept); ci/ sets every one of them, in one value set or another.
     */
    @Test
    void theSecuritySettingsBindAsTheServiceReadsThem() {
      // oauth2-values.yaml: the Secret's links.yaml holds the keys k2025 and k2026
      Binder oauth2 =
          binderOf(
              configMapApplicationYaml(RenderedChart.render(OAUTH2)),
              Map.of(
                  "bigfile.security.links.keys.k2025", LINK_KEY,
                  "bigfile.security.links.keys.k2026", LINK_KEY));
      SecurityProperties security = oauth2.bind("bigfile.security", SecurityProperties.class).get();
      assertThat(security.mode()).isEqualTo(SecurityProperties.Mode.OAUTH2);
      assertThat(security.audiences()).containsExactly("bigfile", "https://files.example.com");
      assertThat(security.clockSkew()).isEqualTo(Duration.ofSeconds(30));
      assertThat(security.tokens()).isEmpty();
      assertThat(
              oauth2
                  .bind("spring.security.oauth2.resourceserver.jwt.jwk-set-uri", String.class)
                  .get())
          .isEqualTo("https://login.example.com/realms/files/protocol/openid-connect/certs");
      assertThat(
              oauth2
                  .bind("spring.security.oauth2.resourceserver.jwt.issuer-uri", String.class)
                  .isBound())
          .isFalse();
      LinksProperties links = oauth2.bind("bigfile.security.links", LinksProperties.class).get();
      assertThat(links.signingKey()).isEqualTo("k2026");
      assertThat(links.keys()).containsOnlyKeys("k2025", "k2026");
      assertThat(links.maxExpiresIn()).isEqualTo(Duration.ofDays(1));

      Binder production = binderOf(configMapApplicationYaml(RenderedChart.render(PRODUCTION)));
      assertThat(
              production
                  .bind("spring.security.oauth2.resourceserver.jwt.issuer-uri", String.class)
                  .get())
          .isEqualTo("https://login.example.com/realms/files");

      // settings-values.yaml: the Secret's tokens.yaml holds a token, its links.yaml the key k1
      Binder token =
          binderOf(
              configMapApplicationYaml(RenderedChart.render(SETTINGS)),
              Map.of(
                  "bigfile.security.tokens[0].subject", "backup",
                  "bigfile.security.tokens[0].token", "0123456789abcdef0123456789abcdef",
                  "bigfile.security.tokens[0].scopes", "files.read,files.write",
                  "bigfile.security.links.keys.k1", LINK_KEY));
      SecurityProperties tokenMode = token.bind("bigfile.security", SecurityProperties.class).get();
      assertThat(tokenMode.mode()).isEqualTo(SecurityProperties.Mode.TOKEN);
      assertThat(tokenMode.tokens())
          .extracting(SecurityProperties.Token::subject)
          .containsExactly("backup");
      CorsProperties cors = token.bind("bigfile.security.cors", CorsProperties.class).get();
      assertThat(cors.allowedOrigins())
          .containsExactly("https://app.example.com", "http://localhost:3000");
      assertThat(cors.maxAge()).isEqualTo(Duration.ofMinutes(10));
      assertThat(token.bind("bigfile.security.audit", AuditProperties.class).get().reads())
          .isTrue();
      LinksProperties tokenLinks =
          token.bind("bigfile.security.links", LinksProperties.class).get();
      assertThat(tokenLinks.signingKey()).isEqualTo("k1");
      assertThat(tokenLinks.maxExpiresIn()).isEqualTo(Duration.ofHours(12));
      assertThat(
              token.bind("spring.security", Bindable.mapOf(String.class, Object.class)).isBound())
          .isFalse();

      Set<String> rendered = new TreeSet<>();
      valueSets()
          .forEach(
              a -> {
                @SuppressWarnings("unchecked")
                List<Path> files = (List<Path>) a.get()[1];
                Map<String, Object> flat = new TreeMap<>();
                flatten(
                    "",
                    ShippedFiles.yaml(
                        configMapApplicationYaml(RenderedChart.render(files, Map.of()))),
                    flat);
                flat.keySet().stream()
                    .filter(k -> k.startsWith("bigfile.security."))
                    .forEach(rendered::add);
              });
      assertThat(rendered).isEqualTo(SECURITY_SETTINGS);
      assertComponentsOfTheServicesRecords(SECURITY_SETTINGS);
    }

    /**
     * Each of {@code keys} is a component of the service's properties records of bigfile.security.*
     * (of the record with the longest prefix: LinksProperties for links.*, CorsProperties for
     * cors.*, AuditProperties for audit.*).
     */
    private static void assertComponentsOfTheServicesRecords(Set<String> keys) {
      Map<String, ShippedFiles.Settings> records = securityRecords();
      assertThat(records.keySet())
          .containsExactlyInAnyOrder(
              "security", "security.links", "security.cors", "security.audit");
      for (String key : keys) {
        ShippedFiles.Settings record =
            records.values().stream()
                .filter(r -> key.startsWith(r.prefix() + "."))
                .max(Comparator.comparingInt(r -> r.prefix().length()))
                .orElse(null);
        assertThat(record).as("a record binding %s", key).isNotNull();
        Class<?> type = record.type();
        for (String part : key.substring(record.prefix().length() + 1).split("\\.")) {
          String component = camel(part);
          RecordComponent found =
              type.isRecord()
                  ? Arrays.stream(type.getRecordComponents())
                      .filter(c -> c.getName().equals(component))
                      .findFirst()
                      .orElse(null)
                  : null;
          assertThat(found).as("%s: no component %s of %s", key, component, type).isNotNull();
          type = found.getType();
        }
      }
    }

    static String camel(String kebab) {
      Matcher m = Pattern.compile("-([a-z0-9])").matcher(kebab);
      StringBuilder sb = new StringBuilder();
      while (m.find()) {
        m.appendReplacement(sb, m.group(1).toUpperCase());
      }
      m.appendTail(sb);
      return sb.toString();
    }

    @Test
    void changedSettingsRollThePods() {
      assertThat(
              at(
                  RenderedChart.defaults().serverPod(),
                  "metadata",
                  "annotations",
                  "checksum/config"))
          .isNotEqualTo(
              at(
                  RenderedChart.render(SETTINGS).serverPod(),
                  "metadata",
                  "annotations",
                  "checksum/config"));
    }

    /**
     * The schema names every setting of every bigfile.* record and nothing else; bigfile.embedded
     * (a local database) has no place in a cluster. bigfile.security.* has values of their own,
     * under security: each setting of its records is one of them (the same name in camelCase), or
     * left out on purpose ({@link #SECURITY_SETTINGS_LEFT_OUT}: secrets, and paths the image sets);
     * besides them, security has Spring's issuer and the Secrets' names ({@link
     * #SECURITY_VALUES_OF_THE_CHART}).
     */
    @Test
    void theSchemaNamesExactlyTheRecordsSettings() {
      Map<String, Set<String>> fromRecords = new TreeMap<>();
      ShippedFiles.bigfileSettings()
          .forEach((group, s) -> fromRecords.put(group, new TreeSet<>(s.names())));
      assertThat(fromRecords.remove("embedded")).isNotNull();
      fromRecords.keySet().removeIf(HelmChartTests::isSecurityGroup);
      removeSettingsOfOtherValues(fromRecords);
      assertThat(schemaSettings()).isEqualTo(fromRecords);

      Set<String> securityValues = new TreeSet<>();
      schemaLeaves("", map(schema(), "properties", "security"), securityValues);
      assertThat(securityValues).containsAll(SECURITY_VALUES_OF_THE_CHART.keySet());
      securityValues.removeAll(SECURITY_VALUES_OF_THE_CHART.keySet());
      Set<String> fromSchema = new TreeSet<>();
      securityValues.forEach(v -> fromSchema.add("bigfile.security." + kebabPath(v)));
      assertThat(fromSchema).isEqualTo(SECURITY_SETTINGS);
      Set<String> expected = new TreeSet<>(fromSchema);
      expected.addAll(SECURITY_SETTINGS_LEFT_OUT.keySet());
      assertThat(securitySettingsOfTheRecords()).isEqualTo(expected);
      assertThat(fromSchema).doesNotContainAnyElementsOf(SECURITY_SETTINGS_LEFT_OUT.keySet());
    }

    /**
     * The values under {@code security} of the schema, as dotted paths of their names: an object
     * with properties of its own is a group, anything else a value.
     */
    private static void schemaLeaves(String prefix, Map<String, Object> node, Set<String> out) {
      map(node, "properties")
          .forEach(
              (name, child) -> {
                String path = prefix.isEmpty() ? name : prefix + "." + name;
                if (map(child).get("properties") instanceof Map<?, ?>) {
                  schemaLeaves(path, map(child), out);
                } else {
                  out.add(path);
                }
              });
    }

    /** Every bigfile.security.* setting of the service's records, in kebab case. */
    private static Set<String> securitySettingsOfTheRecords() {
      Set<String> out = new TreeSet<>();
      securityRecords()
          .values()
          .forEach(r -> r.names().forEach(n -> out.add(r.prefix() + "." + kebab(n))));
      return out;
    }

    private static Map<String, ShippedFiles.Settings> securityRecords() {
      Map<String, ShippedFiles.Settings> records = new TreeMap<>(ShippedFiles.bigfileSettings());
      records.keySet().removeIf(g -> !isSecurityGroup(g));
      return records;
    }

    private static String kebabPath(String dotted) {
      return Arrays.stream(dotted.split("\\."))
          .map(Settings::kebab)
          .collect(Collectors.joining("."));
    }

    /** values.yaml documents each setting with the record's own default. */
    @Test
    void valuesYamlDocumentsEverySettingWithItsDefault() {
      Map<String, Map<String, String>> documented = new TreeMap<>();
      String group = null;
      boolean inBigfile = false;
      Pattern groupLine = Pattern.compile("^  (\\w+): \\{}$");
      Pattern settingLine = Pattern.compile("^    # (\\w+): (\\S+)");
      for (String line : chartFile("values.yaml").split("\n")) {
        if (!line.startsWith(" ") && !line.startsWith("#")) {
          inBigfile = line.equals("bigfile:");
          continue;
        }
        Matcher g = groupLine.matcher(line);
        Matcher s = settingLine.matcher(line);
        if (inBigfile && g.find()) {
          group = g.group(1);
          documented.put(group, new TreeMap<>());
        } else if (inBigfile && group != null && s.find()) {
          documented.get(group).put(s.group(1), s.group(2));
        }
      }
      Map<String, Map<String, String>> fromRecords = new TreeMap<>();
      ShippedFiles.bigfileSettings()
          .forEach((g, s) -> fromRecords.put(g, new TreeMap<>(s.defaults())));
      fromRecords.remove("embedded");
      fromRecords.keySet().removeIf(HelmChartTests::isSecurityGroup);
      Map<String, Set<String>> names = new TreeMap<>();
      fromRecords.forEach((g, d) -> names.put(g, d.keySet()));
      removeSettingsOfOtherValues(names);
      fromRecords.keySet().retainAll(names.keySet());
      assertThat(documented).isEqualTo(fromRecords);
    }

    /**
     * The comment under {@code security:} in values.yaml names every value of security; each that
     * is a setting with a default in its record shows that default (as a value of the setting's
     * type: 7d is P7D), but the mode, which the chart requires (there is no default), and those
     * without a default show an example.
     */
    @Test
    void valuesYamlDocumentsEverySecurityValueWithItsDefault() {
      Set<String> values = new TreeSet<>();
      schemaLeaves("", map(schema(), "properties", "security"), values);
      Set<String> groups = new TreeSet<>();
      values.stream().filter(v -> v.contains(".")).forEach(v -> groups.add(v.split("\\.")[0]));
      // "  # name: value  comment" at the top, "  #   name: value  comment" in a group
      Pattern valueLine = Pattern.compile("^  # ( {2})?(\\w+):(?: +(\\S+))?");
      Map<String, String> documented = new TreeMap<>();
      boolean inSecurity = false;
      String group = null;
      for (String line : chartFile("values.yaml").split("\n")) {
        if (!line.startsWith(" ") && !line.startsWith("#")) {
          inSecurity = line.equals("security: {}");
          continue;
        }
        Matcher v = valueLine.matcher(line);
        if (!inSecurity || !v.find()) {
          continue;
        }
        if (v.group(1) == null) {
          group = groups.contains(v.group(2)) ? v.group(2) : null;
          if (group == null) {
            documented.put(v.group(2), v.group(3));
          }
        } else if (group != null) {
          documented.put(group + "." + v.group(2), v.group(3));
        }
      }
      assertThat(documented.keySet()).isEqualTo(values);
      assertThat(documented).doesNotContainValue(null);

      Map<String, ShippedFiles.Settings> records = securityRecords();
      for (Map.Entry<String, String> d : documented.entrySet()) {
        if (SECURITY_VALUES_OF_THE_CHART.containsKey(d.getKey()) || d.getKey().equals("mode")) {
          continue;
        }
        String setting = "bigfile.security." + kebabPath(d.getKey());
        ShippedFiles.Settings record =
            records.values().stream()
                .filter(r -> setting.startsWith(r.prefix() + "."))
                .max(Comparator.comparingInt(r -> r.prefix().length()))
                .orElseThrow();
        String name = camel(setting.substring(record.prefix().length() + 1));
        String defaultValue = record.defaults().get(name);
        if (defaultValue == null) {
          continue;
        }
        Class<?> type = record.component(name).getType();
        assertThat(ApplicationConversionService.getSharedInstance().convert(d.getValue(), type))
            .as("security.%s in values.yaml shows the default of %s", d.getKey(), setting)
            .isEqualTo(
                ApplicationConversionService.getSharedInstance().convert(defaultValue, type));
      }
    }

    @Test
    void theFormatsAreTheServicesWriteFormats() {
      assertThat(
              list(
                  schema(),
                  "properties",
                  "bigfile",
                  "properties",
                  "files",
                  "properties",
                  "defaultFormat",
                  "enum"))
          .containsExactlyInAnyOrderElementsOf(
              Stream.of(WriteFormat.values()).map(WriteFormat::externalName).toList());
    }

    @Test
    void theBlockSizesAreExactlyThoseTheServiceAccepts() {
      Set<Long> accepted = new TreeSet<>();
      for (Object size : list(schema(), "definitions", "blockSize", "enum")) {
        long bytes = size instanceof Integer i ? i : DataSize.parse((String) size).toBytes();
        assertThat(EngineSettings.validBlockSize(bytes)).as("%s", size).isTrue();
        accepted.add(bytes);
      }
      Set<Long> valid = new TreeSet<>();
      for (int shift = 0; shift < 40; shift++) {
        if (EngineSettings.validBlockSize(1L << shift)) {
          valid.add(1L << shift);
        }
      }
      assertThat(accepted).isEqualTo(valid);
    }

    /** Groups and setting names under bigfile in values.schema.json. */
    private Map<String, Set<String>> schemaSettings() {
      Map<String, Set<String>> out = new TreeMap<>();
      map(schema(), "properties", "bigfile", "properties")
          .forEach((group, s) -> out.put(group, new TreeSet<>(map(s, "properties").keySet())));
      return out;
    }

    private static Object value(RecordComponent component, Object record) {
      try {
        return component.getAccessor().invoke(record);
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  @Nested
  class Schema {

    static Stream<Arguments> badValues() {
      return Stream.of(
          Arguments.of("replicaCount", "two", "/replicaCount"),
          Arguments.of("replicaCount", -1, "/replicaCount"),
          Arguments.of("bigfile.files.defaultFormat", "zip", "/bigfile/files/defaultFormat"),
          Arguments.of("bigfile.files.defaultBlockSize", "3MB", "/bigfile/files/defaultBlockSize"),
          Arguments.of("bigfile.files.defaultBlockSize", "32MB", "/bigfile/files/defaultBlockSize"),
          Arguments.of("bigfile.files.maxSize", "-1GB", "/bigfile/files/maxSize"),
          Arguments.of("bigfile.cache.maxSize", -5, "/bigfile/cache/maxSize"),
          Arguments.of("bigfile.cache.readAhead", "32 MB", "/bigfile/cache/readAhead"),
          Arguments.of("bigfile.cache.maxSize", "automatic", "/bigfile/cache/maxSize"),
          Arguments.of(
              "bigfile.transactions.idleTimeout", "5 minutes", "/bigfile/transactions/idleTimeout"),
          Arguments.of(
              "bigfile.transactions.idleTimeout", "-5m", "/bigfile/transactions/idleTimeout"),
          Arguments.of(
              "bigfile.transactions.idleTimeOut", "5m", "additional properties 'idleTimeOut'"),
          Arguments.of("bigfile.embedded.dataDir", "/data", "additional properties 'embedded'"),
          Arguments.of("bigfile.history.retention", 3600, "/bigfile/history/retention"),
          Arguments.of("bigfile.ranges.maxRanges", 0, "/bigfile/ranges/maxRanges"),
          Arguments.of("bigfile.ranges.maxOverlapping", "two", "/bigfile/ranges/maxOverlapping"),
          Arguments.of("bigfile.cache.prefetchThreads", 0, "/bigfile/cache/prefetchThreads"),
          Arguments.of(
              "bigfile.database.writeConnections", 0, "/bigfile/database/writeConnections"),
          Arguments.of("bigfile.database.headRefresh", 2, "/bigfile/database/headRefresh"),
          Arguments.of(
              "bigfile.database.maxConnections", 40, "additional properties 'maxConnections'"),
          Arguments.of("database.password", "hunter2", "additional properties 'password'"),
          Arguments.of("database.url", "", "/database/url"),
          Arguments.of("database.url", "postgres://db/bigfile", "/database/url"),
          Arguments.of("database.existingSecret", "", "/database/existingSecret"),
          Arguments.of("image.pullPolicy", "Sometimes", "/image/pullPolicy"),
          Arguments.of("service.port", 0, "/service/port"),
          Arguments.of("podSecurityContext.runAsUser", 0, "/podSecurityContext/runAsUser"),
          Arguments.of("networkPolicy.egress.enabled", true, "/networkPolicy/egress/databaseTo"),
          Arguments.of("replicas", 2, "additional properties 'replicas'"),
          Arguments.of(
              "allowMultipleReplicas", true, "additional properties 'allowMultipleReplicas'"),
          Arguments.of("drainPeriod", "2 minutes", "/drainPeriod"),
          Arguments.of("drainPeriod", "PT2M", "/drainPeriod"),
          Arguments.of("drainPeriod", "-2m", "/drainPeriod"),
          Arguments.of("standbys[0]", "postgres://standby/bigfile", "/standbys/0"),
          Arguments.of("terminationGracePeriodSeconds", -1, "/terminationGracePeriodSeconds"),
          Arguments.of("security.mode", "basic", "/security/mode"),
          Arguments.of("security.tokens.existingSecret", "", "/security/tokens/existingSecret"),
          Arguments.of(
              "security.tokens.existingSecret",
              "Bigfile_Tokens",
              "/security/tokens/existingSecret"),
          // no value may carry a token or a key: they come from Secrets only
          Arguments.of("security.tokens.token", "s3cret", "additional properties 'token'"),
          Arguments.of("security.links.keys.k1", "c2VjcmV0", "additional properties 'keys'"),
          Arguments.of("security.links.signingKey", "k1", "'existingSecret' required"),
          Arguments.of("security.links.maxExpiresIn", "7 days", "/security/links/maxExpiresIn"),
          Arguments.of(
              "security.cors.allowedOrigins[0]",
              "https://app.example.com/",
              "/security/cors/allowedOrigins/0"),
          Arguments.of("security.cors.allowedOrigins[0]", "*", "/security/cors/allowedOrigins/0"),
          Arguments.of("security.cors.maxAge", "an hour", "/security/cors/maxAge"),
          Arguments.of("security.audit.reads", "always", "/security/audit/reads"),
          Arguments.of("security.password", "hunter2", "additional properties 'password'"),
          Arguments.of("management.port", 0, "/management/port"));
    }

    /** The chart has no mode of its own: a release must choose one. */
    @Test
    void requiresAChoiceOfMode() {
      assertThat(list(schema(), "required")).contains("security");
      assertThat(map(schema(), "properties", "security").get("required"))
          .isEqualTo(List.of("mode"));
      assertThat(list(schema(), "properties", "security", "properties", "mode", "enum"))
          .containsExactlyInAnyOrder("token", "oauth2", "none");
      assertThat(map(ShippedFiles.yaml(chartFile("values.yaml")), "security"))
          .doesNotContainKey("mode");
      assertThat(RenderedChart.failure(List.of(), Map.of()))
          .contains("values don't meet the specifications of the schema")
          .contains("at '/security': missing property 'mode'");
    }

    @Test
    void oauth2RequiresAnIssuerOrItsKeysAndAnAudience() {
      assertThat(
              RenderedChart.failure(
                  List.of(), Map.of("security.mode", "oauth2", "security.audiences[0]", "bigfile")))
          .contains("missing property 'issuerUri'")
          .contains("missing property 'jwkSetUri'");
      assertThat(
              RenderedChart.failure(
                  List.of(),
                  Map.of(
                      "security.mode",
                      "oauth2",
                      "security.issuerUri",
                      "https://login.example.com/realms/files")))
          .contains("missing property 'audiences'");
      assertThat(
              RenderedChart.failure(
                  List.of(),
                  Map.of(
                      "security.mode",
                      "oauth2",
                      "security.issuerUri",
                      "https://login.example.com/realms/files",
                      "security.audiences",
                      "{}")))
          .contains("/security/audiences");
      assertThat(
              RenderedChart.failure(
                  List.of(),
                  Map.of(
                      "security.mode",
                      "oauth2",
                      "security.issuerUri",
                      "login.example.com",
                      "security.audiences[0]",
                      "bigfile")))
          .contains("/security/issuerUri");
      for (String key : List.of("security.issuerUri", "security.jwkSetUri")) {
        RenderedChart chart =
            RenderedChart.render(
                List.of(),
                Map.of(
                    "security.mode",
                    "oauth2",
                    key,
                    "https://login.example.com/keys",
                    "security.audiences[0]",
                    "bigfile"));
        assertThat(at(ShippedFiles.yaml(configMapApplicationYaml(chart)), "bigfile", "security"))
            .isEqualTo(Map.of("mode", "oauth2", "audiences", List.of("bigfile")));
      }
    }

    @Test
    void tokenRequiresTheSecretOfTheTokens() {
      assertThat(RenderedChart.failure(List.of(), Map.of("security.mode", "token")))
          .contains("at '/security': missing property 'tokens'");
      assertThat(
              RenderedChart.failure(
                  List.of(), Map.of("security.mode", "token", "security.tokens.other", "x")))
          .contains("missing property 'existingSecret'");
    }

    /** Settings of another mode are refused, not ignored: they would mislead whoever set them. */
    @Test
    void settingsOfAnotherModeAreRefused() {
      assertThat(
              RenderedChart.failure(
                  List.of(TOKEN), Map.of("security.issuerUri", "https://login.example.com")))
          .contains("security.issuerUri is set but security.mode is token")
          .contains("apply to mode oauth2 only");
      assertThat(RenderedChart.failure(List.of(NO_JOB), Map.of("security.audiences[0]", "bigfile")))
          .contains("security.audiences is set but security.mode is none");
      assertThat(
              RenderedChart.failure(
                  List.of(OAUTH2), Map.of("security.tokens.existingSecret", "bigfile-tokens")))
          .contains("security.tokens is set but security.mode is oauth2");
    }

    /**
     * No authentication only when asked for by name; then no token Secret is mounted either, only
     * the keys of signed links, which work in every mode.
     */
    @Test
    void noneIsAcceptedOnlyWhenChosen() {
      RenderedChart chart = RenderedChart.render(List.of(), Map.of("security.mode", "none"));
      assertThat(at(ShippedFiles.yaml(configMapApplicationYaml(chart)), "bigfile", "security"))
          .isEqualTo(Map.of("mode", "none"));
      assertThat(env(chart.serverContainer()).get("SPRING_CONFIG_IMPORT"))
          .containsEntry("value", "optional:file:" + SECRETS + "/links/links.yaml");
      assertThat(list(chart.serverPod(), "spec", "volumes"))
          .filteredOn(v -> map(v).containsKey("secret"))
          .extracting(v -> at(v, "secret", "secretName"))
          .containsExactly(GENERATED_LINKS_SECRET);
    }

    @ParameterizedTest(name = "{0}={1}")
    @MethodSource("badValues")
    void rejectsBadValues(String key, Object value, String where) {
      assertThat(RenderedChart.failure(Map.of(key, value)))
          .contains("values don't meet the specifications of the schema")
          .contains(where);
    }

    @Test
    void requiresTheDatabase() {
      assertThat(map(schema(), "properties", "database").get("required"))
          .isEqualTo(List.of("url", "username", "existingSecret", "passwordKey"));
      assertThat(list(schema(), "required")).contains("database");
    }

    @Test
    void acceptsSizesAndDurationsInEverySpellingSpringReads() {
      RenderedChart chart =
          RenderedChart.render(
              Map.of(
                  "bigfile.cache.maxSize", 1048576,
                  "bigfile.cache.readAhead", "1024KB",
                  "bigfile.transactions.maxDirtyTotal", "auto",
                  "bigfile.transactions.idleTimeout", "PT1H30M",
                  "bigfile.transactions.commitTimeout", "P1DT2H",
                  "bigfile.history.packInterval", "1500ms",
                  "bigfile.files.defaultBlockSize", 16777216));
      Binder binder = binderOf(configMapApplicationYaml(chart));
      assertThat(binder.bind("bigfile.cache.max-size", DataSize.class).get())
          .isEqualTo(DataSize.ofMegabytes(1));
      assertThat(
              binder
                  .bindOrCreate("bigfile.transactions", TransactionsProperties.class)
                  .maxDirtyTotal()
                  .isAuto())
          .isTrue();
      assertThat(binder.bind("bigfile.transactions.commit-timeout", Duration.class).get())
          .isEqualTo(Duration.ofHours(26));
      assertThat(binder.bind("bigfile.history.pack-interval", Duration.class).get())
          .isEqualTo(Duration.ofMillis(1500));
    }
  }

  @Nested
  class Replicas {

    @Test
    void byDefaultTwoReplicasOfWhichADisruptionTakesOneAtATime() {
      RenderedChart chart = RenderedChart.defaults();
      assertThat(at(chart.one("Deployment"), "spec", "replicas")).isEqualTo(2);
      assertThat(chart.has("HorizontalPodAutoscaler")).isFalse();
      Map<String, Object> pdb = chart.one("PodDisruptionBudget");
      assertThat(map(pdb, "spec"))
          .containsEntry("maxUnavailable", 1)
          .doesNotContainKey("minAvailable");
      assertThat(map(pdb, "spec", "selector", "matchLabels"))
          .isEqualTo(map(chart.one("Deployment"), "spec", "selector", "matchLabels"));
      // The Service spreads requests over the replicas: none is tied to a client.
      assertThat(at(chart.service(), "spec", "sessionAffinity")).isEqualTo("None");
    }

    @Test
    void moreReplicasAreAValueLikeAnyOther() {
      RenderedChart chart = RenderedChart.render(Map.of("replicaCount", 5));
      assertThat(at(chart.one("Deployment"), "spec", "replicas")).isEqualTo(5);
      assertThat(RenderedChart.render(NO_JOB).one("PodDisruptionBudget")).isNotNull();
    }

    /**
     * The autoscaler, off by default, renders with the chart's own bounds (more than one replica)
     * and owns the replica count; the pods request CPU, which its utilisation target is a share of.
     */
    @Test
    void theAutoscalerScalesTheDeploymentBeyondOneReplica() {
      RenderedChart chart = RenderedChart.render(Map.of("autoscaling.enabled", true));
      Map<String, Object> hpa = chart.one("HorizontalPodAutoscaler");
      assertThat(map(chart.one("Deployment"), "spec")).doesNotContainKey("replicas");
      assertThat((Integer) at(hpa, "spec", "minReplicas")).isGreaterThan(1);
      assertThat((Integer) at(hpa, "spec", "maxReplicas"))
          .isGreaterThan((Integer) at(hpa, "spec", "minReplicas"));
      assertThat(at(hpa, "spec", "scaleTargetRef"))
          .isEqualTo(
              Map.of("apiVersion", "apps/v1", "kind", "Deployment", "name", deploymentName(chart)));
      assertThat(at(hpa, "spec", "metrics", 0, "resource", "name")).isEqualTo("cpu");
      assertThat(at(chart.serverContainer(), "resources", "requests", "cpu")).isNotNull();

      RenderedChart values = RenderedChart.render(AUTOSCALING);
      Map<String, Object> scaled = values.one("HorizontalPodAutoscaler");
      assertThat(map(scaled, "spec"))
          .containsEntry("minReplicas", 3)
          .containsEntry("maxReplicas", 6);
      assertThat(at(scaled, "spec", "metrics", 0, "resource", "target", "averageUtilization"))
          .isEqualTo(70);
      assertThat(map(values.one("PodDisruptionBudget"), "spec"))
          .containsEntry("minAvailable", 2)
          .doesNotContainKey("maxUnavailable");
    }

    @Test
    void scalingValuesThatContradictEachOtherAreRefused() {
      assertThat(
              RenderedChart.failure(
                  Map.of(
                      "autoscaling.enabled",
                      true,
                      "autoscaling.minReplicas",
                      5,
                      "autoscaling.maxReplicas",
                      3)))
          .contains("autoscaling.minReplicas=5 is more than autoscaling.maxReplicas=3");
      // No pod could ever be evicted: every node drain would wait forever.
      assertThat(RenderedChart.failure(Map.of("podDisruptionBudget.minAvailable", 2)))
          .contains("podDisruptionBudget.minAvailable=2 refused")
          .contains("every node drain would wait forever");
      assertThat(
              RenderedChart.failure(
                  Map.of("autoscaling.enabled", true, "podDisruptionBudget.minAvailable", 2)))
          .contains("podDisruptionBudget.minAvailable=2 refused");
      assertThat(
              map(
                  RenderedChart.render(
                          Map.of("replicaCount", 3, "podDisruptionBudget.minAvailable", 2))
                      .one("PodDisruptionBudget"),
                  "spec"))
          .containsEntry("minAvailable", 2);
    }

    /**
     * Other replicas reach a pod at its IP on the HTTP port: the downward API gives the IP, the
     * kubelet puts it into the service's advertised address, and the service's port is the one the
     * container exposes (the advertised address's port defaults to server.port).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("io.bigfile.deploy.HelmChartTests#valueSets")
    void eachPodAdvertisesItsIpToTheOtherReplicas(String name, List<Path> files) {
      RenderedChart chart = RenderedChart.render(files, Map.of());
      Map<String, Map<String, Object>> env = env(chart.serverContainer());
      assertThat(env.get("POD_IP"))
          .isEqualTo(
              Map.of(
                  "name",
                  "POD_IP",
                  "valueFrom",
                  Map.of("fieldRef", Map.of("fieldPath", "status.podIP"))));
      assertThat(env.get("BIGFILE_REPLICAS_ADVERTISED_ADDRESS"))
          .containsEntry("value", "$(POD_IP)");
      List<String> names = List.copyOf(env.keySet());
      assertThat(names.indexOf("POD_IP"))
          .as("the kubelet expands $(POD_IP) only from a variable defined before")
          .isLessThan(names.indexOf("BIGFILE_REPLICAS_ADVERTISED_ADDRESS"));
      assertThat(
              binderOfEnvironment(env, "pod")
                  .bind("bigfile.replicas.advertised-address", String.class)
                  .get())
          .isEqualTo(POD_IP);
      assertThat(map(chart.serverContainer(), "ports", 0))
          .containsEntry("name", "http")
          .containsEntry("containerPort", ShippedFiles.serverPort());
    }

    /**
     * A stopping replica serves its open transactions for the drain period, then the requests in
     * flight for Spring's shutdown phase: the pod's grace period covers both, derived from the
     * drain period unless set, and a grace period that does not is refused.
     */
    @Test
    void theDrainPeriodReachesTheServiceAndSizesTheGracePeriod() {
      Duration phase =
          ApplicationConversionService.getSharedInstance()
              .convert(
                  at(
                      ShippedFiles.applicationYaml(),
                      "spring",
                      "lifecycle",
                      "timeout-per-shutdown-phase"),
                  Duration.class);
      for (Map.Entry<Map<String, Object>, Duration> c :
          Map.of(
                  Map.<String, Object>of(),
                  Duration.ofMinutes(2),
                  Map.<String, Object>of("drainPeriod", "10m"),
                  Duration.ofMinutes(10),
                  Map.<String, Object>of("drainPeriod", "90s"),
                  Duration.ofSeconds(90),
                  Map.<String, Object>of("drainPeriod", "1h"),
                  Duration.ofHours(1))
              .entrySet()) {
        RenderedChart chart = RenderedChart.render(c.getKey());
        Duration drain =
            binderOf(configMapApplicationYaml(chart))
                .bind("bigfile.replicas.drain-period", Duration.class)
                .get();
        assertThat(drain).as("%s", c.getKey()).isEqualTo(c.getValue());
        long grace =
            ((Number) at(chart.serverPod(), "spec", "terminationGracePeriodSeconds")).longValue();
        assertThat(grace).as("%s", c.getKey()).isGreaterThan(drain.plus(phase).toSeconds());
        assertThat(grace).isEqualTo(5 + drain.toSeconds() + 45);
        assertThat(at(chart.serverContainer(), "lifecycle", "preStop", "exec", "command"))
            .as("the pod leaves the Service before SIGTERM")
            .isEqualTo(List.of("sleep", "5"));
      }
      assertThat(
              at(
                  RenderedChart.render(Map.of("preStopSleepSeconds", 0)).serverPod(),
                  "spec",
                  "terminationGracePeriodSeconds"))
          .isEqualTo(165);

      RenderedChart set = RenderedChart.render(AUTOSCALING);
      assertThat(at(set.serverPod(), "spec", "terminationGracePeriodSeconds")).isEqualTo(660);
      assertThat(
              binderOf(configMapApplicationYaml(set))
                  .bind("bigfile.replicas.drain-period", Duration.class)
                  .get())
          .isEqualTo(Duration.ofMinutes(10));
      assertThat(RenderedChart.failure(Map.of("terminationGracePeriodSeconds", 155)))
          .contains("terminationGracePeriodSeconds=155 refused")
          .contains("drainPeriod (2m)")
          .contains("more than 155 s");
      assertThat(RenderedChart.render(Map.of("terminationGracePeriodSeconds", 156)).serverPod())
          .isNotNull();
    }

    @Test
    void theStandbysReachTheServiceAsItsListOfUrls() {
      List<String> urls =
          List.of(
              "jdbc:postgresql://pg-standby-0.db:5432/bigfile",
              "jdbc:postgresql://pg-standby-1.db:5432/bigfile?sslmode=require");
      RenderedChart chart =
          RenderedChart.render(Map.of("standbys[0]", urls.get(0), "standbys[1]", urls.get(1)));
      assertThat(
              binderOf(configMapApplicationYaml(chart))
                  .bind("bigfile.standbys", Bindable.listOf(String.class))
                  .get())
          .isEqualTo(urls);
      assertThat(
              binderOf(configMapApplicationYaml(RenderedChart.render(AUTOSCALING)))
                  .bind("bigfile.standbys", Bindable.listOf(String.class))
                  .get())
          .hasSize(2);
      assertThat(
              binderOf(configMapApplicationYaml(RenderedChart.defaults()))
                  .bind("bigfile.standbys", Bindable.listOf(String.class))
                  .isBound())
          .isFalse();
    }

    /**
     * Whoever may reach the API, the release's server pods reach each other's HTTP port (a replica
     * forwards a transaction's requests to the one that began it), and with egress restricted they
     * may also send there.
     */
    @Test
    void theNetworkPolicyLetsTheReplicasReachEachOther() {
      RenderedChart chart = RenderedChart.render(PRODUCTION);
      Map<String, Object> policy = chart.one("NetworkPolicy");
      Map<String, Object> podLabels = map(chart.serverPod(), "metadata", "labels");
      Map<String, Object> server = map(chart.one("Deployment"), "spec", "selector", "matchLabels");
      Map<String, Object> peers =
          list(policy, "spec", "ingress").stream()
              .map(r -> map(r))
              .filter(
                  r ->
                      List.of(Map.of("podSelector", Map.of("matchLabels", server)))
                          .equals(r.get("from")))
              .findFirst()
              .orElseThrow(() -> new AssertionError("no ingress rule from the server pods"));
      assertThat(peers.get("ports")).isEqualTo(List.of(Map.of("port", "http", "protocol", "TCP")));
      assertThat(podLabels).containsAllEntriesOf(server);
      Map<String, Object> to =
          list(policy, "spec", "egress").stream()
              .map(r -> map(r))
              .filter(
                  r ->
                      List.of(Map.of("podSelector", Map.of("matchLabels", server)))
                          .equals(r.get("to")))
              .findFirst()
              .orElseThrow(() -> new AssertionError("no egress rule to the server pods"));
      assertThat(to.get("ports"))
          .isEqualTo(List.of(Map.of("port", ShippedFiles.serverPort(), "protocol", "TCP")));
    }

    /**
     * Without a Secret of link keys, the chart generates one for the release: every pod mounts the
     * same key (a link signed by one replica is accepted by the others), none generates its own,
     * and an upgrade keeps the key the cluster holds, so that links outlive the upgrade.
     */
    @Test
    void theReplicasShareTheKeyOfLinksWhichAnUpgradeKeeps() {
      RenderedChart chart = RenderedChart.defaults();
      Map<String, Object> secret = chart.one("Secret");
      assertThat(at(secret, "metadata", "name")).isEqualTo(GENERATED_LINKS_SECRET);
      Map<String, Object> volume = volumeMountedAt(chart, SECRETS + "/links", "the link keys");
      assertThat(at(volume, "secret", "secretName")).isEqualTo(GENERATED_LINKS_SECRET);
      assertThat(env(chart.serverContainer())).doesNotContainKey("BIGFILE_SECURITY_LINKS_KEYFILE");
      assertThat(list(chart.serverPod(), "spec", "volumes"))
          .noneMatch(
              v ->
                  map(v).containsKey("emptyDir") && map(v).get("name").toString().contains("link"));

      String linksYaml = decode((String) at(secret, "data", "links.yaml"));
      LinksProperties links =
          binderOf(linksYaml).bind("bigfile.security.links", LinksProperties.class).get();
      assertThat(links.keys()).containsOnlyKeys("helm");
      assertThat(Base64.getDecoder().decode(links.keys().get("helm"))).hasSize(32);
      // Two first installs draw two keys.
      assertThat(at(RenderedChart.renderAsIs(Map.of()).one("Secret"), "data", "links.yaml"))
          .isNotEqualTo(at(secret, "data", "links.yaml"));

      String earlier = linksYaml.replace(links.keys().get("helm"), LINK_KEY);
      RenderedChart upgrade =
          RenderedChart.upgradeOf(
              Map.of(
                  RenderedChart.NAMESPACE + "/" + GENERATED_LINKS_SECRET,
                  Map.of("links.yaml", earlier)),
              Map.of());
      assertThat(decode((String) at(upgrade.one("Secret"), "data", "links.yaml")))
          .isEqualTo(earlier);

      // Given a Secret, the chart generates none.
      assertThat(RenderedChart.render(PRODUCTION).has("Secret")).isFalse();
    }

    /**
     * Each pod its own Narayana log directory (an emptyDir) and node identifier (its name), read
     * through the environment names Spring maps to the starter's properties.
     */
    @Test
    void eachPodHasItsOwnTransactionLogAndNodeIdentifier() {
      RenderedChart chart = RenderedChart.render(AUTOSCALING);
      Map<String, Map<String, Object>> env = env(chart.serverContainer());
      assertThat(env.get("NARAYANA_NODEIDENTIFIER"))
          .isEqualTo(
              Map.of(
                  "name",
                  "NARAYANA_NODEIDENTIFIER",
                  "valueFrom",
                  Map.of("fieldRef", Map.of("fieldPath", "metadata.name"))));
      String podName = deploymentName(chart) + "-7d9c5b8f6d-x2k4q";
      Binder binder = binderOfEnvironment(env, podName);
      NarayanaProperties narayana = binder.bindOrCreate("narayana", NarayanaProperties.class);
      assertThat(narayana.getNodeIdentifier()).isEqualTo(podName);
      String logDir = narayana.getLogDir();
      Map<String, Object> volume = volumeMountedAt(chart, logDir, "narayana.log-dir " + logDir);
      assertThat(volume).containsKey("emptyDir");
    }

    @Test
    void aPodNameFitsNarayanasNodeIdentifier() {
      RenderedChart chart = RenderedChart.render(Map.of("fullnameOverride", "x".repeat(80)));
      // Kubernetes keeps a generated pod name within 63 characters; Narayana takes up to 64 bytes.
      assertThat(deploymentName(chart)).hasSize(63);
    }
  }

  @Nested
  class Migrations {

    @Test
    void aHookJobMigratesBeforeInstallAndUpgradeWithTheImagesEntryPoint() throws Exception {
      RenderedChart chart = RenderedChart.defaults();
      Map<String, Object> job = chart.one("Job");
      assertThat(map(job, "metadata", "annotations"))
          .containsEntry(RenderedChart.HOOK, "pre-install,pre-upgrade")
          .containsEntry(
              RenderedChart.HOOK + "-delete-policy", "before-hook-creation,hook-succeeded");
      Map<String, Object> pod = map(job, "spec", "template", "spec");
      assertThat(pod).containsEntry("restartPolicy", "Never");
      Map<String, Object> c = map(pod, "containers", 0);
      assertThat(c.get("image")).isEqualTo(chart.serverContainer().get("image"));

      List<Object> command = list(c, "command");
      assertThat(command.subList(0, 2)).containsExactly("java", "-cp");
      assertThat(command.get(2)).isEqualTo(DockerfileTests.applicationJarInImage());
      Method main = Class.forName((String) command.get(3)).getMethod("main", String[].class);
      assertThat(Modifier.isStatic(main.getModifiers())).isTrue();
      assertThat(command).hasSize(4);
      // It reads only the database: on install it runs before the ConfigMap exists.
      assertThat(env(c).keySet())
          .containsExactlyInAnyOrder(
              "SPRING_DATASOURCE_URL", "SPRING_DATASOURCE_USERNAME", "SPRING_DATASOURCE_PASSWORD");
      assertThat(pod).doesNotContainKey("initContainers");
    }

    @Test
    void thePodsThenLeaveTheSchemaAlone() {
      Map<String, Map<String, Object>> env = env(RenderedChart.defaults().serverContainer());
      assertThat(env.get("SPRING_FLYWAY_ENABLED")).containsEntry("value", "false");
    }

    @Test
    void withoutTheJobThePodMigratesWhenItStarts() {
      RenderedChart chart = RenderedChart.render(NO_JOB);
      assertThat(chart.has("Job")).isFalse();
      assertThat(env(chart.serverContainer())).doesNotContainKey("SPRING_FLYWAY_ENABLED");
      assertThat(at(chart.one("Deployment"), "spec", "strategy", "type")).isEqualTo("Recreate");
      assertThat(at(chart.serverPod(), "spec", "securityContext", "runAsUser")).isEqualTo(20000);
      assertThat(at(chart.serverPod(), "spec", "serviceAccountName")).isEqualTo("bigfile");
    }
  }

  @Nested
  class Wiring {

    /** The environment Spring reads: the settings file, the database, and Flyway's switch. */
    @Test
    void theEnvironmentNamesAreThoseSpringReads() {
      RenderedChart chart = RenderedChart.render(PRODUCTION);
      Map<String, Map<String, Object>> env = env(chart.serverContainer());
      Binder binder = binderOfEnvironment(env, "pod");
      DataSourceProperties ds =
          binder.bindOrCreate("spring.datasource", DataSourceProperties.class);
      assertThat(ds.getUrl())
          .isEqualTo("jdbc:postgresql://pg.db.svc.cluster.local:5432/bigfile?sslmode=require");
      assertThat(ds.getUsername()).isEqualTo("bigfile_app");
      assertThat(ds.getPassword()).isEqualTo("<from Secret bigfile-pg, key pg-password>");
      assertThat(binder.bind("spring.flyway.enabled", Boolean.class).get()).isFalse();

      String location = binder.bind("spring.config.additional-location", String.class).get();
      Path file = Path.of(location);
      Map<String, Object> volume = volumeMountedAt(chart, file.getParent().toString(), location);
      assertThat(at(volume, "configMap", "name"))
          .isEqualTo(at(chart.one("ConfigMap"), "metadata", "name"));
      assertThat(map(chart.one("ConfigMap"), "data")).containsKey(file.getFileName().toString());

      List<String> imports =
          binder.bind("spring.config.import", Bindable.listOf(String.class)).get();
      assertThat(imports).containsExactly("optional:file:" + SECRETS + "/links/links.yaml");
      Map<String, Object> links = volumeMountedAt(chart, SECRETS + "/links", "the link keys");
      assertThat(at(links, "secret", "secretName")).isEqualTo("bigfile-link-keys");

      assertThat(env.get("JDK_JAVA_OPTIONS"))
          .containsEntry(
              "value", "-XX:+ExitOnOutOfMemoryError -XX:MaxRAMPercentage=70 -Xlog:gc:stderr");
      assertThat(env.get("TZ")).containsEntry("value", "UTC");
    }

    @Test
    void theImageIsTheAppVersionUnlessTagged() {
      String appVersion =
          (String) map(ShippedFiles.yaml(chartFile("Chart.yaml"))).get("appVersion");
      assertThat(RenderedChart.defaults().serverContainer().get("image"))
          .isEqualTo("bigfile:" + appVersion);
      RenderedChart production = RenderedChart.render(PRODUCTION);
      assertThat(production.serverContainer())
          .containsEntry("image", "registry.example.com/storage/bigfile:0.1.0")
          .containsEntry("imagePullPolicy", "Always");
      for (Map<String, Object> pod : production.podSpecs()) {
        assertThat(pod.get("imagePullSecrets"))
            .isEqualTo(List.of(Map.of("name", "registry-credentials")));
      }
    }

    /**
     * A JVM out of memory exits, so that Kubernetes restarts the pod: the image's options say so,
     * and options set in the values keep it.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("io.bigfile.deploy.HelmChartTests#valueSets")
    void aPodOutOfMemoryExits(String name, List<Path> valueFiles) {
      Map<String, Object> opts =
          env(RenderedChart.render(valueFiles, Map.of()).serverContainer()).get("JDK_JAVA_OPTIONS");
      String options =
          opts == null
              ? DockerfileTests.runtimeEnv().get("JDK_JAVA_OPTIONS")
              : (String) opts.get("value");
      assertThat(options).contains("-XX:+ExitOnOutOfMemoryError");
      for (Map<String, Object> pod : RenderedChart.render(valueFiles, Map.of()).podSpecs()) {
        for (Object c : list(pod, "containers")) {
          Map<String, Object> o = env(map(c)).get("JDK_JAVA_OPTIONS");
          if (o != null) {
            assertThat((String) o.get("value")).startsWith("-XX:+ExitOnOutOfMemoryError ");
          }
        }
      }
      assertThat(
              env(RenderedChart.render(Map.of("jvmOptions", "-Xss1m")).serverContainer())
                  .get("JDK_JAVA_OPTIONS"))
          .containsEntry("value", "-XX:+ExitOnOutOfMemoryError -Xss1m");
    }

    /**
     * The service starts with each value set: its memory sizes (derived from the heap where left at
     * auto) fit the heap the memory limit gives, or it would refuse to start.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("io.bigfile.deploy.HelmChartTests#valueSets")
    void theMemorySizesFitTheHeapOfTheMemoryLimit(String name, List<Path> valueFiles) {
      RenderedChart chart = RenderedChart.render(valueFiles, Map.of());
      String limit = (String) at(chart.serverContainer(), "resources", "limits", "memory");
      long bytes =
          limit.endsWith("Gi")
              ? Long.parseLong(limit.replace("Gi", "")) << 30
              : Long.parseLong(limit.replace("Mi", "")) << 20;
      Map<String, Object> opts = env(chart.serverContainer()).get("JDK_JAVA_OPTIONS");
      Matcher m =
          Pattern.compile("-XX:MaxRAMPercentage=(\\d+)")
              .matcher(opts == null ? "" : (String) opts.get("value"));
      int percent = m.find() ? Integer.parseInt(m.group(1)) : DockerfileTests.maxRamPercentage();
      long heap = bytes / 100 * percent;
      Binder binder = binderOf(configMapApplicationYaml(chart));
      MemoryBudget budget =
          MemoryBudget.of(
              heap,
              binder.bindOrCreate("bigfile.cache", CacheProperties.class),
              binder.bindOrCreate("bigfile.transactions", TransactionsProperties.class));
      assertThat(budget.cache() + budget.dirtyTotal() + MemoryBudget.reserve(heap))
          .isLessThanOrEqualTo(heap);
    }

    @Test
    void theIngressLeadsToTheServicesHttpPort() {
      RenderedChart chart = RenderedChart.render(PRODUCTION);
      Map<String, Object> ingress = chart.one("Ingress");
      assertThat(at(ingress, "apiVersion")).isEqualTo("networking.k8s.io/v1");
      assertThat(at(ingress, "spec", "ingressClassName")).isEqualTo("nginx");
      assertThat(map(ingress, "metadata", "annotations"))
          .containsEntry("nginx.ingress.kubernetes.io/proxy-body-size", "0");
      assertThat(at(ingress, "spec", "tls"))
          .isEqualTo(
              List.of(
                  Map.of(
                      "hosts",
                      List.of("files.example.com"),
                      "secretName",
                      "files-example-com-tls")));
      Map<String, Object> rule = map(ingress, "spec", "rules", 0);
      assertThat(rule.get("host")).isEqualTo("files.example.com");
      Map<String, Object> path = map(rule, "http", "paths", 0);
      assertThat(path).containsEntry("path", "/").containsEntry("pathType", "Prefix");
      assertThat(at(path, "backend", "service"))
          .isEqualTo(
              Map.of(
                  "name", at(chart.service(), "metadata", "name"),
                  "port", Map.of("name", at(chart.service(), "spec", "ports", 0, "name"))));
    }

    @Test
    void theServiceMonitorScrapesTheManagementPortWhichTheServiceDoesNotExpose() {
      RenderedChart chart = RenderedChart.render(PRODUCTION);
      Map<String, Object> monitor = chart.one("ServiceMonitor");
      assertThat(monitor.get("apiVersion")).isEqualTo("monitoring.coreos.com/v1");
      assertThat(map(monitor, "metadata", "labels")).containsEntry("release", "prometheus");
      assertThat(list(monitor, "spec", "endpoints"))
          .containsExactly(
              Map.of(
                  "port",
                  "management",
                  "path",
                  "/actuator/prometheus",
                  "interval",
                  "15s",
                  "scrapeTimeout",
                  "10s"));
      // It selects the headless Service of the management port alone, not the API's.
      Map<String, Object> selector = map(monitor, "spec", "selector", "matchLabels");
      List<Map<String, Object>> selected =
          chart.all("Service").stream()
              .filter(s -> map(s, "metadata", "labels").entrySet().containsAll(selector.entrySet()))
              .toList();
      assertThat(selected).hasSize(1);
      Map<String, Object> metrics = selected.get(0);
      assertThat(metrics).isNotSameAs(chart.service());
      assertThat(at(metrics, "spec", "clusterIP")).isEqualTo("None");
      assertThat(list(metrics, "spec", "ports"))
          .containsExactly(
              Map.of(
                  "name",
                  "management",
                  "port",
                  9090,
                  "targetPort",
                  "management",
                  "protocol",
                  "TCP"));
      assertThat(map(chart.serverContainer(), "ports", 1))
          .containsEntry("name", "management")
          .containsEntry("containerPort", 9090);
      assertThat(
              binderOf(configMapApplicationYaml(chart))
                  .bind("management.server.port", Integer.class)
                  .get())
          .isEqualTo(9090);
      // The API's Service: the HTTP port alone.
      assertThat(list(chart.service(), "spec", "ports"))
          .containsExactly(
              Map.of("name", "http", "port", 80, "targetPort", "http", "protocol", "TCP"));
      String exposed =
          (String)
              at(
                  ShippedFiles.applicationYaml(),
                  "management",
                  "endpoints",
                  "web",
                  "exposure",
                  "include");
      assertThat(List.of(exposed.split(","))).contains("prometheus", "health");
      assertThat(
              at(
                  ShippedFiles.applicationYaml(),
                  "management",
                  "endpoint",
                  "health",
                  "probes",
                  "enabled"))
          .isEqualTo(true);
    }

    @Test
    void theNetworkPolicyAdmitsTheConfiguredPeersAndReachesOnlyDnsTheDatabaseAndTheIssuer() {
      RenderedChart chart = RenderedChart.render(PRODUCTION);
      Map<String, Object> policy = chart.one("NetworkPolicy");
      Map<String, Object> values = effectiveValues(List.of(PRODUCTION));
      assertThat(list(policy, "spec", "policyTypes")).containsExactly("Ingress", "Egress");
      assertThat(list(policy, "spec", "ingress")).hasSize(3);
      Map<String, Object> ingress = map(policy, "spec", "ingress", 0);
      assertThat(ingress.get("ports"))
          .isEqualTo(List.of(Map.of("port", "http", "protocol", "TCP")));
      assertThat(ingress.get("from")).isEqualTo(at(values, "networkPolicy", "ingressFrom"));
      // ingress 1: the replicas' own HTTP port
      // (Replicas.theNetworkPolicyLetsTheReplicasReachEachOther)
      Map<String, Object> metrics = map(policy, "spec", "ingress", 2);
      assertThat(metrics.get("ports"))
          .isEqualTo(List.of(Map.of("port", "management", "protocol", "TCP")));
      assertThat(metrics.get("from")).isEqualTo(at(values, "networkPolicy", "metricsFrom"));
      List<Object> egress = list(policy, "spec", "egress");
      assertThat(egress).hasSize(4);
      assertThat(at(egress, 0, "ports"))
          .isEqualTo(
              List.of(
                  Map.of("port", 53, "protocol", "UDP"), Map.of("port", 53, "protocol", "TCP")));
      assertThat(at(egress, 0, "to")).isNull();
      assertThat(at(egress, 1, "ports"))
          .isEqualTo(List.of(Map.of("port", 5432, "protocol", "TCP")));
      assertThat(at(egress, 1, "to"))
          .isEqualTo(at(values, "networkPolicy", "egress", "databaseTo"));
      // egress 2: the other replicas' HTTP port
      assertThat(at(egress, 3, "ports")).isEqualTo(List.of(Map.of("port", 443, "protocol", "TCP")));
      assertThat(at(egress, 3, "to")).isEqualTo(at(values, "networkPolicy", "egress", "issuerTo"));
    }

    /** An oauth2 pod fetches the issuer's keys: with egress restricted, it must reach them. */
    @Test
    void anOauth2PodWithRestrictedEgressMustReachItsIdentityProvider() {
      assertThat(
              RenderedChart.failure(
                  List.of(OAUTH2),
                  Map.of(
                      "networkPolicy.enabled",
                      true,
                      "networkPolicy.egress.enabled",
                      true,
                      "networkPolicy.egress.databaseTo[0].ipBlock.cidr",
                      "10.0.5.0/24")))
          .contains("needs networkPolicy.egress.issuerTo");
      // In token mode nothing but DNS, the database and the other replicas.
      Map<String, Object> policy =
          RenderedChart.render(
                  Map.of(
                      "networkPolicy.enabled",
                      true,
                      "networkPolicy.egress.enabled",
                      true,
                      "networkPolicy.egress.databaseTo[0].ipBlock.cidr",
                      "10.0.5.0/24"))
              .one("NetworkPolicy");
      assertThat(list(policy, "spec", "egress")).hasSize(3);
    }

    @Test
    void theManagementPortIsAPortOfItsOwn() {
      assertThat(RenderedChart.failure(Map.of("management.port", 8080)))
          .contains("management.port=8080 refused");
      RenderedChart chart = RenderedChart.render(NO_JOB);
      assertThat(map(chart.serverContainer(), "ports", 1)).containsEntry("containerPort", 8081);
      assertThat(
              binderOf(configMapApplicationYaml(chart))
                  .bind("management.server.port", Integer.class)
                  .get())
          .isEqualTo(8081);
    }

    @Test
    void scrapeAnnotationsPointAtTheManagementPort() {
      assertThat(map(RenderedChart.defaults().serverPod(), "metadata", "annotations"))
          .doesNotContainKey("prometheus.io/scrape");
      assertThat(
              map(
                  RenderedChart.render(Map.of("management.scrapeAnnotations", true)).serverPod(),
                  "metadata",
                  "annotations"))
          .containsEntry("prometheus.io/scrape", "true")
          .containsEntry("prometheus.io/port", "9090")
          .containsEntry("prometheus.io/path", "/actuator/prometheus");
    }

    @Test
    void byDefaultTheNetworkPolicyAdmitsTheNamespaceAndLeavesEgressOpen() {
      Map<String, Object> policy =
          RenderedChart.render(Map.of("networkPolicy.enabled", true)).one("NetworkPolicy");
      assertThat(list(policy, "spec", "policyTypes")).containsExactly("Ingress");
      assertThat(at(policy, "spec", "ingress", 0, "from"))
          .isEqualTo(List.of(Map.of("podSelector", Map.of())));
      assertThat(at(policy, "spec", "ingress", 2, "ports", 0, "port")).isEqualTo("management");
      assertThat(at(policy, "spec", "ingress", 2, "from"))
          .isEqualTo(List.of(Map.of("podSelector", Map.of())));
      assertThat(at(policy, "spec", "egress")).isNull();
    }

    @Test
    void theDisruptionBudgetDefaultsToOneUnavailable() {
      Map<String, Object> pdb = RenderedChart.defaults().one("PodDisruptionBudget");
      assertThat(map(pdb, "spec"))
          .containsEntry("maxUnavailable", 1)
          .doesNotContainKey("minAvailable");
    }

    @Test
    void theNotesTellHowToReachItAndHowTheReplicasWork() {
      assertThat(notes(TOKEN))
          .contains("kubectl --namespace storage port-forward service/files-bigfile 8080:80")
          .contains("curl -H \"Authorization: Bearer $TOKEN\" http://localhost:8080/v1/files")
          .contains("security.mode=token")
          .contains("from the Secret bigfile-tokens (key tokens.yaml)")
          .contains("rollout restart deployment/files-bigfile")
          .contains("the key the chart generated in the Secret files-bigfile-links")
          .contains("/actuator/health/readiness")
          .contains("the management port 9090, which the Service does not expose")
          .contains("kubectl --namespace storage port-forward deployment/files-bigfile 9090")
          .contains("Replicas: 2; any of them serves any request")
          .contains("drains for 2m")
          .contains("terminationGracePeriodSeconds 170")
          .contains("password from Secret")
          .doesNotContain("WARNING")
          .doesNotContain("<no value>");
    }

    @Test
    void theNotesSayWhatEachModeMeans() {
      assertThat(notes(PRODUCTION))
          .contains("security.mode=oauth2")
          .contains("JWTs of https://login.example.com/realms/files, for the audience bigfile")
          .contains("curl -H \"Authorization: Bearer $TOKEN\" https://files.example.com/v1/files")
          .doesNotContain("the chart generated")
          .doesNotContain("<no value>");
      assertThat(notes(OAUTH2))
          .contains("JWTs of https://login.example.com/realms/files/protocol/openid-connect/certs")
          .contains("for the audience bigfile, https://files.example.com");
      assertThat(notes(NO_JOB))
          .contains("WARNING: no authentication")
          .contains("  curl http://localhost:8080/v1/files")
          .doesNotContain("Authorization")
          .doesNotContain("<no value>");
    }

    /**
     * The notes size the database for the pods a release may run, from the connections a pod opens
     * with the service's defaults (DatabaseProperties) or the values' pools; the defaults (two
     * replicas, even doubled by a rollout, and the autoscaler's maximum) fit PostgreSQL's default
     * max_connections of 100.
     */
    @Test
    void theNotesSizeTheDatabaseForThePodsThatMayRun() {
      Map<String, String> defaults = ShippedFiles.bigfileSettings().get("database").defaults();
      int perPod =
          Integer.parseInt(defaults.get("readConnections"))
              + Integer.parseInt(defaults.get("writeConnections"))
              + 2;
      int job = 2;
      int reserved = 3;
      assertThat(notes(TOKEN))
          .contains("each pod opens up to " + perPod + " to the primary, the migration Job 2")
          .contains("2 pod(s) need max_connections >= " + (2 * perPod + job + reserved))
          .contains("up to 4 need " + (4 * perPod + job + reserved));
      assertThat(4 * perPod + job + reserved).isLessThanOrEqualTo(100);
      int maxReplicas = (Integer) at(effectiveValues(List.of()), "autoscaling", "maxReplicas");
      assertThat(maxReplicas * perPod + job + reserved).isLessThanOrEqualTo(100);

      assertThat(notes(AUTOSCALING))
          .contains("Replicas: 3 to 6 (HorizontalPodAutoscaler)")
          .contains("Reads go to 2 standby(s)")
          .contains("each pod opens up to " + (6 + 4 + 2) + " to the primary")
          .contains("6 pod(s) need max_connections >= " + (6 * 12 + job + reserved));
      // One pod, replaced after it stopped (Recreate), migrating the schema itself.
      assertThat(notes(NO_JOB))
          .contains("1 pod(s) need max_connections >= " + (perPod + reserved) + " (")
          .doesNotContain("migration Job 2")
          .doesNotContain("during a rollout");
    }

    private static String notes(Path values) {
      Release release =
          new Helm(ShippedFiles.CHART)
              .install()
              .withName(RenderedChart.RELEASE)
              .withNamespace(RenderedChart.NAMESPACE)
              .withKubeVersion(RenderedChart.KUBE_VERSION)
              .withValuesFile(values.toAbsolutePath())
              .clientOnly()
              .dryRun()
              .call();
      return release.getOutput();
    }
  }

  // ---------------------------------------------------------------- helpers

  private static String decode(String base64) {
    return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
  }

  private static String deploymentName(RenderedChart chart) {
    return (String) at(chart.one("Deployment"), "metadata", "name");
  }

  /**
   * The pod's volume that the server container mounts at {@code path}; {@code what} is mounted
   * there.
   */
  private static Map<String, Object> volumeMountedAt(
      RenderedChart chart, String path, String what) {
    Map<String, Object> mount =
        list(chart.serverContainer(), "volumeMounts").stream()
            .map(m -> map(m))
            .filter(m -> path.equals(m.get("mountPath")))
            .findFirst()
            .orElseThrow(() -> new AssertionError(what + " is not mounted"));
    return list(chart.serverPod(), "spec", "volumes").stream()
        .map(v -> map(v))
        .filter(v -> mount.get("name").equals(v.get("name")))
        .findFirst()
        .orElseThrow();
  }

  /** bigfile.security and its nested groups, which the chart fills from its security values. */
  private static boolean isSecurityGroup(String group) {
    return group.equals("security") || group.startsWith("security.");
  }

  /** Parsed YAML as dotted keys and their leaves (a list is a leaf). */
  private static void flatten(String prefix, Object node, Map<String, Object> out) {
    if (node instanceof Map<?, ?> m) {
      m.forEach((k, v) -> flatten(prefix.isEmpty() ? (String) k : prefix + "." + k, v, out));
    } else {
      out.put(prefix, node);
    }
  }

  private static String configMapApplicationYaml(RenderedChart chart) {
    return (String) at(chart.one("ConfigMap"), "data", "application.yaml");
  }

  /** A binder over a YAML file, as Spring Boot reads application.yaml. */
  private static Binder binderOf(String yaml) {
    return binderOf(yaml, Map.of());
  }

  /**
   * A binder over a YAML file and the settings of the Secrets' files the service imports beside it
   * (spring.config.import).
   */
  private static Binder binderOf(String yaml, Map<String, Object> fromSecrets) {
    try {
      List<PropertySource<?>> sources =
          new ArrayList<>(
              new YamlPropertySourceLoader()
                  .load("configmap", new ByteArrayResource(yaml.getBytes(StandardCharsets.UTF_8))));
      sources.add(new MapPropertySource("secrets", fromSecrets));
      return new Binder(ConfigurationPropertySources.from(sources));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A binder over a container's environment, mapped the way Spring maps the system environment; a
   * variable from the downward API gets {@code podName} (metadata.name) or {@link #POD_IP}
   * (status.podIP), one from a Secret a placeholder, and {@code $(NAME)} in a value is replaced by
   * the variable NAME defined before it, as the kubelet does.
   */
  private static Binder binderOfEnvironment(Map<String, Map<String, Object>> env, String podName) {
    Map<String, Object> variables = new LinkedHashMap<>();
    Pattern reference = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)");
    for (Map<String, Object> var : env.values()) {
      Object value = var.get("value");
      Object field = at(var, "valueFrom", "fieldRef", "fieldPath");
      if (field != null) {
        value =
            switch ((String) field) {
              case "metadata.name" -> podName;
              case "status.podIP" -> POD_IP;
              default -> throw new AssertionError("a field the tests do not know: " + field);
            };
      } else if (at(var, "valueFrom", "secretKeyRef") != null) {
        value =
            "<from Secret "
                + at(var, "valueFrom", "secretKeyRef", "name")
                + ", key "
                + at(var, "valueFrom", "secretKeyRef", "key")
                + ">";
      } else if (value instanceof String text) {
        Matcher m = reference.matcher(text);
        StringBuilder expanded = new StringBuilder();
        while (m.find()) {
          Object defined = variables.get(m.group(1));
          m.appendReplacement(
              expanded, Matcher.quoteReplacement(defined == null ? m.group() : defined.toString()));
        }
        m.appendTail(expanded);
        value = expanded.toString();
      }
      variables.put((String) var.get("name"), value);
    }
    return new Binder(
        ConfigurationPropertySources.from(
            new SystemEnvironmentPropertySource(
                StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, variables)));
  }
}
