package io.bigfile.engine;

import io.bigfile.block.BlockRef;
import io.bigfile.block.BlockStore;
import io.bigfile.file.FileContent;
import io.bigfile.file.FileInfo;
import io.bigfile.format.BlockData;
import io.bigfile.format.BlockFormat;
import io.bigfile.pagecache.BlockKey;
import io.bigfile.pagecache.DirtyPage;
import io.bigfile.pagecache.PageCache;
import java.io.IOException;
import java.io.OutputStream;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Streams a file's bytes at one snapshot, with the reading transaction's dirty pages on top.
 * Reaching an offset costs one index lookup for the blocks of the range, never a scan from the
 * start. The block index is fetched a window of blocks at a time, so a long sequential read costs
 * one index query per window. Not thread-safe.
 */
final class ContentReader implements FileContent {

  private static final byte[] ZEROS = new byte[64 * 1024];

  private final BlockStore store;
  private final PageCache cache;
  private final EngineStats stats;
  private final FileInfo info;
  private final long fileId;
  private final int blockSize;
  private final long snapshot;
  private final TxnFile overlay;
  private final int windowBlocks;
  private final Runnable onClose;
  private boolean closed;

  ContentReader(
      BlockStore store,
      PageCache cache,
      EngineStats stats,
      FileInfo info,
      long snapshot,
      TxnFile overlay,
      long readAheadBytes,
      Runnable onClose) {
    this.store = store;
    this.cache = cache;
    this.stats = stats;
    this.info = info;
    this.fileId = info.id().value();
    this.blockSize = info.blockSize();
    this.snapshot = snapshot;
    this.overlay = overlay;
    this.windowBlocks = (int) Math.max(1, Math.min(1024, readAheadBytes / blockSize));
    this.onClose = onClose;
  }

  @Override
  public FileInfo info() {
    return info;
  }

  @Override
  public void copyTo(long offset, long length, OutputStream out) throws IOException {
    if (offset < 0 || length < 0 || offset + length > info.size()) {
      throw new IllegalArgumentException(
          "range " + offset + "+" + length + " outside file of " + info.size() + " bytes");
    }
    long pos = offset;
    long end = offset + length;
    while (pos < end) {
      long firstBlk = pos / blockSize;
      long lastBlk = (end - 1) / blockSize;
      long windowEnd = Math.min(lastBlk + 1, firstBlk + windowBlocks);
      Map<Long, BlockRef> refs = committedRefs(firstBlk, windowEnd);
      for (long blk = firstBlk; blk < windowEnd; blk++) {
        int from = (int) (pos - blk * blockSize);
        int to = (int) Math.min(blockSize, end - blk * blockSize);
        writeBlock(blk, refs.get(blk), from, to, out);
        pos += to - from;
      }
    }
    stats.bytesRead.add(length);
  }

  private Map<Long, BlockRef> committedRefs(long fromBlk, long toBlk) {
    long committedTo = toBlk;
    if (overlay != null) {
      if (overlay.created()) {
        return Map.of();
      }
      committedTo = Math.min(toBlk, overlay.zeroFrom);
    }
    if (committedTo <= fromBlk) {
      return Map.of();
    }
    List<BlockRef> list = store.blocks(fileId, snapshot, fromBlk, committedTo);
    Map<Long, BlockRef> map = new HashMap<>(list.size() * 2);
    for (BlockRef r : list) {
      map.put(r.blk(), r);
    }
    return map;
  }

  private void writeBlock(long blk, BlockRef ref, int from, int to, OutputStream out)
      throws IOException {
    if (overlay != null) {
      DirtyPage page = overlay.pages.get(blk);
      if (page != null) {
        out.write(page.data(), from, to - from);
        return;
      }
    }
    if (ref == null || ref.format() == BlockFormat.ZERO) {
      writeZeros(out, to - from);
      return;
    }
    BlockData data =
        cache.get(new BlockKey(fileId, blk, ref.rev()), k -> store.load(fileId, blockSize, ref));
    int avail = Math.max(0, Math.min(to, data.length()) - from);
    if (avail > 0) {
      out.write(data.buf(), from, avail);
    }
    writeZeros(out, to - from - avail);
  }

  private static void writeZeros(OutputStream out, long n) throws IOException {
    while (n > 0) {
      int k = (int) Math.min(n, ZEROS.length);
      out.write(ZEROS, 0, k);
      n -= k;
    }
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      onClose.run();
    }
  }
}
