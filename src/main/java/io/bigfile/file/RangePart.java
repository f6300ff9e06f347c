package io.bigfile.file;

import java.io.InputStream;

/**
 * One range of a byte-range patch: {@code length} bytes of {@code body} written at {@code offset}.
 *
 * @param length the exact number of bytes the body holds
 * @param completeLength the size the file must have afterwards, or null
 */
public record RangePart(long offset, long length, Long completeLength, InputStream body) {

  public RangePart {
    if (offset < 0 || length < 0) {
      throw new InvalidRequestException("a range part must not start or end before zero");
    }
    if (completeLength != null && completeLength < offset + length) {
      throw new InvalidRequestException(
          "the complete length " + completeLength + " is smaller than the end of the range");
    }
  }
}
