package io.bigfile.format;

import java.util.ArrayList;
import java.util.List;

/**
 * The chunked format.
 *
 * <p>A block is cut into {@value #CHUNK_SIZE}-byte chunks at offsets that are multiples of the
 * chunk size. Each chunk value is trimmed of trailing zeros; an all-zero chunk has no value.
 * Versions of one block form runs: a run starts with a version that stores all its non-zero chunks
 * ({@link EncodedBlock.Chunked#newRun()}), and each later version of the run stores only the chunks
 * that changed, an empty value marking a chunk that became all zeros. The content of a version is,
 * for every offset, the newest value in its run up to that version.
 *
 * <p>Example, block size 16 KiB: version 5 starts a run with chunks {0: "ab", 8192: "x"}; version 9
 * changes byte 1 to 'c' and zeroes the chunk at 8192, storing {0: "ac", 8192: empty}. Reading
 * version 9 gives "ac" at 0 and zeros elsewhere; reading version 5 still gives "ab" and "x".
 *
 * <p>Readers accept any chunk size, as long as chunks do not overlap and lie within the block.
 */
public final class Chunks {

  public static final int CHUNK_SIZE = 4096;

  private Chunks() {}

  /**
   * Encodes {@code page} as a chunked version.
   *
   * @param previous the content of the previous version of the same chunk run, or null to start a
   *     new run
   */
  public static EncodedBlock.Chunked encode(byte[] page, BlockData previous) {
    List<EncodedBlock.Chunk> chunks = new ArrayList<>();
    for (int off = 0; off < page.length; off += CHUNK_SIZE) {
      int end = Math.min(page.length, off + CHUNK_SIZE);
      int len = Bytes.trimmedLength(page, off, end);
      if (previous == null) {
        if (len > 0) {
          chunks.add(new EncodedBlock.Chunk(off, page, off, len));
        }
      } else if (!sameChunk(page, off, len, previous, end)) {
        chunks.add(new EncodedBlock.Chunk(off, page, off, len));
      }
    }
    return new EncodedBlock.Chunked(previous == null, chunks);
  }

  /** How many chunks of {@code page} differ from {@code previous} (null: from a block of zeros). */
  public static int changedChunks(byte[] page, BlockData previous) {
    int changed = 0;
    for (int off = 0; off < page.length; off += CHUNK_SIZE) {
      int end = Math.min(page.length, off + CHUNK_SIZE);
      int len = Bytes.trimmedLength(page, off, end);
      if (previous == null ? len > 0 : !sameChunk(page, off, len, previous, end)) {
        changed++;
      }
    }
    return changed;
  }

  /** Whether the chunk {@code [off, end)} of {@code page} differs from {@code previous}. */
  static boolean differs(byte[] page, int off, int end, BlockData previous) {
    return !sameChunk(page, off, Bytes.trimmedLength(page, off, end), previous, end);
  }

  private static boolean sameChunk(
      byte[] page, int off, int trimmedLen, BlockData previous, int end) {
    int prevAvail = Math.max(0, Math.min(end, previous.length()) - off);
    int prevLen = prevAvail == 0 ? 0 : Bytes.trimmedLength(previous.buf(), off, off + prevAvail);
    return prevLen == trimmedLen
        && (trimmedLen == 0 || Bytes.equalRange(page, off, previous.buf(), off, trimmedLen));
  }

  /** A stored chunk value as read back. */
  public record StoredChunk(int offset, byte[] data) {}

  /**
   * Assembles a block from the chunk values of one version (newest per offset, empty values already
   * left out).
   *
   * @throws IllegalStateException if chunks overlap or overrun the block
   */
  public static BlockData assemble(List<StoredChunk> chunks, int blockSize) {
    int length = 0;
    int prevEnd = 0;
    for (StoredChunk c : chunks) {
      if (c.offset() < prevEnd || c.offset() + c.data().length > blockSize) {
        throw new IllegalStateException(
            "corrupt chunked block: chunk at " + c.offset() + " overlaps or overruns");
      }
      prevEnd = c.offset() + c.data().length;
      if (c.data().length > 0) {
        length = prevEnd;
      }
    }
    byte[] buf = new byte[length];
    for (StoredChunk c : chunks) {
      System.arraycopy(
          c.data(), 0, buf, c.offset(), Math.min(c.data().length, length - c.offset()));
    }
    return new BlockData(buf, length);
  }
}
