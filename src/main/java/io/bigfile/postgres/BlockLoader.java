package io.bigfile.postgres;

import io.bigfile.block.BlockRef;
import io.bigfile.block.BlockSlice;
import io.bigfile.format.BlockData;
import io.bigfile.format.BlockFormat;
import io.bigfile.format.Bytes;
import io.bigfile.format.Chunks;
import io.bigfile.format.Overlays;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * The bytes of block versions, per format: a zero version has none, a whole version is one {@code
 * bytea} in its index row, a chunked version is the newest chunk of each offset within its run
 * ({@code base_rev} to its revision), an overlay version is its base plus the newest extent of each
 * chunk among its layers ({@link #loadOverlayRange}). Ranges fetch only the bytes they need.
 * Thread-safe (stateless); a database failure surfaces as {@link
 * io.bigfile.file.StorageUnavailableException}, and a whole version whose row is not there as
 * {@link IllegalStateException}.
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
      case OVERLAY -> jdbc.read(c -> loadOverlay(c, fileId, blockSize, ref));
    };
  }

  byte[] loadRange(long fileId, int blockSize, BlockRef ref, int from, int length) {
    byte[] out = new byte[length];
    switch (ref.format()) {
      case ZERO -> {}
      case WHOLE -> jdbc.read(c -> loadWholeRange(c, fileId, ref, from, out));
      case CHUNKED -> jdbc.read(c -> loadChunkedRange(c, fileId, ref, from, out));
      case OVERLAY -> jdbc.read(c -> loadOverlayRange(c, fileId, blockSize, ref, from, out));
    }
    return out;
  }

  /** An overlay version's content, on {@code c}. */
  static BlockData loadOverlay(Connection c, long fileId, int blockSize, BlockRef ref)
      throws SQLException {
    byte[] buf = new byte[blockSize];
    loadOverlayRange(c, fileId, blockSize, ref, 0, buf);
    return new BlockData(buf, Bytes.trimmedLength(buf, 0, blockSize));
  }

  /**
   * One round trip for a whole (or zero) version: the index entry and the range's bytes together
   * ({@link #layout}). A chunked version takes a second one, for the chunks that overlap the range
   * (a join of both in one statement costs PostgreSQL as much as the two); an overlay version one
   * for its pieces ({@link #fetchPieces}).
   */
  BlockSlice readSlice(long fileId, int blockSize, long snapshot, long blk, int from, int length) {
    return jdbc.read(
        c -> {
          byte[] out = new byte[length];
          Layout layout = layout(c, fileId, blk, 0, snapshot, from, length);
          if (layout == null) {
            return new BlockSlice(null, out);
          }
          BlockRef ref = layout.ref();
          switch (ref.format()) {
            case ZERO -> {}
            case WHOLE -> layout.copyWhole(out);
            case CHUNKED -> loadChunkedRange(c, fileId, ref, from, out);
            case OVERLAY -> {
              if (!fetchPieces(c, fileId, layout, blockSize, from, out)) {
                loadOverlayRange(c, fileId, blockSize, ref, from, out);
              }
            }
          }
          return new BlockSlice(ref, out);
        });
  }

  /** How many times an overlay read starts again when pack compacted the version under it. */
  private static final int OVERLAY_ATTEMPTS = 3;

  /**
   * Bytes {@code [from, from+out.length)} of an overlay version, in two statements: the first reads
   * the version's row (its bytes too, if pack has meanwhile rewritten it whole), its base's row and
   * the extents of its layers that overlap the range, without their data; the second fetches only
   * the visible pieces ({@link Overlays#pieces}), each a substring of one extent or of the base, so
   * every byte crosses the wire once. Working out the pieces in the database costs more than the
   * second round trip (for 70 layers, 1.6 ms against 0.1 ms).
   *
   * <p>Rows of a committed version never change, except that pack may rewrite an overlay version
   * whole and delete its base and extents (in one transaction): if that happens between the two
   * statements, the second finds pieces missing, and the read starts again and finds the version
   * whole.
   */
  static Void loadOverlayRange(
      Connection c, long fileId, int blockSize, BlockRef ref, int from, byte[] out)
      throws SQLException {
    for (int attempt = 1; ; attempt++) {
      Layout layout = layout(c, fileId, ref.blk(), ref.rev(), ref.rev(), from, out.length);
      if (layout == null) {
        throw gone(fileId, ref);
      }
      switch (layout.ref().format()) {
        case WHOLE -> {
          layout.copyWhole(out);
          return null;
        }
        case ZERO -> {
          java.util.Arrays.fill(out, (byte) 0);
          return null;
        }
        case CHUNKED ->
            throw new IllegalStateException(
                "block "
                    + ref.blk()
                    + " version "
                    + ref.rev()
                    + " of file "
                    + fileId
                    + " is chunked");
        case OVERLAY -> {
          if (fetchPieces(c, fileId, layout, blockSize, from, out)) {
            return null;
          }
        }
      }
      if (attempt == OVERLAY_ATTEMPTS) {
        throw new IllegalStateException(
            "block "
                + ref.blk()
                + " version "
                + ref.rev()
                + " of file "
                + fileId
                + " changed under "
                + OVERLAY_ATTEMPTS
                + " reads");
      }
    }
  }

  /**
   * What the first statement of a read found of one block version.
   *
   * @param ref the version as stored now (whole once pack has rewritten an overlay)
   * @param whole the range's bytes of a whole version, else null
   * @param baseRev for an overlay, the revision of a base that holds data (a whole version), else
   *     -1
   * @param extents for an overlay, the extents of its layers that overlap the range
   */
  private record Layout(BlockRef ref, byte[] whole, long baseRev, List<Overlays.Extent> extents) {

    void copyWhole(byte[] out) {
      int n = Math.min(whole.length, out.length);
      System.arraycopy(whole, 0, out, 0, n);
      java.util.Arrays.fill(out, n, out.length, (byte) 0);
    }
  }

  /**
   * The newest version of block {@code blk} in revisions {@code [low, high]} (null if none), the
   * range's bytes if it is whole, and if it is an overlay its base's row and the positions of the
   * extents of its layers that overlap the range, in one statement. With {@code low == high} it
   * reads one known version; with {@code low} 0, what a snapshot at {@code high} sees.
   */
  private static Layout layout(
      Connection c, long fileId, long blk, long low, long high, int from, int length)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            """
            WITH v AS MATERIALIZED (
              SELECT rev, format, base_rev, layer, data FROM block_version
               WHERE file_id = ? AND blk = ? AND rev <= ? AND rev >= ? AND rev > 0
               ORDER BY rev DESC LIMIT 1)
            SELECT 0, v.format, v.rev, v.base_rev, v.layer,
                   CASE WHEN v.format = 1 THEN substring(v.data FROM ? FOR ?) END
              FROM v
            UNION ALL
            SELECT 1, b.format, b.rev, NULL, NULL, NULL
              FROM v JOIN block_version b ON b.file_id = ? AND b.blk = ? AND b.rev = v.base_rev
             WHERE v.format = 3
            UNION ALL
            SELECT 2, o.off, o.rev, NULL, length(o.data), NULL
              FROM v JOIN overlay o ON o.file_id = ? AND o.blk = ?
                                   AND o.rev > v.base_rev AND o.rev <= v.rev
             WHERE v.format = 3 AND o.off < ? AND o.off + length(o.data) > ?
            """)) {
      ps.setLong(1, fileId);
      ps.setLong(2, blk);
      ps.setLong(3, high);
      ps.setLong(4, low);
      ps.setInt(5, from + 1);
      ps.setInt(6, length);
      ps.setLong(7, fileId);
      ps.setLong(8, blk);
      ps.setLong(9, fileId);
      ps.setLong(10, blk);
      ps.setInt(11, from + length);
      ps.setInt(12, from);
      BlockRef ref = null;
      byte[] whole = null;
      long baseRev = -1;
      List<Overlays.Extent> extents = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          switch (rs.getInt(1)) {
            case 0 -> {
              ref =
                  SnapshotQueries.ref(
                      blk, rs.getLong(3), rs.getInt(2), rs.getLong(4), rs.getInt(5));
              if (ref.format() == BlockFormat.WHOLE) {
                whole = rs.getBytes(6);
                whole = whole == null ? new byte[0] : whole;
              }
            }
            case 1 -> baseRev = rs.getInt(2) == BlockFormat.WHOLE.id() ? rs.getLong(3) : -1;
            default -> extents.add(new Overlays.Extent(rs.getLong(3), rs.getInt(2), rs.getInt(5)));
          }
        }
      }
      return ref == null ? null : new Layout(ref, whole, baseRev, extents);
    }
  }

  /**
   * Fetches the visible pieces of an overlay version's range into {@code out} (pieces of a base
   * without data are zeros), in one statement; false if a piece's row is gone.
   */
  private static boolean fetchPieces(
      Connection c, long fileId, Layout layout, int blockSize, int from, byte[] out)
      throws SQLException {
    List<Overlays.Piece> pieces =
        Overlays.pieces(layout.extents(), blockSize, from, from + out.length);
    long blk = layout.ref().blk();
    long baseRev = layout.baseRev();
    List<Integer> oi = new ArrayList<>();
    List<Long> orev = new ArrayList<>();
    List<Integer> ooff = new ArrayList<>();
    List<Integer> ostart = new ArrayList<>();
    List<Integer> olen = new ArrayList<>();
    List<Integer> bi = new ArrayList<>();
    List<Integer> bstart = new ArrayList<>();
    List<Integer> blen = new ArrayList<>();
    for (int i = 0; i < pieces.size(); i++) {
      Overlays.Piece p = pieces.get(i);
      if (p.extent() != null) {
        oi.add(i);
        orev.add(p.extent().rev());
        ooff.add(p.extent().offset());
        ostart.add(p.start() - p.extent().offset() + 1);
        olen.add(p.length());
      } else if (baseRev >= 0) {
        bi.add(i);
        bstart.add(p.start() + 1);
        blen.add(p.length());
      } else {
        Overlays.place(p, null, from, out);
      }
    }
    int expected = oi.size() + bi.size();
    if (expected == 0) {
      return true;
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            """
            SELECT p.i, substring(o.data FROM p.s FOR p.n)
              FROM unnest(?::integer[], ?::bigint[], ?::integer[], ?::integer[], ?::integer[])
                     AS p(i, rev, off, s, n)
              JOIN overlay o ON o.file_id = ? AND o.blk = ? AND o.rev = p.rev AND o.off = p.off
            UNION ALL
            SELECT p.i, substring(b.data FROM p.s FOR p.n)
              FROM unnest(?::integer[], ?::integer[], ?::integer[]) AS p(i, s, n)
              JOIN block_version b ON b.file_id = ? AND b.blk = ? AND b.rev = ? AND b.format = 1
            """)) {
      ps.setArray(1, c.createArrayOf("integer", oi.toArray()));
      ps.setArray(2, c.createArrayOf("bigint", orev.toArray()));
      ps.setArray(3, c.createArrayOf("integer", ooff.toArray()));
      ps.setArray(4, c.createArrayOf("integer", ostart.toArray()));
      ps.setArray(5, c.createArrayOf("integer", olen.toArray()));
      ps.setLong(6, fileId);
      ps.setLong(7, blk);
      ps.setArray(8, c.createArrayOf("integer", bi.toArray()));
      ps.setArray(9, c.createArrayOf("integer", bstart.toArray()));
      ps.setArray(10, c.createArrayOf("integer", blen.toArray()));
      ps.setLong(11, fileId);
      ps.setLong(12, blk);
      ps.setLong(13, baseRev);
      int got = 0;
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          Overlays.place(pieces.get(rs.getInt(1)), rs.getBytes(2), from, out);
          got++;
        }
      }
      return got == expected;
    }
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
