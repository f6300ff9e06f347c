package io.bigfile.format;

/**
 * The content of one block version: bytes {@code [0, length)} of {@code buf}, then zeros up to the
 * block size. The array is never modified once a BlockData holds it.
 */
public record BlockData(byte[] buf, int length) {

  public static final BlockData EMPTY = new BlockData(new byte[0], 0);

  public BlockData {
    if (length < 0 || length > buf.length) {
      throw new IllegalArgumentException("length " + length + " outside buffer " + buf.length);
    }
  }

  /** The byte at {@code pos}, zero past {@code length}. */
  public byte byteAt(int pos) {
    return pos < length ? buf[pos] : 0;
  }

  /**
   * Copies bytes {@code [from, from+len)} of the block into {@code dst}, zeros past {@code length}.
   */
  public void copyTo(int from, byte[] dst, int dstOff, int len) {
    int avail = Math.max(0, Math.min(len, length - from));
    if (avail > 0) {
      System.arraycopy(buf, from, dst, dstOff, avail);
    }
    if (avail < len) {
      java.util.Arrays.fill(dst, dstOff + avail, dstOff + len, (byte) 0);
    }
  }

  /** Memory held, for cache weighing. */
  public int weight() {
    return buf.length + 32;
  }
}
