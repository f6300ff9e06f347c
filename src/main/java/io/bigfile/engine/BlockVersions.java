package io.bigfile.engine;

import io.bigfile.block.BlockRef;
import io.bigfile.format.BlockData;
import io.bigfile.pagecache.BlockKey;
import io.bigfile.pagecache.PageCache;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The one path from a block index entry to the block's bytes: the shared page cache first, then the
 * store, with concurrent loads of one version run once (the cache's loader). Also hands out {@link
 * RefWindow}s, the block index of one file at one snapshot read a window at a time. Thread-safe; a
 * failed load caches nothing and its exception reaches the caller.
 *
 * <p>Only the {@link Committer} puts into the page cache; everything here only reads it or fills it
 * with versions loaded from the store.
 */
final class BlockVersions {

  /** How many blocks of index a {@link RefWindow} asks the store for at a time. */
  static final int INDEX_WINDOW = 64;

  private final CachedIndexStore store;
  private final PageCache cache;

  BlockVersions(CachedIndexStore store, PageCache cache) {
    this.store = store;
    this.cache = cache;
  }

  /** The content of one block version, from the cache or loaded into it. */
  BlockData load(long fileId, int blockSize, BlockRef ref) {
    return cache.get(
        new BlockKey(fileId, ref.blk(), ref.rev()), k -> store.load(fileId, blockSize, ref));
  }

  /** The content of one block version if it is cached, without loading it; else null. */
  BlockData cached(long fileId, BlockRef ref) {
    return cache.getIfPresent(new BlockKey(fileId, ref.blk(), ref.rev()));
  }

  /**
   * The block index of a file at a snapshot.
   *
   * @param fileId -1 for a file with no committed blocks (created by the transaction)
   */
  RefWindow window(long fileId, long snapshot) {
    return new RefWindow(fileId, snapshot);
  }

  /**
   * Block index entries of one file at one snapshot, fetched a window of blocks at a time, so that
   * a write walking a file asks the index once per window. Not thread-safe.
   */
  final class RefWindow {
    private final long fileId;
    private final long snapshot;
    private long from = -1;
    private long to = -1;
    private final Map<Long, BlockRef> refs = new HashMap<>();

    private RefWindow(long fileId, long snapshot) {
      this.fileId = fileId;
      this.snapshot = snapshot;
    }

    /** The version the snapshot sees of block {@code blk}, or null for a hole. */
    BlockRef get(long blk) {
      if (fileId < 0) {
        return null;
      }
      if (blk < from || blk >= to) {
        refs.clear();
        from = blk;
        to = blk + INDEX_WINDOW;
        List<BlockRef> window = store.blocks(fileId, snapshot, from, to);
        for (BlockRef r : window) {
          refs.put(r.blk(), r);
        }
      }
      return refs.get(blk);
    }
  }
}
