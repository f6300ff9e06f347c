package io.bigfile.support;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.bigfile.block.BlockStore;
import io.bigfile.block.InMemoryBlockStore;
import io.bigfile.engine.Engine;
import io.bigfile.engine.EngineSettings;
import io.bigfile.file.WriteFormat;
import io.bigfile.pagecache.DirtyBudget;
import io.bigfile.pagecache.PageCache;
import io.bigfile.postgres.JtaConnections;
import io.bigfile.postgres.PostgresBlockStore;
import io.bigfile.postgres.catalog.Catalogue;
import java.time.Clock;
import java.time.Duration;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;
import org.postgresql.xa.PGXADataSource;

/** Builds stores and engines for tests, on the in-memory store or on the test JVM's PostgreSQL. */
public final class Stores {

  private static PostgresBlockStore postgres;

  /** Read-ahead threads shared by the engines of tests. */
  public static final java.util.concurrent.ExecutorService PREFETCH =
      java.util.concurrent.Executors.newFixedThreadPool(
          4,
          r -> {
            Thread t = new Thread(r, "test-prefetch");
            t.setDaemon(true);
            return t;
          });

  private Stores() {}

  public static InMemoryBlockStore inMemory() {
    return new InMemoryBlockStore(Clock.systemUTC());
  }

  /** The PostgreSQL store of this JVM (one pool, shared by every test). */
  public static synchronized PostgresBlockStore postgres() {
    if (postgres == null) {
      TestDatabase.Coordinates db = TestDatabase.get();
      postgres = newPostgres(listenSource(db), Duration.ofSeconds(2));
    }
    return postgres;
  }

  /**
   * A store of its own on the test database, as another replica has: its own pools and its own head
   * revision watcher on {@code listen} (null: none). The caller closes it.
   */
  public static PostgresBlockStore newPostgres(DataSource listen, Duration headRefresh) {
    TestDatabase.Coordinates db = TestDatabase.get();
    HikariConfig cfg = new HikariConfig();
    cfg.setJdbcUrl(db.url());
    cfg.setUsername(db.username());
    cfg.setPassword(db.password());
    cfg.setMaximumPoolSize(8);
    cfg.addDataSourceProperty("prepareThreshold", "-1");
    PGXADataSource xa = new PGXADataSource();
    xa.setUrl(db.url());
    xa.setUser(db.username());
    xa.setPassword(db.password());
    xa.setPrepareThreshold(-1);
    JtaConnections jta =
        new JtaConnections(
            com.arjuna.ats.jta.TransactionManager.transactionManager(),
            xa,
            8,
            Duration.ofSeconds(30));
    HikariDataSource reads = new HikariDataSource(cfg);
    return new PostgresBlockStore(
        reads, Catalogue.standalone(reads), jta, Duration.ofMinutes(10), listen, headRefresh);
  }

  /** Unpooled connections to the test database, for a store's head revision watcher. */
  public static PGSimpleDataSource listenSource(TestDatabase.Coordinates db) {
    PGSimpleDataSource ds = new PGSimpleDataSource();
    ds.setUrl(db.url());
    ds.setUser(db.username());
    ds.setPassword(db.password());
    return ds;
  }

  public static EngineSettings settings() {
    return settings(Duration.ofHours(1));
  }

  public static EngineSettings settings(Duration retention) {
    return new EngineSettings(
        4096,
        WriteFormat.AUTO,
        1L << 40,
        Duration.ofMinutes(5),
        Duration.ofMinutes(10),
        16 * 1024, // small read-ahead windows, so reads cross several and prefetch all the time
        retention,
        Duration.ofMinutes(3),
        50_000,
        500_000,
        100_000,
        Duration.ofHours(24));
  }

  public static Engine engine(BlockStore store) {
    return engine(store, settings(), new DirtyBudget(1L << 30, 256L << 20));
  }

  public static Engine engine(BlockStore store, EngineSettings settings, DirtyBudget budget) {
    return new Engine(
        store,
        new PageCache(64L << 20),
        budget,
        settings,
        Clock.systemUTC(),
        nanos -> {},
        PREFETCH);
  }
}
