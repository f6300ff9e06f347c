package io.bigfile.postgres;

import io.bigfile.block.BlockRef;
import io.bigfile.block.BlockSlice;
import io.bigfile.block.BlockStore;
import io.bigfile.block.BlockWrite;
import io.bigfile.block.Change;
import io.bigfile.block.Changeset;
import io.bigfile.block.CommitOutcome;
import io.bigfile.block.ConflictException;
import io.bigfile.block.FileChange;
import io.bigfile.block.FileRecord;
import io.bigfile.block.RevisionRecord;
import io.bigfile.block.StoredConflict;
import io.bigfile.file.StorageUnavailableException;
import io.bigfile.file.WriteFormat;
import io.bigfile.format.BlockData;
import io.bigfile.format.BlockFormat;
import io.bigfile.format.Chunks;
import io.bigfile.format.EncodedBlock;
import java.io.ByteArrayInputStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import javax.sql.DataSource;

/**
 * The storage port on PostgreSQL. Thread-safe; holds no state but its connection sources and the
 * head revision it learns from commit notifications.
 *
 * <p>A commit runs in one database transaction on one connection, in one of two ways. A streamed
 * changeset (an upload, as long as its client takes):
 *
 * <ol>
 *   <li>block rows are inserted as they are pulled from the changeset, stamped with a negative
 *       placeholder revision, so a long upload holds no lock while its body streams;
 *   <li>the head row is locked ({@code UPDATE head SET rev = rev + 1}): commits serialise here, and
 *       from now on every earlier revision is committed and visible;
 *   <li>conflicts are checked against rows committed after the snapshot; any conflict rolls
 *       everything back;
 *   <li>truncations write zero versions, placeholders become the new revision, and one statement
 *       inserts the revision row and the file versions (and notifies listeners of the new head);
 *   <li>the database commits. Only then does the caller publish anything.
 * </ol>
 *
 * <p>A small changeset already in memory (a transaction's dirty pages, up to {@value
 * #DIRECT_MAX_BYTES} bytes) takes the head lock first and inserts its rows at the revision itself,
 * skipping the placeholder's sequence call and updates: a small commit costs five round trips
 * (lock, rows, conflicts, revision, commit) plus one per file changed, and holds the lock only as
 * long as its rows take to send.
 */
public final class PostgresBlockStore implements BlockStore, AutoCloseable {

  private static final long DIRECT_MAX_BYTES = 4L * 1024 * 1024;
  private static final long BATCH_BYTES = 4L * 1024 * 1024;
  private static final int BATCH_ROWS = 512;
  private static final long PACK_LOCK = 0x6269_6766_696c_65L;

  private final DataSource reads;
  private final JtaConnections writes;
  private final int commitTimeoutSeconds;
  private final HeadWatcher watcher;

  /** A store that asks the database for the head revision on every read. */
  public PostgresBlockStore(DataSource reads, JtaConnections writes, Duration commitTimeout) {
    this(reads, writes, commitTimeout, null, Duration.ZERO);
  }

  /**
   * A store that knows the head revision from commit notifications, heard on one connection of
   * {@code listen} (see {@link HeadWatcher}); null: ask the database every time.
   *
   * @param headRefresh how often the watcher re-reads the head row even without notifications
   */
  public PostgresBlockStore(
      DataSource reads,
      JtaConnections writes,
      Duration commitTimeout,
      DataSource listen,
      Duration headRefresh) {
    this.reads = reads;
    this.writes = writes;
    this.commitTimeoutSeconds = (int) Math.min(Integer.MAX_VALUE, commitTimeout.toSeconds());
    this.watcher = listen == null ? null : new HeadWatcher(listen, headRefresh);
  }

  /** Whether the head revision is currently known without asking the database. */
  public boolean watchingHead() {
    return watcher != null && watcher.healthy();
  }

  /** Stops listening for commit notifications. */
  @Override
  public void close() {
    if (watcher != null) {
      watcher.close();
    }
  }

  // ---------------------------------------------------------------- reads

  @FunctionalInterface
  private interface Query<T> {
    T run(Connection c) throws SQLException;
  }

  private <T> T read(Query<T> q) {
    try (Connection c = reads.getConnection()) {
      return q.run(c);
    } catch (SQLException e) {
      throw new StorageUnavailableException("database error: " + e.getMessage(), e);
    }
  }

  private static long single(Connection c, String sql) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql);
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    }
  }

  @Override
  public long headRevision() {
    long known = watcher == null ? -1 : watcher.head();
    return known >= 0 ? known : freshHeadRevision();
  }

  @Override
  public long freshHeadRevision() {
    long head = read(c -> single(c, "SELECT rev FROM head"));
    if (watcher != null) {
      watcher.advance(head);
    }
    return head;
  }

  @Override
  public long oldestRetainedRevision() {
    return read(c -> single(c, "SELECT oldest_retained_rev FROM history"));
  }

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

  @Override
  public Optional<FileRecord> file(long fileId, long snapshot) {
    return read(
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

  @Override
  public List<FileRecord> files(long snapshot, long afterId, int limit) {
    return read(
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
            List<FileRecord> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                out.add(fileRecord(rs));
              }
            }
            return out;
          }
        });
  }

  @Override
  public List<RevisionRecord> revisions(
      long fileId, long snapshot, long beforeRevision, int limit) {
    return read(
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
            List<RevisionRecord> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                out.add(
                    new RevisionRecord(
                        rs.getLong(1), rs.getTimestamp(2).toInstant(), rs.getInt(3)));
              }
            }
            return out;
          }
        });
  }

  @Override
  public List<BlockRef> blocks(long fileId, long snapshot, long fromBlk, long toBlk) {
    return read(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  """
                  SELECT DISTINCT ON (blk) blk, rev, format, base_rev
                    FROM block_version
                   WHERE file_id = ? AND blk >= ? AND blk < ? AND rev <= ? AND rev > 0
                   ORDER BY blk, rev DESC
                  """)) {
            ps.setLong(1, fileId);
            ps.setLong(2, fromBlk);
            ps.setLong(3, toBlk);
            ps.setLong(4, snapshot);
            List<BlockRef> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                long rev = rs.getLong(2);
                BlockFormat format = BlockFormat.ofId(rs.getInt(3));
                long base = rs.getLong(4);
                out.add(
                    new BlockRef(
                        rs.getLong(1), rev, format, format == BlockFormat.CHUNKED ? base : rev));
              }
            }
            return out;
          }
        });
  }

  @Override
  public List<Long> dataBlocks(long fileId, long snapshot, long fromBlk, int limit) {
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

  @Override
  public List<Long> changedBlocks(long fileId, long since, long snapshot, long fromBlk, int limit) {
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
    return read(
        c -> {
          try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
              ps.setLong(i + 1, params[i]);
            }
            List<Long> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                out.add(rs.getLong(1));
              }
            }
            return out;
          }
        });
  }

  @Override
  public BlockData load(long fileId, int blockSize, BlockRef ref) {
    return switch (ref.format()) {
      case ZERO -> BlockData.EMPTY;
      case WHOLE -> read(c -> loadWhole(c, fileId, ref));
      case CHUNKED -> read(c -> loadChunked(c, fileId, blockSize, ref));
    };
  }

  @Override
  public byte[] loadRange(long fileId, int blockSize, BlockRef ref, int from, int length) {
    byte[] out = new byte[length];
    switch (ref.format()) {
      case ZERO -> {}
      case WHOLE -> read(c -> loadWholeRange(c, fileId, ref, from, out));
      case CHUNKED -> read(c -> loadChunkedRange(c, fileId, ref, from, out));
    }
    return out;
  }

  /**
   * One round trip for a whole (or zero) version: the index entry and the range's bytes together. A
   * chunked version takes a second one, for the chunks that overlap the range (a join of both in
   * one statement costs PostgreSQL as much as the two).
   */
  @Override
  public BlockSlice readSlice(
      long fileId, int blockSize, long snapshot, long blk, int from, int length) {
    return read(
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
          throw new IllegalStateException(
              "block " + ref.blk() + " version " + ref.rev() + " of file " + fileId + " is gone");
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

  @Override
  public long revisionAtOrBefore(Instant time) {
    return read(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT coalesce(max(rev), -1) FROM revision WHERE committed_at <= ?")) {
            ps.setTimestamp(1, Timestamp.from(time));
            try (ResultSet rs = ps.executeQuery()) {
              rs.next();
              return rs.getLong(1);
            }
          }
        });
  }

  // ---------------------------------------------------------------- commit

  @Override
  public Optional<CommitOutcome> commit(Changeset cs) throws ConflictException {
    long[] token = new long[1];
    long[] revision = new long[1];
    Optional<CommitOutcome> outcome;
    try {
      outcome = writes.inTransaction(commitTimeoutSeconds, c -> commitOn(c, cs, token, revision));
    } catch (StorageUnavailableException e) {
      outcome = revision[0] > 0 ? landed(revision[0], token[0]) : Optional.empty();
      if (outcome.isEmpty()) {
        throw e;
      }
    }
    // readers of this process see the commit as soon as its caller learns of it
    if (watcher != null && outcome.isPresent()) {
      watcher.advance(outcome.get().revision());
    }
    return outcome;
  }

  /** Whether a commit whose commit call failed landed after all, judged by the database. */
  private Optional<CommitOutcome> landed(long rev, long token) {
    try {
      return read(
          c -> {
            try (PreparedStatement ps =
                c.prepareStatement(
                    "SELECT committed_at FROM revision WHERE rev = ? AND token = ?")) {
              ps.setLong(1, rev);
              ps.setLong(2, token);
              try (ResultSet rs = ps.executeQuery()) {
                return rs.next()
                    ? Optional.of(new CommitOutcome(rev, rs.getTimestamp(1).toInstant()))
                    : Optional.empty();
              }
            }
          });
    } catch (StorageUnavailableException e) {
      return Optional.empty();
    }
  }

  private Optional<CommitOutcome> commitOn(
      Connection c, Changeset cs, long[] tokenOut, long[] revisionOut)
      throws SQLException, ConflictException {
    boolean direct = cs.inMemoryBytes() >= 0 && cs.inMemoryBytes() <= DIRECT_MAX_BYTES;
    long rev;
    long mine;
    List<FileChange> files;
    if (direct) {
      // small and already in memory: lock first and write the rows at their revision, which saves
      // the placeholder's round trips; the lock is held only while they are sent
      files = cs.files().get();
      if (files.isEmpty() && !cs.blocks().hasNext()) {
        return Optional.empty();
      }
      tokenOut[0] = ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
      rev = single(c, "UPDATE head SET rev = rev + 1 RETURNING rev");
      mine = rev;
      writeBlocks(c, cs, rev);
    } else {
      long p = -single(c, "SELECT nextval('placeholder_seq')");
      tokenOut[0] = p;
      boolean wroteBlocks = writeBlocks(c, cs, p);
      files = cs.files().get();
      if (!wroteBlocks && files.isEmpty()) {
        return Optional.empty();
      }
      rev = single(c, "UPDATE head SET rev = rev + 1 RETURNING rev");
      mine = p;
    }
    List<FileChange> merged = new ArrayList<>(files.size());
    List<StoredConflict> conflicts =
        PostgresConflictFacts.conflicts(c, cs.snapshot(), mine, rev, files, merged);
    if (!conflicts.isEmpty()) {
      throw new ConflictException(conflicts);
    }
    for (FileChange f : files) {
      if (f.zeroFrom() != Long.MAX_VALUE && !f.created()) {
        writeZeroVersions(c, f, mine, rev);
      }
    }
    if (!direct) {
      try (PreparedStatement ps =
          c.prepareStatement(
              "UPDATE block_version SET rev = ?,"
                  + " base_rev = CASE WHEN base_rev = ? THEN ? ELSE base_rev END WHERE rev = ?")) {
        ps.setLong(1, rev);
        ps.setLong(2, mine);
        ps.setLong(3, rev);
        ps.setLong(4, mine);
        ps.executeUpdate();
      }
      try (PreparedStatement ps = c.prepareStatement("UPDATE chunk SET rev = ? WHERE rev = ?")) {
        ps.setLong(1, rev);
        ps.setLong(2, mine);
        ps.executeUpdate();
      }
    }
    Instant committedAt = writeRevision(c, rev, tokenOut[0], merged);
    revisionOut[0] = rev;
    return Optional.of(new CommitOutcome(rev, committedAt));
  }

  /**
   * Inserts the changeset's blocks at {@code p} (a placeholder, or the revision itself); returns
   * whether there were any.
   */
  private static boolean writeBlocks(Connection c, Changeset cs, long p) throws SQLException {
    boolean any = false;
    try (PreparedStatement blocks =
            c.prepareStatement(
                "INSERT INTO block_version (file_id, blk, rev, format, base_rev, data)"
                    + " VALUES (?, ?, ?, ?, ?, ?)");
        PreparedStatement chunks =
            c.prepareStatement(
                "INSERT INTO chunk (file_id, blk, off, rev, data) VALUES (?, ?, ?, ?, ?)")) {
      long pendingBytes = 0;
      int pendingRows = 0;
      while (cs.blocks().hasNext()) {
        BlockWrite w = cs.blocks().next();
        any = true;
        blocks.setLong(1, w.fileId());
        blocks.setLong(2, w.blk());
        blocks.setLong(3, p);
        blocks.setInt(4, w.block().format().id());
        if (w.block() instanceof EncodedBlock.Whole whole) {
          blocks.setNull(5, Types.BIGINT);
          blocks.setBinaryStream(
              6, new ByteArrayInputStream(whole.buf(), 0, whole.length()), whole.length());
          pendingBytes += whole.length();
        } else if (w.block() instanceof EncodedBlock.Chunked ch) {
          blocks.setLong(5, ch.newRun() ? p : w.runStart());
          blocks.setNull(6, Types.BINARY);
          for (EncodedBlock.Chunk k : ch.chunks()) {
            chunks.setLong(1, w.fileId());
            chunks.setLong(2, w.blk());
            chunks.setInt(3, k.offset());
            chunks.setLong(4, p);
            if (k.length() == 0) {
              chunks.setNull(5, Types.BINARY);
            } else {
              chunks.setBinaryStream(
                  5, new ByteArrayInputStream(k.buf(), k.from(), k.length()), k.length());
            }
            chunks.addBatch();
            pendingBytes += k.length();
            pendingRows++;
          }
        } else {
          blocks.setNull(5, Types.BIGINT);
          blocks.setNull(6, Types.BINARY);
        }
        blocks.addBatch();
        pendingRows++;
        if (cs.reusesBuffers() || pendingBytes >= BATCH_BYTES || pendingRows >= BATCH_ROWS) {
          blocks.executeBatch();
          chunks.executeBatch();
          pendingBytes = 0;
          pendingRows = 0;
        }
      }
      if (pendingRows > 0) {
        blocks.executeBatch();
        chunks.executeBatch();
      }
    }
    return any;
  }

  /**
   * Zero versions for the committed blocks a truncation cut off, except those this commit rewrites
   * (its rows are at {@code mine}).
   */
  private static void writeZeroVersions(Connection c, FileChange f, long mine, long rev)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            """
            INSERT INTO block_version (file_id, blk, rev, format)
            SELECT l.file_id, l.blk, ?, 0
              FROM (SELECT DISTINCT ON (blk) file_id, blk, format
                      FROM block_version
                     WHERE file_id = ? AND blk >= ? AND rev > 0 AND rev < ?
                     ORDER BY blk, rev DESC) l
             WHERE l.format <> 0
               AND NOT EXISTS (SELECT 1 FROM block_version w
                                WHERE w.file_id = l.file_id AND w.blk = l.blk AND w.rev = ?)
            """)) {
      ps.setLong(1, rev);
      ps.setLong(2, f.fileId());
      ps.setLong(3, f.zeroFrom());
      ps.setLong(4, rev);
      ps.setLong(5, mine);
      ps.executeUpdate();
    }
  }

  /**
   * The revision row, the rows of created files and a version row per file, in one statement. The
   * notification it sends reaches listeners when, and only if, the transaction commits.
   */
  private static Instant writeRevision(Connection c, long rev, long token, List<FileChange> files)
      throws SQLException {
    int n = files.size();
    List<Long> createdIds = new ArrayList<>();
    List<Integer> createdSizes = new ArrayList<>();
    Long[] ids = new Long[n];
    String[] names = new String[n];
    Long[] sizes = new Long[n];
    Short[] formats = new Short[n];
    Boolean[] deleted = new Boolean[n];
    Short[] changes = new Short[n];
    for (int i = 0; i < n; i++) {
      FileChange f = files.get(i);
      if (f.created()) {
        createdIds.add(f.fileId());
        createdSizes.add(f.blockSize());
      }
      ids[i] = f.fileId();
      names[i] = f.name();
      sizes[i] = f.size();
      formats[i] = (short) f.format().code();
      deleted[i] = f.deleted();
      changes[i] = (short) Change.mask(f.changes());
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            """
            WITH r AS (INSERT INTO revision (rev, committed_at, token)
                       VALUES (?, clock_timestamp(), ?)
                       RETURNING committed_at, pg_notify(?, ?)),
                 f AS (INSERT INTO file (id, block_size, created_rev)
                       SELECT id, bs, ? FROM unnest(?::bigint[], ?::integer[]) AS u (id, bs)),
                 v AS (INSERT INTO file_version (file_id, rev, name, size, format, deleted, changes)
                       SELECT id, ?, name, size, format, deleted, changes
                         FROM unnest(?::bigint[], ?::text[], ?::bigint[], ?::smallint[],
                                     ?::boolean[], ?::smallint[])
                              AS u (id, name, size, format, deleted, changes))
            SELECT committed_at FROM r
            """)) {
      ps.setLong(1, rev);
      ps.setLong(2, token);
      ps.setString(3, HeadWatcher.CHANNEL);
      ps.setString(4, Long.toString(rev));
      ps.setLong(5, rev);
      ps.setArray(6, c.createArrayOf("bigint", createdIds.toArray()));
      ps.setArray(7, c.createArrayOf("integer", createdSizes.toArray()));
      ps.setLong(8, rev);
      ps.setArray(9, c.createArrayOf("bigint", ids));
      ps.setArray(10, c.createArrayOf("text", names));
      ps.setArray(11, c.createArrayOf("bigint", sizes));
      ps.setArray(12, c.createArrayOf("smallint", formats));
      ps.setArray(13, c.createArrayOf("boolean", deleted));
      ps.setArray(14, c.createArrayOf("smallint", changes));
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getTimestamp(1).toInstant();
      }
    }
  }

  // ---------------------------------------------------------------- history

  @Override
  public void retainFrom(long horizon) {
    writes.inTransaction(
        commitTimeoutSeconds,
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

  @Override
  public void pack(long horizon) {
    writes.inTransaction(
        commitTimeoutSeconds,
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
          long from = single(c, "SELECT packed_rev FROM history FOR UPDATE");
          if (horizon <= from) {
            return null;
          }
          for (String sql : PACK_STATEMENTS) {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
              int n = 0;
              for (int i = 0; i < sql.length(); i++) {
                if (sql.charAt(i) == '?') {
                  n++;
                  ps.setLong(n, n % 2 == 1 ? from : horizon);
                }
              }
              ps.executeUpdate();
            }
          }
          try (PreparedStatement ps = c.prepareStatement("UPDATE history SET packed_rev = ?")) {
            ps.setLong(1, horizon);
            ps.executeUpdate();
          }
          return null;
        });
  }

  /**
   * Pack, in order. Parameters alternate: every odd {@code ?} is L, the previous pack's horizon,
   * and every even one is H, the new horizon. Only rows that a version written in (L, H] superseded
   * can have become invisible since the last pack, so each statement starts from that window
   * (through the rev indexes), not from whole tables. What remains for each key is its newest
   * version at or below H, which a reader at H sees, and every version above H.
   */
  private static final List<String> PACK_STATEMENTS =
      List.of(
          // files deleted in the window: no retained revision sees them
          """
          DELETE FROM block_version WHERE file_id IN
            (SELECT file_id FROM file_version WHERE deleted AND rev > ? AND rev <= ?)
          """,
          """
          DELETE FROM chunk WHERE file_id IN
            (SELECT file_id FROM file_version WHERE deleted AND rev > ? AND rev <= ?)
          """,
          """
          DELETE FROM file WHERE id IN
            (SELECT file_id FROM file_version WHERE deleted AND rev > ? AND rev <= ?)
          """,
          // file versions superseded by a version of the window
          """
          DELETE FROM file_version b USING file_version n
           WHERE n.rev > ? AND n.rev <= ? AND b.file_id = n.file_id AND b.rev < n.rev
          """,
          // block versions superseded by a version of the window
          """
          DELETE FROM block_version b USING block_version n
           WHERE n.rev > ? AND n.rev <= ? AND b.file_id = n.file_id AND b.blk = n.blk
             AND b.rev > 0 AND b.rev < n.rev
          """,
          // a zero version that is now the oldest of its block hides nothing: a missing block reads
          // as zeros too
          """
          DELETE FROM block_version b
           WHERE b.rev > ? AND b.rev <= ? AND b.format = 0
             AND NOT EXISTS (SELECT 1 FROM block_version o
                              WHERE o.file_id = b.file_id AND o.blk = b.blk AND o.rev < b.rev)
          """,
          // chunks superseded by a chunk of the window
          """
          DELETE FROM chunk c USING chunk n
           WHERE n.rev > ? AND n.rev <= ? AND c.file_id = n.file_id AND c.blk = n.blk AND c.off = n.off
             AND c.rev > 0 AND c.rev < n.rev
          """,
          // chunks of blocks changed in the window that no remaining chunked version's run includes
          """
          DELETE FROM chunk c
           USING (SELECT DISTINCT file_id, blk FROM block_version WHERE rev > ? AND rev <= ?) w
           WHERE c.file_id = w.file_id AND c.blk = w.blk AND c.rev > 0
             AND NOT EXISTS (SELECT 1 FROM block_version v
                              WHERE v.file_id = c.file_id AND v.blk = c.blk AND v.format = 2
                                AND v.base_rev <= c.rev AND v.rev >= c.rev)
          """,
          // an empty chunk that is now the oldest of its offset hides nothing
          """
          DELETE FROM chunk c
           WHERE c.rev > ? AND c.rev <= ? AND c.data IS NULL
             AND NOT EXISTS (SELECT 1 FROM chunk o
                              WHERE o.file_id = c.file_id AND o.blk = c.blk AND o.off = c.off AND o.rev < c.rev)
          """);

  @Override
  public void publishPin(String replica, long oldestSnapshot) {
    writes.inTransaction(
        commitTimeoutSeconds,
        c -> {
          if (oldestSnapshot == Long.MAX_VALUE) {
            try (PreparedStatement ps =
                c.prepareStatement("DELETE FROM snapshot_pin WHERE replica = ?")) {
              ps.setString(1, replica);
              ps.executeUpdate();
            }
          } else {
            try (PreparedStatement ps =
                c.prepareStatement(
                    "INSERT INTO snapshot_pin (replica, min_rev, heartbeat) VALUES (?, ?, now())"
                        + " ON CONFLICT (replica) DO UPDATE"
                        + " SET min_rev = excluded.min_rev, heartbeat = excluded.heartbeat")) {
              ps.setString(1, replica);
              ps.setLong(2, oldestSnapshot);
              ps.executeUpdate();
            }
          }
          return null;
        });
  }

  @Override
  public long oldestPin(Duration lease) {
    return read(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT min(min_rev) FROM snapshot_pin"
                      + " WHERE heartbeat > now() - make_interval(secs => ?)")) {
            ps.setDouble(1, lease.toMillis() / 1000.0);
            try (ResultSet rs = ps.executeQuery()) {
              rs.next();
              long v = rs.getLong(1);
              return rs.wasNull() ? Long.MAX_VALUE : v;
            }
          }
        });
  }
}
