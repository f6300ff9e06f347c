package io.bigfile.postgres;

import io.bigfile.block.BlockRef;
import io.bigfile.block.BlockSlice;
import io.bigfile.block.BlockStore;
import io.bigfile.block.Changeset;
import io.bigfile.block.CommitOutcome;
import io.bigfile.block.ConflictException;
import io.bigfile.block.FileRecord;
import io.bigfile.block.IdempotencyRecord;
import io.bigfile.block.PendingCommit;
import io.bigfile.block.RevisionRecord;
import io.bigfile.block.Settlement;
import io.bigfile.format.BlockData;
import io.bigfile.postgres.catalog.Catalogue;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The storage port on PostgreSQL. Thread-safe; holds no state but its connection sources and the
 * head revision it learns from commit notifications.
 *
 * <p>A façade: it routes each call to the part that owns it and keeps the head revision in step
 * with its own commits. The catalogue (files, their versions and revisions, history bounds,
 * snapshot pins) goes through JPA ({@link Catalogue}); block data through plain JDBC. Reads run on
 * the read pool: the block index ({@link SnapshotQueries}) and block bytes ({@link BlockLoader});
 * every read of what a revision sees, the catalogue's included, may run on a hot standby that has
 * replayed that revision ({@link Standbys}), while the head, history bounds, idempotency keys and
 * pins are read on the primary. Writes run in a JTA transaction on one connection ({@link
 * JtaConnections}): commits ({@link CommitWriter}, which describes the commit sequence and how a
 * commit whose answer was lost is settled, with the conflict facts of {@link
 * PostgresConflictFacts}, and the catalogue's rows written on the same connection), retention and
 * pack ({@link History}). Every statement and every wait for the database is bounded ({@link
 * SessionLimits}).
 */
public final class PostgresBlockStore implements BlockStore, AutoCloseable {

  private final Catalogue catalogue;
  private final Standbys standbys;
  private final SnapshotQueries snapshots;
  private final BlockLoader loader;
  private final CommitWriter writer;
  private final History history;
  private final HeadWatcher watcher;

  /** A store that asks the database for the head revision on every read. */
  public PostgresBlockStore(
      DataSource reads, Catalogue catalogue, JtaConnections writes, Duration commitTimeout) {
    this(reads, catalogue, writes, commitTimeout, null, Duration.ZERO);
  }

  /**
   * A store that knows the head revision from commit notifications, heard on one connection of
   * {@code listen} (see {@link HeadWatcher}); null: ask the database every time.
   *
   * @param headRefresh how often the watcher re-reads the head row even without notifications
   */
  public PostgresBlockStore(
      DataSource reads,
      Catalogue catalogue,
      JtaConnections writes,
      Duration commitTimeout,
      DataSource listen,
      Duration headRefresh) {
    this(reads, catalogue, writes, commitTimeout, listen, headRefresh, SessionLimits.NONE, reads);
  }

  /** A store whose reads all run on the primary's pool {@code reads}. */
  public PostgresBlockStore(
      DataSource reads,
      Catalogue catalogue,
      JtaConnections writes,
      Duration commitTimeout,
      DataSource listen,
      Duration headRefresh,
      SessionLimits limits,
      DataSource settleConnections) {
    this(
        Standbys.none(reads),
        catalogue,
        writes,
        commitTimeout,
        listen,
        headRefresh,
        limits,
        settleConnections);
  }

  /**
   * @param reads where reads go: to a standby that has replayed the revision they read, else to the
   *     primary; the catalogue's entity manager must be on {@link Standbys#reads()} too
   * @param limits the session limits the connections of {@code reads} and {@code writes} were
   *     given, which long statements of a commit or a pack extend
   * @param settleConnections where the outcome of a commit whose answer was lost is asked for: a
   *     short-lived connection with short timeouts, apart from the pools
   */
  public PostgresBlockStore(
      Standbys reads,
      Catalogue catalogue,
      JtaConnections writes,
      Duration commitTimeout,
      DataSource listen,
      Duration headRefresh,
      SessionLimits limits,
      DataSource settleConnections) {
    Jdbc jdbc =
        new Jdbc(
            reads.reads(), writes, (int) Math.min(Integer.MAX_VALUE, commitTimeout.toSeconds()));
    this.catalogue = catalogue;
    this.standbys = reads;
    this.snapshots = new SnapshotQueries(jdbc);
    this.loader = new BlockLoader(jdbc);
    this.writer = new CommitWriter(jdbc, catalogue, limits, settleConnections);
    this.history = new History(jdbc, limits, commitTimeout);
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

  @Override
  public long headRevision() {
    long known = watcher == null ? -1 : watcher.head();
    return known >= 0 ? known : freshHeadRevision();
  }

  @Override
  public long freshHeadRevision() {
    long head = snapshots.head();
    if (watcher != null) {
      watcher.advance(head);
    }
    return head;
  }

  @Override
  public long oldestRetainedRevision() {
    return catalogue.oldestRetainedRevision();
  }

  @Override
  public Optional<FileRecord> file(long fileId, long snapshot) {
    return standbys.at(snapshot, () -> catalogue.file(fileId, snapshot));
  }

  @Override
  public List<FileRecord> files(long snapshot, long afterId, int limit) {
    return standbys.at(snapshot, () -> catalogue.files(snapshot, afterId, limit));
  }

  @Override
  public List<RevisionRecord> revisions(
      long fileId, long snapshot, long beforeRevision, int limit) {
    return standbys.at(
        snapshot, () -> catalogue.revisions(fileId, snapshot, beforeRevision, limit));
  }

  @Override
  public List<BlockRef> blocks(long fileId, long snapshot, long fromBlk, long toBlk) {
    return standbys.at(snapshot, () -> snapshots.blocks(fileId, snapshot, fromBlk, toBlk));
  }

  @Override
  public List<Long> dataBlocks(long fileId, long snapshot, long fromBlk, int limit) {
    return standbys.at(snapshot, () -> snapshots.dataBlocks(fileId, snapshot, fromBlk, limit));
  }

  @Override
  public List<Long> changedBlocks(long fileId, long since, long snapshot, long fromBlk, int limit) {
    return standbys.at(
        snapshot, () -> snapshots.changedBlocks(fileId, since, snapshot, fromBlk, limit));
  }

  @Override
  public long revisionAtOrBefore(Instant time) {
    return catalogue.revisionAtOrBefore(time);
  }

  @Override
  public BlockData load(long fileId, int blockSize, BlockRef ref) {
    // a version's rows are all at or below its revision
    return standbys.at(ref.rev(), () -> loader.load(fileId, blockSize, ref));
  }

  @Override
  public byte[] loadRange(long fileId, int blockSize, BlockRef ref, int from, int length) {
    return standbys.at(ref.rev(), () -> loader.loadRange(fileId, blockSize, ref, from, length));
  }

  @Override
  public BlockSlice readSlice(
      long fileId, int blockSize, long snapshot, long blk, int from, int length) {
    return standbys.at(
        snapshot, () -> loader.readSlice(fileId, blockSize, snapshot, blk, from, length));
  }

  // ---------------------------------------------------------------- writes

  @Override
  public Optional<CommitOutcome> commit(Changeset cs) throws ConflictException {
    Optional<CommitOutcome> outcome = writer.commit(cs);
    // readers of this process see the commit as soon as its caller learns of it
    if (watcher != null && outcome.isPresent()) {
      watcher.advance(outcome.get().revision());
    }
    return outcome;
  }

  @Override
  public Settlement settle(PendingCommit commit) {
    Settlement s = writer.settle(commit);
    // a commit that landed is the head (or below it) for this process's readers too
    if (watcher != null && s.kind() == Settlement.Kind.LANDED) {
      watcher.advance(s.outcome().revision());
    }
    return s;
  }

  @Override
  public Optional<IdempotencyRecord> idempotencyRecord(String principal, String key) {
    return catalogue.idempotencyRecord(principal, key);
  }

  @Override
  public int forgetExpiredIdempotencyKeys(Instant now) {
    return catalogue.forgetExpiredIdempotencyKeys(now);
  }

  @Override
  public void retainFrom(long horizon) {
    history.retainFrom(horizon);
  }

  @Override
  public void pack(long horizon) {
    history.pack(horizon);
  }

  @Override
  public void publishPin(String replica, long oldestSnapshot) {
    catalogue.publishPin(replica, oldestSnapshot);
  }

  @Override
  public long oldestPin(Duration lease) {
    return catalogue.oldestPin(lease);
  }
}
