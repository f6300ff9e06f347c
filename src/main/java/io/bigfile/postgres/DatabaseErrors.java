package io.bigfile.postgres;

import io.bigfile.file.BigFileException;
import io.bigfile.file.StorageRejectedException;
import io.bigfile.file.StorageUnavailableException;
import java.sql.SQLException;

/**
 * The one rule for what a database failure means to a client: whether a retry can help. Neither
 * exception it returns carries the database's text (which quotes statements and values); the
 * caller's cause keeps it for the server's log.
 *
 * <p>By SQLSTATE class (PostgreSQL Appendix A): {@code 08} connection exceptions, {@code 40}
 * transaction rollback (serialization failure, deadlock), {@code 53} insufficient resources, {@code
 * 57P} operator intervention (shutdown, cannot connect now), {@code 57014} a cancelled statement
 * (the statement timeout), {@code 25P03} a session ended for idling in a transaction, {@code 55P03}
 * a lock not obtained in time, and failures with no SQLSTATE (I/O, a socket or pool timeout) are
 * worth a retry: {@link StorageUnavailableException}. Everything else, notably {@code 22} data
 * exceptions and {@code 23} integrity violations, fails again on retry: {@link
 * StorageRejectedException}. Stateless.
 */
public final class DatabaseErrors {

  private DatabaseErrors() {}

  /**
   * @param doing what failed, for the message: "reading", "writing"
   * @param e the failure, an {@link SQLException} or anything with one among its causes
   */
  public static BigFileException translate(String doing, Throwable e) {
    String state = sqlState(e);
    if (retryable(state)) {
      return new StorageUnavailableException(
          "the database is unavailable while " + doing + "; retry later", e);
    }
    return new StorageRejectedException(
        "the database refused the request while " + doing + "; retrying will not help", e);
  }

  static boolean retryable(String state) {
    return state == null
        || state.startsWith("08")
        || state.startsWith("40")
        || state.startsWith("53")
        || state.startsWith("57P")
        || state.equals("57014")
        || state.equals("25P03")
        || state.equals("55P03");
  }

  /** The SQLSTATE of the first {@link SQLException} in {@code e}'s causes, or null. */
  static String sqlState(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof SQLException s && s.getSQLState() != null) {
        return s.getSQLState();
      }
    }
    return null;
  }
}
