package io.bigfile.bench;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * The benchmark's bytes: the byte at offset {@code p} of pattern {@code seed} depends only on
 * {@code (seed, p)} (little-endian words of SplitMix64, the same bytes as the tests' {@code
 * PatternData}), so both sides of a comparison write and read exactly the same data without holding
 * it. Random-looking and incompressible, like sensor data after compression, so neither side gains
 * from TOAST compression; no block repeats, so nothing gains from deduplication either. Generating
 * runs at several GB/s, a small share of every transfer it feeds.
 */
final class Data {

  private static final VarHandle LONG_LE =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  private Data() {}

  static long word(long seed, long index) {
    long z = seed * 0x9E3779B97F4A7C15L + index * 0xBF58476D1CE4E5B9L + 0x94D049BB133111EBL;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** Fills {@code buf[off, off+len)} with the pattern's bytes at {@code [offset, offset+len)}. */
  static void fill(long seed, long offset, byte[] buf, int off, int len) {
    long p = offset;
    int i = off;
    int end = off + len;
    while (i < end && (p & 7) != 0) {
      buf[i++] = (byte) (word(seed, p >>> 3) >>> ((p & 7) << 3));
      p++;
    }
    while (end - i >= 8) {
      LONG_LE.set(buf, i, word(seed, p >>> 3));
      i += 8;
      p += 8;
    }
    while (i < end) {
      buf[i++] = (byte) (word(seed, p >>> 3) >>> ((p & 7) << 3));
      p++;
    }
  }

  static byte[] bytes(long seed, long offset, int len) {
    byte[] b = new byte[len];
    fill(seed, offset, b, 0, len);
    return b;
  }

  /**
   * The pattern's bytes at {@code [offset, offset+length)} as a lazy sequence of fresh arrays of at
   * most {@code piece} bytes, for an HTTP request body: each array is generated when the client
   * asks for it.
   */
  static Iterable<byte[]> pieces(long seed, long offset, long length, int piece) {
    return () ->
        new Iterator<>() {
          private long pos = offset;
          private final long end = offset + length;

          @Override
          public boolean hasNext() {
            return pos < end;
          }

          @Override
          public byte[] next() {
            if (pos >= end) {
              throw new NoSuchElementException();
            }
            int n = (int) Math.min(piece, end - pos);
            byte[] b = new byte[n];
            fill(seed, pos, b, 0, n);
            pos += n;
            return b;
          }
        };
  }
}
