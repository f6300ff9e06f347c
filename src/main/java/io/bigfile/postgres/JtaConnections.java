package io.bigfile.postgres;

import io.bigfile.file.StorageUnavailableException;
import jakarta.transaction.Status;
import jakarta.transaction.TransactionManager;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.BlockingDeque;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import javax.sql.XAConnection;
import javax.sql.XADataSource;
import javax.transaction.xa.XAResource;

/**
 * Runs work in a JTA transaction on exactly one pooled XA connection. The connection is the
 * transaction's only resource, so the commit is one-phase: PostgreSQL never sees PREPARE
 * TRANSACTION. Thread-safe.
 *
 * <p>On any failure before the commit call, the transaction is rolled back and nothing of it is
 * visible. If the commit call itself fails ({@link CommitCallFailedException}), the outcome is
 * decided by the database alone (the work's rows are there or not), and the transaction manager's
 * own status is not trusted: the caller asks the database.
 *
 * <p>Every new connection first runs the session settings it is given (timeouts), so that no
 * statement of a write, and no write's transaction left idle, can hold the database for longer than
 * they allow.
 */
public final class JtaConnections implements AutoCloseable {

  /**
   * The commit call failed: the database may or may not have committed. Decide from what the
   * database holds; for work that is safe to repeat, it is an ordinary retryable failure ({@link
   * #unavailable()}).
   */
  public static final class CommitCallFailedException extends RuntimeException {
    CommitCallFailedException(Throwable cause) {
      super("the database did not confirm the commit", cause);
    }

    /** As a failure worth a retry, for work whose repetition is harmless. */
    public StorageUnavailableException unavailable() {
      return new StorageUnavailableException(
          "the database did not confirm the commit; retry later", getCause());
    }
  }

  /** Work on the transaction's connection. */
  @FunctionalInterface
  public interface Work<T, E extends Exception> {
    T run(Connection c) throws SQLException, E;
  }

  private final TransactionManager tm;
  private final XADataSource xa;
  private final BlockingDeque<XAConnection> idle = new LinkedBlockingDeque<>();
  private final int maxIdle;
  private final Semaphore permits;
  private final long waitMillis;
  private final String sessionSettings;

  /**
   * @param max the most connections in use at once (commits and uploads beyond it wait)
   * @param wait how long a commit waits for a connection before failing as unavailable
   */
  public JtaConnections(TransactionManager tm, XADataSource xa, int max, Duration wait) {
    this(tm, xa, max, wait, "");
  }

  /**
   * @param sessionSettings SQL run once on every new connection, such as {@code SET
   *     statement_timeout = 30000}; empty for none
   */
  public JtaConnections(
      TransactionManager tm, XADataSource xa, int max, Duration wait, String sessionSettings) {
    this.tm = tm;
    this.xa = xa;
    this.maxIdle = max;
    this.permits = new Semaphore(max, true);
    this.waitMillis = wait.toMillis();
    this.sessionSettings = sessionSettings;
  }

  /**
   * Runs {@code work} and commits.
   *
   * @param timeoutSeconds the JTA timeout of this transaction
   */
  public <T, E extends Exception> T inTransaction(int timeoutSeconds, Work<T, E> work) throws E {
    acquirePermit();
    try {
      return inTransactionWithPermit(timeoutSeconds, work);
    } finally {
      permits.release();
    }
  }

  private void acquirePermit() {
    try {
      if (!permits.tryAcquire(waitMillis, TimeUnit.MILLISECONDS)) {
        throw new StorageUnavailableException(
            "all database connections for commits are busy; retry later", null);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StorageUnavailableException("interrupted while waiting for a connection", e);
    }
  }

  private <T, E extends Exception> T inTransactionWithPermit(int timeoutSeconds, Work<T, E> work)
      throws E {
    XAConnection xac = borrow();
    boolean failed = true;
    try {
      tm.setTransactionTimeout(timeoutSeconds);
      tm.begin();
      XAResource res = xac.getXAResource();
      tm.getTransaction().enlistResource(res);
      T result;
      try (Connection c = xac.getConnection()) {
        result = work.run(c);
      }
      tm.getTransaction().delistResource(res, XAResource.TMSUCCESS);
      try {
        tm.commit();
      } catch (Exception e) {
        // the COMMIT may have reached the database and its answer been lost
        throw new CommitCallFailedException(e);
      }
      failed = false;
      return result;
    } catch (SQLException e) {
      throw DatabaseErrors.translate("writing", e);
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      if (isTransactionException(e)) {
        throw new StorageUnavailableException("the database transaction failed; retry later", e);
      }
      throw JtaConnections.<E>castWorkException(e);
    } finally {
      rollbackIfActive();
      resetTimeout();
      giveBack(xac, !failed || isHealthy(xac));
    }
  }

  private void resetTimeout() {
    try {
      tm.setTransactionTimeout(0);
    } catch (jakarta.transaction.SystemException e) {
      throw new StorageUnavailableException("transaction manager failed", e);
    }
  }

  private static boolean isTransactionException(Exception e) {
    return e.getClass().getPackageName().equals("jakarta.transaction");
  }

  @SuppressWarnings("unchecked")
  private static <E extends Exception> E castWorkException(Exception e) {
    return (E) e;
  }

  private void rollbackIfActive() {
    try {
      if (tm.getTransaction() != null && tm.getStatus() != Status.STATUS_NO_TRANSACTION) {
        tm.rollback();
      }
    } catch (Exception e) {
      try {
        tm.suspend();
      } catch (jakarta.transaction.SystemException ignored) {
        // the thread is left without a transaction either way
      }
    }
  }

  private XAConnection borrow() {
    XAConnection c = idle.pollFirst();
    if (c != null) {
      return c;
    }
    XAConnection fresh = null;
    try {
      fresh = xa.getXAConnection();
      if (!sessionSettings.isEmpty()) {
        try (Connection session = fresh.getConnection();
            Statement st = session.createStatement()) {
          st.execute(sessionSettings);
        }
      }
      return fresh;
    } catch (SQLException e) {
      if (fresh != null) {
        closeQuietly(fresh);
      }
      throw new StorageUnavailableException("cannot connect to the database; retry later", e);
    }
  }

  private static boolean isHealthy(XAConnection xac) {
    try (Connection c = xac.getConnection()) {
      return c.isValid(2);
    } catch (SQLException e) {
      return false;
    }
  }

  private void giveBack(XAConnection xac, boolean healthy) {
    if (healthy && idle.size() < maxIdle) {
      idle.offerFirst(xac);
    } else {
      closeQuietly(xac);
    }
  }

  private static void closeQuietly(XAConnection xac) {
    try {
      xac.close();
    } catch (SQLException e) {
      // the physical connection is dropped either way
    }
  }

  @Override
  public void close() {
    XAConnection c;
    while ((c = idle.pollFirst()) != null) {
      closeQuietly(c);
    }
  }
}
