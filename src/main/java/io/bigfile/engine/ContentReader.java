package io.bigfile.engine;

import io.bigfile.block.BlockRef;
import io.bigfile.block.BlockSlice;
import io.bigfile.file.FileContent;
import io.bigfile.file.FileInfo;
import io.bigfile.format.BlockData;
import io.bigfile.format.BlockFormat;
import io.bigfile.pagecache.BlockKey;
import io.bigfile.pagecache.DirtyPage;
import java.io.IOException;
import java.io.OutputStream;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * Streams a file's bytes at one snapshot, with the reading transaction's dirty pages on top, as
 * they were when the read began ({@link TxnFile.ReadView}: the read holds no lock of the
 * transaction, whose other requests go on meanwhile). Reaching an offset costs one index lookup for
 * the blocks of the range, never a scan from the start. The block index is fetched a window of
 * blocks at a time, so a long sequential read costs one index query per window. Not thread-safe.
 */
final class ContentReader implements FileContent {

  private static final byte[] ZEROS = new byte[64 * 1024];

  /**
   * A range of at most this share of a block that misses the cache is read on its own, without the
   * rest of its block, the first time; a block touched again soon after is loaded whole and cached
   * (see {@link PartialReads}).
   */
  static final int PARTIAL_FRACTION = 4;

  private final CachedIndexStore store;
  private final BlockVersions versions;
  private final EngineStats stats;
  private final FileInfo info;
  private final long fileId;
  private final int blockSize;
  private final long snapshot;
  private final TxnFile.ReadView overlay;
  private final int windowBlocks;
  private final Executor prefetcher;
  private final PartialReads partials;
  private final Runnable onClose;
  private boolean closed;

  ContentReader(
      CachedIndexStore store,
      BlockVersions versions,
      EngineStats stats,
      FileInfo info,
      long snapshot,
      TxnFile.ReadView overlay,
      long readAheadBytes,
      Executor prefetcher,
      PartialReads partials,
      Runnable onClose) {
    this.store = store;
    this.versions = versions;
    this.stats = stats;
    this.info = info;
    this.fileId = info.id().value();
    this.blockSize = info.blockSize();
    this.snapshot = snapshot;
    this.overlay = overlay;
    this.windowBlocks = (int) Math.max(1, Math.min(1024, readAheadBytes / blockSize));
    this.prefetcher = prefetcher;
    this.partials = partials;
    this.onClose = onClose;
  }

  @Override
  public FileInfo info() {
    return info;
  }

  /**
   * {@inheritDoc}
   *
   * <p>Each write that returns is counted in {@link EngineStats#bytesRead} as it returns, so a
   * client that goes away in the middle of a response is counted for what was written before, which
   * is about what went over the wire (the web server's and the socket's buffers aside).
   */
  @Override
  public void copyTo(long offset, long length, OutputStream sink) throws IOException {
    if (offset < 0 || length < 0 || offset + length > info.size()) {
      throw new IllegalArgumentException(
          "range " + offset + "+" + length + " outside file of " + info.size() + " bytes");
    }
    OutputStream out = new Counted(sink, stats);
    long end = offset + length;
    long lastBlk = length == 0 ? -1 : (end - 1) / blockSize;
    if (length > 0 && lastBlk == offset / blockSize && readSmall(lastBlk, offset, length, out)) {
      return;
    }
    long pos = offset;
    CompletableFuture<Map<Long, BlockRef>> nextRefs = null;
    while (pos < end) {
      long firstBlk = pos / blockSize;
      long windowEnd = Math.min(lastBlk + 1, firstBlk + windowBlocks);
      Map<Long, BlockRef> refs =
          nextRefs != null ? join(nextRefs) : committedRefs(firstBlk, windowEnd);
      // read-ahead: the next window's index and blocks load while this window streams out
      long nextEnd = Math.min(lastBlk + 1, windowEnd + windowBlocks);
      nextRefs = windowEnd < nextEnd ? prefetch(windowEnd, nextEnd) : null;
      for (long blk = firstBlk; blk < windowEnd; blk++) {
        int from = (int) (pos - blk * blockSize);
        int to = (int) Math.min(blockSize, end - blk * blockSize);
        writeBlock(blk, refs.get(blk), from, to, out);
        pos += to - from;
      }
    }
  }

  /**
   * Counts the bytes of each write that returned, in pieces of at most {@link #PIECE} bytes so that
   * a whole block written to a client that goes away is counted for the pieces that went out.
   * Closing it leaves the sink open.
   */
  private static final class Counted extends OutputStream {
    private static final int PIECE = 64 * 1024;

    private final OutputStream sink;
    private final EngineStats stats;

    Counted(OutputStream sink, EngineStats stats) {
      this.sink = sink;
      this.stats = stats;
    }

    @Override
    public void write(int b) throws IOException {
      sink.write(b);
      stats.bytesRead.increment();
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      for (int done = 0; done < len; ) {
        int n = Math.min(PIECE, len - done);
        sink.write(b, off + done, n);
        stats.bytesRead.add(n);
        done += n;
      }
    }

    @Override
    public void flush() throws IOException {
      sink.flush();
    }
  }

  /**
   * A small range inside one block whose index entry is not cached: one look-up gives the version
   * and the bytes (and caches the entry). Returns false when the ordinary path should serve it.
   */
  private boolean readSmall(long blk, long offset, long length, OutputStream out)
      throws IOException {
    if (length > blockSize / PARTIAL_FRACTION
        || (overlay != null && (overlay.page(blk) != null || !overlay.committedVisible(blk)))
        || store.cachedRef(fileId, snapshot, blk) != null) {
      return false;
    }
    int from = (int) (offset - blk * blockSize);
    BlockSlice s = store.readSlice(fileId, blockSize, snapshot, blk, from, (int) length);
    if (s.ref() != null && s.ref().format() != BlockFormat.ZERO) {
      // the next small read of this version loads it whole
      partials.firstTouch(new BlockKey(fileId, blk, s.ref().rev()));
    }
    out.write(s.bytes());
    return true;
  }

  /**
   * Starts loading the index of blocks {@code [fromBlk, toBlk)} and then each of their versions
   * into the shared cache, in parallel on the prefetch executor. A block the reader reaches before
   * its load finished waits for that load (the cache runs one load per version); a prefetch that
   * fails leaves the reader to load the block itself.
   */
  private CompletableFuture<Map<Long, BlockRef>> prefetch(long fromBlk, long toBlk) {
    // the blocks the transaction's pages cover are not loaded from the store
    long end = committedEnd(toBlk);
    Set<Long> dirty =
        overlay == null ? Set.of() : new HashSet<>(overlay.pages().subMap(fromBlk, toBlk).keySet());
    CompletableFuture<Map<Long, BlockRef>> refs =
        CompletableFuture.supplyAsync(() -> refs(fromBlk, end), prefetcher);
    refs.thenAccept(
        map -> {
          for (BlockRef ref : map.values()) {
            if (ref.format() != BlockFormat.ZERO && !dirty.contains(ref.blk())) {
              prefetcher.execute(() -> quietly(() -> load(ref)));
            }
          }
        });
    return refs;
  }

  private static void quietly(Runnable r) {
    try {
      r.run();
    } catch (RuntimeException e) {
      // the reader loads the block itself when it gets there, and reports the failure then
    }
  }

  private Map<Long, BlockRef> join(CompletableFuture<Map<Long, BlockRef>> f) {
    try {
      return f.join();
    } catch (java.util.concurrent.CompletionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw e;
    }
  }

  private BlockData load(BlockRef ref) {
    return versions.load(fileId, blockSize, ref);
  }

  private Map<Long, BlockRef> committedRefs(long fromBlk, long toBlk) {
    return refs(fromBlk, committedEnd(toBlk));
  }

  /** Where committed blocks stop being visible: inside a transaction, at its truncation mark. */
  private long committedEnd(long toBlk) {
    return overlay == null ? toBlk : overlay.committedEnd(toBlk);
  }

  /**
   * The versions of blocks {@code [fromBlk, toBlk)}; touches only immutable state, so any thread
   * may call it.
   */
  private Map<Long, BlockRef> refs(long fromBlk, long toBlk) {
    if (toBlk <= fromBlk) {
      return Map.of();
    }
    List<BlockRef> list = store.blocks(fileId, snapshot, fromBlk, toBlk);
    Map<Long, BlockRef> map = new HashMap<>(list.size() * 2);
    for (BlockRef r : list) {
      map.put(r.blk(), r);
    }
    return map;
  }

  private void writeBlock(long blk, BlockRef ref, int from, int to, OutputStream out)
      throws IOException {
    if (overlay != null) {
      DirtyPage page = overlay.page(blk);
      if (page != null) {
        out.write(page.data(), from, to - from);
        return;
      }
    }
    if (ref == null || ref.format() == BlockFormat.ZERO) {
      writeZeros(out, to - from);
      return;
    }
    if (to - from <= blockSize / PARTIAL_FRACTION
        && versions.cached(fileId, ref) == null
        && partials.firstTouch(new BlockKey(fileId, blk, ref.rev()))) {
      out.write(store.loadRange(fileId, blockSize, ref, from, to - from));
      return;
    }
    BlockData data = load(ref);
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
