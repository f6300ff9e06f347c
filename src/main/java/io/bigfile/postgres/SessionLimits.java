package io.bigfile.postgres;

import java.time.Duration;

/**
 * How long the database may take before the service gives up, so that a request in flight fails
 * (503) when the database stops answering instead of hanging for the whole outage, and a
 * transaction the service lost (its connection broke) cannot hold the database's locks for long.
 *
 * <p>Each bound applies to one step, never to a whole commit, so a commit of any size works: a
 * commit is many statements of bounded work (batches of at most a few MiB of rows), each under
 * {@code statementTimeout}. The statements whose work grows with the commit's rows (the conflict
 * check and the rewrite of placeholder rows into the revision, once the head lock is held) get
 * {@link #ROW_ALLOWANCE} more per row the commit wrote.
 *
 * @param statementTimeout PostgreSQL's {@code statement_timeout} on every connection: the longest
 *     one statement may run (waiting for another commit's head lock included) before the server
 *     cancels it; zero for none
 * @param socketTimeout pgjdbc's {@code socketTimeout}: the longest the service waits for any one
 *     answer of the database before it drops the connection; longer than {@code statementTimeout},
 *     so that the server's cancellation, not this, ends a slow statement; zero for none
 * @param idleInTransaction PostgreSQL's {@code idle_in_transaction_session_timeout} on write
 *     connections: the longest a write's transaction may wait between two statements (an upload
 *     waits for its body's next block) before the server ends the session; zero for none. Once a
 *     commit holds the head lock it does no more waiting, and the server ends it after {@code
 *     statementTimeout} of idleness instead: a commit whose service vanished holds up the others
 *     for no longer than that
 */
public record SessionLimits(
    Duration statementTimeout, Duration socketTimeout, Duration idleInTransaction) {

  /**
   * Time allowed per row a commit wrote, on top of {@code statementTimeout}, to the statements that
   * handle all of them at once; about ten times what PostgreSQL needs (a rewrite of 262,144 rows
   * took 2.5 s here).
   */
  static final Duration ROW_ALLOWANCE = Duration.ofMillis(1);

  /** No limits: every wait lasts as long as the database takes. */
  public static final SessionLimits NONE =
      new SessionLimits(Duration.ZERO, Duration.ZERO, Duration.ZERO);

  public SessionLimits {
    if (statementTimeout.isNegative()
        || socketTimeout.isNegative()
        || idleInTransaction.isNegative()) {
      throw new IllegalArgumentException("session limits must not be negative");
    }
  }

  /** The SQL that sets a new read connection's session limits; empty for none. */
  public String readSessionSql() {
    return statementTimeout.isZero() ? "" : "SET statement_timeout = " + millis(statementTimeout);
  }

  /** The SQL that sets a new write connection's session limits; empty for none. */
  public String writeSessionSql() {
    StringBuilder sql = new StringBuilder(readSessionSql());
    if (!idleInTransaction.isZero()) {
      if (sql.length() > 0) {
        sql.append("; ");
      }
      sql.append("SET idle_in_transaction_session_timeout = ").append(millis(idleInTransaction));
    }
    return sql.toString();
  }

  /**
   * The statement timeout, in milliseconds, of the statements that handle all {@code rows} rows of
   * a commit at once; 0 for none.
   */
  int statementMillisFor(long rows) {
    return statementTimeout.isZero() ? 0 : grown(statementTimeout, rows);
  }

  /** The socket timeout, in milliseconds, while those statements run; 0 for none. */
  int socketMillisFor(long rows) {
    return socketTimeout.isZero() ? 0 : grown(socketTimeout, rows);
  }

  /** The socket timeout, in milliseconds; 0 for none. */
  int socketMillis() {
    return (int) millis(socketTimeout);
  }

  /** {@code base} plus the allowance for {@code rows}, in milliseconds, at most 2^31 - 1. */
  private static int grown(Duration base, long rows) {
    long ms = base.toMillis() + Math.min(rows, Integer.MAX_VALUE) * ROW_ALLOWANCE.toMillis();
    return (int) Math.min(Integer.MAX_VALUE, ms);
  }

  /** At least 1 ms (0 would switch a timeout off), at most 2^31 - 1. */
  private static long millis(Duration d) {
    return d.isZero() ? 0 : Math.min(Integer.MAX_VALUE, Math.max(1, d.toMillis()));
  }
}
