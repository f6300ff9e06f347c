package io.bigfile.support;

import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Deterministic, position-addressable test bytes: the byte at offset {@code p} of pattern {@code
 * seed} depends only on {@code (seed, p)}, so any range of any size can be generated, streamed or
 * checked without holding the whole content in memory. Different seeds give unrelated bytes, and no
 * 8-byte word repeats within a pattern in practice, so a misplaced block never matches.
 */
public final class PatternData {

  private PatternData() {}

  /** SplitMix64 of the word index, keyed by the seed. */
  static long word(long seed, long index) {
    long z = seed * 0x9E3779B97F4A7C15L + index * 0xBF58476D1CE4E5B9L + 0x94D049BB133111EBL;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** Fills {@code buf[off, off+len)} with the pattern's bytes at {@code [offset, offset+len)}. */
  public static void fill(long seed, long offset, byte[] buf, int off, int len) {
    long p = offset;
    long end = offset + len;
    int i = off;
    long w = word(seed, p >>> 3);
    while (p < end) {
      int shift = (int) (p & 7);
      if (shift == 0) {
        w = word(seed, p >>> 3);
      }
      buf[i++] = (byte) (w >>> (shift << 3));
      p++;
    }
  }

  /** The pattern's bytes at {@code [offset, offset+len)}. */
  public static byte[] bytes(long seed, long offset, int len) {
    byte[] b = new byte[len];
    fill(seed, offset, b, 0, len);
    return b;
  }

  /** A stream of the pattern's bytes at {@code [offset, offset+length)}, generated as read. */
  public static InputStream stream(long seed, long offset, long length) {
    return new InputStream() {
      private long pos = offset;
      private final long end = offset + length;

      @Override
      public int read() {
        if (pos >= end) {
          return -1;
        }
        byte[] one = new byte[1];
        fill(seed, pos++, one, 0, 1);
        return one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) {
        if (len == 0) {
          return 0;
        }
        if (pos >= end) {
          return -1;
        }
        int n = (int) Math.min(len, end - pos);
        fill(seed, pos, b, off, n);
        pos += n;
        return n;
      }

      @Override
      public int available() {
        return (int) Math.min(Integer.MAX_VALUE, end - pos);
      }
    };
  }

  /** SHA-256 (hex) of the pattern's bytes at {@code [offset, offset+length)}. */
  public static String sha256(long seed, long offset, long length) {
    MessageDigest md = sha256();
    byte[] buf = new byte[1 << 20];
    for (long p = offset; p < offset + length; ) {
      int n = (int) Math.min(buf.length, offset + length - p);
      fill(seed, p, buf, 0, n);
      md.update(buf, 0, n);
      p += n;
    }
    return HexFormat.of().formatHex(md.digest());
  }

  public static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
