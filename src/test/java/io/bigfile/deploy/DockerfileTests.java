package io.bigfile.deploy;

import static io.bigfile.deploy.ShippedFiles.arguments;
import static io.bigfile.deploy.ShippedFiles.assignments;
import static io.bigfile.deploy.ShippedFiles.execForm;
import static org.assertj.core.api.Assertions.assertThat;

import dev.snowdrop.boot.narayana.core.properties.NarayanaProperties;
import io.bigfile.config.EmbeddedDatabaseProperties;
import io.bigfile.config.FilesProperties;
import io.bigfile.config.LinksProperties;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/**
 * The Dockerfile's promises, read from its text (there is no Docker engine to build it here;
 * ContainerImageIT runs its extraction and entry points on the packaged jar): a JDK build stage and
 * a JRE 21+ runtime stage, a numeric non-root user that the chart runs as too, the writable paths
 * as volumes under the names Spring binds, the Spring Boot layers in order, and OCI labels.
 */
class DockerfileTests {

  static List<ShippedFiles.Instruction> runtimeStage() {
    List<List<ShippedFiles.Instruction>> stages = ShippedFiles.dockerfileStages();
    return stages.get(stages.size() - 1);
  }

  static List<ShippedFiles.Instruction> buildStage() {
    return ShippedFiles.dockerfileStages().get(1);
  }

  /** Where the runtime stage puts application.jar: WORKDIR plus the extract command's name. */
  static String applicationJarInImage() {
    List<String> workdirs = arguments(runtimeStage(), "WORKDIR");
    return Path.of(workdirs.get(workdirs.size() - 1), applicationFilename()).toString();
  }

  static String applicationFilename() {
    Matcher m = Pattern.compile("--application-filename\\s+(\\S+)").matcher(extractCommand());
    assertThat(m.find()).as("extract names the application jar").isTrue();
    return m.group(1);
  }

  /** The RUN that extracts the layers, from {@code java -Djarmode=tools} to its end. */
  static String extractCommand() {
    for (String run : arguments(buildStage(), "RUN")) {
      int at = run.indexOf("java -Djarmode=tools");
      if (at >= 0) {
        return run.substring(at);
      }
    }
    throw new AssertionError("no java -Djarmode=tools in the build stage");
  }

  /** The runtime stage's ENV, all instructions merged. */
  static Map<String, String> runtimeEnv() {
    Map<String, String> env = new LinkedHashMap<>();
    arguments(runtimeStage(), "ENV").forEach(a -> env.putAll(assignments(a)));
    return env;
  }

  static int maxRamPercentage() {
    Matcher m =
        Pattern.compile("-XX:MaxRAMPercentage=(\\d+)")
            .matcher(runtimeEnv().get("JDK_JAVA_OPTIONS"));
    assertThat(m.find()).as("JDK_JAVA_OPTIONS sets MaxRAMPercentage").isTrue();
    return Integer.parseInt(m.group(1));
  }

  private static String argDefault(String name) {
    for (String arg : arguments(ShippedFiles.dockerfileStages().get(0), "ARG")) {
      String value = assignments(arg).get(name);
      if (value != null) {
        return value;
      }
    }
    throw new AssertionError("no global ARG " + name);
  }

  /** An image reference, with ${ARG} resolved from the global ARG defaults. */
  private static String image(String from) {
    String ref = from.split("\\s+")[0];
    Matcher m = Pattern.compile("\\$\\{(\\w+)}").matcher(ref);
    return m.matches() ? argDefault(m.group(1)) : ref;
  }

  @Test
  void buildsWithTheWrapperOnAJdkAndRunsOnAJre21OrNewer() {
    List<List<ShippedFiles.Instruction>> stages = ShippedFiles.dockerfileStages();
    assertThat(stages).as("a global part and two stages").hasSize(3);
    String build = image(arguments(buildStage(), "FROM").get(0));
    assertThat(build).matches("eclipse-temurin:(\\d+)-jdk.*");
    assertThat(Integer.parseInt(build.replaceAll("eclipse-temurin:(\\d+)-jdk.*", "$1")))
        .isGreaterThanOrEqualTo(17);
    assertThat(arguments(buildStage(), "FROM").get(0)).endsWith("AS build");
    assertThat(arguments(buildStage(), "RUN")).anyMatch(r -> r.contains("./mvnw -B -q package"));

    String runtime = image(arguments(runtimeStage(), "FROM").get(0));
    assertThat(runtime).matches("eclipse-temurin:(\\d+)-jre.*");
    assertThat(Integer.parseInt(runtime.replaceAll("eclipse-temurin:(\\d+)-jre.*", "$1")))
        .isGreaterThanOrEqualTo(21);
    assertThat(arguments(runtimeStage(), "RUN")).noneMatch(r -> r.contains("mvnw"));
  }

  @Test
  void runsAsTheNumericNonRootUserTheChartRunsAs() {
    List<String> users = arguments(runtimeStage(), "USER");
    assertThat(users).hasSize(1);
    String[] user = users.get(0).split(":");
    assertThat(user[0]).matches("\\d+");
    int uid = Integer.parseInt(user[0]);
    assertThat(uid).isPositive();
    Map<String, Object> values =
        ShippedFiles.map(
            ShippedFiles.yaml(ShippedFiles.read(ShippedFiles.CHART.resolve("values.yaml"))));
    assertThat(ShippedFiles.at(values, "podSecurityContext", "runAsUser")).isEqualTo(uid);
    assertThat(ShippedFiles.at(values, "podSecurityContext", "runAsGroup"))
        .isEqualTo(Integer.parseInt(user[1]));
    // USER comes after everything that needs root.
    List<ShippedFiles.Instruction> stage = runtimeStage();
    assertThat(stage.get(stage.size() - 1).keyword()).isEqualTo("ENTRYPOINT");
    int userAt = stage.indexOf(new ShippedFiles.Instruction("USER", users.get(0)));
    assertThat(stage.subList(userAt, stage.size()))
        .extracting(ShippedFiles.Instruction::keyword)
        .containsOnly("USER", "EXPOSE", "ENTRYPOINT");
  }

  /**
   * The writable paths are volumes, under the environment names Spring binds to narayana.log-dir,
   * bigfile.embedded.data-dir and bigfile.security.links.key-file.
   */
  @Test
  void everythingTheServiceWritesIsAVolume() {
    List<String> volumes = new ArrayList<>();
    arguments(runtimeStage(), "VOLUME").forEach(v -> volumes.addAll(execForm(v)));
    assertThat(volumes).contains("/tmp");

    Binder binder =
        new Binder(
            ConfigurationPropertySources.from(
                new SystemEnvironmentPropertySource(
                    StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                    new LinkedHashMap<String, Object>(runtimeEnv()))));
    String logDir = binder.bindOrCreate("narayana", NarayanaProperties.class).getLogDir();
    Path dataDir =
        binder.bindOrCreate("bigfile.embedded", EmbeddedDatabaseProperties.class).dataDir();
    Path linkKey = binder.bindOrCreate("bigfile.security.links", LinksProperties.class).keyFile();
    for (String written : List.of(logDir, dataDir.toString(), linkKey.toString())) {
      assertThat(volumes)
          .as("a volume holding %s", written)
          .anyMatch(v -> written.startsWith(v + "/"));
    }
    assertThat(arguments(runtimeStage(), "RUN"))
        .as("the volume's directory belongs to the user")
        .anyMatch(r -> r.contains("chown 10001:10001 /var/lib/bigfile"));
  }

  @Test
  void copiesTheSpringBootLayersLeastChangingFirst() {
    assertThat(extractCommand()).contains("extract --layers --destination /extracted");
    assertThat(arguments(runtimeStage(), "COPY"))
        .containsExactly(
            "--from=build /extracted/dependencies/ ./",
            "--from=build /extracted/spring-boot-loader/ ./",
            "--from=build /extracted/snapshot-dependencies/ ./",
            "--from=build /extracted/application/ ./");
  }

  /**
   * G1 keeps an array of half a region or more in whole regions of its own: the image's regions
   * must be at least 4 times the default block size, or every cached block and dirty page takes 1.5
   * to 2 times its size.
   */
  @Test
  void g1RegionsHoldDefaultBlocksAsOrdinaryObjects() {
    Matcher m =
        Pattern.compile("-XX:G1HeapRegionSize=(\\d+)m")
            .matcher(runtimeEnv().get("JDK_JAVA_OPTIONS"));
    assertThat(m.find()).as("JDK_JAVA_OPTIONS sets G1HeapRegionSize in MiB").isTrue();
    long blockSize =
        new Binder()
            .bindOrCreate("bigfile.files", FilesProperties.class)
            .defaultBlockSize()
            .toBytes();
    assertThat(Long.parseLong(m.group(1)) << 20).isGreaterThanOrEqualTo(4 * blockSize);
  }

  @Test
  void startsTheApplicationJarWithContainerAwareMemoryOnTheServicePort() {
    List<String> entrypoint = execForm(arguments(runtimeStage(), "ENTRYPOINT").get(0));
    assertThat(entrypoint).containsExactly("java", "-jar", applicationFilename());
    assertThat(maxRamPercentage()).isBetween(50, 85);
    assertThat(runtimeEnv().get("JDK_JAVA_OPTIONS")).contains("-XX:+ExitOnOutOfMemoryError");
    assertThat(arguments(runtimeStage(), "EXPOSE"))
        .containsExactly(String.valueOf(ShippedFiles.serverPort()));
  }

  @Test
  void carriesOciLabels() {
    Map<String, String> labels = new LinkedHashMap<>();
    arguments(runtimeStage(), "LABEL").forEach(l -> labels.putAll(assignments(l)));
    assertThat(labels)
        .containsKeys(
            "org.opencontainers.image.title",
            "org.opencontainers.image.description",
            "org.opencontainers.image.version",
            "org.opencontainers.image.revision",
            "org.opencontainers.image.created",
            "org.opencontainers.image.base.name")
        .containsEntry("org.opencontainers.image.title", "bigfile");
  }

  @Test
  void theBuildContextIsOnlyWhatTheBuildCopies() {
    List<String> rules =
        ShippedFiles.read(ShippedFiles.DOCKERIGNORE)
            .lines()
            .map(String::strip)
            .filter(l -> !l.isEmpty() && !l.startsWith("#"))
            .toList();
    assertThat(rules.get(0)).isEqualTo("*");
    List<String> copied = new ArrayList<>();
    for (String copy : arguments(buildStage(), "COPY")) {
      List<String> parts = List.of(copy.split("\\s+"));
      copied.addAll(parts.subList(0, parts.size() - 1));
    }
    assertThat(rules.stream().filter(r -> r.startsWith("!")).map(r -> r.substring(1)))
        .containsExactlyInAnyOrderElementsOf(copied);
    assertThat(rules).contains("**/target", "**/data");
  }
}
