package io.bigfile.config;

import io.bigfile.config.DatabaseConfig.Database;
import io.bigfile.engine.Engine;
import io.bigfile.engine.EngineSettings;
import io.bigfile.pagecache.DirtyBudget;
import io.bigfile.pagecache.PageCache;
import io.bigfile.postgres.JtaConnections;
import io.bigfile.postgres.PostgresBlockStore;
import io.bigfile.postgres.SessionLimits;
import io.bigfile.postgres.Standbys;
import io.bigfile.postgres.catalog.Catalogue;
import io.bigfile.replica.ReplicaRegistry;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.transaction.NotSupportedException;
import jakarta.transaction.SystemException;
import jakarta.transaction.TransactionManager;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.postgresql.ds.PGSimpleDataSource;
import org.postgresql.xa.PGXADataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.sql.init.dependency.DependsOnDatabaseInitialization;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Wires the engine: the store on PostgreSQL, the page cache, the dirty budget, background work and
 * metrics.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties({
  FilesProperties.class,
  TransactionsProperties.class,
  CacheProperties.class,
  HistoryProperties.class,
  IdempotencyProperties.class
})
class EngineConfig {

  private static final Logger LOG = LoggerFactory.getLogger(EngineConfig.class);

  /**
   * Narayana starts its transaction machinery at the first transaction, and that registers a JVM
   * shutdown hook, which the JVM refuses once it is shutting down. A transaction begun and rolled
   * back here starts it with the service: otherwise a replica that had committed nothing could not
   * run the transaction that withdraws its snapshot pin at shutdown, and failed to stop the engine
   * (its open transactions were not aborted).
   */
  @Bean(destroyMethod = "close")
  JtaConnections jtaConnections(
      TransactionManager narayanaTransactionManager,
      PGXADataSource xa,
      DatabaseProperties database,
      SessionLimits limits)
      throws NotSupportedException, SystemException {
    narayanaTransactionManager.begin();
    narayanaTransactionManager.rollback();
    return new JtaConnections(
        narayanaTransactionManager,
        xa,
        database.writeConnections(),
        database.connectionWait(),
        limits.writeSessionSql());
  }

  /**
   * Created after the migrations ran, so that the schema exists before the engine is used. It
   * learns of commits (this replica's and others') from notifications on a connection of its own,
   * so that reads need not ask the database for the head revision. Whether a commit whose answer
   * was lost landed, it asks on short-lived connections apart from the pools (an outage may have
   * left them full of broken connections) that give up quickly.
   */
  @Bean(destroyMethod = "close")
  @DependsOnDatabaseInitialization
  PostgresBlockStore blockStore(
      Standbys standbys,
      Catalogue catalogue,
      JtaConnections jta,
      TransactionsProperties tx,
      DatabaseProperties database,
      SessionLimits limits,
      Database db) {
    PGSimpleDataSource listen = db.unpooled();
    listen.setConnectTimeout(5);
    listen.setSocketTimeout(10);
    listen.setApplicationName("bigfile-head-watcher");
    PGSimpleDataSource settle = db.unpooled();
    int connect = Integer.parseInt(DatabaseConfig.seconds(database.connectTimeout()));
    settle.setConnectTimeout(connect);
    settle.setLoginTimeout(connect);
    settle.setSocketTimeout(15);
    return new PostgresBlockStore(
        standbys,
        catalogue,
        jta,
        tx.commitTimeout(),
        listen,
        database.headRefresh(),
        limits,
        settle);
  }

  /**
   * The memory sizes, those left at {@code auto} derived from this JVM's maximum heap; sizes that
   * cannot fit in it together stop the start here, with a message saying what fits.
   */
  @Bean
  MemoryBudget memoryBudget(CacheProperties cache, TransactionsProperties tx) {
    MemoryBudget budget = MemoryBudget.of(Runtime.getRuntime().maxMemory(), cache, tx);
    LOG.info("memory: {}", budget);
    return budget;
  }

  @Bean
  PageCache pageCache(MemoryBudget memory) {
    return new PageCache(memory.cache());
  }

  @Bean
  DirtyBudget dirtyBudget(MemoryBudget memory) {
    return new DirtyBudget(memory.dirtyTotal(), memory.dirtyPerTransaction());
  }

  @Bean
  Timer commitTimer(MeterRegistry registry) {
    return Timer.builder("bigfile.commit.duration")
        .description("Time to commit a transaction or an autocommit write")
        .publishPercentileHistogram()
        .register(registry);
  }

  /**
   * Loads blocks ahead of sequential reads. Bounded; when it is saturated the submitting thread
   * loads the block itself, so no read ever waits on a dropped task.
   */
  @Bean(destroyMethod = "shutdownNow")
  ThreadPoolExecutor prefetchExecutor(CacheProperties cache) {
    AtomicInteger n = new AtomicInteger();
    return new ThreadPoolExecutor(
        cache.prefetchThreads(),
        cache.prefetchThreads(),
        30,
        TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(256),
        r -> {
          Thread t = new Thread(r, "bigfile-prefetch-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        },
        new ThreadPoolExecutor.CallerRunsPolicy());
  }

  @Bean(destroyMethod = "close")
  Engine engine(
      PostgresBlockStore store,
      PageCache cache,
      DirtyBudget budget,
      FilesProperties files,
      TransactionsProperties tx,
      CacheProperties cacheProps,
      MemoryBudget memory,
      HistoryProperties history,
      IdempotencyProperties idempotency,
      Timer commitTimer,
      MeterRegistry registry,
      ThreadPoolExecutor prefetchExecutor,
      ReplicaRegistry replica) {
    EngineSettings settings =
        new EngineSettings(
            (int) files.defaultBlockSize().toBytes(),
            files.defaultFormat(),
            files.maxSize().toBytes(),
            tx.idleTimeout(),
            tx.finishedRetention(),
            memory.readAhead(),
            history.retention(),
            history.packInterval().multipliedBy(3),
            cacheProps.fileRecords(),
            cacheProps.indexEntries(),
            tx.maxFinished(),
            idempotency.retention());
    Engine engine =
        new Engine(
            store,
            cache,
            budget,
            settings,
            Clock.systemUTC(),
            nanos -> commitTimer.record(Duration.ofNanos(nanos)),
            prefetchExecutor,
            replica.transactionIdPrefix());
    bindMetrics(engine, cache, registry);
    return engine;
  }

  private static void bindMetrics(Engine engine, PageCache cache, MeterRegistry registry) {
    Gauge.builder("bigfile.cache.bytes", cache, PageCache::weightedSize)
        .description("Bytes of clean block versions in the page cache")
        .baseUnit("bytes")
        .register(registry);
    FunctionCounter.builder("bigfile.cache.requests", cache, c -> c.stats().hitCount())
        .description("Block loads asked of the page cache, by whether it held the block")
        .tag("result", "hit")
        .register(registry);
    FunctionCounter.builder("bigfile.cache.requests", cache, c -> c.stats().missCount())
        .description("Block loads asked of the page cache, by whether it held the block")
        .tag("result", "miss")
        .register(registry);
    Gauge.builder("bigfile.cache.hit.ratio", cache, c -> c.stats().hitRate())
        .description("Share of block loads served from the page cache")
        .register(registry);
    Gauge.builder("bigfile.dirty.bytes", engine, Engine::dirtyBytes)
        .description("Uncommitted block bytes held by open transactions")
        .baseUnit("bytes")
        .register(registry);
    Gauge.builder("bigfile.transactions.open", engine, Engine::openTransactionCount)
        .description("Open transactions")
        .register(registry);
    Gauge.builder("bigfile.commits.unconfirmed", engine, Engine::unconfirmedCommitCount)
        .description("Commits whose answer the database lost, until it says whether they landed")
        .register(registry);
    // No base unit on these two: the unit is already in the name, and Prometheus would repeat it
    // (bigfile_bytes_read_bytes_total)
    FunctionCounter.builder("bigfile.bytes.read", engine, e -> e.stats().bytesRead())
        .description("Bytes of file content read by clients")
        .register(registry);
    FunctionCounter.builder("bigfile.bytes.written", engine, e -> e.stats().bytesWritten())
        .description("Bytes of file content written by clients, in transactions or autocommit")
        .register(registry);
    FunctionCounter.builder("bigfile.commit.conflicts", engine, e -> e.stats().conflicts())
        .description("Commits refused because another commit changed the same data first")
        .register(registry);
  }

  /**
   * Expires idle transactions, settles commits whose answer was lost, packs old history and forgets
   * expired idempotency keys, in the background. Settling runs on a thread of its own, so that a
   * long pack never delays it.
   */
  @Bean
  SmartLifecycle engineMaintenance(Engine engine, HistoryProperties history) {
    return new SmartLifecycle() {
      private ScheduledExecutorService executor;

      @Override
      public void start() {
        AtomicInteger n = new AtomicInteger();
        executor =
            Executors.newScheduledThreadPool(
                2,
                r -> {
                  Thread t = new Thread(r, "bigfile-maintenance-" + n.incrementAndGet());
                  t.setDaemon(true);
                  return t;
                });
        executor.scheduleWithFixedDelay(
            () -> run("expire idle transactions", engine::expireIdleTransactions),
            1,
            1,
            TimeUnit.SECONDS);
        executor.scheduleWithFixedDelay(
            () -> run("settle unconfirmed commits", engine::settleCommits), 1, 1, TimeUnit.SECONDS);
        long every = history.packInterval().toMillis();
        executor.scheduleWithFixedDelay(
            () -> {
              run("pack history", engine::pack);
              run("forget expired idempotency keys", engine::forgetExpiredIdempotencyKeys);
            },
            every,
            every,
            TimeUnit.MILLISECONDS);
      }

      private void run(String what, Runnable task) {
        try {
          task.run();
        } catch (RuntimeException e) {
          LOG.warn("{} failed: {}", what, e.toString());
        }
      }

      @Override
      public void stop() {
        executor.shutdownNow();
        int open = engine.openTransactionCount();
        engine.close();
        LOG.info("engine stopped; {} open transaction(s) aborted", open);
      }

      @Override
      public boolean isRunning() {
        return executor != null && !executor.isShutdown();
      }

      @Override
      public int getPhase() {
        // stop after the web server has finished in-flight requests and stopped (its phases are
        // DEFAULT_PHASE - 1024 and - 2048)
        return SmartLifecycle.DEFAULT_PHASE - 4096;
      }
    };
  }
}
