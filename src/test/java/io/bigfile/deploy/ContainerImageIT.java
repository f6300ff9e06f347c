package io.bigfile.deploy;

import static io.bigfile.deploy.ShippedFiles.at;
import static io.bigfile.deploy.ShippedFiles.execForm;
import static io.bigfile.deploy.ShippedFiles.list;
import static io.bigfile.deploy.ShippedFiles.map;
import static org.assertj.core.api.Assertions.assertThat;

import io.bigfile.support.ServiceClient;
import io.bigfile.support.ServiceProcess;
import io.bigfile.support.TestDatabase;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The image without Docker: the packaged jar is extracted by the Dockerfile's own command, its
 * layers are copied into one directory in the Dockerfile's order (the image's WORKDIR), and the
 * commands the chart runs in that image are run there, with the environment the chart renders:
 *
 * <ol>
 *   <li>the migration Job's command migrates an empty schema of the test database and exits 0;
 *   <li>the Dockerfile's ENTRYPOINT then starts the service on that schema with Flyway off, the
 *       rendered ConfigMap as its settings file, the files of the Secrets of tokens and link keys
 *       imported as the chart imports them, and the Narayana log directory and a 63-character node
 *       identifier from the environment; it answers its probes on the management port, not on the
 *       HTTP port, and serves a transaction, with a token of the Secret, with the ConfigMap's
 *       settings.
 * </ol>
 *
 * The working directory stands for the read-only root file system: neither command may write to it.
 */
class ContainerImageIT {

  private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
  private static final String POD_NAME =
      "files-bigfile-7d9c5b8f6d-x2k4q".repeat(3).substring(0, 63);

  /** Variables this test adds; every other override replaces one the chart sets. */
  private static final Set<String> TEST_ONLY =
      Set.of(
          "SPRING_FLYWAY_SCHEMAS",
          "SPRING_FLYWAY_ENABLED",
          "SERVER_PORT",
          "MANAGEMENT_SERVER_PORT");

  /** Where the chart mounts the Secrets' files; the test's directory stands for it. */
  private static final String SECRETS = "/etc/bigfile-secrets";

  private static Path root;
  private static Path workdir;
  private static TestDatabase.Coordinates db;
  private static String schema;

  @BeforeAll
  static void extractTheImage() throws Exception {
    Path jar = packagedJar();
    root =
        Path.of("target", "container-image-it", String.valueOf(ProcessHandle.current().pid()))
            .toAbsolutePath();
    Files.createDirectories(root.resolve("tmp"));
    Path extracted = root.resolve("extracted");
    List<String> extract = new ArrayList<>();
    for (String word : DockerfileTests.extractCommand().split("\\s+")) {
      if (word.equals("java")) {
        extract.add(javaBinary());
      } else if (word.startsWith("target/")) {
        extract.add(jar.toString());
      } else if (word.equals("/extracted")) {
        extract.add(extracted.toString());
      } else {
        extract.add(word);
      }
    }
    assertThat(run(extract, Map.of(), root, "extract")).isZero();

    workdir = root.resolve("application");
    Files.createDirectories(workdir);
    for (String copy : ShippedFiles.arguments(DockerfileTests.runtimeStage(), "COPY")) {
      String source = copy.split("\\s+")[1];
      assertThat(source).startsWith("/extracted/");
      copyTree(extracted.resolve(source.substring("/extracted/".length())), workdir);
    }
    assertThat(workdir.resolve(DockerfileTests.applicationFilename())).isRegularFile();

    db = TestDatabase.get();
    schema = "image_it_" + Integer.toHexString(ThreadLocalRandom.current().nextInt() & 0xfffffff);
  }

  @AfterAll
  static void dropTheSchema() throws SQLException {
    if (db != null) {
      try (Connection c = DriverManager.getConnection(db.url(), db.username(), db.password());
          Statement s = c.createStatement()) {
        s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
      }
    }
  }

  @Test
  void theJobMigratesThenTheServiceRunsAsTheChartStartsIt() throws Exception {
    TreeSet<String> before = listing(workdir);
    String url = db.url() + (db.url().contains("?") ? "&" : "?") + "currentSchema=" + schema;

    // 1. The migration Job's container, as rendered.
    Map<String, Object> job = map(RenderedChart.defaults().one("Job"), "spec", "template", "spec");
    List<String> migrate = new ArrayList<>();
    for (Object word : list(job, "containers", 0, "command")) {
      migrate.add(inImage((String) word));
    }
    Map<String, String> jobEnv =
        environment(
            map(job, "containers", 0),
            url,
            // The Job migrates even where Flyway is switched off for the service.
            Map.of("SPRING_FLYWAY_SCHEMAS", schema, "SPRING_FLYWAY_ENABLED", "false"));
    assertThat(run(migrate, jobEnv, workdir, "migrate")).isZero();
    assertThat(appliedMigrations()).isEqualTo(migrationFiles());

    // 2. The service, from the Dockerfile's ENTRYPOINT, with the Deployment's environment.
    RenderedChart chart = RenderedChart.render(Path.of("helm/bigfile/ci/settings-values.yaml"));
    Path settings = root.resolve("application.yaml");
    Files.writeString(
        settings,
        (String) at(chart.one("ConfigMap"), "data", "application.yaml"),
        StandardCharsets.UTF_8);
    // The Secrets' files, where SPRING_CONFIG_IMPORT finds them (the test's directory for the
    // mount's).
    String token = randomBase64();
    Path secrets = root.resolve("secrets");
    Files.createDirectories(secrets.resolve("tokens"));
    Files.createDirectories(secrets.resolve("links"));
    Files.writeString(
        secrets.resolve("tokens/tokens.yaml"),
        String.join(
            "\n",
            "bigfile:",
            "  security:",
            "    tokens:",
            "      - subject: image-it",
            "        token: " + token,
            "        scopes: [files.read, files.write, files.delete, files.admin]",
            ""),
        StandardCharsets.UTF_8);
    Files.writeString(
        secrets.resolve("links/links.yaml"),
        String.join(
            "\n",
            "bigfile:",
            "  security:",
            "    links:",
            "      keys:",
            // ci/settings-values.yaml signs with k1
            "        k1: " + randomBase64(),
            ""),
        StandardCharsets.UTF_8);
    String imports =
        (String)
            RenderedChart.env(chart.serverContainer()).get("SPRING_CONFIG_IMPORT").get("value");
    assertThat(imports)
        .isEqualTo(
            "optional:file:"
                + SECRETS
                + "/tokens/tokens.yaml,optional:file:"
                + SECRETS
                + "/links/links.yaml");
    int port = ServiceProcess.freePort();
    int managementPort = ServiceProcess.freePort();
    Map<String, String> env =
        environment(
            chart.serverContainer(),
            url,
            Map.of(
                "SPRING_CONFIG_ADDITIONAL_LOCATION", settings.toString(),
                "SPRING_CONFIG_IMPORT", imports.replace(SECRETS, secrets.toString()),
                "NARAYANA_LOGDIR", root.resolve("narayana").toString(),
                "SERVER_PORT", String.valueOf(port),
                // the ConfigMap's management.server.port, on a free port
                "MANAGEMENT_SERVER_PORT", String.valueOf(managementPort)));
    assertThat(env).containsEntry("SPRING_FLYWAY_ENABLED", "false");
    assertThat(env).containsEntry("NARAYANA_NODEIDENTIFIER", POD_NAME);
    List<String> entrypoint =
        execForm(ShippedFiles.arguments(DockerfileTests.runtimeStage(), "ENTRYPOINT").get(0));
    List<String> command = new ArrayList<>(entrypoint);
    command.set(0, javaBinary());

    Process service = start(command, env, workdir, "service");
    try {
      ServiceClient management = ServiceClient.onPort(managementPort);
      ServiceProcess.awaitCondition(
          "readiness of the service started from the image layout, on the management port",
          START_TIMEOUT,
          Duration.ofMillis(200),
          () -> {
            assertThat(service.isAlive()).as("the service exited: see %s", log("service")).isTrue();
            return management.readinessStatus() == 200;
          });
      assertThat(management.status("/actuator/health/liveness")).isEqualTo(200);
      assertThat(management.status("/actuator/prometheus")).isEqualTo(200);
      ServiceClient client =
          new ServiceClient() {
            @Override
            public URI uri(String pathAndQuery) {
              return URI.create("http://127.0.0.1:" + port + pathAndQuery);
            }

            @Override
            public HttpRequest.Builder request(String pathAndQuery) {
              return super.request(pathAndQuery).header("Authorization", "Bearer " + token);
            }
          };
      // The actuator is no longer on the HTTP port.
      assertThat(client.readinessStatus()).isEqualTo(404);

      HttpResponse<byte[]> file = client.sendCreateFile("{\"name\":\"from-the-image\"}");
      ServiceClient.assertStatus(file, 201);
      // ci/settings-values.yaml sets bigfile.files.default-block-size: 64KB.
      assertThat(ServiceClient.body(file)).contains("\"blockSize\":65536");
      String fileId = ServiceClient.field(file, "id");
      String txn = client.begin();
      client.writeAt(fileId, 0, "AAAA".getBytes(StandardCharsets.US_ASCII), "?txn=" + txn);
      client.commit(txn);
    } finally {
      service.destroy();
      if (!service.waitFor(60, TimeUnit.SECONDS)) {
        service.destroyForcibly();
      }
    }
    assertThat(listing(workdir)).as("files written to the (read-only) image").isEqualTo(before);
  }

  // ---------------------------------------------------------------- the chart's environment

  /**
   * A rendered container's environment with what a cluster would supply: the database's real
   * coordinates for the values and the Secret, this test's pod name and the loopback address for
   * the downward API; paths under the test's directory replace the chart's.
   */
  private static Map<String, String> environment(
      Map<String, Object> container, String url, Map<String, String> overrides) {
    Map<String, String> env = new java.util.LinkedHashMap<>();
    for (Map.Entry<String, Map<String, Object>> e : RenderedChart.env(container).entrySet()) {
      Map<String, Object> var = e.getValue();
      String value;
      if (at(var, "valueFrom", "secretKeyRef") != null) {
        value = db.password() == null ? "" : db.password();
      } else if ("metadata.name".equals(at(var, "valueFrom", "fieldRef", "fieldPath"))) {
        value = POD_NAME;
      } else if ("status.podIP".equals(at(var, "valueFrom", "fieldRef", "fieldPath"))) {
        value = "127.0.0.1";
      } else {
        // $(NAME) of a variable defined before, as the kubelet expands it
        value = (String) var.get("value");
        for (Map.Entry<String, String> defined : env.entrySet()) {
          value = value.replace("$(" + defined.getKey() + ")", defined.getValue());
        }
      }
      env.put(e.getKey(), value);
    }
    assertThat(env).containsKeys("SPRING_DATASOURCE_URL", "SPRING_DATASOURCE_USERNAME");
    env.put("SPRING_DATASOURCE_URL", url);
    env.put("SPRING_DATASOURCE_USERNAME", db.username());
    env.putIfAbsent("JDK_JAVA_OPTIONS", DockerfileTests.runtimeEnv().get("JDK_JAVA_OPTIONS"));
    // The image's /tmp volume.
    env.put(
        "JDK_JAVA_OPTIONS",
        env.get("JDK_JAVA_OPTIONS") + " -Djava.io.tmpdir=" + root.resolve("tmp"));
    for (String key : overrides.keySet()) {
      assertThat(TEST_ONLY.contains(key) || env.containsKey(key))
          .as("the chart sets %s", key)
          .isTrue();
    }
    env.putAll(overrides);
    return env;
  }

  private static String randomBase64() {
    byte[] bytes = new byte[32];
    new SecureRandom().nextBytes(bytes);
    return Base64.getEncoder().encodeToString(bytes);
  }

  private static String inImage(String word) {
    String imageJar = DockerfileTests.applicationJarInImage();
    return word.equals(imageJar)
        ? workdir.resolve(DockerfileTests.applicationFilename()).toString()
        : word.equals("java") ? javaBinary() : word;
  }

  // ---------------------------------------------------------------- the database

  private static List<String> appliedMigrations() throws SQLException {
    List<String> out = new ArrayList<>();
    try (Connection c = DriverManager.getConnection(db.url(), db.username(), db.password());
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT script FROM "
                    + schema
                    + ".flyway_schema_history WHERE success AND version IS NOT NULL"
                    + " ORDER BY installed_rank")) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
    }
    return out;
  }

  private static List<String> migrationFiles() throws IOException {
    try (Stream<Path> files = Files.list(Path.of("db-migrations"))) {
      return files
          .map(f -> f.getFileName().toString())
          .filter(n -> n.endsWith(".sql"))
          .sorted()
          .toList();
    }
  }

  // ---------------------------------------------------------------- processes and HTTP

  private static int run(List<String> command, Map<String, String> env, Path dir, String name)
      throws InterruptedException {
    Process p = start(command, env, dir, name);
    if (!p.waitFor(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(name + " did not finish: see " + log(name));
    }
    return p.exitValue();
  }

  private static Process start(
      List<String> command, Map<String, String> env, Path dir, String name) {
    ProcessBuilder pb =
        new ProcessBuilder(command)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log(name).toFile());
    // Only the chart's environment reaches the service, not this JVM's settings.
    pb.environment()
        .keySet()
        .removeIf(
            k ->
                k.startsWith("SPRING_")
                    || k.startsWith("BIGFILE_")
                    || k.startsWith("NARAYANA_")
                    || k.startsWith("JDK_JAVA_OPTIONS")
                    || k.startsWith("JAVA_TOOL_OPTIONS"));
    pb.environment().putAll(env);
    try {
      return pb.start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Path log(String name) {
    return root.resolve(name + ".log");
  }

  // ---------------------------------------------------------------- files

  private static Path packagedJar() throws IOException {
    try (Stream<Path> files = Files.list(Path.of("target"))) {
      List<Path> jars =
          files.filter(f -> f.getFileName().toString().matches("bigfile-.*\\.jar")).toList();
      assertThat(jars).as("the packaged jar (this test runs after package)").hasSize(1);
      return jars.get(0).toAbsolutePath();
    }
  }

  private static String javaBinary() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path source : files.toList()) {
        Path target = to.resolve(from.relativize(source).toString());
        if (Files.isDirectory(source)) {
          Files.createDirectories(target);
        } else {
          Files.copy(source, target);
        }
      }
    }
  }

  private static TreeSet<String> listing(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      TreeSet<String> out = new TreeSet<>();
      files.forEach(f -> out.add(dir.relativize(f) + (Files.isDirectory(f) ? "/" : "")));
      return out;
    }
  }
}
