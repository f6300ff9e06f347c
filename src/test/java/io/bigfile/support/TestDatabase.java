package io.bigfile.support;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import org.flywaydb.core.Flyway;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * The PostgreSQL database of this test JVM, migrated once. Chosen in this order, unless {@code
 * BIGFILE_TEST_DB} ({@code testcontainers}, {@code local} or {@code embedded}) forces one:
 *
 * <ol>
 *   <li>Testcontainers, when a Docker engine answers;
 *   <li>a fresh database on a local server ({@code BIGFILE_TEST_PG_URL}, default {@code
 *       jdbc:postgresql://127.0.0.1:5432/postgres}, user {@code BIGFILE_TEST_PG_USER} default
 *       {@code postgres}, password {@code BIGFILE_TEST_PG_PASSWORD} default empty), dropped when
 *       the JVM exits;
 *   <li>an embedded PostgreSQL (zonky).
 * </ol>
 */
public final class TestDatabase {

  /** Where the database is. */
  public record Coordinates(String url, String username, String password, String source) {}

  private static Coordinates instance;

  private TestDatabase() {}

  public static synchronized Coordinates get() {
    if (instance == null) {
      instance = start();
      Flyway.configure()
          .dataSource(instance.url(), instance.username(), instance.password())
          .locations("filesystem:db-migrations")
          .load()
          .migrate();
    }
    return instance;
  }

  private static Coordinates start() {
    String forced = env("BIGFILE_TEST_DB", "auto").toLowerCase(Locale.ROOT);
    switch (forced) {
      case "testcontainers":
        return testcontainers();
      case "local":
        return local();
      case "embedded":
        return embedded();
      case "auto":
        break;
      default:
        throw new IllegalStateException(
            "BIGFILE_TEST_DB must be testcontainers, local or embedded");
    }
    if (dockerConfigured() && DockerClientFactory.instance().isDockerAvailable()) {
      return testcontainers();
    }
    try {
      return local();
    } catch (IllegalStateException e) {
      System.err.println("no local PostgreSQL (" + e.getMessage() + "); using an embedded one");
      return embedded();
    }
  }

  /** Asking Testcontainers without any Docker configuration only logs errors; skip it then. */
  private static boolean dockerConfigured() {
    return System.getenv("DOCKER_HOST") != null
        || java.nio.file.Files.exists(java.nio.file.Path.of("/var/run/docker.sock"))
        || java.nio.file.Files.exists(
            java.nio.file.Path.of(System.getProperty("user.home"), ".testcontainers.properties"));
  }

  private static String env(String name, String dflt) {
    String v = System.getenv(name);
    return v == null || v.isEmpty() ? dflt : v;
  }

  @SuppressWarnings("resource")
  private static Coordinates testcontainers() {
    PostgreSQLContainer pg = new PostgreSQLContainer("postgres:15");
    pg.start();
    Runtime.getRuntime().addShutdownHook(new Thread(pg::stop));
    return new Coordinates(pg.getJdbcUrl(), pg.getUsername(), pg.getPassword(), "testcontainers");
  }

  private static Coordinates local() {
    String admin = env("BIGFILE_TEST_PG_URL", "jdbc:postgresql://127.0.0.1:5432/postgres");
    String user = env("BIGFILE_TEST_PG_USER", "postgres");
    String password = env("BIGFILE_TEST_PG_PASSWORD", "");
    String name =
        "bigfile_test_"
            + ProcessHandle.current().pid()
            + "_"
            + Integer.toHexString(ThreadLocalRandom.current().nextInt() & 0xfffffff);
    try (Connection c = DriverManager.getConnection(admin, user, password);
        Statement s = c.createStatement()) {
      dropLeftovers(s);
      s.execute("CREATE DATABASE " + name);
    } catch (SQLException e) {
      throw new IllegalStateException(
          "cannot create a database at " + admin + ": " + e.getMessage());
    }
    // Not dropped when this JVM exits: shutdown hooks run all at once, and services still closing
    // then (Spring's own hook) would wait for connections to a database that is gone. The next
    // test JVM drops it (dropLeftovers).
    int slash = admin.lastIndexOf('/');
    int q = admin.indexOf('?', slash);
    String url = admin.substring(0, slash + 1) + name + (q < 0 ? "" : admin.substring(q));
    return new Coordinates(url, user, password, "local");
  }

  /**
   * Drops the databases of earlier test JVMs that are no longer running (their names carry their
   * process id).
   */
  private static void dropLeftovers(Statement s) throws SQLException {
    List<String> names = new ArrayList<>();
    try (ResultSet rs =
        s.executeQuery("SELECT datname FROM pg_database WHERE datname LIKE 'bigfile\\_test\\_%'")) {
      while (rs.next()) {
        names.add(rs.getString(1));
      }
    }
    for (String db : names) {
      String[] parts = db.split("_");
      long pid;
      try {
        pid = Long.parseLong(parts[2]);
      } catch (RuntimeException e) {
        continue;
      }
      if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
        continue;
      }
      try {
        s.execute("DROP DATABASE IF EXISTS " + db + " WITH (FORCE)");
      } catch (SQLException e) {
        System.err.println("could not drop the leftover test database " + db + ": " + e);
      }
    }
  }

  private static Coordinates embedded() {
    try {
      EmbeddedPostgres pg = EmbeddedPostgres.builder().start();
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    try {
                      pg.close();
                    } catch (IOException e) {
                      System.err.println("could not stop embedded PostgreSQL: " + e);
                    }
                  }));
      return new Coordinates(
          "jdbc:postgresql://localhost:" + pg.getPort() + "/postgres", "postgres", "", "embedded");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
