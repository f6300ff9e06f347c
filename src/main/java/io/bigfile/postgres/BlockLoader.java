package io.bigfile.postgres;

import io.bigfile.block.BlockRef;
import io.bigfile.block.BlockSlice;
import io.bigfile.format.BlockData;
import io.bigfile.format.BlockFormat;
import io.bigfile.format.Chunks;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * The bytes of block versions, per format: a zero version has none, a whole version is one {@code
 * bytea} in its index row, a chunked version is the newest chunk of each offset within its run
 * ({@code base_rev} to its revision). Ranges fetch only the bytes they need. Thread-safe
 * (stateless); a database failure surfaces as {@link io.bigfile.file.StorageUnavailableException},
 * and a whole version whose row is not there as {@link IllegalStateException}.
 */
final class BlockLoader {

  private final Jdbc jdbc;

  BlockLoader(Jdbc jdbc) {
    this.jdbc = jdbc;
  }

  BlockData load(long fileId, int blockSize, BlockRef ref) {
    return switch (ref.format()) {
      case ZERO -> BlockData.EMPTY;
      case WHOLE -> jdbc.read(c -> loadWhole(c, fileId, ref));
      case CHUNKED -> jdbc.read(c -> loadChunked(c, fileId, blockSize, ref));
    };
  }

  byte[] loadRange(long fileId, BlockRef ref, int from, int length) {
    byte[] out = new byte[length];
    switch (ref.format()) {
      case ZERO -> {}
      case WHOLE -> jdbc.read(c -> loadWholeRange(c, fileId, ref, from, out));
      case CHUNKED -> jdbc.read(c -> loadChunkedRange(c, fileId, ref, from, out));
    }
    return out;
  }

  /**
   * One round trip for a whole (or zero) version: the index entry and the range's bytes together. A
   * chunked version takes a second one, for the chunks that overlap the range (a join of both in
   * one statement costs PostgreSQL as much as the two).
   */
  BlockSlice readSlice(long fileId, long snapshot, long blk, int from, int length) {
    return jdbc.read(
        c -> {
          byte[] out = new byte[length];
          BlockRef ref;
          try (PreparedStatement ps =
              c.prepareStatement(
                  """
                  SELECT rev, format, base_rev,
                         CASE WHEN format = 1 THEN substring(data FROM ? FOR ?) END
                    FROM block_version
                   WHERE file_id = ? AND blk = ? AND rev <= ? AND rev > 0
                   ORDER BY rev DESC LIMIT 1
                  """)) {
            ps.setInt(1, from + 1);
            ps.setInt(2, length);
            ps.setLong(3, fileId);
            ps.setLong(4, blk);
            ps.setLong(5, snapshot);
            try (ResultSet rs = ps.executeQuery()) {
              if (!rs.next()) {
                return new BlockSlice(null, out);
              }
              long rev = rs.getLong(1);
              BlockFormat format = BlockFormat.ofId(rs.getInt(2));
              ref =
                  new BlockRef(
                      blk, rev, format, format == BlockFormat.CHUNKED ? rs.getLong(3) : rev);
              byte[] whole = rs.getBytes(4);
              if (whole != null) {
                System.arraycopy(whole, 0, out, 0, Math.min(whole.length, length));
              }
            }
          }
          if (ref.format() == BlockFormat.CHUNKED) {
            loadChunkedRange(c, fileId, ref, from, out);
          }
          return new BlockSlice(ref, out);
        });
  }

  /**
   * Copies the part of a chunk stored at {@code off} that falls in the range starting at {@code
   * from}.
   */
  private static void overlay(int off, byte[] chunk, int from, byte[] out) {
    int start = Math.max(off, from);
    int end = Math.min(off + chunk.length, from + out.length);
    if (start < end) {
      System.arraycopy(chunk, start - off, out, start - from, end - start);
    }
  }

  /**
   * Only the range's bytes cross the wire; PostgreSQL reads only the TOAST pages that hold them
   * when the value is stored uncompressed (incompressible data), and decompresses only up to the
   * range's end otherwise.
   */
  private static Void loadWholeRange(Connection c, long fileId, BlockRef ref, int from, byte[] out)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT substring(data FROM ? FOR ?) FROM block_version"
                + " WHERE file_id = ? AND blk = ? AND rev = ?")) {
      ps.setInt(1, from + 1);
      ps.setInt(2, out.length);
      ps.setLong(3, fileId);
      ps.setLong(4, ref.blk());
      ps.setLong(5, ref.rev());
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          throw gone(fileId, ref);
        }
        byte[] data = rs.getBytes(1);
        if (data != null) {
          System.arraycopy(data, 0, out, 0, Math.min(data.length, out.length));
        }
        return null;
      }
    }
  }

  /** Only the chunks that overlap the range. */
  private static Void loadChunkedRange(
      Connection c, long fileId, BlockRef ref, int from, byte[] out) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            """
            SELECT DISTINCT ON (off) off, data
              FROM chunk
             WHERE file_id = ? AND blk = ? AND off >= ? AND off < ? AND rev >= ? AND rev <= ?
             ORDER BY off, rev DESC
            """)) {
      ps.setLong(1, fileId);
      ps.setLong(2, ref.blk());
      ps.setInt(3, from - from % Chunks.CHUNK_SIZE);
      ps.setInt(4, from + out.length);
      ps.setLong(5, ref.runStart());
      ps.setLong(6, ref.rev());
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          byte[] data = rs.getBytes(2);
          if (data != null) {
            overlay(rs.getInt(1), data, from, out);
          }
        }
        return null;
      }
    }
  }

  private static IllegalStateException gone(long fileId, BlockRef ref) {
    return new IllegalStateException(
        "block " + ref.blk() + " version " + ref.rev() + " of file " + fileId + " is gone");
  }

  private static BlockData loadWhole(Connection c, long fileId, BlockRef ref) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT data FROM block_version WHERE file_id = ? AND blk = ? AND rev = ?")) {
      ps.setLong(1, fileId);
      ps.setLong(2, ref.blk());
      ps.setLong(3, ref.rev());
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          throw gone(fileId, ref);
        }
        byte[] data = rs.getBytes(1);
        return data == null ? BlockData.EMPTY : new BlockData(data, data.length);
      }
    }
  }

  private static BlockData loadChunked(Connection c, long fileId, int blockSize, BlockRef ref)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            """
            SELECT DISTINCT ON (off) off, data
              FROM chunk
             WHERE file_id = ? AND blk = ? AND rev >= ? AND rev <= ?
             ORDER BY off, rev DESC
            """)) {
      ps.setLong(1, fileId);
      ps.setLong(2, ref.blk());
      ps.setLong(3, ref.runStart());
      ps.setLong(4, ref.rev());
      List<Chunks.StoredChunk> chunks = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          byte[] data = rs.getBytes(2);
          if (data != null && data.length > 0) {
            chunks.add(new Chunks.StoredChunk(rs.getInt(1), data));
          }
        }
      }
      return Chunks.assemble(chunks, blockSize);
    }
  }
}
