package io.bigfile.engine;

import io.bigfile.block.BlockRef;
import io.bigfile.file.FileId;
import io.bigfile.file.FileTooLargeException;
import io.bigfile.file.InvalidRequestException;
import io.bigfile.file.NewFile;
import io.bigfile.file.Precondition;
import io.bigfile.file.RangePart;
import io.bigfile.file.RangeParts;
import io.bigfile.file.UnknownFileException;
import io.bigfile.file.WriteFormat;
import io.bigfile.format.BlockFormat;
import io.bigfile.pagecache.DirtyPage;
import java.io.IOException;
import java.io.InputStream;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Arrays;
import java.util.function.BiConsumer;

/**
 * Stages changes of files into a transaction: bodies written into dirty pages, patches, resizes,
 * renames, deletions. Each change of a file is all or nothing: it runs against a savepoint of the
 * file, and a change that fails (a short body, a budget refusal, a failed precondition) restores
 * the file, drops pages it created and gives their budget back, so the transaction is exactly as
 * before the request. Stateless between calls; thread-safe as long as each transaction is used by
 * the thread that holds it.
 */
final class Staging {

  private final FileViews views;
  private final BlockVersions versions;
  private final EngineStats stats;
  private final EngineSettings settings;
  private final long maxFileSize;
  private final SecureRandom random = new SecureRandom();

  Staging(FileViews views, BlockVersions versions, EngineStats stats, EngineSettings settings) {
    this.views = views;
    this.versions = versions;
    this.stats = stats;
    this.settings = settings;
    this.maxFileSize = settings.maxFileSize();
  }

  /**
   * Creates a file in the transaction, with the defaults for what the request leaves out.
   *
   * @throws InvalidRequestException for a block size that is not a power of two from 4 KiB to 16
   *     MiB
   */
  FileId create(Transaction t, NewFile spec, Instant now) {
    int blockSize = spec.blockSize() == null ? settings.defaultBlockSize() : spec.blockSize();
    if (!EngineSettings.validBlockSize(blockSize)) {
      throw new InvalidRequestException(
          "blockSize must be a power of two from 4096 to 16777216, not " + blockSize);
    }
    WriteFormat format = spec.format() == null ? settings.defaultFormat() : spec.format();
    long id;
    do {
      id = random.nextLong() & Long.MAX_VALUE;
    } while (id == 0 || t.files.containsKey(id));
    t.files.put(id, new TxnFile(id, blockSize, spec.name(), spec.contentType(), format, now));
    return new FileId(id);
  }

  /**
   * Checks a range write's numbers before anything is read or staged.
   *
   * @throws InvalidRequestException for a negative offset or length, or a complete length below the
   *     range's end
   * @throws FileTooLargeException past the maximum file size
   */
  void checkWrite(long offset, long length, Long sizeAfter) {
    if (offset < 0 || length < 0) {
      throw new InvalidRequestException("offset and length must not be negative");
    }
    checkRange(offset, length, maxFileSize);
    // offset + length <= maxFileSize from here on: the sum cannot overflow
    if (sizeAfter != null && sizeAfter < offset + length) {
      throw new InvalidRequestException(
          "the complete length " + sizeAfter + " is smaller than the end of the written range");
    }
    if (sizeAfter != null) {
      checkMaxSize(sizeAfter);
    }
  }

  /**
   * Checks that the bytes {@code [start, start + length)} fit in a file of at most {@code max}
   * bytes, without computing {@code start + length}: near 2^63 the sum overflows to a negative
   * number that any size limit lets through. A {@code length} of -1 (read to the end of the body)
   * checks only that {@code start} is not past {@code max}.
   *
   * @param start a non-negative offset
   * @throws FileTooLargeException if the range ends past {@code max}
   */
  static void checkRange(long start, long length, long max) {
    // max >= 0 and start >= 0, so max - start cannot overflow
    if (start > max || length > max - start) {
      long end = length > Long.MAX_VALUE - start ? Long.MAX_VALUE : start + Math.max(length, 0);
      throw new FileTooLargeException(end, max);
    }
  }

  /** See {@link #checkSize}. */
  void checkMaxSize(long size) {
    checkSize(size, maxFileSize);
  }

  /**
   * @throws FileTooLargeException if a file of {@code size} bytes would exceed {@code max}
   */
  static void checkSize(long size, long max) {
    if (size > max) {
      throw new FileTooLargeException(size, max);
    }
  }

  /**
   * Changes one file in a transaction, all or nothing: the request's precondition is checked on the
   * file as the transaction sees it, and if {@code op} fails, the file (and whether the transaction
   * touches it at all, and whether it claimed the file unchanged) is exactly as before.
   */
  void change(
      Transaction t,
      long id,
      Precondition precondition,
      BiConsumer<TxnFile, TxnFile.Savepoint> op) {
    TxnFile existing = t.files.get(id);
    TxnFile f;
    if (existing == null) {
      var rec = views.committed(id, t.snapshot);
      FileViews.checkPrecondition(precondition, FileViews.info(rec, t.snapshot));
      f = new TxnFile(rec);
    } else {
      if (existing.deleted()) {
        throw new UnknownFileException(new FileId(id).toString());
      }
      FileViews.checkPrecondition(precondition, FileViews.info(t, existing));
      f = existing;
    }
    TxnFile.Savepoint sp = f.savepoint();
    if (existing == null) {
      t.files.put(id, f);
    }
    try {
      if (precondition != null) {
        f.requireUnchanged();
      }
      op.accept(f, sp);
    } catch (RuntimeException e) {
      sp.restore();
      if (existing == null) {
        t.files.remove(id);
      }
      t.settle();
      throw e;
    }
    t.settle();
  }

  /** Writes a body into a file of the transaction in {@code mode}. */
  void writeBody(Transaction t, TxnFile f, TxnFile.Savepoint sp, BodyWrite w) {
    long start = w.start(f.size());
    if (w.mode() == BodyWrite.Mode.REPLACE) {
      f.clear();
    }
    write(t, f, sp, start, w.length(), w.body(), w.sizeAfter());
  }

  /**
   * Writes every part of a byte-range patch.
   *
   * @throws InvalidRequestException if the patch holds no part or its body cannot be read
   */
  void patch(Transaction t, TxnFile f, TxnFile.Savepoint sp, RangeParts parts) {
    int n = 0;
    for (RangePart part = nextPart(parts); part != null; part = nextPart(parts)) {
      write(t, f, sp, part.offset(), part.length(), part.body(), part.completeLength());
      n++;
    }
    if (n == 0) {
      throw new InvalidRequestException("the patch holds no range");
    }
  }

  private static RangePart nextPart(RangeParts parts) {
    try {
      return parts.next();
    } catch (IOException e) {
      throw new InvalidRequestException("could not read the request body: " + e.getMessage(), e);
    }
  }

  /** Writes a body into a transaction's pages at {@code start}, then sets the size if asked. */
  private void write(
      Transaction t,
      TxnFile f,
      TxnFile.Savepoint sp,
      long start,
      long length,
      InputStream body,
      Long sizeAfter) {
    if (start < 0) {
      throw new InvalidRequestException("a range must not start at a negative offset");
    }
    checkRange(start, length, maxFileSize);
    BodyWalker walker =
        new BodyWalker(f.blockSize, start, length, body, maxFileSize, new PageSink(t, f, sp));
    walker.run();
    if (walker.written() > 0) {
      f.wroteBlocks();
    }
    if (walker.position() > f.size()) {
      f.grow(walker.position());
    }
    if (sizeAfter != null && sizeAfter != f.size()) {
      resize(t, f, sizeAfter, sp);
    }
    stats.bytesWritten.add(walker.written());
  }

  /**
   * Changes the size inside a transaction. Shrinking drops dirty pages past the end, zeroes the
   * tail of the new last block and hides committed blocks past it; growing needs nothing, since
   * bytes past the end are zero.
   */
  void resize(Transaction t, TxnFile f, long newSize, TxnFile.Savepoint sp) {
    checkMaxSize(newSize);
    if (newSize == f.size()) {
      return;
    }
    if (newSize > f.size()) {
      f.grow(newSize);
      return;
    }
    int bs = f.blockSize;
    f.truncate(newSize);
    int tail = (int) (newSize % bs);
    if (tail != 0) {
      // The new last block counts as changed even when it holds no data in this snapshot: a
      // concurrent commit may write past the new end inside that block, and only a change of the
      // block makes the two conflict.
      byte[] page = new PageSink(t, f, sp).page(newSize / bs, tail, bs, bs);
      Arrays.fill(page, tail, bs, (byte) 0);
    }
  }

  /**
   * Writes body bytes into a transaction's dirty pages. A page that did not exist is created (its
   * budget taken) and filled with the committed content where the write does not cover it; a page
   * that existed has the bytes it is about to lose saved in the savepoint.
   */
  private final class PageSink implements BodyWalker.PageSink {
    private final Transaction t;
    private final TxnFile f;
    private final TxnFile.Savepoint sp;
    private final BlockVersions.RefWindow refs;

    PageSink(Transaction t, TxnFile f, TxnFile.Savepoint sp) {
      this.t = t;
      this.f = f;
      this.sp = sp;
      this.refs = versions.window(f.created() ? -1 : f.fileId, t.snapshot);
    }

    @Override
    public byte[] page(long blk, int from, int coverTo, int mayWriteTo) {
      DirtyPage p = f.page(blk);
      if (p != null && p.shared()) {
        // a reader streams this page: write a copy (the savepoint keeps the shared original)
        p = f.unshare(blk);
      }
      if (p != null) {
        if (sp.existedBefore(blk, p)) {
          sp.saveRange(p, from, mayWriteTo);
        }
        return p.writable();
      }
      t.reserve(f.blockSize);
      BlockRef base = refs.get(blk);
      byte[] data = new byte[f.blockSize];
      if (base != null
          && base.format() != BlockFormat.ZERO
          && f.committedVisible(blk)
          && (from > 0 || coverTo < f.blockSize)) {
        versions.load(f.fileId, f.blockSize, base).copyTo(0, data, 0, f.blockSize);
      }
      f.addPage(blk, new DirtyPage(data, base));
      return data;
    }

    @Override
    public void done(long blk, byte[] page, int from, int to) {
      // the page is already in the transaction
    }
  }
}
