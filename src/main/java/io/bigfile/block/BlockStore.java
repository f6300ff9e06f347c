package io.bigfile.block;

import io.bigfile.format.BlockData;
import java.util.List;
import java.util.Optional;

/**
 * The storage port. Everything a snapshot reads through it is immutable: rows at or below the head
 * revision are never changed, and pack removes only versions no retained snapshot can see.
 * Implementations are thread-safe. Failures to reach the database surface as {@link
 * io.bigfile.file.StorageUnavailableException}.
 */
public interface BlockStore {

  /**
   * The newest committed revision, as this replica knows it: every commit of this process, and
   * those of other replicas once their notification arrived.
   */
  long headRevision();

  /** The newest committed revision read from the database itself, bypassing what is known. */
  default long freshHeadRevision() {
    return headRevision();
  }

  /** The oldest revision that can still be read. */
  long oldestRetainedRevision();

  /**
   * The file as {@code snapshot} sees it, including a deleted file's last record; empty if it did
   * not exist.
   */
  Optional<FileRecord> file(long fileId, long snapshot);

  /** Files alive at {@code snapshot} with an id above {@code afterId}, by id. */
  List<FileRecord> files(long snapshot, long afterId, int limit);

  /**
   * Changes of the file visible at {@code snapshot}, below {@code beforeRevision}, newest first.
   */
  List<RevisionRecord> revisions(long fileId, long snapshot, long beforeRevision, int limit);

  /**
   * The versions {@code snapshot} sees of blocks {@code [fromBlk, toBlk)}; blocks never written are
   * absent.
   */
  List<BlockRef> blocks(long fileId, long snapshot, long fromBlk, long toBlk);

  /**
   * Blocks at or past {@code fromBlk} that hold data at {@code snapshot} (their version there is
   * not a zero version), ascending, at most {@code limit}.
   */
  List<Long> dataBlocks(long fileId, long snapshot, long fromBlk, int limit);

  /**
   * Blocks at or past {@code fromBlk} with a version written after {@code since} and at or before
   * {@code snapshot}, ascending, at most {@code limit}.
   */
  List<Long> changedBlocks(long fileId, long since, long snapshot, long fromBlk, int limit);

  /** The content of one block version. */
  BlockData load(long fileId, int blockSize, BlockRef ref);

  /**
   * Bytes {@code [from, from+length)} of one block version, zeros past its stored data: for a small
   * range of a block that is not cached, without fetching the rest of the block.
   */
  default byte[] loadRange(long fileId, int blockSize, BlockRef ref, int from, int length) {
    byte[] out = new byte[length];
    load(fileId, blockSize, ref).copyTo(from, out, 0, length);
    return out;
  }

  /**
   * The version {@code snapshot} sees of block {@code blk} (null if it was never written) and bytes
   * {@code [from, from+length)} of it, zeros past its stored data, in one look-up: a small read of
   * a block whose index entry is not known yet.
   */
  default BlockSlice readSlice(
      long fileId, int blockSize, long snapshot, long blk, int from, int length) {
    List<BlockRef> refs = blocks(fileId, snapshot, blk, blk + 1);
    if (refs.isEmpty()) {
      return new BlockSlice(null, new byte[length]);
    }
    return new BlockSlice(refs.get(0), loadRange(fileId, blockSize, refs.get(0), from, length));
  }

  /**
   * Stores a changeset at a new revision, atomically: after a failure or a conflict nothing of it
   * is visible.
   *
   * @return the outcome, or empty when the changeset changed nothing (no revision is made)
   * @throws ConflictException if something it changes was changed by a commit after its snapshot
   * @throws IdempotencyKeyTakenException if the changeset's idempotency key is stored already
   * @throws UnconfirmedCommitException if the database was asked to commit and its answer was lost:
   *     the commit may have landed or not; {@link #settle} tells which, later
   */
  Optional<CommitOutcome> commit(Changeset changeset) throws ConflictException;

  /**
   * Whether a commit whose answer was lost landed, decided by the database alone: {@link
   * Settlement.Kind#UNKNOWN} while the database does not answer, or while the commit's own database
   * transaction may still be running. Never blocks for longer than a few seconds.
   */
  Settlement settle(PendingCommit commit);

  /** The stored record of an idempotency key, expired or not; empty if none. */
  Optional<IdempotencyRecord> idempotencyRecord(String principal, String key);

  /**
   * Forgets the idempotency keys that expired before {@code now}.
   *
   * @return how many were forgotten
   */
  int forgetExpiredIdempotencyKeys(java.time.Instant now);

  /**
   * Raises the oldest retained revision to {@code horizon} (never lowers it): reads below it are
   * refused.
   */
  void retainFrom(long horizon);

  /**
   * Removes versions that no revision at or above {@code horizon} can see. Safe to run concurrently
   * with reads and commits at or above the horizon; does nothing if another replica is packing.
   */
  void pack(long horizon);

  /** The newest revision committed at or before the given time, or -1. */
  long revisionAtOrBefore(java.time.Instant time);

  /**
   * Records the oldest snapshot this replica reads ({@link Long#MAX_VALUE}: none), so that other
   * replicas' pack keeps it.
   */
  void publishPin(String replica, long oldestSnapshot);

  /** The oldest snapshot any replica published within {@code lease}, or {@link Long#MAX_VALUE}. */
  long oldestPin(java.time.Duration lease);
}
