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
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeSet;
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
   * newest chunk per offset of its run for a chunked one, the base row and every extent of its
   * layers for an overlay one.
   */
  static final class Reader implements AutoCloseable {
    private final Connection c;
    private final PreparedStatement whole;
    private final PreparedStatement chunks;
    private final PreparedStatement wholePage;
    private final PreparedStatement chunkPage;
    private final PreparedStatement layers;
    private final PreparedStatement layerPage;

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
        // an overlay version as a plain client would read it: its base row and every extent of
        // its layers, each whole
        layers =
            c.prepareStatement(
                """
                SELECT data FROM block_version
                 WHERE file_id = ? AND blk = ? AND rev = ? AND format = 1
                UNION ALL
                SELECT data FROM overlay WHERE file_id = ? AND blk = ? AND rev > ? AND rev <= ?
                """);
        layerPage =
            c.prepareStatement(
                """
                (SELECT substring(data FROM ? - off + 1 FOR 4096) FROM overlay
                  WHERE file_id = ? AND blk = ? AND rev > ? AND rev <= ?
                    AND off <= ? AND off + length(data) > ?
                  ORDER BY rev DESC LIMIT 1)
                UNION ALL
                SELECT substring(data FROM ? FOR 4096) FROM block_version
                 WHERE file_id = ? AND blk = ? AND rev = ? AND format = 1
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
        } else if (r.format() == 3) {
          ps = layers;
          ps.setLong(1, fileId);
          ps.setLong(2, r.blk());
          ps.setLong(3, r.baseRev());
          ps.setLong(4, fileId);
          ps.setLong(5, r.blk());
          ps.setLong(6, r.baseRev());
          ps.setLong(7, r.rev());
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
        } else if (r.format() == 3) {
          // the newest extent holding the page, else the base (the first row that comes)
          ps = layerPage;
          ps.setInt(1, offInBlock);
          ps.setLong(2, fileId);
          ps.setLong(3, r.blk());
          ps.setLong(4, r.baseRev());
          ps.setLong(5, r.rev());
          ps.setInt(6, offInBlock);
          ps.setInt(7, offInBlock);
          ps.setInt(8, offInBlock + 1);
          ps.setLong(9, fileId);
          ps.setLong(10, r.blk());
          ps.setLong(11, r.baseRev());
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

  /**
   * Bytes of the service's block tables, TOAST and indexes included: {@code block_version}, {@code
   * chunk}, and {@code overlay} where the schema has it (it came with a later migration).
   */
  static long dbBytes(Connection c) {
    try (Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                """
                SELECT pg_total_relation_size('block_version') + pg_total_relation_size('chunk')
                     + coalesce(pg_total_relation_size(to_regclass('overlay')), 0)
                """)) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The service's tables that hold block data: those of {@link #dbBytes} that exist. */
  static List<String> blockTables(Connection c) {
    List<String> out = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
      for (String t : List.of("block_version", "chunk", "overlay")) {
        ps.setString(1, t);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          if (rs.getBoolean(1)) {
            out.add(t);
          }
        }
      }
      return out;
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * What the rows of one file take in the block tables ({@link #blockTables}), rebuilt from the
   * sizes of its values and the catalogue, so that it can be taken for one file at any time (the
   * growth of the tables cannot: space freed by pack stays in them until a {@code VACUUM FULL}).
   *
   * <ul>
   *   <li>Each row: its heap tuple (the {@value #HEAP_HEADER}-byte header and every column's {@code
   *       pg_column_size}, its stored size, compressed if it is; a value stored out of line counts
   *       as its {@value #TOAST_POINTER}-byte pointer), aligned to 8 bytes, and a {@value
   *       #LINE_POINTER}-byte line pointer; and for each index of the table an entry: {@value
   *       #INDEX_HEADER}-byte header and the key columns, aligned to 8, and a line pointer.
   *   <li>Values out of line (variable-length, over {@value #TOAST_CHUNK} bytes stored, the size of
   *       one TOAST row's data): the TOAST pages their rows fill ({@value #TOAST_ROW_HEADER} bytes
   *       of header and ids and up to {@value #TOAST_CHUNK} bytes of the value each, aligned, with
   *       a line pointer), the file's values alone, in the order of the heap, placed on pages as
   *       PostgreSQL places them ({@link #toastPages}); and a {@value #TOAST_INDEX_ENTRY}-byte
   *       entry in the TOAST index per TOAST row. Placement matters: a 4 KiB chunk makes TOAST rows
   *       of 1996, 1996 and 104 bytes, and a table of them fills 1.33 times their bytes in TOAST
   *       pages, where a sum over the rows would say 1.03.
   * </ul>
   *
   * Left out: padding between columns, free space in heap and index pages, inner index pages, dead
   * rows, and the free-space and visibility maps, so it is under what the tables occupy; {@link
   * FormatFigures} prints the ratio over all rows.
   */
  static final class StoredBytes {
    static final int PAGE = 8192;
    static final int PAGE_HEADER = 24;
    static final int LINE_POINTER = 4;
    static final int HEAP_HEADER = 24;
    static final int INDEX_HEADER = 8;
    static final int TOAST_CHUNK = 1996;
    static final int TOAST_POINTER = 18;
    static final int TOAST_ROW_HEADER = 36;
    static final int TOAST_INDEX_ENTRY = 20;
    static final int FSM_STEP = 32;

    /**
     * One block table: {@code rows} selects the count and the bytes of its rows and index entries
     * ({@code FROM table t}, unfiltered); {@code outOfLine} the stored sizes of one column's values
     * stored out of line, one statement per variable-length column, in the order of the heap.
     */
    private record Table(String rows, List<String> outOfLine) {}

    private final List<Table> tables = new ArrayList<>();

    private StoredBytes() {}

    /** Built from the catalogue of the tables as they are now. */
    static StoredBytes of(Connection c) {
      StoredBytes m = new StoredBytes();
      for (String table : blockTables(c)) {
        List<String> heap = new ArrayList<>();
        List<String> toast = new ArrayList<>();
        List<String> outOfLine = new ArrayList<>();
        List<String> entries = new ArrayList<>();
        boolean hasFileId = false;
        try (PreparedStatement cols =
                c.prepareStatement(
                    "SELECT attname, attlen FROM pg_attribute WHERE attrelid = to_regclass(?)"
                        + " AND attnum > 0 AND NOT attisdropped ORDER BY attnum");
            PreparedStatement keys =
                c.prepareStatement(
                    """
                    SELECT i.indexrelid, a.attname
                      FROM pg_index i, unnest(i.indkey::int2[]) k(attnum), pg_attribute a
                     WHERE i.indrelid = to_regclass(?) AND a.attrelid = i.indrelid
                       AND a.attnum = k.attnum
                     ORDER BY i.indexrelid
                    """)) {
          cols.setString(1, table);
          try (ResultSet rs = cols.executeQuery()) {
            while (rs.next()) {
              String col = size(rs.getString(1));
              hasFileId |= rs.getString(1).equals("file_id");
              if (rs.getInt(2) == -1) {
                String out = col + " > " + TOAST_CHUNK;
                heap.add("CASE WHEN " + out + " THEN " + TOAST_POINTER + " ELSE " + col + " END");
                toast.add(
                    "CASE WHEN "
                        + out
                        + " THEN "
                        + TOAST_INDEX_ENTRY
                        + " * ceil("
                        + col
                        + " / "
                        + TOAST_CHUNK
                        + ".0) ELSE 0 END");
                outOfLine.add("SELECT " + col + " FROM " + table + " t WHERE " + out);
              } else {
                heap.add(col);
              }
            }
          }
          keys.setString(1, table);
          try (ResultSet rs = keys.executeQuery()) {
            long index = -1;
            List<String> key = new ArrayList<>();
            while (rs.next()) {
              if (rs.getLong(1) != index && !key.isEmpty()) {
                entries.add(tuple(INDEX_HEADER, key));
                key.clear();
              }
              index = rs.getLong(1);
              key.add(size(rs.getString(2)));
            }
            if (!key.isEmpty()) {
              entries.add(tuple(INDEX_HEADER, key));
            }
          }
        } catch (SQLException e) {
          throw new IllegalStateException(e);
        }
        if (!hasFileId) {
          throw new IllegalStateException("block table " + table + " has no column file_id");
        }
        List<String> row = new ArrayList<>();
        row.add(tuple(HEAP_HEADER, heap));
        row.addAll(entries);
        row.addAll(toast);
        m.tables.add(
            new Table(
                "SELECT count(*), coalesce(sum("
                    + String.join(" + ", row)
                    + "), 0) FROM "
                    + table
                    + " t",
                outOfLine));
      }
      return m;
    }

    /** A tuple of a header and these columns' sizes, aligned to 8 bytes, with its line pointer. */
    private static String tuple(int header, List<String> columns) {
      return LINE_POINTER
          + " + 8 * ceil(("
          + header
          + " + "
          + String.join(" + ", columns)
          + ") / 8.0)";
    }

    private static String size(String column) {
      return "coalesce(pg_column_size(t.\"" + column.replace("\"", "\"\"") + "\"), 0)";
    }

    /** The rows of file {@code fileId}: how many, and their bytes. */
    Measure file(Connection c, long fileId) {
      return sum(c, " AND t.file_id = ?", fileId);
    }

    /** Every row of the block tables. */
    Measure all(Connection c) {
      return sum(c, "", null);
    }

    private Measure sum(Connection c, String and, Long fileId) {
      long rows = 0;
      long bytes = 0;
      try {
        for (Table t : tables) {
          try (PreparedStatement ps =
              c.prepareStatement(t.rows() + (and.isEmpty() ? "" : " WHERE true" + and))) {
            if (fileId != null) {
              ps.setLong(1, fileId);
            }
            try (ResultSet rs = ps.executeQuery()) {
              rs.next();
              rows += rs.getLong(1);
              bytes += rs.getLong(2);
            }
          }
          for (String values : t.outOfLine()) {
            try (PreparedStatement ps = c.prepareStatement(values + and + " ORDER BY t.ctid")) {
              if (fileId != null) {
                ps.setLong(1, fileId);
              }
              try (ResultSet rs = ps.executeQuery()) {
                bytes += toastPages(rs);
              }
            }
          }
        }
      } catch (SQLException e) {
        throw new IllegalStateException(e);
      }
      return new Measure(rows, bytes);
    }

    /**
     * The bytes of the TOAST pages that hold these values (their stored sizes, in order), each cut
     * into TOAST rows and placed as PostgreSQL places them: on the page the last row went to if it
     * fits there, else on the first page whose recorded free space (in the free-space map's steps
     * of 32 bytes) is enough, recording that page's free space first, else on a new page; the last
     * page counts as far as it is used. For fresh tables of 4 KiB, 16 KiB and 2 MiB values, and of
     * mixed sizes, this gave the TOAST table's size to within 0.1%.
     */
    private static long toastPages(ResultSet sizes) throws SQLException {
      int room = PAGE - PAGE_HEADER;
      int[] free = new int[64];
      int pages = 0;
      int target = -1;
      // pages whose free space was recorded, by its step; a page is in one set at most
      List<TreeSet<Integer>> recorded = new ArrayList<>();
      for (int i = 0; i < PAGE / FSM_STEP; i++) {
        recorded.add(new TreeSet<>());
      }
      int[] step = new int[64];
      while (sizes.next()) {
        for (long left = sizes.getLong(1); left > 0; left -= TOAST_CHUNK) {
          int data = (int) Math.min(left, TOAST_CHUNK);
          int need = LINE_POINTER + (TOAST_ROW_HEADER + data + 7) / 8 * 8;
          while (target < 0 || free[target] < need) {
            int found = -1;
            if (target >= 0) {
              if (step[target] >= 0) {
                recorded.get(step[target]).remove(target);
              }
              step[target] = Math.max(0, free[target] - LINE_POINTER) / FSM_STEP;
              recorded.get(step[target]).add(target);
              int wanted = (need - LINE_POINTER + FSM_STEP - 1) / FSM_STEP;
              for (int st = wanted; st < recorded.size(); st++) {
                if (!recorded.get(st).isEmpty()) {
                  int p = recorded.get(st).first();
                  found = found < 0 ? p : Math.min(found, p);
                }
              }
            }
            if (found < 0) {
              if (pages == free.length) {
                free = Arrays.copyOf(free, 2 * pages);
                step = Arrays.copyOf(step, 2 * pages);
              }
              free[pages] = room;
              step[pages] = -1;
              target = pages++;
              break;
            }
            target = found;
          }
          free[target] -= need;
        }
      }
      return pages == 0 ? 0 : (long) (pages - 1) * PAGE + PAGE - free[pages - 1];
    }
  }

  /** Rows and their estimated bytes ({@link StoredBytes}). */
  record Measure(long rows, long bytes) {}
}
