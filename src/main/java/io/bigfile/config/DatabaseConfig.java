package io.bigfile.config;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import org.postgresql.xa.PGXADataSource;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.jdbc.autoconfigure.DataSourceProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;
import org.springframework.util.StringUtils;

/**
 * The database: the server named by {@code spring.datasource.*}, or, when no URL is set, an
 * embedded PostgreSQL whose data directory survives restarts. Reads use a Hikari pool; commits use
 * XA connections (see {@code io.bigfile.postgres}). Binary transfer of bytea is forced on both.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties({DataSourceProperties.class, EmbeddedDatabaseProperties.class})
class DatabaseConfig {

  /** Where the database is. */
  record Database(String url, String username, String password) {}

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

  @Bean(destroyMethod = "close")
  @Primary
  HikariDataSource dataSource(Database db, DataSourceProperties props) {
    HikariConfig cfg = new HikariConfig();
    cfg.setPoolName("bigfile-reads");
    cfg.setJdbcUrl(db.url());
    cfg.setUsername(db.username());
    cfg.setPassword(db.password());
    cfg.setMaximumPoolSize(16);
    cfg.setMinimumIdle(2);
    cfg.addDataSourceProperty("prepareThreshold", "-1");
    return new HikariDataSource(cfg);
  }

  @Bean
  PGXADataSource xaDataSource(Database db) {
    PGXADataSource xa = new PGXADataSource();
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
