package io.bigfile.engine;

import java.io.InputStream;

/**
 * A request body to write into one file: where it goes, how long it is and the size it leaves.
 *
 * @param length the exact body length, or -1 to read to the end of the body
 * @param sizeAfter the size the file has afterwards ({@code Content-Range: bytes a-b/N}), or null
 */
record BodyWrite(Mode mode, long offset, long length, InputStream body, Long sizeAfter) {

  /** Where a body's bytes go. */
  enum Mode {
    /** At the offset the request names. */
    AT,
    /** At the end of the file. */
    APPEND,
    /** From offset 0, replacing the whole content. */
    REPLACE
  }

  /** Where the first byte goes in a file of {@code size} bytes. */
  long start(long size) {
    return mode == Mode.APPEND ? size : offset;
  }
}
