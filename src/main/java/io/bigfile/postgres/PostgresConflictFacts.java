package io.bigfile.postgres;

import io.bigfile.block.Change;
import io.bigfile.block.ConflictFacts;
import io.bigfile.block.ConflictRules;
import io.bigfile.block.FileChange;
import io.bigfile.block.StoredConflict;
import io.bigfile.file.WriteFormat;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The facts {@link ConflictRules} decides on, read from the rows committed after a commit's
 * snapshot, for one file of the commit. It runs on the commit's connection while the head lock is
 * held (so everything committed is visible and nothing else commits); the commit's own rows are at
 * {@code mine} (a placeholder, or the revision itself) and it will be revision {@code rev}.
 *
 * <p>Statements, in order: one for the blocks written by both, for the whole commit; then for each
 * existing file the commit changes, one for what later commits did to it (and its latest
 * attributes), and only when the rule asks, one for the highest block the commit writes and one for
 * the blocks a truncation cuts off. Not thread-safe: one commit's thread uses it. A failed
 * statement fails the commit (its {@link SQLException} reaches {@link JtaConnections}, which rolls
 * back).
 */
final class PostgresConflictFacts implements ConflictFacts {

  /** A failed statement, carried through {@link ConflictRules}, which declares no SQL failure. */
  private static final class QueryFailed extends RuntimeException {

    QueryFailed(SQLException cause) {
      super(cause);
    }

    SQLException sql() {
      return (SQLException) getCause();
    }
  }

  private final Connection c;
  private final long snapshot;
  private final long mine;
  private final long rev;
  private final FileChange f;
  private final List<Long> writtenByBoth;
  private boolean read;
  private Optional<Later> later;
  private FileChange onLatest;

  private PostgresConflictFacts(
      Connection c, long snapshot, long mine, long rev, FileChange f, List<Long> writtenByBoth) {
    this.c = c;
    this.snapshot = snapshot;
    this.mine = mine;
    this.rev = rev;
    this.f = f;
    this.writtenByBoth = writtenByBoth;
  }

  /**
   * The conflicts of the commit whose rows are at {@code mine} and that will be revision {@code
   * rev} (the head lock is held, so everything committed is visible and nothing else commits).
   * Fills {@code merged} with each file change applied to the file's latest committed attributes:
   * what the commit did not change keeps the value a later commit may have given it (a commit that
   * only wrote blocks must not undo a concurrent rename).
   */
  static List<StoredConflict> conflicts(
      Connection c,
      long snapshot,
      long mine,
      long rev,
      List<FileChange> files,
      List<FileChange> merged)
      throws SQLException {
    Map<Long, List<Long>> writtenByBoth = writtenByBoth(c, snapshot, mine, rev);
    List<StoredConflict> out = new ArrayList<>();
    try {
      for (FileChange f : files) {
        PostgresConflictFacts facts =
            new PostgresConflictFacts(
                c, snapshot, mine, rev, f, writtenByBoth.getOrDefault(f.fileId(), List.of()));
        ConflictRules.conflict(f, facts).ifPresent(out::add);
        merged.add(f.created() ? f : facts.onLatest());
      }
    } catch (QueryFailed e) {
      throw e.sql();
    }
    return out;
  }

  /** Blocks the commit writes that a later commit wrote too, by file, ascending. */
  private static Map<Long, List<Long>> writtenByBoth(
      Connection c, long snapshot, long mine, long rev) throws SQLException {
    Map<Long, List<Long>> out = new LinkedHashMap<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            """
            SELECT DISTINCT w.file_id, w.blk
              FROM block_version w
              JOIN block_version b ON b.file_id = w.file_id AND b.blk = w.blk
                                  AND b.rev > ? AND b.rev < ?
             WHERE w.rev = ?
             ORDER BY w.file_id, w.blk LIMIT 1000
            """)) {
      ps.setLong(1, snapshot);
      ps.setLong(2, rev);
      ps.setLong(3, mine);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.computeIfAbsent(rs.getLong(1), k -> new ArrayList<>()).add(rs.getLong(2));
        }
      }
    }
    return out;
  }

  @Override
  public List<Long> blocksWrittenByBoth() {
    return writtenByBoth;
  }

  @Override
  public Optional<Later> later() {
    readLater();
    return later;
  }

  /** The file change applied to the file's latest committed attributes. */
  private FileChange onLatest() {
    readLater();
    return onLatest;
  }

  /** What later commits did to the file, and its latest attributes, in one statement. */
  private void readLater() {
    if (read) {
      return;
    }
    later = Optional.empty();
    onLatest = f;
    try (PreparedStatement ps =
        c.prepareStatement(
            """
            SELECT a.changes, a.min_size, a.n, l.name, l.size, l.format, l.content_type
              FROM (SELECT bit_or(changes) AS changes,
                           min(size) FILTER (WHERE changes & 1 <> 0) AS min_size,
                           count(*) AS n
                      FROM file_version WHERE file_id = ? AND rev > ?) a
              LEFT JOIN LATERAL (SELECT name, size, format, content_type FROM file_version
                                  WHERE file_id = ? ORDER BY rev DESC LIMIT 1) l ON TRUE
            """)) {
      ps.setLong(1, f.fileId());
      ps.setLong(2, snapshot);
      ps.setLong(3, f.fileId());
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        if (rs.getLong(3) > 0) {
          int others = rs.getInt(1);
          long minSize = rs.getLong(2);
          if (rs.wasNull()) {
            minSize = Long.MAX_VALUE;
          }
          later = Optional.of(new Later(Change.of(others), minSize));
        }
        long latestSize = rs.getLong(5);
        if (!rs.wasNull()) {
          onLatest =
              f.onLatest(
                  rs.getString(4), rs.getString(7), latestSize, WriteFormat.ofCode(rs.getInt(6)));
        }
      }
    } catch (SQLException e) {
      throw new QueryFailed(e);
    }
    read = true;
  }

  @Override
  public long maxWrittenBlock() {
    try {
      return Jdbc.single(
          c,
          "SELECT coalesce(max(blk), -1) FROM block_version WHERE rev = ? AND file_id = ?",
          mine,
          f.fileId());
    } catch (SQLException e) {
      throw new QueryFailed(e);
    }
  }

  @Override
  public List<Long> laterBlocksFrom(long fromBlk, int limit) {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT DISTINCT blk FROM block_version WHERE file_id = ? AND blk >= ?"
                + " AND rev > ? AND rev < ? ORDER BY blk LIMIT ?")) {
      ps.setLong(1, f.fileId());
      ps.setLong(2, fromBlk);
      ps.setLong(3, snapshot);
      ps.setLong(4, rev);
      ps.setInt(5, limit);
      return Jdbc.list(ps, rs -> rs.getLong(1));
    } catch (SQLException e) {
      throw new QueryFailed(e);
    }
  }
}
