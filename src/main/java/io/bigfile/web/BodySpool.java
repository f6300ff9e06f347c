package io.bigfile.web;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Where one request body is kept while it arrives: in memory while it is small, in a temporary file
 * once it is larger than the memory threshold or the memory all spools may hold is taken. The file
 * is opened delete-on-close (on Linux the JDK unlinks it as soon as it is open), so it disappears
 * when the spool is closed, or with the process, even one killed. Not thread-safe: one request's
 * receiver writes it, then its handler reads it.
 */
final class BodySpool implements Closeable {

  /** The memory all spools hold, shared; what each reserves of it. */
  static final class Memory {
    private final long max;
    private final AtomicLong used = new AtomicLong();

    Memory(long max) {
      this.max = max;
    }

    boolean tryReserve(long bytes) {
      long now;
      do {
        now = used.get();
        if (now + bytes > max) {
          return false;
        }
      } while (!used.compareAndSet(now, now + bytes));
      return true;
    }

    void release(long bytes) {
      used.addAndGet(-bytes);
    }

    long used() {
      return used.get();
    }
  }

  private static final int FIRST_ARRAY = 1024;
  private static final int FILE_BUFFER = 64 * 1024;

  private final Memory memory;
  private final int threshold;
  private final Path dir;
  private byte[] mem = new byte[0];
  private int memLength;
  private FileChannel file;
  private ByteBuffer pending;
  private long length;
  private boolean closed;

  /**
   * @param threshold the most bytes held in memory
   * @param dir where a larger body goes
   */
  BodySpool(Memory memory, int threshold, Path dir) {
    this.memory = memory;
    this.threshold = threshold;
    this.dir = dir;
  }

  /** Whether the body went to a file. */
  boolean inFile() {
    return file != null;
  }

  /** Bytes written so far. */
  long length() {
    return length;
  }

  /** Appends bytes. */
  void write(byte[] b, int off, int len) throws IOException {
    if (closed) {
      throw new IOException("the body's spool is closed");
    }
    length += len;
    if (file == null && !fitsInMemory(len)) {
      spill();
    }
    if (file == null) {
      System.arraycopy(b, off, mem, memLength, len);
      memLength += len;
    } else {
      while (len > 0) {
        int n = Math.min(len, pending.remaining());
        pending.put(b, off, n);
        off += n;
        len -= n;
        if (!pending.hasRemaining()) {
          flush();
        }
      }
    }
  }

  /** Whether {@code len} more bytes can stay in memory, growing the array (and its reservation). */
  private boolean fitsInMemory(int len) {
    long need = (long) memLength + len;
    if (need > threshold) {
      return false;
    }
    if (need <= mem.length) {
      return true;
    }
    int grown = (int) Math.min(threshold, Math.max(need, Math.max(FIRST_ARRAY, 2L * mem.length)));
    if (!memory.tryReserve(grown - mem.length)) {
      return false;
    }
    mem = Arrays.copyOf(mem, grown);
    return true;
  }

  /** Moves what is in memory to a new temporary file, and gives the memory back. */
  private void spill() throws IOException {
    Path path = Files.createTempFile(dir, "bigfile-body-", ".tmp");
    try {
      file =
          FileChannel.open(
              path,
              StandardOpenOption.READ,
              StandardOpenOption.WRITE,
              StandardOpenOption.DELETE_ON_CLOSE);
    } catch (IOException e) {
      Files.deleteIfExists(path);
      throw e;
    }
    pending = ByteBuffer.allocate(FILE_BUFFER);
    ByteBuffer held = ByteBuffer.wrap(mem, 0, memLength);
    while (held.hasRemaining()) {
      file.write(held);
    }
    memory.release(mem.length);
    mem = new byte[0];
    memLength = 0;
  }

  private void flush() throws IOException {
    pending.flip();
    while (pending.hasRemaining()) {
      file.write(pending);
    }
    pending.clear();
  }

  /** The whole body, from its first byte; call once, after the last write. */
  InputStream read() throws IOException {
    if (file == null) {
      return new ByteArrayInputStream(mem, 0, memLength);
    }
    flush();
    file.position(0);
    return new BufferedInputStream(Channels.newInputStream(file), FILE_BUFFER);
  }

  /** Gives back the memory and deletes the file. Idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    memory.release(mem.length);
    mem = new byte[0];
    if (file != null) {
      try {
        file.close();
      } catch (IOException e) {
        // the file was opened delete-on-close: it goes with the process at the latest
      }
    }
  }
}
