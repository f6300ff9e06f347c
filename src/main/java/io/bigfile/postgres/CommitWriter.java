package io.bigfile.postgres;

import io.bigfile.block.BlockWrite;
import io.bigfile.block.Changeset;
import io.bigfile.block.CommitOutcome;
import io.bigfile.block.ConflictException;
import io.bigfile.block.FileChange;
import io.bigfile.block.StoredConflict;
import io.bigfile.file.StorageUnavailableException;
import io.bigfile.format.EncodedBlock;
import io.bigfile.postgres.catalog.Catalogue;
import java.io.ByteArrayInputStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Commits of the PostgreSQL store: a changeset's block rows, the conflict check, the zero versions
 * of truncations and the revision row. Thread-safe; holds no state but its connection sources.
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
 *   <li>truncations write zero versions, placeholders become the new revision, and the catalogue
 *       writes the revision row, the rows of created files and the file versions as entities on the
 *       same connection (the revision row's insert notifies listeners of the new head);
 *   <li>the database commits. Only then does the caller publish anything.
 * </ol>
 *
 * <p>A small changeset already in memory (a transaction's dirty pages, up to {@value
 * #DIRECT_MAX_BYTES} bytes) takes the head lock first and inserts its rows at the revision itself,
 * skipping the placeholder's sequence call and updates: a small commit costs six round trips (lock,
 * rows, conflicts, revision row, file versions, commit) plus one per file changed, and holds the
 * lock only as long as its rows take to send.
 *
 * <p>On failure (a statement, the connection, the JTA timeout) the database transaction rolls back
 * and nothing of the commit is visible; a conflict rolls back the same way and surfaces as {@link
 * ConflictException}. If only the database commit call fails, the outcome is the database's: the
 * store asks whether the revision row with the commit's token exists, and reports the commit as
 * made if it does.
 */
final class CommitWriter {

  /**
   * The largest changeset held in memory that is written at its revision directly (under the head
   * lock); a larger one takes a placeholder, so the lock is not held while megabytes are sent.
   */
  private static final long DIRECT_MAX_BYTES = 4L * 1024 * 1024;

  /**
   * A batch of inserted rows is sent once it holds this many bytes of data or {@link #BATCH_ROWS}
   * rows (block and chunk rows together), whichever comes first: few round trips, bounded memory.
   */
  private static final long BATCH_BYTES = 4L * 1024 * 1024;

  private static final int BATCH_ROWS = 512;

  private final Jdbc jdbc;
  private final Catalogue catalogue;

  CommitWriter(Jdbc jdbc, Catalogue catalogue) {
    this.jdbc = jdbc;
    this.catalogue = catalogue;
  }

  /**
   * Stores {@code cs} at a new revision; empty if it changed nothing. If the database commit call
   * fails, asks the database whether the commit landed (by its revision and token) before failing.
   */
  Optional<CommitOutcome> commit(Changeset cs) throws ConflictException {
    long[] token = new long[1];
    long[] revision = new long[1];
    Optional<CommitOutcome> outcome;
    try {
      outcome = jdbc.write(c -> commitOn(c, cs, token, revision));
    } catch (StorageUnavailableException e) {
      outcome = revision[0] > 0 ? landed(revision[0], token[0]) : Optional.empty();
      if (outcome.isEmpty()) {
        throw e;
      }
    }
    return outcome;
  }

  /** Whether a commit whose commit call failed landed after all, judged by the database. */
  private Optional<CommitOutcome> landed(long rev, long token) {
    try {
      return catalogue.committed(rev, token).map(at -> new CommitOutcome(rev, at));
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
      rev = Jdbc.single(c, "UPDATE head SET rev = rev + 1 RETURNING rev");
      mine = rev;
      writeBlocks(c, cs, rev);
    } else {
      long p = -Jdbc.single(c, "SELECT nextval('placeholder_seq')");
      tokenOut[0] = p;
      boolean wroteBlocks = writeBlocks(c, cs, p);
      files = cs.files().get();
      if (!wroteBlocks && files.isEmpty()) {
        return Optional.empty();
      }
      rev = Jdbc.single(c, "UPDATE head SET rev = rev + 1 RETURNING rev");
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
    Instant committedAt = catalogue.writeCommit(c, rev, tokenOut[0], merged);
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
}
