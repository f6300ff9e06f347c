package io.bigfile.config;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.bigfile.postgres.SessionLimits;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.postgresql.ds.PGSimpleDataSource;
import org.postgresql.xa.PGXADataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.jdbc.autoconfigure.DataSourceProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;
import org.springframework.util.StringUtils;

/**
 * The database: the server named by {@code spring.datasource.*}, or, when no URL is set, an
 * embedded PostgreSQL whose data directory survives restarts. Reads use a Hikari pool; commits use
 * XA connections (see {@code io.bigfile.postgres}). Binary transfer of bytea is forced on both, and
 * both get the same bounds on how long the database may take ({@link SessionLimits}): connecting,
 * each statement, each wait for an answer. A URL that sets {@code connectTimeout}, {@code
 * loginTimeout} or {@code socketTimeout} itself keeps its own.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties({
  DataSourceProperties.class,
  EmbeddedDatabaseProperties.class,
  DatabaseProperties.class
})
class DatabaseConfig {

  private static final Logger LOG = LoggerFactory.getLogger(DatabaseConfig.class);

  /** Where the database is. */
  record Database(String url, String username, String password) {

    /** Unpooled connections to it. */
    PGSimpleDataSource unpooled() {
      PGSimpleDataSource ds = new PGSimpleDataSource();
      ds.setUrl(url);
      if (username != null) {
        ds.setUser(username);
      }
      if (password != null) {
        ds.setPassword(password);
      }
      return ds;
    }
  }

  /** Holds the embedded server, if one was started, and stops it at shutdown. */
  static final class EmbeddedServer implements AutoCloseable {
    private final EmbeddedPostgres postgres;

    EmbeddedServer(EmbeddedPostgres postgres) {
      this.postgres = postgres;
    }

    @Override
    public void close() throws IOException {
      if (postgres != null) {
        postgres.close();
      }
    }
  }

  @Bean
  EmbeddedServer embeddedServer(DataSourceProperties props, EmbeddedDatabaseProperties embedded) {
    if (StringUtils.hasText(props.getUrl())) {
      return new EmbeddedServer(null);
    }
    try {
      Files.createDirectories(embedded.dataDir());
      EmbeddedPostgres pg =
          EmbeddedPostgres.builder()
              .setDataDirectory(embedded.dataDir())
              .setCleanDataDirectory(false)
              .setPort(embedded.port())
              .setServerConfig(
                  "unix_socket_directories", embedded.dataDir().toAbsolutePath().toString())
              .start();
      return new EmbeddedServer(pg);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the embedded PostgreSQL", e);
    }
  }

  @Bean
  Database database(DataSourceProperties props, EmbeddedServer server) {
    if (server.postgres == null) {
      return new Database(props.getUrl(), props.getUsername(), props.getPassword());
    }
    return new Database(
        "jdbc:postgresql://localhost:" + server.postgres.getPort() + "/postgres", "postgres", null);
  }

  @Bean
  SessionLimits sessionLimits(DatabaseProperties database) {
    return new SessionLimits(
        database.statementTimeout(), database.socketTimeout(), database.idleInTransactionTimeout());
  }

  @Bean(destroyMethod = "close")
  @Primary
  HikariDataSource dataSource(Database db, DatabaseProperties database, SessionLimits limits) {
    HikariConfig cfg = new HikariConfig();
    cfg.setPoolName("bigfile-reads");
    cfg.setJdbcUrl(db.url());
    cfg.setUsername(db.username());
    cfg.setPassword(db.password());
    cfg.setMaximumPoolSize(database.readConnections());
    cfg.setMinimumIdle(2);
    cfg.setConnectionTimeout(Math.max(250, database.connectionWait().toMillis()));
    cfg.addDataSourceProperty("prepareThreshold", "-1");
    // driver properties: a URL that sets them keeps its own (pgjdbc lets the URL win)
    cfg.addDataSourceProperty("connectTimeout", seconds(database.connectTimeout()));
    cfg.addDataSourceProperty("loginTimeout", seconds(database.connectTimeout()));
    cfg.addDataSourceProperty("socketTimeout", seconds(database.socketTimeout()));
    if (!limits.readSessionSql().isEmpty()) {
      cfg.setConnectionInitSql(limits.readSessionSql());
    }
    return new HikariDataSource(cfg);
  }

  /** Whole seconds, at least 1 for a positive duration (pgjdbc takes seconds; 0 means none). */
  static String seconds(Duration d) {
    if (d.isZero()) {
      return "0";
    }
    return Long.toString(Math.max(1, (d.toMillis() + 999) / 1000));
  }

  /**
   * The {@code db} health check (readiness includes it): a new connection runs a query, each step
   * bounded by a few seconds. Boot's own check borrows from the read pool instead, which waits up
   * to its 30 s connection timeout while the database is unreachable, longer than a probe waits;
   * this one answers DOWN as soon as the database refuses, or within about 5 s when it does not
   * answer, and UP as soon as it is back. A change of state is logged once, not every probe.
   */
  @Bean
  HealthIndicator dbHealthIndicator(Database db) {
    PGSimpleDataSource probe = db.unpooled();
    probe.setConnectTimeout(2);
    probe.setLoginTimeout(3);
    probe.setSocketTimeout(3);
    AtomicBoolean wasUp = new AtomicBoolean(true);
    return () -> {
      String error;
      try (Connection c = probe.getConnection()) {
        error = c.isValid(3) ? null : "the database did not answer a query in time";
      } catch (SQLException e) {
        error = e.getMessage();
      }
      if (error == null) {
        if (!wasUp.getAndSet(true)) {
          LOG.info("the database is reachable again");
        }
        return Health.up().withDetail("database", "PostgreSQL").build();
      }
      if (wasUp.getAndSet(false)) {
        LOG.warn("the database is unreachable: {}", error);
      }
      return Health.down().withDetail("error", error).build();
    };
  }

  @Bean
  PGXADataSource xaDataSource(Database db, DatabaseProperties database) {
    PGXADataSource xa = new PGXADataSource();
    // before the URL, so that a URL that sets them keeps its own
    int connect = Integer.parseInt(seconds(database.connectTimeout()));
    xa.setConnectTimeout(connect);
    xa.setLoginTimeout(connect);
    xa.setSocketTimeout(Integer.parseInt(seconds(database.socketTimeout())));
    xa.setUrl(db.url());
    if (db.username() != null) {
      xa.setUser(db.username());
    }
    if (db.password() != null) {
      xa.setPassword(db.password());
    }
    xa.setPrepareThreshold(-1);
    return xa;
  }
}
