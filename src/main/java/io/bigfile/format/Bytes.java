package io.bigfile.format;

/** Byte helpers shared by the encodings. */
public final class Bytes {

  private Bytes() {}

  /** The length of {@code b[from, to)} once its trailing zero bytes are removed. */
  public static int trimmedLength(byte[] b, int from, int to) {
    int i = to;
    while (i > from && b[i - 1] == 0) {
      i--;
    }
    return i - from;
  }

  /** Whether {@code a[aFrom, aFrom+len)} equals {@code b[bFrom, bFrom+len)}. */
  public static boolean equalRange(byte[] a, int aFrom, byte[] b, int bFrom, int len) {
    return java.util.Arrays.equals(a, aFrom, aFrom + len, b, bFrom, bFrom + len);
  }
}
