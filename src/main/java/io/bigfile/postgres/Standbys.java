package io.bigfile.postgres;

import io.bigfile.file.StorageUnavailableException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.datasource.lookup.AbstractRoutingDataSource;

/**
 * Reads from PostgreSQL hot standbys. The revision is the consistency token: every commit updates
 * the head row in its own transaction, under the head lock, so a standby whose head row reads R has
 * replayed every commit up to R, and every row a reader at a revision at or below R sees is there
 * exactly as on the primary (rows at or below the head never change; pack removes only what no
 * retained revision sees). A read at revision R therefore runs on a standby whose replayed head is
 * at least R, and on the primary when none is; it never sees less than the primary would.
 *
 * <p>How: {@link #reads()} is the one {@link DataSource} of every read, the catalogue's JPA reads
 * and the block reads alike, a Spring {@link AbstractRoutingDataSource} whose target is the standby
 * that {@link #at} chose for the running thread, else the primary's read pool. The head row of each
 * standby is polled every {@code poll} on a connection of its own; a standby whose poll fails is
 * skipped until a poll succeeds again.
 *
 * <p>On failure: a read that fails on a standby in a way a retry can mend is run again on the
 * primary, at once, and counted: a query the standby cancelled because replay conflicted with it
 * (SQLSTATE class {@code 40}, {@code 40001} "canceling statement due to conflict with recovery") as
 * {@link Fallback#CONFLICT}; anything else (no connection, a broken one, a timeout) as {@link
 * Fallback#UNAVAILABLE}, and the standby is then skipped until its next successful poll. A failure
 * that fails again on retry (a bug, bad data) is not retried. Thread-safe.
 */
public final class Standbys implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(Standbys.class);

  /** Why a read at a revision went to the primary although standbys are configured. */
  public enum Fallback {
    /** Every standby that answers has replayed less than the revision read. */
    BEHIND,
    /** No standby answers: its poll or a read on it failed to reach it. */
    UNAVAILABLE,
    /** The standby cancelled the read because replay conflicted with it. */
    CONFLICT;

    /** The metric tag. */
    public String tag() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * One standby: its pool of read connections, where its head row is polled from, and what is known
   * of it. The state is written by the poller and by failed reads, read by any thread.
   */
  public static final class Standby {
    private final String name;
    private final DataSource pool;
    private final DataSource probe;
    private final LongAdder served = new LongAdder();

    /** The replayed head as last polled; -1 while unknown (not yet polled, or unreachable). */
    private volatile long replayed = -1;

    private volatile String problem = "not polled yet";
    private Connection polling;

    /**
     * @param name how the standby is named in metrics, health and logs (its URL without secrets)
     * @param pool its read connections
     * @param probe where the connection that polls its head row comes from (one, kept open)
     */
    public Standby(String name, DataSource pool, DataSource probe) {
      this.name = name;
      this.pool = pool;
      this.probe = probe;
    }

    public String name() {
      return name;
    }

    /** The revision it has replayed up to, as last polled; -1 while it does not answer. */
    public long replayedHead() {
      return replayed;
    }

    /** Why it serves no reads, or null when it does. */
    public String problem() {
      return replayed < 0 ? problem : null;
    }

    /** Reads it has served. */
    public long served() {
      return served.sum();
    }

    /** Records a poll: the head row read, or why it could not be. */
    void polled(long head, String failure) {
      if (failure == null) {
        if (replayed < 0) {
          LOG.info("standby {} serves reads, replayed up to revision {}", name, head);
        }
        problem = null;
        replayed = head;
      } else {
        if (replayed >= 0 || problem == null) {
          LOG.warn("standby {} serves no reads: {}", name, failure);
        }
        problem = failure;
        replayed = -1;
      }
    }

    private void poll() {
      try {
        if (polling == null) {
          polling = probe.getConnection();
        }
        try (Statement s = polling.createStatement();
            ResultSet rs = s.executeQuery("SELECT rev FROM head")) {
          rs.next();
          polled(rs.getLong(1), null);
        }
      } catch (SQLException | RuntimeException e) {
        closePolling();
        polled(-1, String.valueOf(e.getMessage()));
      }
    }

    private void closePolling() {
      if (polling != null) {
        try {
          polling.close();
        } catch (SQLException e) {
          // dropped either way
        }
        polling = null;
      }
    }
  }

  /** The targets of the routing data source: the thread's standby, else the primary's pool. */
  private final class Router extends AbstractRoutingDataSource {
    @Override
    protected Object determineCurrentLookupKey() {
      return current.get();
    }
  }

  private final List<Standby> standbys;
  private final DataSource reads;
  private final ThreadLocal<Standby> current = new ThreadLocal<>();
  private final AtomicInteger turn = new AtomicInteger();
  private final Map<Fallback, LongAdder> fallbacks = new HashMap<>();
  private final ScheduledExecutorService poller;

  /**
   * @param primary the primary's read pool
   * @param standbys the standbys, none for reads on the primary only
   * @param poll how often each standby's head row is read; zero: only when {@link #pollAll()} is
   *     called
   */
  public Standbys(DataSource primary, List<Standby> standbys, Duration poll) {
    this.standbys = List.copyOf(standbys);
    for (Fallback f : Fallback.values()) {
      fallbacks.put(f, new LongAdder());
    }
    if (this.standbys.isEmpty()) {
      this.reads = primary;
      this.poller = null;
      return;
    }
    Router router = new Router();
    Map<Object, Object> targets = new HashMap<>();
    for (Standby s : this.standbys) {
      targets.put(s, s.pool);
    }
    router.setTargetDataSources(targets);
    router.setDefaultTargetDataSource(primary);
    router.setLenientFallback(false);
    router.afterPropertiesSet();
    this.reads = router;
    this.poller =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "bigfile-standby-heads");
              t.setDaemon(true);
              return t;
            });
    if (!poll.isZero()) {
      poller.scheduleWithFixedDelay(this::pollAll, 0, poll.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  /** Reads on the primary only. */
  public static Standbys none(DataSource primary) {
    return new Standbys(primary, List.of(), Duration.ofSeconds(1));
  }

  /** The data source of every read: the standby {@link #at} chose, else the primary. */
  public DataSource reads() {
    return reads;
  }

  public List<Standby> all() {
    return standbys;
  }

  /** Reads sent to the primary for {@code reason}. */
  public long fallbacks(Fallback reason) {
    return fallbacks.get(reason).sum();
  }

  /**
   * Runs {@code read}, a read of what revision {@code revision} sees (safe to repeat), on a standby
   * that has replayed {@code revision}, else on the primary; a read that fails on the standby in a
   * way a retry can mend runs again on the primary.
   */
  public <T> T at(long revision, Supplier<T> read) {
    if (standbys.isEmpty()) {
      return read.get();
    }
    Standby s = choose(standbys, revision, turn.getAndIncrement());
    if (s == null) {
      fallbacks.get(anyAnswering(standbys) ? Fallback.BEHIND : Fallback.UNAVAILABLE).increment();
      return onPrimary(read);
    }
    Standby outer = current.get();
    current.set(s);
    try {
      T result = read.get();
      s.served.increment();
      return result;
    } catch (StorageUnavailableException e) {
      String state = DatabaseErrors.sqlState(e);
      if (state != null && state.startsWith("40")) {
        fallbacks.get(Fallback.CONFLICT).increment();
        LOG.debug("standby {} cancelled a read at revision {}: {}", s.name, revision, e.toString());
      } else {
        fallbacks.get(Fallback.UNAVAILABLE).increment();
        s.polled(-1, "a read failed: " + databaseMessage(e));
      }
    } finally {
      current.set(outer);
    }
    return onPrimary(read);
  }

  private <T> T onPrimary(Supplier<T> read) {
    Standby outer = current.get();
    current.remove();
    try {
      return read.get();
    } finally {
      if (outer != null) {
        current.set(outer);
      }
    }
  }

  /**
   * The rule: among the standbys that answer and have replayed {@code revision}, the one whose
   * {@code turn} it is (so that reads spread over them); null if there is none.
   */
  static Standby choose(List<Standby> standbys, long revision, int turn) {
    int n = standbys.size();
    for (int i = 0; i < n; i++) {
      Standby s = standbys.get(Math.floorMod(turn + i, n));
      long replayed = s.replayed;
      if (replayed >= 0 && replayed >= revision) {
        return s;
      }
    }
    return null;
  }

  private static boolean anyAnswering(List<Standby> standbys) {
    return standbys.stream().anyMatch(s -> s.replayed >= 0);
  }

  /** The driver's words for a failure (the first {@link SQLException}'s), else the failure's. */
  private static String databaseMessage(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof SQLException && t.getMessage() != null) {
        return t.getMessage();
      }
    }
    return e.toString();
  }

  /** Reads every standby's head row now, one after the other. */
  void pollAll() {
    for (Standby s : standbys) {
      s.poll();
    }
  }

  /** Stops polling and closes the standbys' connections (the primary's pool is not this one's). */
  @Override
  public void close() {
    if (poller == null) {
      return;
    }
    poller.shutdownNow();
    try {
      poller.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (Standby s : standbys) {
      s.closePolling();
      if (s.pool instanceof AutoCloseable c) {
        try {
          c.close();
        } catch (Exception e) {
          LOG.warn("closing the pool of standby {} failed: {}", s.name, e.toString());
        }
      }
    }
  }
}
