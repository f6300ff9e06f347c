package io.bigfile.support;

import io.bigfile.file.BigFiles;
import io.bigfile.file.FileContent;
import io.bigfile.file.FileId;
import io.bigfile.file.FileInfo;
import io.bigfile.file.RequestContext;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;

/**
 * Bytes in and out of a file through the engine's API ({@link BigFiles}), for the tests that call
 * it directly rather than over HTTP. Only the public API of {@code io.bigfile.file} is used, so the
 * helpers serve any implementation however it is built.
 */
public final class FileBytes {

  private FileBytes() {}

  /** The whole file as {@code ctx} sees it. */
  public static byte[] readAll(BigFiles files, RequestContext ctx, FileId id) {
    try (FileContent c = files.open(ctx, id)) {
      return copy(c, 0, c.info().size());
    }
  }

  /** {@code length} bytes from {@code offset}, as {@code ctx} sees the file. */
  public static byte[] read(
      BigFiles files, RequestContext ctx, FileId id, long offset, long length) {
    try (FileContent c = files.open(ctx, id)) {
      return copy(c, offset, length);
    }
  }

  /** {@code length} bytes from {@code offset} of an open read. */
  public static byte[] copy(FileContent content, long offset, long length) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      content.copyTo(offset, length, out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** Writes all of {@code data} at {@code offset}, without a precondition or a size change. */
  public static FileInfo write(
      BigFiles files, RequestContext ctx, FileId id, long offset, byte[] data) {
    return files.write(ctx, id, offset, data.length, new ByteArrayInputStream(data), null, null);
  }

  /** {@code n} bytes of value {@code v}. */
  public static byte[] filled(int n, int v) {
    byte[] b = new byte[n];
    Arrays.fill(b, (byte) v);
    return b;
  }
}
