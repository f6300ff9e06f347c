package io.bigfile.config;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.bigfile.config.DatabaseConfig.Database;
import io.bigfile.postgres.PostgresBlockStore;
import io.bigfile.postgres.SessionLimits;
import io.bigfile.postgres.Standbys;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Reads from hot standbys ({@code bigfile.standbys}): a small pool per standby, the routing of
 * reads ({@link Standbys}), their metrics and the {@code standbys} health indicator, which the
 * readiness group leaves out: a replica whose standbys are all down still serves every read, from
 * the primary.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(StandbyProperties.class)
class StandbyConfig {

  /** How often each standby's head row is read. */
  static final Duration POLL = Duration.ofMillis(500);

  /**
   * The most connections of a standby's pool, per replica: they are connections on the standby
   * server, not the primary; a read that finds them all busy for {@link #CONNECTION_WAIT} runs on
   * the primary instead.
   */
  static final int POOL_SIZE = 4;

  /**
   * How long a read waits for a connection of a standby's pool before it runs on the primary
   * instead.
   */
  static final Duration CONNECTION_WAIT = Duration.ofSeconds(1);

  @Bean(destroyMethod = "close")
  Standbys standbys(
      DataSource dataSource,
      StandbyProperties props,
      Database db,
      DatabaseProperties database,
      SessionLimits limits) {
    List<Standbys.Standby> standbys = new ArrayList<>();
    int n = 0;
    for (String url : props.standbys()) {
      n++;
      standbys.add(
          new Standbys.Standby(
              StandbyProperties.name(url), pool(n, url, db, database, limits), probe(url, db)));
    }
    return new Standbys(dataSource, standbys, POLL);
  }

  /** Like the primary's read pool, smaller; it starts whether or not the standby answers. */
  private static HikariDataSource pool(
      int n, String url, Database db, DatabaseProperties database, SessionLimits limits) {
    HikariConfig cfg = new HikariConfig();
    cfg.setPoolName("bigfile-standby-" + n);
    cfg.setJdbcUrl(url);
    cfg.setUsername(db.username());
    cfg.setPassword(db.password());
    cfg.setMaximumPoolSize(POOL_SIZE);
    cfg.setMinimumIdle(0);
    cfg.setInitializationFailTimeout(-1);
    cfg.setConnectionTimeout(CONNECTION_WAIT.toMillis());
    cfg.addDataSourceProperty("prepareThreshold", "-1");
    cfg.addDataSourceProperty("connectTimeout", DatabaseConfig.seconds(database.connectTimeout()));
    cfg.addDataSourceProperty("loginTimeout", DatabaseConfig.seconds(database.connectTimeout()));
    cfg.addDataSourceProperty("socketTimeout", DatabaseConfig.seconds(database.socketTimeout()));
    if (!limits.readSessionSql().isEmpty()) {
      cfg.setConnectionInitSql(limits.readSessionSql());
    }
    return new HikariDataSource(cfg);
  }

  /** The connection that polls the head row: a poll answers within a few seconds or fails. */
  private static PGSimpleDataSource probe(String url, Database db) {
    PGSimpleDataSource probe = new Database(url, db.username(), db.password()).unpooled();
    probe.setConnectTimeout(2);
    probe.setLoginTimeout(2);
    probe.setSocketTimeout(3);
    probe.setApplicationName("bigfile-standby-poll");
    return probe;
  }

  /**
   * {@code bigfile_standby_reads_total{standby}}, {@code bigfile_standby_fallbacks_total{reason}}
   * and {@code bigfile_standby_lag_revisions{standby}}.
   */
  @Bean
  MeterBinder standbyMetrics(Standbys standbys, PostgresBlockStore store) {
    return registry -> {
      for (Standbys.Fallback reason : Standbys.Fallback.values()) {
        FunctionCounter.builder("bigfile.standby.fallbacks", standbys, s -> s.fallbacks(reason))
            .description(
                "Reads at a revision run on the primary although standbys are configured, by why")
            .tag("reason", reason.tag())
            .register(registry);
      }
      for (Standbys.Standby s : standbys.all()) {
        FunctionCounter.builder("bigfile.standby.reads", s, Standbys.Standby::served)
            .description("Reads at a revision served by a standby")
            .tag("standby", s.name())
            .register(registry);
        Gauge.builder(
                "bigfile.standby.replayed.revision",
                s,
                x -> x.replayedHead() < 0 ? Double.NaN : x.replayedHead())
            .description("The revision a standby has replayed up to, as last polled")
            .tag("standby", s.name())
            .register(registry);
        Gauge.builder("bigfile.standby.lag", s, x -> lag(store, x))
            .description(
                "Revisions the head this replica knows is ahead of what a standby has replayed")
            .baseUnit("revisions")
            .tag("standby", s.name())
            .register(registry);
      }
    };
  }

  /** NaN while either end is unknown (the standby does not answer, the head watcher is down). */
  private static double lag(PostgresBlockStore store, Standbys.Standby s) {
    long replayed = s.replayedHead();
    if (replayed < 0 || !store.watchingHead()) {
      return Double.NaN;
    }
    return Math.max(0, store.headRevision() - replayed);
  }

  /**
   * {@code standbys}: UP when every standby serves reads (or none is configured), DOWN with the
   * reason when one does not. Not in the readiness group (see application.yaml): reads fall back to
   * the primary.
   */
  @Bean
  HealthIndicator standbysHealthIndicator(Standbys standbys, PostgresBlockStore store) {
    return () -> {
      if (standbys.all().isEmpty()) {
        return Health.up().withDetail("standbys", "none configured").build();
      }
      boolean allServe = true;
      Map<String, Object> details = new LinkedHashMap<>();
      for (Standbys.Standby s : standbys.all()) {
        Map<String, Object> d = new LinkedHashMap<>();
        String problem = s.problem();
        if (problem == null) {
          d.put("state", "serving");
          d.put("replayedRevision", s.replayedHead());
          double lag = lag(store, s);
          if (!Double.isNaN(lag)) {
            d.put("lagRevisions", (long) lag);
          }
        } else {
          allServe = false;
          d.put("state", "down");
          d.put("error", problem);
        }
        d.put("readsServed", s.served());
        details.put(s.name(), d);
      }
      return (allServe ? Health.up() : Health.down()).withDetails(details).build();
    };
  }
}
