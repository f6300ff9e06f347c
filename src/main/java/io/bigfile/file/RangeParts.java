package io.bigfile.file;

import java.io.IOException;

/** The ranges of a byte-range patch, read one after the other from a request body. */
@FunctionalInterface
public interface RangeParts {

  /**
   * The next part, or null after the last. The previous part's body must have been read to its end.
   *
   * @throws InvalidRequestException if the body is malformed
   */
  RangePart next() throws IOException;
}
