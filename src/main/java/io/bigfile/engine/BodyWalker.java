package io.bigfile.engine;

import io.bigfile.file.FileTooLargeException;
import io.bigfile.file.InvalidRequestException;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads a request body into blocks, one block per {@link #step()}, straight into the page the sink
 * hands out (no intermediate copy). Not thread-safe.
 */
final class BodyWalker {

  /** Where the body's bytes go. */
  interface PageSink {
    /**
     * The page of block {@code blk}. Bytes {@code [from, coverTo)} will be overwritten; bytes
     * outside it must hold the block's current content. Bytes up to {@code mayWriteTo} may be
     * overwritten (the body's length is not known).
     */
    byte[] page(long blk, int from, int coverTo, int mayWriteTo);

    /** Bytes {@code [from, to)} of the page now hold body bytes. */
    void done(long blk, byte[] page, int from, int to);
  }

  private final int blockSize;
  private final long start;
  private final long length;
  private final InputStream body;
  private final long maxSize;
  private final PageSink sink;
  private long pos;
  private boolean finished;

  /**
   * @param length the exact body length (the caller has checked it against {@code maxSize}), or -1
   *     to read to the end of the body
   */
  BodyWalker(
      int blockSize, long start, long length, InputStream body, long maxSize, PageSink sink) {
    this.blockSize = blockSize;
    this.start = start;
    this.length = length;
    this.body = body;
    this.maxSize = maxSize;
    this.sink = sink;
    this.pos = start;
  }

  /** The position after the last byte written so far. */
  long position() {
    return pos;
  }

  long written() {
    return pos - start;
  }

  /** Writes every remaining block. */
  void run() {
    while (step()) {
      // each step writes one block
    }
  }

  /** Writes the next block; false once the body is exhausted (and its length checked). */
  boolean step() {
    if (finished) {
      return false;
    }
    try {
      if (length >= 0 && pos == start + length) {
        finished = true;
        if (body.read() != -1) {
          throw new InvalidRequestException(
              "the request body is longer than the declared " + length + " bytes");
        }
        return false;
      }
      long blk = pos / blockSize;
      int inBlk = (int) (pos % blockSize);
      int want = blockSize - inBlk;
      if (length >= 0) {
        want = (int) Math.min(want, start + length - pos);
      }
      if (length < 0) {
        long room = maxSize - pos;
        if (room <= 0) {
          if (body.read() != -1) {
            throw new FileTooLargeException(pos + 1, maxSize);
          }
          finished = true;
          return false;
        }
        want = (int) Math.min(want, room);
      }
      int coverTo = length >= 0 ? inBlk + want : inBlk;
      byte[] page = sink.page(blk, inBlk, coverTo, inBlk + want);
      int got = body.readNBytes(page, inBlk, want);
      if (length >= 0 && got < want) {
        throw new InvalidRequestException(
            "the request body is shorter than the declared "
                + length
                + " bytes (got "
                + (pos + got - start)
                + ")");
      }
      if (got == 0) {
        finished = true;
        return false;
      }
      pos += got;
      sink.done(blk, page, inBlk, inBlk + got);
      if (got < want) {
        finished = true;
      }
      return true;
    } catch (IOException e) {
      throw new InvalidRequestException("could not read the request body: " + e.getMessage(), e);
    }
  }
}
