package io.bigfile;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.bigfile.support.TestDatabase;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The migration entry point (the chart's migration Job) migrates an empty database while holding at
 * most two connections, the share of the connection budget the chart counts for it.
 */
@Timeout(120)
class MigrateDatabaseIT {

  @Test
  void migratesAnEmptyDatabaseOnTwoConnections() throws SQLException {
    TestDatabase.Coordinates db = TestDatabase.get();
    String name = "bigfile_migrate_" + UUID.randomUUID().toString().replace("-", "");
    try (Connection admin = DriverManager.getConnection(db.url(), db.username(), db.password());
        Statement s = admin.createStatement()) {
      s.execute("CREATE DATABASE " + name);
      try {
        int slash = db.url().lastIndexOf('/');
        int query = db.url().indexOf('?', slash);
        String url =
            db.url().substring(0, slash + 1) + name + (query < 0 ? "" : db.url().substring(query));
        try (ConfigurableApplicationContext context =
            MigrateDatabase.run(
                "--spring.datasource.url=" + url,
                "--spring.datasource.username=" + db.username(),
                "--spring.datasource.password=" + (db.password() == null ? "" : db.password()))) {
          assertThat(context.getBean(HikariDataSource.class).getMaximumPoolSize()).isEqualTo(2);
          try (ResultSet rs =
              s.executeQuery(
                  "SELECT count(*) FROM pg_stat_activity WHERE datname = '" + name + "'")) {
            rs.next();
            assertThat(rs.getInt(1)).isLessThanOrEqualTo(2);
          }
          try (Connection migrated =
                  DriverManager.getConnection(url, db.username(), db.password());
              Statement m = migrated.createStatement();
              ResultSet rs =
                  m.executeQuery(
                      "SELECT count(*) FILTER (WHERE success), count(*) FILTER (WHERE NOT success)"
                          + " FROM flyway_schema_history")) {
            rs.next();
            assertThat(rs.getInt(1)).as("migrations applied").isPositive();
            assertThat(rs.getInt(2)).as("migrations failed").isZero();
          }
        }
      } finally {
        s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
      }
    }
  }
}
