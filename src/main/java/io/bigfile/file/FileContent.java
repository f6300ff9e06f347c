package io.bigfile.file;

import java.io.IOException;
import java.io.OutputStream;

/**
 * An open read of one file at one snapshot. Every byte it copies belongs to that snapshot, however
 * long the copy takes and whatever commits meanwhile. Not thread-safe; close it when done (it pins
 * the snapshot's history and, in a transaction, holds the transaction against concurrent requests).
 */
public interface FileContent extends AutoCloseable {

  FileInfo info();

  /** Copies {@code length} bytes from {@code offset}; the range must lie within the file. */
  void copyTo(long offset, long length, OutputStream out) throws IOException;

  @Override
  void close();
}
