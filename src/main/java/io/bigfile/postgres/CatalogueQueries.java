package io.bigfile.postgres;

import io.bigfile.block.FileRecord;
import io.bigfile.block.RevisionRecord;
import io.bigfile.file.WriteFormat;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

/**
 * The catalogue at a snapshot: file records and their change history (tables {@code file}, {@code
 * file_version}, {@code revision}), apart from the block reads so that they can move to another
 * data access layer as one piece. A file's record at a snapshot is its newest version at or below
 * it. Thread-safe (stateless); a database failure surfaces as {@link
 * io.bigfile.file.StorageUnavailableException}.
 */
final class CatalogueQueries {

  private static final String FILE_SELECT =
      """
      SELECT f.id, f.block_size, v.name, v.size, v.format, v.deleted, v.rev,
             fc.committed_at AS created_at, r.committed_at AS modified_at
        FROM file f
        JOIN LATERAL (SELECT * FROM file_version fv
                       WHERE fv.file_id = f.id AND fv.rev <= ?
                       ORDER BY fv.rev DESC LIMIT 1) v ON TRUE
        JOIN revision r ON r.rev = v.rev
        JOIN revision fc ON fc.rev = f.created_rev
      """;

  private final Jdbc jdbc;

  CatalogueQueries(Jdbc jdbc) {
    this.jdbc = jdbc;
  }

  private static FileRecord fileRecord(ResultSet rs) throws SQLException {
    return new FileRecord(
        rs.getLong(1),
        rs.getInt(2),
        rs.getString(3),
        rs.getLong(4),
        WriteFormat.ofCode(rs.getInt(5)),
        rs.getBoolean(6),
        rs.getLong(7),
        rs.getTimestamp(8).toInstant(),
        rs.getTimestamp(9).toInstant());
  }

  Optional<FileRecord> file(long fileId, long snapshot) {
    return jdbc.read(
        c -> {
          try (PreparedStatement ps = c.prepareStatement(FILE_SELECT + " WHERE f.id = ?")) {
            ps.setLong(1, snapshot);
            ps.setLong(2, fileId);
            try (ResultSet rs = ps.executeQuery()) {
              return rs.next() ? Optional.of(fileRecord(rs)) : Optional.empty();
            }
          }
        });
  }

  List<FileRecord> files(long snapshot, long afterId, int limit) {
    return jdbc.read(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  FILE_SELECT
                      + " WHERE f.id > ? AND f.created_rev <= ? AND NOT v.deleted"
                      + " ORDER BY f.id LIMIT ?")) {
            ps.setLong(1, snapshot);
            ps.setLong(2, afterId);
            ps.setLong(3, snapshot);
            ps.setInt(4, limit);
            return Jdbc.list(ps, CatalogueQueries::fileRecord);
          }
        });
  }

  List<RevisionRecord> revisions(long fileId, long snapshot, long beforeRevision, int limit) {
    return jdbc.read(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  """
                  SELECT v.rev, r.committed_at, v.changes
                    FROM file_version v JOIN revision r ON r.rev = v.rev
                   WHERE v.file_id = ? AND v.rev <= ? AND v.rev < ?
                   ORDER BY v.rev DESC LIMIT ?
                  """)) {
            ps.setLong(1, fileId);
            ps.setLong(2, snapshot);
            ps.setLong(3, beforeRevision);
            ps.setInt(4, limit);
            return Jdbc.list(
                ps,
                rs ->
                    new RevisionRecord(
                        rs.getLong(1), rs.getTimestamp(2).toInstant(), rs.getInt(3)));
          }
        });
  }
}
