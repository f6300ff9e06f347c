package io.bigfile.postgres;

import io.bigfile.file.StorageUnavailableException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * The store's two ways to the database, and the small statement helpers every part of it uses. A
 * read borrows one connection of the read pool, in autocommit mode, for one {@link Query} and gives
 * it back however the query ends; a write runs in a JTA transaction of its own ({@link
 * JtaConnections}) with the store's commit timeout. Thread-safe (the pools are).
 *
 * <p>On failure: an {@link SQLException} of a read surfaces as {@link DatabaseErrors#translate}
 * decides ({@link StorageUnavailableException} when a retry can help, {@link
 * io.bigfile.file.StorageRejectedException} when not, neither with the database's text); one of a
 * write rolls its transaction back and surfaces the same way. The static helpers let it through to
 * their caller.
 */
final class Jdbc {

  /** Work on one connection. */
  @FunctionalInterface
  interface Query<T> {
    T run(Connection c) throws SQLException;
  }

  /** One row of a result, as a value. */
  @FunctionalInterface
  interface Row<T> {
    T of(ResultSet rs) throws SQLException;
  }

  private final DataSource reads;
  private final JtaConnections writes;
  private final int timeoutSeconds;

  /**
   * @param timeoutSeconds the JTA timeout of every write: the longest a commit, or an upload, may
   *     take in the database
   */
  Jdbc(DataSource reads, JtaConnections writes, int timeoutSeconds) {
    this.reads = reads;
    this.writes = writes;
    this.timeoutSeconds = timeoutSeconds;
  }

  /** Runs {@code q} on a connection of the read pool. */
  <T> T read(Query<T> q) {
    try (Connection c = reads.getConnection()) {
      return q.run(c);
    } catch (SQLException e) {
      throw DatabaseErrors.translate("reading", e);
    }
  }

  /**
   * Runs {@code work}, which is safe to repeat, in a transaction of its own, and commits; a commit
   * call whose answer was lost is a failure worth a retry like any other.
   */
  <T, E extends Exception> T write(JtaConnections.Work<T, E> work) throws E {
    try {
      return writes.inTransaction(timeoutSeconds, work);
    } catch (JtaConnections.CommitCallFailedException e) {
      throw e.unavailable();
    }
  }

  /**
   * Runs {@code work} in a transaction of its own, and commits.
   *
   * @throws JtaConnections.CommitCallFailedException if the commit call failed: the caller decides
   *     from the database whether the work landed
   */
  <T, E extends Exception> T commit(JtaConnections.Work<T, E> work) throws E {
    return writes.inTransaction(timeoutSeconds, work);
  }

  /** The first column of the one row {@code sql} returns, its parameters bound in order. */
  static long single(Connection c, String sql, long... params) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      bind(ps, params);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  /** Runs the update {@code sql}, its parameters bound in order; returns the rows it changed. */
  static int update(Connection c, String sql, long... params) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      bind(ps, params);
      return ps.executeUpdate();
    }
  }

  /** Binds {@code params} to parameters 1, 2, ... */
  static void bind(PreparedStatement ps, long... params) throws SQLException {
    for (int i = 0; i < params.length; i++) {
      ps.setLong(i + 1, params[i]);
    }
  }

  /** Every row of the bound statement's result, in order. */
  static <T> List<T> list(PreparedStatement ps, Row<T> row) throws SQLException {
    List<T> out = new ArrayList<>();
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        out.add(row.of(rs));
      }
    }
    return out;
  }
}
