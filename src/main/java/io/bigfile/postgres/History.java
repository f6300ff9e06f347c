package io.bigfile.postgres;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Old revisions: the oldest retained revision, packing away versions no retained revision sees, and
 * the snapshot pins through which replicas keep the revisions they still read. Thread-safe
 * (stateless). Each write runs in a transaction of its own: on failure it rolls back whole and
 * surfaces as {@link io.bigfile.file.StorageUnavailableException}; a pack that failed midway left
 * nothing removed and is simply run again.
 */
final class History {

  /** The advisory lock key of pack ("bigfile"): one replica packs at a time. */
  private static final long PACK_LOCK = 0x6269_6766_696c_65L;

  /**
   * Pack, in order. Parameter {@code :from} is L, the previous pack's horizon, and {@code :horizon}
   * is H, the new horizon. Only rows that a version written in (L, H] superseded can have become
   * invisible since the last pack, so each statement starts from that window (through the rev
   * indexes), not from whole tables. What remains for each key is its newest version at or below H,
   * which a reader at H sees, and every version above H.
   */
  private static final List<NamedSql> PACK_STATEMENTS =
      named(
          // files deleted in the window: no retained revision sees them
          """
          DELETE FROM block_version WHERE file_id IN
            (SELECT file_id FROM file_version WHERE deleted AND rev > :from AND rev <= :horizon)
          """,
          """
          DELETE FROM chunk WHERE file_id IN
            (SELECT file_id FROM file_version WHERE deleted AND rev > :from AND rev <= :horizon)
          """,
          """
          DELETE FROM file WHERE id IN
            (SELECT file_id FROM file_version WHERE deleted AND rev > :from AND rev <= :horizon)
          """,
          // file versions superseded by a version of the window
          """
          DELETE FROM file_version b USING file_version n
           WHERE n.rev > :from AND n.rev <= :horizon AND b.file_id = n.file_id AND b.rev < n.rev
          """,
          // block versions superseded by a version of the window
          """
          DELETE FROM block_version b USING block_version n
           WHERE n.rev > :from AND n.rev <= :horizon AND b.file_id = n.file_id AND b.blk = n.blk
             AND b.rev > 0 AND b.rev < n.rev
          """,
          // a zero version that is now the oldest of its block hides nothing: a missing block reads
          // as zeros too
          """
          DELETE FROM block_version b
           WHERE b.rev > :from AND b.rev <= :horizon AND b.format = 0
             AND NOT EXISTS (SELECT 1 FROM block_version o
                              WHERE o.file_id = b.file_id AND o.blk = b.blk AND o.rev < b.rev)
          """,
          // chunks superseded by a chunk of the window
          """
          DELETE FROM chunk c USING chunk n
           WHERE n.rev > :from AND n.rev <= :horizon AND c.file_id = n.file_id AND c.blk = n.blk AND c.off = n.off
             AND c.rev > 0 AND c.rev < n.rev
          """,
          // chunks of blocks changed in the window that no remaining chunked version's run includes
          """
          DELETE FROM chunk c
           USING (SELECT DISTINCT file_id, blk FROM block_version WHERE rev > :from AND rev <= :horizon) w
           WHERE c.file_id = w.file_id AND c.blk = w.blk AND c.rev > 0
             AND NOT EXISTS (SELECT 1 FROM block_version v
                              WHERE v.file_id = c.file_id AND v.blk = c.blk AND v.format = 2
                                AND v.base_rev <= c.rev AND v.rev >= c.rev)
          """,
          // an empty chunk that is now the oldest of its offset hides nothing
          """
          DELETE FROM chunk c
           WHERE c.rev > :from AND c.rev <= :horizon AND c.data IS NULL
             AND NOT EXISTS (SELECT 1 FROM chunk o
                              WHERE o.file_id = c.file_id AND o.blk = c.blk AND o.off = c.off AND o.rev < c.rev)
          """);

  private static List<NamedSql> named(String... statements) {
    return Stream.of(statements).map(NamedSql::of).toList();
  }

  private final Jdbc jdbc;
  private final SessionLimits limits;
  private final Duration packTimeout;

  /**
   * @param limits the session limits of the write connections, which pack lifts: its statements
   *     delete what a whole window of history superseded, work that grows with the history
   * @param packTimeout what bounds pack instead (the JTA timeout of writes)
   */
  History(Jdbc jdbc, SessionLimits limits, Duration packTimeout) {
    this.jdbc = jdbc;
    this.limits = limits;
    this.packTimeout = packTimeout;
  }

  void retainFrom(long horizon) {
    jdbc.write(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "UPDATE history SET oldest_retained_rev = greatest(oldest_retained_rev, ?)")) {
            ps.setLong(1, horizon);
            ps.executeUpdate();
          }
          return null;
        });
  }

  /**
   * Runs {@link #PACK_STATEMENTS} from the previous pack's horizon to {@code horizon}, unless
   * another replica holds the pack lock or the history is packed that far already.
   */
  void pack(long horizon) {
    jdbc.write(
        c -> {
          try (PreparedStatement lock = c.prepareStatement("SELECT pg_try_advisory_xact_lock(?)")) {
            lock.setLong(1, PACK_LOCK);
            try (ResultSet rs = lock.executeQuery()) {
              rs.next();
              if (!rs.getBoolean(1)) {
                return null;
              }
            }
          }
          long from = Jdbc.single(c, "SELECT packed_rev FROM history FOR UPDATE");
          if (horizon <= from) {
            return null;
          }
          int bound = (int) Math.min(Integer.MAX_VALUE, packTimeout.toMillis());
          try (PreparedStatement ps =
              c.prepareStatement("SELECT set_config('statement_timeout', ?, true)")) {
            ps.setString(1, Integer.toString(bound));
            ps.execute();
          }
          c.setNetworkTimeout(null, bound);
          try {
            Map<String, Long> window = Map.of("from", from, "horizon", horizon);
            for (NamedSql statement : PACK_STATEMENTS) {
              try (PreparedStatement ps = c.prepareStatement(statement.sql())) {
                Jdbc.bind(ps, statement.values(window));
                ps.executeUpdate();
              }
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE history SET packed_rev = ?")) {
              ps.setLong(1, horizon);
              ps.executeUpdate();
            }
          } finally {
            c.setNetworkTimeout(null, limits.socketMillis());
          }
          return null;
        });
  }
}
