package io.bigfile.engine;

import io.bigfile.block.BlockStore;
import io.bigfile.file.DataRanges;
import io.bigfile.file.FileInfo;
import io.bigfile.format.Bytes;
import io.bigfile.pagecache.DirtyPage;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Lists the blocks of one file that hold data (or changed since a revision) as byte ranges, merging
 * adjacent blocks, a page at a time. Blocks come from the store in batches and, inside a
 * transaction, from its pages on top. Not thread-safe; used under the transaction's lock.
 */
final class RangeLister {

  private static final int BATCH = 1024;

  private final BlockStore store;
  private final long fileId;
  private final int blockSize;
  private final long snapshot;
  private final Long since;
  private final TxnFile overlay;

  RangeLister(
      BlockStore store, long fileId, int blockSize, long snapshot, Long since, TxnFile overlay) {
    this.store = store;
    this.fileId = fileId;
    this.blockSize = blockSize;
    this.snapshot = snapshot;
    this.since = since;
    this.overlay = overlay;
  }

  DataRanges page(FileInfo info, Long sizeAtSince, long fromOffset, int limit) {
    long end = info.size();
    List<DataRanges.Extent> out = new ArrayList<>();
    Iterator<Long> blocks = blocks(fromOffset / blockSize, (end + blockSize - 1) / blockSize);
    long runStart = -1;
    long runEnd = -1;
    String next = null;
    while (blocks.hasNext()) {
      long blk = blocks.next();
      if (blk == runEnd) {
        runEnd = blk + 1;
        continue;
      }
      if (runStart >= 0) {
        out.add(extent(runStart, runEnd, fromOffset, end));
        if (out.size() == limit) {
          next = Long.toString(blk * blockSize);
          runStart = -1;
          break;
        }
      }
      runStart = blk;
      runEnd = blk + 1;
    }
    if (runStart >= 0) {
      out.add(extent(runStart, runEnd, fromOffset, end));
    }
    return new DataRanges(end, blockSize, snapshot, since, sizeAtSince, List.copyOf(out), next);
  }

  private DataRanges.Extent extent(long fromBlk, long toBlk, long fromOffset, long end) {
    long a = Math.max(fromBlk * blockSize, fromOffset);
    long b = Math.min(toBlk * blockSize, end);
    return new DataRanges.Extent(a, b - a);
  }

  /** Block numbers in {@code [fromBlk, toBlk)}, ascending, without duplicates. */
  private Iterator<Long> blocks(long fromBlk, long toBlk) {
    return new Iterator<>() {
      private final TreeSet<Long> local = localBlocks(fromBlk, toBlk);
      private List<Long> batch = List.of();
      private int i;
      private long nextFrom = fromBlk;
      private boolean storeDone = committedEnd(toBlk) <= fromBlk;
      private Long peeked;

      private long committedEnd(long limit) {
        if (overlay == null) {
          return limit;
        }
        return since == null ? overlay.committedEnd(limit) : overlay.created() ? 0 : limit;
      }

      private Long nextStored() {
        while (i == batch.size() && !storeDone) {
          batch =
              since == null
                  ? store.dataBlocks(fileId, snapshot, nextFrom, BATCH)
                  : store.changedBlocks(fileId, since, snapshot, nextFrom, BATCH);
          i = 0;
          if (batch.size() < BATCH) {
            storeDone = true;
          }
          if (!batch.isEmpty()) {
            nextFrom = batch.get(batch.size() - 1) + 1;
          }
        }
        if (i == batch.size()) {
          return null;
        }
        long b = batch.get(i++);
        if (b >= committedEnd(toBlk)) {
          storeDone = true;
          i = batch.size();
          return null;
        }
        if (since == null && overlay != null && overlay.page(b) != null) {
          // the transaction's page decides whether the block holds data
          return nextStored();
        }
        return b;
      }

      @Override
      public boolean hasNext() {
        if (peeked == null) {
          peeked = advance();
        }
        return peeked != null;
      }

      private Long advance() {
        Long stored = pendingStored != null ? pendingStored : nextStored();
        pendingStored = null;
        Long mine = local.isEmpty() ? null : local.first();
        if (stored == null && mine == null) {
          return null;
        }
        if (mine == null || (stored != null && stored < mine)) {
          return stored;
        }
        local.pollFirst();
        if (stored != null && stored > mine) {
          pendingStored = stored;
        }
        return mine;
      }

      private Long pendingStored;

      @Override
      public Long next() {
        if (!hasNext()) {
          throw new java.util.NoSuchElementException();
        }
        Long b = peeked;
        peeked = null;
        return b;
      }
    };
  }

  /**
   * Inside a transaction: its pages that hold data (or all its pages, for a diff), and for a diff
   * the committed data its truncation cut off.
   */
  private TreeSet<Long> localBlocks(long fromBlk, long toBlk) {
    TreeSet<Long> out = new TreeSet<>();
    if (overlay == null) {
      return out;
    }
    for (Map.Entry<Long, DirtyPage> e : overlay.pages().subMap(fromBlk, toBlk).entrySet()) {
      byte[] d = e.getValue().data();
      if (since != null || Bytes.trimmedLength(d, 0, d.length) > 0) {
        out.add(e.getKey());
      }
    }
    if (since != null && !overlay.created() && overlay.zeroFrom() < toBlk) {
      long from = Math.max(fromBlk, overlay.zeroFrom());
      List<Long> cut;
      do {
        cut = store.dataBlocks(fileId, snapshot, from, BATCH);
        for (long b : cut) {
          if (b < toBlk) {
            out.add(b);
          }
        }
        from = cut.isEmpty() ? toBlk : cut.get(cut.size() - 1) + 1;
      } while (cut.size() == BATCH && from < toBlk);
    }
    return out;
  }
}
