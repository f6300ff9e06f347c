package io.bigfile.postgres;

import io.bigfile.block.BlockWrite;
import io.bigfile.block.Changeset;
import io.bigfile.block.CommitOutcome;
import io.bigfile.block.ConflictException;
import io.bigfile.block.FileChange;
import io.bigfile.block.IdempotencyClaim;
import io.bigfile.block.IdempotencyKeyTakenException;
import io.bigfile.block.IdempotencyRecord;
import io.bigfile.block.PendingCommit;
import io.bigfile.block.Settlement;
import io.bigfile.block.StoredConflict;
import io.bigfile.block.UnconfirmedCommitException;
import io.bigfile.file.BigFileException;
import io.bigfile.file.StorageUnavailableException;
import io.bigfile.format.EncodedBlock;
import io.bigfile.postgres.catalog.Catalogue;
import java.io.ByteArrayInputStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import javax.sql.DataSource;

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
 *       writes the revision row, the rows of created files, the file versions and the request's
 *       idempotency key, if it has one, as entities on the same connection (the revision row's
 *       insert notifies listeners of the new head);
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
 * ConflictException}, an idempotency key stored already as {@link IdempotencyKeyTakenException}. If
 * only the database commit call fails, the outcome is the database's alone, never the transaction
 * manager's: the writer {@link #settle settles} it at once if the database answers, and otherwise
 * reports it as {@link UnconfirmedCommitException}, to be settled later.
 *
 * <p>How a lost answer is settled: the commit held the head row's lock from its {@code UPDATE head}
 * to its end, so once another transaction can lock that row ({@code FOR SHARE}) the commit's own
 * transaction is over, committed or rolled back, and can never commit later. Then its revision row,
 * which carries a token only this commit wrote, is there or not. Both steps run on a connection of
 * their own with short timeouts, so asking never waits long.
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

  /** How long {@link #settle} waits for the head row's lock before it reports UNKNOWN. */
  static final int SETTLE_LOCK_WAIT_MILLIS = 5000;

  private final Jdbc jdbc;
  private final Catalogue catalogue;
  private final SessionLimits limits;
  private final DataSource settleConnections;

  /**
   * @param limits the session limits of the write connections, which long statements extend
   * @param settleConnections where {@link #settle} asks the database (a short-lived connection with
   *     short timeouts, apart from the pools, which an outage may have filled with broken
   *     connections)
   */
  CommitWriter(Jdbc jdbc, Catalogue catalogue, SessionLimits limits, DataSource settleConnections) {
    this.jdbc = jdbc;
    this.catalogue = catalogue;
    this.limits = limits;
    this.settleConnections = settleConnections;
  }

  /**
   * Stores {@code cs} at a new revision; empty if it changed nothing. If the database commit call
   * fails, asks the database whether the commit landed (by its revision and token) before failing.
   *
   * @throws UnconfirmedCommitException if the commit call failed and the database cannot tell yet
   *     whether it landed
   */
  Optional<CommitOutcome> commit(Changeset cs) throws ConflictException {
    long[] token = new long[1];
    long[] revision = new long[1];
    try {
      return jdbc.commit(
          c -> {
            try {
              return commitOn(c, cs, token, revision);
            } finally {
              // back to the usual bound for the commit call, and for the connection's next use
              restoreNetworkTimeout(c);
            }
          });
    } catch (JtaConnections.CommitCallFailedException e) {
      if (revision[0] <= 0) {
        // it changed nothing (at most an idempotency key was to be stored): a retry is harmless
        throw e.unavailable();
      }
      PendingCommit pending = new PendingCommit(revision[0], token[0]);
      Settlement s = settle(pending);
      return switch (s.kind()) {
        case LANDED -> Optional.of(s.outcome());
        case LOST ->
            throw new StorageUnavailableException(
                "the database did not commit; nothing was changed; retry later", e);
        case UNKNOWN -> throw new UnconfirmedCommitException(pending, e);
      };
    } catch (Catalogue.KeyTakenException e) {
      IdempotencyClaim claim = cs.idempotency();
      IdempotencyRecord first =
          catalogue
              .idempotencyRecord(claim.principal(), claim.key())
              .orElseThrow(
                  () ->
                      new StorageUnavailableException(
                          "the idempotency key was released meanwhile; retry", e));
      throw new IdempotencyKeyTakenException(first);
    }
  }

  /**
   * Whether the commit whose answer was lost landed, judged by the database alone (see the class
   * comment); UNKNOWN while the database does not answer, or while the commit's transaction still
   * holds the head lock.
   */
  Settlement settle(PendingCommit pending) {
    try (Connection c = settleConnections.getConnection()) {
      c.setAutoCommit(false);
      try {
        try (Statement st = c.createStatement()) {
          st.execute("SET LOCAL lock_timeout = " + SETTLE_LOCK_WAIT_MILLIS);
          st.executeQuery("SELECT 1 FROM head FOR SHARE").close();
        }
        // the commit's transaction is over: its revision row is there for good, or never will be
        return catalogue
            .committed(c, pending.revision(), pending.token())
            .map(at -> Settlement.landed(new CommitOutcome(pending.revision(), at)))
            .orElse(Settlement.LOST);
      } finally {
        c.rollback();
      }
    } catch (SQLException | BigFileException e) {
      return Settlement.UNKNOWN;
    }
  }

  private Optional<CommitOutcome> commitOn(
      Connection c, Changeset cs, long[] tokenOut, long[] revisionOut)
      throws SQLException, ConflictException {
    boolean direct = cs.inMemoryBytes() >= 0 && cs.inMemoryBytes() <= DIRECT_MAX_BYTES;
    long rev;
    long mine;
    Written written;
    List<FileChange> files;
    if (direct) {
      // small and already in memory: lock first and write the rows at their revision, which saves
      // the placeholder's round trips; the lock is held only while they are sent
      files = cs.files().get();
      if (files.isEmpty() && !cs.blocks().hasNext()) {
        return unchanged(c, cs);
      }
      tokenOut[0] = ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
      rev = lockHead(c, 0);
      mine = rev;
      written = writeBlocks(c, cs, rev);
    } else {
      long p = -Jdbc.single(c, "SELECT nextval('placeholder_seq')");
      tokenOut[0] = p;
      written = writeBlocks(c, cs, p);
      files = cs.files().get();
      if (written.rows() == 0 && files.isEmpty()) {
        return unchanged(c, cs);
      }
      rev = lockHead(c, written.rows());
      mine = p;
    }
    List<FileChange> merged = new ArrayList<>(files.size());
    List<StoredConflict> conflicts =
        PostgresConflictFacts.conflicts(c, cs.snapshot(), mine, rev, files, merged);
    if (!conflicts.isEmpty()) {
      throw new ConflictException(conflicts);
    }
    if (written.continuesOverlays()) {
      rebaseCompactedOverlays(c, mine, rev);
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
      if (written.overlays()) {
        try (PreparedStatement ps =
            c.prepareStatement("UPDATE overlay SET rev = ? WHERE rev = ?")) {
          ps.setLong(1, rev);
          ps.setLong(2, mine);
          ps.executeUpdate();
        }
      }
    }
    Instant committedAt = catalogue.writeCommit(c, rev, tokenOut[0], merged, cs.idempotency());
    revisionOut[0] = rev;
    return Optional.of(new CommitOutcome(rev, committedAt));
  }

  private void restoreNetworkTimeout(Connection c) {
    if (limits.socketMillis() > 0) {
      try {
        c.setNetworkTimeout(null, limits.socketMillis());
      } catch (SQLException e) {
        // a broken connection is dropped by the pool either way
      }
    }
  }

  /** A changeset that changed nothing: no revision, only its idempotency key if it has one. */
  private Optional<CommitOutcome> unchanged(Connection c, Changeset cs) {
    if (cs.idempotency() != null) {
      catalogue.writeKey(c, cs.snapshot(), cs.idempotency());
    }
    return Optional.empty();
  }

  /**
   * Takes the head row's lock and the next revision. From here on the commit does no more waiting
   * of its own, so the server may end it once it is idle for the statement timeout (a commit whose
   * service vanished then frees the head lock); and the statements that handle all of its {@code
   * rows} rows at once get their allowance, on the server and on the socket.
   */
  private long lockHead(Connection c, long rows) throws SQLException {
    int statementMillis = limits.statementMillisFor(rows);
    try (PreparedStatement ps =
        c.prepareStatement(
            "UPDATE head SET rev = rev + 1 RETURNING rev,"
                + " set_config('idle_in_transaction_session_timeout', ?, true),"
                + " set_config('statement_timeout', ?, true)")) {
      ps.setString(1, Integer.toString(limits.statementMillisFor(0)));
      ps.setString(2, Integer.toString(statementMillis));
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        long rev = rs.getLong(1);
        if (limits.socketMillis() > 0) {
          c.setNetworkTimeout(null, limits.socketMillisFor(rows));
        }
        return rev;
      }
    }
  }

  /**
   * What {@link #writeBlocks} wrote.
   *
   * @param rows block, chunk and overlay rows
   * @param overlays whether any overlay version was among them
   * @param continuesOverlays whether any of them continues an overlay (a layer above the first)
   */
  private record Written(long rows, boolean overlays, boolean continuesOverlays) {}

  /** Inserts the changeset's blocks at {@code p} (a placeholder, or the revision itself). */
  private static Written writeBlocks(Connection c, Changeset cs, long p) throws SQLException {
    long rows = 0;
    boolean overlays = false;
    boolean continues = false;
    try (PreparedStatement blocks =
            c.prepareStatement(
                "INSERT INTO block_version (file_id, blk, rev, format, base_rev, data, layer)"
                    + " VALUES (?, ?, ?, ?, ?, ?, ?)");
        PreparedStatement chunks =
            c.prepareStatement(
                "INSERT INTO chunk (file_id, blk, off, rev, data) VALUES (?, ?, ?, ?, ?)");
        PreparedStatement extents =
            c.prepareStatement(
                "INSERT INTO overlay (file_id, blk, rev, off, data) VALUES (?, ?, ?, ?, ?)")) {
      long pendingBytes = 0;
      int pendingRows = 0;
      while (cs.blocks().hasNext()) {
        BlockWrite w = cs.blocks().next();
        rows++;
        blocks.setLong(1, w.fileId());
        blocks.setLong(2, w.blk());
        blocks.setLong(3, p);
        blocks.setInt(4, w.block().format().id());
        blocks.setNull(7, Types.SMALLINT);
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
            rows++;
          }
        } else if (w.block() instanceof EncodedBlock.Overlay ov) {
          overlays = true;
          continues |= ov.layer() > 1;
          blocks.setLong(5, w.runStart());
          blocks.setNull(6, Types.BINARY);
          blocks.setInt(7, ov.layer());
          for (EncodedBlock.Chunk k : ov.extents()) {
            extents.setLong(1, w.fileId());
            extents.setLong(2, w.blk());
            extents.setLong(3, p);
            extents.setInt(4, k.offset());
            extents.setBinaryStream(
                5, new ByteArrayInputStream(k.buf(), k.from(), k.length()), k.length());
            extents.addBatch();
            pendingBytes += k.length();
            pendingRows++;
            rows++;
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
          extents.executeBatch();
          pendingBytes = 0;
          pendingRows = 0;
        }
      }
      if (pendingRows > 0) {
        blocks.executeBatch();
        chunks.executeBatch();
        extents.executeBatch();
      }
    }
    return new Written(rows, overlays, continues);
  }

  /**
   * Overlay layers this commit stacked on an overlay version that pack has since rewritten whole
   * (between the snapshot they were encoded against and the head lock) start a new overlay over
   * that whole version instead: its content is the content the layers were encoded against, and
   * their extents are the only ones above it. Pack rewrites versions only under the head lock, so
   * from here on none can change.
   */
  private static void rebaseCompactedOverlays(Connection c, long mine, long rev)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            """
            UPDATE block_version w SET base_rev = p.rev, layer = 1
              FROM block_version p
             WHERE w.rev = ? AND w.format = 3 AND w.layer > 1
               AND p.file_id = w.file_id AND p.blk = w.blk AND p.format IN (0, 1)
               AND p.rev > w.base_rev AND p.rev > 0 AND p.rev < ?
            """)) {
      ps.setLong(1, mine);
      ps.setLong(2, rev);
      ps.executeUpdate();
    }
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
