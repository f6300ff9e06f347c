package io.bigfile.bench;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The PostgreSQL server of one benchmark run, and the schema {@value #SCHEMA} in it where both the
 * service and the raw baselines keep their tables. The schema is dropped and created again before
 * each group of figures, so every group starts from empty tables (and sizes measured by figure 5
 * are not disturbed by space freed by earlier groups).
 *
 * <p>The server is, in this order: the one named by {@code -Dbench.db.url} (with {@code
 * bench.db.user}, {@code bench.db.password}; only the schema is created and dropped there); else a
 * fresh database on the local server {@code 127.0.0.1:5432} (user {@code postgres}, trust auth),
 * dropped at the end; else an embedded PostgreSQL (zonky), stopped at the end. {@code
 * -Dbench.db.source=local} or {@code embedded} forces one of the last two.
 */
final class BenchDb implements AutoCloseable {

  static final String SCHEMA = "bigfile_bench";
  private static final String LOCAL_ADMIN = "jdbc:postgresql://127.0.0.1:5432/postgres";

  private final String source;
  private final String url;
  private final String user;
  private final String password;
  private final Runnable cleanup;
  private final AtomicBoolean closed = new AtomicBoolean();

  private BenchDb(String source, String url, String user, String password, Runnable cleanup) {
    this.source = source;
    this.url = url;
    this.user = user;
    this.password = password;
    this.cleanup = cleanup;
  }

  static BenchDb open(BenchConfig cfg) {
    if (!cfg.dbUrl().isEmpty()) {
      String u = cfg.dbUser().isEmpty() ? null : cfg.dbUser();
      String p = cfg.dbPassword().isEmpty() ? null : cfg.dbPassword();
      String shown = cfg.dbUrl().replaceAll("(?i)(password=)[^&]*", "$1***");
      BenchDb db = new BenchDb("given: " + shown, cfg.dbUrl(), u, p, () -> {});
      db.dropSchemaQuietly();
      return db;
    }
    if (cfg.dbSource().equals("embedded")) {
      return embedded();
    }
    try {
      return local();
    } catch (SQLException e) {
      if (cfg.dbSource().equals("local")) {
        throw new IllegalStateException(
            "no local PostgreSQL at 127.0.0.1:5432 (bench.db.source=local): " + e.getMessage(), e);
      }
      System.out.println(
          "[bench] no local PostgreSQL at 127.0.0.1:5432 ("
              + e.getMessage()
              + "); starting an embedded one");
      return embedded();
    }
  }

  private static BenchDb local() throws SQLException {
    String name = "bigfile_bench_" + ProcessHandle.current().pid();
    try (Connection c =
            DriverManager.getConnection(LOCAL_ADMIN + "?connectTimeout=3", "postgres", "");
        Statement s = c.createStatement()) {
      s.execute("DROP DATABASE IF EXISTS " + name);
      s.execute("CREATE DATABASE " + name);
    }
    Runnable drop =
        () -> {
          try (Connection c = DriverManager.getConnection(LOCAL_ADMIN, "postgres", "");
              Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
          } catch (SQLException e) {
            System.err.println("[bench] could not drop database " + name + ": " + e.getMessage());
          }
        };
    return new BenchDb(
        "local server 127.0.0.1:5432, fresh database " + name + " (dropped at the end)",
        "jdbc:postgresql://127.0.0.1:5432/" + name,
        "postgres",
        "",
        drop);
  }

  private static BenchDb embedded() {
    try {
      EmbeddedPostgres pg = EmbeddedPostgres.builder().start();
      return new BenchDb(
          "embedded PostgreSQL (zonky) on port " + pg.getPort(),
          "jdbc:postgresql://localhost:" + pg.getPort() + "/postgres",
          "postgres",
          "",
          () -> {
            try {
              pg.close();
            } catch (IOException e) {
              System.err.println("[bench] could not stop the embedded PostgreSQL: " + e);
            }
          });
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start an embedded PostgreSQL", e);
    }
  }

  String source() {
    return source;
  }

  String user() {
    return user;
  }

  String password() {
    return password;
  }

  /** The JDBC URL of the schema, with extra parameters ({@code name=value&...}) appended. */
  String url(String extraParams) {
    String sep = url.contains("?") ? "&" : "?";
    return url
        + sep
        + "currentSchema="
        + SCHEMA
        + (extraParams == null || extraParams.isEmpty() ? "" : "&" + extraParams);
  }

  /**
   * A raw connection for the baselines: binary transfer from the first execution ({@code
   * prepareThreshold=-1}), the schema on the search path, autocommit on.
   */
  Connection raw() {
    try {
      return DriverManager.getConnection(
          url("prepareThreshold=-1&ApplicationName=bigfile-bench-raw"), user, password);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot connect to the database " + source, e);
    }
  }

  /** Empty schema: drops every table of the service and of the baselines. */
  void resetSchema() {
    try (Connection c = DriverManager.getConnection(url, user, password);
        Statement s = c.createStatement()) {
      s.execute("DROP SCHEMA IF EXISTS " + SCHEMA + " CASCADE");
      s.execute("CREATE SCHEMA " + SCHEMA);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot reset schema " + SCHEMA + ": " + e.getMessage(), e);
    }
    checkpoint();
  }

  /**
   * Asks for a checkpoint, so that WAL written by the previous measurement is not flushed during
   * the next one. Needs superuser (or pg_checkpoint); without it, nothing happens.
   */
  void checkpoint() {
    try (Connection c = DriverManager.getConnection(url, user, password);
        Statement s = c.createStatement()) {
      s.execute("CHECKPOINT");
    } catch (SQLException e) {
      // not allowed for this user: the measurement just runs without it
    }
  }

  /** Server version and the settings that matter for the figures. */
  Map<String, String> serverSettings() {
    Map<String, String> out = new LinkedHashMap<>();
    try (Connection c = DriverManager.getConnection(url, user, password);
        Statement s = c.createStatement()) {
      try (ResultSet rs = s.executeQuery("SELECT version()")) {
        rs.next();
        out.put("version", rs.getString(1));
      }
      for (String name :
          new String[] {
            "shared_buffers",
            "synchronous_commit",
            "fsync",
            "wal_level",
            "max_wal_size",
            "default_toast_compression",
            "max_connections"
          }) {
        try (ResultSet rs = s.executeQuery("SHOW " + name)) {
          rs.next();
          out.put(name, rs.getString(1));
        }
      }
    } catch (SQLException e) {
      out.put("error", e.getMessage());
    }
    return out;
  }

  private void dropSchemaQuietly() {
    try (Connection c = DriverManager.getConnection(url, user, password);
        Statement s = c.createStatement()) {
      s.execute("DROP SCHEMA IF EXISTS " + SCHEMA + " CASCADE");
    } catch (SQLException e) {
      throw new IllegalStateException(
          "cannot use the database " + source + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    if (source.startsWith("given")) {
      try {
        dropSchemaQuietly();
      } catch (IllegalStateException e) {
        System.err.println("[bench] could not drop schema " + SCHEMA + ": " + e.getMessage());
      }
    }
    cleanup.run();
  }
}
