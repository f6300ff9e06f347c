package io.bigfile.engine;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
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
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The store with what a snapshot sees of files and block indexes cached in memory. Both are
 * immutable for a given snapshot (a snapshot is at or below the head, and rows at or below the head
 * never change; pack removes only versions no retained snapshot sees), so an entry is never stale
 * and is never invalidated: entries of snapshots nobody reads any more simply age out. A read of a
 * hot file then asks the database nothing but the block bytes it does not have. Thread-safe.
 */
final class CachedIndexStore implements BlockStore {

  private record FileAt(long fileId, long snapshot) {}

  private record BlockAt(long fileId, long snapshot, long blk) {}

  /** A block never written, as the index cache holds it. */
  static final BlockRef ABSENT = new BlockRef(-1, -1, null, -1);

  private final BlockStore store;
  private final Cache<FileAt, Optional<FileRecord>> files;
  private final Cache<BlockAt, BlockRef> refs;

  /**
   * @param maxFiles file records held (one per file and snapshot)
   * @param maxRefs block index entries held (one per block and snapshot, about 100 bytes each)
   */
  CachedIndexStore(BlockStore store, long maxFiles, long maxRefs) {
    this.store = store;
    this.files =
        Caffeine.newBuilder()
            .maximumSize(maxFiles)
            .expireAfterAccess(Duration.ofMinutes(10))
            .build();
    this.refs =
        Caffeine.newBuilder()
            .maximumSize(maxRefs)
            .expireAfterAccess(Duration.ofMinutes(10))
            .build();
  }

  /** Forgets everything cached. */
  void clear() {
    files.invalidateAll();
    refs.invalidateAll();
  }

  @Override
  public Optional<FileRecord> file(long fileId, long snapshot) {
    return files.get(new FileAt(fileId, snapshot), k -> store.file(fileId, snapshot));
  }

  @Override
  public List<BlockRef> blocks(long fileId, long snapshot, long fromBlk, long toBlk) {
    List<BlockRef> out = new ArrayList<>();
    boolean complete = true;
    for (long blk = fromBlk; blk < toBlk && complete; blk++) {
      BlockRef r = refs.getIfPresent(new BlockAt(fileId, snapshot, blk));
      if (r == null) {
        complete = false;
      } else if (r != ABSENT) {
        out.add(r);
      }
    }
    if (complete) {
      return out;
    }
    List<BlockRef> loaded = store.blocks(fileId, snapshot, fromBlk, toBlk);
    Map<BlockAt, BlockRef> entries = new java.util.HashMap<>();
    for (long blk = fromBlk; blk < toBlk; blk++) {
      entries.put(new BlockAt(fileId, snapshot, blk), ABSENT);
    }
    for (BlockRef r : loaded) {
      entries.put(new BlockAt(fileId, snapshot, r.blk()), r);
    }
    refs.putAll(entries);
    return loaded;
  }

  /**
   * The cached index entry of a block: its version, {@link #ABSENT} for a block never written, or
   * null if the entry is not cached.
   */
  BlockRef cachedRef(long fileId, long snapshot, long blk) {
    return refs.getIfPresent(new BlockAt(fileId, snapshot, blk));
  }

  @Override
  public BlockSlice readSlice(
      long fileId, int blockSize, long snapshot, long blk, int from, int length) {
    BlockSlice s = store.readSlice(fileId, blockSize, snapshot, blk, from, length);
    refs.put(new BlockAt(fileId, snapshot, blk), s.ref() == null ? ABSENT : s.ref());
    return s;
  }

  // ------------------------------------------------------------- not cached

  @Override
  public long headRevision() {
    return store.headRevision();
  }

  @Override
  public long freshHeadRevision() {
    return store.freshHeadRevision();
  }

  @Override
  public long oldestRetainedRevision() {
    return store.oldestRetainedRevision();
  }

  @Override
  public List<FileRecord> files(long snapshot, long afterId, int limit) {
    return store.files(snapshot, afterId, limit);
  }

  @Override
  public List<RevisionRecord> revisions(
      long fileId, long snapshot, long beforeRevision, int limit) {
    return store.revisions(fileId, snapshot, beforeRevision, limit);
  }

  @Override
  public List<Long> dataBlocks(long fileId, long snapshot, long fromBlk, int limit) {
    return store.dataBlocks(fileId, snapshot, fromBlk, limit);
  }

  @Override
  public List<Long> changedBlocks(long fileId, long since, long snapshot, long fromBlk, int limit) {
    return store.changedBlocks(fileId, since, snapshot, fromBlk, limit);
  }

  @Override
  public BlockData load(long fileId, int blockSize, BlockRef ref) {
    return store.load(fileId, blockSize, ref);
  }

  @Override
  public byte[] loadRange(long fileId, int blockSize, BlockRef ref, int from, int length) {
    return store.loadRange(fileId, blockSize, ref, from, length);
  }

  @Override
  public Optional<CommitOutcome> commit(Changeset changeset) throws ConflictException {
    return store.commit(changeset);
  }

  @Override
  public Settlement settle(PendingCommit commit) {
    return store.settle(commit);
  }

  @Override
  public Optional<IdempotencyRecord> idempotencyRecord(String principal, String key) {
    return store.idempotencyRecord(principal, key);
  }

  @Override
  public int forgetExpiredIdempotencyKeys(Instant now) {
    return store.forgetExpiredIdempotencyKeys(now);
  }

  @Override
  public void retainFrom(long horizon) {
    store.retainFrom(horizon);
  }

  @Override
  public void pack(long horizon) {
    store.pack(horizon);
  }

  @Override
  public long revisionAtOrBefore(Instant time) {
    return store.revisionAtOrBefore(time);
  }

  @Override
  public void publishPin(String replica, long oldestSnapshot) {
    store.publishPin(replica, oldestSnapshot);
  }

  @Override
  public long oldestPin(Duration lease) {
    return store.oldestPin(lease);
  }
}
