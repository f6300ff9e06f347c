package io.bigfile.postgres;

import io.bigfile.block.BlockRef;
import io.bigfile.format.BlockFormat;
import java.sql.PreparedStatement;
import java.util.List;

/**
 * Revisions and the block index at a snapshot: the head and oldest retained revision, which version
 * of each block a snapshot sees, and which blocks hold data or changed. A block's version at a
 * snapshot is its newest row at or below it; placeholder rows (negative revisions, an upload in
 * progress) are never seen. Thread-safe (stateless); a database failure surfaces as {@link
 * io.bigfile.file.StorageUnavailableException}.
 */
final class SnapshotQueries {

  private final Jdbc jdbc;

  SnapshotQueries(Jdbc jdbc) {
    this.jdbc = jdbc;
  }

  /** The head revision, from the head row. */
  long head() {
    return jdbc.read(c -> Jdbc.single(c, "SELECT rev FROM head"));
  }

  List<BlockRef> blocks(long fileId, long snapshot, long fromBlk, long toBlk) {
    return jdbc.read(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  """
                  SELECT DISTINCT ON (blk) blk, rev, format, base_rev, layer
                    FROM block_version
                   WHERE file_id = ? AND blk >= ? AND blk < ? AND rev <= ? AND rev > 0
                   ORDER BY blk, rev DESC
                  """)) {
            Jdbc.bind(ps, fileId, fromBlk, toBlk, snapshot);
            return Jdbc.list(
                ps,
                rs -> ref(rs.getLong(1), rs.getLong(2), rs.getInt(3), rs.getLong(4), rs.getInt(5)));
          }
        });
  }

  /** The index entry of a block_version row's columns. */
  static BlockRef ref(long blk, long rev, int formatId, long baseRev, int layer) {
    BlockFormat format = BlockFormat.ofId(formatId);
    return switch (format) {
      case CHUNKED -> new BlockRef(blk, rev, format, baseRev);
      case OVERLAY -> new BlockRef(blk, rev, format, baseRev, layer);
      default -> new BlockRef(blk, rev, format, rev);
    };
  }

  List<Long> dataBlocks(long fileId, long snapshot, long fromBlk, int limit) {
    return blockList(
        """
        SELECT blk FROM (SELECT DISTINCT ON (blk) blk, format
                           FROM block_version
                          WHERE file_id = ? AND blk >= ? AND rev <= ? AND rev > 0
                          ORDER BY blk, rev DESC) l
         WHERE format <> 0 ORDER BY blk LIMIT ?
        """,
        fileId,
        fromBlk,
        snapshot,
        limit);
  }

  List<Long> changedBlocks(long fileId, long since, long snapshot, long fromBlk, int limit) {
    return blockList(
        """
        SELECT DISTINCT blk FROM block_version
         WHERE file_id = ? AND blk >= ? AND rev > ? AND rev <= ?
         ORDER BY blk LIMIT ?
        """,
        fileId,
        fromBlk,
        since,
        snapshot,
        limit);
  }

  private List<Long> blockList(String sql, long... params) {
    return jdbc.read(
        c -> {
          try (PreparedStatement ps = c.prepareStatement(sql)) {
            Jdbc.bind(ps, params);
            return Jdbc.list(ps, rs -> rs.getLong(1));
          }
        });
  }
}
