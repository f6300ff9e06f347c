package io.bigfile.postgres;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Knows the head revision without asking the database on every read. Every commit notifies channel
 * {@value #CHANNEL} with its revision, in its own transaction, so the notification arrives exactly
 * when the commit is visible; this watcher listens on a connection of its own and keeps the largest
 * revision it has seen. Commits of this process advance it directly, before their caller answers,
 * so a client always reads its own commits on the replica that made them; commits of other replicas
 * arrive a notification later.
 *
 * <p>The value is trusted only while the listening connection is healthy: it is re-read from the
 * head row on every (re)connection, after {@code LISTEN}, and every {@code refresh} as a safety
 * net. While the connection is down, {@link #head()} answers -1 and the store asks the database, so
 * an outage of the listener never serves a stale head. Thread-safe.
 */
final class HeadWatcher implements AutoCloseable {

  static final String CHANNEL = "bigfile_head";

  private static final Logger LOG = LoggerFactory.getLogger(HeadWatcher.class);
  private static final int POLL_MILLIS = 250;

  private final DataSource source;
  private final long refreshNanos;
  private final AtomicLong head = new AtomicLong(-1);
  private final Thread thread;
  private volatile boolean healthy;
  private volatile boolean closed;
  private volatile Connection connection;

  /**
   * @param source where the listening connection comes from (one connection, held until {@link
   *     #close()})
   * @param refresh how often the head row is re-read even if no notification came
   */
  HeadWatcher(DataSource source, Duration refresh) {
    this.source = source;
    this.refreshNanos = refresh.toNanos();
    this.thread = new Thread(this::run, "bigfile-head-watcher");
    this.thread.setDaemon(true);
    this.thread.start();
  }

  /**
   * The head revision, or -1 when the watcher cannot vouch for it (the store asks the database).
   */
  long head() {
    return healthy ? head.get() : -1;
  }

  /** Whether {@link #head()} answers from memory. */
  boolean healthy() {
    return healthy;
  }

  /** A revision known to be committed (a commit of this process, or one read from the database). */
  void advance(long rev) {
    head.accumulateAndGet(rev, Math::max);
  }

  private void run() {
    long backoff = 100;
    while (!closed) {
      try (Connection c = source.getConnection()) {
        connection = c;
        c.setAutoCommit(true);
        try (Statement s = c.createStatement()) {
          s.execute("LISTEN " + CHANNEL);
        }
        PGConnection pg = c.unwrap(PGConnection.class);
        long nextRefresh = refresh(c);
        if (!healthy) {
          LOG.info("head revision watcher connected");
        }
        healthy = true;
        backoff = 100;
        while (!closed) {
          PGNotification[] got = pg.getNotifications(POLL_MILLIS);
          if (got != null) {
            for (PGNotification n : got) {
              if (CHANNEL.equals(n.getName())) {
                advance(Long.parseLong(n.getParameter()));
              }
            }
          }
          if (System.nanoTime() - nextRefresh >= 0) {
            nextRefresh = refresh(c);
          }
        }
      } catch (SQLException | RuntimeException e) {
        if (healthy && !closed) {
          LOG.warn(
              "head revision watcher lost its connection, reads ask the database: {}",
              e.toString());
        }
        healthy = false;
      } finally {
        connection = null;
      }
      if (!closed) {
        try {
          Thread.sleep(backoff);
        } catch (InterruptedException e) {
          return;
        }
        backoff = Math.min(5_000, backoff * 2);
      }
    }
  }

  /** Reads the head row; returns when to read it next. */
  private long refresh(Connection c) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT rev FROM head");
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      advance(rs.getLong(1));
    }
    return System.nanoTime() + refreshNanos;
  }

  @Override
  public void close() {
    closed = true;
    healthy = false;
    thread.interrupt();
    Connection c = connection;
    if (c != null) {
      try {
        c.close();
      } catch (SQLException e) {
        // closing anyway
      }
    }
    try {
      thread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
