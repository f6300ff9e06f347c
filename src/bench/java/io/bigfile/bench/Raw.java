package io.bigfile.bench;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * The raw baselines: what plain JDBC does with the same rows, on one connection each, binary
 * transfer ({@code prepareThreshold=-1}). Reads go to the service's own tables (the rows the
 * service wrote); writes go to scratch tables with the same layout ({@code LIKE ... INCLUDING ALL}:
 * columns, keys, indexes, storage and compression).
 */
final class Raw {

  private Raw() {}

  static long fileId(String hex) {
    return HexFormat.fromHexDigitsToLong(hex);
  }

  /** The newest committed version of one block, as the service's index names it. */
  record BlockRow(long blk, long rev, int format, long baseRev) {}

  /** The newest committed version of every block of a file, ascending. */
  static List<BlockRow> latestRows(Connection c, long fileId) {
    String sql =
        """
        SELECT DISTINCT ON (blk) blk, rev, format, coalesce(base_rev, rev)
          FROM block_version WHERE file_id = ? AND rev > 0
         ORDER BY blk, rev DESC
        """;
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setLong(1, fileId);
      List<BlockRow> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(new BlockRow(rs.getLong(1), rs.getLong(2), rs.getInt(3), rs.getLong(4)));
        }
      }
      return out;
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Reads block rows the way a client of plain PostgreSQL would: one statement per block, {@code
   * SELECT data FROM block_version WHERE file_id=? AND blk=? AND rev=?} for a whole version, the
   * newest chunk per offset of its run for a chunked one.
   */
  static final class Reader implements AutoCloseable {
    private final Connection c;
    private final PreparedStatement whole;
    private final PreparedStatement chunks;
    private final PreparedStatement wholePage;
    private final PreparedStatement chunkPage;

    Reader(Connection c) {
      this.c = c;
      try {
        whole =
            c.prepareStatement(
                "SELECT data FROM block_version WHERE file_id = ? AND blk = ? AND rev = ?");
        chunks =
            c.prepareStatement(
                """
                SELECT DISTINCT ON (off) data FROM chunk
                 WHERE file_id = ? AND blk = ? AND rev >= ? AND rev <= ?
                 ORDER BY off, rev DESC
                """);
        wholePage =
            c.prepareStatement(
                "SELECT substring(data from ? for 4096) FROM block_version"
                    + " WHERE file_id = ? AND blk = ? AND rev = ?");
        chunkPage =
            c.prepareStatement(
                """
                SELECT data FROM chunk
                 WHERE file_id = ? AND blk = ? AND off = ? AND rev >= ? AND rev <= ?
                 ORDER BY rev DESC LIMIT 1
                """);
      } catch (SQLException e) {
        throw new IllegalStateException(e);
      }
    }

    /** Reads one block's rows; returns the bytes received. */
    long readBlock(long fileId, BlockRow r) {
      try {
        PreparedStatement ps;
        if (r.format() == 1) {
          ps = whole;
          ps.setLong(1, fileId);
          ps.setLong(2, r.blk());
          ps.setLong(3, r.rev());
        } else if (r.format() == 2) {
          ps = chunks;
          ps.setLong(1, fileId);
          ps.setLong(2, r.blk());
          ps.setLong(3, r.baseRev());
          ps.setLong(4, r.rev());
        } else {
          return 0;
        }
        long n = 0;
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            byte[] b = rs.getBytes(1);
            n += b == null ? 0 : b.length;
          }
        }
        return n;
      } catch (SQLException e) {
        throw new IllegalStateException(e);
      }
    }

    /** Reads the 4 KiB at {@code offInBlock} (a multiple of 4096) of one block. */
    int readPage(long fileId, BlockRow r, int offInBlock) {
      try {
        PreparedStatement ps;
        if (r.format() == 1) {
          ps = wholePage;
          ps.setInt(1, offInBlock + 1);
          ps.setLong(2, fileId);
          ps.setLong(3, r.blk());
          ps.setLong(4, r.rev());
        } else if (r.format() == 2) {
          ps = chunkPage;
          ps.setLong(1, fileId);
          ps.setLong(2, r.blk());
          ps.setInt(3, offInBlock);
          ps.setLong(4, r.baseRev());
          ps.setLong(5, r.rev());
        } else {
          return 0;
        }
        try (ResultSet rs = ps.executeQuery()) {
          if (!rs.next()) {
            return 0;
          }
          byte[] b = rs.getBytes(1);
          return b == null ? 0 : b.length;
        }
      } catch (SQLException e) {
        throw new IllegalStateException(e);
      }
    }

    @Override
    public void close() {
      try {
        c.close();
      } catch (SQLException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  /** One stored row with data: a whole block version, or a chunk at {@code off}. */
  record StoredRow(boolean chunk, long blk, int off, int length) {}

  /** Every row with data that the service stored for a file (all versions). */
  static List<StoredRow> storedRows(Connection c, long fileId) {
    List<StoredRow> out = new ArrayList<>();
    try (PreparedStatement b =
            c.prepareStatement(
                "SELECT blk, octet_length(data) FROM block_version"
                    + " WHERE file_id = ? AND data IS NOT NULL ORDER BY blk, rev");
        PreparedStatement k =
            c.prepareStatement(
                "SELECT blk, off, octet_length(data) FROM chunk"
                    + " WHERE file_id = ? AND data IS NOT NULL ORDER BY blk, off, rev")) {
      b.setLong(1, fileId);
      try (ResultSet rs = b.executeQuery()) {
        while (rs.next()) {
          out.add(new StoredRow(false, rs.getLong(1), 0, rs.getInt(2)));
        }
      }
      k.setLong(1, fileId);
      try (ResultSet rs = k.executeQuery()) {
        while (rs.next()) {
          out.add(new StoredRow(true, rs.getLong(1), rs.getInt(2), rs.getInt(3)));
        }
      }
      return out;
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  static long totalBytes(List<StoredRow> rows) {
    return rows.stream().mapToLong(StoredRow::length).sum();
  }

  /** Drops and creates the scratch tables, in a transaction of their own. */
  static void createScratch(Connection c) {
    exec(
        c,
        "DROP TABLE IF EXISTS bench_block_version",
        "DROP TABLE IF EXISTS bench_chunk",
        "CREATE TABLE bench_block_version (LIKE block_version INCLUDING ALL)",
        "CREATE TABLE bench_chunk (LIKE chunk INCLUDING ALL)");
  }

  static void exec(Connection c, String... sql) {
    try (Statement s = c.createStatement()) {
      for (String q : sql) {
        s.execute(q);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * {@code COPY ... FROM STDIN (FORMAT BINARY)} of rows of the given sizes into the scratch tables,
   * in one transaction, committed. Row {@code i} holds the pattern's bytes at the position of its
   * block (and chunk) in a file of {@code blockSize} blocks, so the bytes are those the service
   * stored.
   */
  static void copy(Connection c, List<StoredRow> rows, long seed, int blockSize) {
    try {
      c.setAutoCommit(false);
      CopyIn blocks =
          c.unwrap(PGConnection.class)
              .getCopyAPI()
              .copyIn(
                  "COPY bench_block_version (file_id, blk, rev, format, base_rev, data)"
                      + " FROM STDIN (FORMAT BINARY)");
      byte[] buf = new byte[blockSize];
      writeHeader(blocks);
      long rev = 0;
      for (StoredRow r : rows) {
        if (r.chunk()) {
          continue;
        }
        rev++;
        Data.fill(seed, r.blk() * blockSize, buf, 0, r.length());
        ByteArrayOutputStream head = new ByteArrayOutputStream(64);
        DataOutputStream d = new DataOutputStream(head);
        d.writeShort(6);
        d.writeInt(8);
        d.writeLong(1);
        d.writeInt(8);
        d.writeLong(r.blk());
        d.writeInt(8);
        d.writeLong(rev);
        d.writeInt(2);
        d.writeShort(1);
        d.writeInt(8);
        d.writeLong(rev);
        d.writeInt(r.length());
        blocks.writeToCopy(head.toByteArray(), 0, head.size());
        blocks.writeToCopy(buf, 0, r.length());
      }
      finish(blocks);
      if (rows.stream().anyMatch(StoredRow::chunk)) {
        CopyIn chunks =
            c.unwrap(PGConnection.class)
                .getCopyAPI()
                .copyIn(
                    "COPY bench_chunk (file_id, blk, off, rev, data) FROM STDIN (FORMAT BINARY)");
        writeHeader(chunks);
        for (StoredRow r : rows) {
          if (!r.chunk()) {
            continue;
          }
          rev++;
          Data.fill(seed, r.blk() * blockSize + r.off(), buf, 0, r.length());
          ByteArrayOutputStream head = new ByteArrayOutputStream(64);
          DataOutputStream d = new DataOutputStream(head);
          d.writeShort(5);
          d.writeInt(8);
          d.writeLong(1);
          d.writeInt(8);
          d.writeLong(r.blk());
          d.writeInt(4);
          d.writeInt(r.off());
          d.writeInt(8);
          d.writeLong(rev);
          d.writeInt(r.length());
          chunks.writeToCopy(head.toByteArray(), 0, head.size());
          chunks.writeToCopy(buf, 0, r.length());
        }
        finish(chunks);
      }
      c.commit();
      c.setAutoCommit(true);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void writeHeader(CopyIn copy) throws SQLException {
    byte[] sig = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xff, '\r', '\n', 0};
    copy.writeToCopy(sig, 0, sig.length);
    byte[] flagsAndExt = new byte[8];
    copy.writeToCopy(flagsAndExt, 0, flagsAndExt.length);
  }

  private static void finish(CopyIn copy) throws SQLException {
    byte[] trailer = {(byte) 0xff, (byte) 0xff};
    copy.writeToCopy(trailer, 0, 2);
    copy.endCopy();
  }

  /**
   * Fills {@code bench_block_version} with {@code pages} whole rows of 4 KiB (file 1, blocks 0 to
   * pages-1, revision 1), committed: the table the commit-latency baseline updates.
   */
  static void fillPages(Connection c, int pages, long seed) {
    List<StoredRow> rows = new ArrayList<>();
    for (int i = 0; i < pages; i++) {
      rows.add(new StoredRow(false, i, 0, 4096));
    }
    createScratch(c);
    copy(c, rows, seed, 4096);
    exec(
        c,
        "UPDATE bench_block_version SET rev = 1, base_rev = 1",
        "VACUUM ANALYZE bench_block_version");
  }

  /** Bytes of the service's block tables, TOAST and indexes included. */
  static long dbBytes(Connection c) {
    try (Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT pg_total_relation_size('block_version') + pg_total_relation_size('chunk')")) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
