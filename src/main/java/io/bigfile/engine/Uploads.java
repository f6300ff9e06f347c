package io.bigfile.engine;

import io.bigfile.block.BlockRef;
import io.bigfile.block.BlockWrite;
import io.bigfile.block.Change;
import io.bigfile.block.Changeset;
import io.bigfile.block.CommitOutcome;
import io.bigfile.block.FileChange;
import io.bigfile.block.FileRecord;
import io.bigfile.block.IdempotencyClaim;
import io.bigfile.file.FileId;
import io.bigfile.file.FileInfo;
import io.bigfile.file.Precondition;
import io.bigfile.format.BlockFormat;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;

/**
 * Autocommit writes: the body streams into the database as it is read. Each block is read into one
 * reused buffer, encoded and written before the next is read, so memory stays at about two blocks
 * whatever the body's size, and the dirty budget does not apply. The database transaction (and its
 * write connection) stays open while the body streams, so the body must come from where it is read
 * at local speed: the HTTP edge receives it in full before the request reaches the engine, and a
 * slow client holds no connection. The head lock is taken only at the end, so other commits go on
 * meanwhile. A body that fails half-way (cut short, too large) rolls the database transaction back:
 * nothing of it is visible. Thread-safe; each upload is used by one request's thread.
 */
final class Uploads {

  private final FileViews views;
  private final BlockVersions versions;
  private final BlockEncoding encoding;
  private final Committer committer;
  private final EngineStats stats;
  private final long maxFileSize;

  Uploads(
      FileViews views,
      BlockVersions versions,
      BlockEncoding encoding,
      Committer committer,
      EngineStats stats,
      long maxFileSize) {
    this.views = views;
    this.versions = versions;
    this.encoding = encoding;
    this.committer = committer;
    this.stats = stats;
    this.maxFileSize = maxFileSize;
  }

  /**
   * Writes a body to a file as one commit on top of the snapshot of {@code t}, the request's
   * ephemeral transaction (held by the caller).
   *
   * @param claim the idempotency key the commit takes, or null
   * @return the file as committed, or as it was when the write changed nothing
   */
  FileInfo upload(
      Transaction t,
      FileId id,
      BodyWrite write,
      Precondition precondition,
      IdempotencyClaim claim) {
    long snapshot = t.snapshot;
    FileRecord rec = views.committed(id.value(), snapshot);
    FileViews.checkPrecondition(precondition, FileViews.info(rec, snapshot));
    long start = write.start(rec.size());
    Staging.checkRange(start, write.length(), maxFileSize);
    Upload u = new Upload(rec, snapshot, write, start);
    Optional<CommitOutcome> out =
        committer.commit(
            t,
            id.value(),
            new Changeset(snapshot, u, () -> u.fileChanges(precondition != null), true, -1, claim));
    stats.bytesWritten.add(u.walker.written());
    if (out.isEmpty()) {
      return FileViews.info(rec, snapshot);
    }
    return views.committedInfo(id, out.get().revision());
  }

  /** The blocks of one upload, pulled by the store one at a time. Not thread-safe. */
  private final class Upload implements Iterator<BlockWrite>, BodyWalker.PageSink {
    private final FileRecord rec;
    private final BodyWrite.Mode mode;
    private final Long sizeAfter;
    private final byte[] buf;
    private final BlockVersions.RefWindow refs;
    private final BodyWalker walker;
    private BlockWrite pending;
    private boolean tailDone;

    Upload(FileRecord rec, long snapshot, BodyWrite write, long start) {
      this.rec = rec;
      this.mode = write.mode();
      this.sizeAfter = write.sizeAfter();
      this.buf = new byte[rec.blockSize()];
      this.refs = versions.window(rec.id(), snapshot);
      this.walker =
          new BodyWalker(rec.blockSize(), start, write.length(), write.body(), maxFileSize, this);
    }

    private boolean visible(BlockRef ref) {
      return ref != null && ref.format() != BlockFormat.ZERO && mode != BodyWrite.Mode.REPLACE;
    }

    /** Fills the buffer with the block's committed content, or zeros. */
    private void fillFrom(BlockRef ref) {
      if (visible(ref)) {
        versions.load(rec.id(), rec.blockSize(), ref).copyTo(0, buf, 0, rec.blockSize());
      } else {
        Arrays.fill(buf, (byte) 0);
      }
    }

    @Override
    public byte[] page(long blk, int from, int coverTo, int mayWriteTo) {
      if (from > 0 || coverTo < rec.blockSize()) {
        fillFrom(refs.get(blk));
      }
      return buf;
    }

    @Override
    public void done(long blk, byte[] page, int from, int to) {
      zeroPastSizeAfter(blk, page);
      pending = encoding.encode(rec.id(), rec.format(), blk, page, refs.get(blk));
    }

    private void zeroPastSizeAfter(long blk, byte[] page) {
      if (sizeAfter != null) {
        long blkStart = blk * rec.blockSize();
        if (sizeAfter < blkStart + rec.blockSize()) {
          Arrays.fill(page, (int) Math.max(0, sizeAfter - blkStart), rec.blockSize(), (byte) 0);
        }
      }
    }

    @Override
    public boolean hasNext() {
      if (pending == null) {
        if (!walker.step()) {
          truncatedTail();
        }
      }
      return pending != null;
    }

    /**
     * After the body: the new last block when a complete length cuts it and the body did not write
     * it. It is written even when it holds no data, so that a concurrent write past the new end
     * conflicts with this one.
     */
    private void truncatedTail() {
      if (tailDone || sizeAfter == null) {
        return;
      }
      tailDone = true;
      int bs = rec.blockSize();
      long tailBlk = sizeAfter / bs;
      long lastWritten = walker.written() == 0 ? -1 : (walker.position() - 1) / bs;
      if (sizeAfter % bs == 0 || tailBlk <= lastWritten || sizeAfter >= rec.size()) {
        return;
      }
      BlockRef ref = refs.get(tailBlk);
      fillFrom(ref);
      zeroPastSizeAfter(tailBlk, buf);
      pending = encoding.encode(rec.id(), rec.format(), tailBlk, buf, ref);
    }

    @Override
    public BlockWrite next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      BlockWrite w = pending;
      pending = null;
      return w;
    }

    List<FileChange> fileChanges(boolean requireUnchanged) {
      long newSize =
          mode == BodyWrite.Mode.REPLACE
              ? walker.position()
              : Math.max(rec.size(), walker.position());
      if (sizeAfter != null) {
        newSize = sizeAfter;
      }
      var changes = EnumSet.noneOf(Change.class);
      if (walker.written() > 0) {
        changes.add(Change.BLOCKS);
      }
      if (newSize != rec.size()) {
        changes.add(Change.SIZE);
      }
      long zeroFrom = Long.MAX_VALUE;
      if (mode == BodyWrite.Mode.REPLACE) {
        zeroFrom = 0;
        if (rec.size() > 0) {
          changes.add(Change.BLOCKS);
        }
      }
      if (newSize < rec.size()) {
        zeroFrom = Math.min(zeroFrom, (newSize + rec.blockSize() - 1) / rec.blockSize());
      }
      if (changes.isEmpty()) {
        return List.of();
      }
      return List.of(
          new FileChange(
              rec.id(),
              rec.blockSize(),
              rec.name(),
              rec.contentType(),
              newSize,
              rec.format(),
              false,
              changes,
              zeroFrom,
              requireUnchanged));
    }
  }
}
