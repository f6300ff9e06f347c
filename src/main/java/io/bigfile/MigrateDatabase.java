package io.bigfile;

import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.flyway.autoconfigure.FlywayAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;

/**
 * Applies the database migrations ({@code db-migrations/}, through Spring Boot's Flyway support and
 * the same {@code spring.datasource.*} and {@code spring.flyway.*} settings as the service) and
 * exits: 0 when the schema is current, non-zero otherwise. Nothing else of the service starts (no
 * web server, no engine, no transaction manager), so it runs before any replica does.
 *
 * <p>The Helm chart runs it as a pre-install and pre-upgrade Job ({@code java -cp application.jar
 * io.bigfile.MigrateDatabase}) and starts the replicas with {@code spring.flyway.enabled=false}:
 * migrations run once per release, and replicas never race to migrate. Flyway also holds a
 * PostgreSQL advisory lock while it migrates, so two runs at once (two releases, or the service
 * started by hand) wait for each other instead of applying a migration twice.
 *
 * <p>It holds at most two connections ({@link #DEFAULTS}): Flyway migrates on one while it keeps
 * its schema history and lock on another, and Hikari's default pool of ten, filled in the
 * background, would take eight more out of the database's {@code max_connections} for nothing while
 * replicas of the previous version keep serving (see {@code io.bigfile.config.DatabaseProperties},
 * the connection budget). A {@code spring.datasource.hikari.*} setting of one's own wins.
 *
 * <p>This class is deliberately not a {@code @Configuration}: the service's component scan must not
 * pick up its auto-configuration imports.
 */
@ImportAutoConfiguration({DataSourceAutoConfiguration.class, FlywayAutoConfiguration.class})
public class MigrateDatabase {

  /** Migrates whatever {@code spring.flyway.enabled} says elsewhere: migrating is the whole job. */
  private static final Map<String, Object> FORCED = Map.of("spring.flyway.enabled", "true");

  /** The pool: Flyway's two connections, no more. */
  static final Map<String, Object> DEFAULTS =
      Map.of(
          "spring.datasource.hikari.maximum-pool-size", "2",
          "spring.datasource.hikari.minimum-idle", "0");

  public static void main(String[] args) {
    System.exit(SpringApplication.exit(run(args)));
  }

  /** Migrates and returns the (still open) context; the caller closes it. */
  static ConfigurableApplicationContext run(String... args) {
    SpringApplication app = new SpringApplication(MigrateDatabase.class);
    app.setWebApplicationType(WebApplicationType.NONE);
    app.setDefaultProperties(DEFAULTS);
    app.addInitializers(
        context ->
            context
                .getEnvironment()
                .getPropertySources()
                .addFirst(new MapPropertySource("migrate-database", FORCED)));
    return app.run(args);
  }
}
