package io.bigfile.postgres;

import io.bigfile.block.BlockRef;
import io.bigfile.format.BlockData;
import io.bigfile.format.BlockFormat;
import java.io.ByteArrayInputStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
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

  private static final String SUPERSEDED_BLOCK_VERSIONS =
      """
      DELETE FROM block_version b USING block_version n
       WHERE n.rev > :from AND n.rev <= :horizon AND b.file_id = n.file_id AND b.blk = n.blk
         AND b.rev > 0 AND b.rev < n.rev
         AND NOT EXISTS (SELECT 1 FROM block_version o
                          WHERE o.file_id = b.file_id AND o.blk = b.blk AND o.format = 3
                            AND o.base_rev = b.rev AND o.rev > b.rev)
      """;

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
          DELETE FROM overlay WHERE file_id IN
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
          // block versions superseded by a version of the window, except the base of an overlay
          // version that remains; run twice, so that a base whose overlay versions the first run
          // removed goes too
          SUPERSEDED_BLOCK_VERSIONS,
          SUPERSEDED_BLOCK_VERSIONS,
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
          // extents of blocks changed in the window that no remaining overlay version's layers
          // include
          """
          DELETE FROM overlay o
           USING (SELECT DISTINCT file_id, blk FROM block_version WHERE rev > :from AND rev <= :horizon) w
           WHERE o.file_id = w.file_id AND o.blk = w.blk AND o.rev > 0
             AND NOT EXISTS (SELECT 1 FROM block_version v
                              WHERE v.file_id = o.file_id AND v.blk = o.blk AND v.format = 3
                                AND v.base_rev < o.rev AND v.rev >= o.rev)
          """,
          // an empty chunk that is now the oldest of its offset hides nothing
          """
          DELETE FROM chunk c
           WHERE c.rev > :from AND c.rev <= :horizon AND c.data IS NULL
             AND NOT EXISTS (SELECT 1 FROM chunk o
                              WHERE o.file_id = c.file_id AND o.blk = c.blk AND o.off = c.off AND o.rev < c.rev)
          """,
          // a zero version that is now the oldest of its block hides nothing: a missing block reads
          // as zeros too (last: the statements above find the blocks changed in the window by
          // their versions there)
          """
          DELETE FROM block_version b
           WHERE b.rev > :from AND b.rev <= :horizon AND b.format = 0
             AND NOT EXISTS (SELECT 1 FROM block_version o
                              WHERE o.file_id = b.file_id AND o.blk = b.blk AND o.rev < b.rev)
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
   * another replica holds the pack lock or the history is packed that far already; then compacts
   * the overlay versions of that window that no longer need their layers ({@link #compact}).
   */
  void pack(long horizon) {
    long from =
        jdbc.write(
            c -> {
              if (!packLock(c)) {
                return -1L;
              }
              long packed = Jdbc.single(c, "SELECT packed_rev FROM history FOR UPDATE");
              if (horizon <= packed) {
                return -1L;
              }
              int bound = (int) Math.min(Integer.MAX_VALUE, packTimeout.toMillis());
              try (PreparedStatement ps =
                  c.prepareStatement("SELECT set_config('statement_timeout', ?, true)")) {
                ps.setString(1, Integer.toString(bound));
                ps.execute();
              }
              c.setNetworkTimeout(null, bound);
              try {
                Map<String, Long> window = Map.of("from", packed, "horizon", horizon);
                for (NamedSql statement : PACK_STATEMENTS) {
                  try (PreparedStatement ps = c.prepareStatement(statement.sql())) {
                    Jdbc.bind(ps, statement.values(window));
                    ps.executeUpdate();
                  }
                }
                try (PreparedStatement ps =
                    c.prepareStatement("UPDATE history SET packed_rev = ?")) {
                  ps.setLong(1, horizon);
                  ps.executeUpdate();
                }
              } finally {
                c.setNetworkTimeout(null, limits.socketMillis());
              }
              return packed;
            });
    if (from >= 0) {
      compact(from, horizon);
    }
  }

  private static boolean packLock(Connection c) throws SQLException {
    try (PreparedStatement lock = c.prepareStatement("SELECT pg_try_advisory_xact_lock(?)")) {
      lock.setLong(1, PACK_LOCK);
      try (ResultSet rs = lock.executeQuery()) {
        rs.next();
        return rs.getBoolean(1);
      }
    }
  }

  /** An overlay version that pack may rewrite whole. */
  private record Candidate(long fileId, long blk, long rev, long baseRev, int blockSize) {}

  /** How many candidates {@link #compact} looks up at a time. */
  private static final int COMPACT_BATCH = 256;

  /**
   * Rewrites whole every overlay version written in {@code (from, horizon]} that a reader at the
   * horizon sees (no version of its block follows it up to the horizon) and whose layers no later
   * version continues: no retained revision sees its base or its earlier layers, so the base, the
   * layers' rows and the extents go, and the version is one whole row, at no more than a whole
   * block's bytes. Readers of the version at that moment see the same bytes either way ({@link
   * BlockLoader#loadOverlayRange}).
   *
   * <p>One transaction per version, each holding the head row's lock only from its check to its
   * end: a commit that meanwhile stacked a layer on the version is seen and the version left alone,
   * and a commit encoded against it before but not yet at its head lock rebases its layer on the
   * rewritten version ({@link CommitWriter}). Best effort: a failure leaves the version as it was,
   * readable as before, and the next pack does not come back to it.
   */
  private void compact(long from, long horizon) {
    // keyset pages in (rev, file_id, blk) order
    long[] after = {from, Long.MIN_VALUE, Long.MIN_VALUE};
    while (true) {
      long[] key = after;
      List<Candidate> batch =
          jdbc.write(
              c -> {
                try (PreparedStatement ps =
                    c.prepareStatement(
                        """
                        SELECT v.file_id, v.blk, v.rev, v.base_rev, f.block_size
                          FROM block_version v JOIN file f ON f.id = v.file_id
                         WHERE v.rev > ? AND v.rev <= ? AND v.format = 3
                           AND (v.rev, v.file_id, v.blk) > (?, ?, ?)
                           AND NOT EXISTS (SELECT 1 FROM block_version n
                                            WHERE n.file_id = v.file_id AND n.blk = v.blk
                                              AND n.rev > v.rev
                                              AND (n.rev <= ? OR (n.format = 3 AND n.base_rev = v.base_rev)))
                         ORDER BY v.rev, v.file_id, v.blk
                         LIMIT ?
                        """)) {
                  Jdbc.bind(ps, from, horizon, key[0], key[1], key[2], horizon, COMPACT_BATCH);
                  return Jdbc.list(
                      ps,
                      rs ->
                          new Candidate(
                              rs.getLong(1),
                              rs.getLong(2),
                              rs.getLong(3),
                              rs.getLong(4),
                              rs.getInt(5)));
                }
              });
      for (Candidate v : batch) {
        if (!compactOne(v)) {
          return;
        }
      }
      if (batch.size() < COMPACT_BATCH) {
        return;
      }
      Candidate last = batch.get(batch.size() - 1);
      after = new long[] {last.rev(), last.fileId(), last.blk()};
    }
  }

  /** Rewrites one version whole; false if another replica packs. */
  private boolean compactOne(Candidate v) {
    return jdbc.write(
        c -> {
          if (!packLock(c)) {
            return false;
          }
          BlockData content =
              BlockLoader.loadOverlay(
                  c,
                  v.fileId(),
                  v.blockSize(),
                  new BlockRef(v.blk(), v.rev(), BlockFormat.OVERLAY, v.baseRev(), 1));
          Jdbc.single(c, "SELECT rev FROM head FOR UPDATE");
          try (PreparedStatement ps =
              c.prepareStatement(
                  """
                  UPDATE block_version v SET format = ?, base_rev = NULL, layer = NULL, data = ?
                   WHERE v.file_id = ? AND v.blk = ? AND v.rev = ? AND v.format = 3
                     AND v.base_rev = ?
                     AND NOT EXISTS (SELECT 1 FROM block_version n
                                      WHERE n.file_id = v.file_id AND n.blk = v.blk
                                        AND n.rev > v.rev AND n.format = 3
                                        AND n.base_rev = v.base_rev)
                  """)) {
            if (content.length() == 0) {
              ps.setInt(1, BlockFormat.ZERO.id());
              ps.setNull(2, Types.BINARY);
            } else {
              ps.setInt(1, BlockFormat.WHOLE.id());
              ps.setBinaryStream(
                  2,
                  new ByteArrayInputStream(content.buf(), 0, content.length()),
                  content.length());
            }
            ps.setLong(3, v.fileId());
            ps.setLong(4, v.blk());
            ps.setLong(5, v.rev());
            ps.setLong(6, v.baseRev());
            if (ps.executeUpdate() == 0) {
              return true;
            }
          }
          // the base and the earlier layers' versions: older than the version, seen by none
          Jdbc.update(
              c,
              "DELETE FROM block_version WHERE file_id = ? AND blk = ? AND rev >= ? AND rev < ?"
                  + " AND rev > 0",
              v.fileId(),
              v.blk(),
              v.baseRev(),
              v.rev());
          Jdbc.update(
              c,
              "DELETE FROM overlay WHERE file_id = ? AND blk = ? AND rev > ? AND rev <= ?",
              v.fileId(),
              v.blk(),
              v.baseRev(),
              v.rev());
          return true;
        });
  }
}
